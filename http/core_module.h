/*
 * http/core_module.h - the HTTP core: http/server/location configuration,
 * virtual servers, the phase engine and the filter chain.
 */
#ifndef HV_HTTP_CORE_MODULE_H
#define HV_HTTP_CORE_MODULE_H

/* The phases a request passes through, in order (STYLE 6). */
typedef enum {
    HV_HTTP_POST_READ_PHASE = 0,    /* header read */
    HV_HTTP_FIND_CONFIG_PHASE,      /* server and location chosen */
    HV_HTTP_REWRITE_PHASE,          /* "return" */
    HV_HTTP_ACCESS_PHASE,
    HV_HTTP_PRECONTENT_PHASE,       /* try_files */
    HV_HTTP_CONTENT_PHASE,          /* the location's handler or these */
    HV_HTTP_LOG_PHASE,              /* after the response */
    HV_HTTP_PHASES_N
} hv_http_phase_t;

/*
 * The filter chain.  A header filter may change r->headers_out before the
 * header is written; a body filter sees every chain of body buffers (the
 * last carries last_buf).  Each filter calls the next one, which it saved
 * in its own main conf when it joined the chain in postconfiguration:
 *     conf->next = cmcf->top_header_filter;
 *     cmcf->top_header_filter = my_header_filter;
 * The core's writers are the last links.  Modules are joined in the order
 * of auto/modules, so the module listed last runs first.
 */
typedef int (*hv_http_header_filter_pt)(hv_http_request_t *r);
typedef int (*hv_http_body_filter_pt)(hv_http_request_t *r, hv_chain_t *in);

typedef struct {
    hv_array_t servers;             /* hv_http_core_srv_conf_t * */
    hv_array_t phases[HV_HTTP_PHASES_N];    /* hv_http_handler_pt */

    hv_http_header_filter_pt top_header_filter;
    hv_http_body_filter_pt top_body_filter;

    hv_array_t ports;               /* internal: listen addresses */
} hv_http_core_main_conf_t;

typedef struct hv_http_core_loc_conf_s hv_http_core_loc_conf_t;

typedef struct {
    hv_array_t server_names;        /* hv_str_t, lower case */
    void **ctx_srv_conf;            /* this server's srv_conf array */
    void **ctx_loc_conf;            /* its server-level loc_conf array */
    hv_http_core_loc_conf_t *root_location; /* the server-level loc conf */

    size_t client_header_buffer_size;
    size_t large_client_header_buffers_size;
    hv_uint_t large_client_header_buffers_num;
    hv_msec_t client_header_timeout;
    int merge_slashes;

    const char *file;               /* where it was declared, for logs */
    hv_uint_t line;
} hv_http_core_srv_conf_t;

/* How a location matches (location [=|^~|~|~*] pattern). */
#define HV_HTTP_LOC_PREFIX 0
#define HV_HTTP_LOC_EXACT 1         /* = */
#define HV_HTTP_LOC_NOREGEX 2       /* ^~ */
#define HV_HTTP_LOC_REGEX 3         /* ~ */
#define HV_HTTP_LOC_REGEX_CASELESS 4    /* ~* */

struct hv_http_core_loc_conf_s {
    hv_str_t name;                  /* the pattern; "" for server level */
    hv_uint_t match;                /* HV_HTTP_LOC_* */
    void **loc_conf;                /* this location's loc_conf array */
    hv_array_t *locations;          /* nested hv_http_core_loc_conf_t * */

    /* Set by a module's directive ("echo_pid;") to take over CONTENT. */
    hv_http_handler_pt handler;

    hv_str_t root;                  /* absolute, no trailing '/' */
    hv_str_t alias;
    hv_uint_t alias_set;
    hv_array_t *index;              /* hv_str_t */
    hv_str_t default_type;
    hv_array_t *types;              /* hv_keyval_t: extension -> type */

    hv_msec_t keepalive_timeout;
    hv_uint_t keepalive_requests;
    hv_msec_t send_timeout;
    int sendfile;
    int tcp_nopush;
    int tcp_nodelay;
    int server_tokens;
    int log_not_found;

    hv_int_t return_code;           /* "return": -1 when absent */
    hv_str_t return_text;

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
typedef struct {
    hv_http_core_srv_conf_t *default_server;
    hv_array_t servers;             /* hv_http_core_srv_conf_t * */
} hv_http_addr_conf_t;

/*
 * Chooses the server for the request's host among those listening on the
 * connection's address and sets r->srv_conf/loc_conf to the server level.
 * host may be empty (no Host): the default server.
 */
void hv_http_set_virtual_server(hv_http_request_t *r, const hv_str_t *host);

/*
 * The phase engine: runs the phase handlers from r->phase_handler on.
 * Called once the header is read, and again after an internal redirect.
 */
void hv_http_handler(hv_http_request_t *r);

/* Finds the location for r->uri and sets r->loc_conf and content_handler. */
int hv_http_find_location(hv_http_request_t *r);

/* The MIME type for r->exten in the location's types, else default_type;
 * sets r->headers_out.content_type. */
void hv_http_set_content_type(hv_http_request_t *r);

/*
 * Maps r->uri to a file path under the location's root (or alias): writes
 * a NUL-terminated path into the request pool and returns it in *path
 * (path->len excludes the NUL); reserve extra bytes for a suffix (index
 * names).  HV_OK or HV_ERROR.
 */
int hv_http_map_uri_to_path(hv_http_request_t *r, hv_str_t *path,
    size_t reserve);

#endif /* HV_HTTP_CORE_MODULE_H */
