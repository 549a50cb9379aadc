/*
 * tests/unit/core_listening.c - core/listening.c: one entry per address,
 * binding, handing a socket over to the next cycle, reuseport sockets per
 * worker, a busy address that undoes everything, and the sockets a new
 * binary inherits (USR2).
 */
#include "core/core.h"
#include "tests/tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>


/* A log that drops every line: the failures below are expected. */
static hv_log_t hv_test_log = { .level = HV_LOG_EMERG };


/* The fields of a cycle that listening.c uses, with a core conf. */
static hv_cycle_t *
hv_test_cycle(hv_pool_t *pool, hv_cycle_t *old, hv_int_t workers)
{
    hv_cycle_t *cycle;
    hv_core_conf_t *ccf;

    cycle = hv_pcalloc(pool, sizeof(hv_cycle_t));
    ccf = hv_pcalloc(pool, sizeof(hv_core_conf_t));
    T_OK(cycle != NULL && ccf != NULL, "allocate a cycle");

    cycle->pool = pool;
    cycle->log = &hv_test_log;
    cycle->old_cycle = old;
    cycle->conf = hv_pcalloc(pool, HV_MODULES_N * sizeof(void *));
    T_OK(cycle->conf != NULL, "allocate the conf array");
    T_IS_INT(hv_array_init(&cycle->listening, pool, 2, sizeof(hv_listening_t)),
        HV_OK, "listening array");

    ccf->worker_processes = workers;
    ccf->master_process = 1;
    cycle->conf[HV_MODULE_core] = ccf;

    return cycle;
}


static void
hv_test_addr(hv_sockaddr_t *sa, int port)
{
    memset(sa, 0, sizeof(hv_sockaddr_t));
    sa->sin.sin_family = AF_INET;
    sa->sin.sin_port = htons((uint16_t) port);
    sa->sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}


/* A port that was free a moment ago. */
static int
hv_test_free_port(void)
{
    hv_sockaddr_t sa;
    socklen_t len = sizeof(struct sockaddr_in);
    int fd, port;

    hv_test_addr(&sa, 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1 || bind(fd, &sa.sa, len) == -1 ||
        getsockname(fd, &sa.sa, &len) == -1) {
        T_OK(false, "find a free port");
        return 0;
    }
    port = ntohs(sa.sin.sin_port);
    (void) close(fd);
    return port;
}


static int
hv_test_bound_port(int fd)
{
    hv_sockaddr_t sa;
    socklen_t len = sizeof(hv_sockaddr_t);

    if (getsockname(fd, &sa.sa, &len) == -1) {
        return -1;
    }
    return ntohs(sa.sin.sin_port);
}


static bool
hv_test_fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) != -1;
}


static void
hv_test_add_open_take(hv_pool_t *pool)
{
    hv_cycle_t *c1, *c2;
    hv_listening_t *a, *b, *ls;
    hv_sockaddr_t sa;
    int pa, pb, kept;

    hv_tap_subtest("add, open, and take over on the next cycle");

    pa = hv_test_free_port();
    pb = hv_test_free_port();
    c1 = hv_test_cycle(pool, NULL, 2);

    hv_test_addr(&sa, pa);
    a = hv_listening_add(c1, &sa, sizeof(struct sockaddr_in));
    T_OK(a != NULL, "add 127.0.0.1:%d", pa);
    T_IS_INT(a->fd, -1, "not opened yet");
    T_IS_INT(a->worker, -1, "shared by every worker");
    T_IS_INT(a->backlog, 511, "backlog 511");
    T_OK(hv_listening_add(c1, &sa, sizeof(struct sockaddr_in)) == a,
        "the same address gives the same entry");

    hv_test_addr(&sa, pb);
    b = hv_listening_add(c1, &sa, sizeof(struct sockaddr_in));
    T_OK(b != NULL && b != a, "another port, another entry");
    T_IS_INT(c1->listening.nelts, 2, "two entries");

    T_IS_INT(hv_listening_open(c1), HV_OK, "open");
    ls = c1->listening.elts;
    T_IS_INT(hv_test_bound_port(ls[0].fd), pa, "bound to %d", pa);
    T_IS_INT(hv_test_bound_port(ls[1].fd), pb, "bound to %d", pb);
    T_OK((fcntl(ls[0].fd, F_GETFL) & O_NONBLOCK) != 0, "non-blocking");
    T_OK(!ls[0].inherited, "not inherited");

    /* the next generation keeps pa and drops pb */
    c2 = hv_test_cycle(pool, c1, 2);
    hv_test_addr(&sa, pa);
    T_OK(hv_listening_add(c2, &sa, sizeof(struct sockaddr_in)) != NULL,
        "the next cycle adds %d again", pa);
    kept = ls[0].fd;

    T_IS_INT(hv_listening_open(c2), HV_OK, "open the next cycle");
    ls = c2->listening.elts;
    T_IS_INT(ls[0].fd, kept, "the socket is taken over, not re-bound");
    T_OK(ls[0].inherited, "marked inherited");
    T_OK(((hv_listening_t *) c1->listening.elts)[0].remain,
        "the old entry is marked as kept");

    hv_listening_close_unused(c1);
    T_OK(hv_test_fd_open(kept), "closing the old cycle keeps the taken one");
    T_IS_INT(hv_test_bound_port(kept), pa, "still bound");

    hv_listening_close_all(c2);
    T_OK(!hv_test_fd_open(kept), "close_all closes it");
}


