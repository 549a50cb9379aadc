/*
 * http/request.c - a connection's life up to a parsed request header: the
 * wait for the first byte, the request pool, reading the request line and
 * the header fields (into larger buffers when they do not fit), and the
 * hand-over to the virtual server and the phase engine.
 *
 * Events are edge-triggered (event/event.h): every read handler here
 * reads until the socket is empty or the buffer is full, and a request
 * that arrived while the previous response was written is found again by
 * its bytes in c->buffer or by rev->ready, never by a new edge.
 */
#include "http/request_internal.h"


static void hv_http_wait_request_handler(hv_event_t *rev);
static bool hv_http_alloc_buffer(hv_connection_t *c);
static hv_http_addr_conf_t *hv_http_local_addr_conf(hv_connection_t *c);
static ssize_t hv_http_read_request_header(hv_http_request_t *r);
static int hv_http_alloc_large_header_buffer(
    hv_http_request_t *r, bool request_line);
static int hv_http_process_request_uri(hv_http_request_t *r);
static int hv_http_request_path(hv_http_request_t *r);
static void hv_http_process_request_headers(hv_event_t *rev);
static void hv_http_read_headers(hv_http_request_t *r);
static void hv_http_process_request(hv_http_request_t *r);
static void hv_http_pipeline_resume(hv_http_request_t *r);


void
hv_http_init_connection(hv_connection_t *c)
{
    hv_http_core_main_conf_t *cmcf;
    hv_http_connection_t *hc;
    hv_event_t *rev = c->read;

    hc = hv_pcalloc(c->pool, sizeof(hv_http_connection_t));
    if (hc == NULL) {
        hv_http_close_connection(c);
        return;
    }

    hc->connection = c;
    hc->addr_conf = hv_http_local_addr_conf(c);
    hc->stats = hv_http_stats(hc);
    c->data = hc;

    c->log.handler = hv_http_log_context;
    c->log.data = hc;
    c->log.action = "waiting for request";

    rev->handler = hv_http_wait_request_handler;
    c->write->handler = hv_http_empty_handler;

    /* until its first byte the connection may be closed to make room */
    hv_event_add_timer(rev, hv_http_default_server(hc)->client_header_timeout);
    hv_reusable_connection(c, true);

    if (hc->addr_conf->ssl) {
        cmcf = hv_http_default_server(hc)->ctx_main_conf[HV_MODULE_http_core];
        if (cmcf->ssl_handshake != NULL) {
            /* TLS first; the module runs the wait handler afterwards */
            cmcf->ssl_handshake(c, hc->addr_conf, hv_http_wait_request_handler);
            return;
        }
    }

    /* the request came with the connection ("listen ... deferred"): read
     * it in this loop iteration, once the accept mutex is released */
    if (rev->ready) {
        hv_post_event(rev, &hv_posted_events);
    }
}


/*
 * A wildcard socket (*:80) may serve specific addresses of its port; the
 * default server then depends on the address the client connected to.
 */
static hv_http_addr_conf_t *
hv_http_local_addr_conf(hv_connection_t *c)
{
    hv_http_addr_conf_t *ac, **sp;
    hv_sockaddr_t local;
    socklen_t len;
    hv_uint_t i;

    ac = c->listening->servers;

    if (ac->specific == NULL) {
        return ac;
    }

    len = sizeof(local);
    if (getsockname(c->fd, &local.sa, &len) == -1) {
        hv_log_error(HV_LOG_ERR, &c->log, errno, "getsockname() failed");
        return ac;
    }

    sp = ac->specific->elts;
    for (i = 0; i < ac->specific->nelts; i++) {
        if (hv_inet_equal(&sp[i]->sockaddr.sa, &local.sa)) {
            return sp[i];
        }
    }

    return ac;
}


void
hv_http_empty_handler(hv_event_t *ev)
{
    (void) ev;
}


void
hv_http_request_empty_handler(hv_http_request_t *r)
{
    (void) r;
}


