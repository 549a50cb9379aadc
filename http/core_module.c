/*
 * http/core_module.c - module "http_core": the core HTTP directives, the
 * create/merge hooks of its main, srv and loc objects, the "server" block,
 * "return" (a REWRITE phase handler) and "add_header" (the filter that
 * runs just before the header writer).
 *
 * Directives with a setter of their own live where their runtime lives:
 * "listen"/"server_name" in virtual_server.c, "location" in location.c,
 * "types" in mime.c, "access_log"/"log_format" in access_log.c; the
 * other setters with code are in core_setters.c.
 */
#include "http/http_core_internal.h"


/* nginx's defaults, so that a file written for nginx means the same. */
#define HV_HTTP_HEADER_BUFFER 1024
#define HV_HTTP_LARGE_BUFFERS 4
#define HV_HTTP_LARGE_BUFFER_SIZE (8 * 1024)
#define HV_HTTP_MAX_BODY (1024 * 1024)


static int hv_http_core_postconfiguration(hv_conf_t *cf);
static void *hv_http_core_create_main_conf(hv_conf_t *cf);
static void *hv_http_core_create_srv_conf(hv_conf_t *cf);
static char *hv_http_core_merge_srv_conf(
    hv_conf_t *cf, void *parent, void *child);
static void *hv_http_core_create_loc_conf(hv_conf_t *cf);
static char *hv_http_core_merge_loc_conf(
    hv_conf_t *cf, void *parent, void *child);
static int hv_http_core_merge_root(hv_conf_t *cf, hv_http_core_loc_conf_t *prev,
    hv_http_core_loc_conf_t *conf);
