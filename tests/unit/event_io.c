/*
 * tests/unit/event_io.c - event/io.c over real sockets: hv_recv()'s ready
 * and eof bookkeeping (short reads, EAGAIN, end of stream, a pending
 * EPOLLRDHUP), and hv_send_chain() with memory and file buffers through a
 * loopback TCP connection whose buffers are kept small, so that most
 * calls end in a partial write the function must resume correctly.
 */
#include "event/event.h"
#include "tests/tap.h"
#include "tests/unit/null_log.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>


#define HV_TEST_FILE_SIZE (300 * 1024)
#define HV_TEST_MAX_ROUNDS 100000


typedef struct {
    hv_connection_t c;
    hv_event_t rev;
    hv_event_t wev;
    hv_log_file_t file;
} hv_test_conn_t;


static void
hv_test_conn_init(hv_test_conn_t *t, int fd)
{
    memset(t, 0, sizeof(hv_test_conn_t));

    t->c.fd = fd;
    t->c.read = &t->rev;
    t->c.write = &t->wev;
    t->rev.data = &t->c;
    t->wev.data = &t->c;
    t->wev.write = 1;
    t->rev.ready = 1;
    t->wev.ready = 1;

    /* errors the tests provoke on purpose go nowhere */
    hv_test_null_log(&t->c.log, &t->file);
}


static void
hv_test_conn_done(hv_test_conn_t *t)
{
    if (t->c.fd != -1) {
        (void) close(t->c.fd);
    }
    (void) close(t->file.fd);
}


static void
hv_test_nonblock(int fd)
{
    (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}


/* A connected loopback TCP pair with small buffers on both sides. */
static bool
hv_test_tcp_pair(int *client, int *server)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int ls, size = 4096, one = 1;

    ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (ls == -1 || bind(ls, (struct sockaddr *) &sin, sizeof(sin)) == -1 ||
        listen(ls, 1) == -1 ||
        getsockname(ls, (struct sockaddr *) &sin, &len) == -1) {
        return false;
    }

    *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*client == -1) {
        return false;
    }

    (void) setsockopt(*client, SOL_SOCKET, SO_RCVBUF, &size, sizeof(int));

    if (connect(*client, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        return false;
    }

    *server = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
    (void) close(ls);

    if (*server == -1) {
        return false;
    }

    (void) setsockopt(*server, SOL_SOCKET, SO_SNDBUF, &size, sizeof(int));
    (void) setsockopt(*server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
    hv_test_nonblock(*client);
    hv_test_nonblock(*server);

    return true;
}


static void
hv_test_recv(void)
{
    hv_test_conn_t t;
    unsigned char buf[64];
    int sv[2];
    ssize_t n;

    hv_tap_subtest("hv_recv: short read, EAGAIN, EOF");

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1) {
        T_OK(false, "socketpair()");
        return;
    }

    hv_test_conn_init(&t, sv[0]);

    T_IS_INT(write(sv[1], "0123456789", 10), 10, "peer wrote 10 bytes");

    n = hv_recv(&t.c, buf, 4);
    T_IS_INT(n, 4, "a full read of 4");
    T_OK(t.rev.ready, "a full read keeps ready");

    n = hv_recv(&t.c, buf, sizeof(buf));
    T_IS_INT(n, 6, "the remaining 6");
    T_IS_MEM(buf, "456789", 6, "in order");
    T_OK(!t.rev.ready, "a short read clears ready (edge-triggered)");

    t.rev.ready = 1;
    n = hv_recv(&t.c, buf, sizeof(buf));
    T_IS_INT(n, HV_AGAIN, "nothing to read: HV_AGAIN");
    T_OK(!t.rev.ready && !t.rev.eof, "ready cleared, no eof");

    /* the engine saw EPOLLRDHUP: a short read must not hide the EOF */
    T_IS_INT(write(sv[1], "ab", 2), 2, "peer wrote 2 more");
    (void) shutdown(sv[1], SHUT_WR);
    t.rev.ready = 1;
    t.rev.pending_eof = 1;

    n = hv_recv(&t.c, buf, sizeof(buf));
    T_IS_INT(n, 2, "the last 2 bytes");
    T_OK(t.rev.ready, "pending eof keeps ready after a short read");

    n = hv_recv(&t.c, buf, sizeof(buf));
    T_IS_INT(n, 0, "then end of stream");
    T_OK(t.rev.eof && !t.rev.ready, "eof set, ready cleared");
    T_OK(!t.rev.error && !t.c.error, "no error");

    (void) close(sv[1]);
    hv_test_conn_done(&t);
}


