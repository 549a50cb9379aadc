/*
 * http/response.c - the response header: the entry points handlers call
 * (hv_http_send_header(), hv_http_output_filter(), hv_http_send_response())
 * and the header filter at the end of the chain, which formats the status
 * line and the fields into one buffer.
 *
 * The header filter also settles how the body is framed and whether the
 * connection stays: Content-Length when the length is known; otherwise
 * chunked for HTTP/1.1 (the write filter then encodes) or the end of the
 * connection for HTTP/1.0.  "Connection: keep-alive" or "close" is always
 * written, as nginx does.
 */
#include "http/request_internal.h"


static void hv_http_adjust_response(
    hv_http_request_t *r, hv_http_core_loc_conf_t *clcf);
static inline uint64_t hv_http_ctl_bits(const hv_str_t *s);
static size_t hv_http_ctl_count(const hv_str_t *s);
static unsigned char *hv_http_field_copy(
    unsigned char *p, const hv_str_t *s, bool escape);
static bool hv_http_in_headers(hv_http_request_t *r, hv_http_header_t *h);


int
hv_http_send_header(hv_http_request_t *r)
{
    hv_http_core_main_conf_t *cmcf;

    if (r->header_sent) {
        hv_log_error(
            HV_LOG_ALERT, &r->connection->log, 0, "header already sent");
        return HV_ERROR;
    }

    /* error_page: the page carries the status of the original error */
    if (r->err_status != 0) {
        r->headers_out.status = r->err_status;
        r->headers_out.status_line.len = 0;
    }

    r->header_sent = 1;

    cmcf = hv_http_core_main(r);

    return cmcf->top_header_filter(r);
}


int
hv_http_output_filter(hv_http_request_t *r, hv_chain_t *in)
{
    hv_http_core_main_conf_t *cmcf = hv_http_core_main(r);
    int rc;

    rc = cmcf->top_body_filter(r, in);

    if (rc == HV_ERROR) {
        r->connection->error = 1;
    }

    return rc;
}


hv_int_t
hv_http_send_response(hv_http_request_t *r, hv_uint_t status,
    const hv_str_t *content_type, const hv_str_t *body)
{
    hv_chain_t out;
    hv_buf_t *b;
    int rc;

    r->headers_out.status = status;
    r->headers_out.content_length_n = body != NULL ? (off_t) body->len : 0;

    if (content_type != NULL) {
        r->headers_out.content_type = *content_type;
    }

    rc = hv_http_send_header(r);

    if (rc == HV_ERROR || rc > HV_OK || r->header_only) {
        return rc == HV_AGAIN ? HV_OK : rc;
    }

    /* with a spare link for the writer (see hv_buf_create_linked()) */
    b = hv_buf_create_linked(r->pool, 0, &r->free_out);
    if (b == NULL) {
        return HV_ERROR;
    }

    /* the body is not copied: it lives in the request or the config */
    if (body != NULL && body->len > 0) {
        b->start = body->data;
        b->pos = body->data;
        b->last = body->data + body->len;
        b->end = b->last;
    }
    b->last_buf = 1;

    /* the filters copy the links they keep: this one can be the stack's */
    out.buf = b;
    out.next = NULL;

    rc = hv_http_output_filter(r, &out);

    /* a partial write is finished by the engine (hv_http_writer) */
    return rc == HV_AGAIN ? HV_OK : rc;
}


hv_http_header_t *
hv_http_add_header_out(
    hv_http_request_t *r, const char *key, const hv_str_t *value)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_http_header_t *old, *h;

    old = ho->headers.elts;

    /* hv_array_push() only when the array must grow: two per file */
    if (ho->headers.nelts < ho->headers.nalloc &&
        ho->headers.size == sizeof(hv_http_header_t)) {
        h = (hv_http_header_t *) ho->headers.elts + ho->headers.nelts++;
    } else {
        h = hv_array_push(&ho->headers);
        if (h == NULL) {
            return NULL;
        }
    }

    if (ho->headers.elts != old) {
        if (ho->location != NULL && ho->location >= old &&
            ho->location < old + ho->headers.nelts - 1) {
            ho->location =
                (hv_http_header_t *) ho->headers.elts + (ho->location - old);
        }
        if (ho->etag != NULL && ho->etag >= old &&
            ho->etag < old + ho->headers.nelts - 1) {
            ho->etag = (hv_http_header_t *) ho->headers.elts + (ho->etag - old);
        }
        if (ho->content_encoding != NULL && ho->content_encoding >= old &&
            ho->content_encoding < old + ho->headers.nelts - 1) {
            ho->content_encoding = (hv_http_header_t *) ho->headers.elts +
                                   (ho->content_encoding - old);
        }
    }

    h->key.data = (unsigned char *) key;
    h->key.len = strlen(key);
    h->value = *value;
    h->lowcase_key = NULL;
    h->hidden = 0;

    return h;
}


