/*
 * http/core_module.h - the HTTP core: http/server/location configuration,
 * virtual servers, the phase engine and the filter chain.
 */
#ifndef HV_HTTP_CORE_MODULE_H
#define HV_HTTP_CORE_MODULE_H

/* The phases a request passes through, in order (STYLE 6). */
typedef enum {
    HV_HTTP_POST_READ_PHASE = 0, /* header read */
    HV_HTTP_FIND_CONFIG_PHASE,   /* server and location chosen */
    HV_HTTP_REWRITE_PHASE,       /* "return" */
    HV_HTTP_ACCESS_PHASE,
    HV_HTTP_PRECONTENT_PHASE, /* try_files */
    HV_HTTP_CONTENT_PHASE,    /* the location's handler or these */
    HV_HTTP_LOG_PHASE,        /* after the response */
    HV_HTTP_PHASES_N
} hv_http_phase_t;

/*
 * A module joins a phase in its postconfiguration by pushing its handler
 * on cmcf->phases[PHASE]; handlers of one phase run in the order of
 * auto/modules.  What a handler returns:
 *   HV_DECLINED     not mine: the next handler of the phase runs;
 *   HV_OK           (POST_READ, ACCESS, PRECONTENT) this phase is done:
 *                   the next phase runs; (CONTENT, REWRITE) as below;
 *   HV_AGAIN, HV_DONE  the handler goes on later and calls
 *                   hv_http_handler() or hv_http_finalize_request();
 *   anything else   the request is finalized with it (a status >= 100,
 *                   HV_OK after a response, HV_ERROR).
 * FIND_CONFIG has no handlers of its own.  CONTENT runs the location's
 * handler (clcf->handler) when it has one, else the phase's handlers until
 * one does not decline; when all decline the answer is 403 for a URI
 * ending in '/' (no index) and 404 otherwise.  LOG handlers run from
 * hv_http_log_request(); their return value is ignored.
 */

/*
 * The filter chain.  A header filter may change r->headers_out before the
 * header is written; a body filter sees every chain of body buffers (the
 * last carries last_buf).  Each filter calls the next one, which it saved
 * in its own main conf when it joined the chain in postconfiguration:
 *     conf->next = cmcf->top_header_filter;
 *     cmcf->top_header_filter = my_header_filter;
 * The core's writers are the last links.  Modules are joined in the order
 * of auto/modules, so the module listed last runs first.
 *
 * The contract (modules/gzip/gzip.c is the worked example):
 *   header filter  runs once per response, from hv_http_send_header().
 *                  It may edit r->headers_out (status, content_length_n
 *                  = -1 to drop the length: the header writer then frames
 *                  the body chunked for HTTP/1.1 or by the close for 1.0;
 *                  hv_http_add_header_out() for fields) and keep state
 *                  in hv_http_set_ctx(r, ...); a filter that is not
 *                  interested calls next at once.  Returns what next
 *                  returned, or HV_ERROR.  r->header_only is settled by
 *                  the header writer, after the filters: test r->method
 *                  and the status instead.
 *   body filter    runs for every hv_http_output_filter(r, in) call, and
 *                  with in == NULL when the engine resumes a response the
 *                  socket could not take (the write event).  The links of
 *                  in belong to the caller: copy them to keep them; the
 *                  buffers (memory, or file ranges with in_file) stay
 *                  valid until the request ends.  Pass on last_buf and
 *                  flush.  Return HV_OK (took everything; all output
 *                  passed on or waiting for more input), HV_AGAIN (next
 *                  said the socket is full: keep the unsent state and go
 *                  on when called again, with in == NULL) or HV_ERROR.
 *                  A filter that rewrites the body must bound its memory:
 *                  read file buffers in pieces and stop producing when
 *                  next returns HV_AGAIN.
 */
typedef int (*hv_http_header_filter_pt)(hv_http_request_t *r);
typedef int (*hv_http_body_filter_pt)(hv_http_request_t *r, hv_chain_t *in);

struct hv_http_addr_conf_s; /* below */

/* Reset request pools a worker keeps for reuse (free_pools below). */
#define HV_HTTP_FREE_POOLS 16

/* Idle read buffers a worker keeps for reuse (free_buffers below). */
#define HV_HTTP_FREE_BUFFERS 16

