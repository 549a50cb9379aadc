/*
 * http/finalize.c - the end of a request: turning a handler's verdict
 * into a complete response, waiting for it to be written, logging, and
 * then either the next request on the connection (pipelined ones at
 * once, in order) or an idle keep-alive wait, or the close.
 *
 * r->count is the number of parties that will still call
 * hv_http_finalize_request(): 1 for the phase engine, one more for each
 * hv_http_internal_redirect() in progress (which returns HV_DONE).  The
 * request ends when the last one is done, so a nested run that completed
 * the response never frees the request under a caller still on the
 * stack.
 */
#include "http/request_internal.h"

#include <sys/socket.h>


static inline void hv_http_finalize_connection(hv_http_request_t *r);
static void hv_http_terminate_request(hv_http_request_t *r);
static void hv_http_end_with_close(hv_http_request_t *r);
static void hv_http_keepalive_handler(hv_event_t *rev);
static void hv_http_lingering_close_handler(hv_event_t *rev);
static void hv_http_release_buffers(hv_connection_t *c, hv_buf_t *b);
static void hv_http_release_pool(hv_connection_t *c, hv_pool_t *pool);
static bool hv_http_add_caches_cleanup(hv_http_core_main_conf_t *cmcf);
static void hv_http_idle_buffer(hv_connection_t *c, hv_buf_t *b);
static int hv_http_wake_buffer(hv_connection_t *c, hv_buf_t *b);


void
hv_http_finalize_request(hv_http_request_t *r, hv_int_t rc)
{
    hv_connection_t *c = r->connection;

    if (c->read->handler != hv_http_request_handler) {
        /* the request ends while its header is read: an error */
        hv_event_del_timer(c->read);
        c->read->handler = hv_http_request_handler;
        c->write->handler = hv_http_request_handler;
    }

    if (rc == HV_DONE) {
        hv_http_finalize_connection(r);
        return;
    }

    if (rc == HV_AGAIN) {
        /* output is pending and nobody else will drive it: complete */
        if (r->out == NULL ||
            r->write_event_handler != hv_http_request_empty_handler) {
            return;
        }
        rc = HV_OK;
    }

    if (rc == HV_DECLINED) {
        if (!r->header_sent) {
            hv_log_error(HV_LOG_ERR, &c->log, 0,
                "no response was produced for \"%.*s\"", (int) r->uri.len,
                r->uri.data);
            rc = HV_HTTP_INTERNAL_SERVER_ERROR;
        } else {
            rc = HV_OK;
        }
    }

    if (rc == HV_ERROR || c->error) {
        hv_http_terminate_request(r);
        return;
    }

    if (rc == HV_HTTP_CLOSE) {
        r->headers_out.status = HV_HTTP_CLOSE;
        hv_http_terminate_request(r);
        return;
    }

    if (rc != HV_OK) {
        if (r->header_sent || rc < 100 || rc > 599) {
            /* a status after the header went out cannot be told */
            if (rc >= 100 && rc <= 599) {
                hv_log_error(HV_LOG_INFO, &c->log, 0,
                    "response status %d after the header was sent", (int) rc);
            }
            hv_http_terminate_request(r);
            return;
        }

        hv_http_finalize_request(
            r, hv_http_special_response(r, (hv_uint_t) rc));
        return;
    }

    /* HV_OK: the response is complete, maybe not written yet */
    r->done = 1;

    if (r->out != NULL) {
        r->write_event_handler = hv_http_writer;
        if (c->write->ready) {
            hv_post_event(c->write, &hv_posted_events);
        }
        return;
    }

    r->write_event_handler = hv_http_request_empty_handler;
    hv_event_del_timer(c->write);

    hv_http_finalize_connection(r);
}


/*
 * One party is done; the last one ends the request.  Inline, as it runs
 * for every keep-alive request (callgrind, keep-alive /pid: with the
 * caches' cleanup flag tested first, ~15 instructions less).
 */