/* Status-driven changes to the header before it is written. */
static void
hv_http_adjust_response(hv_http_request_t *r, hv_http_core_loc_conf_t *clcf)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_connection_t *c = r->connection;

    if (ho->status == 0) {
        ho->status = HV_HTTP_OK;
    }

    if (r->method == HV_HTTP_HEAD) {
        r->header_only = 1;
    }

    /* no body, so no body framing either (RFC 9110 6.4.1) */
    if (ho->status < 200 || ho->status == HV_HTTP_NO_CONTENT ||
        ho->status == HV_HTTP_NOT_MODIFIED) {
        r->header_only = 1;
        ho->content_length_n = -1;
        if (ho->status != HV_HTTP_NOT_MODIFIED) {
            ho->content_type.len = 0;
            ho->last_modified_time = -1;
        }
    }

    if (r->keepalive) {
        if (hv_process.exiting || c->close || clcf->keepalive_timeout == 0 ||
            c->requests >= clcf->keepalive_requests) {
            r->keepalive = 0;
        }
    }

    r->chunked = 0;

    if (ho->content_length_n < 0 && !r->header_only) {
        if (r->http_version >= HV_HTTP_VERSION_11) {
            r->chunked = 1;
        } else {
            /* HTTP/1.0 without a length: the close ends the body */
            r->keepalive = 0;
        }
    }
}


/*
 * Nonzero when the eight bytes of w hold a control byte: one below 0x20,
 * or 0x7f (zero after the xor).  The two borrow tests are exact about
 * whether such a byte exists (not which); bytes from 0x80 up never count.
 */
