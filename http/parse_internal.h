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


/* RFC 9110 tchar, one bit per byte. */
static const uint32_t hv_http_tchar[8] = {
    0x00000000,
    /* ?>=< ;:98 7654 3210 /.-, +*)( '&%$ #"!  */
    0x03ff6cfa, /* 0000 0011 1111 1111 0110 1100 1111 1010 */
    /* _^]\ [ZYX WVUT SRQP ONML KJIH GFED CBA@ */
    0xc7fffffe, /* 1100 0111 1111 1111 1111 1111 1111 1110 */
    /*  ~}| {zyx wvut srqp onml kjih gfed cba` */
    0x57ffffff, /* 0101 0111 1111 1111 1111 1111 1111 1111 */
    0x00000000,
    0x00000000,
    0x00000000,
    0x00000000,
};


static inline bool
hv_http_is_tchar(unsigned char c)
{
    return (hv_http_tchar[c >> 5] & (1U << (c & 0x1f))) != 0;
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
