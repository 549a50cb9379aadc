/*
 * core/str.c - length-counted string helpers (see str.h).
 *
 * Everything here works on byte counts and never reads a NUL terminator
 * from an hv_str_t; only the "_cstr" variants take C strings, and then
 * only for the literal side.
 */
#include "core/core.h"


bool
hv_str_eq(const hv_str_t *a, const hv_str_t *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


bool
hv_str_eq_cstr(const hv_str_t *s, const char *text)
{
    size_t n;

    n = strlen(text);

    return s->len == n && (n == 0 || memcmp(s->data, text, n) == 0);
}


bool
hv_str_caseeq_cstr(const hv_str_t *s, const char *text)
{
    size_t n;

    n = strlen(text);

    return s->len == n &&
           hv_strncasecmp(s->data, (const unsigned char *) text, n) == 0;
}


int
hv_strncasecmp(const unsigned char *a, const unsigned char *b, size_t n)
{
    size_t i;
    int ca, cb;

    for (i = 0; i < n; i++) {
        ca = hv_tolower(a[i]);
        cb = hv_tolower(b[i]);

        if (ca != cb) {
            return ca - cb;
        }
    }

    return 0;
}


void
hv_strlow(unsigned char *dst, const unsigned char *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        dst[i] = (unsigned char) hv_tolower(src[i]);
    }
}


int64_t
hv_atoi(const unsigned char *p, size_t n, int64_t max)
{
    int64_t v, d;
    size_t i;

    if (n == 0 || max < 0) {
        return HV_ERROR;
    }

    v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return HV_ERROR;
        }

        d = p[i] - '0';

        /* v * 10 + d <= max, written so that nothing overflows */
        if (d > max || v > (max - d) / 10) {
            return HV_ERROR;
        }

        v = v * 10 + d;
    }

    return v;
}


int64_t
hv_hextoi(const unsigned char *p, size_t n, int64_t max)
{
    int64_t v, d;
    size_t i;
    unsigned char c;

    if (n == 0 || max < 0) {
        return HV_ERROR;
    }

    v = 0;

    for (i = 0; i < n; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else {
            c = (unsigned char) hv_tolower(c);
            if (c < 'a' || c > 'f') {
                return HV_ERROR;
            }
            d = c - 'a' + 10;
        }

        if (d > max || v > (max - d) / 16) {
            return HV_ERROR;
        }

        v = v * 16 + d;
    }

    return v;
}


unsigned char *
hv_sprint_uint(unsigned char *buf, uint64_t v)
{
    unsigned char tmp[20], *t;

    /* UINT64_MAX has 20 digits; they come out backwards. */
    t = tmp + sizeof(tmp);

    do {
        *--t = (unsigned char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);

    return hv_cpymem(buf, t, (size_t) (tmp + sizeof(tmp) - t));
}