static char *hv_http_core_server(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_http_core_return_handler(hv_http_request_t *r);
static int hv_http_core_headers_filter(hv_http_request_t *r);


#define HV_HTTP_ALL (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF)
#define HV_HTTP_MS (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF)
#define hv_loc_field(f) offsetof(hv_http_core_loc_conf_t, f)
#define hv_srv_field(f) offsetof(hv_http_core_srv_conf_t, f)

static const hv_conf_enum_t hv_http_core_ims[] = {
    { "off", HV_HTTP_IMS_OFF },
    { "exact", HV_HTTP_IMS_EXACT },
    { "before", HV_HTTP_IMS_BEFORE },
    { NULL, 0 },
};

/* keepalive_requests: 0 would end every connection after one request */
static const hv_conf_bounds_t hv_http_core_requests_bounds = { 1, INT32_MAX };

static const hv_command_t hv_http_core_commands[] = {
    { "server", HV_HTTP_MAIN_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS,
        hv_http_core_server, HV_CONF_MAIN, 0, NULL, "—" },
    { "listen", HV_HTTP_SRV_CONF | HV_CONF_1MORE, hv_http_core_listen,
        HV_CONF_SRV, 0, NULL, "*:80" },
    { "server_name", HV_HTTP_SRV_CONF | HV_CONF_1MORE, hv_http_core_server_name,
        HV_CONF_SRV, 0, NULL, "\"\"" },
    { "location",
        HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_BLOCK | HV_CONF_TAKE12,
        hv_http_core_location, HV_CONF_LOC, 0, NULL, "—" },
    { "root", HV_HTTP_ALL | HV_CONF_TAKE1, hv_http_core_root, HV_CONF_LOC, 0,
        NULL, "html" },
    { "alias", HV_HTTP_LOC_CONF | HV_CONF_TAKE1, hv_http_core_root, HV_CONF_LOC,
        0, NULL, "—" },
    { "index", HV_HTTP_ALL | HV_CONF_1MORE, hv_http_core_index, HV_CONF_LOC, 0,
        NULL, "index.html" },
    { "default_type", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_str_slot,
        HV_CONF_LOC, hv_loc_field(default_type), NULL, "text/plain" },
    { "charset", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_str_slot, HV_CONF_LOC,
        hv_loc_field(charset), NULL, "off" },
    { "types", HV_HTTP_ALL | HV_CONF_BLOCK | HV_CONF_NOARGS, hv_http_core_types,
        HV_CONF_LOC, 0, NULL,
        "text/html html; image/gif gif; image/jpeg jpg;" },
    { "return", HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_TAKE12,
        hv_http_core_return, HV_CONF_LOC, 0, NULL, "—" },
    { "error_page", HV_HTTP_ALL | HV_CONF_2MORE, hv_http_core_error_page,
        HV_CONF_LOC, 0, NULL, "—" },
    { "add_header", HV_HTTP_ALL | HV_CONF_TAKE23, hv_http_core_add_header,
        HV_CONF_LOC, 0, NULL, "—" },
    { "access_log", HV_HTTP_ALL | HV_CONF_1MORE, hv_http_core_access_log,
        HV_CONF_LOC, 0, NULL, "logs/access.log combined" },
    { "log_format", HV_HTTP_MAIN_CONF | HV_CONF_2MORE, hv_http_core_log_format,
        HV_CONF_MAIN, 0, NULL, "combined \"...\"" },

    { "keepalive_timeout", HV_HTTP_ALL | HV_CONF_TAKE12,
        hv_http_core_keepalive_timeout, HV_CONF_LOC, 0, NULL, "75s" },
    { "keepalive_requests", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_num_slot,
        HV_CONF_LOC, hv_loc_field(keepalive_requests),
        &hv_http_core_requests_bounds, "1000" },
    { "keepalive_time", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_msec_slot,
        HV_CONF_LOC, hv_loc_field(keepalive_time), NULL, "1h" },
    { "keepalive_disable", HV_HTTP_ALL | HV_CONF_1MORE,
        hv_http_core_keepalive_disable, HV_CONF_LOC, 0, NULL, "msie6" },
    { "send_timeout", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_msec_slot,
        HV_CONF_LOC, hv_loc_field(send_timeout), NULL, "60s" },
    { "client_body_timeout", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_msec_slot,
        HV_CONF_LOC, hv_loc_field(client_body_timeout), NULL, "60s" },
    { "client_max_body_size", HV_HTTP_ALL | HV_CONF_TAKE1,
        hv_http_core_max_body, HV_CONF_LOC, 0, NULL, "1m" },

    { "client_header_timeout", HV_HTTP_MS | HV_CONF_TAKE1,
        hv_conf_set_msec_slot, HV_CONF_SRV, hv_srv_field(client_header_timeout),
        NULL, "60s" },
    { "client_header_buffer_size", HV_HTTP_MS | HV_CONF_TAKE1,
        hv_conf_set_size_slot, HV_CONF_SRV,
        hv_srv_field(client_header_buffer_size), NULL, "1k" },
    { "large_client_header_buffers", HV_HTTP_MS | HV_CONF_TAKE2,
        hv_http_core_large_buffers, HV_CONF_SRV, 0, NULL, "4 8k" },
    { "merge_slashes", HV_HTTP_MS | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_SRV, hv_srv_field(merge_slashes), NULL, "on" },

    { "sendfile", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(sendfile), NULL, "off" },
    { "tcp_nopush", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(tcp_nopush), NULL, "off" },
    { "tcp_nodelay", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(tcp_nodelay), NULL, "on" },
    { "server_tokens", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(server_tokens), NULL, "on" },
    { "log_not_found", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(log_not_found), NULL, "on" },
    { "absolute_redirect", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(absolute_redirect), NULL, "on" },
    { "port_in_redirect", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, hv_loc_field(port_in_redirect), NULL, "on" },
    { "etag", HV_HTTP_ALL | HV_CONF_FLAG, hv_conf_set_flag_slot, HV_CONF_LOC,
        hv_loc_field(etag), NULL, "on" },
    { "if_modified_since", HV_HTTP_ALL | HV_CONF_TAKE1, hv_conf_set_enum_slot,
        HV_CONF_LOC, hv_loc_field(if_modified_since), hv_http_core_ims,
        "exact" },
    hv_null_command
};

static const hv_http_module_t hv_http_core_module_ctx = {
    .postconfiguration = hv_http_core_postconfiguration,
    .create_main_conf = hv_http_core_create_main_conf,
    .create_srv_conf = hv_http_core_create_srv_conf,
    .merge_srv_conf = hv_http_core_merge_srv_conf,
    .create_loc_conf = hv_http_core_create_loc_conf,
    .merge_loc_conf = hv_http_core_merge_loc_conf,
};

const hv_module_t hv_http_core_module = {
    .name = "http_core",
    .index = HV_MODULE_http_core,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_http_core_module_ctx,
    .commands = hv_http_core_commands,
    .init_module = hv_http_regex_init_module,
    .exit_worker = hv_http_access_log_exit_worker,
};


/*
 * The return handler joins the REWRITE phase only when some server or
 * location has "return": otherwise it would decline on every request,
 * ~40 instructions of the phase engine for nothing (callgrind, /pid).
 */
static bool
hv_http_core_uses_return(void **loc_conf)
{
    hv_http_core_loc_conf_t *clcf = loc_conf[HV_MODULE_http_core];

    return clcf->return_code != -1;
}


/*
 * The core's links come first so that they end up last: the engine's
 * writers, then add_header just before them.  "return" is the first
 * REWRITE handler and the access log the first LOG handler, each only
 * when some server or location uses it.
 */
static int
hv_http_core_postconfiguration(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);

    cmcf->top_header_filter = hv_http_core_headers_filter;
    cmcf->top_body_filter = hv_http_write_filter;

    if (hv_http_any_location(cmcf, hv_http_core_uses_return) &&
        hv_http_add_phase_handler(
            cf, HV_HTTP_REWRITE_PHASE, hv_http_core_return_handler) != HV_OK) {
        return HV_ERROR;
    }

    /* with "access_log off" everywhere, ~45 instructions a request less */
    if (hv_http_any_location(cmcf, hv_http_access_log_used) &&
        hv_http_add_phase_handler(
            cf, HV_HTTP_LOG_PHASE, hv_http_access_log_handler) != HV_OK) {
        return HV_ERROR;
    }

    return HV_OK;
}