/* Gives c->buffer memory (it is freed while a connection is idle). */
static bool
hv_http_alloc_buffer(hv_connection_t *c)
{
    hv_http_connection_t *hc = c->data;
    hv_buf_t *b = c->buffer;
    size_t size;

    if (b == NULL) {
        b = hv_buf_calloc(c->pool);
        if (b == NULL) {
            return false;
        }
        c->buffer = b;
    }

    if (b->start != NULL) {
        return true;
    }

    size = hv_http_default_server(hc)->client_header_buffer_size;

    b->start = hv_pnalloc(c->pool, size);
    if (b->start == NULL) {
        return false;
    }

    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + size;

    return true;
}


static void
hv_http_wait_request_handler(hv_event_t *rev)
{
    hv_connection_t *c = rev->data;
    hv_buf_t *b;
    ssize_t n;

    if (rev->timedout) {
        hv_log_error(HV_LOG_INFO, &c->log, ETIMEDOUT, "client timed out");
        hv_http_close_connection(c);
        return;
    }

    if (c->close) {
        hv_http_close_connection(c);
        return;
    }

    if (!hv_http_alloc_buffer(c)) {
        hv_http_close_connection(c);
        return;
    }

    b = c->buffer;

    n = c->recv(c, b->last, (size_t) (b->end - b->last));

    if (n == HV_AGAIN) {
        return;
    }

    if (n == HV_ERROR) {
        hv_http_close_connection(c);
        return;
    }

    if (n == 0) {
        hv_log_error(HV_LOG_INFO, &c->log, 0, "client closed connection");
        hv_http_close_connection(c);
        return;
    }

    b->last += n;

    hv_reusable_connection(c, false);

    if (hv_http_create_request(c) == NULL) {
        hv_http_close_connection(c);
        return;
    }

    rev->handler = hv_http_process_request_line;
    hv_http_process_request_line(rev);
}


/*
 * The parts of a request's first allocation, each rounded up to the
 * alignment of hv_palloc() (two pointers) so that the next one is
 * aligned as well as its own allocation would be.
 */
#define hv_http_req_align(n) hv_align(n, 2 * sizeof(void *))
#define HV_HTTP_REQ_SIZE hv_http_req_align(sizeof(hv_http_request_t))
#define HV_HTTP_CTX_SIZE hv_http_req_align(HV_MODULES_N * sizeof(void *))
#define HV_HTTP_HIN_N 16 /* headers_in elements before the array grows */
#define HV_HTTP_HOUT_N 8 /* headers_out elements */


/* An hv_array_init() whose n elements of headers are already at elts. */
static void
hv_http_place_array(hv_array_t *a, hv_pool_t *pool, void *elts, hv_uint_t n)
{
    a->elts = elts;
    a->nelts = 0;
    a->size = sizeof(hv_http_header_t);
    a->nalloc = n;
    a->pool = pool;
}


hv_http_request_t *
hv_http_create_request(hv_connection_t *c)
{
    hv_http_connection_t *hc = c->data;
    hv_http_core_srv_conf_t *cscf = hv_http_default_server(hc);
    hv_http_core_main_conf_t *cmcf = cscf->ctx_main_conf[HV_MODULE_http_core];
    hv_http_request_t *r;
    unsigned char *m;
    hv_pool_t *pool;

    if (cmcf->nfree_pools > 0) {
        pool = cmcf->free_pools[--cmcf->nfree_pools];
        hv_pool_set_log(pool, &c->log);
    } else {
        pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &c->log);
        if (pool == NULL) {
            return NULL;
        }
    }

    /*
     * The request with its module contexts in one zeroed allocation, the
     * first elements of both header arrays in another: four allocations
     * and two memsets were ~60 instructions more per request (callgrind,
     * keep-alive /pid).  hv_pcalloc()'s memset of a size it does not know
     * at compile time stays a call to the vector memset of libc; an
     * inlined one of this constant size was 100 instructions more.
     */
    m = hv_pcalloc(pool, HV_HTTP_REQ_SIZE + HV_HTTP_CTX_SIZE);
    if (m == NULL) {
        goto failed;
    }

    r = (hv_http_request_t *) (void *) m;
    r->ctx = (void **) (void *) (m + HV_HTTP_REQ_SIZE);

    m = hv_palloc(
        pool, (HV_HTTP_HIN_N + HV_HTTP_HOUT_N) * sizeof(hv_http_header_t));
    if (m == NULL) {
        goto failed;
    }

    hv_http_place_array(&r->headers_in.headers, pool, m, HV_HTTP_HIN_N);
    m += HV_HTTP_HIN_N * sizeof(hv_http_header_t);
    hv_http_place_array(&r->headers_out.headers, pool, m, HV_HTTP_HOUT_N);

    r->pool = pool;
    r->connection = c;
    r->header_in = c->buffer;

    r->main_conf = cscf->ctx_main_conf;
    r->srv_conf = cscf->ctx_srv_conf;
    r->loc_conf = cscf->ctx_loc_conf;

    r->headers_in.content_length_n = -1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;

    r->method = HV_HTTP_UNKNOWN;
    r->start_sec = hv_cached_time.sec;
    r->start_msec = hv_current_msec;
    r->count = 1;
    r->read_event_handler = hv_http_request_empty_handler;
    r->write_event_handler = hv_http_request_empty_handler;

    hc->request = r;
    c->requests++;
    c->log.action = "reading client request line";

    hc->stat_reading = 1;
    hv_http_stat2(hc, requests, 1, reading, 1);

    return r;

