/*
 * http/parse.h - the incremental HTTP/1.x request parser (RFC 9112).
 *
 * The parser keeps its state in hv_http_parser_t and never allocates: it
 * consumes bytes from b->pos to b->last, records where things are with
 * pointers into the buffer, and answers
 *   HV_OK      a request line (or one header field) is complete;
 *   HV_DONE    (header parser) the empty line that ends the header;
 *   HV_AGAIN   every byte was consumed and the element is not complete:
 *              call again with the same parser once more bytes arrived in
 *              the same buffer (or after moving them and rebasing with
 *              hv_http_parser_rebase());
 *   400, 414, 501, 505  the precise status the client must get.
 * A request split across reads at any byte gives the same verdict as the
 * whole request (tested at every split offset).
 */
#ifndef HV_HTTP_PARSE_H
#define HV_HTTP_PARSE_H

/* Methods, as bits so that handlers can keep an "allowed" mask. */
#define HV_HTTP_UNKNOWN 0x0001
#define HV_HTTP_GET 0x0002
#define HV_HTTP_HEAD 0x0004
#define HV_HTTP_POST 0x0008
#define HV_HTTP_PUT 0x0010
#define HV_HTTP_DELETE 0x0020
#define HV_HTTP_OPTIONS 0x0040
#define HV_HTTP_PATCH 0x0080
#define HV_HTTP_TRACE 0x0100
#define HV_HTTP_CONNECT 0x0200

/* http_version = major * 1000 + minor */
#define HV_HTTP_VERSION_9 9
#define HV_HTTP_VERSION_10 1000
#define HV_HTTP_VERSION_11 1001

typedef struct {
    int state; /* internal; 0 to start an element */

    /* Request line, valid after HV_OK from the request-line parser. */
    unsigned char *request_start; /* first byte of the method */
    unsigned char *request_end;   /* the CR or LF that ends the line */
    unsigned char *method_end;    /* one past the method */
    unsigned char *schema_start;  /* absolute-form: "http" */
    unsigned char *schema_end;
    unsigned char *host_start; /* absolute-form: authority host */
    unsigned char *host_end;
    unsigned char *uri_start;      /* origin-form path ('/'), or '*' */
    unsigned char *uri_end;        /* one past the target */
    unsigned char *args_start;     /* after '?', or NULL */
    unsigned char *protocol_start; /* "HTTP/1.1", NULL for HTTP/0.9 */
    hv_uint_t method;              /* HV_HTTP_* */
    int http_major;
    int http_minor;
    /* The path needs hv_http_parse_path(): it holds '%', "/." or "//". */
    unsigned complex_uri:1;

    /* Header field, valid after HV_OK from the header parser. */
    unsigned char *header_name_start;
    unsigned char *header_name_end;
    unsigned char *header_start; /* value, surrounding spaces removed */
    unsigned char *header_end;
} hv_http_parser_t;

/* Parses the request line.  On HV_OK, b->pos is past its line end. */
int hv_http_parse_request_line(hv_http_parser_t *p, hv_buf_t *b);

/*
 * Parses one header field line.  On HV_OK and HV_DONE b->pos is past the
 * line.  A field name with characters outside RFC 9110 token, a space
 * before the colon, obs-fold, a bare CR, or a NUL or other control byte
 * in the value answer 400.
 */
int hv_http_parse_header_line(hv_http_parser_t *p, hv_buf_t *b);

/*
 * Moves every pointer the parser holds by delta bytes, after the caller
 * moved the bytes they point into (a larger header buffer).
 */
void hv_http_parser_rebase(hv_http_parser_t *p, ptrdiff_t delta);

/*
 * Decodes percent-escapes and removes dot segments (RFC 3986 5.2.4) of an
 * origin-form path (no query), writing at most len bytes to out, and sets
 * *out_len.  With merge_slashes, runs of '/' become one.  Returns HV_OK,
 * or 400 for a malformed escape, an encoded NUL ("%00"), a path that does
 * not start with '/', or one that would climb above the root.  An encoded
 * '/' ("%2F") decodes to '/' (as nginx).
 */
int hv_http_parse_path(const unsigned char *in, size_t len, unsigned char *out,
    size_t *out_len, bool merge_slashes);

/*
 * The chunked transfer coding of a request body (RFC 9112 section 7.1).
 * Framing lines must end with CRLF: a bare LF here is refused, because a
 * lenient chunk parser is what request smuggling between two servers
 * feeds on.
 */
typedef struct {
    int state;  /* internal; 0 at the start of a body */
    off_t size; /* data bytes of the current chunk left */
    /*
     * The fewest bytes certainly still part of the body (at least 1 until
     * HV_DONE): reading no more than this from the socket never swallows
     * a pipelined request that follows the body.
     */
    off_t length;
    off_t total; /* data bytes of every chunk so far */
} hv_http_chunked_t;

/*
 * Decodes chunk framing from b->pos.  Returns
 *   HV_OK     ctx->size data bytes start at b->pos (some may not have
 *             arrived yet): the caller consumes up to ctx->size of them,
 *             advancing b->pos and lowering ctx->size, and calls again
 *             (which answers HV_AGAIN, with ctx->length up to date, when
 *             the buffer ran out inside the data);
 *   HV_DONE   the last chunk and the trailer section were read; b->pos is
 *             past the body;
 *   HV_AGAIN  every byte was consumed: call again with more;
 *   400       malformed framing, a chunk size that overflows off_t, or a
 *             control byte in an extension or trailer field.
 */
int hv_http_parse_chunked(hv_http_chunked_t *ctx, hv_buf_t *b);

#endif /* HV_HTTP_PARSE_H */
