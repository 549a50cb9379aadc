/*
 * http/special_response.c - status lines and the responses the engine
 * makes itself: the small HTML error pages (worded as nginx words them,
 * since clients and monitoring match on them), header-only answers for
 * statuses without a body, and error_page redirects.
 */
#include "http/request_internal.h"


/* Reason phrases, nginx's, indexed by status - base. */
static const hv_str_t hv_http_status_2xx[] = {
    hv_string("200 OK"),
    hv_string("201 Created"),
    hv_string("202 Accepted"),
    hv_null_string,
    hv_string("204 No Content"),
    hv_null_string,
    hv_string("206 Partial Content"),
};

static const hv_str_t hv_http_status_3xx[] = {
    hv_null_string,
    hv_string("301 Moved Permanently"),
    hv_string("302 Moved Temporarily"),
    hv_string("303 See Other"),
    hv_string("304 Not Modified"),
    hv_null_string,
    hv_null_string,
    hv_string("307 Temporary Redirect"),
    hv_string("308 Permanent Redirect"),
};

static const hv_str_t hv_http_status_4xx[] = {
    hv_string("400 Bad Request"),
    hv_string("401 Unauthorized"),
    hv_string("402 Payment Required"),
    hv_string("403 Forbidden"),
    hv_string("404 Not Found"),
    hv_string("405 Not Allowed"),
    hv_string("406 Not Acceptable"),
    hv_null_string,
    hv_string("408 Request Time-out"),
    hv_string("409 Conflict"),
    hv_string("410 Gone"),
    hv_string("411 Length Required"),
    hv_string("412 Precondition Failed"),
    hv_string("413 Request Entity Too Large"),
    hv_string("414 Request-URI Too Large"),
    hv_string("415 Unsupported Media Type"),
    hv_string("416 Requested Range Not Satisfiable"),
    hv_null_string,
    hv_null_string,
    hv_null_string,
    hv_null_string,
    hv_string("421 Misdirected Request"),
    hv_string("422 Unprocessable Entity"),
    hv_string("423 Locked"),
    hv_string("424 Failed Dependency"),
    hv_null_string,
    hv_null_string,
    hv_null_string,
    hv_null_string,
    hv_string("429 Too Many Requests"),
};

static const hv_str_t hv_http_status_5xx[] = {
    hv_string("500 Internal Server Error"),
    hv_string("501 Not Implemented"),
    hv_string("502 Bad Gateway"),
    hv_string("503 Service Temporarily Unavailable"),
    hv_string("504 Gateway Time-out"),
    hv_string("505 HTTP Version Not Supported"),
    hv_null_string,
    hv_string("507 Insufficient Storage"),
};

/* nginx's own 49x codes: sent as 400 with a page title of their own. */
static const hv_str_t hv_http_status_49x[] = {
    hv_string("400 Request Header Or Cookie Too Large"),
    hv_string("400 The SSL certificate error"),
    hv_string("400 No required SSL certificate was sent"),
    hv_string("400 The plain HTTP request was sent to HTTPS port"),
};


const hv_str_t *
hv_http_status_line(hv_uint_t status)
{
    const hv_str_t *s = NULL;

    if (status >= 200 && status < 200 + hv_nelems(hv_http_status_2xx)) {
        s = &hv_http_status_2xx[status - 200];
    } else if (status >= 300 && status < 300 + hv_nelems(hv_http_status_3xx)) {
        s = &hv_http_status_3xx[status - 300];
    } else if (status >= 400 && status < 400 + hv_nelems(hv_http_status_4xx)) {
        s = &hv_http_status_4xx[status - 400];
    } else if (status >= 494 && status < 494 + hv_nelems(hv_http_status_49x)) {
        s = &hv_http_status_4xx[0];
    } else if (status >= 500 && status < 500 + hv_nelems(hv_http_status_5xx)) {
        s = &hv_http_status_5xx[status - 500];
    }

    return (s != NULL && s->len > 0) ? s : NULL;
}


/* The title of the error page of a status (NULL: none, no body). */
static const hv_str_t *
hv_http_page_title(hv_uint_t status)
{
    if (status >= 494 && status < 494 + hv_nelems(hv_http_status_49x)) {
        return &hv_http_status_49x[status - 494];
    }

    if (status < 300 || status == HV_HTTP_NOT_MODIFIED) {
        return NULL;
    }

    return hv_http_status_line(status);
}


/* The error page:  <html> <head><title>...</title></head> ... </html>. */
static hv_chain_t *
hv_http_error_page(hv_http_request_t *r, const hv_str_t *title)
{
    static const char head[] = "<html>\r\n<head><title>";
    static const char mid[] = "</title></head>\r\n<body>\r\n<center><h1>";
    static const char tail1[] = "</h1></center>\r\n<hr><center>";
    static const char tail2[] = "</center>\r\n</body>\r\n</html>\r\n";
    const char *server;
    unsigned char *p;
    hv_chain_t *cl;
    hv_buf_t *b;
    size_t len;

    server = hv_http_core_loc(r)->server_tokens ? HIVE_VER : "hive";

    len = sizeof(head) - 1 + title->len + sizeof(mid) - 1 + title->len +
          sizeof(tail1) - 1 + strlen(server) + sizeof(tail2) - 1;

    b = hv_buf_create(r->pool, len);
    if (b == NULL) {
        return NULL;
    }

    p = b->last;
    p = hv_cpymem(p, head, sizeof(head) - 1);
    p = hv_cpymem(p, title->data, title->len);
    p = hv_cpymem(p, mid, sizeof(mid) - 1);
    p = hv_cpymem(p, title->data, title->len);
    p = hv_cpymem(p, tail1, sizeof(tail1) - 1);
    p = hv_cpymem(p, server, strlen(server));
    p = hv_cpymem(p, tail2, sizeof(tail2) - 1);
    b->last = p;
    b->last_buf = 1;

    cl = hv_chain_link(r->pool, b);

    return cl;
}


