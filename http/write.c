/*
 * http/write.c - the last body filter: chunked encoding when the header
 * filter chose it, then the queue of a request's unsent output and the
 * writes through c->send_chain.
 *
 * Nothing is copied: the queue links point at the buffers the filters
 * gave (memory or file ranges), and the socket takes what it can.  When
 * it is full, the request waits for a write event under send_timeout
 * (re-armed whenever bytes move, so it bounds a stall, not a download).
 */
#include "http/request_internal.h"


/* What the queue holds, for the decision to send now or wait. */
typedef struct {
    off_t size;
    bool last;  /* a buffer with last_buf */
    bool flush; /* a buffer with flush */
    bool file;  /* a file buffer */
} hv_http_queue_t;


/* Room for the longest chunk framing: CRLF "0" CRLF CRLF, or a size line. */
#define HV_HTTP_FRAME_SIZE 24


static inline int hv_http_write_first(
    hv_http_request_t *r, hv_chain_t *in, bool chunked);
static int hv_http_write(hv_http_request_t *r, hv_chain_t *in, bool chunked);
static void hv_http_pipeline_writer(hv_event_t *wev);


int
hv_http_write_filter(hv_http_request_t *r, hv_chain_t *in)
{
    hv_chain_t *cl;

    /* HEAD and friends: the body a handler still sends is dropped */
    if (r->header_only) {
        for (cl = in; cl != NULL; cl = cl->next) {
            cl->buf->pos = cl->buf->last;
            cl->buf->file_pos = cl->buf->file_last;
        }
        return r->out != NULL ? hv_http_write_out(r, NULL) : HV_OK;
    }

    return hv_http_write_first(r, in, r->chunked && in != NULL);
}


/*
 * Appends a link to b at **tail.  Links of r->out come from r->free_out
 * once sent, so a long download allocates none after its first writes.
 */
static int
hv_http_queue_buf(hv_http_request_t *r, hv_buf_t *b, hv_chain_t ***tail)
{
    hv_chain_t *cl = r->free_out;

    if (cl != NULL) {
        r->free_out = cl->next;
        cl->buf = b;
        cl->next = NULL;
    } else {
        cl = hv_chain_link(r->pool, b);
        if (cl == NULL) {
            return HV_ERROR;
        }
    }

    **tail = cl;
    *tail = &cl->next;

    return HV_OK;
}


/*
 * Queues len bytes of chunk framing.  Framing buffers are the request's
 * own (r->frames) and are reused once sent (pos reached last): a queued
 * one still has bytes, as every framing text is non-empty.
 */
static hv_buf_t *
hv_http_queue_frame(
    hv_http_request_t *r, const char *text, size_t len, hv_chain_t ***tail)
{
    hv_chain_t *cl;
    hv_buf_t *b;

    for (cl = r->frames; cl != NULL; cl = cl->next) {
        if (cl->buf->pos == cl->buf->last) {
            break;
        }
    }

    if (cl == NULL) {
        b = hv_buf_create(r->pool, HV_HTTP_FRAME_SIZE);
        if (b == NULL) {
            return NULL;
        }
        cl = hv_chain_link(r->pool, b);
        if (cl == NULL) {
            return NULL;
        }
        cl->next = r->frames;
        r->frames = cl;
    }

    b = cl->buf;
    b->pos = b->start;
    b->last = (unsigned char *) hv_cpymem(b->start, text, len);
    b->last_buf = 0;

    return hv_http_queue_buf(r, b, tail) == HV_OK ? b : NULL;
}


/*
 * Frames the data of in as one chunk ("SIZE CRLF data CRLF") and adds the
 * last chunk ("0 CRLF CRLF", no trailer) after a buffer with last_buf.
 */
