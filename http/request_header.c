/*
 * http/request_header.c - the request's header fields: storing them,
 * interpreting the few the core cares about, and the checks on the header
 * as a whole that decide how the message is framed.
 *
 * Framing is where request smuggling lives, so the rules are strict and
 * answered before any handler runs: one Host (valid), a Content-Length of
 * digits only and never two different ones, no Content-Length together
 * with Transfer-Encoding, "chunked" as the only transfer coding, and no
 * Transfer-Encoding in HTTP/1.0.
 */
#include "http/request_internal.h"


typedef int (*hv_http_header_handler_pt)(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);

typedef struct {
    const char *name; /* lower case */
    size_t len;
    size_t offset; /* of the pointer in headers_in */
    hv_http_header_handler_pt handler;
} hv_http_header_in_t;


static int hv_http_hdr_host(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);
static int hv_http_hdr_connection(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);
static int hv_http_hdr_content_length(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);
static int hv_http_hdr_unique(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);
static int hv_http_hdr_first(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot);


#define hv_http_hin(name, field, handler)                                      \
    {                                                                          \
        name, sizeof(name) - 1, offsetof(hv_http_headers_in_t, field), handler \
    }

static const hv_http_header_in_t hv_http_headers_in[] = {
    hv_http_hin("host", host, hv_http_hdr_host),
    hv_http_hin("connection", connection, hv_http_hdr_connection),
    hv_http_hin("content-length", content_length, hv_http_hdr_content_length),
    hv_http_hin("transfer-encoding", transfer_encoding, hv_http_hdr_unique),
    hv_http_hin("if-modified-since", if_modified_since, hv_http_hdr_unique),
    hv_http_hin("if-unmodified-since", if_unmodified_since, hv_http_hdr_unique),
    hv_http_hin("if-none-match", if_none_match, hv_http_hdr_unique),
    hv_http_hin("if-match", if_match, hv_http_hdr_unique),
    hv_http_hin("expect", expect, hv_http_hdr_unique),
    hv_http_hin("range", range, hv_http_hdr_first),
    hv_http_hin("accept-encoding", accept_encoding, hv_http_hdr_first),
    hv_http_hin("user-agent", user_agent, hv_http_hdr_first),
    hv_http_hin("referer", referer, hv_http_hdr_first),
};


static hv_http_header_t **
hv_http_header_slot(hv_http_request_t *r, const hv_http_header_in_t *hi)
{
    return (hv_http_header_t **) (void *) ((unsigned char *) &r->headers_in +
                                           hi->offset);
}


/*
 * Appends to headers_in.headers.  Growing the array moves its elements,
 * so the shortcuts of headers_in that point into it move with them.
 */
hv_http_header_t *
hv_http_push_header_in(hv_http_request_t *r)
{
    hv_array_t *a = &r->headers_in.headers;
    hv_http_header_t *old, *h, **slot;
    size_t i;

    /* room left (16 fields are placed with the request): nothing moves,
     * and no call of hv_array_push() (~30 instructions a field) */
    if (a->nelts < a->nalloc) {
        return (hv_http_header_t *) a->elts + a->nelts++;
    }

    old = r->headers_in.headers.elts;

    h = hv_array_push(&r->headers_in.headers);
    if (h == NULL) {
        return NULL;
    }

    if (r->headers_in.headers.elts != old) {
        for (i = 0; i < hv_nelems(hv_http_headers_in); i++) {
            slot = hv_http_header_slot(r, &hv_http_headers_in[i]);
            if (*slot != NULL) {
                *slot = (hv_http_header_t *) r->headers_in.headers.elts +
                        (*slot - old);
            }
        }
    }

    return h;
}


/*
 * A field name (a token, as the parser passed it) equals a lower-case
 * name of the table in any case.  OR-ing 0x20 folds 'A'-'Z' onto 'a'-'z';
 * the only other byte it folds onto the names' letters and '-' is CR
 * (onto '-'), which a token never holds.  A word at a time: the loop of
 * memcmp() calls on an hv_strlow() copy it replaced cost ~40 more.
 */
