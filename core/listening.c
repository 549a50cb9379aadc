/*
 * core/listening.c - opening, taking over and closing listening sockets.
 *
 * The master opens every socket before it forks, so all workers inherit
 * them.  A reload hands a socket whose address is unchanged from the old
 * cycle to the new one by descriptor: the socket and its accept queue are
 * never closed, so a client that connects during a reload is not refused.
 */
#include "core/core.h"
#include "core/cycle_internal.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>


/* nginx's habit: a restarting server gets 2 s to release the port. */
#define HV_BIND_TRIES 5
#define HV_BIND_RETRY_NSEC (500 * 1000 * 1000L)


static int hv_listening_clone_reuseport(hv_cycle_t *cycle);
static bool hv_listening_take(hv_cycle_t *cycle, hv_listening_t *ls);
static int hv_listening_bind(hv_cycle_t *cycle, hv_listening_t *ls);
static int hv_listening_try(hv_cycle_t *cycle, hv_listening_t *ls);
static void hv_listening_defer(hv_cycle_t *cycle, hv_listening_t *ls);
static int hv_listening_setopt(hv_cycle_t *cycle, hv_listening_t *ls, int fd,
    int level, int name, const char *text, int value);
static int hv_listening_adopt(hv_cycle_t *init, int fd);


hv_listening_t *
hv_listening_add(hv_cycle_t *cycle, const hv_sockaddr_t *sa, socklen_t socklen)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_uint_t i;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].worker == -1 && hv_inet_equal(&ls[i].sockaddr.sa, &sa->sa)) {
            return &ls[i];
        }
    }

    ls = hv_array_push(&cycle->listening);
    if (ls == NULL) {
        return NULL;
    }

    memset(ls, 0, sizeof(hv_listening_t));

    ls->fd = -1;
    memcpy(&ls->sockaddr, sa, hv_min(socklen, sizeof(hv_sockaddr_t)));
    ls->socklen = socklen;
    (void) hv_inet_ntop(&sa->sa, true, ls->addr_text, sizeof(ls->addr_text));
    ls->backlog = 511;
    ls->worker = -1;
    ls->ipv6only = 1; /* nginx's default: [::] is IPv6 only */

    return ls;
}


