/*
 * event/accept.c - accepting connections and the listening sockets of a
 * worker.
 *
 * Which sockets a worker watches depends on the strategy (SPEC 5):
 *   mutex      the shared sockets, only while it holds the accept mutex
 *              (event/accept_mutex.c adds and removes them);
 *   exclusive  the shared sockets, always, with EPOLLEXCLUSIVE;
 *   reuseport  its own SO_REUSEPORT copy of each such socket, always;
 *   handoff    none: the master accepts and passes descriptors.
 * A "listen ... reuseport" socket is always watched the reuseport way,
 * whatever the strategy of the others.
 */
#include "event/event_internal.h"

#include <sys/socket.h>


static bool hv_event_listen_mine(hv_listening_t *ls);
static int hv_event_listen_connection(hv_cycle_t *cycle, hv_listening_t *ls);
static int hv_accept_fd(int lfd, hv_sockaddr_t *sa, socklen_t *socklen);
static void hv_accept_pause(hv_event_t *ev, hv_err_t err);
static void hv_accept_resume(hv_cycle_t *cycle);
static void hv_accept_handed(hv_cycle_t *cycle, hv_listening_t *ls, int fd);


/* The worker number that selects this process's reuseport sockets. */
static hv_int_t
hv_event_worker_number(void)
{
    return hv_process.worker >= 0 ? hv_process.worker : 0;
}


static bool
hv_event_listen_mine(hv_listening_t *ls)
{
    return ls->worker == -1 || ls->worker == hv_event_worker_number();
}


int
hv_event_listen_init(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_uint_t i;

    for (i = 0; i < cycle->listening.nelts; i++) {
        ls[i].connection = NULL;

        if (ls[i].fd == -1) {
            continue;
        }

        /* the other workers' copies: the kernel must not hash here */
        if (!hv_event_listen_mine(&ls[i])) {
            if (close(ls[i].fd) == -1) {
                hv_log_error(HV_LOG_ERR, cycle->log, errno,
                    "close() listening socket %s failed", ls[i].addr_text);
            }
            ls[i].fd = -1;
            continue;
        }

        if (!ls[i].reuseport && hv_event_worker.strategy == HV_ACCEPT_HANDOFF) {
            continue;
        }

        if (hv_event_listen_connection(cycle, &ls[i]) != HV_OK) {
            return HV_ERROR;
        }
    }

    if (hv_event_listen_set(cycle, HV_LISTEN_OWN, true) != HV_OK) {
        return HV_ERROR;
    }
    hv_event_worker.own_held = true;

    if (hv_event_worker.strategy == HV_ACCEPT_EXCLUSIVE) {
        if (hv_event_listen_set(cycle, HV_LISTEN_SHARED, true) != HV_OK) {
            return HV_ERROR;
        }
        hv_event_worker.held = true;
    }

    return HV_OK;
}


static int
hv_event_listen_connection(hv_cycle_t *cycle, hv_listening_t *ls)
{
    hv_connection_t *c;

    c = hv_get_connection(cycle, ls->fd, cycle->log);
    if (c == NULL) {
        hv_log_error(HV_LOG_EMERG, cycle->log, 0,
            "no connection left for listening socket %s", ls->addr_text);
        return HV_ERROR;
    }

    c->listening = ls;
    c->shared = 1;
    c->read->accept = 1;
    c->read->handler = hv_event_accept;
    ls->connection = c;

    return HV_OK;
}


int
hv_event_listen_set(hv_cycle_t *cycle, unsigned which, bool on)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_event_t *rev;
    hv_uint_t i;
    bool exclusive;
    int rc = HV_OK;

    exclusive = hv_event_worker.strategy == HV_ACCEPT_EXCLUSIVE;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].connection == NULL ||
            !(which & (ls[i].reuseport ? HV_LISTEN_OWN : HV_LISTEN_SHARED))) {
            continue;
        }

        rev = ls[i].connection->read;

        if (on &&
            hv_event_add_listen(rev, exclusive && !ls[i].reuseport) != HV_OK) {
            rc = HV_ERROR;
        }

        if (!on && hv_event_del_listen(rev) != HV_OK) {
            rc = HV_ERROR;
        }
    }

    return rc;
}


void
hv_event_listen_close(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_connection_t *c;
    hv_uint_t i;

    for (i = 0; i < cycle->listening.nelts; i++) {
        c = ls[i].connection;

        if (c != NULL) {
            (void) hv_event_del_listen(c->read);
            hv_close_connection(c);
            ls[i].connection = NULL;
            ls[i].fd = -1;
            continue;
        }

        if (ls[i].fd != -1) {
            if (close(ls[i].fd) == -1) {
                hv_log_error(HV_LOG_ERR, cycle->log, errno,
                    "close() listening socket %s failed", ls[i].addr_text);
            }
            ls[i].fd = -1;
        }
    }
}