static void *
hv_http_core_create_main_conf(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf;
    hv_uint_t i;

    cmcf = hv_pcalloc(cf->pool, sizeof(hv_http_core_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    cmcf->cycle = cf->cycle;

    if (hv_array_init(&cmcf->servers, cf->pool, 4,
            sizeof(hv_http_core_srv_conf_t *)) != HV_OK ||
        hv_array_init(&cmcf->ports, cf->pool, 4, sizeof(hv_http_conf_addr_t)) !=
            HV_OK) {
        return NULL;
    }

    for (i = 0; i < HV_HTTP_PHASES_N; i++) {
        if (hv_array_init(&cmcf->phases[i], cf->pool, 2,
                sizeof(hv_http_handler_pt)) != HV_OK) {
            return NULL;
        }
    }

    return cmcf;
}


static void *
hv_http_core_create_srv_conf(hv_conf_t *cf)
{
    hv_http_core_srv_conf_t *cscf;

    cscf = hv_pcalloc(cf->pool, sizeof(hv_http_core_srv_conf_t));
    if (cscf == NULL) {
        return NULL;
    }

    if (hv_array_init(&cscf->server_names, cf->pool, 2, sizeof(hv_str_t)) !=
        HV_OK) {
        return NULL;
    }

    cscf->client_header_buffer_size = HV_CONF_UNSET_SIZE;
    cscf->large_client_header_buffers_size = HV_CONF_UNSET_SIZE;
    cscf->large_client_header_buffers_num = HV_CONF_UNSET_UINT;
    cscf->client_header_timeout = HV_CONF_UNSET_MSEC;
    cscf->merge_slashes = HV_CONF_UNSET;

    return cscf;
}


static char *
hv_http_core_merge_srv_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_http_core_srv_conf_t *prev = parent, *conf = child;
    hv_str_t *name;

    (void) cf;

    hv_conf_merge_size(&conf->client_header_buffer_size,
        prev->client_header_buffer_size, HV_HTTP_HEADER_BUFFER);
    hv_conf_merge_size(&conf->large_client_header_buffers_size,
        prev->large_client_header_buffers_size, HV_HTTP_LARGE_BUFFER_SIZE);
    hv_conf_merge_uint(&conf->large_client_header_buffers_num,
        prev->large_client_header_buffers_num, HV_HTTP_LARGE_BUFFERS);
    hv_conf_merge_msec(
        &conf->client_header_timeout, prev->client_header_timeout, 60000);
    hv_conf_merge_flag(&conf->merge_slashes, prev->merge_slashes, 1);

    /* nginx: a server without server_name answers to "" (no Host) */
    if (conf->server_names.nelts == 0 && conf->regex_names == NULL) {
        name = hv_array_push(&conf->server_names);
        if (name == NULL) {
            return HV_CONF_ERROR;
        }
        hv_str_set(name, "");
    }

    return HV_CONF_OK;
}


static void *
hv_http_core_create_loc_conf(hv_conf_t *cf)
{
    hv_http_core_loc_conf_t *clcf;

    clcf = hv_pcalloc(cf->pool, sizeof(hv_http_core_loc_conf_t));
    if (clcf == NULL) {
        return NULL;
    }

    /* zeroed: name, locations, handler, root, alias, index, types, the
     * arrays and access_log are "unset" as NULL */
    clcf->keepalive_timeout = HV_CONF_UNSET_MSEC;
    clcf->keepalive_requests = HV_CONF_UNSET_UINT;
    clcf->keepalive_time = HV_CONF_UNSET_MSEC;
    clcf->keepalive_header = HV_CONF_UNSET;
    clcf->send_timeout = HV_CONF_UNSET_MSEC;
    clcf->client_body_timeout = HV_CONF_UNSET_MSEC;
    clcf->client_max_body_size = HV_CONF_UNSET;
    clcf->sendfile = HV_CONF_UNSET;
    clcf->tcp_nopush = HV_CONF_UNSET;
    clcf->tcp_nodelay = HV_CONF_UNSET;
    clcf->server_tokens = HV_CONF_UNSET;
    clcf->log_not_found = HV_CONF_UNSET;
    clcf->absolute_redirect = HV_CONF_UNSET;
    clcf->port_in_redirect = HV_CONF_UNSET;
    clcf->etag = HV_CONF_UNSET;
    clcf->if_modified_since = HV_CONF_UNSET_UINT;
    clcf->return_code = -1;

    if (cf->lex != NULL) {
        clcf->file = (const char *) cf->lex->name.data;
        clcf->line = cf->lex->line;
    }

    return clcf;
}


static char *
hv_http_core_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_http_core_loc_conf_t *prev = parent, *conf = child;
    hv_str_t *name;

    if (hv_http_core_merge_root(cf, prev, conf) != HV_OK ||
        hv_http_types_merge(cf, prev, conf) != HV_OK ||
        hv_http_access_log_merge(cf, prev, conf) != HV_OK) {
        return HV_CONF_ERROR;
    }

    if (conf->index == NULL) {
        conf->index = prev->index;
    }
    if (conf->index == NULL) {
        conf->index = hv_array_create(cf->pool, 1, sizeof(hv_str_t));
        name = (conf->index != NULL) ? hv_array_push(conf->index) : NULL;
        if (name == NULL) {
            return HV_CONF_ERROR;
        }
        hv_str_set(name, "index.html");
        prev->index = conf->index; /* shared by the next siblings */
    }

    /* neither is inherited by a block that has its own (nginx's rule) */
    if (conf->error_pages == NULL) {
        conf->error_pages = prev->error_pages;
    }
    if (conf->headers == NULL) {
        conf->headers = prev->headers;
    }

    hv_conf_merge_str(&conf->default_type, &prev->default_type, "text/plain");
    hv_conf_merge_str(&conf->charset, &prev->charset, "off");
    if (hv_str_eq_cstr(&conf->charset, "off")) {
        conf->charset.len = 0; /* data stays set: "off" is inherited */
    }
    hv_conf_merge_msec(
        &conf->keepalive_timeout, prev->keepalive_timeout, 75000);
    if (conf->keepalive_header == HV_CONF_UNSET) {
        conf->keepalive_header = (prev->keepalive_header == HV_CONF_UNSET)
                                     ? 0
                                     : prev->keepalive_header;
    }
    hv_conf_merge_uint(
        &conf->keepalive_requests, prev->keepalive_requests, 1000);
    hv_conf_merge_msec(&conf->keepalive_time, prev->keepalive_time, 3600000);
    hv_conf_merge_msec(&conf->send_timeout, prev->send_timeout, 60000);
    hv_conf_merge_msec(
        &conf->client_body_timeout, prev->client_body_timeout, 60000);
    if (conf->client_max_body_size == HV_CONF_UNSET) {
        conf->client_max_body_size =
            (prev->client_max_body_size == HV_CONF_UNSET)
                ? HV_HTTP_MAX_BODY
                : prev->client_max_body_size;
    }

    hv_conf_merge_flag(&conf->sendfile, prev->sendfile, 0);
    hv_conf_merge_flag(&conf->tcp_nopush, prev->tcp_nopush, 0);
    hv_conf_merge_flag(&conf->tcp_nodelay, prev->tcp_nodelay, 1);
    hv_conf_merge_flag(&conf->server_tokens, prev->server_tokens, 1);
    hv_conf_merge_flag(&conf->log_not_found, prev->log_not_found, 1);
    hv_conf_merge_flag(&conf->absolute_redirect, prev->absolute_redirect, 1);
    hv_conf_merge_flag(&conf->port_in_redirect, prev->port_in_redirect, 1);
    hv_conf_merge_flag(&conf->etag, prev->etag, 1);
    hv_conf_merge_uint(
        &conf->if_modified_since, prev->if_modified_since, HV_HTTP_IMS_EXACT);

    /* "return" and the content handler belong to their own block */
    return HV_CONF_OK;
}


