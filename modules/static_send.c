/*
 * modules/static_send.c - the answer for an open file: validators (ETag,
 * Last-Modified), the conditional fields in RFC 9110 section 13.2.2's
 * order, and Range (one range, or several as multipart/byteranges).
 *
 * The body is never copied: each range is a buffer over the file
 * (sendfile) or over the cached content in memory.  A multipart answer
 * adds small part headers between them; its length is computed exactly
 * before the header goes out.
 */
#include "modules/static_internal.h"


/* "bytes " START "-" END "/" SIZE */
#define HV_STATIC_CRANGE_LEN (6 + 3 * 20 + 2 + 1)


static int hv_static_set_etag(hv_http_request_t *r, const hv_static_file_t *f);
static bool hv_static_etag_match(
    const hv_str_t *list, const hv_str_t *etag, bool weak);
static int hv_static_conditional(
    hv_http_request_t *r, const hv_static_file_t *f);
static bool hv_static_if_range(hv_http_request_t *r, const hv_static_file_t *f);
static hv_buf_t *hv_static_body(
    hv_http_request_t *r, const hv_static_file_t *f, off_t start, off_t end);
static int hv_static_send_ranges(hv_http_request_t *r,
    const hv_static_file_t *f, hv_http_range_t *ranges, hv_uint_t n);
static int hv_static_multipart(hv_http_request_t *r, const hv_static_file_t *f,
    hv_http_range_t *ranges, hv_uint_t n);


int
hv_static_send(hv_http_request_t *r, const hv_static_file_t *f)
{
    static const hv_str_t bytes = hv_string("bytes");
    hv_http_range_t ranges[HV_HTTP_RANGES_MAX];
    hv_http_header_t *range;
    hv_chain_t out;
    hv_uint_t n;
    int rc;

    r->headers_out.status = HV_HTTP_OK;
    r->headers_out.content_length_n = f->size;
    r->headers_out.last_modified_time = f->mtime;
    r->headers_out.last_modified_text = f->last_modified;
    r->headers_out.last_modified_text_time = f->mtime;
    hv_http_set_content_type(r);

    if (hv_http_core_loc(r)->etag && hv_static_set_etag(r, f) != HV_OK) {
        return 500;
    }

    rc = hv_static_conditional(r, f);
    if (rc == HV_HTTP_NOT_MODIFIED) {
        /* validators stay (RFC 9110 15.4.5), the type does not */
        r->headers_out.status = HV_HTTP_NOT_MODIFIED;
        r->headers_out.content_type.len = 0;
        return hv_http_send_header(r);
    }
    if (rc != HV_OK) {
        return rc;
    }

    if (hv_http_add_header_out(r, "Accept-Ranges", &bytes) == NULL) {
        return 500;
    }

    range = r->headers_in.range;
    if (range != NULL && hv_static_if_range(r, f)) {
        rc = hv_http_range_parse(
            range->value.data, range->value.len, f->size, ranges, &n);
        if (rc == HV_OK) {
            return hv_static_send_ranges(r, f, ranges, n);
        }
        if (rc == HV_HTTP_RANGE_NOT_SATISFIABLE) {
            return hv_static_send_ranges(r, f, NULL, 0);
        }
    }

    rc = hv_http_send_header(r);
    if (rc == HV_ERROR || rc > HV_OK || r->header_only) {
        return rc;
    }

    /* the filters copy the links they keep: this one can be the stack's */
    out.buf = hv_static_body(r, f, 0, f->size);
    if (out.buf == NULL) {
        return HV_ERROR;
    }
    out.buf->last_buf = 1;
    out.next = NULL;

    rc = hv_http_output_filter(r, &out);

    /* the rest goes out when the socket is writable: that is "being sent" */
    return (rc == HV_AGAIN) ? HV_OK : rc;
}


