/*
 * http/request_internal.h - what the files of the HTTP engine (request.c,
 * request_header.c, request_body.c, request_log.c, finalize.c,
 * response.c, write.c, special_response.c) share with each other; not
 * part of the HTTP layer's interface.
 *
 * The engine's objects:
 *   hv_connection_t.data  an hv_http_connection_t for the whole life of
 *                         the connection;
 *   hv_http_connection_t.request  the request being read or answered, or
 *                         NULL between keep-alive requests;
 *   c->buffer             the connection's read buffer
 *                         (client_header_buffer_size); it outlives each
 *                         request because it may hold the next pipelined
 *                         one.  A request line or header field that does
 *                         not fit moves into large buffers (large_client_
 *                         header_buffers) that live in the connection's
 *                         pool until the request ends.
 */
#ifndef HV_HTTP_REQUEST_INTERNAL_H
#define HV_HTTP_REQUEST_INTERNAL_H

#include "http/http.h"


/*
 * Request bodies left unread by the response are read away for at most
 * this long after the response, and at most this long between two reads
 * (nginx's lingering_time and lingering_timeout, which hive does not make
 * configurable yet); a client that takes longer is cut off.
 */
#define HV_HTTP_LINGERING_TIME 30000
#define HV_HTTP_LINGERING_TIMEOUT 5000

/* Body bytes read away per recv(): the stack buffer of the discarder. */
#define HV_HTTP_DISCARD_BUFFER_SIZE 4096

/*
 * Output smaller than this is held until the handler gives more, a flush
 * or the last buffer, so that a header and a small body go out in one
 * write (nginx's postpone_output).
 */
#define HV_HTTP_POSTPONE_OUTPUT 1460

/*
 * The most one write call sends before the writer yields to the other
 * connections of the worker (it resumes from the posted-events queue):
 * a fast client downloading a large file must not monopolise a worker.
 */
#define HV_HTTP_SEND_LIMIT (2 * 1024 * 1024)

/*
 * Responses to pipelined requests are held, copied into one connection
 * buffer of this size, while the next request is already complete in
 * the read buffer, and go out together in one write with the first
 * response that is not held: 16 pipelined /pid requests cost one send
 * instead of 16.  The bound keeps a deep pipeline from holding much
 * memory or delaying the first bytes for long.
 */
#define HV_HTTP_PIPELINE_OUTPUT (64 * 1024)

/* The longest Host value a connection remembers as valid (a name and a
 * port fit; longer ones are validated on every request). */
#define HV_HTTP_VALID_HOST_MAX 64

typedef struct {
    hv_connection_t *connection;
    /*
     * The servers of the connection's local address: the listening
     * socket's, or the entry for the address a wildcard socket accepted
     * on (see hv_http_addr_conf_t.specific).
     */
    hv_http_addr_conf_t *addr_conf;
    hv_http_request_t *request;

    /* large header buffers of the current request, nbusy of nlarge used */
    hv_buf_t *large;
    hv_uint_t nlarge;
    hv_uint_t nbusy;

    hv_msec_t lingering_deadline; /* lingering close: when to give up */

    /*
     * Held responses of earlier pipelined requests (pos..last unsent),
     * or NULL before the first: its memory is a large allocation of the
     * connection's pool, freed when the connection goes idle.  They go
     * out before any other byte of the connection (write.c).
     */
    hv_buf_t *pipelined;

    /*
     * The last Host value of the connection that hv_http_validate_host()
     * accepted as it is (lower case), and the length of its name: a
     * client sends the same Host on every keep-alive request, and a
     * compare is ~150 instructions fewer than validating it again
     * (callgrind, "127.0.0.1:PORT").  valid_host_len 0: none.
     */
    unsigned char valid_host[HV_HTTP_VALID_HOST_MAX];
    size_t valid_host_len;
    size_t valid_host_name;

    /*
     * This worker's slot of shared counters (hv_http_stats()), or NULL:
     * looked up once per connection, not three times per request (~35
     * instructions, callgrind /pid).
     */
    hv_worker_stats_t *stats;

    unsigned stat_reading:1; /* counted in the shared "reading" */
    unsigned stat_writing:1; /* counted in the shared "writing" */
} hv_http_connection_t;


/* The default server of the connection's address. */
static inline hv_http_core_srv_conf_t *
hv_http_default_server(hv_http_connection_t *hc)
{
    return hc->addr_conf->default_server;
}


/*
 * This worker's slot of shared counters, or NULL (no slot, no shm): what
 * hv_http_init_connection() keeps in hc->stats for the counters below.
 */
static inline hv_worker_stats_t *
hv_http_stats(hv_http_connection_t *hc)
{
    hv_http_core_main_conf_t *cmcf;

    cmcf = hv_http_default_server(hc)->ctx_main_conf[HV_MODULE_http_core];

    if (cmcf->cycle == NULL || cmcf->cycle->shared == NULL ||
        hv_process.slot < 0 || hv_process.slot >= HV_MAX_PROCESSES) {
        return NULL;
    }

    return &cmcf->cycle->shared->workers[hv_process.slot];
}