static void
hv_test_reuseport(hv_pool_t *pool)
{
    hv_cycle_t *c1, *c2;
    hv_listening_t *ls;
    hv_sockaddr_t sa;
    hv_uint_t i;
    int port, fds[3];

    hv_tap_subtest("reuseport: one socket per worker");

    port = hv_test_free_port();
    c1 = hv_test_cycle(pool, NULL, 3);
    hv_test_addr(&sa, port);
    ls = hv_listening_add(c1, &sa, sizeof(struct sockaddr_in));
    ls->reuseport = 1;

    T_IS_INT(hv_listening_open(c1), HV_OK, "open");
    T_IS_INT(c1->listening.nelts, 3, "three sockets for three workers");

    ls = c1->listening.elts;
    for (i = 0; i < 3 && i < c1->listening.nelts; i++) {
        T_IS_INT(ls[i].worker, (hv_int_t) i, "socket %u belongs to worker %u",
            (unsigned) i, (unsigned) i);
        T_IS_INT(hv_test_bound_port(ls[i].fd), port, "bound to the port");
        fds[i] = ls[i].fd;
    }
    T_OK(fds[0] != fds[1] && fds[1] != fds[2], "distinct sockets");

    /* a reload with the same worker count keeps each worker's socket */
    c2 = hv_test_cycle(pool, c1, 3);
    ls = hv_listening_add(c2, &sa, sizeof(struct sockaddr_in));
    ls->reuseport = 1;
    T_IS_INT(hv_listening_open(c2), HV_OK, "open the next cycle");

    ls = c2->listening.elts;
    for (i = 0; i < 3 && i < c2->listening.nelts; i++) {
        T_IS_INT(ls[i].fd, fds[ls[i].worker], "worker %d keeps its socket",
            (int) ls[i].worker);
    }

    hv_listening_close_unused(c1);
    hv_listening_close_all(c2);
}


static void
hv_test_busy(hv_pool_t *pool)
{
    hv_cycle_t *c1, *c2;
    hv_listening_t *ls;
    hv_sockaddr_t sa;
    int port, busy, other, fd;

    hv_tap_subtest("a busy address fails the cycle and undoes it");

    other = hv_test_free_port();
    c1 = hv_test_cycle(pool, NULL, 1);
    hv_test_addr(&sa, other);
    T_OK(hv_listening_add(c1, &sa, sizeof(struct sockaddr_in)) != NULL,
        "add %d", other);
    T_IS_INT(hv_listening_open(c1), HV_OK, "open the running cycle");
    fd = ((hv_listening_t *) c1->listening.elts)[0].fd;

    /* someone else listens on port */
    port = hv_test_free_port();
    hv_test_addr(&sa, port);
    busy = socket(AF_INET, SOCK_STREAM, 0);
    T_OK(busy != -1 && bind(busy, &sa.sa, sizeof(struct sockaddr_in)) == 0 &&
             listen(busy, 5) == 0,
        "occupy %d", port);

    c2 = hv_test_cycle(pool, c1, 1);
    hv_test_addr(&sa, other);
    (void) hv_listening_add(c2, &sa, sizeof(struct sockaddr_in));
    hv_test_addr(&sa, port);
    (void) hv_listening_add(c2, &sa, sizeof(struct sockaddr_in));

    T_IS_INT(hv_listening_open(c2), HV_ERROR, "open fails on the busy port");

    ls = c2->listening.elts;
    T_IS_INT(ls[0].fd, -1, "the failed cycle holds no socket");
    T_IS_INT(ls[1].fd, -1, "none at all");
    T_OK(!((hv_listening_t *) c1->listening.elts)[0].remain,
        "the old socket is given back");
    T_OK(hv_test_fd_open(fd), "and is still open");
    T_IS_INT(hv_test_bound_port(fd), other, "and bound");

    (void) close(busy);
    hv_listening_close_all(c1);
}


