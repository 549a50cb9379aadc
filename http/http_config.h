/*
 * http/http_config.h - how HTTP modules plug into configuration and into
 * the request (STYLE 6).
 *
 * Inside http { } every HTTP module may own three objects per context:
 * a main conf (one per http block, kept in cycle->conf like every module's
 * main object), a srv conf per server { } and a loc conf per location { }.
 * create_* make them with unset fields, merge_* fill what a child did not
 * set from its parent, and postconfiguration is where a module joins a
 * phase or the filter chain (see http/core_module.h).
 */
#ifndef HV_HTTP_CONFIG_H
#define HV_HTTP_CONFIG_H

typedef struct {
    int (*preconfiguration)(hv_conf_t *cf);
    int (*postconfiguration)(hv_conf_t *cf);

    void *(*create_main_conf)(hv_conf_t *cf);
    char *(*init_main_conf)(hv_conf_t *cf, void *conf);

    void *(*create_srv_conf)(hv_conf_t *cf);
    char *(*merge_srv_conf)(hv_conf_t *cf, void *prev, void *conf);

    void *(*create_loc_conf)(hv_conf_t *cf);
    char *(*merge_loc_conf)(hv_conf_t *cf, void *prev, void *conf);
} hv_http_module_t;

/* A module's objects, by module name (HV_MODULE_<name>). */
#define hv_http_conf_main(cf, name) ((cf)->ctx->main_conf[HV_MODULE_##name])
#define hv_http_conf_srv(cf, name) ((cf)->ctx->srv_conf[HV_MODULE_##name])
#define hv_http_conf_loc(cf, name) ((cf)->ctx->loc_conf[HV_MODULE_##name])

#define hv_http_main_conf(r, name) ((r)->main_conf[HV_MODULE_##name])
#define hv_http_srv_conf(r, name) ((r)->srv_conf[HV_MODULE_##name])
#define hv_http_loc_conf(r, name) ((r)->loc_conf[HV_MODULE_##name])

/* A module's per-request state, NULL until the module sets it. */
#define hv_http_get_ctx(r, name) ((r)->ctx[HV_MODULE_##name])
#define hv_http_set_ctx(r, c, name) ((r)->ctx[HV_MODULE_##name] = (c))

#endif /* HV_HTTP_CONFIG_H */