typedef struct {
    hv_array_t servers;                  /* hv_http_core_srv_conf_t * */
    hv_array_t phases[HV_HTTP_PHASES_N]; /* hv_http_handler_pt */

    hv_http_header_filter_pt top_header_filter;
    hv_http_body_filter_pt top_body_filter;

    /*
     * The cycle of this http block, for code that only has a request
     * (the engine's shared counters: cycle->shared).  Set by
     * create_main_conf (cf->cycle); NULL disables the counters.
     */
    hv_cycle_t *cycle;

    hv_array_t ports;        /* internal: listen addresses */
    hv_array_t *log_formats; /* internal: http/access_log.c */
    hv_array_t *regexes;     /* internal: http/regex.c, for pcre_jit */
    struct hv_http_variables_conf_s *variables; /* internal:
                                                   http/variables.c */

    /*
     * The phase engine (http/phase.c): the handlers of every phase but
     * LOG, flattened after postconfiguration into one array that
     * r->phase_handler indexes; an internal redirect restarts at
     * find_config_index.
     */
    struct hv_http_phase_handler_s *phase_engine;
    hv_uint_t find_config_index;

    /*
     * The TLS layer, set by the ssl module's postconfiguration (http/
     * depends on no module): hv_http_init_connection() hands it every
     * connection accepted on a "listen ... ssl" address, with the
     * address's servers (for SNI) and the read handler that waits for the
     * first request.  It runs the handshake in the event loop (bounded by
     * the client_header_timeout timer already set), installs its own
     * c->recv/send/send_chain, then makes `ready` the read handler and
     * runs it, or closes the connection.  A client that sent plain HTTP
     * instead gets `ready` with c->ssl NULL, and the engine answers 400.
     */
    void (*ssl_handshake)(hv_connection_t *c, struct hv_http_addr_conf_s *ac,
        hv_event_handler_pt ready);

    /*
     * Also the ssl module's: the name a TLS client sent with SNI (empty
     * when none), for a request without Host (HTTP/1.0), which then goes
     * to the server the handshake chose, as in nginx, rather than to the
     * port's default server.
     */
    void (*ssl_server_name)(hv_connection_t *c, hv_str_t *name);

    /*
     * Request pools of this worker, reset and kept for the next request
     * (http/request.c, http/finalize.c): a reset costs a few dozen
     * instructions where a new pool costs a posix_memalign() and a
     * free(), about 600 (callgrind, /pid keep-alive).  At most
     * HV_HTTP_FREE_POOLS of HV_POOL_DEFAULT_SIZE; destroyed with the
     * cycle's pool.
     */
    hv_pool_t *free_pools[HV_HTTP_FREE_POOLS];
    hv_uint_t nfree_pools;

    /*
     * Read buffers of connections gone idle, kept for the next one that
     * wakes up (http/finalize.c): an idle connection still holds none,
     * and the worker saves a free() and a malloc(), ~150 instructions
     * per keep-alive request (callgrind, /pid).  At most
     * HV_HTTP_FREE_BUFFERS, all of free_buffer_size bytes, detached from
     * every pool (hv_pool_detach_large()); freed with the cycle's pool.
     */
    void *free_buffers[HV_HTTP_FREE_BUFFERS];
    size_t free_buffer_size;
    hv_uint_t nfree_buffers;

    unsigned free_pools_cleanup:1; /* the cycle-pool cleanup is added */
} hv_http_core_main_conf_t;

typedef struct hv_http_core_loc_conf_s hv_http_core_loc_conf_t;

typedef struct {
    hv_array_t server_names; /* hv_str_t, lower case */
    void **ctx_main_conf;    /* the http block's main_conf array */
    void **ctx_srv_conf;     /* this server's srv_conf array */
    void **ctx_loc_conf;     /* its server-level loc_conf array */
    hv_http_core_loc_conf_t *root_location; /* the server-level loc conf */

    size_t client_header_buffer_size;
    size_t large_client_header_buffers_size;
    hv_uint_t large_client_header_buffers_num;
    hv_msec_t client_header_timeout;
    int merge_slashes;

    hv_array_t *regex_names; /* internal: "~regex" server names */
    bool listen;             /* a "listen" was given */
    uint64_t digest;         /* of the block's own statements, nested
                                locations left out (hv_conf_t.digest) */

    const char *file; /* where it was declared, for logs */
    hv_uint_t line;
} hv_http_core_srv_conf_t;

/* How a location matches (location [=|^~|~|~*] pattern). */
#define HV_HTTP_LOC_PREFIX 0
#define HV_HTTP_LOC_EXACT 1          /* = */
#define HV_HTTP_LOC_NOREGEX 2        /* ^~ */
#define HV_HTTP_LOC_REGEX 3          /* ~ */
#define HV_HTTP_LOC_REGEX_CASELESS 4 /* ~* */