/* Appends more separate small buffers than one writev() takes. */
static hv_chain_t **
hv_test_chain_small(
    hv_pool_t *pool, hv_chain_t **last, unsigned char *expect, size_t *n)
{
    hv_buf_t *b;
    size_t i;

    for (i = 0; i < 1500; i++) {
        b = hv_buf_create(pool, 3);
        b->last[0] = (unsigned char) ('0' + i % 10);
        b->last[1] = '.';
        b->last += 2;
        expect[(*n)++] = b->pos[0];
        expect[(*n)++] = '.';
        *last = hv_chain_link(pool, b);
        last = &(*last)->next;
    }

    return last;
}


/* Builds the chain: memory, split memory, a file range, many small bufs. */
static hv_chain_t *
hv_test_chain(hv_pool_t *pool, int fd, unsigned char *expect, size_t *len)
{
    static const char *const parts[] = { "HTTP/1.1 200 OK\r\n",
        "X: ", "y\r\n\r\n" };
    hv_chain_t *head = NULL, **last = &head;
    hv_buf_t *b;
    unsigned char *big;
    size_t i, n = 0;
    off_t j;

    for (i = 0; i < hv_nelems(parts); i++) {
        b = hv_buf_calloc(pool);
        b->pos = (unsigned char *) parts[i];
        b->last = b->pos + strlen(parts[i]);
        memcpy(expect + n, b->pos, strlen(parts[i]));
        n += strlen(parts[i]);
        *last = hv_chain_link(pool, b);
        last = &(*last)->next;
    }

    /* one memory block described by two buffers (contiguous) */
    big = hv_palloc(pool, 100000);
    for (i = 0; i < 100000; i++) {
        big[i] = (unsigned char) ('a' + i % 26);
    }
    memcpy(expect + n, big, 100000);
    n += 100000;

    b = hv_buf_calloc(pool);
    b->pos = big;
    b->last = big + 40000;
    *last = hv_chain_link(pool, b);
    last = &(*last)->next;

    b = hv_buf_calloc(pool);
    *last = hv_chain_link(pool, b); /* an empty buffer in between */
    last = &(*last)->next;

    b = hv_buf_calloc(pool);
    b->pos = big + 40000;
    b->last = big + 100000;
    *last = hv_chain_link(pool, b);
    last = &(*last)->next;

    /* a file range that starts inside the file */
    b = hv_buf_calloc(pool);
    b->in_file = 1;
    b->fd = fd;
    b->file_pos = 1000;
    b->file_last = HV_TEST_FILE_SIZE;
    for (j = 1000; j < HV_TEST_FILE_SIZE; j++) {
        expect[n++] = (unsigned char) (j * 7 % 251);
    }
    *last = hv_chain_link(pool, b);
    last = &(*last)->next;

    last = hv_test_chain_small(pool, last, expect, &n);

    b = hv_buf_calloc(pool);
    b->last_buf = 1;
    *last = hv_chain_link(pool, b); /* the empty last buffer */

    *len = n;
    return head;
}


static int
hv_test_file(void)
{
    char name[] = "/tmp/hv_event_io_XXXXXX";
    unsigned char *data;
    int fd, i;

    fd = mkstemp(name);
    if (fd == -1) {
        return -1;
    }
    (void) unlink(name);

    data = malloc(HV_TEST_FILE_SIZE);
    for (i = 0; i < HV_TEST_FILE_SIZE; i++) {
        data[i] = (unsigned char) (i * 7 % 251);
    }

    if (write(fd, data, HV_TEST_FILE_SIZE) != HV_TEST_FILE_SIZE) {
        (void) close(fd);
        fd = -1;
    }

    free(data);
    return fd;
}


/*
 * Reads what the peer can read now into buf[have..cap), or (to_eof) until
 * the end of the stream, waiting at most a second for each piece; returns
 * the new fill.
 */