/* accept4(), or accept() and two fcntl() where accept4() is missing. */
static int
hv_accept_fd(int lfd, hv_sockaddr_t *sa, socklen_t *socklen)
{
#ifdef HV_HAVE_ACCEPT4
    return accept4(lfd, &sa->sa, socklen, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    int fd;

    fd = accept(lfd, &sa->sa, socklen);

    if (fd != -1 && (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
                        fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)) {
        (void) close(fd);
        errno = ECONNABORTED; /* drop this one, go on with the next */
        return -1;
    }

    return fd;
#endif
}


void
hv_event_accept(hv_event_t *ev)
{
    hv_connection_t *lc = ev->data;
    hv_listening_t *ls = lc->listening;
    hv_cycle_t *cycle = hv_event_worker.cycle;
    hv_sockaddr_t sa;
    socklen_t socklen;
    hv_uint_t n;
    hv_err_t err;
    int fd;

    if (ev->timedout) {
        ev->timedout = 0;
        hv_accept_resume(cycle);
        return;
    }

    if (!ls->reuseport && hv_accept_mutex_stale(cycle)) {
        return;
    }

    n = hv_event_worker.conf->multi_accept ? HV_MULTI_ACCEPT_MAX : 1;

    /* a full worker leaves clients in the backlog: accepted, they could
     * only be closed */
    while (n-- > 0 && !hv_event_worker.closed && hv_connection_reserve(cycle)) {
        socklen = sizeof(hv_sockaddr_t);
        fd = hv_accept_fd(lc->fd, &sa, &socklen);

        if (fd == -1) {
            err = errno;

            /* level-triggered: another worker may have taken it */
            if (err == EAGAIN || err == EWOULDBLOCK) {
                ev->ready = 0;
                return;
            }

            /* the client gave up while queued */
            if (err == ECONNABORTED || err == EINTR) {
                continue;
            }

            if (err == EMFILE || err == ENFILE) {
                hv_accept_pause(ev, err);
                return;
            }

            hv_log_error(HV_LOG_ERR, cycle->log, err, "accept4() on %s failed",
                ls->addr_text);
            return;
        }

        hv_event_worker.accepted++;
        hv_event_stat(accepted, 1);

        hv_event_accepted(cycle, ls, fd, &sa, socklen);
    }
}


/*
 * Out of descriptors (see HV_ACCEPT_PAUSE in core/listening.h): stop
 * watching every socket for a while (the timer rides on the event that
 * failed) and let connections close.
 */
static void
hv_accept_pause(hv_event_t *ev, hv_err_t err)
{
    hv_cycle_t *cycle = hv_event_worker.cycle;
    hv_connection_t *lc = ev->data;

    if (hv_current_msec >= hv_event_worker.emfile_quiet) {
        hv_log_error(HV_LOG_ERR, cycle->log, err, "accept4() on %s failed",
            lc->listening->addr_text);
        hv_event_worker.emfile_quiet = hv_current_msec + HV_ACCEPT_LOG_INTERVAL;
    }

    hv_event_worker.paused = true;
    (void) hv_event_listen_set(cycle, HV_LISTEN_OWN | HV_LISTEN_SHARED, false);
    hv_event_worker.held = false;
    hv_event_worker.own_held = false;

    hv_event_add_timer(ev, HV_ACCEPT_PAUSE);
}


/*
 * Every socket comes back with the next loop iteration: it competes for
 * the mutex again, or (exclusive) re-adds the shared sockets, and
 * hv_accept_own_adjust() its own, when the worker has room.
 */
static void
hv_accept_resume(hv_cycle_t *cycle)
{
    (void) cycle;

    hv_event_worker.paused = false;
}


hv_uint_t
hv_accept_room(hv_cycle_t *cycle)
{
    return cycle->free_connection_n + cycle->reusable_connections_n;
}


void
hv_accept_own_adjust(hv_cycle_t *cycle)
{
    bool want;

    want = !hv_event_worker.closed && !hv_event_worker.paused &&
           hv_accept_room(cycle) > 0;

    if (want == hv_event_worker.own_held) {
        return;
    }

    if (hv_event_listen_set(cycle, HV_LISTEN_OWN, want) == HV_OK || !want) {
        hv_event_worker.own_held = want;
    }
}


void
hv_event_accepted(hv_cycle_t *cycle, hv_listening_t *ls, int fd,
    const hv_sockaddr_t *sa, socklen_t socklen)
{
    hv_connection_t *c;
    unsigned char *text;
    size_t len;

    c = hv_get_connection(cycle, fd, cycle->log);
    if (c == NULL) {
        (void) close(fd);
        return;
    }

    c->listening = ls;
    c->number = ++hv_event_worker.number;
    c->log.connection = c->number;
    c->start_msec = hv_current_msec;
    c->sockaddr = *sa;
    c->socklen = socklen;

    /* counted as a client from here on: hv_close_connection() uncounts */
    hv_event_worker.clients++;
    hv_event_stat(active, 1);

    c->pool = hv_pool_create(HV_CONNECTION_POOL_SIZE, &c->log);
    if (c->pool == NULL) {
        hv_close_connection(c);
        return;
    }

    text = hv_pnalloc(c->pool, HV_SOCKADDR_STRLEN);
    if (text == NULL) {
        hv_close_connection(c);
        return;
    }

    len =
        hv_inet_ntop(&c->sockaddr.sa, false, (char *) text, HV_SOCKADDR_STRLEN);
    c->addr_text.data = text;
    c->addr_text.len = hv_min(len, (size_t) HV_SOCKADDR_STRLEN - 1);

    /* a new socket has room to write; data to read brings an edge */
    c->write->ready = 1;

    if (ls->deferred && hv_event_worker.unregistered_n < HV_UNREGISTERED_MAX) {
        /*
         * A deferred socket is accepted with its first data: the protocol
         * reads it in this iteration (a posted event), and most requests
         * on a fresh connection are answered at once.  It joins the epoll
         * set only afterwards, and only if still open: a connection per
         * request then costs no epoll_ctl() and no removal from the set
         * at close (7% of the workers' CPU in make bench's
         * connection-per-request line).  The edge-triggered add reports
         * what is already readable or writable, so nothing is missed.
         */
        c->read->ready = 1;
        hv_event_worker.unregistered[hv_event_worker.unregistered_n++] = c;

    } else if (hv_event_add_conn(c) != HV_OK) {
        hv_close_connection(c);
        return;
    }

    hv_event_stat(handled, 1);

    ls->handler(c);
}


void
hv_event_register_accepted(void)
{
    hv_connection_t *c;
    hv_uint_t i;

    for (i = 0; i < hv_event_worker.unregistered_n; i++) {
        c = hv_event_worker.unregistered[i];

        /* closed already; or a slot reused by a later accept, registered
         * by it (or listed twice) */
        if (c->fd == -1 || c->read->active) {
            continue;
        }

        /* on failure (logged; exhausted kernel memory) the protocol owns
         * the connection now: whatever it waits for has a timer, whose
         * handler closes it the protocol's way */
        (void) hv_event_add_conn(c);
    }

    hv_event_worker.unregistered_n = 0;
}


void
hv_event_handoff(hv_cycle_t *cycle, hv_listening_t *ls, int fd)
{
    int flags;

    /* a stopping worker still serves what reaches it: nobody else will */
    hv_event_worker.accepted++;
    hv_event_stat(accepted, 1);

    /* O_NONBLOCK lives in the shared file description: check, not trust */
    flags = fcntl(fd, F_GETFL);
    if (flags == -1 || (!(flags & O_NONBLOCK) &&
                           fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)) {
        hv_log_error(HV_LOG_ERR, cycle->log, errno,
            "fcntl(O_NONBLOCK) on a handed-off socket failed");
        (void) close(fd);
        return;
    }

    /* full: the client waits here, unread, as it would in the backlog */
    if (hv_event_worker.pending_n > 0 || !hv_connection_reserve(cycle)) {
        if (hv_event_worker.pending_n < HV_HANDOFF_PENDING) {
            hv_event_worker.pending[hv_event_worker.pending_n].fd = fd;
            hv_event_worker.pending[hv_event_worker.pending_n].ls = ls;
            hv_event_worker.pending_n++;
            return;
        }

        hv_log_error(HV_LOG_WARN, cycle->log, 0,
            "%lu worker_connections are not enough",
            (unsigned long) cycle->connection_n);
        (void) close(fd);
        return;
    }

    hv_accept_handed(cycle, ls, fd);
}


static void
hv_accept_handed(hv_cycle_t *cycle, hv_listening_t *ls, int fd)
{
    hv_sockaddr_t sa;
    socklen_t socklen = sizeof(hv_sockaddr_t);

    if (getpeername(fd, &sa.sa, &socklen) == -1) {
        /* the client left before the worker got its descriptor */
        hv_log_error(HV_LOG_INFO, cycle->log, errno,
            "getpeername() of a handed-off socket failed");
        (void) close(fd);
        return;
    }

    hv_event_accepted(cycle, ls, fd, &sa, socklen);
}


void
hv_accept_room_update(hv_cycle_t *cycle)
{
    hv_uint_t i, n;

    for (n = 0; n < hv_event_worker.pending_n && hv_connection_reserve(cycle);
         n++) {
        hv_accept_handed(cycle, hv_event_worker.pending[n].ls,
            hv_event_worker.pending[n].fd);
    }

    if (n > 0) {
        hv_event_worker.pending_n -= n;
        for (i = 0; i < hv_event_worker.pending_n; i++) {
            hv_event_worker.pending[i] = hv_event_worker.pending[i + n];
        }
    }

    if (hv_event_worker.stats != NULL) {
        __atomic_store_n(&hv_event_worker.stats->room,
            (int64_t) hv_accept_room(cycle) -
                (int64_t) hv_event_worker.pending_n,
            __ATOMIC_RELAXED);
    }
}