failed:

    hv_pool_destroy(pool);
    return NULL;
}


/*
 * Returns the bytes waiting in r->header_in, reading more when there are
 * none.  HV_AGAIN arms client_header_timeout (once: it bounds the whole
 * header, not each read); EOF and errors end the request and return
 * HV_ERROR.
 */
static ssize_t
hv_http_read_request_header(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_event_t *rev = c->read;
    hv_buf_t *b = r->header_in;
    ssize_t n;

    n = b->last - b->pos;
    if (n > 0) {
        return n;
    }

    n = rev->ready ? c->recv(c, b->last, (size_t) (b->end - b->last))
                   : HV_AGAIN;

    if (n == HV_AGAIN) {
        if (!rev->timer_set) {
            hv_event_add_timer(
                rev, hv_http_default_server(c->data)->client_header_timeout);
        }
        /* held pipelined answers: the client may wait for them first */
        if (hv_http_pipeline_flush(r) == HV_ERROR) {
            hv_http_finalize_request(r, HV_ERROR);
            return HV_ERROR;
        }
        return HV_AGAIN;
    }

    if (n == 0) {
        hv_log_error(
            HV_LOG_INFO, &c->log, 0, "client prematurely closed connection");
    }

    if (n == 0 || n == HV_ERROR) {
        c->error = 1;
        r->headers_out.status = HV_HTTP_BAD_REQUEST;
        hv_http_finalize_request(r, HV_ERROR);
        return HV_ERROR;
    }

    b->last += n;

    return n;
}


/*
 * client_header_timeout expired while the header was being read: nginx
 * closes without an answer (408 only appears in the access log).
 */
static bool
hv_http_header_timed_out(hv_http_request_t *r, hv_event_t *rev)
{
    /* the usual case, a read event that is no timer's, without a call */
    if (!rev->timedout || !hv_http_client_timed_out(rev, "client timed out")) {
        return false;
    }

    r->headers_out.status = HV_HTTP_REQUEST_TIME_OUT;
    hv_http_finalize_request(r, HV_ERROR);

    return true;
}


