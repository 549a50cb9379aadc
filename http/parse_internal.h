/*
 * http/parse_internal.h - byte classes shared by the parsers of http/
 * (parse.c, parse_path.c, parse_chunked.c) and their unit tests; not part
 * of the HTTP layer's interface.
 */
#ifndef HV_HTTP_PARSE_INTERNAL_H
#define HV_HTTP_PARSE_INTERNAL_H

#include "http/http.h"

#define HV_CR '\r'
#define HV_LF '\n'


/*
 * RFC 9110 tchar, one byte per byte: methods and field names are tested
 * a byte at a time, and a table load is ~3 instructions fewer per byte
 * than a bit of a bitmap (callgrind).
 */
static const unsigned char hv_http_tchar[256] = {
    /* 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 1x */
    0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, /* 2x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, /* 3x */
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 4x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, /* 5x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 6x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, /* 7x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 8x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 9x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ax */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* bx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* cx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dx */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ex */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* fx */
};


static inline bool
hv_http_is_tchar(unsigned char c)
{
    return hv_http_tchar[c] != 0;
}


static inline bool
hv_http_is_alpha(unsigned char c)
{
    c |= 0x20;
    return c >= 'a' && c <= 'z';
}


static inline bool
hv_http_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}


/* A control byte (other than the caller's own delimiters) or DEL. */
static inline bool
hv_http_is_ctl(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}


/* The value of a hex digit, or -1. */
static inline int
hv_http_hex_value(unsigned char c)
{
    if (hv_http_is_digit(c)) {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}

#endif /* HV_HTTP_PARSE_INTERNAL_H */