static inline uint64_t
hv_http_word_ctl(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    uint64_t del = w ^ (ones * 0x7f);

    return (((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & highs;
}


/*
 * Nonzero when s has a control byte: eight bytes per step, the last
 * eight overlapping the words before, and 4 to 7 bytes as their first
 * four and last four.  No early exit: fields are short.  Inline: a call
 * per key and value cost ~20 instructions more per field (callgrind,
 * static file with two fields).
 */
static inline uint64_t
hv_http_ctl_bits(const hv_str_t *s)
{
    const unsigned char *p = s->data, *end = s->data + s->len;
    uint32_t head, tail;
    uint64_t w, bits;

    bits = 0;

    if (s->len < 4) {
        for (; p < end; p++) {
            bits |= *p < 0x20 || *p == 0x7f;
        }
        return bits;
    }

    if (s->len < 8) {
        memcpy(&head, p, 4);
        memcpy(&tail, end - 4, 4);
        return hv_http_word_ctl(head | (uint64_t) tail << 32);
    }

    for (; end - p > 8; p += 8) {
        memcpy(&w, p, 8);
        bits |= hv_http_word_ctl(w);
    }

    memcpy(&w, end - 8, 8);

    return bits | hv_http_word_ctl(w);
}


/* The control bytes of s, each written as %XX (two bytes more). */
static size_t
hv_http_ctl_count(const hv_str_t *s)
{
    size_t i, n;

    n = 0;

    for (i = 0; i < s->len; i++) {
        if (s->data[i] < 0x20 || s->data[i] == 0x7f) {
            n++;
        }
    }

    return n;
}


static unsigned char *
hv_http_field_copy(unsigned char *p, const hv_str_t *s, bool escape)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    if (!escape) {
        return hv_cpymem(p, s->data, s->len);
    }

    for (i = 0; i < s->len; i++) {
        if (s->data[i] < 0x20 || s->data[i] == 0x7f) {
            *p++ = '%';
            *p++ = (unsigned char) hex[s->data[i] >> 4];
            *p++ = (unsigned char) hex[s->data[i] & 0xf];
        } else {
            *p++ = s->data[i];
        }
    }

    return p;
}


/* true when h is an element of headers_out.headers (written with them). */
static bool
hv_http_in_headers(hv_http_request_t *r, hv_http_header_t *h)
{
    hv_http_header_t *first = r->headers_out.headers.elts;

    return h >= first && h < first + r->headers_out.headers.nelts;
}


#define hv_http_literal(p, text) hv_cpymem(p, text, sizeof(text) - 1)

#define HV_HTTP_DATE_LEN (sizeof("Sun, 06 Nov 1994 08:49:37 GMT") - 1)

/* What the header filter settled before it sizes and writes the header. */
typedef struct {
    const hv_str_t *line; /* "200 OK" */
    hv_str_t status_line; /* for a code without a phrase */
    unsigned char num[24];
    hv_str_t server;
    hv_http_header_t *extra[3]; /* shortcuts not in the list */
    hv_uint_t nextra;
    bool escape; /* some field has a control byte */
} hv_http_header_ctx_t;


static void
hv_http_header_prepare(hv_http_request_t *r, hv_http_core_loc_conf_t *clcf,
    hv_http_header_ctx_t *hx)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    unsigned char *p;

    hx->line = ho->status_line.len > 0 ? &ho->status_line
                                       : hv_http_status_line(ho->status);
    if (hx->line == NULL) {
        /* an unknown code is sent with an empty reason phrase */
        p = hv_sprint_uint(hx->num, ho->status);
        *p++ = ' ';
        hx->status_line.data = hx->num;
        hx->status_line.len = (size_t) (p - hx->num);
        hx->line = &hx->status_line;
    }

    if (clcf->server_tokens) {
        hv_str_set(&hx->server, HIVE_VER);
    } else {
        hv_str_set(&hx->server, "hive");
    }

    /* shortcuts that a module set without adding the field to the list */
    hx->nextra = 0;
    hx->escape = false;
    if (ho->location != NULL && !hv_http_in_headers(r, ho->location)) {
        hx->extra[hx->nextra++] = ho->location;
    }
    if (ho->etag != NULL && !hv_http_in_headers(r, ho->etag)) {
        hx->extra[hx->nextra++] = ho->etag;
    }
    if (ho->content_encoding != NULL &&
        !hv_http_in_headers(r, ho->content_encoding)) {
        hx->extra[hx->nextra++] = ho->content_encoding;
    }
}


/* The i-th field to write: the list, then the extra shortcuts. */
static hv_http_header_t *
hv_http_header_field(
    hv_http_request_t *r, hv_http_header_ctx_t *hx, hv_uint_t i)
{
    hv_array_t *a = &r->headers_out.headers;

    if (i < a->nelts) {
        return (hv_http_header_t *) a->elts + i;
    }

    return i < a->nelts + hx->nextra ? hx->extra[i - a->nelts] : NULL;
}


/* An upper bound of the header's size, %XX included when hx->escape. */
static size_t
hv_http_header_size(hv_http_request_t *r, hv_http_header_ctx_t *hx)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_http_header_t *h;
    hv_uint_t i;
    size_t len;

    len = sizeof("HTTP/1.1 \r\n") - 1 + hx->line->len + sizeof("Server: \r\n") -
          1 + hx->server.len +
          sizeof("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n") - 1 +
          sizeof("Content-Type: ; charset=\r\n") - 1 + ho->content_type.len +
          ho->charset.len + sizeof("Content-Length: \r\n") - 1 + 20 +
          sizeof("Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n") - 1 +
          sizeof("Transfer-Encoding: chunked\r\n") - 1 +
          sizeof("Connection: keep-alive\r\n") - 1 +
          sizeof("Keep-Alive: timeout=\r\n") - 1 + 20 + sizeof("\r\n") - 1;

    /* a module's Last-Modified text, whatever its length */
    len += ho->last_modified_text.len;

    for (i = 0; (h = hv_http_header_field(r, hx, i)) != NULL; i++) {
        if (!h->hidden && h->key.len > 0) {
            len += h->key.len + h->value.len + sizeof(": \r\n") - 1;
            if (hx->escape) {
                len += 2 * (hv_http_ctl_count(&h->key) +
                               hv_http_ctl_count(&h->value));
            }
        }
    }

    return len;
}