static int
hv_http_queue_chunk(hv_http_request_t *r, hv_chain_t *in, hv_chain_t ***tail)
{
    char hdr[HV_HTTP_FRAME_SIZE];
    hv_chain_t *cl;
    hv_buf_t *b;
    off_t size;
    bool last;
    int n;

    size = 0;
    last = false;

    for (cl = in; cl != NULL; cl = cl->next) {
        size += hv_buf_size(cl->buf);
        last = last || cl->buf->last_buf;
    }

    if (size > 0) {
        n = snprintf(hdr, sizeof(hdr), "%llx\r\n", (unsigned long long) size);
        if (hv_http_queue_frame(r, hdr, (size_t) n, tail) == NULL) {
            return HV_ERROR;
        }
    }

    for (cl = in; cl != NULL; cl = cl->next) {
        if (hv_http_queue_buf(r, cl->buf, tail) != HV_OK) {
            return HV_ERROR;
        }
    }

    if (last) {
        /* the end of this chunk and the last chunk, no trailer */
        b = size > 0 ? hv_http_queue_frame(r, "\r\n0\r\n\r\n", 7, tail)
                     : hv_http_queue_frame(r, "0\r\n\r\n", 5, tail);
        if (b == NULL) {
            return HV_ERROR;
        }
        b->last_buf = 1;
        return HV_OK;
    }

    if (size > 0 && hv_http_queue_frame(r, "\r\n", 2, tail) == NULL) {
        return HV_ERROR;
    }

    return HV_OK;
}


/* Adds b to the sums of q. */
static inline void
hv_http_queue_sum(hv_http_queue_t *q, const hv_buf_t *b)
{
    /* | rather than ||: no branch per flag */
    q->size += hv_buf_size(b);
    q->last |= b->last_buf;
    q->flush |= b->flush;
    q->file |= b->in_file;
}


/*
 * Appends in's buffers (chunk-framed) behind r->out, sums up the queue:
 * the queued links while the tail is looked for, then the new ones, so
 * each link is read once (callgrind: ~40 instructions less per request).
 */
static int
hv_http_enqueue(
    hv_http_request_t *r, hv_chain_t *in, bool chunked, hv_http_queue_t *q)
{
    hv_chain_t **tail, **added, *cl;

    *q = (hv_http_queue_t){ 0 };

    for (tail = &r->out; *tail != NULL; tail = &(*tail)->next) {
        hv_http_queue_sum(q, (*tail)->buf);
    }

    added = tail;

    if (chunked) {
        if (hv_http_queue_chunk(r, in, &tail) != HV_OK) {
            return HV_ERROR;
        }
    } else {
        for (cl = in; cl != NULL; cl = cl->next) {
            if (hv_http_queue_buf(r, cl->buf, &tail) != HV_OK) {
                return HV_ERROR;
            }
        }
    }

    for (cl = *added; cl != NULL; cl = cl->next) {
        hv_http_queue_sum(q, cl->buf);
    }

    return HV_OK;
}


/* Takes the links of r->out before rest (sent) back for reuse. */
static void
hv_http_recycle(hv_http_request_t *r, hv_chain_t *rest)
{
    hv_chain_t *cl, *next;

    for (cl = r->out; cl != rest; cl = next) {
        next = cl->next;
        cl->next = r->free_out;
        r->free_out = cl;
    }

    r->out = rest;
}


/* Whether b (after a request's header) holds the next complete header. */
static bool
hv_http_next_header_ready(const hv_buf_t *b)
{
    const unsigned char *p;

    /* an empty line ends a header: LF LF or LF CR LF */
    for (p = b->pos; p + 1 < b->last; p++) {
        if (p[0] != '\n') {
            continue;
        }
        if (p[1] == '\n' || (p[1] == '\r' && p + 2 < b->last && p[2] == '\n')) {
            return true;
        }
    }

    return false;
}


/*
 * Holds r's complete response when the next pipelined request is already
 * read: its bytes are copied behind the held ones and go out with a later
 * response.  Only small memory responses of keep-alive requests whose
 * body is consumed qualify; false when r's output is sent now.
 */