static bool
hv_http_field_name_is(const unsigned char *key, const char *name, size_t n)
{
    uint64_t k, m;
    uint32_t k4, m4;
    size_t i;

    for (i = 0; n - i >= 8; i += 8) {
        memcpy(&k, key + i, 8);
        memcpy(&m, name + i, 8);
        if ((k | 0x2020202020202020ULL) != m) {
            return false;
        }
    }

    if (n - i >= 4) {
        memcpy(&k4, key + i, 4);
        memcpy(&m4, name + i, 4);
        if ((k4 | 0x20202020U) != m4) {
            return false;
        }
        i += 4;
    }

    for (/* void */; i < n; i++) {
        if ((key[i] | 0x20) != (unsigned char) name[i]) {
            return false;
        }
    }

    return true;
}


int
hv_http_process_header_field(hv_http_request_t *r)
{
    hv_http_parser_t *p = &r->parser;
    const hv_http_header_in_t *hi;
    hv_http_header_t *h;
    size_t i;

    h = hv_http_push_header_in(r);
    if (h == NULL) {
        return HV_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->key.data = p->header_name_start;
    h->key.len = (size_t) (p->header_name_end - p->header_name_start);
    h->value.data = p->header_start;
    h->value.len = (size_t) (p->header_end - p->header_start);
    h->hidden = 0;

    for (i = 0; i < hv_nelems(hv_http_headers_in); i++) {
        hi = &hv_http_headers_in[i];
        if (hi->len == h->key.len &&
            hv_http_field_name_is(h->key.data, hi->name, hi->len)) {
            /* the table's lower-case name, which nothing writes to: no
             * allocation and no hv_strlow() (~60 instructions for Host,
             * callgrind) */
            h->lowcase_key = (unsigned char *) (uintptr_t) hi->name;
            return hi->handler(r, h, hv_http_header_slot(r, hi));
        }
    }

    h->lowcase_key = hv_pnalloc(r->pool, h->key.len);
    if (h->lowcase_key == NULL) {
        return HV_HTTP_INTERNAL_SERVER_ERROR;
    }
    hv_strlow(h->lowcase_key, h->key.data, h->key.len);

    return HV_OK;
}


/* A field the core reads once: a repeat is an error (nginx's rule). */
static int
hv_http_hdr_unique(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot)
{
    if (*slot != NULL) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
            "client sent duplicate header line: \"%.*s: %.*s\", "
            "previous value: \"%.*s: %.*s\"",
            (int) h->key.len, h->key.data, (int) h->value.len, h->value.data,
            (int) (*slot)->key.len, (*slot)->key.data, (int) (*slot)->value.len,
            (*slot)->value.data);
        return HV_HTTP_BAD_REQUEST;
    }

    *slot = h;

    return HV_OK;
}


/* A field where the first occurrence counts. */
static int
hv_http_hdr_first(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot)
{
    (void) r;

    if (*slot == NULL) {
        *slot = h;
    }

    return HV_OK;
}


/* The value is the connection's remembered valid Host: *server its name. */
static bool
hv_http_known_host(
    hv_http_connection_t *hc, const hv_str_t *value, hv_str_t *server)
{
    if (value->len == 0 || value->len != hc->valid_host_len ||
        memcmp(value->data, hc->valid_host, value->len) != 0) {
        return false;
    }

    server->data = value->data;
    server->len = hc->valid_host_name;

    return true;
}


/* Remembers a Host value found valid, when its name is the value's own
 * bytes (lower case already) and it fits. */
static void
hv_http_remember_host(
    hv_http_connection_t *hc, const hv_str_t *value, const hv_str_t *server)
{
    if (server->data != value->data || value->len > sizeof(hc->valid_host)) {
        return;
    }

    memcpy(hc->valid_host, value->data, value->len);
    hc->valid_host_len = value->len;
    hc->valid_host_name = server->len;
}