/* v in lower-case hex without leading zeros, as "%llx" writes it. */
static unsigned char *
hv_static_hex(unsigned char *p, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char tmp[16], *t;

    t = tmp + sizeof(tmp);

    do {
        *--t = (unsigned char) digits[v & 0xf];
        v >>= 4;
    } while (v != 0);

    return hv_cpymem(p, t, (size_t) (tmp + sizeof(tmp) - t));
}


void
hv_static_validators(hv_static_file_t *f, unsigned char *buf)
{
    unsigned char *p;

    /* nginx's form, so that caches in front of either agree */
    p = buf;
    *p++ = '"';
    p = hv_static_hex(p, (uint64_t) f->mtime);
    *p++ = '-';
    p = hv_static_hex(p, (uint64_t) f->size);
    *p++ = '"';
    f->etag.data = buf;
    f->etag.len = (size_t) (p - buf);

    f->last_modified.data = buf + HV_STATIC_ETAG_LEN;
    f->last_modified.len =
        hv_http_time((char *) f->last_modified.data, f->mtime);
}


/* The ETag's value lives as long as f: in the cache entry or the pool. */
static int
hv_static_set_etag(hv_http_request_t *r, const hv_static_file_t *f)
{
    r->headers_out.etag = hv_http_add_header_out(r, "ETag", &f->etag);

    return r->headers_out.etag != NULL ? HV_OK : HV_ERROR;
}


/*
 * true when the field value list ("*", or entity-tags separated by
 * commas) matches etag; strong comparison unless weak (RFC 9110 8.8.3.2).
 * A malformed element ends the list: what came before still counts.
 */
static bool
hv_static_etag_match(const hv_str_t *list, const hv_str_t *etag, bool weak)
{
    const unsigned char *p, *end, *q;
    bool is_weak;

    p = list->data;
    end = p + list->len;

    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }
        if (p == end) {
            return false;
        }

        if (*p == '*') {
            return true;
        }

        is_weak = (end - p >= 2 && p[0] == 'W' && p[1] == '/');
        if (is_weak) {
            p += 2;
        }

        if (p == end || *p != '"') {
            return false;
        }
        q = memchr(p + 1, '"', (size_t) (end - p - 1));
        if (q == NULL) {
            return false;
        }
        q++;

        if (etag != NULL && (weak || !is_weak) &&
            (size_t) (q - p) == etag->len &&
            memcmp(p, etag->data, etag->len) == 0) {
            return true;
        }

        p = q;
    }
}


/* A header field's date, or -1 when absent or not a date. */
static time_t
hv_static_date(const hv_http_header_t *h)
{
    return h != NULL ? hv_parse_http_time(h->value.data, h->value.len) : -1;
}


/*
 * RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match,
 * else If-Modified-Since.  HV_OK (send it), 304 or 412.
 */
static int
hv_static_conditional(hv_http_request_t *r, const hv_static_file_t *f)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_headers_in_t *hi = &r->headers_in;
    const hv_str_t *etag;
    time_t t;

    etag = r->headers_out.etag != NULL ? &r->headers_out.etag->value : NULL;

    if (hi->if_match != NULL) {
        if (!hv_static_etag_match(&hi->if_match->value, etag, false)) {
            return HV_HTTP_PRECONDITION_FAILED;
        }
    } else {
        t = hv_static_date(hi->if_unmodified_since);
        if (t != -1 && f->mtime > t) {
            return HV_HTTP_PRECONDITION_FAILED;
        }
    }

    if (hi->if_none_match != NULL) {
        if (hv_static_etag_match(&hi->if_none_match->value, etag, true)) {
            return HV_HTTP_NOT_MODIFIED; /* GET and HEAD only get here */
        }
        return HV_OK;
    }

    t = hv_static_date(hi->if_modified_since);
    if (t == -1 || clcf->if_modified_since == HV_HTTP_IMS_OFF) {
        return HV_OK;
    }

    if (clcf->if_modified_since == HV_HTTP_IMS_EXACT ? f->mtime == t
                                                     : f->mtime <= t) {
        return HV_HTTP_NOT_MODIFIED;
    }

    return HV_OK;
}


