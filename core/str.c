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


/*
 * The upper-case ASCII letters of word w, as 0x20 in their bytes: w's
 * low seven bits of each byte plus 0x3f carry into the top bit from 'A'
 * on, plus 0x25 from '['; bytes of 0x80 and above are left out.  No sum
 * carries into the next byte (0x7f + 0x3f < 0x100).
 */
static inline uint64_t
hv_upper_bits(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    uint64_t h;

    h = w & ~highs;

    return ((h + 0x3f * ones) & ~(h + 0x25 * ones) & ~w & highs) >> 2;
}


/*
 * Field names are lower-cased for every request: eight bytes, then
 * four, at a time with hv_upper_bits() (callgrind: 45 instructions for
 * "Host" byte by byte, ~20 this way; longer names gain more).
 */
void
hv_strlow(unsigned char *dst, const unsigned char *src, size_t n)
{
    uint64_t w;
    uint32_t h;
    size_t i;

    for (i = 0; n - i >= 8; i += 8) {
        memcpy(&w, src + i, 8);
        w |= hv_upper_bits(w);
        memcpy(dst + i, &w, 8);
    }

    if (n - i >= 4) {
        memcpy(&h, src + i, 4);
        h |= (uint32_t) hv_upper_bits(h);
        memcpy(dst + i, &h, 4);
        i += 4;
    }

    for (/* void */; i < n; i++) {
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


/*
 * The digit count first, then the digits straight into buf, both two
 * digits per division, from a table of "00".."99": callgrind counted 120
 * instructions for a 7-digit pid and a 2-digit Content-Length with one
 * digit per division into a scratch array and a memcpy(), 80 this way.
 */
unsigned char *
hv_sprint_uint(unsigned char *buf, uint64_t v)
{
    static const char hv_pairs[] = "00010203040506070809"
                                   "10111213141516171819"
                                   "20212223242526272829"
                                   "30313233343536373839"
                                   "40414243444546474849"
                                   "50515253545556575859"
                                   "60616263646566676869"
                                   "70717273747576777879"
                                   "80818283848586878889"
                                   "90919293949596979899";
    unsigned char *end, *p;
    uint64_t t;
    size_t i;

    /* UINT64_MAX has 20 digits */
    end = buf + 1;
    for (t = v; t >= 100; t /= 100) {
        end += 2;
    }
    end += t >= 10;

    p = end;

    while (v >= 100) {
        i = (size_t) (v % 100) * 2;
        v /= 100;
        *--p = (unsigned char) hv_pairs[i + 1];
        *--p = (unsigned char) hv_pairs[i];
    }

    if (v >= 10) {
        *--p = (unsigned char) hv_pairs[v * 2 + 1];
        *--p = (unsigned char) hv_pairs[v * 2];
    } else {
        *--p = (unsigned char) ('0' + v);
    }

    return end;
}