static size_t
hv_test_read(int fd, unsigned char *buf, size_t cap, size_t have, bool to_eof)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    ssize_t n;

    while (have < cap) {
        n = read(fd, buf + have, cap - have);

        if (n > 0) {
            have += (size_t) n;
            continue;
        }

        if (n == 0 || !to_eof || errno != EAGAIN || poll(&pfd, 1, 1000) != 1) {
            break;
        }
    }

    return have;
}


static void
hv_test_send_chain(void)
{
    hv_test_conn_t t;
    hv_pool_t *pool;
    hv_chain_t *cl;
    unsigned char *expect, *got;
    size_t len, have;
    int client, server, fd, rounds, partial, early;

    hv_tap_subtest("hv_send_chain: memory, file, partial writes");

    fd = hv_test_file();
    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, NULL);
    expect = malloc(HV_TEST_FILE_SIZE + 200000);
    got = malloc(HV_TEST_FILE_SIZE + 200000);

    if (fd == -1 || pool == NULL || expect == NULL || got == NULL ||
        !hv_test_tcp_pair(&client, &server)) {
        T_OK(false, "set-up");
        return;
    }

    hv_test_conn_init(&t, server);
    cl = hv_test_chain(pool, fd, expect, &len);

    have = 0;
    partial = 0;
    early = 0;

    for (rounds = 0; rounds < HV_TEST_MAX_ROUNDS; rounds++) {
        t.wev.ready = 1;
        cl = hv_send_chain(&t.c, cl, 0);
        if (cl == NULL || cl == HV_CHAIN_ERROR) {
            break;
        }

        /* it may only stop early because the socket is full */
        if (t.wev.ready) {
            early++;
        }
        partial++;

        have = hv_test_read(client, got, len + 1, have, false);
    }

    T_OK(cl == NULL, "the whole chain went out");
    T_IS_INT(early, 0, "returned early only when the socket was full");
    T_OK(partial > 10, "through %d partial writes", partial);
    T_IS_INT(t.c.sent, len, "c->sent counts every byte");

    (void) shutdown(server, SHUT_WR);
    have = hv_test_read(client, got, len + 1, have, true);

    T_IS_INT(have, len, "the peer received %lu bytes", (unsigned long) len);
    T_OK(have == len && memcmp(got, expect, len) == 0,
        "byte for byte, in order");

    (void) close(client);
    hv_test_conn_done(&t);
    hv_pool_destroy(pool);
    (void) close(fd);
    free(expect);
    free(got);
}


static void
hv_test_limit_and_error(void)
{
    hv_test_conn_t t;
    hv_pool_t *pool;
    hv_chain_t *cl, *rest;
    hv_buf_t *b;
    unsigned char buf[64];
    int client, server;

    hv_tap_subtest("hv_send_chain: limit, then a peer that is gone");

    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, NULL);
    if (pool == NULL || !hv_test_tcp_pair(&client, &server)) {
        T_OK(false, "set-up");
        return;
    }

    hv_test_conn_init(&t, server);

    b = hv_buf_calloc(pool);
    b->pos = (unsigned char *) "0123456789abcdef";
    b->last = b->pos + 16;
    cl = hv_chain_link(pool, b);

    rest = hv_send_chain(&t.c, cl, 10);
    T_OK(rest == cl, "the limit stops inside the buffer");
    T_IS_INT(b->last - b->pos, 6, "6 bytes left to send");
    T_OK(t.wev.ready, "still ready: the socket was not full");

    usleep(20000);
    T_IS_INT(read(client, buf, sizeof(buf)), 10, "the peer got 10");

    /* the peer resets: the next sends fail */
    (void) setsockopt(client, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
        sizeof(struct linger));
    (void) close(client);
    usleep(20000);

    rest = hv_send_chain(&t.c, cl, 0);
    if (rest != HV_CHAIN_ERROR) {
        rest = hv_send_chain(&t.c, cl, 0);
    }
    T_OK(rest == HV_CHAIN_ERROR, "a reset peer is an error");
    T_OK(t.c.error && t.wev.error, "error flags set");

    hv_test_conn_done(&t);
    hv_pool_destroy(pool);
}


int
main(void)
{
    /* what a worker does: a dead peer is an error, not a signal */
    (void) signal(SIGPIPE, SIG_IGN);
    hv_time_update();

    hv_test_recv();
    hv_test_send_chain();
    hv_test_limit_and_error();

    return hv_tap_done();
}