/*
 * The old master's sockets as a new binary sees them: HIVE=fd;fd; names a
 * shared socket, two reuseport copies, a pipe (skipped) and a socket the
 * new configuration drops (closed once the first cycle is built).
 */
static void
hv_test_inherit(hv_pool_t *pool)
{
    hv_cycle_t *old, *init, *cycle;
    hv_listening_t *ls;
    hv_sockaddr_t sa;
    char env[128];
    int pa, pb, pc, fa, fb0, fb1, fc, pipefd[2];

    hv_tap_subtest("a new binary adopts the inherited sockets");

    pa = hv_test_free_port();
    pb = hv_test_free_port();
    pc = hv_test_free_port();
    old = hv_test_cycle(pool, NULL, 2);
    hv_test_addr(&sa, pa);
    (void) hv_listening_add(old, &sa, sizeof(struct sockaddr_in));
    hv_test_addr(&sa, pb);
    ls = hv_listening_add(old, &sa, sizeof(struct sockaddr_in));
    ls->reuseport = 1;
    hv_test_addr(&sa, pc);
    (void) hv_listening_add(old, &sa, sizeof(struct sockaddr_in));
    T_IS_INT(hv_listening_open(old), HV_OK, "the old master's sockets");
    T_IS_INT(old->listening.nelts, 4, "shared, reuseport 0, other, copy 1");

    ls = old->listening.elts;
    fa = ls[0].fd;
    fb0 = ls[1].fd;
    fc = ls[2].fd;
    fb1 = ls[3].fd;
    T_OK(pipe(pipefd) == 0, "a pipe");

    (void) snprintf(
        env, sizeof(env), "%d;%d;%d;%d;%d;", fa, fb0, pipefd[0], fb1, fc);
    T_OK(setenv(HV_LISTENING_ENV, env, 1) == 0, "HIVE=%s", env);

    init = hv_test_cycle(pool, NULL, 2);
    T_IS_INT(hv_listening_inherit(init), HV_OK, "inherit");
    T_IS_INT(init->listening.nelts, 4, "four sockets, the pipe skipped");

    ls = init->listening.elts;
    T_IS_INT(ls[0].fd, fa, "the shared socket");
    T_OK(!ls[0].reuseport && ls[0].worker == -1, "shared by every worker");
    T_IS_INT(hv_test_bound_port(ls[0].fd), pa, "its address");
    T_OK(ls[1].reuseport && ls[1].worker == 0, "reuseport copy of worker 0");
    T_OK(ls[2].reuseport && ls[2].worker == 1, "reuseport copy of worker 1");
    T_IS_INT(ls[2].fd, fb1, "in the order the old master gave");
    T_OK((fcntl(fa, F_GETFD) & FD_CLOEXEC) != 0, "close-on-exec again");

    /* the new configuration keeps pa and pb (two workers), drops pc */
    cycle = hv_test_cycle(pool, init, 2);
    hv_test_addr(&sa, pa);
    (void) hv_listening_add(cycle, &sa, sizeof(struct sockaddr_in));
    hv_test_addr(&sa, pb);
    ls = hv_listening_add(cycle, &sa, sizeof(struct sockaddr_in));
    ls->reuseport = 1;
    T_IS_INT(hv_listening_open(cycle), HV_OK, "open without binding");

    ls = cycle->listening.elts;
    T_IS_INT(ls[0].fd, fa, "the shared socket is adopted");
    T_IS_INT(ls[1].fd, fb0, "worker 0's socket too");
    T_IS_INT(ls[2].fd, fb1, "and worker 1's");

    hv_listening_close_unused(init);
    T_OK(!hv_test_fd_open(fc), "the dropped one is closed");
    T_OK(hv_test_fd_open(fa), "the adopted ones stay open");

    (void) close(pipefd[0]);
    (void) close(pipefd[1]);
    hv_listening_close_all(cycle);
}


int
main(void)
{
    hv_pool_t *pool;

    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &hv_test_log);
    T_OK(pool != NULL, "pool");

    hv_test_add_open_take(pool);
    hv_test_reuseport(pool);
    hv_test_busy(pool);
    hv_test_inherit(pool);

    hv_pool_destroy(pool);

    return hv_tap_done();
}
