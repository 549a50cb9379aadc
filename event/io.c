/*
 * event/io.c - socket I/O of a plain (non-TLS) connection.
 *
 * Connections are edge-triggered, so every function here keeps the
 * event's ready flag true to the socket: it is cleared exactly when the
 * kernel said EAGAIN (or, for reads, when a short read shows the socket
 * buffer is empty), and the handler then waits for the next edge.
 */
#include "event/event_internal.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifdef HV_HAVE_SENDFILE
#include <sys/sendfile.h>
#endif


/*
 * The most one writev()/sendfile() moves on Linux (MAX_RW_COUNT); asking
 * for more only returns a short count.
 */
#define HV_SEND_MAX ((off_t) 0x7ffff000)

/* iovecs per writev(): IOV_MAX, or the usual 1024 where it is missing. */
#ifdef IOV_MAX
#define HV_IOVS IOV_MAX
#else
#define HV_IOVS 1024
#endif


static int hv_chain_to_iovec(hv_chain_t *in, off_t limit, struct iovec *iov,
    size_t *total, hv_chain_t **stop);
static hv_chain_t *hv_send_iovecs(
    hv_connection_t *c, hv_chain_t *in, off_t limit, off_t *sent);
static int hv_send_failed(hv_connection_t *c, const char *text);
static hv_chain_t *hv_send_file(
    hv_connection_t *c, hv_chain_t *in, off_t limit, off_t *sent);


/* Errors a client causes by going away: not worth more than info. */
void
hv_connection_error(hv_connection_t *c, hv_err_t err, const char *text)
{
    hv_uint_t level;

    switch (err) {
        case ECONNRESET:
        case EPIPE:
        case ENOTCONN:
        case ETIMEDOUT:
        case ECONNREFUSED:
        case ENETDOWN:
        case ENETUNREACH:
        case EHOSTDOWN:
        case EHOSTUNREACH:
            level = HV_LOG_INFO;
            break;
        default:
            level = HV_LOG_ERR;
    }

    hv_log_error(level, &c->log, err, "%s", text);
}


ssize_t
hv_recv(hv_connection_t *c, unsigned char *buf, size_t size)
{
    hv_event_t *rev = c->read;
    ssize_t n;
    hv_err_t err;

    for (;;) {
        n = recv(c->fd, buf, size, 0);

        if (n > 0) {
            /*
             * Edge-triggered: a short read emptied the socket buffer, and
             * more data brings a new edge.  After EPOLLRDHUP the next
             * recv() must run to see the end of the stream.
             */
            if ((size_t) n < size && !rev->pending_eof) {
                rev->ready = 0;
            }
            return n;
        }

        if (n == 0) {
            rev->ready = 0;
            rev->eof = 1;
            return 0;
        }

        err = errno;

        if (err == EAGAIN || err == EWOULDBLOCK) {
            rev->ready = 0;
            return HV_AGAIN;
        }

        if (err != EINTR) {
            break;
        }
    }

    rev->ready = 0;
    rev->error = 1;
    c->error = 1;
    hv_connection_error(c, err, "recv() failed");

    return HV_ERROR;
}


ssize_t
hv_send(hv_connection_t *c, const unsigned char *buf, size_t size)
{
    hv_event_t *wev = c->write;
    ssize_t n;
    hv_err_t err;

    for (;;) {
        n = send(c->fd, buf, size, MSG_NOSIGNAL);

        if (n >= 0) {
            if ((size_t) n < size) {
                wev->ready = 0;
            }
            c->sent += n;
            return n;
        }

        err = errno;

        if (err == EAGAIN || err == EWOULDBLOCK) {
            wev->ready = 0;
            return HV_AGAIN;
        }

        if (err != EINTR) {
            break;
        }
    }

    wev->error = 1;
    c->error = 1;
    hv_connection_error(c, err, "send() failed");

    return HV_ERROR;
}


/*
 * Alternates between one sendmsg() over the run of memory buffers at the
 * head of the chain and one sendfile() for a file buffer, until the chain
 * is sent, the limit is reached or the socket is full.
 */
hv_chain_t *
hv_send_chain(hv_connection_t *c, hv_chain_t *in, off_t limit)
{
    off_t sent;

    if (limit <= 0 || limit > HV_SEND_MAX) {
        limit = HV_SEND_MAX;
    }

    for (;;) {
        in = hv_chain_skip_empty(in);

        if (in == NULL || limit == 0 || !c->write->ready) {
            return in;
        }

        sent = 0;

        if (in->buf->in_file) {
            in = hv_send_file(c, in, limit, &sent);
        } else {
            in = hv_send_iovecs(c, in, limit, &sent);
        }

        if (in == HV_CHAIN_ERROR) {
            return HV_CHAIN_ERROR;
        }

        c->sent += sent;
        limit -= sent;
    }
}


/*
 * Fills iov from the memory buffers at the head of the chain, up to limit
 * bytes; returns the number of iovecs and the byte count in *total, and
 * in *stop the first link not taken whole (NULL: all were).
 */