void
hv_http_process_request_line(hv_event_t *rev)
{
    hv_connection_t *c = rev->data;
    hv_http_connection_t *hc = c->data;
    hv_http_request_t *r = hc->request;
    unsigned char *before;
    ssize_t n;
    int rc;

    if (hv_http_header_timed_out(r, rev)) {
        return;
    }

    rc = HV_AGAIN;

    for (;;) {
        /* a request already read (keep-alive, pipelined): no call */
        if (rc == HV_AGAIN && r->header_in->pos == r->header_in->last) {
            n = hv_http_read_request_header(r);
            if (n == HV_AGAIN || n == HV_ERROR) {
                return;
            }
        }

        before = r->header_in->pos;
        rc = hv_http_parse_request_line(&r->parser, r->header_in);
        r->request_length += r->header_in->pos - before;

        if (rc == HV_OK) {
            if (hv_http_process_request_uri(r) != HV_OK) {
                return;
            }

            c->log.action = "reading client request headers";
            rev->handler = hv_http_process_request_headers;
            hv_http_read_headers(r);
            return;
        }

        if (rc != HV_AGAIN) {
            hv_http_log_bad_line(r,
                rc == HV_HTTP_VERSION_NOT_SUPPORTED
                    ? "client sent unsupported HTTP version"
                    : "client sent invalid request line",
                r->parser.request_start);
            hv_http_finalize_request(r, rc);
            return;
        }

        if (r->header_in->pos < r->header_in->end) {
            continue;
        }

        rc = hv_http_alloc_large_header_buffer(r, true);

        if (rc == HV_ERROR) {
            hv_http_finalize_request(r, HV_HTTP_INTERNAL_SERVER_ERROR);
            return;
        }

        if (rc == HV_DECLINED) {
            hv_http_log_bad_line(
                r, "client sent too long URI", r->parser.request_start);
            hv_http_finalize_request(r, HV_HTTP_REQUEST_URI_TOO_LARGE);
            return;
        }

        rc = HV_AGAIN;
    }
}


/*
 * r->header_in is full and the parser wants more.  The element being
 * parsed (the request line, or the current field line) moves to the
 * start of a buffer where it can grow: the same c->buffer for a request
 * line that started mid-buffer after a pipelined request, else a fresh
 * large buffer.  HV_DECLINED when the element alone fills a large buffer
 * or every large buffer is in use; HV_ERROR without memory.
 */
static int
hv_http_alloc_large_header_buffer(hv_http_request_t *r, bool request_line)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    hv_http_core_srv_conf_t *cscf = hv_http_default_server(hc);
    hv_buf_t *old = r->header_in, *b;
    unsigned char *start;
    size_t size;

    /* the start of the element, or nothing when none is half-parsed */
    start =
        request_line ? r->parser.request_start : r->parser.header_name_start;
    if (r->parser.state == 0 || start == NULL) {
        start = old->pos;
    }

    size = (size_t) (old->pos - start);

    if (request_line && old == c->buffer && start != old->start) {
        memmove(old->start, start, size);
        hv_http_parser_rebase(&r->parser, old->start - start);
        old->pos = old->start + size;
        old->last = old->pos;
        return HV_OK;
    }

    if (size >= cscf->large_client_header_buffers_size) {
        return HV_DECLINED;
    }

    if (hc->large == NULL) {
        hc->nlarge = cscf->large_client_header_buffers_num;
        hc->large = hv_pcalloc(c->pool, hc->nlarge * sizeof(hv_buf_t));
        if (hc->large == NULL) {
            return HV_ERROR;
        }
    }

    if (hc->nbusy >= hc->nlarge) {
        return HV_DECLINED;
    }

    b = &hc->large[hc->nbusy];

    /* a large allocation of its own: freed when the request ends */
    b->start = hv_pnalloc(c->pool, cscf->large_client_header_buffers_size);
    if (b->start == NULL) {
        return HV_ERROR;
    }

    hc->nbusy++;
    b->fd = -1;
    b->end = b->start + cscf->large_client_header_buffers_size;

    memcpy(b->start, start, size);
    hv_http_parser_rebase(&r->parser, b->start - start);
    b->pos = b->start + size;
    b->last = b->pos;

    r->header_in = b;

    return HV_OK;
}


