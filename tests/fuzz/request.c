/*
 * tests/fuzz/request.c - the request-line and header parsers
 * (http/parse.c) fed in random splits.
 *
 * Input: two bytes choosing a split offset k, then the request bytes.
 * The request is parsed three ways and every way must give the same
 * verdict, the same field positions and the same end of header:
 *   whole    one exact-size buffer (ASan sees any read past its end);
 *   split    the first k bytes in a buffer of their own, then everything
 *            moved to a larger buffer and the parser rebased, as the
 *            server does when a header outgrows its first buffer;
 *   trickle  the bytes arriving one at a time in the same buffer.
 * A complete request with a complex path is also run through
 * hv_http_parse_path(), which must stay inside its output buffer.
 */
#include "http/http.h"
#include "tests/fuzz/fuzz.h"


/* Field positions, as offsets from the buffer start (-1 for NULL). */
typedef struct {
    long rc;       /* 0 for a complete header, a status, HV_AGAIN */
    long line[12]; /* request-line pointers */
    long method, major, minor, complex_uri;
    uint64_t headers; /* FNV-1a over every header field's positions */
    long nheaders;
    long end; /* b->pos after the header (rc 0) */
} hv_fuzz_req_t;

typedef struct {
    hv_http_parser_t p;
    hv_buf_t b;
    int phase; /* 0: request line, 1: header fields */
    hv_fuzz_req_t res;
} hv_fuzz_req_state_t;


static long
hv_fuzz_off(const unsigned char *ptr, const unsigned char *base)
{
    return ptr != NULL ? (long) (ptr - base) : -1;
}


static void
hv_fuzz_mix(uint64_t *h, long v)
{
    size_t i;

    for (i = 0; i < sizeof(v); i++) {
        *h ^= (uint64_t) ((unsigned long) v >> (i * 8) & 0xff);
        *h *= 0x100000001b3ULL;
    }
}


static void
hv_fuzz_record_line(hv_fuzz_req_state_t *s)
{
    const unsigned char *base = s->b.start;
    hv_http_parser_t *p = &s->p;
    long *l = s->res.line;

    l[0] = hv_fuzz_off(p->request_start, base);
    l[1] = hv_fuzz_off(p->request_end, base);
    l[2] = hv_fuzz_off(p->method_end, base);
    l[3] = hv_fuzz_off(p->schema_start, base);
    l[4] = hv_fuzz_off(p->schema_end, base);
    l[5] = hv_fuzz_off(p->host_start, base);
    l[6] = hv_fuzz_off(p->host_end, base);
    l[7] = hv_fuzz_off(p->uri_start, base);
    l[8] = hv_fuzz_off(p->uri_end, base);
    l[9] = hv_fuzz_off(p->args_start, base);
    l[10] = hv_fuzz_off(p->protocol_start, base);
    l[11] = hv_fuzz_off(s->b.pos, base);
    s->res.method = (long) p->method;
    s->res.major = p->http_major;
    s->res.minor = p->http_minor;
    s->res.complex_uri = p->complex_uri;
}


static void
hv_fuzz_record_header(hv_fuzz_req_state_t *s)
{
    const unsigned char *base = s->b.start;
    hv_http_parser_t *p = &s->p;

    hv_fuzz_mix(&s->res.headers, hv_fuzz_off(p->header_name_start, base));
    hv_fuzz_mix(&s->res.headers, hv_fuzz_off(p->header_name_end, base));
    hv_fuzz_mix(&s->res.headers, hv_fuzz_off(p->header_start, base));
    hv_fuzz_mix(&s->res.headers, hv_fuzz_off(p->header_end, base));
    hv_fuzz_mix(&s->res.headers, hv_fuzz_off(s->b.pos, base));
    s->res.nheaders++;
}


/* Runs the parsers until a verdict or until they want more bytes. */
static int
hv_fuzz_req_run(hv_fuzz_req_state_t *s)
{
    int rc;

    for (;;) {
        HV_FUZZ_CHECK(s->b.pos <= s->b.last, "b->pos passed b->last");

        if (s->phase == 0) {
            rc = hv_http_parse_request_line(&s->p, &s->b);
            if (rc != HV_OK) {
                return rc;
            }
            hv_fuzz_record_line(s);
            s->phase = 1;
            continue;
        }

        rc = hv_http_parse_header_line(&s->p, &s->b);
        if (rc == HV_OK) {
            hv_fuzz_record_header(s);
            continue;
        }

        if (rc == HV_DONE) {
            s->res.end = hv_fuzz_off(s->b.pos, s->b.start);
            return 0;
        }

        return rc;
    }
}


