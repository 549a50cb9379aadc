/*
 * tests/unit/modules_filter_chain.c - the filter chain and handler order
 * that the module table (auto/modules, STYLE 9) produces: the HTTP
 * modules join in table order, each filter in front of the chain, so
 * gzip runs before the core's header writer and write filter, and
 * gzip_static's CONTENT handler runs before static's.  The gzip filter
 * joins only when some server or location has "gzip on".
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"
#include "tests/tap.h"


/*
 * Runs the join hooks of the modules of this issue, in table order (the
 * others may need a whole cycle, which this test does not build).
 */
static void
hv_test_join(hv_conf_t *cf, hv_http_core_main_conf_t *cmcf)
{
    static const char *const names[] = { "gzip_static", "static", "index",
        "echo_pid", "status", "gzip", NULL };
    const hv_http_module_t *ctx;
    hv_uint_t i, k;
    void *conf;

    cf->ctx->main_conf[HV_MODULE_http_core] = cmcf;

    for (i = HV_MODULE_http_core + 1; hv_modules[i] != NULL; i++) {
        for (k = 0; names[k] != NULL; k++) {
            if (strcmp(names[k], hv_modules[i]->name) == 0) {
                break;
            }
        }
        if (hv_modules[i]->type != HV_HTTP_MODULE || names[k] == NULL) {
            continue;
        }
        ctx = hv_modules[i]->ctx;
        if (ctx->create_main_conf != NULL) {
            conf = ctx->create_main_conf(cf);
            T_OK(conf != NULL, "%s: main conf", hv_modules[i]->name);
            cf->ctx->main_conf[i] = conf;
        }
        if (ctx->postconfiguration != NULL) {
            T_IS_INT(ctx->postconfiguration(cf), HV_OK, "%s joins",
                hv_modules[i]->name);
        }
    }
}


#ifdef HV_HAVE_MODULE_gzip

/* A gzip location object as the merge leaves it: on or off. */
static void *
hv_test_gzip_conf(hv_conf_t *cf, bool on)
{
    const hv_http_module_t *ctx = hv_modules[HV_MODULE_gzip]->ctx;
    const hv_command_t *cmd;
    void *parent, *conf;

    parent = ctx->create_loc_conf(cf);
    conf = ctx->create_loc_conf(cf);
    if (parent == NULL || conf == NULL) {
        return NULL;
    }

    for (cmd = hv_modules[HV_MODULE_gzip]->commands; cmd->name != NULL; cmd++) {
        if (on && strcmp(cmd->name, "gzip") == 0) {
            *(int *) ((char *) conf + cmd->offset) = 1;
        }
    }

    return ctx->merge_loc_conf(cf, parent, conf) == HV_CONF_OK ? conf : NULL;
}


/*
 * Runs gzip's join hook for one server whose level has gzip srv_on and
 * whose one nested location (inside a plain one) has loc_on; true when
 * the filter joined the chain.
 */
static bool
hv_test_gzip_joins(
    hv_conf_t *cf, hv_http_core_main_conf_t *cmcf, bool srv_on, bool loc_on)
{
    static void *srv_loc[HV_MODULES_N], *outer_loc[HV_MODULES_N],
        *inner_loc[HV_MODULES_N];
    static hv_http_core_loc_conf_t root, outer, inner;
    static hv_http_core_srv_conf_t cscf;
    const hv_http_module_t *ctx = hv_modules[HV_MODULE_gzip]->ctx;
    hv_http_core_loc_conf_t **lp;
    hv_http_core_srv_conf_t **sp;

    srv_loc[HV_MODULE_gzip] = hv_test_gzip_conf(cf, srv_on);
    outer_loc[HV_MODULE_gzip] = hv_test_gzip_conf(cf, false);
    inner_loc[HV_MODULE_gzip] = hv_test_gzip_conf(cf, loc_on);

    root.loc_conf = srv_loc;
    root.locations = hv_array_create(cf->pool, 1, sizeof(void *));
    outer.loc_conf = outer_loc;
    outer.locations = hv_array_create(cf->pool, 1, sizeof(void *));
    inner.loc_conf = inner_loc;
    inner.locations = NULL;
    cscf.ctx_loc_conf = srv_loc;
    cscf.root_location = &root;

    if (hv_array_init(&cmcf->servers, cf->pool, 1, sizeof(void *)) != HV_OK ||
        root.locations == NULL || outer.locations == NULL) {
        return false;
    }

    lp = hv_array_push(root.locations);
    *lp = &outer;
    lp = hv_array_push(outer.locations);
    *lp = &inner;
    sp = hv_array_push(&cmcf->servers);
    *sp = &cscf;

    cmcf->top_header_filter = hv_http_header_filter;
    cmcf->top_body_filter = hv_http_write_filter;

    if (ctx->postconfiguration(cf) != HV_OK) {
        return false;
    }

    return cmcf->top_header_filter != hv_http_header_filter &&
           cmcf->top_body_filter != hv_http_write_filter;
}

