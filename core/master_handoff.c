/*
 * core/master_handoff.c - the handoff accept strategy (SPEC 5): the
 * master accepts and passes each descriptor to the workers in turn over
 * their channels, skipping a worker whose connections are all in use.
 */
#include "core/core.h"
#include "core/process_internal.h"
#include "core/master_internal.h"

#include <sys/socket.h>


/* Connections accepted per wake-up in handoff mode, so that signals and
 * the other sockets are not starved by one busy socket. */
#define HV_HANDOFF_BATCH 64

/* Every worker full (no room in its shared slot): clients wait in the
 * listen backlog and the master looks again after this (ms). */
#define HV_HANDOFF_FULL_RETRY 50


static void hv_master_pass_fd(hv_master_t *m, int fd, hv_uint_t index);
static bool hv_master_has_room(hv_master_t *m, hv_uint_t slot);
static void hv_master_accept_pause(hv_master_t *m, hv_uint_t index, int err);
static bool hv_master_any_room(hv_master_t *m);


/* Handoff: accept a batch, pass each descriptor on, close our copy. */
void
hv_master_handoff(hv_master_t *m, hv_uint_t index)
{
    hv_listening_t *ls = m->cycle->listening.elts;
    hv_uint_t n;
    int fd;

    /* every worker full: the rest wait in the backlog, not closed */
    for (n = 0; n < HV_HANDOFF_BATCH && hv_master_any_room(m); n++) {
        fd = accept4(ls[index].fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EMFILE || errno == ENFILE) {
                hv_master_accept_pause(m, index, errno);
                return;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                hv_log_error(HV_LOG_CRIT, m->cycle->log, errno,
                    "accept4() on %s failed", ls[index].addr_text);
            }
            return;
        }

        hv_master_pass_fd(m, fd, index);
        (void) close(fd);
    }
}


/*
 * Out of descriptors: the level-triggered sockets would wake the master
 * again at once, and before this it spun a core and wrote ~250,000 log
 * lines a second.  hv_master_poll_set() leaves them out until
 * accept_resume_at; clients wait in the backlog meanwhile.
 */
static void
hv_master_accept_pause(hv_master_t *m, hv_uint_t index, int err)
{
    hv_listening_t *ls = m->cycle->listening.elts;

    /* the cached time is as old as the last wait */
    hv_time_update();

    if (hv_current_msec >= m->emfile_quiet) {
        hv_log_error(HV_LOG_ERR, m->cycle->log, err, "accept4() on %s failed",
            ls[index].addr_text);
        m->emfile_quiet = hv_current_msec + HV_ACCEPT_LOG_INTERVAL;
    }

    m->accept_resume_at = hv_current_msec + HV_ACCEPT_PAUSE;
}


hv_msec_t
hv_master_accept_retry(hv_master_t *m)
{
    if (hv_current_msec < m->accept_resume_at) {
        return m->accept_resume_at - hv_current_msec;
    }

    return hv_master_any_room(m) ? 0 : HV_HANDOFF_FULL_RETRY;
}


static void
hv_master_pass_fd(hv_master_t *m, int fd, hv_uint_t index)
{
    hv_listening_t *ls;
    hv_proc_t *p;
    hv_channel_t ch;
    hv_uint_t i, slot;

    memset(&ch, 0, sizeof(hv_channel_t));
    ch.command = HV_CMD_FD;
    ch.pid = (int32_t) hv_process.pid;
    ch.fd = fd;
    ch.listen_index = (int32_t) index;

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        slot = (m->handoff_next + i) % HV_MAX_PROCESSES;
        p = &m->procs[slot];

        if (!hv_master_has_room(m, slot)) {
            continue;
        }

        ch.slot = (int32_t) slot;

        /* a full channel means a busy worker: try the next one */
        if (hv_channel_write(p->channel, &ch, m->cycle->log) == HV_OK) {
            m->handoff_next = slot + 1;
            (void) hv_stat_add(m->cycle->shared->workers[slot].room, -1);
            return;
        }
    }

    ls = m->cycle->listening.elts;
    hv_log_error(HV_LOG_WARN, m->cycle->log, 0,
        "no worker could take a connection on %s, closed", ls[index].addr_text);
}


/*
 * Handoff: a worker of this generation that can take a connection, by
 * the room it publishes (event/accept.c) less what was passed since.
 */
static bool
hv_master_has_room(hv_master_t *m, hv_uint_t slot)
{
    hv_proc_t *p = &m->procs[slot];

    return p->pid != 0 && !p->exiting && p->channel != -1 &&
           p->generation == m->cycle->generation &&
           __atomic_load_n(
               &m->cycle->shared->workers[slot].room, __ATOMIC_RELAXED) > 0;
}


/* Whether any worker of the current generation can take a connection. */
static bool
hv_master_any_room(hv_master_t *m)
{
    hv_uint_t i;

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (hv_master_has_room(m, i)) {
            return true;
        }
    }

    return false;
}
