/*
 * event/epoll.c - the epoll engine.
 *
 * Client connections are added once, edge-triggered for read and write,
 * and never modified: a keep-alive connection costs no epoll_ctl() per
 * request.  The epoll data is the connection pointer with the read event's
 * instance bit in its low bit (connections are at least 8-byte aligned).
 * A connection closed by one handler and handed to a new client by the
 * next accept, inside one batch of epoll_wait() results, has its instance
 * flipped, so the old client's remaining events are recognised as stale
 * and dropped instead of being run on the new client.
 *
 * Listening sockets (and the master's channel) are level-triggered: a
 * worker that stops accepting with connections still queued loses none,
 * another worker (or this one, later) is told again.
 */
#include "event/event_internal.h"

#include <sys/epoll.h>


/* The engine state of this process (event loop state). */
static int hv_epoll_fd = -1;
static struct epoll_event *hv_epoll_list;
static int hv_epoll_nevents;
static sigset_t hv_epoll_mask;
static const sigset_t *hv_epoll_maskp;
static hv_log_t *hv_epoll_log;


static int hv_epoll_ctl(
    int op, int fd, uint32_t events, void *ptr, hv_log_t *log);
static void hv_epoll_event(
    hv_connection_t *c, unsigned instance, uint32_t revents, bool post_accept);


int
hv_epoll_init(hv_cycle_t *cycle, hv_uint_t nevents)
{
    if (hv_epoll_fd != -1) {
        hv_epoll_done();
    }

    hv_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (hv_epoll_fd == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "epoll_create1() failed");
        return HV_ERROR;
    }

    nevents = hv_max(nevents, 1);
    nevents = hv_min(nevents, (hv_uint_t) INT_MAX / sizeof(struct epoll_event));

    hv_epoll_list = malloc(nevents * sizeof(struct epoll_event));
    if (hv_epoll_list == NULL) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "malloc(%zu) failed",
            nevents * sizeof(struct epoll_event));
        (void) close(hv_epoll_fd);
        hv_epoll_fd = -1;
        return HV_ERROR;
    }

    hv_epoll_nevents = (int) nevents;
    hv_epoll_log = cycle->log;
    hv_epoll_maskp = NULL;

    return HV_OK;
}


void
hv_epoll_done(void)
{
    if (hv_epoll_fd != -1 && close(hv_epoll_fd) == -1) {
        hv_log_error(HV_LOG_ERR, hv_epoll_log, errno, "epoll close() failed");
    }

    hv_epoll_fd = -1;
    free(hv_epoll_list);
    hv_epoll_list = NULL;
    hv_epoll_nevents = 0;
}


void
hv_epoll_wait_mask(const sigset_t *mask)
{
    if (mask == NULL) {
        hv_epoll_maskp = NULL;
        return;
    }

    hv_epoll_mask = *mask;
    hv_epoll_maskp = &hv_epoll_mask;
}


/* An epoll_ctl() that fails means a bug or exhausted kernel memory. */
static int
hv_epoll_ctl(int op, int fd, uint32_t events, void *ptr, hv_log_t *log)
{
    struct epoll_event ee;
    static const char *const names[] = { "", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL",
        "EPOLL_CTL_MOD" };

    ee.events = events;
    ee.data.ptr = ptr;

    if (epoll_ctl(hv_epoll_fd, op, fd, &ee) == -1) {
        hv_log_error(HV_LOG_ALERT, log, errno, "epoll_ctl(%s, %d) failed",
            names[op], fd);
        return HV_ERROR;
    }

    return HV_OK;
}


static void *
hv_epoll_tag(hv_connection_t *c)
{
    return (void *) ((uintptr_t) c | c->read->instance);
}


int
hv_event_add_conn(hv_connection_t *c)
{
    if (hv_epoll_ctl(EPOLL_CTL_ADD, c->fd,
            EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, hv_epoll_tag(c),
            &c->log) != HV_OK) {
        return HV_ERROR;
    }

    c->read->active = 1;
    c->write->active = 1;

    return HV_OK;
}