/*
 * If-Range (RFC 9110 13.1.5): Range counts only when the validator given
 * still matches, an entity-tag strongly, a date exactly.  Absent: it does.
 */
static bool
hv_static_if_range(hv_http_request_t *r, const hv_static_file_t *f)
{
    hv_http_header_t *h;
    const hv_str_t *etag;
    hv_uint_t i;

    h = r->headers_in.headers.elts;

    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (!hv_str_caseeq_cstr(&h[i].key, "If-Range")) {
            continue;
        }

        /* an entity-tag is "..." or W/"..."; anything else is a date (a
         * date may start with 'W' too: Wed) */
        if (h[i].value.len > 0 && h[i].value.data[0] != '"' &&
            !(h[i].value.len > 1 && h[i].value.data[0] == 'W' &&
                h[i].value.data[1] == '/')) {
            return hv_static_date(&h[i]) == f->mtime;
        }

        etag = r->headers_out.etag != NULL ? &r->headers_out.etag->value : NULL;
        return h[i].value.data[0] == '"' &&
               hv_static_etag_match(&h[i].value, etag, false);
    }

    return true;
}


/* A buffer over bytes start .. end-1 of f, from memory or the file. */
static hv_buf_t *
hv_static_body(
    hv_http_request_t *r, const hv_static_file_t *f, off_t start, off_t end)
{
    hv_buf_t *b;

    /* with a spare link for the writer (see hv_buf_create_linked()) */
    b = hv_buf_create_linked(r->pool, 0, &r->free_out);
    if (b == NULL) {
        return NULL;
    }

    if (f->data != NULL) {
        b->start = (unsigned char *) f->data + start;
        b->pos = b->start;
        b->last = (unsigned char *) f->data + end;
        b->end = b->last;
    } else if (end > start) {
        b->in_file = 1;
        b->fd = f->fd;
        b->file_pos = start;
        b->file_last = end;
    }

    return b;
}


/* "bytes START-END/SIZE", or "bytes * /SIZE" when range is NULL. */
static hv_str_t *
hv_static_content_range(
    hv_http_request_t *r, const hv_http_range_t *range, off_t size)
{
    hv_str_t *s;

    s = hv_palloc(r->pool, sizeof(hv_str_t));
    if (s == NULL) {
        return NULL;
    }
    s->data = hv_pnalloc(r->pool, HV_STATIC_CRANGE_LEN);
    if (s->data == NULL) {
        return NULL;
    }

    if (range == NULL) {
        s->len = (size_t) snprintf((char *) s->data, HV_STATIC_CRANGE_LEN,
            "bytes */%lld", (long long) size);
    } else {
        s->len = (size_t) snprintf((char *) s->data, HV_STATIC_CRANGE_LEN,
            "bytes %lld-%lld/%lld", (long long) range->start,
            (long long) range->end - 1, (long long) size);
    }

    return s;
}


/* 416 (n == 0), 206 with one range, or multipart for several. */
static int
hv_static_send_ranges(hv_http_request_t *r, const hv_static_file_t *f,
    hv_http_range_t *ranges, hv_uint_t n)
{
    hv_str_t *cr;
    hv_chain_t *out;
    int rc;

    if (n > 1) {
        return hv_static_multipart(r, f, ranges, n);
    }

    cr = hv_static_content_range(r, n == 0 ? NULL : &ranges[0], f->size);
    if (cr == NULL || hv_http_add_header_out(r, "Content-Range", cr) == NULL) {
        return 500;
    }

    if (n == 0) {
        return HV_HTTP_RANGE_NOT_SATISFIABLE;
    }

    r->headers_out.status = HV_HTTP_PARTIAL_CONTENT;
    r->headers_out.content_length_n = ranges[0].end - ranges[0].start;

    rc = hv_http_send_header(r);
    if (rc == HV_ERROR || rc > HV_OK || r->header_only) {
        return rc;
    }

    out = hv_chain_link(
        r->pool, hv_static_body(r, f, ranges[0].start, ranges[0].end));
    if (out == NULL || out->buf == NULL) {
        return HV_ERROR;
    }
    out->buf->last_buf = 1;

    rc = hv_http_output_filter(r, out);

    return (rc == HV_AGAIN) ? HV_OK : rc;
}