/* r->unparsed_uri and r->uri (decoded when it needs to be). */
static int
hv_http_request_path(hv_http_request_t *r)
{
    hv_http_parser_t *p = &r->parser;
    hv_http_core_srv_conf_t *cscf = hv_http_core_srv(r);
    unsigned char *path_end, *out;
    size_t len;

    path_end = p->args_start != NULL ? p->args_start - 1 : p->uri_end;

    if (p->uri_start == p->uri_end) {
        /* "GET http://host HTTP/1.1": the path of an empty one is "/" */
        hv_str_set(&r->unparsed_uri, "/");
        r->uri = r->unparsed_uri;

    } else if (*p->uri_start == '*' || !p->complex_uri) {
        r->unparsed_uri.data = p->uri_start;
        r->unparsed_uri.len = (size_t) (p->uri_end - p->uri_start);
        r->uri.data = p->uri_start;
        r->uri.len = (size_t) (path_end - p->uri_start);

    } else {
        r->unparsed_uri.data = p->uri_start;
        r->unparsed_uri.len = (size_t) (p->uri_end - p->uri_start);

        len = (size_t) (path_end - p->uri_start);
        out = hv_pnalloc(r->pool, len);
        if (out == NULL) {
            hv_http_finalize_request(r, HV_HTTP_INTERNAL_SERVER_ERROR);
            return HV_ERROR;
        }

        if (hv_http_parse_path(p->uri_start, len, out, &r->uri.len,
                cscf->merge_slashes != 0) != HV_OK) {
            hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
                "client sent invalid request URI");
            hv_http_finalize_request(r, HV_HTTP_BAD_REQUEST);
            return HV_ERROR;
        }

        r->uri.data = out;
    }

    return HV_OK;
}


/* Fills the request's strings from the parsed request line. */
static int
hv_http_process_request_uri(hv_http_request_t *r)
{
    hv_http_parser_t *p = &r->parser;
    hv_str_t host;

    r->request_line.data = p->request_start;
    r->request_line.len = (size_t) (p->request_end - p->request_start);
    r->method = p->method;
    r->method_name.data = p->request_start;
    r->method_name.len = (size_t) (p->method_end - p->request_start);
    r->http_version = (hv_uint_t) (p->http_major * 1000 + p->http_minor);
    r->http_protocol.data = p->protocol_start;
    r->http_protocol.len = (size_t) (p->request_end - p->protocol_start);

    if (p->args_start != NULL) {
        r->args.data = p->args_start;
        r->args.len = (size_t) (p->uri_end - p->args_start);
    }

    if (hv_http_request_path(r) != HV_OK) {
        return HV_ERROR;
    }

    hv_http_set_exten(r);

    if (p->host_start != NULL) {
        host.data = p->host_start;
        host.len = (size_t) (p->host_end - p->host_start);

        switch (hv_http_validate_host(r, &host, &r->headers_in.server)) {
            case HV_OK:
                break;
            case HV_DECLINED:
                hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
                    "client sent invalid host in request line");
                hv_http_finalize_request(r, HV_HTTP_BAD_REQUEST);
                return HV_ERROR;
            default:
                hv_http_finalize_request(r, HV_HTTP_INTERNAL_SERVER_ERROR);
                return HV_ERROR;
        }
    }

    return HV_OK;
}


/* The extension of the last path segment, after its last dot. */
void
hv_http_set_exten(hv_http_request_t *r)
{
    size_t i;

    r->exten.len = 0;
    r->exten.data = NULL;

    for (i = r->uri.len; i > 0; i--) {
        if (r->uri.data[i - 1] == '/') {
            return;
        }
        if (r->uri.data[i - 1] == '.') {
            r->exten.data = r->uri.data + i;
            r->exten.len = r->uri.len - i;
            return;
        }
    }
}


/* The read handler while header fields are read. */
static void
hv_http_process_request_headers(hv_event_t *rev)
{
    hv_connection_t *c = rev->data;
    hv_http_connection_t *hc = c->data;
    hv_http_request_t *r = hc->request;

    if (hv_http_header_timed_out(r, rev)) {
        return;
    }

    hv_http_read_headers(r);
}


/*
 * Parses header fields from r->header_in, reading more as needed, and
 * runs the request once the header is complete.  The request line's
 * parser calls it directly with the bytes that followed the line.
 */