int
hv_listening_open(hv_cycle_t *cycle)
{
    hv_listening_t *ls;
    hv_uint_t i;

    if (hv_listening_clone_reuseport(cycle) != HV_OK) {
        return HV_ERROR;
    }

    ls = cycle->listening.elts;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (hv_listening_take(cycle, &ls[i])) {
            continue;
        }

        if (hv_listening_bind(cycle, &ls[i]) != HV_OK) {
            hv_listening_undo(cycle);
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/*
 * "listen ... reuseport": one socket per worker, each bound with
 * SO_REUSEPORT so the kernel spreads connections across them; the worker
 * with number N polls only the socket whose worker field is N.  Done here,
 * after parsing, because worker_processes may come after "listen".
 */
static int
hv_listening_clone_reuseport(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    hv_listening_t *ls, *clone;
    hv_uint_t i, n;
    hv_int_t w, workers;

    workers = ccf->master_process ? ccf->worker_processes : 1;
    n = cycle->listening.nelts;

    for (i = 0; i < n; i++) {
        ls = (hv_listening_t *) cycle->listening.elts + i;

        if (!ls->reuseport || ls->worker != -1) {
            continue;
        }

        ls->worker = 0;

        for (w = 1; w < workers; w++) {
            clone = hv_array_push(&cycle->listening);
            if (clone == NULL) {
                return HV_ERROR;
            }

            /* the push may have moved the array */
            ls = (hv_listening_t *) cycle->listening.elts + i;
            *clone = *ls;
            clone->worker = w;
        }
    }

    return HV_OK;
}


/* Takes the descriptor of an equal socket of the old cycle, if any. */
static bool
hv_listening_take(hv_cycle_t *cycle, hv_listening_t *ls)
{
    hv_listening_t *old;
    hv_uint_t i;

    if (cycle->old_cycle == NULL) {
        return false;
    }

    old = cycle->old_cycle->listening.elts;

    for (i = 0; i < cycle->old_cycle->listening.nelts; i++) {
        if (old[i].fd == -1 || old[i].remain ||
            old[i].reuseport != ls->reuseport || old[i].worker != ls->worker ||
            !hv_inet_equal(&old[i].sockaddr.sa, &ls->sockaddr.sa)) {
            continue;
        }

        ls->fd = old[i].fd;
        ls->inherited = 1;
        old[i].remain = 1;

        /* a changed backlog or "deferred" takes effect on the live socket */
        if (old[i].backlog != ls->backlog &&
            listen(ls->fd, ls->backlog) == -1) {
            hv_log_error(HV_LOG_WARN, cycle->log, errno,
                "listen() to %s, backlog %d failed", ls->addr_text,
                ls->backlog);
        }

        if (old[i].deferred != ls->deferred) {
            hv_listening_defer(cycle, ls);
        }

        return true;
    }

    return false;
}


static int
hv_listening_bind(hv_cycle_t *cycle, hv_listening_t *ls)
{
    struct timespec pause = { 0, HV_BIND_RETRY_NSEC };
    int tries, rc;

    for (tries = 0; tries < HV_BIND_TRIES; tries++) {
        rc = hv_listening_try(cycle, ls);
        if (rc != HV_AGAIN) {
            return rc;
        }

        (void) nanosleep(&pause, NULL);
    }

    hv_log_error(HV_LOG_EMERG, cycle->log, 0, "still could not bind()");
    return HV_ERROR;
}


/* One attempt: HV_OK, HV_AGAIN when the address is busy, or HV_ERROR. */
static int
hv_listening_try(hv_cycle_t *cycle, hv_listening_t *ls)
{
    hv_err_t err;
    int fd;

    fd = socket(ls->sockaddr.sa.sa_family,
        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "socket() %s failed",
            ls->addr_text);
        return HV_ERROR;
    }

    if (hv_listening_setopt(cycle, ls, fd, SOL_SOCKET, SO_REUSEADDR,
            "SO_REUSEADDR", 1) != HV_OK) {
        goto failed;
    }

    if (ls->reuseport) {
#ifdef HV_HAVE_SO_REUSEPORT
        if (hv_listening_setopt(cycle, ls, fd, SOL_SOCKET, SO_REUSEPORT,
                "SO_REUSEPORT", 1) != HV_OK) {
            goto failed;
        }
#else
        hv_log_error(HV_LOG_EMERG, cycle->log, 0,
            "reuseport is not supported on this platform, "
            "listen %s",
            ls->addr_text);
        goto failed;
#endif
    }

    if (ls->sockaddr.sa.sa_family == AF_INET6 &&
        hv_listening_setopt(cycle, ls, fd, IPPROTO_IPV6, IPV6_V6ONLY,
            "IPV6_V6ONLY", ls->ipv6only) != HV_OK) {
        goto failed;
    }

    if (bind(fd, &ls->sockaddr.sa, ls->socklen) == -1) {
        err = errno;
        hv_log_error(HV_LOG_EMERG, cycle->log, err, "bind() to %s failed",
            ls->addr_text);
        (void) close(fd);
        return err == EADDRINUSE ? HV_AGAIN : HV_ERROR;
    }

    if (listen(fd, ls->backlog) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno,
            "listen() to %s, backlog %d failed", ls->addr_text, ls->backlog);
        goto failed;
    }

    ls->fd = fd;

    if (ls->deferred) {
        hv_listening_defer(cycle, ls);
    }

    return HV_OK;

failed:
    (void) close(fd);
    return HV_ERROR;
}


/*
 * "listen ... deferred" on (or, on reload, off).  The kernel then queues
 * a client for accept() only once its request has arrived, so the worker
 * is woken once per connection, not for the handshake and again for the
 * data: under connection-per-request load (make bench) the workers'
 * context switches fell from about 0.6 to 0.12 per connection.  One
 * second is what the option takes (Linux counts it in SYN-ACK
 * retransmissions): a client that connects and sends nothing is accepted
 * after that and meets client_header_timeout as usual.  A failure costs
 * only the saving, so it is logged and the socket used as it is.
 */
static void
hv_listening_defer(hv_cycle_t *cycle, hv_listening_t *ls)
{
    int value = ls->deferred ? 1 : 0;

    if (setsockopt(
            ls->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &value, sizeof(int)) == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno,
            "setsockopt(TCP_DEFER_ACCEPT, %d) %s failed", value, ls->addr_text);
    }
}


static int
hv_listening_setopt(hv_cycle_t *cycle, hv_listening_t *ls, int fd, int level,
    int name, const char *text, int value)
{
    if (setsockopt(fd, level, name, &value, sizeof(int)) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno,
            "setsockopt(%s) %s failed", text, ls->addr_text);
        return HV_ERROR;
    }

    return HV_OK;
}


void
hv_listening_undo(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_listening_t *old;
    hv_uint_t i;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1 && !ls[i].inherited) {
            (void) close(ls[i].fd);
        }
        ls[i].fd = -1;
    }

    /* only this cycle marks the old one's sockets, so all marks are ours */
    if (cycle->old_cycle != NULL) {
        old = cycle->old_cycle->listening.elts;
        for (i = 0; i < cycle->old_cycle->listening.nelts; i++) {
            old[i].remain = 0;
        }
    }
}