/*
 * "error_page CODE [=[NEW]] URI": an internal redirect to a local URI
 * (as a GET, so that the static module serves it), or a redirect for a
 * URL.  Returns HV_DONE (the redirect holds the request), or a status or
 * HV_OK/HV_AGAIN/HV_ERROR for finalize.
 */
static hv_int_t
hv_http_send_error_page(
    hv_http_request_t *r, hv_http_err_page_t *ep, hv_uint_t status)
{
    hv_str_t uri, args;
    unsigned char *q;
    hv_int_t rc;

    r->error_page = 1;
    r->err_status = ep->overwrite < 0 ? status : (hv_uint_t) ep->overwrite;

    if (ep->uri.len > 0 && ep->uri.data[0] == '/') {
        if (r->method != HV_HTTP_HEAD) {
            r->method = HV_HTTP_GET;
            hv_str_set(&r->method_name, "GET");
        }

        uri = ep->uri;
        args.len = 0;
        args.data = NULL;

        q = memchr(uri.data, '?', uri.len);
        if (q != NULL) {
            args.data = q + 1;
            args.len = uri.len - (size_t) (q + 1 - uri.data);
            uri.len = (size_t) (q - uri.data);
        }

        rc = hv_http_internal_redirect(r, &uri, &args);
        if (rc != HV_DONE) {
            r->err_status = 0;
        }
        return rc;
    }

    /* a URL: the client is sent there, 302 unless "=301" and the like */
    if (hv_http_set_location(r, &ep->uri) != HV_OK) {
        r->err_status = 0;
        return HV_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (ep->overwrite) {
        case 301:
        case 302:
        case 303:
        case 307:
        case 308:
            status = (hv_uint_t) ep->overwrite;
            break;
        default:
            status = HV_HTTP_MOVED_TEMPORARILY;
    }

    r->err_status = 0;

    return hv_http_special_response(r, status);
}


/* The error_page entry for status in the request's location, or NULL. */
static hv_http_err_page_t *
hv_http_find_error_page(hv_http_request_t *r, hv_uint_t status)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_err_page_t *ep;
    hv_uint_t i;

    /* one redirect per request, as nginx without recursive_error_pages */
    if (r->error_page || clcf->error_pages == NULL) {
        return NULL;
    }

    ep = clcf->error_pages->elts;
    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (ep[i].status == status) {
            return &ep[i];
        }
    }

    return NULL;
}


/* Errors that leave the request stream in doubt end the connection. */
static bool
hv_http_status_closes(hv_uint_t status)
{
    switch (status) {
        case HV_HTTP_BAD_REQUEST:
        case HV_HTTP_REQUEST_ENTITY_TOO_LARGE:
        case HV_HTTP_REQUEST_URI_TOO_LARGE:
        case HV_HTTP_REQUEST_HEADER_TOO_LARGE:
        case 495:
        case 496:
        case 497:
        case HV_HTTP_INTERNAL_SERVER_ERROR:
        case HV_HTTP_NOT_IMPLEMENTED:
        case HV_HTTP_VERSION_NOT_SUPPORTED:
            return true;
        default:
            return false;
    }
}


hv_int_t
hv_http_special_response(hv_http_request_t *r, hv_uint_t status)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_http_err_page_t *ep;
    const hv_str_t *title;
    hv_chain_t *cl;
    hv_int_t rc;

    ep = hv_http_find_error_page(r, status);
    if (ep != NULL) {
        return hv_http_send_error_page(r, ep, status);
    }

    if (hv_http_status_closes(status)) {
        r->keepalive = 0;
    }

    /* this status is the answer, whatever an error_page asked before */
    r->err_status = 0;
    title = hv_http_page_title(status);

    ho->status =
        (status >= 494 && status <= 497) ? HV_HTTP_BAD_REQUEST : status;
    ho->status_line.len = 0;
    ho->content_type.len = 0;
    ho->charset.len = 0;
    ho->last_modified_time = -1;
    ho->content_length_n = 0;

    if (ho->etag != NULL) {
        ho->etag->hidden = 1;
        ho->etag = NULL;
    }
    if (ho->content_encoding != NULL) {
        ho->content_encoding->hidden = 1;
        ho->content_encoding = NULL;
    }

    cl = NULL;

    if (title != NULL) {
        cl = hv_http_error_page(r, title);
        if (cl == NULL) {
            return HV_ERROR;
        }
        hv_str_set(&ho->content_type, "text/html");
        ho->content_length_n = hv_buf_size(cl->buf);
    }

    rc = hv_http_send_header(r);

    if (rc == HV_ERROR || r->header_only) {
        return rc;
    }

    /* no page: an empty last buffer sends the header now */
    if (cl == NULL) {
        cl = hv_chain_link(r->pool, hv_buf_calloc(r->pool));
        if (cl == NULL || cl->buf == NULL) {
            return HV_ERROR;
        }
        cl->buf->last_buf = 1;
    }

    return hv_http_output_filter(r, cl);
}
