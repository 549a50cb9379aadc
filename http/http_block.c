/*
 * http/http_block.c - the "http { }" block (module "http", a core module).
 *
 * The block is where HTTP configuration is born and finished.  Before its
 * body is read every HTTP module gets its main, srv and loc objects for
 * the http level; the body is parsed with only HTTP modules' directives
 * visible; after the closing brace every server and location inherits
 * what it did not set (merge), modules join phases and the filter chain
 * (postconfiguration), the phase engine is flattened into one array, and
 * each distinct listen address becomes a listening socket of the cycle.
 *
 * cycle->conf[HV_MODULE_http] holds the http level's hv_conf_ctx_t, so
 * that a second "http" block is refused and code outside the block (a
 * status page, say) can reach the http-level objects.
 */
#include "http/http_core_internal.h"


static char *hv_http_block(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static hv_conf_ctx_t *hv_http_create_ctx(hv_conf_t *cf);
static char *hv_http_block_finish(hv_conf_t *cf, hv_conf_ctx_t *ctx);
static int hv_http_merge_servers(
    hv_conf_t *cf, hv_conf_ctx_t *ctx, const hv_module_t *m);
static int hv_http_merge_locations(
    hv_conf_t *cf, hv_array_t *locations, void **parent, const hv_module_t *m);
static int hv_http_merge_error(hv_conf_t *cf, char *rv, const char *what,
    const char *file, hv_uint_t line);


static const hv_command_t hv_http_commands[] = {
    { "http", HV_MAIN_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS, hv_http_block,
        HV_CONF_MAIN, 0, NULL, "—" },
    hv_null_command
};

const hv_module_t hv_http_module = {
    .name = "http",
    .index = HV_MODULE_http,
    .type = HV_CORE_MODULE,
    .ctx = NULL,
    .commands = hv_http_commands,
    .init_module = hv_http_reload_summary,
};


static char *
hv_http_block(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_conf_ctx_t *ctx, *saved_ctx;
    hv_uint_t module_type, cmd_type;
    char *rv;

    (void) cmd;

    if (conf != NULL) {
        return "is duplicate";
    }

    ctx = hv_http_create_ctx(cf);
    if (ctx == NULL) {
        return HV_CONF_ERROR;
    }

    cf->cycle->conf[HV_MODULE_http] = ctx;

    saved_ctx = cf->ctx;
    module_type = cf->module_type;
    cmd_type = cf->cmd_type;

    cf->ctx = ctx;
    cf->module_type = HV_HTTP_MODULE;
    cf->cmd_type = HV_HTTP_MAIN_CONF;

    rv = hv_conf_parse(cf, NULL);

    if (rv == HV_CONF_OK) {
        rv = hv_http_block_finish(cf, ctx);
    }

    cf->ctx = saved_ctx;
    cf->module_type = module_type;
    cf->cmd_type = cmd_type;

    return rv;
}


/*
 * The http level's objects.  main_conf is the cycle's own array: an HTTP
 * module's main object lives in cycle->conf like any module's.
 */
static hv_conf_ctx_t *
hv_http_create_ctx(hv_conf_t *cf)
{
    const hv_http_module_t *mctx;
    const hv_module_t *m;
    hv_http_core_loc_conf_t *clcf;
    hv_http_core_srv_conf_t *cscf;
    hv_conf_ctx_t *ctx;
    hv_uint_t i;

    ctx = hv_pcalloc(cf->pool, sizeof(hv_conf_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    ctx->main_conf = cf->cycle->conf;
    ctx->srv_conf = hv_pcalloc(cf->pool, HV_MODULES_N * sizeof(void *));
    ctx->loc_conf = hv_pcalloc(cf->pool, HV_MODULES_N * sizeof(void *));
    if (ctx->srv_conf == NULL || ctx->loc_conf == NULL) {
        return NULL;
    }

    if (hv_http_create_module_confs(cf, ctx,
            HV_HTTP_CREATE_MAIN | HV_HTTP_CREATE_SRV | HV_HTTP_CREATE_LOC) !=
        HV_OK) {
        return NULL;
    }

    /* the http level is nobody's server, but its objects are complete */
    cscf = ctx->srv_conf[HV_MODULE_http_core];
    clcf = ctx->loc_conf[HV_MODULE_http_core];
    cscf->ctx_main_conf = ctx->main_conf;
    cscf->ctx_srv_conf = ctx->srv_conf;
    cscf->ctx_loc_conf = ctx->loc_conf;
    cscf->root_location = clcf;
    clcf->loc_conf = ctx->loc_conf;

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        mctx = m->ctx;
        if (m->type != HV_HTTP_MODULE || mctx == NULL ||
            mctx->preconfiguration == NULL) {
            continue;
        }

        if (mctx->preconfiguration(cf) != HV_OK) {
            return NULL;
        }
    }

    return ctx;
}


int
hv_http_create_module_confs(hv_conf_t *cf, hv_conf_ctx_t *ctx, unsigned which)
{
    const hv_http_module_t *mctx;
    const hv_module_t *m;
    hv_uint_t i;
    void **slot;

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        mctx = m->ctx;
        if (m->type != HV_HTTP_MODULE || mctx == NULL) {
            continue;
        }

        if ((which & HV_HTTP_CREATE_MAIN) && mctx->create_main_conf != NULL) {
            slot = &ctx->main_conf[m->index];
            *slot = mctx->create_main_conf(cf);
            if (*slot == NULL) {
                return HV_ERROR;
            }
        }

        if ((which & HV_HTTP_CREATE_SRV) && mctx->create_srv_conf != NULL) {
            slot = &ctx->srv_conf[m->index];
            *slot = mctx->create_srv_conf(cf);
            if (*slot == NULL) {
                return HV_ERROR;
            }
        }

        if ((which & HV_HTTP_CREATE_LOC) && mctx->create_loc_conf != NULL) {
            slot = &ctx->loc_conf[m->index];
            *slot = mctx->create_loc_conf(cf);
            if (*slot == NULL) {
                return HV_ERROR;
            }
        }
    }

    return HV_OK;
}


/* Everything that needs the whole block: merge, hooks, engine, sockets. */
static char *
hv_http_block_finish(hv_conf_t *cf, hv_conf_ctx_t *ctx)
{
    const hv_http_module_t *mctx;
    hv_http_core_main_conf_t *cmcf;
    const hv_module_t *m;
    hv_uint_t i;
    char *rv;

    cmcf = ctx->main_conf[HV_MODULE_http_core];

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        mctx = m->ctx;
        if (m->type != HV_HTTP_MODULE || mctx == NULL) {
            continue;
        }

        if (mctx->init_main_conf != NULL) {
            rv = mctx->init_main_conf(cf, ctx->main_conf[m->index]);
            if (rv != HV_CONF_OK) {
                (void) hv_http_merge_error(cf, rv, m->name, NULL, 0);
                return HV_CONF_ERROR;
            }
        }

        if (hv_http_merge_servers(cf, ctx, m) != HV_OK) {
            return HV_CONF_ERROR;
        }
    }

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        mctx = m->ctx;
        if (m->type != HV_HTTP_MODULE || mctx == NULL ||
            mctx->postconfiguration == NULL) {
            continue;
        }

        if (mctx->postconfiguration(cf) != HV_OK) {
            return HV_CONF_ERROR;
        }
    }

    if (hv_http_variables_init(cf) != HV_OK ||
        hv_http_init_phase_engine(cf, cmcf) != HV_OK ||
        hv_http_init_listening(cf, cmcf) != HV_OK) {
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


/*
 * Merges module m's objects of every server from the http level, and of
 * every location from its parent, depth first.
 */
static int
hv_http_merge_servers(hv_conf_t *cf, hv_conf_ctx_t *ctx, const hv_module_t *m)
{
    const hv_http_module_t *mctx = m->ctx;
    hv_http_core_main_conf_t *cmcf;
    hv_http_core_srv_conf_t **cscfp, *cscf;
    void **http_srv, **http_loc;
    hv_uint_t s;
    char *rv;
    int rc;

    cmcf = ctx->main_conf[HV_MODULE_http_core];
    cscfp = cmcf->servers.elts;
    http_srv = ctx->srv_conf;
    http_loc = ctx->loc_conf;
    rc = HV_OK;

    for (s = 0; s < cmcf->servers.nelts && rc == HV_OK; s++) {
        cscf = cscfp[s];

        /* merge functions may look at the server being merged */
        ctx->srv_conf = cscf->ctx_srv_conf;

        if (mctx->merge_srv_conf != NULL) {
            rv = mctx->merge_srv_conf(
                cf, http_srv[m->index], cscf->ctx_srv_conf[m->index]);
            if (rv != HV_CONF_OK) {
                rc = hv_http_merge_error(
                    cf, rv, "server", cscf->file, cscf->line);
                break;
            }
        }

        if (mctx->merge_loc_conf != NULL) {
            rv = mctx->merge_loc_conf(
                cf, http_loc[m->index], cscf->ctx_loc_conf[m->index]);
            if (rv != HV_CONF_OK) {
                rc = hv_http_merge_error(
                    cf, rv, "server", cscf->file, cscf->line);
                break;
            }

            rc = hv_http_merge_locations(
                cf, cscf->root_location->locations, cscf->ctx_loc_conf, m);
        }
    }

    ctx->srv_conf = http_srv;

    return rc;
}


static int
hv_http_merge_locations(
    hv_conf_t *cf, hv_array_t *locations, void **parent, const hv_module_t *m)
{
    const hv_http_module_t *mctx = m->ctx;
    hv_http_core_loc_conf_t **clcfp, *clcf;
    hv_uint_t i;
    char *rv;

    if (locations == NULL) {
        return HV_OK;
    }

    clcfp = locations->elts;

    for (i = 0; i < locations->nelts; i++) {
        clcf = clcfp[i];

        rv = mctx->merge_loc_conf(
            cf, parent[m->index], clcf->loc_conf[m->index]);
        if (rv != HV_CONF_OK) {
            return hv_http_merge_error(
                cf, rv, "location", clcf->file, clcf->line);
        }

        if (hv_http_merge_locations(cf, clcf->locations, clcf->loc_conf, m) !=
            HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/* A merge message names the block it is about, since the lexer is past
 * the whole http block by now. */
static int
hv_http_merge_error(
    hv_conf_t *cf, char *rv, const char *what, const char *file, hv_uint_t line)
{
    if (rv == HV_CONF_ERROR) {
        return HV_ERROR;
    }

    if (file == NULL) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "%s (%s)", rv, what);
        return HV_ERROR;
    }

    hv_log_error(HV_LOG_EMERG, cf->log, 0, "%s in the %s block at %s:%lu", rv,
        what, file, (unsigned long) line);
    return HV_ERROR;
}