int
hv_listening_inherit(hv_cycle_t *init)
{
    const char *env, *p;
    char *end;
    long fd;

    env = getenv(HV_LISTENING_ENV);
    if (env == NULL || init->test_config) {
        return HV_OK;
    }

    hv_log_error(HV_LOG_NOTICE, init->log, 0,
        "using inherited sockets from \"%s\"", env);

    if (hv_array_init(
            &init->listening, init->pool, 8, sizeof(hv_listening_t)) != HV_OK) {
        return HV_ERROR;
    }

    for (p = env; *p != '\0'; p = end + (*end == ';')) {
        errno = 0;
        fd = strtol(p, &end, 10);

        if (end == p || errno != 0 || fd < 0 || fd > INT_MAX ||
            (*end != ';' && *end != '\0')) {
            hv_log_error(HV_LOG_NOTICE, init->log, 0,
                "invalid socket number \"%s\" in the " HV_LISTENING_ENV
                " environment variable, ignored",
                p);
            break;
        }

        if (hv_listening_adopt(init, (int) fd) != HV_OK) {
            return HV_ERROR;
        }
    }

    /*
     * HIVE stays in the environment: unsetenv() would orphan the copy
     * proctitle.c made of it, and the next upgrade replaces it anyway.
     */
    return HV_OK;
}


/*
 * One inherited descriptor: kept when it is a listening TCP socket, and
 * made close-on-exec again (the old master cleared that for the exec).
 */
static int
hv_listening_adopt(hv_cycle_t *init, int fd)
{
    hv_listening_t *ls, *prev;
    hv_sockaddr_t sa;
    socklen_t len, optlen;
    hv_uint_t i;
    int type, listening, reuseport, defer;

    optlen = sizeof(int);
    type = 0;
    listening = 0;
    errno = 0;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) == -1 ||
        type != SOCK_STREAM ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) == -1 ||
        !listening) {
        hv_log_error(HV_LOG_NOTICE, init->log, errno,
            "inherited descriptor %d is not a listening socket, ignored", fd);
        return HV_OK;
    }

    len = sizeof(hv_sockaddr_t);
    reuseport = 0;
    if (getsockname(fd, &sa.sa, &len) == -1) {
        hv_log_error(HV_LOG_NOTICE, init->log, errno,
            "getsockname() of inherited socket %d failed, ignored", fd);
        return HV_OK;
    }

#ifdef HV_HAVE_SO_REUSEPORT
    optlen = sizeof(int);
    if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuseport, &optlen) == -1) {
        reuseport = 0;
    }
#endif

    optlen = sizeof(int);
    if (getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, &optlen) == -1) {
        defer = 0;
    }

    (void) fcntl(fd, F_SETFD, FD_CLOEXEC);

    ls = hv_array_push(&init->listening);
    if (ls == NULL) {
        return HV_ERROR;
    }

    memset(ls, 0, sizeof(hv_listening_t));
    ls->fd = fd;
    memcpy(&ls->sockaddr, &sa, hv_min(len, sizeof(hv_sockaddr_t)));
    ls->socklen = len;
    (void) hv_inet_ntop(&sa.sa, true, ls->addr_text, sizeof(ls->addr_text));
    ls->backlog = -1; /* unknown: the configured one is applied */
    ls->worker = -1;
    ls->reuseport = reuseport ? 1 : 0;
    ls->deferred = defer > 0 ? 1 : 0;
    ls->inherited = 1;

    /* the old master passed its reuseport copies in worker order */
    if (ls->reuseport) {
        prev = init->listening.elts;
        ls->worker = 0;
        for (i = 0; i + 1 < init->listening.nelts; i++) {
            if (prev[i].reuseport &&
                hv_inet_equal(&prev[i].sockaddr.sa, &sa.sa)) {
                ls->worker++;
            }
        }
    }

    return HV_OK;
}


void
hv_listening_close_unused(hv_cycle_t *old_cycle)
{
    hv_listening_t *ls = old_cycle->listening.elts;
    hv_uint_t i;

    for (i = 0; i < old_cycle->listening.nelts; i++) {
        if (ls[i].fd != -1 && !ls[i].remain) {
            (void) close(ls[i].fd);
        }
        ls[i].fd = -1;
    }
}


void
hv_listening_close_all(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_uint_t i;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1) {
            (void) close(ls[i].fd);
            ls[i].fd = -1;
        }
    }
}
