/*
 * http/request.h - the request object and its life cycle.
 *
 * A request lives in its own pool, created when its first byte arrives and
 * destroyed when its response is sent and logged; the connection (and its
 * read buffer, which may hold the next pipelined request) outlives it.
 */
#ifndef HV_HTTP_REQUEST_H
#define HV_HTTP_REQUEST_H

typedef struct hv_http_request_s hv_http_request_t;

/* One header field as received or to be sent. */
typedef struct {
    hv_str_t key;
    hv_str_t value;
    unsigned char *lowcase_key; /* key lower-cased, key.len bytes */
    unsigned hidden:1;          /* removed from the output */
} hv_http_header_t;

typedef struct {
    hv_array_t headers; /* hv_http_header_t, in order */

    /* The fields the core interprets (NULL when absent). */
    hv_http_header_t *host;
    hv_http_header_t *connection;
    hv_http_header_t *content_length;
    hv_http_header_t *transfer_encoding;
    hv_http_header_t *if_modified_since;
    hv_http_header_t *if_unmodified_since;
    hv_http_header_t *if_none_match;
    hv_http_header_t *if_match;
    hv_http_header_t *range;
    hv_http_header_t *accept_encoding;
    hv_http_header_t *user_agent;
    hv_http_header_t *referer;
    hv_http_header_t *expect;

    hv_str_t server;        /* the host name, lower case, no port */
    off_t content_length_n; /* -1 when absent */
    unsigned chunked:1;     /* Transfer-Encoding: chunked */
    unsigned connection_close:1;
    unsigned connection_keep_alive:1;
} hv_http_headers_in_t;

typedef struct {
    hv_uint_t status;
    hv_str_t status_line; /* overrides the standard reason */
    hv_array_t headers;   /* hv_http_header_t: extra fields */

    hv_str_t content_type;
    hv_str_t charset;
    off_t content_length_n;    /* -1: unknown (chunked or close) */
    time_t last_modified_time; /* -1: none */
    /*
     * The HTTP date of last_modified_text_time (as hv_http_time() writes
     * it) from a module that keeps it formatted per file, the open file
     * cache: the header filter copies it instead of formatting the date
     * while last_modified_time is still that time.  Empty: none.
     */
    hv_str_t last_modified_text;
    time_t last_modified_text_time;
    hv_http_header_t *location;
    hv_http_header_t *etag;
    hv_http_header_t *content_encoding;
} hv_http_headers_out_t;

/*
 * Statuses the engine itself produces.  494 is nginx's internal code for
 * a header field that does not fit large_client_header_buffers: the
 * client gets "400 Bad Request" with the page "400 Request Header Or
 * Cookie Too Large".  444 closes the connection without a response.
 */
#define HV_HTTP_OK 200
#define HV_HTTP_NO_CONTENT 204
#define HV_HTTP_MOVED_PERMANENTLY 301
#define HV_HTTP_MOVED_TEMPORARILY 302
#define HV_HTTP_NOT_MODIFIED 304
#define HV_HTTP_BAD_REQUEST 400
#define HV_HTTP_FORBIDDEN 403
#define HV_HTTP_NOT_FOUND 404
#define HV_HTTP_NOT_ALLOWED 405
#define HV_HTTP_REQUEST_TIME_OUT 408
#define HV_HTTP_REQUEST_ENTITY_TOO_LARGE 413
#define HV_HTTP_REQUEST_URI_TOO_LARGE 414
#define HV_HTTP_CLOSE 444
#define HV_HTTP_REQUEST_HEADER_TOO_LARGE 494
#define HV_HTTP_TO_HTTPS 497 /* plain HTTP on a TLS port: 400 */
#define HV_HTTP_INTERNAL_SERVER_ERROR 500
#define HV_HTTP_NOT_IMPLEMENTED 501
#define HV_HTTP_VERSION_NOT_SUPPORTED 505

/*
 * The state of a request body.  Today bodies are only read away
 * (hv_http_discard_request_body()); reading them into buffers for a
 * handler will add its fields here.
 */
