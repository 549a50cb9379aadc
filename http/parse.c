/*
 * http/parse.c - the incremental HTTP/1.x request parser (RFC 9112).
 *
 * Every parser here is a state machine that looks at one byte at a time
 * and keeps everything it needs in its state and in pointers into the
 * buffer; it never peeks ahead of the current byte, and behind it only
 * to trim the OWS that ends a value, within the value's own bytes.  So a
 * request split across reads at any offset gives the same verdict as the
 * whole request, and nothing is ever read outside b->pos..b->last (the
 * unit tests check both, with the input placed right before a PROT_NONE
 * page and split at every offset).
 *
 * The verdicts are strict where leniency has bitten servers before:
 * exactly one SP between the request-line elements, one digit each for
 * the version, a bare CR anywhere is an error, field names are tokens
 * with the colon right after them, obs-fold is refused, and control
 * bytes are refused in targets and values.  A bare LF ends a line, as RFC
 * 9112 section 2.2 allows.
 */
#include "http/http.h"
#include "http/parse_internal.h"


/* Request-line states. */
typedef enum {
    hv_rl_start = 0,          /* before the method: empty lines skipped */
    hv_rl_start_lf,           /* a CR of an empty line: LF must follow */
    hv_rl_method,             /* in the method token */
    hv_rl_target,             /* first byte of the request-target */
    hv_rl_asterisk,           /* after "*": SP must follow */
    hv_rl_schema,             /* absolute-form: in the scheme */
    hv_rl_schema_slash,       /* after "scheme:" */
    hv_rl_schema_slash_slash, /* after "scheme:/" */
    hv_rl_host_start,         /* after "scheme://": first host byte */
    hv_rl_host,               /* in a reg-name or IPv4 address */
    hv_rl_host_literal,       /* inside "[...]" */
    hv_rl_host_end,           /* after "]" */
    hv_rl_port,               /* after ":" in the authority */
    hv_rl_after_slash,        /* in the path, right after a "/" */
    hv_rl_path,               /* in the path */
    hv_rl_args,               /* in the query, after "?" */
    hv_rl_version_start,      /* after the SP that ends the target */
    hv_rl_protocol,           /* in "HTTP/" (case-sensitive) */
    hv_rl_major,              /* the major version digit */
    hv_rl_dot,                /* the "." between the digits */
    hv_rl_minor,              /* the minor version digit */
    hv_rl_line_end,           /* after the version: CR or LF */
    hv_rl_almost_done         /* after CR: LF must follow */
} hv_http_rl_state_t;

/* Header-line states. */
typedef enum {
    hv_hl_start = 0,          /* first byte of a line: a name, or the end */
    hv_hl_name,               /* in the field name */
    hv_hl_space_before_value, /* after ":", skipping OWS */
    hv_hl_value,              /* in the value, OWS inside it included */
    hv_hl_almost_done,        /* CR after a field line: LF must follow */
    hv_hl_header_almost_done  /* CR on the empty line: LF must follow */
} hv_http_hl_state_t;


/*
 * The first byte at or after pos that is not a tchar, or last.  Field
 * names and values are most of a header: scanning their runs in tight
 * loops instead of one pass of the state machine per byte halves the
 * parser's cost (callgrind, h2load's two-field request).
 */
static inline unsigned char *
hv_http_skip_token(unsigned char *pos, unsigned char *last)
{
    while (pos < last && hv_http_is_tchar(*pos)) {
        pos++;
    }

    return pos;
}


/*
 * The same for the bytes of a value (VCHAR, obs-text, SP and HT): the
 * first other control byte or DEL at or after pos, or last.  Values are
 * the longest part of a header, so whole words inside pos..last are
 * tested eight bytes at a time (callgrind, a browser's header: ~2
 * instructions a byte instead of ~8): "below" has a bit set if any byte
 * is under 0x20, "del" if any byte is 0x7f (the exact any-byte tests of
 * the bit-twiddling folklore; bytes of 0x80 and above match neither).
 * The stopper in a word is found by its flag; an HT in the word goes on
 * after it; the last bytes before `last` go byte by byte.
 */
