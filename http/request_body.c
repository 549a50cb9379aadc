/*
 * http/request_body.c - request bodies.  For now every body is read away
 * (no handler of hive consumes one yet): a body that stayed in the
 * connection would be parsed as the next request.  It is read before any
 * handler answers (hv_http_read_body_first(), bounded by
 * client_max_body_size and client_body_timeout), so that its framing
 * errors get their 400 and an oversized body its 413; a body a response
 * of an earlier phase left is read away after that response.
 *
 * Reading away never reads past the body: for a Content-Length body at
 * most the bytes still announced, for a chunked body at most the bytes the
 * decoder knows are still part of it (hv_http_chunked_t.length).  So a
 * pipelined request behind the body stays in the socket (or in c->buffer
 * when it came with the header) and is parsed next, in order.
 */
#include "http/request_internal.h"


static hv_http_request_body_t *hv_http_discard_init(hv_http_request_t *r);
static int hv_http_discard_buf(hv_http_request_t *r, hv_buf_t *b);
static int hv_http_discard_read(hv_http_request_t *r);
static void hv_http_discarded_body_reader(hv_http_request_t *r);
static void hv_http_discard_lingering(hv_http_request_t *r);
static int hv_http_send_continue(hv_http_request_t *r);
static void hv_http_body_first_reader(hv_http_request_t *r);


bool
hv_http_body_pending(hv_http_request_t *r)
{
    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        return false;
    }

    return r->request_body == NULL || !r->request_body->done;
}


/* The state for reading the body away, in r->request_body; NULL when
 * out of memory. */
static hv_http_request_body_t *
hv_http_discard_init(hv_http_request_t *r)
{
    hv_http_request_body_t *rb;

    rb = hv_pcalloc(r->pool, sizeof(hv_http_request_body_t));
    if (rb == NULL) {
        return NULL;
    }

    rb->rest =
        r->headers_in.content_length_n > 0 ? r->headers_in.content_length_n : 0;

    /* the shortest chunked body, "0" CRLF CRLF, before anything is seen */
    rb->chunked.length = 5;

    r->request_body = rb;
    r->discard_body = 1;

    return rb;
}


hv_int_t
hv_http_discard_request_body(hv_http_request_t *r)
{
    int rc;

    if (!hv_http_body_pending(r) || r->discard_body) {
        return HV_OK;
    }

    if (hv_http_discard_init(r) == NULL) {
        return HV_ERROR;
    }

    rc = hv_http_discard_read(r);

    if (rc == HV_AGAIN) {
        /* the rest is read as it comes, while the response is produced */
        r->read_event_handler = hv_http_discarded_body_reader;
        return HV_OK;
    }

    if (rc == HV_OK) {
        return HV_OK;
    }

    r->keepalive = 0;

    return rc == HV_ERROR ? HV_ERROR : HV_HTTP_BAD_REQUEST;
}


/* Consumes the body bytes in b: HV_OK at the end of the body, HV_AGAIN
 * when b ran out first, 400 for a malformed chunked body. */
static int
hv_http_discard_buf(hv_http_request_t *r, hv_buf_t *b)
{
    hv_http_request_body_t *rb = r->request_body;
    off_t n;
    int rc;

    if (!r->headers_in.chunked) {
        n = hv_min(rb->rest, (off_t) (b->last - b->pos));
        b->pos += n;
        rb->rest -= n;
        return rb->rest == 0 ? HV_OK : HV_AGAIN;
    }

    for (;;) {
        rc = hv_http_parse_chunked(&rb->chunked, b);

        /* with data still to come the next call answers HV_AGAIN and
         * brings chunked.length up to date */
        if (rc == HV_OK) {
            if (rb->limit > 0 && rb->chunked.total > rb->limit) {
                return HV_HTTP_REQUEST_ENTITY_TOO_LARGE;
            }
            n = hv_min(rb->chunked.size, (off_t) (b->last - b->pos));
            b->pos += n;
            rb->chunked.size -= n;
            continue;
        }

        if (rc == HV_DONE) {
            return HV_OK;
        }

        return rc;
    }
}


/*
 * Reads the body away: the bytes that came with the header first, then
 * the socket while it has data.  HV_OK (all of it), HV_AGAIN, HV_ERROR
 * (the client closed or failed) or 400; anything but HV_AGAIN ends it.
 */
static int
hv_http_discard_read(hv_http_request_t *r)
{
    unsigned char buf[HV_HTTP_DISCARD_BUFFER_SIZE];
    hv_connection_t *c = r->connection;
    hv_http_request_body_t *rb = r->request_body;
    hv_buf_t b;
    size_t size;
    ssize_t n;
    int rc;

    rc = hv_http_discard_buf(r, r->header_in);

    while (rc == HV_AGAIN) {
        if (!c->read->ready) {
            return HV_AGAIN;
        }

        size = (size_t) hv_min(
            r->headers_in.chunked ? rb->chunked.length : rb->rest,
            (off_t) sizeof(buf));

        n = c->recv(c, buf, size);

        if (n == HV_AGAIN) {
            return HV_AGAIN;
        }

        if (n == 0) {
            hv_log_error(HV_LOG_INFO, &c->log, 0,
                "client prematurely closed connection while sending body");
        }

        if (n == 0 || n == HV_ERROR) {
            rc = HV_ERROR;
            break;
        }

        r->request_length += n;

        memset(&b, 0, sizeof(hv_buf_t));
        b.start = buf;
        b.pos = buf;
        b.last = buf + n;
        b.end = b.last;

        rc = hv_http_discard_buf(r, &b);
    }

    if (rc == HV_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        hv_log_error(HV_LOG_ERR, &c->log, 0,
            "client intended to send too large chunked body: %lld+ bytes",
            (long long) rb->chunked.total);
    } else if (rc != HV_OK && rc != HV_ERROR) {
        hv_log_error(
            HV_LOG_INFO, &c->log, 0, "client sent invalid chunked body");
    }

    rb->done = 1;

    return rc;
}


