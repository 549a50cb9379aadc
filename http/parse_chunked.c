/*
 * http/parse_chunked.c - the chunked transfer coding of request bodies
 * (RFC 9112 section 7.1), decoded a byte at a time like the other parsers
 * so that a body split anywhere gives the same result.
 */
#include "http/http.h"
#include "http/parse_internal.h"


/* Chunked-body states. */
typedef enum {
    hv_ch_start = 0,     /* first hex digit of a chunk size */
    hv_ch_size,          /* further hex digits */
    hv_ch_ext_bws,       /* whitespace after the size */
    hv_ch_ext,           /* in a ";ext=val" list */
    hv_ch_size_lf,       /* CR ended the size line: LF */
    hv_ch_data,          /* chunk data: the caller consumes it */
    hv_ch_data_cr,       /* after the data: CR */
    hv_ch_data_lf,       /* after the data: LF */
    hv_ch_trailer_start, /* after the last chunk: a field or end */
    hv_ch_trailer,       /* in a trailer field line */
    hv_ch_trailer_lf,    /* CR ended a trailer line: LF */
    hv_ch_last_lf        /* CR of the final empty line: LF */
} hv_http_ch_state_t;


/*
 * Bounds a chunk size so that the arithmetic on sizes (size * 16 + digit,
 * size + framing) can never overflow off_t, whatever the client sends.
 */
#define HV_HTTP_CHUNK_MAX ((off_t) (INT64_MAX / 4))


/* The fewest bytes still to come in the current state (see parse.h). */
static off_t
hv_http_chunked_length(const hv_http_chunked_t *ctx)
{
    switch (ctx->state) {
        case hv_ch_start:
            return 5; /* "0" CRLF CRLF */
        case hv_ch_size:
        case hv_ch_ext_bws:
        case hv_ch_ext:
            return ctx->size == 0 ? 4 : ctx->size + 9;
        case hv_ch_size_lf:
            return ctx->size == 0 ? 3 : ctx->size + 8;
        case hv_ch_data:
            return ctx->size + 7; /* data CRLF "0" CRLF CRLF */
        case hv_ch_data_cr:
            return 7;
        case hv_ch_data_lf:
            return 6;
        case hv_ch_trailer_start:
            return 2;
        case hv_ch_trailer:
            return 4;
        case hv_ch_trailer_lf:
            return 3;
        default: /* hv_ch_last_lf */
            return 1;
    }
}


/* One byte of the size line; returns the next state or -1. */
static int
hv_http_chunk_size_byte(hv_http_chunked_t *ctx, int state, unsigned char c)
{
    int d;

    switch (state) {
        case hv_ch_start:
        case hv_ch_size:
            d = hv_http_hex_value(c);
            if (d >= 0) {
                if (ctx->size > HV_HTTP_CHUNK_MAX / 16) {
                    return -1;
                }
                ctx->size = ctx->size * 16 + d;
                return hv_ch_size;
            }
            if (state == hv_ch_start) {
                return -1;
            }
            return hv_http_chunk_size_byte(ctx, hv_ch_ext_bws, c);

        case hv_ch_ext_bws:
            if (c == ' ' || c == '\t') {
                return hv_ch_ext_bws;
            }
            if (c == ';') {
                return hv_ch_ext;
            }
            return c == HV_CR ? hv_ch_size_lf : -1;

        default: /* hv_ch_ext */
            if (c == HV_CR) {
                return hv_ch_size_lf;
            }
            return (hv_http_is_ctl(c) && c != '\t') ? -1 : hv_ch_ext;
    }
}


/* The end of a size line: data, or the trailer after the last chunk. */
static int
hv_http_chunk_size_done(hv_http_chunked_t *ctx)
{
    if (ctx->size > HV_HTTP_CHUNK_MAX - ctx->total) {
        return -1;
    }

    ctx->total += ctx->size;

    return ctx->size == 0 ? hv_ch_trailer_start : hv_ch_data;
}


int
hv_http_parse_chunked(hv_http_chunked_t *ctx, hv_buf_t *b)
{
    unsigned char *pos, c;
    int state;

    pos = b->pos;
    state = ctx->state;

    for (;;) {
        if (state == hv_ch_data) {
            if (ctx->size > 0) {
                b->pos = pos;
                ctx->state = state;
                ctx->length = hv_http_chunked_length(ctx);
                return pos < b->last ? HV_OK : HV_AGAIN;
            }
            state = hv_ch_data_cr;
        }

        if (pos == b->last) {
            break;
        }

        c = *pos;

        switch (state) {
            case hv_ch_start:
            case hv_ch_size:
            case hv_ch_ext_bws:
            case hv_ch_ext:
                state = hv_http_chunk_size_byte(ctx, state, c);
                break;

            case hv_ch_size_lf:
                state = c == HV_LF ? hv_http_chunk_size_done(ctx) : -1;
                break;

            case hv_ch_data_cr:
                state = c == HV_CR ? hv_ch_data_lf : -1;
                break;

            case hv_ch_data_lf:
                state = c == HV_LF ? hv_ch_start : -1;
                break;

            case hv_ch_trailer_start:
                if (c == HV_CR) {
                    state = hv_ch_last_lf;
                    break;
                }
                state = hv_http_is_tchar(c) ? hv_ch_trailer : -1;
                break;

            case hv_ch_trailer:
                if (c == HV_CR) {
                    state = hv_ch_trailer_lf;
                    break;
                }
                state = (hv_http_is_ctl(c) && c != '\t') ? -1 : state;
                break;

            case hv_ch_trailer_lf:
                state = c == HV_LF ? hv_ch_trailer_start : -1;
                break;

            default: /* hv_ch_last_lf */
                if (c != HV_LF) {
                    goto invalid;
                }
                b->pos = pos + 1;
                ctx->state = hv_ch_start;
                ctx->length = 0;
                return HV_DONE;
        }

        if (state < 0) {
            goto invalid;
        }

        pos++;
    }

    b->pos = pos;
    ctx->state = state;
    ctx->length = hv_http_chunked_length(ctx);

    return HV_AGAIN;

invalid:

    b->pos = pos;
    ctx->state = hv_ch_start;

    return 400;
}