static inline unsigned char *
hv_http_skip_value(unsigned char *pos, unsigned char *last)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t highs = 0x8080808080808080ULL;
    uint64_t w, below, del;

    while (last - pos >= 8) {
        memcpy(&w, pos, 8);
        below = (w - 0x20 * ones) & ~w & highs;
        w ^= 0x7f * ones;
        del = (w - ones) & ~w & highs;
        if ((below | del) != 0) {
#if defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /*
             * Only a byte above a flagged one can be flagged wrongly (by
             * the borrow), so the lowest flag, the first byte in memory,
             * is the stopper: no byte loop over the rest of the word (~60
             * instructions less for a Host value, callgrind).
             */
            pos += __builtin_ctzll(below | del) / 8;
            if (*pos != '\t') {
                return pos;
            }
            pos++;
            continue;
#else
            break;
#endif
        }
        pos += 8;
    }

    while (pos < last && (*pos >= ' ' || *pos == '\t') && *pos != 0x7f) {
        pos++;
    }

    return pos;
}


/*
 * 1 for the bytes that end a run of plain path bytes: controls, SP, DEL,
 * '#', '%', '/' and '?' (hv_http_path_byte() decides about them); 0 for
 * the rest, raw UTF-8 included.
 */
static const unsigned char hv_http_path_special[256] = {
    /* 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 1x */
    1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 2x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 3x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 4x */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 5x */
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


/*
 * The first byte at or after pos that hv_http_path_byte() must see, or
 * last.  Runs of plain bytes take a tight loop instead of one pass of the
 * state machine each (~10 instructions a byte less, callgrind).
 */
static inline unsigned char *
hv_http_skip_path(unsigned char *pos, unsigned char *last)
{
    while (pos < last && !hv_http_path_special[*pos]) {
        pos++;
    }

    return pos;
}


/* reg-name bytes of an authority: unreserved, pct-encoded, sub-delims */
static bool
hv_http_is_host_char(unsigned char c)
{
    if (hv_http_is_alpha(c) || hv_http_is_digit(c)) {
        return true;
    }

    switch (c) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '%':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
            return true;
        default:
            return false;
    }
}


/*
 * The method by its length and bytes: memcmp() of a constant length is
 * inlined as a compare or two, where a table walk that called memcmp()
 * cost ~35 instructions for "GET" (callgrind).
 */
static void
hv_http_set_method(hv_http_parser_t *p)
{
    const unsigned char *m = p->request_start;
    hv_uint_t method;

    method = HV_HTTP_UNKNOWN;

    /* methods are case-sensitive (RFC 9110 9.1): "get" is not GET */
    switch (p->method_end - p->request_start) {
        case 3:
            if (memcmp(m, "GET", 3) == 0) {
                method = HV_HTTP_GET;
            } else if (memcmp(m, "PUT", 3) == 0) {
                method = HV_HTTP_PUT;
            }
            break;
        case 4:
            if (memcmp(m, "HEAD", 4) == 0) {
                method = HV_HTTP_HEAD;
            } else if (memcmp(m, "POST", 4) == 0) {
                method = HV_HTTP_POST;
            }
            break;
        case 5:
            if (memcmp(m, "PATCH", 5) == 0) {
                method = HV_HTTP_PATCH;
            } else if (memcmp(m, "TRACE", 5) == 0) {
                method = HV_HTTP_TRACE;
            }
            break;
        case 6:
            if (memcmp(m, "DELETE", 6) == 0) {
                method = HV_HTTP_DELETE;
            }
            break;
        case 7:
            if (memcmp(m, "OPTIONS", 7) == 0) {
                method = HV_HTTP_OPTIONS;
            } else if (memcmp(m, "CONNECT", 7) == 0) {
                method = HV_HTTP_CONNECT;
            }
            break;
        default:
            break;
    }

    p->method = method;
}


/*
 * A byte of the path after the first "/": returns the next state, or -1
 * for a byte that cannot be in a request-target.  Bytes 0x80-0xff pass
 * (clients send raw UTF-8 paths; nginx accepts them too).  Inline: each
 * of its two callers then tests only for what can reach it there (~30
 * instructions fewer for "GET /pid", callgrind).
 */