/* root and alias travel together: a block inherits whichever is set. */
static int
hv_http_core_merge_root(
    hv_conf_t *cf, hv_http_core_loc_conf_t *prev, hv_http_core_loc_conf_t *conf)
{
    hv_str_t html;

    if (conf->root.data != NULL || conf->alias_set) {
        return HV_OK;
    }

    if (prev->root.data == NULL && !prev->alias_set) {
        hv_str_set(&html, "html");
        if (hv_conf_full_name(cf->cycle, &html, false) != HV_OK) {
            return HV_ERROR;
        }
        prev->root = html;
    }

    conf->root = prev->root;
    conf->root_tpl = prev->root_tpl;
    conf->alias = prev->alias;
    conf->alias_set = prev->alias_set;
    conf->alias_len = prev->alias_len;

    return HV_OK;
}


/*
 * "server { }": a new srv object per module and a server-level loc object
 * per module; locations inside hang off the server-level core loc conf.
 */
static char *
hv_http_core_server(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_main_conf_t *cmcf;
    hv_http_core_srv_conf_t *cscf, **cscfp;
    hv_http_core_loc_conf_t *clcf;
    hv_conf_ctx_t *ctx, *saved;
    hv_uint_t cmd_type;
    uint64_t digest;
    char *rv;

    (void) cmd;
    (void) conf;

    ctx = hv_pcalloc(cf->pool, sizeof(hv_conf_ctx_t));
    if (ctx == NULL) {
        return HV_CONF_ERROR;
    }

    ctx->main_conf = cf->ctx->main_conf;
    ctx->srv_conf = hv_pcalloc(cf->pool, HV_MODULES_N * sizeof(void *));
    ctx->loc_conf = hv_pcalloc(cf->pool, HV_MODULES_N * sizeof(void *));
    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return HV_CONF_ERROR;
    }

    if (hv_http_create_module_confs(
            cf, ctx, HV_HTTP_CREATE_SRV | HV_HTTP_CREATE_LOC) != HV_OK) {
        return HV_CONF_ERROR;
    }

    cscf = ctx->srv_conf[HV_MODULE_http_core];
    cscf->ctx_main_conf = ctx->main_conf;
    cscf->ctx_srv_conf = ctx->srv_conf;
    cscf->ctx_loc_conf = ctx->loc_conf;
    cscf->file = (const char *) cf->lex->name.data;
    cscf->line = cf->lex->line;

    clcf = ctx->loc_conf[HV_MODULE_http_core];
    clcf->loc_conf = ctx->loc_conf;
    cscf->root_location = clcf;

    cmcf = ctx->main_conf[HV_MODULE_http_core];
    cscfp = hv_array_push(&cmcf->servers);
    if (cscfp == NULL) {
        return HV_CONF_ERROR;
    }
    *cscfp = cscf;

    saved = cf->ctx;
    cmd_type = cf->cmd_type;
    cf->ctx = ctx;
    cf->cmd_type = HV_HTTP_SRV_CONF;
    digest = cf->digest;
    cf->digest = HV_CONF_DIGEST_INIT;

    rv = hv_conf_parse(cf, NULL);

    cscf->digest = cf->digest;
    cf->digest = digest;
    cf->ctx = saved;
    cf->cmd_type = cmd_type;

    if (rv == HV_CONF_OK && !cscf->listen) {
        if (hv_http_add_default_listen(cf, cscf) != HV_OK) {
            return HV_CONF_ERROR;
        }
    }

    return rv;
}