/* r->read_event_handler while the response is produced and written. */
static void
hv_http_discarded_body_reader(hv_http_request_t *r)
{
    int rc;

    rc = hv_http_discard_read(r);

    if (rc == HV_AGAIN) {
        return;
    }

    r->read_event_handler = hv_http_request_empty_handler;

    if (rc != HV_OK) {
        r->keepalive = 0;
    }
}


int
hv_http_discard_after_response(hv_http_request_t *r)
{
    hv_http_connection_t *hc = r->connection->data;
    int rc;

    if (!hv_http_body_pending(r)) {
        return HV_OK;
    }

    if (r->request_body == NULL && hv_http_discard_init(r) == NULL) {
        return HV_ERROR;
    }

    rc = hv_http_discard_read(r);

    if (rc == HV_OK) {
        return HV_OK;
    }

    if (rc != HV_AGAIN) {
        return HV_ERROR;
    }

    hc->lingering_deadline = hv_current_msec + HV_HTTP_LINGERING_TIME;
    r->read_event_handler = hv_http_discard_lingering;
    hv_event_add_timer(r->connection->read, HV_HTTP_LINGERING_TIMEOUT);

    return HV_AGAIN;
}


/*
 * r->read_event_handler after the response while the rest of the body is
 * read away; a client that is too slow loses its keep-alive connection.
 */
static void
hv_http_discard_lingering(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    hv_event_t *rev = c->read;
    int rc;

    if (rev->timedout || hv_current_msec >= hc->lingering_deadline) {
        rev->timedout = 0;
        hv_log_error(HV_LOG_INFO, &c->log, ETIMEDOUT,
            "client timed out while sending body");
        hv_http_close_request(r);
        return;
    }

    rc = hv_http_discard_read(r);

    if (rc == HV_AGAIN) {
        hv_event_add_timer(rev, hv_min((hv_msec_t) HV_HTTP_LINGERING_TIMEOUT,
                                    hc->lingering_deadline - hv_current_msec));
        return;
    }

    hv_event_del_timer(rev);

    if (rc != HV_OK) {
        hv_http_close_request(r);
        return;
    }

    hv_http_set_keepalive(r);
}


hv_int_t
hv_http_read_body_first(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_request_body_t *rb;
    int rc;

    if (!hv_http_body_pending(r) || r->discard_body) {
        return HV_OK;
    }

    rb = hv_http_discard_init(r);
    if (rb == NULL) {
        return HV_ERROR;
    }

    rb->limit = clcf->client_max_body_size;

    if (hv_http_send_continue(r) != HV_OK) {
        return HV_ERROR;
    }

    rc = hv_http_discard_read(r);

    if (rc == HV_AGAIN) {
        r->read_event_handler = hv_http_body_first_reader;
        hv_event_add_timer(r->connection->read, clcf->client_body_timeout);
        return HV_AGAIN;
    }

    if (rc != HV_OK) {
        r->keepalive = 0;
    }

    return rc;
}


/*
 * "Expect: 100-continue" from an HTTP/1.1 client that has not started
 * its body: it waits for this interim answer before sending it.  The
 * line is sent directly; it is short enough for any empty socket buffer,
 * so a partial write means a broken connection.
 */
static int
hv_http_send_continue(hv_http_request_t *r)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    static const char token[] = "100-continue";
    hv_http_header_t *h = r->headers_in.expect;
    hv_connection_t *c = r->connection;
    ssize_t n;

    if (h == NULL || r->http_version < 1001 ||
        r->header_in->pos < r->header_in->last ||
        h->value.len != sizeof(token) - 1 ||
        hv_strncasecmp(h->value.data, (const unsigned char *) token,
            sizeof(token) - 1) != 0) {
        return HV_OK;
    }

    n = c->send(c, (const unsigned char *) line, sizeof(line) - 1);

    if (n == (ssize_t) sizeof(line) - 1) {
        return HV_OK;
    }

    return HV_ERROR;
}


/* r->read_event_handler while the body is read before the response. */
static void
hv_http_body_first_reader(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_event_t *rev = c->read;
    int rc;

    if (hv_http_client_timed_out(rev, "client timed out while sending body")) {
        r->headers_out.status = HV_HTTP_REQUEST_TIME_OUT;
        hv_http_finalize_request(r, HV_ERROR);
        return;
    }

    rc = hv_http_discard_read(r);

    if (rc == HV_AGAIN) {
        hv_event_add_timer(rev, hv_http_core_loc(r)->client_body_timeout);
        return;
    }

    hv_event_del_timer(rev);
    r->read_event_handler = hv_http_request_empty_handler;

    if (rc != HV_OK) {
        r->keepalive = 0;
        hv_http_finalize_request(r, rc);
        return;
    }

    hv_http_handler(r);
}
