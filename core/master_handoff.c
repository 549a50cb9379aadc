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


static void hv_master_pass_fd(hv_master_t *m, int fd, hv_uint_t index);
static bool hv_master_has_room(hv_master_t *m, hv_uint_t slot);


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


bool
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