static int
hv_http_hdr_host(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot)
{
    hv_http_connection_t *hc = r->connection->data;
    hv_str_t server;
    int rc;

    if (*slot != NULL) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
            "client sent duplicate host header: \"%.*s: %.*s\", "
            "previous value: \"%.*s: %.*s\"",
            (int) h->key.len, h->key.data, (int) h->value.len, h->value.data,
            (int) (*slot)->key.len, (*slot)->key.data, (int) (*slot)->value.len,
            (*slot)->value.data);
        return HV_HTTP_BAD_REQUEST;
    }

    *slot = h;

    if (!hv_http_known_host(hc, &h->value, &server)) {
        rc = hv_http_validate_host(r, &h->value, &server);

        if (rc == HV_ERROR) {
            return HV_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == HV_DECLINED) {
            hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
                "client sent invalid host header");
            return HV_HTTP_BAD_REQUEST;
        }

        hv_http_remember_host(hc, &h->value, &server);
    }

    /* the authority of an absolute-form target wins (RFC 9112 3.2.2) */
    if (r->headers_in.server.data == NULL) {
        r->headers_in.server = server;
    }

    return HV_OK;
}


/* "Connection: close", "keep-alive", in any case, in a list. */
static int
hv_http_hdr_connection(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot)
{
    unsigned char *p, *end, *t;
    size_t n;

    if (*slot == NULL) {
        *slot = h;
    }

    p = h->value.data;
    end = p + h->value.len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        t = p;
        while (p < end && *p != ',' && *p != ' ' && *p != '\t') {
            p++;
        }
        n = (size_t) (p - t);

        if (n == 5 && hv_strncasecmp(t, (unsigned char *) "close", 5) == 0) {
            r->headers_in.connection_close = 1;
        } else if (n == 10 &&
                   hv_strncasecmp(t, (unsigned char *) "keep-alive", 10) == 0) {
            r->headers_in.connection_keep_alive = 1;
        }
    }

    return HV_OK;
}


/*
 * Digits only (no sign, no list, no spaces inside).  A repeat is accepted
 * only with the same value (RFC 9110 8.6 lets a recipient do that).
 */
static int
hv_http_hdr_content_length(
    hv_http_request_t *r, hv_http_header_t *h, hv_http_header_t **slot)
{
    int64_t n;

    n = hv_atoi(h->value.data, h->value.len, INT64_MAX);

    if (n == HV_ERROR) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
            "client sent invalid \"Content-Length\" header");
        return HV_HTTP_BAD_REQUEST;
    }

    if (*slot != NULL) {
        if ((off_t) n != r->headers_in.content_length_n) {
            hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
                "client sent conflicting \"Content-Length\" headers");
            return HV_HTTP_BAD_REQUEST;
        }
        return HV_OK;
    }

    *slot = h;
    r->headers_in.content_length_n = (off_t) n;

    return HV_OK;
}


int
hv_http_process_request_header(hv_http_request_t *r)
{
    hv_http_headers_in_t *hin = &r->headers_in;
    hv_log_t *log = &r->connection->log;
    hv_str_t *te;

    if (hin->host == NULL && r->http_version >= HV_HTTP_VERSION_11) {
        hv_log_error(HV_LOG_INFO, log, 0,
            "client sent HTTP/1.1 request without \"Host\" header");
        return HV_HTTP_BAD_REQUEST;
    }

    if (hin->transfer_encoding == NULL) {
        return HV_OK;
    }

    te = &hin->transfer_encoding->value;

    if (hin->content_length != NULL) {
        hv_log_error(HV_LOG_INFO, log, 0,
            "client sent \"Content-Length\" and \"Transfer-Encoding\" "
            "headers at the same time");
        return HV_HTTP_BAD_REQUEST;
    }

    /* RFC 9112 6.1: an HTTP/1.0 message with it has faulty framing */
    if (r->http_version < HV_HTTP_VERSION_11) {
        hv_log_error(HV_LOG_INFO, log, 0,
            "client sent HTTP/1.0 request with \"Transfer-Encoding\" header");
        return HV_HTTP_BAD_REQUEST;
    }

    if (te->len != 7 ||
        hv_strncasecmp(te->data, (unsigned char *) "chunked", 7) != 0) {
        hv_log_error(HV_LOG_INFO, log, 0,
            "client sent unknown \"Transfer-Encoding\": \"%.*s\"",
            (int) hv_min(te->len, 64), te->data);
        return HV_HTTP_NOT_IMPLEMENTED;
    }

    hin->chunked = 1;

    return HV_OK;
}