static inline void
hv_http_finalize_connection(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;

    if (r->count > 1) {
        r->count--;
        return;
    }

    r->count = 0;

    if (c->error || !r->done) {
        hv_http_close_request(r);
        return;
    }

    /*
     * A client that waits for "100 Continue" got a final answer instead
     * and may never send its body: do not wait for it on this connection.
     */
    if (!r->keepalive || c->close || hv_process.exiting ||
        (r->headers_in.expect != NULL && !r->discard_body &&
            hv_http_body_pending(r))) {
        hv_http_end_with_close(r);
        return;
    }

    switch (hv_http_discard_after_response(r)) {
        case HV_OK:
            hv_http_set_keepalive(r);
            return;
        case HV_AGAIN:
            return;
        default:
            hv_http_close_request(r);
            return;
    }
}


/* An error: the request ends here (once no nested run holds it). */
static void
hv_http_terminate_request(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;

    c->error = 1;

    if (r->count > 1) {
        r->count--;
        return;
    }

    r->count = 0;
    hv_http_close_request(r);
}


void
hv_http_free_request(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;

    hv_http_log_request(r);

    if (hc->stat_reading) {
        hv_http_stat(hc, reading, -1);
        hc->stat_reading = 0;
    }
    if (hc->stat_writing) {
        hv_http_stat(hc, writing, -1);
        hc->stat_writing = 0;
    }

    hc->request = NULL;
    c->log.action = NULL;

    hv_http_release_pool(c, r->pool);
}


/* Destroys the request pools and buffers the worker keeps for reuse. */
static void
hv_http_destroy_free_pools(void *data)
{
    hv_http_core_main_conf_t *cmcf = data;

    while (cmcf->nfree_pools > 0) {
        hv_pool_destroy(cmcf->free_pools[--cmcf->nfree_pools]);
    }

    while (cmcf->nfree_buffers > 0) {
        hv_pool_free_detached(cmcf->free_buffers[--cmcf->nfree_buffers]);
    }
}


/* The cycle-pool cleanup that frees the worker's caches, added once. */
static bool
hv_http_add_caches_cleanup(hv_http_core_main_conf_t *cmcf)
{
    if (cmcf->free_pools_cleanup) {
        return true;
    }

    if (cmcf->cycle == NULL || hv_pool_cleanup_add(cmcf->cycle->pool,
                                   hv_http_destroy_free_pools, cmcf) == NULL) {
        return false;
    }

    cmcf->free_pools_cleanup = 1;

    return true;
}


/*
 * A request's pool, its request done: reset and kept for the worker's
 * next request (see hv_http_core_main_conf_t.free_pools), or destroyed.
 */
static void
hv_http_release_pool(hv_connection_t *c, hv_pool_t *pool)
{
    hv_http_core_main_conf_t *cmcf;

    cmcf = hv_http_default_server(c->data)->ctx_main_conf[HV_MODULE_http_core];

    if (cmcf->nfree_pools == HV_HTTP_FREE_POOLS ||
        !hv_http_add_caches_cleanup(cmcf)) {
        hv_pool_destroy(pool);
        return;
    }

    hv_pool_reset(pool);
    hv_pool_set_log(pool, NULL);
    cmcf->free_pools[cmcf->nfree_pools++] = pool;
}


bool
hv_http_client_timed_out(hv_event_t *ev, const char *msg)
{
    hv_connection_t *c = ev->data;

    if (!ev->timedout) {
        return false;
    }

    ev->timedout = 0;
    c->timedout = 1;
    hv_log_error(HV_LOG_INFO, &c->log, ETIMEDOUT, "%s", msg);

    return true;
}


void
hv_http_close_request(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;

    /* earlier pipelined answers still held: what the socket takes now */
    (void) hv_http_pipeline_flush(r);

    hv_http_free_request(r);
    hv_http_close_connection(c);
}


void
hv_http_close_connection(hv_connection_t *c)
{
    hv_close_connection(c);
}