static void
hv_http_read_headers(hv_http_request_t *r)
{
    unsigned char *before;
    ssize_t n;
    int rc;

    rc = HV_AGAIN;

    for (;;) {
        /* a parse that wants more has consumed every byte; only the
         * first pass may find bytes left by the request line */
        if (rc == HV_AGAIN && r->header_in->pos == r->header_in->last) {
            if (r->header_in->pos == r->header_in->end) {
                rc = hv_http_alloc_large_header_buffer(r, false);

                if (rc == HV_ERROR) {
                    hv_http_finalize_request(r, HV_HTTP_INTERNAL_SERVER_ERROR);
                    return;
                }

                if (rc == HV_DECLINED) {
                    hv_http_log_bad_line(r, "client sent too long header line",
                        r->parser.state != 0 ? r->parser.header_name_start
                                             : NULL);
                    hv_http_finalize_request(
                        r, HV_HTTP_REQUEST_HEADER_TOO_LARGE);
                    return;
                }
            }

            n = hv_http_read_request_header(r);
            if (n == HV_AGAIN || n == HV_ERROR) {
                return;
            }
        }

        before = r->header_in->pos;
        rc = hv_http_parse_header_line(&r->parser, r->header_in);
        r->request_length += r->header_in->pos - before;

        if (rc == HV_OK) {
            rc = hv_http_process_header_field(r);
            if (rc != HV_OK) {
                hv_http_finalize_request(r, rc);
                return;
            }
            continue;
        }

        if (rc == HV_DONE) {
            rc = hv_http_process_request_header(r);
            if (rc != HV_OK) {
                hv_http_finalize_request(r, rc);
                return;
            }
            hv_http_process_request(r);
            return;
        }

        if (rc != HV_AGAIN) {
            hv_http_log_bad_line(r, "client sent invalid header line",
                r->parser.header_name_start);
            hv_http_finalize_request(r, rc);
            return;
        }
    }
}


/* The header is read: choose the server and run the phases. */
static void
hv_http_process_request(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;

    hv_event_del_timer(c->read);

    hc->stat_reading = 0;
    hc->stat_writing = 1;
    hv_http_stat2(hc, reading, -1, writing, 1);

    c->log.action = NULL;
    c->read->handler = hv_http_request_handler;
    c->write->handler = hv_http_request_handler;

    /* HTTP/1.1 keeps the connection unless told otherwise, 1.0 if asked */
    if (r->http_version >= HV_HTTP_VERSION_11) {
        r->keepalive = !r->headers_in.connection_close;
    } else {
        r->keepalive = r->headers_in.connection_keep_alive &&
                       !r->headers_in.connection_close;
    }

    hv_http_set_virtual_server(r, &r->headers_in.server);

    if (hc->addr_conf->ssl && c->ssl == NULL) {
        hv_log_error(HV_LOG_INFO, &c->log, 0,
            "client sent plain HTTP request to HTTPS port");
        hv_http_finalize_request(r, HV_HTTP_TO_HTTPS);
        return;
    }

    /*
     * Held pipelined answers go out before a body is awaited: the client
     * may wait for them (or for "100 Continue", which must follow them).
     */
    if (hv_http_body_pending(r)) {
        switch (hv_http_pipeline_flush(r)) {
            case HV_OK:
                break;
            case HV_AGAIN:
                r->write_event_handler = hv_http_pipeline_resume;
                return;
            default:
                hv_http_finalize_request(r, HV_ERROR);
                return;
        }
    }

    hv_http_handler(r);
}


/* r->write_event_handler while held answers drain before r runs. */
static void
hv_http_pipeline_resume(hv_http_request_t *r)
{
    hv_connection_t *c = r->connection;

    if (hv_http_client_timed_out(c->write, "client timed out")) {
        hv_http_finalize_request(r, HV_ERROR);
        return;
    }

    switch (hv_http_pipeline_flush(r)) {
        case HV_OK:
            r->write_event_handler = hv_http_request_empty_handler;
            hv_http_handler(r);
            return;
        case HV_AGAIN:
            return;
        default:
            hv_http_finalize_request(r, HV_ERROR);
            return;
    }
}


void
hv_http_request_handler(hv_event_t *ev)
{
    hv_connection_t *c = ev->data;
    hv_http_connection_t *hc = c->data;
    hv_http_request_t *r = hc->request;

    if (r == NULL) {
        return;
    }

    if (ev->write) {
        r->write_event_handler(r);
    } else {
        r->read_event_handler(r);
    }
}