static int
hv_chain_to_iovec(hv_chain_t *in, off_t limit, struct iovec *iov, size_t *total,
    hv_chain_t **stop)
{
    hv_chain_t *cl;
    size_t size;
    int n = 0;

    *total = 0;

    for (cl = in; cl != NULL && n < HV_IOVS && (off_t) *total < limit;
         cl = cl->next) {
        if (cl->buf->in_file) {
            break;
        }

        size = (size_t) (cl->buf->last - cl->buf->pos);
        if (size == 0) {
            continue;
        }

        if ((off_t) size > limit - (off_t) *total) {
            /* this one goes out in part: it stays the head */
            size = (size_t) (limit - (off_t) *total);
            iov[n].iov_base = cl->buf->pos;
            iov[n].iov_len = size;
            *total += size;
            *stop = cl;
            return n + 1;
        }

        /* contiguous memory (a split buffer) goes out as one iovec */
        if (n > 0 &&
            (unsigned char *) iov[n - 1].iov_base + iov[n - 1].iov_len ==
                cl->buf->pos) {
            iov[n - 1].iov_len += size;
        } else {
            iov[n].iov_base = cl->buf->pos;
            iov[n].iov_len = size;
            n++;
        }

        *total += size;
    }

    *stop = cl;

    return n;
}


static hv_chain_t *
hv_send_iovecs(hv_connection_t *c, hv_chain_t *in, off_t limit, off_t *sent)
{
    struct iovec iov[HV_IOVS];
    struct msghdr msg;
    hv_chain_t *stop, *cl;
    size_t total;
    ssize_t rc;

    memset(&msg, 0, sizeof(struct msghdr));
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t) hv_chain_to_iovec(in, limit, iov, &total, &stop);

    for (;;) {
        /* sendmsg() is writev() that can say MSG_NOSIGNAL */
        rc = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
        if (rc >= 0) {
            break;
        }

        switch (hv_send_failed(c, "writev() failed")) {
            case HV_AGAIN:
                return in;
            case HV_ERROR:
                return HV_CHAIN_ERROR;
            default:
                break; /* interrupted: retry */
        }
    }

    if ((size_t) rc < total) {
        c->write->ready = 0;
    }

    *sent = rc;

    if ((size_t) rc < total || (stop != NULL && !stop->buf->in_file)) {
        return hv_chain_advance(in, rc);
    }

    /* all taken whole and all sent (the usual case): no byte counting */
    for (cl = in; cl != stop; cl = cl->next) {
        cl->buf->pos = cl->buf->last;
    }

    return stop;
}


/*
 * Classifies a failed send: HV_AGAIN when the socket is full (write
 * readiness cleared), HV_OK when interrupted (retry), else HV_ERROR after
 * marking the connection and logging text ("writev() failed").
 */
static int
hv_send_failed(hv_connection_t *c, const char *text)
{
    hv_err_t err = errno;

    if (err == EAGAIN || err == EWOULDBLOCK) {
        c->write->ready = 0;
        return HV_AGAIN;
    }

    if (err == EINTR) {
        return HV_OK;
    }

    c->write->error = 1;
    c->error = 1;
    hv_connection_error(c, err, text);

    return HV_ERROR;
}


static hv_chain_t *
hv_send_file(hv_connection_t *c, hv_chain_t *in, off_t limit, off_t *sent)
{
    hv_buf_t *b = in->buf;
    size_t size;
    ssize_t n;
    off_t offset;

    size = (size_t) hv_min(b->file_last - b->file_pos, limit);

    for (;;) {
        offset = b->file_pos;

#ifdef HV_HAVE_SENDFILE
        n = sendfile(c->fd, b->fd, &offset, size);
#else
        (void) offset;
        n = -1;
        errno = ENOSYS;
#endif

        if (n >= 0) {
            break;
        }

        switch (hv_send_failed(c, "sendfile() failed")) {
            case HV_AGAIN:
                return in;
            case HV_ERROR:
                return HV_CHAIN_ERROR;
            default:
                break; /* interrupted: retry */
        }
    }

    if (n == 0) {
        /* the file is shorter than the response promised */
        c->error = 1;
        hv_log_error(HV_LOG_ERR, &c->log, 0,
            "sendfile() reported that file descriptor %d was "
            "truncated at %lld",
            b->fd, (long long) b->file_pos);
        return HV_CHAIN_ERROR;
    }

    /*
     * A short count does not mean the socket is full, unlike writev():
     * sendfile() moves the file through a 64 KB kernel pipe in rounds and
     * returns what it moved so far when a signal (QUIT, HUP, USR1, ALRM)
     * is pending between two rounds.  Clearing ready then would wait for
     * an EPOLLOUT edge that never comes, since the socket never filled
     * (a reload or a master's death stalled downloads until
     * send_timeout).  So ready stays set and hv_send_chain() calls again:
     * a full socket answers EAGAIN, one extra call per full socket.
     */
    b->file_pos += n;
    *sent = n;

    return b->file_pos < b->file_last ? in : in->next;
}


int
hv_tcp_nopush(hv_connection_t *c, bool on)
{
    int value = on ? 1 : 0;

    if ((bool) c->tcp_nopush == on) {
        return HV_OK;
    }

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &value, sizeof(int)) == -1) {
        hv_connection_error(c, errno, "setsockopt(TCP_CORK) failed");
        return HV_ERROR;
    }

    c->tcp_nopush = on;

    return HV_OK;
}


int
hv_tcp_nodelay(hv_connection_t *c)
{
    int value = 1;

    if (c->tcp_nodelay) {
        return HV_OK;
    }

    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof(int)) ==
        -1) {
        hv_connection_error(c, errno, "setsockopt(TCP_NODELAY) failed");
        return HV_ERROR;
    }

    c->tcp_nodelay = 1;

    return HV_OK;
}