static bool
hv_http_pipeline_hold(hv_http_request_t *r, const hv_http_queue_t *q)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    hv_buf_t *hb = hc->pipelined;
    off_t held = hb != NULL ? hb->last - hb->pos : 0;
    hv_chain_t *cl;
    size_t n;

    /* no next header: the usual case, decided first */
    if (!q->last || q->file || !hv_http_next_header_ready(r->header_in) ||
        !r->keepalive || c->close || c->error || hv_process.exiting ||
        (hb != NULL && r->out->buf == hb) ||
        q->size + held > HV_HTTP_PIPELINE_OUTPUT || hv_http_body_pending(r)) {
        return false;
    }

    if (hb == NULL) {
        hb = hv_buf_calloc(c->pool);
        if (hb == NULL) {
            return false;
        }
        hc->pipelined = hb;
    }

    if (hb->start == NULL) {
        hb->start = hv_pnalloc(c->pool, HV_HTTP_PIPELINE_OUTPUT);
        if (hb->start == NULL) {
            return false;
        }
        hb->pos = hb->start;
        hb->last = hb->start;
        hb->end = hb->start + HV_HTTP_PIPELINE_OUTPUT;
    }

    if (hb->end - hb->last < q->size) {
        /* the held bytes went out in part: move the rest to the start */
        n = (size_t) (hb->last - hb->pos);
        memmove(hb->start, hb->pos, n);
        hb->pos = hb->start;
        hb->last = hb->start + n;
    }

    for (cl = r->out; cl != NULL; cl = cl->next) {
        n = (size_t) (cl->buf->last - cl->buf->pos);
        memcpy(hb->last, cl->buf->pos, n);
        hb->last += n;
        cl->buf->pos = cl->buf->last;
    }

    hv_http_recycle(r, NULL);
    r->bytes_sent += q->size;
    r->body_bytes_sent = hv_max(r->bytes_sent - r->header_size, 0);

    return true;
}


/* Puts the held responses of earlier requests before r's output. */
static int
hv_http_pipeline_link(hv_http_request_t *r)
{
    hv_http_connection_t *hc = r->connection->data;
    hv_buf_t *hb = hc->pipelined;
    hv_chain_t *out, **tail;

    if (hb == NULL || hb->pos == hb->last || r->out->buf == hb) {
        return HV_OK;
    }

    out = NULL;
    tail = &out;

    if (hv_http_queue_buf(r, hb, &tail) != HV_OK) {
        return HV_ERROR;
    }

    out->next = r->out;
    r->out = out;

    return HV_OK;
}


int
hv_http_pipeline_flush(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    hv_buf_t *hb = hc->pipelined;
    ssize_t n;

    if (hb == NULL || hb->pos == hb->last) {
        return HV_OK;
    }

    if (r->out != NULL && r->out->buf == hb) {
        /* r's writer sends them */
        return HV_AGAIN;
    }

    n = c->write->ready ? c->send(c, hb->pos, (size_t) (hb->last - hb->pos))
                        : HV_AGAIN;

    if (n == HV_ERROR) {
        c->error = 1;
        return HV_ERROR;
    }

    if (n > 0) {
        hb->pos += n;
    }

    if (hb->pos == hb->last) {
        hb->pos = hb->start;
        hb->last = hb->start;
        hv_event_del_timer(c->write);
        if (c->write->handler == hv_http_pipeline_writer) {
            c->write->handler = hv_http_empty_handler;
        }
        return HV_OK;
    }

    /* between requests nobody else watches the socket for writing */
    if (c->write->handler == hv_http_empty_handler) {
        c->write->handler = hv_http_pipeline_writer;
    }

    if (n > 0 || !c->write->timer_set) {
        hv_event_add_timer(c->write, hv_http_core_loc(r)->send_timeout);
    }

    return HV_AGAIN;
}


/* c->write->handler while held responses drain between requests. */
static void
hv_http_pipeline_writer(hv_event_t *wev)
{
    hv_connection_t *c = wev->data;
    hv_http_connection_t *hc = c->data;
    hv_http_request_t *r = hc->request;

    if (r == NULL) {
        return;
    }

    if (hv_http_client_timed_out(wev, "client timed out")) {
        hv_http_close_request(r);
        return;
    }

    if (hv_http_pipeline_flush(r) == HV_ERROR) {
        hv_http_close_request(r);
    }
}