#define hv_http_stat(hc, field, n)                     \
    do {                                               \
        hv_worker_stats_t *hv_stats_ = (hc)->stats;    \
        if (hv_stats_ != NULL) {                       \
            (void) hv_stat_add(hv_stats_->field, (n)); \
        }                                              \
    } while (0)

/* Two counters at once. */
#define hv_http_stat2(hc, field1, n1, field2, n2)        \
    do {                                                 \
        hv_worker_stats_t *hv_stats_ = (hc)->stats;      \
        if (hv_stats_ != NULL) {                         \
            (void) hv_stat_add(hv_stats_->field1, (n1)); \
            (void) hv_stat_add(hv_stats_->field2, (n2)); \
        }                                                \
    } while (0)


/* request.c */
hv_http_request_t *hv_http_create_request(hv_connection_t *c);
/* The read handler while a request line is read. */
void hv_http_process_request_line(hv_event_t *rev);
/* Dispatches a connection event to r->read/write_event_handler. */
void hv_http_request_handler(hv_event_t *ev);
/* Event handlers that do nothing (a request's, a connection's). */
void hv_http_request_empty_handler(hv_http_request_t *r);
void hv_http_empty_handler(hv_event_t *ev);

/* request_log.c */
/*
 * Logs bad client input at info: "WHAT: "TEXT"", TEXT running from start
 * (NULL: none) to the refused byte, escaped; for the request line, the
 * part received becomes r->request_line for the logs instead.
 */
void hv_http_log_bad_line(
    hv_http_request_t *r, const char *what, const unsigned char *start);
/*
 * Writes at most len bytes of text into buf, bytes outside printable
 * ASCII (and '"' and '\\') as "\xHH", for client data in log lines;
 * returns the length written.
 */
size_t hv_http_log_escape(
    char *buf, size_t len, const unsigned char *text, size_t n);
/* What hv_http_log_escape() writes for text when len is no limit. */
size_t hv_http_log_escaped_len(const unsigned char *text, size_t n);

/* request_header.c */
/* Appends to headers_in.headers, keeping the shortcuts of headers_in
 * valid when the array moves. */
hv_http_header_t *hv_http_push_header_in(hv_http_request_t *r);
/* Stores the field the parser just read; HV_OK or a status. */
int hv_http_process_header_field(hv_http_request_t *r);
/* Checks the header as a whole once it is read; HV_OK or a status. */
int hv_http_process_request_header(hv_http_request_t *r);
/*
 * Validates a host (Host field or absolute-form authority) and sets *out
 * to it lower-cased without port or trailing dot: a part of host itself
 * when that is lower case already, else a copy in the request pool.
 * HV_OK, HV_DECLINED (invalid) or HV_ERROR.
 */
int hv_http_validate_host(
    hv_http_request_t *r, const hv_str_t *host, hv_str_t *out);

/* request_body.c */
/* true while a body is announced and not yet read to its end. */
bool hv_http_body_pending(hv_http_request_t *r);
/*
 * After the response: reads the rest of the body away, then keeps the
 * connection alive.  HV_OK (done now), HV_AGAIN (going on in the
 * background) or HV_ERROR (the connection must close).
 */
int hv_http_discard_after_response(hv_http_request_t *r);

/* finalize.c */
/*
 * true when ev (a read or write event of a client connection) fired by
 * its timer: clears that, marks the connection timed out and logs msg at
 * info, with the log's action.  The caller then ends the request.
 */
bool hv_http_client_timed_out(hv_event_t *ev, const char *msg);
/* Frees the request (logs it first) and closes the connection. */
void hv_http_close_request(hv_http_request_t *r);
/* Logs and frees the request, keeps the connection. */
void hv_http_free_request(hv_http_request_t *r);
void hv_http_close_connection(hv_connection_t *c);
/* The request is over and its body consumed: the next one, or idle. */
void hv_http_set_keepalive(hv_http_request_t *r);

/* write.c */
/* Queues in behind r->out and sends what the socket takes. */
int hv_http_write_out(hv_http_request_t *r, hv_chain_t *in);
/* r->write_event_handler while the engine finishes a response. */
void hv_http_writer(hv_http_request_t *r);
/*
 * Sends the held pipelined responses of r's connection.  HV_OK when none
 * is left, HV_AGAIN when the socket is full (the rest goes out on write
 * events while no request writes, else first with r's response),
 * HV_ERROR when the connection failed.  Called before the connection
 * waits for the client, who may wait for these answers first.
 */
int hv_http_pipeline_flush(hv_http_request_t *r);
/* Frees the held-response buffer of an idle connection. */
void hv_http_pipeline_release(hv_connection_t *c);

/* special_response.c */
/* Sends the response for a status the handler did not send itself. */
hv_int_t hv_http_special_response(hv_http_request_t *r, hv_uint_t status);

#endif /* HV_HTTP_REQUEST_INTERNAL_H */