static void
hv_fuzz_req_init(hv_fuzz_req_state_t *s, unsigned char *buf, size_t len)
{
    memset(s, 0, sizeof(hv_fuzz_req_state_t));
    s->res.headers = 0xcbf29ce484222325ULL;
    s->b.start = buf;
    s->b.pos = buf;
    s->b.last = buf + len;
    s->b.end = buf + len;
}


static void
hv_fuzz_req_whole(const uint8_t *data, size_t len, hv_fuzz_req_t *res)
{
    hv_fuzz_req_state_t s;
    unsigned char *buf;

    buf = hv_fuzz_copy(data, len);
    hv_fuzz_req_init(&s, buf, len);
    s.res.rc = hv_fuzz_req_run(&s);
    *res = s.res;
    free(buf);
}


static void
hv_fuzz_req_split(const uint8_t *data, size_t len, size_t k, hv_fuzz_req_t *res)
{
    hv_fuzz_req_state_t s;
    unsigned char *buf1, *buf2;
    ptrdiff_t pos;
    int rc;

    buf1 = hv_fuzz_copy(data, k);
    hv_fuzz_req_init(&s, buf1, k);
    rc = hv_fuzz_req_run(&s);

    if (rc == HV_AGAIN && k < len) {
        buf2 = hv_fuzz_copy(data, len);
        pos = s.b.pos - buf1;
        hv_http_parser_rebase(&s.p, buf2 - buf1);
        s.b.start = buf2;
        s.b.pos = buf2 + pos;
        s.b.last = buf2 + len;
        s.b.end = buf2 + len;
        rc = hv_fuzz_req_run(&s);
        free(buf2);
    }

    s.res.rc = rc;
    *res = s.res;
    free(buf1);
}


static void
hv_fuzz_req_trickle(const uint8_t *data, size_t len, hv_fuzz_req_t *res)
{
    hv_fuzz_req_state_t s;
    unsigned char *buf;
    size_t n;
    int rc;

    buf = hv_fuzz_copy(data, len);
    hv_fuzz_req_init(&s, buf, 0);
    rc = HV_AGAIN;

    for (n = 1; n <= len && rc == HV_AGAIN; n++) {
        s.b.last = buf + n;
        rc = hv_fuzz_req_run(&s);
    }

    s.res.rc = rc;
    *res = s.res;
    free(buf);
}


/* The normalised path of a complete request fits and starts with '/'. */
static void
hv_fuzz_req_path(const uint8_t *data, const hv_fuzz_req_t *res)
{
    const unsigned char *path;
    unsigned char *out;
    size_t len, out_len;

    if (res->rc != 0 || res->line[7] < 0 || data[res->line[7]] != '/') {
        return;
    }

    path = data + res->line[7];
    len = (size_t) ((res->line[9] >= 0 ? res->line[9] - 1 : res->line[8]) -
                    res->line[7]);

    out = hv_fuzz_copy(path, len);
    out_len = 0;

    if (hv_http_parse_path(path, len, out, &out_len, true) == HV_OK) {
        HV_FUZZ_CHECK(out_len >= 1 && out_len <= len && out[0] == '/',
            "parse_path: out_len %zu of %zu", out_len, len);
    }

    free(out);
}


int
hv_fuzz_request(const uint8_t *data, size_t size)
{
    hv_fuzz_req_t whole, split, trickle;
    size_t k;

    k = hv_fuzz_take_split(&data, &size);
    if (k == SIZE_MAX) {
        return 0;
    }

    hv_fuzz_req_whole(data, size, &whole);
    hv_fuzz_req_split(data, size, k, &split);
    hv_fuzz_req_trickle(data, size, &trickle);

    HV_FUZZ_CHECK(whole.rc == split.rc && whole.rc == trickle.rc,
        "verdict whole %ld, split at %zu %ld, trickle %ld", whole.rc, k,
        split.rc, trickle.rc);
    HV_FUZZ_CHECK(memcmp(&whole, &split, sizeof(whole)) == 0,
        "fields differ when split at %zu (verdict %ld)", k, whole.rc);
    HV_FUZZ_CHECK(memcmp(&whole, &trickle, sizeof(whole)) == 0,
        "fields differ when fed a byte at a time (verdict %ld)", whole.rc);
    HV_FUZZ_CHECK(whole.rc == 0 || whole.rc == HV_AGAIN || whole.rc == 400 ||
                      whole.rc == 414 || whole.rc == 501 || whole.rc == 505,
        "unexpected verdict %ld", whole.rc);

    hv_fuzz_req_path(data, &whole);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_request(data, size);
}

#endif