void
hv_http_pipeline_release(hv_connection_t *c)
{
    hv_http_connection_t *hc = c->data;
    hv_buf_t *hb = hc->pipelined;

    if (hb != NULL && hb->start != NULL && hb->pos == hb->last &&
        hv_pool_free_large(c->pool, hb->start) == HV_OK) {
        hb->start = NULL;
        hb->pos = NULL;
        hb->last = NULL;
        hb->end = NULL;
    }
}


int
hv_http_write_out(hv_http_request_t *r, hv_chain_t *in)
{
    return hv_http_write_first(r, in, false);
}


/*
 * What hv_http_write() would only queue: one small buffer, the first,
 * with more to come (a response header before its body).  Decided
 * before that function is entered: ~80 instructions less per response
 * than the general path, and ~30 more (its frame) than the call alone
 * (callgrind, keep-alive /pid).
 */
static inline int
hv_http_write_first(hv_http_request_t *r, hv_chain_t *in, bool chunked)
{
    hv_chain_t **tail = &r->out;

    if (r->out == NULL && in != NULL && in->next == NULL && !chunked &&
        !in->buf->last_buf && !in->buf->flush &&
        hv_buf_size(in->buf) < HV_HTTP_POSTPONE_OUTPUT &&
        !r->connection->error) {
        return hv_http_queue_buf(r, in->buf, &tail);
    }

    return hv_http_write(r, in, chunked);
}


static int
hv_http_write(hv_http_request_t *r, hv_chain_t *in, bool chunked)
{
    hv_connection_t *c = r->connection;
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_chain_t *rest;
    hv_http_queue_t q;
    off_t sent;

    if (c->error) {
        return HV_ERROR;
    }

    if (hv_http_enqueue(r, in, chunked, &q) != HV_OK) {
        return HV_ERROR;
    }

    /* in == NULL asks to send what is queued */
    if (in != NULL && !q.last && !q.flush && q.size < HV_HTTP_POSTPONE_OUTPUT) {
        return HV_OK;
    }

    if (q.size == 0) {
        hv_http_recycle(r, NULL);
        return HV_OK;
    }

    if (hv_http_pipeline_hold(r, &q)) {
        return HV_OK;
    }

    if (hv_http_pipeline_link(r) != HV_OK) {
        return HV_ERROR;
    }

    /* header and first file bytes in full packets (TCP_CORK) */
    if (q.file && clcf->sendfile && clcf->tcp_nopush && !c->tcp_nopush) {
        (void) hv_tcp_nopush(c, true);
    }

    if (!c->write->ready) {
        if (!c->write->timer_set) {
            hv_event_add_timer(c->write, clcf->send_timeout);
        }
        return HV_AGAIN;
    }

    sent = c->sent;
    rest = c->send_chain(c, r->out, HV_HTTP_SEND_LIMIT);

    if (rest == HV_CHAIN_ERROR) {
        c->error = 1;
        return HV_ERROR;
    }

    r->bytes_sent += c->sent - sent;
    r->body_bytes_sent = hv_max(r->bytes_sent - r->header_size, 0);
    hv_http_recycle(r, rest);

    if (rest != NULL) {
        if (c->sent != sent || !c->write->timer_set) {
            hv_event_add_timer(c->write, clcf->send_timeout);
        }
        /* the send limit, not a full socket: go on after the others */
        if (c->write->ready) {
            hv_post_event(c->write, &hv_posted_events);
        }
        return HV_AGAIN;
    }

    hv_event_del_timer(c->write);

    /* uncork: the tail goes out now rather than after 200 ms */
    if (q.last && c->tcp_nopush) {
        (void) hv_tcp_nopush(c, false);
    }

    return HV_OK;
}


void
hv_http_writer(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_event_t *wev = c->write;
    int rc;

    if (wev->timedout) {
        c->log.action = "sending response to client";
    }
    if (hv_http_client_timed_out(wev, "client timed out")) {
        hv_http_finalize_request(r, HV_ERROR);
        return;
    }

    rc = hv_http_output_filter(r, NULL);

    if (rc == HV_ERROR) {
        hv_http_finalize_request(r, HV_ERROR);
        return;
    }

    if (r->out != NULL) {
        return;
    }

    r->write_event_handler = hv_http_request_empty_handler;
    hv_http_finalize_request(r, HV_OK);
}