typedef struct {
    off_t rest;                /* Content-Length bytes still to come */
    hv_http_chunked_t chunked; /* the decoder, for chunked bodies */
    off_t limit;               /* client_max_body_size while the body
                                  is read before the response; 0: none */
    unsigned done:1;           /* every byte of the body was consumed */
} hv_http_request_body_t;

typedef void (*hv_http_event_handler_pt)(hv_http_request_t *r);
typedef int (*hv_http_handler_pt)(hv_http_request_t *r);

struct hv_http_request_s {
    hv_connection_t *connection;
    hv_pool_t *pool;
    hv_buf_t *header_in; /* the buffer the header was read into */

    void **main_conf; /* objects of the chosen server and */
    void **srv_conf;  /* location, indexed by module */
    void **loc_conf;
    void **ctx; /* per-module state, HV_MODULES_N */

    hv_http_parser_t parser;
    hv_http_headers_in_t headers_in;
    hv_http_headers_out_t headers_out;

    hv_uint_t method;       /* HV_HTTP_* */
    hv_uint_t http_version; /* 1000 * major + minor */
    hv_str_t request_line;
    hv_str_t method_name;
    hv_str_t unparsed_uri;  /* the target as received */
    hv_str_t uri;           /* decoded, dot segments removed */
    hv_str_t args;          /* after '?', undecoded */
    hv_str_t exten;         /* extension of uri's last segment */
    hv_str_t http_protocol; /* "HTTP/1.1" */

    hv_http_event_handler_pt read_event_handler;
    hv_http_event_handler_pt write_event_handler;
    hv_http_handler_pt content_handler; /* chosen for the location */
    hv_int_t phase_handler;             /* next handler of the phase engine */

    hv_chain_t *out;       /* output not yet sent */
    hv_chain_t *free_out;  /* http/write.c: sent links of out, for reuse */
    hv_chain_t *frames;    /* http/write.c: chunk framing buffers */
    off_t body_bytes_sent; /* of the response body */
    off_t bytes_sent;      /* header and body, chunk framing too */
    off_t header_size;     /* bytes of the response header */
    off_t request_length;  /* bytes of the request */
    hv_http_request_body_t *request_body; /* NULL until the body is
                                             read or discarded */
    hv_uint_t err_status;                 /* error_page: the status the
                                             response gets whatever its target
                                             answers; 0: the target's own */
    hv_msec_t start_msec;
    time_t start_sec;

    hv_uint_t uri_changes; /* internal redirects left */
    hv_uint_t count;       /* references: request ends at 0 */
    hv_str_t *captures;    /* $0..$9 of the last regex match
                              (http/regex.c), ncaptures of them */
    hv_uint_t ncaptures;
    hv_array_t *named_captures; /* hv_keyval_t: (?<name>...) groups
                                   of every match so far, or NULL */

    unsigned header_only:1; /* HEAD, 204, 304: no body */
    unsigned keepalive:1;   /* the connection stays open */
    unsigned chunked:1;     /* the response body is chunked */
    unsigned internal:1;    /* after an internal redirect */
    unsigned uri_changed:1; /* the phase engine must re-find */
    unsigned header_sent:1;
    unsigned done:1; /* the response is complete */
    unsigned logged:1;
    unsigned discard_body:1; /* the body is being read away */
    unsigned error_page:1;   /* an error page is being served */
    unsigned lingering_close:1;
    unsigned pipeline:1; /* its bytes came behind the
                            previous request's ($pipe) */
};

/*
 * The handler of every HTTP listening socket: prepares the connection and
 * waits for the first request (client_header_timeout).
 */
void hv_http_init_connection(hv_connection_t *c);