static inline int
hv_http_path_byte(hv_http_parser_t *p, unsigned char c, unsigned char *pos)
{
    switch (c) {
        case ' ':
            p->uri_end = pos;
            return hv_rl_version_start;
        case '?':
            p->args_start = pos + 1;
            return hv_rl_args;
        case '/':
            return hv_rl_after_slash;
        case '%':
            p->complex_uri = 1;
            return hv_rl_path;
        case '#':
            /* a fragment is never part of a request-target */
            return -1;
        default:
            if (c <= 0x20 || c == 0x7f) {
                return -1;
            }
            return hv_rl_path;
    }
}


/* The first byte of the target: origin-form, asterisk or absolute-form. */
static int
hv_http_target_start(hv_http_parser_t *p, unsigned char c, unsigned char *pos)
{
    if (c == '/') {
        p->uri_start = pos;
        return hv_rl_after_slash;
    }

    if (c == '*') {
        /* asterisk-form is for OPTIONS only (RFC 9112 3.2.4) */
        if (p->method != HV_HTTP_OPTIONS) {
            return -1;
        }
        p->uri_start = pos;
        return hv_rl_asterisk;
    }

    if (hv_http_is_alpha(c)) {
        p->schema_start = pos;
        return hv_rl_schema;
    }

    return -1;
}


/* The authority of an absolute-form target after its host: ":", "/" or
 * SP (an empty path, which means "/"). */
static int
hv_http_after_host(hv_http_parser_t *p, unsigned char c, unsigned char *pos)
{
    switch (c) {
        case ':':
            return hv_rl_port;
        case '/':
            p->uri_start = pos;
            return hv_rl_after_slash;
        case ' ':
            p->uri_start = pos;
            p->uri_end = pos;
            return hv_rl_version_start;
        default:
            /* "?" right after the authority, userinfo ("@"), junk */
            return -1;
    }
}


static int
hv_http_host_byte(hv_http_parser_t *p, unsigned char c, unsigned char *pos)
{
    if (hv_http_is_host_char(c)) {
        return hv_rl_host;
    }

    p->host_end = pos;

    if (p->host_end == p->host_start) {
        return -1;
    }

    return hv_http_after_host(p, c, pos);
}


/* The version digits, "HTTP/" having been matched. */
static int
hv_http_version_byte(hv_http_parser_t *p, int state, unsigned char c)
{
    switch (state) {
        case hv_rl_major:
            if (!hv_http_is_digit(c)) {
                return -1;
            }
            p->http_major = c - '0';
            return hv_rl_dot;

        case hv_rl_dot:
            return c == '.' ? hv_rl_minor : -1;

        default: /* hv_rl_minor */
            if (!hv_http_is_digit(c)) {
                return -1;
            }
            p->http_minor = c - '0';
            return hv_rl_line_end;
    }
}