static bool
hv_http_core_is_redirect(hv_int_t code)
{
    return code == 301 || code == 302 || code == 303 || code == 307 ||
           code == 308;
}


/*
 * REWRITE: a server-level "return" comes first (nginx runs it before the
 * location is chosen), then the location's own.  A redirect sets
 * Location and lets the engine write the standard page; a code with a
 * text, or below 400, sends the text as the body; the rest (errors, 444)
 * go to the engine as a status.
 */
static int
hv_http_core_return_handler(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf;
    hv_str_t type, text;
    bool redirect;

    clcf = hv_http_core_srv(r)->root_location;
    if (clcf->return_code == -1) {
        clcf = hv_http_core_loc(r);
        if (clcf->return_code == -1) {
            return HV_DECLINED;
        }
    }

    redirect = hv_http_core_is_redirect(clcf->return_code);
    if (clcf->return_tpl == NULL && (redirect || clcf->return_code >= 400)) {
        return (int) clcf->return_code;
    }

    /* a URL goes into a header field: no variable may break it */
    text.len = 0;
    text.data = NULL;
    if (clcf->return_tpl != NULL &&
        hv_http_template_eval(r, clcf->return_tpl,
            redirect ? HV_HTTP_TPL_HEADER : 0, &text) != HV_OK) {
        return 500;
    }

    if (redirect) {
        if (hv_http_set_location(r, &text) != HV_OK) {
            return 500;
        }
        return (int) clcf->return_code;
    }

    hv_http_set_content_type(r);
    type = r->headers_out.content_type;

    return (int) hv_http_send_response(
        r, (hv_uint_t) clcf->return_code, &type, &text);
}