/*
 * 1 for the bytes of a host that need a look (controls, SP, DEL, '.', ':',
 * '[', ']', '/', '\\', upper case); 0 for the rest, which are valid
 * anywhere in a name.  A byte table: the bitmap test it replaced was
 * ~7 instructions a byte, this is ~4 (callgrind, "127.0.0.1:PORT").
 */
static const unsigned char hv_http_host_special[256] = {
    /* 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 1x */
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, /* 2x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, /* 3x */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 4x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, /* 5x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 6x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 7x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 8x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 9x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ax */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* bx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* cx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ex */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* fx */
};


/* Digits only, or nothing ("host:" has an empty port, RFC 3986). */
static bool
hv_http_is_port(const unsigned char *p, const unsigned char *end)
{
    for (/* void */; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }

    return true;
}


/*
 * Host = uri-host [ ":" port ].  Refused: an empty name, "..", a '/' or
 * '\\' (they would make a path of it), spaces and control bytes, an
 * unclosed "[", a port that is not digits.  Accepted as nginx does: any
 * other byte, so that raw international names still reach server_name.
 *
 * Names are nearly always sent in lower case already: then *out points
 * into the host itself and nothing is allocated or copied; the bytes
 * that need no look (see hv_http_host_special) go by in a tight loop
 * inside the single pass.
 */
int
hv_http_validate_host(hv_http_request_t *r, const hv_str_t *host, hv_str_t *out)
{
    const unsigned char *p = host->data;
    size_t i, n, dot;
    bool literal, upper;
    unsigned char c;

    n = host->len;
    dot = (size_t) -2;
    literal = false;
    upper = false;

    /* n is the end of the name: a port found ends the loop too */
    for (i = 0; i < n; i++) {
        /* a tight loop over the bytes that need no look (~16 fewer
         * instructions for "127.0.0.1:PORT" than a test per pass) */
        while (i < n && !hv_http_host_special[p[i]]) {
            i++;
        }

        if (i == n) {
            break;
        }

        c = p[i];

        /* the commonest byte that needs a look: before the switch */
        if (c == '.') {
            if (dot == i - 1) {
                return HV_DECLINED;
            }
            dot = i;
            continue;
        }

        switch (c) {
            case ':':
                if (literal) {
                    break;
                }
                if (!hv_http_is_port(p + i + 1, p + n)) {
                    return HV_DECLINED;
                }
                n = i;
                break;

            case '[':
                if (i != 0) {
                    return HV_DECLINED;
                }
                literal = true;
                break;

            case ']':
                if (!literal || (i + 1 < host->len && p[i + 1] != ':')) {
                    return HV_DECLINED;
                }
                literal = false;
                break;

            case '/':
            case '\\':
            case ' ':
                return HV_DECLINED;

            default:
                if (c < 0x20 || c == 0x7f) {
                    return HV_DECLINED;
                }
                if (c >= 'A' && c <= 'Z') {
                    upper = true;
                }
        }
    }

    if (literal) {
        return HV_DECLINED;
    }

    /* "example.com." names the same host as "example.com" */
    if (n > 0 && p[n - 1] == '.') {
        n--;
    }

    if (n == 0) {
        return HV_DECLINED;
    }

    if (!upper) {
        out->data = host->data;
        out->len = n;
        return HV_OK;
    }

    out->data = hv_pnalloc(r->pool, n);
    if (out->data == NULL) {
        return HV_ERROR;
    }

    hv_strlow(out->data, p, n);
    out->len = n;

    return HV_OK;
}