/*
 * Frees the large header buffers of a request that was freed (and so
 * logged: its strings point into them); b was its header_in.  Bytes of a
 * pipelined request left in one of them move to c->buffer (the memory is
 * swapped), so the next request starts in c->buffer as usual.
 */
static void
hv_http_release_buffers(hv_connection_t *c, hv_buf_t *b)
{
    hv_http_connection_t *hc = c->data;
    hv_buf_t *cb = c->buffer;
    unsigned char *start;
    hv_uint_t i;

    if (b != cb && b->pos < b->last) {
        start = cb->start;
        cb->start = b->start;
        cb->pos = b->pos;
        cb->last = b->last;
        cb->end = b->end;
        b->start = start;
    }

    for (i = 0; i < hc->nbusy; i++) {
        if (hc->large[i].start != NULL) {
            (void) hv_pool_free_large(c->pool, hc->large[i].start);
        }
        memset(&hc->large[i], 0, sizeof(hv_buf_t));
    }

    hc->nbusy = 0;
}


void
hv_http_set_keepalive(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_event_t *rev = c->read;
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_msec_t timeout = clcf->keepalive_timeout;
    bool nodelay = clcf->tcp_nodelay != 0;
    hv_buf_t *b = r->header_in;
    hv_http_request_t *next;

    hv_http_free_request(r);
    hv_http_release_buffers(c, b);

    if (c->tcp_nopush) {
        (void) hv_tcp_nopush(c, false);
    }

    b = c->buffer;

    c->write->handler = hv_http_empty_handler;

    if (b->pos < b->last) {
        /* a pipelined request: answered next, without waiting for an
         * event (its bytes are here already) but after the other ready
         * connections had their turn */
        next = hv_http_create_request(c);
        if (next == NULL) {
            hv_http_close_connection(c);
            return;
        }
        next->pipeline = 1;
        c->log.action = "reading client pipelined request line";
        rev->handler = hv_http_process_request_line;
        hv_post_event(rev, &hv_posted_events);
        return;
    }

    hv_http_pipeline_release(c);
    hv_http_idle_buffer(c, b);

    /* set once per connection: no call for the requests after it */
    if (nodelay && !c->tcp_nodelay) {
        (void) hv_tcp_nodelay(c);
    }

    c->idle = 1;
    c->log.action = "keepalive";
    rev->handler = hv_http_keepalive_handler;
    hv_event_add_timer(rev, timeout);
    hv_reusable_connection(c, true);

    /* edge-triggered: bytes that came during the response bring no edge */
    if (rev->ready) {
        hv_post_event(rev, &hv_posted_events);
    }
}


/*
 * An idle connection gives its empty read buffer b (a large allocation
 * of c->pool) back until data comes: to the worker's cache, or freed
 * when the cache is full or b is not of the size a wake-up asks for.
 */
static void
hv_http_idle_buffer(hv_connection_t *c, hv_buf_t *b)
{
    hv_http_core_srv_conf_t *cscf = hv_http_default_server(c->data);
    hv_http_core_main_conf_t *cmcf = cscf->ctx_main_conf[HV_MODULE_http_core];
    size_t size = (size_t) (b->end - b->start);

    b->pos = b->start;
    b->last = b->start;

    if (b->start == NULL) {
        return;
    }

    if (cmcf->nfree_buffers < HV_HTTP_FREE_BUFFERS &&
        size == cscf->client_header_buffer_size &&
        (cmcf->nfree_buffers == 0 || size == cmcf->free_buffer_size) &&
        hv_http_add_caches_cleanup(cmcf) &&
        hv_pool_detach_large(c->pool, b->start) == HV_OK) {
        cmcf->free_buffers[cmcf->nfree_buffers++] = b->start;
        cmcf->free_buffer_size = size;
    } else if (hv_pool_free_large(c->pool, b->start) != HV_OK) {
        /* not a large allocation: it stays with the connection */
        return;
    }

    b->start = NULL;
    b->pos = NULL;
    b->last = NULL;
    b->end = NULL;
}


