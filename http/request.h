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
    unsigned char *lowcase_key;     /* key lower-cased, key.len bytes */
    unsigned hidden:1;              /* removed from the output */
} hv_http_header_t;

typedef struct {
    hv_array_t headers;             /* hv_http_header_t, in order */

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

    hv_str_t server;                /* the host name, lower case, no port */
    off_t content_length_n;         /* -1 when absent */
    unsigned chunked:1;             /* Transfer-Encoding: chunked */
    unsigned connection_close:1;
    unsigned connection_keep_alive:1;
} hv_http_headers_in_t;

typedef struct {
    hv_uint_t status;
    hv_str_t status_line;           /* overrides the standard reason */
    hv_array_t headers;             /* hv_http_header_t: extra fields */

    hv_str_t content_type;
    hv_str_t charset;
    off_t content_length_n;         /* -1: unknown (chunked or close) */
    time_t last_modified_time;      /* -1: none */
    hv_http_header_t *location;
    hv_http_header_t *etag;
    hv_http_header_t *content_encoding;
} hv_http_headers_out_t;

typedef void (*hv_http_event_handler_pt)(hv_http_request_t *r);
typedef int (*hv_http_handler_pt)(hv_http_request_t *r);

struct hv_http_request_s {
    hv_connection_t *connection;
    hv_pool_t *pool;
    hv_buf_t *header_in;            /* the buffer the header was read into */

    void **main_conf;               /* objects of the chosen server and */
    void **srv_conf;                /* location, indexed by module */
    void **loc_conf;
    void **ctx;                     /* per-module state, HV_MODULES_N */

    hv_http_parser_t parser;
    hv_http_headers_in_t headers_in;
    hv_http_headers_out_t headers_out;

    hv_uint_t method;               /* HV_HTTP_* */
    hv_uint_t http_version;         /* 1000 * major + minor */
    hv_str_t request_line;
    hv_str_t method_name;
    hv_str_t unparsed_uri;          /* the target as received */
    hv_str_t uri;                   /* decoded, dot segments removed */
    hv_str_t args;                  /* after '?', undecoded */
    hv_str_t exten;                 /* extension of uri's last segment */
    hv_str_t http_protocol;         /* "HTTP/1.1" */

    hv_http_event_handler_pt read_event_handler;
    hv_http_event_handler_pt write_event_handler;
    hv_http_handler_pt content_handler; /* chosen for the location */
    hv_int_t phase_handler;         /* next handler of the phase engine */

    hv_chain_t *out;                /* output not yet sent */
    off_t body_bytes_sent;          /* of the response body */
    off_t request_length;           /* bytes of the request */
    hv_msec_t start_msec;
    time_t start_sec;

    hv_uint_t uri_changes;          /* internal redirects left */
    hv_uint_t count;                /* references: request ends at 0 */
    hv_str_t *captures;             /* regex captures, later */

    unsigned header_only:1;         /* HEAD, 204, 304: no body */
    unsigned keepalive:1;           /* the connection stays open */
    unsigned chunked:1;             /* the response body is chunked */
    unsigned internal:1;            /* after an internal redirect */
    unsigned uri_changed:1;         /* the phase engine must re-find */
    unsigned header_sent:1;
    unsigned done:1;                /* the response is complete */
    unsigned logged:1;
    unsigned discard_body:1;        /* the body is being read away */
    unsigned error_page:1;          /* an error page is being served */
    unsigned lingering_close:1;
};

/*
 * The handler of every HTTP listening socket: prepares the connection and
 * waits for the first request (client_header_timeout).
 */
void hv_http_init_connection(hv_connection_t *c);

/*
 * Ends the request with rc: HV_OK/HV_DONE (the response is complete or
 * being sent), HV_AGAIN (the handler will finish later), HV_DECLINED,
 * HV_ERROR (close), or an HTTP status >= 300 that has not been sent yet
 * (an error page is generated; 444 closes without a response).  Then
 * sends what is pending, logs, and either reads the next request on a
 * keep-alive connection or closes it.
 */
void hv_http_finalize_request(hv_http_request_t *r, hv_int_t rc);

/* Sends the status line and header through the header filter chain. */
int hv_http_send_header(hv_http_request_t *r);

/* Sends body buffers through the body filter chain (in may be NULL to
 * flush).  HV_OK, HV_AGAIN (the rest is sent when writable), HV_ERROR. */
int hv_http_output_filter(hv_http_request_t *r, hv_chain_t *in);

/*
 * Sends a complete response with a body from memory: status, type, body.
 * For handlers like echo_pid and "return CODE TEXT".  Returns what the
 * handler should return to the phase engine.
 */
hv_int_t hv_http_send_response(hv_http_request_t *r, hv_uint_t status,
    const hv_str_t *content_type, const hv_str_t *body);

/* Appends an output header field; NULL on allocation failure. */
hv_http_header_t *hv_http_add_header_out(hv_http_request_t *r,
    const char *key, const hv_str_t *value);

/* The reason phrase of a status as nginx words it ("405 Not Allowed"),
 * or NULL for an unknown code. */
const hv_str_t *hv_http_status_line(hv_uint_t status);

/*
 * Restarts the request at another URI (index files, error_page): the
 * location is looked up again.  Bounded by uri_changes (10): past it, 500.
 */
hv_int_t hv_http_internal_redirect(hv_http_request_t *r, const hv_str_t *uri,
    const hv_str_t *args);

/* Copies of c->log for a request add ", client: ..., request: ...". */
size_t hv_http_log_context(hv_log_t *log, char *buf, size_t len);

#endif /* HV_HTTP_REQUEST_H */