/* "error_page CODE ... [=[CODE]] URI", one entry per code. */
typedef struct {
    hv_uint_t status;
    hv_int_t overwrite; /* -1: keep CODE; 0: "=" (the target's
                           status); else the =CODE given */
    hv_str_t uri;
} hv_http_err_page_t;

/* "add_header NAME VALUE [always]". */
typedef struct {
    hv_str_t key;
    hv_str_t value;
    struct hv_http_template_s *tpl; /* value, compiled (variables.h) */
    bool always;                    /* also on error responses */
} hv_http_add_header_t;

#define HV_HTTP_ALIAS_WHOLE ((size_t) -1)

/* if_modified_since off | exact | before */
#define HV_HTTP_IMS_OFF 0
#define HV_HTTP_IMS_EXACT 1
#define HV_HTTP_IMS_BEFORE 2

struct hv_http_core_loc_conf_s {
    hv_str_t name;         /* the pattern; "" for server level */
    hv_uint_t match;       /* HV_HTTP_LOC_* */
    void **loc_conf;       /* this location's loc_conf array */
    hv_array_t *locations; /* nested hv_http_core_loc_conf_t * */
    void *regex;           /* pcre2_code * of ~ and ~* */

    /* Set by a module's directive ("echo_pid;") to take over CONTENT. */
    hv_http_handler_pt handler;

    hv_str_t root; /* absolute, no trailing '/' */
    hv_str_t alias;
    struct hv_http_template_s *root_tpl; /* root or alias with variables
                                            (absolute), else NULL */
    hv_uint_t alias_set;
    size_t alias_len;  /* bytes of the URI that the alias
                          replaces: the name of the location
                          that set it, or HV_HTTP_ALIAS_WHOLE
                          in a regex location (the alias is
                          the whole path) */
    hv_array_t *index; /* hv_str_t */
    hv_str_t default_type;
    hv_str_t charset;  /* "charset": added to text types; len 0: off */
    hv_array_t *types; /* hv_keyval_t: extension -> type */
    struct hv_http_types_hash_s *types_hash; /* internal: of types */

    hv_msec_t keepalive_timeout;
    hv_uint_t keepalive_requests;
    hv_msec_t send_timeout;
    int sendfile;
    int tcp_nopush;
    int tcp_nodelay;
    int server_tokens;
    int log_not_found;
    int absolute_redirect; /* Location: http://host:port/... */
    int port_in_redirect;
    int etag;                    /* stored for the static module */
    hv_uint_t if_modified_since; /* HV_HTTP_IMS_* */
    hv_msec_t keepalive_time;    /* a connection's whole life */
    time_t keepalive_header;     /* "Keep-Alive: timeout=N", 0: none */
    off_t client_max_body_size;  /* 0: unlimited */
    hv_msec_t client_body_timeout;

    hv_array_t *error_pages; /* hv_http_err_page_t, or NULL */
    hv_array_t *headers;     /* hv_http_add_header_t, or NULL */
    void *access_log;        /* internal: http/access_log.c */

    hv_int_t return_code; /* "return": -1 when absent */
    hv_str_t return_text;
    struct hv_http_template_s *return_tpl; /* return_text, compiled */

    uint64_t digest; /* of a location block's own statements, nested
                        locations left out (hv_conf_t.digest) */
    const char *file;
    hv_uint_t line;
};

#define hv_http_core_loc(r) \
    ((hv_http_core_loc_conf_t *) hv_http_loc_conf(r, http_core))
#define hv_http_core_srv(r) \
    ((hv_http_core_srv_conf_t *) hv_http_srv_conf(r, http_core))
#define hv_http_core_main(r) \
    ((hv_http_core_main_conf_t *) hv_http_main_conf(r, http_core))

/*
 * What a listening socket's `servers` points at: the servers listening on
 * that address, and the default one (default_server, else the first).
 */
typedef struct hv_http_addr_conf_s hv_http_addr_conf_t;

struct hv_http_addr_conf_s {
    hv_http_core_srv_conf_t *default_server;
    hv_array_t servers; /* hv_http_core_srv_conf_t * */

    hv_sockaddr_t sockaddr; /* the address of the "listen" */
    socklen_t socklen;
    unsigned ssl:1; /* "listen ... ssl" (the TLS module) */
    /*
     * A wildcard socket (*:8080) also serves the specific addresses of
     * its port (127.0.0.1:8080), which are then not bound on their own,
     * as in nginx; hv_http_set_virtual_server() picks the entry for the
     * connection's local address.  NULL when there is none.
     */
    hv_array_t *specific; /* hv_http_addr_conf_t * */
};