int
hv_event_del_conn(hv_connection_t *c)
{
    c->read->active = 0;
    c->write->active = 0;

    return hv_epoll_ctl(EPOLL_CTL_DEL, c->fd, 0, NULL, &c->log);
}


int
hv_event_add_listen(hv_event_t *ev, bool exclusive)
{
    hv_connection_t *c = ev->data;
    uint32_t events = EPOLLIN;

    if (ev->active) {
        return HV_OK;
    }

#ifdef HV_HAVE_EPOLLEXCLUSIVE
    if (exclusive) {
        events |= EPOLLEXCLUSIVE;
    }
#else
    (void) exclusive;
#endif

    if (hv_epoll_ctl(EPOLL_CTL_ADD, c->fd, events, hv_epoll_tag(c), &c->log) !=
        HV_OK) {
        return HV_ERROR;
    }

    ev->active = 1;

    return HV_OK;
}


int
hv_event_del_listen(hv_event_t *ev)
{
    hv_connection_t *c = ev->data;

    if (!ev->active) {
        return HV_OK;
    }

    ev->active = 0;

    return hv_epoll_ctl(EPOLL_CTL_DEL, c->fd, 0, NULL, &c->log);
}


int
hv_epoll_process(hv_cycle_t *cycle, hv_msec_t timer, bool post_accept)
{
    hv_connection_t *c;
    hv_err_t err;
    uintptr_t tag;
    int i, n, timeout;

    timeout = timer == HV_TIMER_INFINITE ? -1 : (int) hv_min(timer, INT_MAX);

    n = epoll_pwait(
        hv_epoll_fd, hv_epoll_list, hv_epoll_nevents, timeout, hv_epoll_maskp);
    err = errno;

    hv_time_update();

    if (n == -1) {
        /* a signal: the loop looks at its flags and comes back */
        if (err == EINTR) {
            return HV_OK;
        }

        hv_log_error(HV_LOG_ALERT, cycle->log, err, "epoll_wait() failed");
        return HV_ERROR;
    }

    if (n == 0) {
        if (timeout != -1) {
            return HV_OK;
        }

        hv_log_error(HV_LOG_ALERT, cycle->log, 0,
            "epoll_wait() returned no events without timeout");
        return HV_ERROR;
    }

    for (i = 0; i < n; i++) {
        tag = (uintptr_t) hv_epoll_list[i].data.ptr;
        c = (hv_connection_t *) (tag & ~(uintptr_t) 1);

        hv_epoll_event(
            c, (unsigned) (tag & 1), hv_epoll_list[i].events, post_accept);
    }

    return HV_OK;
}


/* Runs (or posts) the handlers one epoll result asks for. */
static void
hv_epoll_event(
    hv_connection_t *c, unsigned instance, uint32_t revents, bool post_accept)
{
    hv_event_t *rev, *wev;

    rev = c->read;

    if (c->fd == -1 || rev->instance != instance) {
        return; /* stale: closed earlier in this batch */
    }

    /* an error or hang-up is found by the handlers' own recv()/send() */
    if (revents & (EPOLLERR | EPOLLHUP)) {
        revents |= EPOLLIN | EPOLLOUT;
    }

    /* the end of the stream is something to read */
    if (revents & EPOLLRDHUP) {
        revents |= EPOLLIN;
    }

    if ((revents & EPOLLIN) && rev->active) {
        rev->ready = 1;

        if (revents & (EPOLLRDHUP | EPOLLHUP)) {
            rev->pending_eof = 1;
        }
        if (revents & EPOLLERR) {
            rev->error = 1;
        }

        if (post_accept) {
            hv_post_event(rev,
                rev->accept ? &hv_posted_accept_events : &hv_posted_events);
        } else {
            rev->handler(rev);
        }
    }

    wev = c->write;

    if (!(revents & EPOLLOUT) || !wev->active) {
        return;
    }

    /* the read handler may have closed c, and an accept reused it */
    if (c->fd == -1 || wev->instance != instance) {
        return;
    }

    wev->ready = 1;

    if (revents & EPOLLERR) {
        wev->error = 1;
    }

    if (post_accept) {
        hv_post_event(wev, &hv_posted_events);
    } else {
        wev->handler(wev);
    }
}