int
hv_http_parse_request_line(hv_http_parser_t *p, hv_buf_t *b)
{
    unsigned char *pos, c;
    int state;

    state = p->state;

    for (pos = b->pos; pos < b->last; pos++) {
        c = *pos;

        switch (state) {
            case hv_rl_start:
                if (c == HV_CR) {
                    state = hv_rl_start_lf;
                    break;
                }
                if (c == HV_LF) {
                    break;
                }
                if (!hv_http_is_tchar(c)) {
                    goto invalid;
                }
                p->request_start = pos;
                p->method_end = NULL;
                p->schema_start = NULL;
                p->schema_end = NULL;
                p->host_start = NULL;
                p->host_end = NULL;
                p->uri_start = NULL;
                p->uri_end = NULL;
                p->args_start = NULL;
                p->protocol_start = NULL;
                p->request_end = NULL;
                p->complex_uri = 0;
                p->http_major = 0;
                p->http_minor = 0;
                state = hv_rl_method;
                pos++;
                /* fall through - the rest of the method in this pass */

            case hv_rl_method:
                pos = hv_http_skip_token(pos, b->last);
                if (pos == b->last) {
                    goto again;
                }
                if (*pos != ' ') {
                    goto invalid;
                }
                p->method_end = pos;
                hv_http_set_method(p);
                state = hv_rl_target;
                break;

            case hv_rl_start_lf:
                if (c != HV_LF) {
                    goto invalid;
                }
                state = hv_rl_start;
                break;

            case hv_rl_target:
                state = hv_http_target_start(p, c, pos);
                break;

            case hv_rl_asterisk:
                if (c != ' ') {
                    goto invalid;
                }
                p->uri_end = pos;
                state = hv_rl_version_start;
                break;

            case hv_rl_schema:
                if (c == ':') {
                    p->schema_end = pos;
                    state = hv_rl_schema_slash;
                    break;
                }
                if (!hv_http_is_alpha(c) && !hv_http_is_digit(c) && c != '+' &&
                    c != '-' && c != '.') {
                    goto invalid;
                }
                break;

            case hv_rl_schema_slash:
                state = c == '/' ? hv_rl_schema_slash_slash : -1;
                break;

            case hv_rl_schema_slash_slash:
                state = c == '/' ? hv_rl_host_start : -1;
                break;

            case hv_rl_host_start:
                p->host_start = pos;
                if (c == '[') {
                    state = hv_rl_host_literal;
                    break;
                }
                state = hv_http_host_byte(p, c, pos);
                break;

            case hv_rl_host:
                state = hv_http_host_byte(p, c, pos);
                break;

            case hv_rl_host_literal:
                if (c == ']') {
                    if (pos - p->host_start < 2) {
                        goto invalid;
                    }
                    p->host_end = pos + 1;
                    state = hv_rl_host_end;
                    break;
                }
                if (!hv_http_is_alpha(c) && !hv_http_is_digit(c) && c != ':' &&
                    c != '.') {
                    goto invalid;
                }
                break;

            case hv_rl_host_end:
                state = hv_http_after_host(p, c, pos);
                break;

            case hv_rl_port:
                if (hv_http_is_digit(c)) {
                    break;
                }
                if (c == ':') {
                    goto invalid;
                }
                state = hv_http_after_host(p, c, pos);
                break;

            case hv_rl_after_slash:
                /* "//" and "/." need hv_http_parse_path() */
                if (c == '/' || c == '.') {
                    p->complex_uri = 1;
                }
                state = hv_http_path_byte(p, c, pos);
                if (state != hv_rl_path) {
                    break;
                }
                pos++;
                /* fall through - the plain bytes after it in this pass */

            case hv_rl_path:
                pos = hv_http_skip_path(pos, b->last);
                if (pos == b->last) {
                    goto again;
                }
                state = hv_http_path_byte(p, *pos, pos);
                break;

            case hv_rl_args:
                if (c == ' ') {
                    p->uri_end = pos;
                    state = hv_rl_version_start;
                    break;
                }
                if (c <= 0x20 || c == 0x7f || c == '#') {
                    goto invalid;
                }
                break;

            case hv_rl_version_start:
                /* a CR or LF here is an HTTP/0.9 request: not served */
                if (c != 'H') {
                    goto invalid;
                }
                p->protocol_start = pos;
                /* "HTTP/1.x" at once when it is all there: what the
                 * states below would conclude, ~80 instructions sooner */
                if (b->last - pos >= 8 && memcmp(pos, "HTTP/1.", 7) == 0 &&
                    hv_http_is_digit(pos[7])) {
                    p->http_major = 1;
                    p->http_minor = pos[7] - '0';
                    pos += 7;
                    state = hv_rl_line_end;
                    break;
                }
                state = hv_rl_protocol;
                break;

            case hv_rl_protocol:
                /* matched against "HTTP/" by offset: no state per byte */
                if (c != (unsigned char) "HTTP/"[pos - p->protocol_start]) {
                    goto invalid;
                }
                if (c == '/') {
                    state = hv_rl_major;
                }
                break;

            case hv_rl_major:
            case hv_rl_dot:
            case hv_rl_minor:
                state = hv_http_version_byte(p, state, c);
                break;

            case hv_rl_line_end:
                if (c == HV_CR) {
                    p->request_end = pos;
                    /* its LF when it is there: no pass of the loop */
                    if (pos + 1 < b->last && pos[1] == HV_LF) {
                        pos++;
                        goto done;
                    }
                    state = hv_rl_almost_done;
                    break;
                }
                if (c != HV_LF) {
                    goto invalid;
                }
                p->request_end = pos;
                goto done;

            case hv_rl_almost_done:
                if (c != HV_LF) {
                    goto invalid;
                }
                goto done;

            default:
                goto invalid;
        }

        if (state < 0) {
            goto invalid;
        }
    }

again:

    b->pos = pos;
    p->state = state;

    return HV_AGAIN;

done:

    b->pos = pos + 1;
    p->state = hv_rl_start;

    if (p->http_major != 1) {
        return 505;
    }

    return HV_OK;

invalid:

    b->pos = pos;
    p->state = hv_rl_start;

    return 400;
}