/*
 * Ends the request with rc:
 *   HV_OK       the response is complete (the header sent, the body with
 *               last_buf given to hv_http_output_filter()), though maybe
 *               not all written yet: the engine writes the rest;
 *   HV_DONE     someone else now holds the request: drops one reference
 *               (r->count, taken by hv_http_internal_redirect() or a body
 *               reader) and ends the request when none is left;
 *   HV_AGAIN    the handler goes on later and calls this again; if output
 *               is pending and the handler set no write_event_handler of
 *               its own, it is taken as HV_OK;
 *   HV_DECLINED as HV_OK once a header was sent, else 500 (a bug);
 *   HV_ERROR    the connection is closed (the request is still logged);
 *   a status    100..599 not sent yet: the error page (or error_page
 *               target, or a header-only response for 1xx/2xx/304); 444
 *               closes without a response.
 * Once the response is written the request is logged and freed; a body
 * nobody read is read away; then the connection waits for the next request
 * (keep-alive, pipelined ones at once) or is closed.
 */
void hv_http_finalize_request(hv_http_request_t *r, hv_int_t rc);

/*
 * Reads the request body away so that the next request on the connection
 * parses correctly: what is buffered now, the rest as it arrives while
 * the response is produced and after it (bounded in time).  The engine
 * reads every body before the handlers run (hv_http_read_body_first())
 * and after a response of an earlier phase; this is for a handler that
 * answers without the body and would rather not wait for it.  HV_OK,
 * HV_ERROR, or 400 for a malformed chunked body.
 */
hv_int_t hv_http_discard_request_body(hv_http_request_t *r);

/*
 * Reads the whole request body away before any handler answers (the
 * phase engine calls it once the location is known), so that a malformed
 * chunked body gets 400 and a body past client_max_body_size 413 rather
 * than the handler's answer.  Sends "100 Continue" first to a client
 * that expects it; waits client_body_timeout between reads.  HV_OK (no
 * body or all of it read), HV_AGAIN (hv_http_handler() resumes the
 * request when the body is read), a status (400, 413) or HV_ERROR.
 */
hv_int_t hv_http_read_body_first(hv_http_request_t *r);

/* Sends the status line and header through the header filter chain. */
int hv_http_send_header(hv_http_request_t *r);

/*
 * Sends body buffers through the body filter chain (in may be NULL to
 * flush).  HV_OK, HV_AGAIN (the rest is sent when writable), HV_ERROR.
 * Buffers are held back until one has last_buf or flush set or they add
 * up to a packet, so that header and body leave in one write.  A handler
 * that gave its last buffer and got HV_AGAIN returns HV_OK: the engine
 * finishes the write (send_timeout) before it logs the request.
 */
int hv_http_output_filter(hv_http_request_t *r, hv_chain_t *in);

/*
 * Sends a complete response with a body from memory: status, type, body.
 * For handlers like echo_pid and "return CODE TEXT".  Returns what the
 * handler should return to the phase engine.
 */
hv_int_t hv_http_send_response(hv_http_request_t *r, hv_uint_t status,
    const hv_str_t *content_type, const hv_str_t *body);

/*
 * Appends an output header field (key must outlive the request, e.g. a
 * literal; value is not copied either); NULL on allocation failure.  Use
 * it rather than pushing on headers_out.headers directly: it keeps
 * headers_out.location, etag and content_encoding, which point into that
 * array, valid when the array grows.
 */
hv_http_header_t *hv_http_add_header_out(
    hv_http_request_t *r, const char *key, const hv_str_t *value);

/* The reason phrase of a status as nginx words it ("405 Not Allowed"),
 * or NULL for an unknown code. */
const hv_str_t *hv_http_status_line(hv_uint_t status);

/*
 * Restarts the request at another URI (index files, error_page): the
 * location is looked up again.  Bounded by uri_changes (10): past it, 500.
 */
hv_int_t hv_http_internal_redirect(
    hv_http_request_t *r, const hv_str_t *uri, const hv_str_t *args);

/*
 * Sets r->exten from r->uri: the text after the last dot of the last path
 * segment, empty when there is none.  Called whenever r->uri changes.
 */
void hv_http_set_exten(hv_http_request_t *r);

/* Copies of c->log for a request add ", client: ..., request: ...". */
size_t hv_http_log_context(hv_log_t *log, char *buf, size_t len);

#endif /* HV_HTTP_REQUEST_H */