/*
 * multipart/byteranges (RFC 9110 14.6): for each range
 *   CRLF "--" BOUNDARY CRLF Content-Type CRLF Content-Range CRLF CRLF data
 * then CRLF "--" BOUNDARY "--" CRLF.  The boundary is 20 digits from the
 * request's start time and connection number: it need only be absent
 * from the parts, and a file that contains it by chance still parses
 * because every part's length is in its Content-Range.
 */
static int
hv_static_multipart(hv_http_request_t *r, const hv_static_file_t *f,
    hv_http_range_t *ranges, hv_uint_t n)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    char boundary[21];
    hv_chain_t *out, **last, *cl;
    hv_str_t *cr, type;
    unsigned char *p;
    hv_buf_t *b;
    size_t plen;
    hv_uint_t i;
    off_t len;
    int rc;

    (void) snprintf(boundary, sizeof(boundary), "%020llu",
        (unsigned long long) (r->start_msec * 1000003u +
                              r->connection->number));

    type = ho->content_type;
    ho->content_type.data = hv_pnalloc(r->pool, 64);
    if (ho->content_type.data == NULL) {
        return 500;
    }
    ho->content_type.len = (size_t) snprintf((char *) ho->content_type.data, 64,
        "multipart/byteranges; boundary=%s", boundary);

    out = NULL;
    last = &out;
    len = 0;

    for (i = 0; i <= n; i++) {
        /* one part header per range, the closing line after the last */
        plen = (i < n) ? 4 + 20 + 16 + type.len + 10 + ho->charset.len + 17 +
                             HV_STATIC_CRANGE_LEN + 4
                       : 4 + 20 + 4;
        b = hv_buf_create(r->pool, plen);
        cr = (i < n) ? hv_static_content_range(r, &ranges[i], f->size) : NULL;
        if (b == NULL || (i < n && cr == NULL)) {
            return 500;
        }

        p = b->last;
        p = hv_cpymem(p, "\r\n--", 4);
        p = hv_cpymem(p, boundary, 20);
        if (i == n) {
            p = hv_cpymem(p, "--\r\n", 4);
        } else {
            p = hv_cpymem(p, "\r\nContent-Type: ", 16);
            p = hv_cpymem(p, type.data, type.len);
            if (ho->charset.len > 0) {
                p = hv_cpymem(p, "; charset=", 10);
                p = hv_cpymem(p, ho->charset.data, ho->charset.len);
            }
            p = hv_cpymem(p, "\r\nContent-Range: ", 17);
            p = hv_cpymem(p, cr->data, cr->len);
            p = hv_cpymem(p, "\r\n\r\n", 4);
        }
        b->last = p;
        len += b->last - b->pos;

        cl = hv_chain_link(r->pool, b);
        if (cl == NULL) {
            return 500;
        }
        *last = cl;
        last = &cl->next;

        if (i == n) {
            b->last_buf = 1;
            break;
        }

        cl = hv_chain_link(
            r->pool, hv_static_body(r, f, ranges[i].start, ranges[i].end));
        if (cl == NULL || cl->buf == NULL) {
            return 500;
        }
        len += ranges[i].end - ranges[i].start;
        *last = cl;
        last = &cl->next;
    }

    ho->charset.len = 0;
    ho->status = HV_HTTP_PARTIAL_CONTENT;
    ho->content_length_n = len;

    rc = hv_http_send_header(r);
    if (rc == HV_ERROR || rc > HV_OK || r->header_only) {
        return rc;
    }

    rc = hv_http_output_filter(r, out);

    return (rc == HV_AGAIN) ? HV_OK : rc;
}