int
hv_http_parse_header_line(hv_http_parser_t *p, hv_buf_t *b)
{
    unsigned char *pos, c;
    int state;

    state = p->state;

    for (pos = b->pos; pos < b->last; pos++) {
        c = *pos;

        switch (state) {
            case hv_hl_start:
                p->header_name_start = pos;
                p->header_name_end = NULL;
                p->header_start = NULL;
                p->header_end = NULL;

                if (c == HV_CR) {
                    if (pos + 1 < b->last && pos[1] == HV_LF) {
                        pos++;
                        goto header_done;
                    }
                    state = hv_hl_header_almost_done;
                    break;
                }
                if (c == HV_LF) {
                    goto header_done;
                }
                /* a leading SP or HT is obs-fold (or junk): refused */
                if (!hv_http_is_tchar(c)) {
                    goto invalid;
                }
                state = hv_hl_name;
                pos++;
                /* fall through - the rest of the name in this pass */

            case hv_hl_name:
                pos = hv_http_skip_token(pos, b->last);
                if (pos == b->last) {
                    goto again;
                }
                /* includes a space before the colon (RFC 9112 5.1) */
                if (*pos != ':') {
                    goto invalid;
                }
                p->header_name_end = pos;
                state = hv_hl_space_before_value;
                if (++pos == b->last) {
                    goto again;
                }
                c = *pos;
                /* fall through - the value's start in this pass */

            case hv_hl_space_before_value:
                while (c == ' ' || c == '\t') {
                    if (++pos == b->last) {
                        goto again;
                    }
                    c = *pos;
                }
                p->header_start = pos;
                p->header_end = pos;
                if (c == HV_CR) {
                    state = hv_hl_almost_done;
                    break;
                }
                if (c == HV_LF) {
                    goto done;
                }
                if (hv_http_is_ctl(c)) {
                    goto invalid;
                }
                state = hv_hl_value;
                pos++;
                /* fall through - the rest of the value in this pass */

            case hv_hl_value:
                pos = hv_http_skip_value(pos, b->last);
                if (pos == b->last) {
                    goto again;
                }
                if (*pos != HV_CR && *pos != HV_LF) {
                    goto invalid;
                }
                /* OWS before the line end is not part of the value (the
                 * value's first byte is not OWS: this stops there) */
                p->header_end = pos;
                while (p->header_end[-1] == ' ' || p->header_end[-1] == '\t') {
                    p->header_end--;
                }
                if (*pos == HV_LF) {
                    goto done;
                }
                /* CR: its LF when it is there, without a pass of the loop
                 * (here and above: ~10 instructions a line, callgrind) */
                if (pos + 1 < b->last && pos[1] == HV_LF) {
                    pos++;
                    goto done;
                }
                state = hv_hl_almost_done;
                break;

            case hv_hl_almost_done:
                if (c != HV_LF) {
                    goto invalid;
                }
                goto done;

            case hv_hl_header_almost_done:
                if (c != HV_LF) {
                    goto invalid;
                }
                goto header_done;

            default:
                goto invalid;
        }
    }

again:

    b->pos = pos;
    p->state = state;

    return HV_AGAIN;

done:

    b->pos = pos + 1;
    p->state = hv_hl_start;

    return HV_OK;

header_done:

    b->pos = pos + 1;
    p->state = hv_hl_start;

    return HV_DONE;

invalid:

    b->pos = pos;
    p->state = hv_hl_start;

    return 400;
}


void
hv_http_parser_rebase(hv_http_parser_t *p, ptrdiff_t delta)
{
    unsigned char **ptrs[] = {
        &p->request_start,
        &p->request_end,
        &p->method_end,
        &p->schema_start,
        &p->schema_end,
        &p->host_start,
        &p->host_end,
        &p->uri_start,
        &p->uri_end,
        &p->args_start,
        &p->protocol_start,
        &p->header_name_start,
        &p->header_name_end,
        &p->header_start,
        &p->header_end,
    };
    size_t i;

    for (i = 0; i < hv_nelems(ptrs); i++) {
        if (*ptrs[i] != NULL) {
            *ptrs[i] += delta;
        }
    }
}