/*
 * Chooses the server for the request's host among those listening on the
 * connection's address and sets r->srv_conf/loc_conf to the server level.
 * host may be empty (no Host): the default server.
 */
void hv_http_set_virtual_server(hv_http_request_t *r, const hv_str_t *host);

/*
 * The server for host among those of an address, by the rules of
 * server_name (exact, leading wildcard, trailing wildcard, regex), else
 * the address's default server; never NULL.  TLS uses it for SNI.
 */
hv_http_core_srv_conf_t *hv_http_find_virtual_server(
    hv_http_addr_conf_t *ac, const hv_str_t *host, hv_log_t *log);

/*
 * The phase engine: runs the phase handlers from r->phase_handler on.
 * Called once the header is read, and again after an internal redirect.
 */
void hv_http_handler(hv_http_request_t *r);

/*
 * Appends a handler to a phase; called from a module's postconfiguration.
 * Handlers of one phase run in auto/modules order.  HV_OK or HV_ERROR.
 */
int hv_http_add_phase_handler(
    hv_conf_t *cf, hv_http_phase_t phase, hv_http_handler_pt handler);

/* A test on one server's or location's loc_conf array (all modules). */
typedef bool (*hv_http_loc_conf_test_pt)(void **loc_conf);

/*
 * True when test holds for some server or location, nested ones included,
 * as merged.  For a module's postconfiguration: a phase handler or filter
 * that only declines or passes on where it is not configured joins only
 * when some configuration uses it.
 */
bool hv_http_any_location(
    hv_http_core_main_conf_t *cmcf, hv_http_loc_conf_test_pt test);

/*
 * Finds the location for r->uri and sets r->loc_conf and content_handler
 * (nginx's order: "=" exact, then the longest prefix with its nested
 * locations, then regexes in file order unless the prefix was "^~").
 * Also applies the location's keepalive settings to r->keepalive.
 * HV_OK or HV_ERROR.
 */
int hv_http_find_location(hv_http_request_t *r);

/*
 * Runs the handlers of the LOG phase (the access log).  The engine calls
 * it exactly once per request, after the response was sent or the
 * request failed, before the request pool goes (it sets r->logged).
 */
void hv_http_log_request(hv_http_request_t *r);

/*
 * The last links of the filter chain, implemented by the HTTP engine
 * (http/response.c, http/write.c): the header writer formats the status
 * line and fields into a buffer, the write filter sends chains through
 * c->send_chain.  http_core's postconfiguration installs them first, so
 * every other filter runs before them.
 */
int hv_http_header_filter(hv_http_request_t *r);
int hv_http_write_filter(hv_http_request_t *r, hv_chain_t *in);

/*
 * Sets r->headers_out.location for a redirect to uri (a path starting
 * with '/', or a full URL kept as is): with absolute_redirect on (the
 * default) "http://HOST[:PORT]" is put in front, HOST being the request's
 * host (else the server's first name) and PORT the local port unless 80
 * (port_in_redirect).  HV_OK or HV_ERROR (allocation).
 */
int hv_http_set_location(hv_http_request_t *r, const hv_str_t *uri);

/* The MIME type for r->exten in the location's types, else default_type;
 * sets r->headers_out.content_type. */
void hv_http_set_content_type(hv_http_request_t *r);

/*
 * Sets r->headers_out.charset to the location's "charset" when the response
 * has one of the text types nginx's charset_types lists by default and no
 * charset yet.  Runs in the core's header filter, so every response gets it.
 */
void hv_http_set_charset(hv_http_request_t *r);

/* The MIME type of one extension in the location's types (NULL when
 * the extension is not listed); case-insensitive. */
const hv_str_t *hv_http_find_type(
    hv_http_core_loc_conf_t *clcf, const hv_str_t *exten);

/* Longest redirect chain (index, error_page) before a 500 (nginx's 10). */
#define HV_HTTP_MAX_URI_CHANGES 10

/*
 * Maps r->uri to a file path under the location's root (or alias): writes
 * a NUL-terminated path into the request pool and returns it in *path
 * (path->len excludes the NUL); reserve extra bytes for a suffix (index
 * names).  HV_OK, HV_ERROR (allocation), or HV_DECLINED when an alias and
 * the rest of the URI would join into a "." or ".." segment (the path
 * would leave the alias): treat it as not found.
 */
int hv_http_map_uri_to_path(
    hv_http_request_t *r, hv_str_t *path, size_t reserve);

#endif /* HV_HTTP_CORE_MODULE_H */