/* The status line and the fields the engine itself writes. */
static unsigned char *
hv_http_header_write_core(hv_http_request_t *r, hv_http_core_loc_conf_t *clcf,
    hv_http_header_ctx_t *hx, unsigned char *p)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    char date[32];

    p = hv_http_literal(p, "HTTP/1.1 ");
    p = hv_cpymem(p, hx->line->data, hx->line->len);
    p = hv_http_literal(p, "\r\nServer: ");
    p = hv_cpymem(p, hx->server.data, hx->server.len);
    /* an IMF-fixdate is 29 bytes: a copy of known size, no strlen() */
    p = hv_http_literal(p, "\r\nDate: ");
    p = hv_cpymem(p, hv_cached_time.http_date, HV_HTTP_DATE_LEN);
    p = hv_http_literal(p, "\r\n");

    if (ho->content_type.len > 0) {
        p = hv_http_literal(p, "Content-Type: ");
        p = hv_cpymem(p, ho->content_type.data, ho->content_type.len);
        if (ho->charset.len > 0) {
            p = hv_http_literal(p, "; charset=");
            p = hv_cpymem(p, ho->charset.data, ho->charset.len);
        }
        p = hv_http_literal(p, "\r\n");
    }

    if (ho->content_length_n >= 0) {
        p = hv_http_literal(p, "Content-Length: ");
        p = hv_sprint_uint(p, (uint64_t) ho->content_length_n);
        p = hv_http_literal(p, "\r\n");
    }

    if (ho->last_modified_time >= 0) {
        p = hv_http_literal(p, "Last-Modified: ");
        if (ho->last_modified_text.len > 0 &&
            ho->last_modified_text_time == ho->last_modified_time) {
            p = hv_cpymem(
                p, ho->last_modified_text.data, ho->last_modified_text.len);
        } else {
            p = hv_cpymem(p, date, hv_http_time(date, ho->last_modified_time));
        }
        p = hv_http_literal(p, "\r\n");
    }

    if (r->chunked) {
        p = hv_http_literal(p, "Transfer-Encoding: chunked\r\n");
    }

    if (!r->keepalive) {
        return hv_http_literal(p, "Connection: close\r\n");
    }

    p = hv_http_literal(p, "Connection: keep-alive\r\n");

    if (clcf->keepalive_header > 0) {
        p = hv_http_literal(p, "Keep-Alive: timeout=");
        p = hv_sprint_uint(p, (uint64_t) clcf->keepalive_header);
        p = hv_http_literal(p, "\r\n");
    }

    return p;
}


/*
 * The fields of the list and the shortcuts.  Unless escape, the control
 * bytes of their text are noted in *ctl, each "key: value" tested as
 * written (callgrind, static file with two fields: key and value tested
 * apart before the copy cost ~60 instructions more).
 */
static unsigned char *
hv_http_header_write_fields(hv_http_request_t *r, hv_http_header_ctx_t *hx,
    unsigned char *p, uint64_t *ctl)
{
    hv_http_header_t *h;
    hv_str_t written;
    hv_uint_t i;

    for (i = 0; (h = hv_http_header_field(r, hx, i)) != NULL; i++) {
        if (h->hidden || h->key.len == 0) {
            continue;
        }
        written.data = p;
        p = hv_http_field_copy(p, &h->key, hx->escape);
        p = hv_http_literal(p, ": ");
        p = hv_http_field_copy(p, &h->value, hx->escape);
        if (!hx->escape) {
            written.len = (size_t) (p - written.data);
            *ctl |= hv_http_ctl_bits(&written);
        }
        p = hv_http_literal(p, "\r\n");
    }

    return p;
}


int
hv_http_header_filter(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_header_ctx_t hx;
    unsigned char *p;
    hv_chain_t out;
    uint64_t ctl;
    hv_buf_t *b;

    hv_http_adjust_response(r, clcf);
    hv_http_header_prepare(r, clcf, &hx);

    /*
     * Field text with control bytes is written as %XX: a value can never
     * split the response, whatever a handler or a redirect put into it.
     * Almost no field has one, so the fields are copied as they are and
     * tested on the way; the rare header with such a byte is then written
     * again, escaped, into a new buffer (callgrind, static file with two
     * fields: a byte loop ~430 instructions, a word test per field ~170).
     */
    for (;;) {
        b = hv_buf_create_linked(
            r->pool, hv_http_header_size(r, &hx), &r->free_out);
        if (b == NULL) {
            return HV_ERROR;
        }

        ctl = 0;
        p = hv_http_header_write_core(r, clcf, &hx, b->last);
        p = hv_http_header_write_fields(r, &hx, p, &ctl);

        if (ctl == 0) {
            break;
        }

        hx.escape = true;
    }

    p = hv_http_literal(p, "\r\n");

    b->last = p;
    r->header_size = b->last - b->pos;

    /* HEAD, 204, 304: the header is the whole response, send it now */
    b->last_buf = r->header_only;

    /* the writer copies the link: it can be the stack's */
    out.buf = b;
    out.next = NULL;

    return hv_http_write_out(r, &out);
}