/* nginx adds "add_header" fields to these statuses unless "always". */
static bool
hv_http_core_headers_status(hv_uint_t status)
{
    switch (status) {
        case 200:
        case 201:
        case 204:
        case 206:
        case 301:
        case 302:
        case 303:
        case 304:
        case 307:
        case 308:
            return true;
        default:
            return false;
    }
}


/* "add_header": the core's filter, the last one before the writer. */
static int
hv_http_core_headers_filter(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf;
    hv_http_add_header_t *h;
    hv_str_t value;
    hv_uint_t i;
    bool ok;

    if (r->loc_conf == NULL) {
        return hv_http_header_filter(r);
    }

    clcf = hv_http_core_loc(r);

    /* "charset" off, the usual case: no call (~20 instructions) */
    if (clcf->charset.len > 0) {
        hv_http_set_charset(r);
    }

    if (clcf->headers == NULL) {
        return hv_http_header_filter(r);
    }

    ok = hv_http_core_headers_status(r->headers_out.status);
    h = clcf->headers->elts;

    for (i = 0; i < clcf->headers->nelts; i++) {
        if (!ok && !h[i].always) {
            continue;
        }
        if (hv_http_template_eval(r, h[i].tpl, HV_HTTP_TPL_HEADER, &value) !=
            HV_OK) {
            return HV_ERROR;
        }
        /* nginx sends no field for an empty value */
        if (value.len == 0) {
            continue;
        }
        if (hv_http_add_header_out(r, (const char *) h[i].key.data, &value) ==
            NULL) {
            return HV_ERROR;
        }
    }

    return hv_http_header_filter(r);
}