/* The read buffer of an idle connection that wakes up: cached or new. */
static int
hv_http_wake_buffer(hv_connection_t *c, hv_buf_t *b)
{
    hv_http_core_srv_conf_t *cscf = hv_http_default_server(c->data);
    hv_http_core_main_conf_t *cmcf = cscf->ctx_main_conf[HV_MODULE_http_core];
    size_t size = cscf->client_header_buffer_size;
    unsigned char *p;

    if (cmcf->nfree_buffers > 0 && cmcf->free_buffer_size == size) {
        p = cmcf->free_buffers[cmcf->nfree_buffers - 1];
        if (hv_pool_attach_large(c->pool, p) != HV_OK) {
            return HV_ERROR;
        }
        cmcf->nfree_buffers--;
    } else {
        p = hv_pnalloc(c->pool, size);
        if (p == NULL) {
            return HV_ERROR;
        }
    }

    b->start = p;
    b->pos = p;
    b->last = p;
    b->end = p + size;

    return HV_OK;
}


static void
hv_http_keepalive_handler(hv_event_t *rev)
{
    hv_connection_t *c = rev->data;
    hv_buf_t *b;
    ssize_t n;

    if (rev->timedout || c->close) {
        hv_http_close_connection(c);
        return;
    }

    b = c->buffer;

    if (b->start == NULL && hv_http_wake_buffer(c, b) != HV_OK) {
        hv_http_close_connection(c);
        return;
    }

    n = c->recv(c, b->last, (size_t) (b->end - b->last));

    if (n == HV_AGAIN) {
        return;
    }

    if (n == HV_ERROR || n == 0) {
        hv_http_close_connection(c);
        return;
    }

    b->last += n;

    c->idle = 0;
    hv_reusable_connection(c, false);
    hv_event_del_timer(rev);

    if (hv_http_create_request(c) == NULL) {
        hv_http_close_connection(c);
        return;
    }

    rev->handler = hv_http_process_request_line;
    hv_http_process_request_line(rev);
}


/*
 * The response went out and the connection closes.  Bytes the client
 * still sends (an unread body, more pipelined requests) would make the
 * kernel answer the close with a reset, which can destroy the response
 * in flight: so the write side is shut first and what comes in is read
 * away for a while (nginx's lingering close).
 */
static void
hv_http_end_with_close(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    bool linger;

    linger = r->lingering_close || c->read->ready ||
             r->header_in->pos < r->header_in->last || hv_http_body_pending(r);

    hv_http_free_request(r);

    if (!linger || c->error) {
        hv_http_close_connection(c);
        return;
    }

    if (shutdown(c->fd, SHUT_WR) == -1) {
        hv_log_error(HV_LOG_INFO, &c->log, errno, "shutdown() failed");
        hv_http_close_connection(c);
        return;
    }

    hc->lingering_deadline = hv_current_msec + HV_HTTP_LINGERING_TIME;
    c->log.action = "lingering close";
    c->read->handler = hv_http_lingering_close_handler;
    c->write->handler = hv_http_empty_handler;
    hv_event_add_timer(c->read, HV_HTTP_LINGERING_TIMEOUT);

    if (c->read->ready) {
        hv_http_lingering_close_handler(c->read);
    }
}


static void
hv_http_lingering_close_handler(hv_event_t *rev)
{
    unsigned char buf[HV_HTTP_DISCARD_BUFFER_SIZE];
    hv_connection_t *c = rev->data;
    hv_http_connection_t *hc = c->data;
    ssize_t n;

    if (rev->timedout || c->close ||
        hv_current_msec >= hc->lingering_deadline) {
        hv_http_close_connection(c);
        return;
    }

    do {
        n = c->recv(c, buf, sizeof(buf));

        if (n == HV_ERROR || n == 0) {
            hv_http_close_connection(c);
            return;
        }
    } while (n != HV_AGAIN);

    hv_event_add_timer(rev, hv_min((hv_msec_t) HV_HTTP_LINGERING_TIMEOUT,
                                hc->lingering_deadline - hv_current_msec));
}
