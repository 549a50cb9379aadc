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


static hv_chain_t *hv_http_chunk_encode(hv_http_request_t *r, hv_chain_t *in);
static hv_chain_t *hv_http_chain_mem(
    hv_http_request_t *r, const char *text, size_t len, hv_chain_t ***tail);


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

    if (r->chunked && in != NULL) {
        in = hv_http_chunk_encode(r, in);
        if (in == NULL) {
            return HV_ERROR;
        }
    }

    return hv_http_write_out(r, in);
}


/* A chain link to len bytes of memory, appended at **tail. */
static hv_chain_t *
hv_http_chain_mem(
    hv_http_request_t *r, const char *text, size_t len, hv_chain_t ***tail)
{
    hv_chain_t *cl;
    hv_buf_t *b;

    b = hv_buf_calloc(r->pool);
    if (b == NULL) {
        return NULL;
    }

    b->start = (unsigned char *) text;
    b->pos = b->start;
    b->last = b->start + len;
    b->end = b->last;

    cl = hv_chain_link(r->pool, b);
    if (cl == NULL) {
        return NULL;
    }

    **tail = cl;
    *tail = &cl->next;

    return cl;
}


/*
 * Frames the data of in as one chunk ("SIZE CRLF data CRLF") and adds the
 * last chunk ("0 CRLF CRLF", no trailer) after a buffer with last_buf.
 * Returns a new chain over the same buffers, or NULL without memory.
 */
static hv_chain_t *
hv_http_chunk_encode(hv_http_request_t *r, hv_chain_t *in)
{
    hv_chain_t *out, **tail, *cl, *link;
    unsigned char *hdr;
    off_t size;
    bool last;
    int n;

    size = 0;
    last = false;

    for (cl = in; cl != NULL; cl = cl->next) {
        size += hv_buf_size(cl->buf);
        last = last || cl->buf->last_buf;
    }

    out = NULL;
    tail = &out;

    if (size > 0) {
        hdr = hv_pnalloc(r->pool, 20);
        if (hdr == NULL) {
            return NULL;
        }
        n = snprintf((char *) hdr, 20, "%llx\r\n", (unsigned long long) size);
        if (hv_http_chain_mem(r, (char *) hdr, (size_t) n, &tail) == NULL) {
            return NULL;
        }
    }

    for (cl = in; cl != NULL; cl = cl->next) {
        link = hv_chain_link(r->pool, cl->buf);
        if (link == NULL) {
            return NULL;
        }
        *tail = link;
        tail = &link->next;
    }

    if (size > 0 && hv_http_chain_mem(r, "\r\n", 2, &tail) == NULL) {
        return NULL;
    }

    if (last) {
        cl = hv_http_chain_mem(r, "0\r\n\r\n", 5, &tail);
        if (cl == NULL) {
            return NULL;
        }
        cl->buf->last_buf = 1;
    }

    return out;
}


/* What the queue holds, for the decision to send now or wait. */
typedef struct {
    off_t size;
    bool last;  /* a buffer with last_buf */
    bool flush; /* a buffer with flush */
    bool file;  /* a file buffer */
} hv_http_queue_t;


/* Appends links to in's buffers behind r->out and sums up the queue. */
static int
hv_http_enqueue(hv_http_request_t *r, hv_chain_t *in, hv_http_queue_t *q)
{
    hv_chain_t **tail, *cl, *link;

    for (tail = &r->out; *tail != NULL; tail = &(*tail)->next) {
        /* find the end of the queue */
    }

    for (cl = in; cl != NULL; cl = cl->next) {
        link = hv_chain_link(r->pool, cl->buf);
        if (link == NULL) {
            return HV_ERROR;
        }
        *tail = link;
        tail = &link->next;
    }

    memset(q, 0, sizeof(hv_http_queue_t));

    for (cl = r->out; cl != NULL; cl = cl->next) {
        q->size += hv_buf_size(cl->buf);
        q->last = q->last || cl->buf->last_buf;
        q->flush = q->flush || cl->buf->flush;
        q->file = q->file || cl->buf->in_file;
    }

    return HV_OK;
}


int
hv_http_write_out(hv_http_request_t *r, hv_chain_t *in)
{
    hv_connection_t *c = r->connection;
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_queue_t q;
    hv_chain_t *rest;
    off_t sent;

    if (c->error) {
        return HV_ERROR;
    }

    if (hv_http_enqueue(r, in, &q) != HV_OK) {
        return HV_ERROR;
    }

    /* in == NULL asks to send what is queued */
    if (in != NULL && !q.last && !q.flush && q.size < HV_HTTP_POSTPONE_OUTPUT) {
        return HV_OK;
    }

    if (q.size == 0) {
        r->out = NULL;
        return HV_OK;
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
    r->out = rest;

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
        wev->timedout = 0;
        c->timedout = 1;
        c->log.action = "sending response to client";
        hv_log_error(HV_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
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