#endif


int
main(void)
{
    void *main_conf[HV_MODULES_N] = { NULL };
    hv_http_core_main_conf_t cmcf;
    hv_gzip_main_conf_t *gmcf;
    hv_conf_ctx_t cctx;
    hv_cycle_t cycle;
    hv_conf_t cf;
    hv_log_t log;
    hv_uint_t i;

    memset(&log, 0, sizeof(log));
    memset(&cycle, 0, sizeof(cycle));
    memset(&cf, 0, sizeof(cf));
    memset(&cmcf, 0, sizeof(cmcf));

    cf.pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &log);
    cf.cycle = &cycle;
    cf.log = &log;
    cf.ctx = &cctx;
    cycle.pool = cf.pool;
    cycle.log = &log;
    cctx.main_conf = main_conf;

    for (i = 0; i < HV_HTTP_PHASES_N; i++) {
        if (hv_array_init(&cmcf.phases[i], cf.pool, 4,
                sizeof(hv_http_handler_pt)) != HV_OK) {
            return 2;
        }
    }

    /* what http_core's own postconfiguration leaves: the last links */
    cmcf.top_header_filter = hv_http_header_filter;
    cmcf.top_body_filter = hv_http_write_filter;

    hv_tap_subtest("module table order");
    T_OK(HV_MODULE_gzip_static < HV_MODULE_static,
        "gzip_static is listed before static");
    T_OK(HV_MODULE_http_core < HV_MODULE_gzip_static,
        "handlers join after http_core");
#ifdef HV_HAVE_MODULE_gzip
    T_OK(HV_MODULE_gzip > HV_MODULE_static && HV_MODULE_gzip > HV_MODULE_status,
        "the gzip filter is listed after the handlers");
#endif

    hv_test_join(&cf, &cmcf);

    hv_tap_subtest("content handlers");
    T_OK(cmcf.phases[HV_HTTP_CONTENT_PHASE].nelts >= 2,
        "gzip_static and static joined CONTENT");

#ifdef HV_HAVE_MODULE_gzip
    hv_tap_subtest("gzip off everywhere: no filter to pass through");
    T_OK(cmcf.top_header_filter == hv_http_header_filter,
        "no servers: the header writer is the first header filter");
    T_OK(cmcf.top_body_filter == hv_http_write_filter,
        "no servers: the write filter is the first body filter");
    T_OK(!hv_test_gzip_joins(&cf, &cmcf, false, false),
        "gzip off in the server and its locations: not joined");
    T_OK(cmcf.top_header_filter == hv_http_header_filter &&
             cmcf.top_body_filter == hv_http_write_filter,
        "the chain is the core's");

    hv_tap_subtest("gzip on somewhere: the filter joins");
    T_OK(hv_test_gzip_joins(&cf, &cmcf, false, true),
        "on in a nested location only");
    T_OK(hv_test_gzip_joins(&cf, &cmcf, true, false), "on at server level");

    hv_tap_subtest("filter chain");
    gmcf = main_conf[HV_MODULE_gzip];
    T_OK(cmcf.top_header_filter != hv_http_header_filter,
        "a filter runs before the header writer");
    T_OK(gmcf->next_header == hv_http_header_filter,
        "gzip's next header filter is the core's header writer");
    T_OK(gmcf->next_body == hv_http_write_filter,
        "gzip's next body filter is the core's write filter");
#else
    (void) gmcf;
#endif

    hv_pool_destroy(cf.pool);

    return hv_tap_done();
}
