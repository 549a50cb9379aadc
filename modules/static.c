/*
 * modules/static.c - files under root/alias (SPEC 7, "static"): a CONTENT
 * phase handler for URIs that do not end in '/' (those are the index
 * module's).
 *
 * Safety: the engine has decoded the URI and removed its dot segments
 * before any module runs, so root + URI names a path under root;
 * hv_http_map_uri_to_path() refuses the one join (alias) that could still
 * make a dot segment, and a NUL byte, which the parser already refuses,
 * is checked again here because open() would cut the name at it.
 * Symbolic links are followed, as nginx does by default.
 *
 * The body is the file itself as an in_file buffer, so the writer can
 * sendfile() it; the descriptor is closed by a request pool cleanup,
 * whether the response completes or the client goes away.  With
 * open_file_cache the file comes from the worker's cache instead
 * (static_cache.c), which owns the descriptor.
 */
#include "modules/static_internal.h"


static void *hv_static_create_main_conf(hv_conf_t *cf);
static void *hv_static_create_loc_conf(hv_conf_t *cf);
static char *hv_static_merge_loc_conf(hv_conf_t *cf, void *parent, void *child);
static void hv_static_exit_worker(hv_cycle_t *cycle);
static int hv_static_postconfiguration(hv_conf_t *cf);
static int hv_static_open(
    hv_http_request_t *r, const hv_str_t *path, hv_static_file_t *f);
static int hv_static_handler(hv_http_request_t *r);
static int hv_static_open_error(
    hv_http_request_t *r, const hv_str_t *path, hv_err_t err);
static int hv_static_redirect_dir(hv_http_request_t *r);


#define HV_STATIC_ANY_CONF \
    (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF)

static const hv_command_t hv_static_commands[] = {
    { "open_file_cache", HV_STATIC_ANY_CONF | HV_CONF_TAKE12,
        hv_static_cache_directive, HV_CONF_LOC, 0, NULL, "off" },
    { "open_file_cache_valid", HV_STATIC_ANY_CONF | HV_CONF_TAKE1,
        hv_conf_set_msec_slot, HV_CONF_LOC,
        offsetof(hv_static_loc_conf_t, valid), NULL, "60s" },
    hv_null_command
};

static const hv_http_module_t hv_static_module_ctx = {
    .postconfiguration = hv_static_postconfiguration,
    .create_main_conf = hv_static_create_main_conf,
    .create_loc_conf = hv_static_create_loc_conf,
    .merge_loc_conf = hv_static_merge_loc_conf,
};

const hv_module_t hv_static_module = {
    .name = "static",
    .index = HV_MODULE_static,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_static_module_ctx,
    .commands = hv_static_commands,
    .exit_worker = hv_static_exit_worker,
};


static void *
hv_static_create_main_conf(hv_conf_t *cf)
{
    hv_static_main_conf_t *smcf;

    smcf = hv_pcalloc(cf->pool, sizeof(hv_static_main_conf_t));
    if (smcf == NULL || hv_array_init(&smcf->caches, cf->pool, 2,
                            sizeof(hv_static_cache_t *)) != HV_OK) {
        return NULL;
    }

    return smcf;
}


static void *
hv_static_create_loc_conf(hv_conf_t *cf)
{
    hv_static_loc_conf_t *slcf;

    slcf = hv_pcalloc(cf->pool, sizeof(hv_static_loc_conf_t));
    if (slcf == NULL) {
        return NULL;
    }

    slcf->cache = HV_CONF_UNSET_PTR;
    slcf->valid = HV_CONF_UNSET_MSEC;

    return slcf;
}


/* A location without its own open_file_cache shares its parent's. */
static char *
hv_static_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_static_loc_conf_t *prev = parent, *conf = child;

    (void) cf;

    hv_conf_merge_ptr((void **) &conf->cache, prev->cache, NULL);
    hv_conf_merge_msec(&conf->valid, prev->valid, 60000);

    return HV_CONF_OK;
}


/* Closes the cached descriptors of a worker that exits normally. */
static void
hv_static_exit_worker(hv_cycle_t *cycle)
{
    hv_conf_ctx_t *ctx = cycle->conf[HV_MODULE_http];
    hv_static_main_conf_t *smcf;
    hv_static_cache_t **cache;
    hv_uint_t i;

    if (ctx == NULL) {
        return;
    }

    smcf = ctx->main_conf[HV_MODULE_static];
    cache = smcf->caches.elts;

    for (i = 0; i < smcf->caches.nelts; i++) {
        hv_static_cache_free(cache[i]);
    }
}


static int
hv_static_postconfiguration(hv_conf_t *cf)
{
    return hv_http_add_phase_handler(
        cf, HV_HTTP_CONTENT_PHASE, hv_static_handler);
}


static int
hv_static_handler(hv_http_request_t *r)
{
    static const hv_str_t allow = hv_string("GET, HEAD");
    hv_static_loc_conf_t *slcf;
    hv_static_file_t f;
    hv_str_t path;
    int rc;

    if (r->uri.len == 0 || r->uri.data[r->uri.len - 1] == '/') {
        return HV_DECLINED;
    }

    if (!(r->method & (HV_HTTP_GET | HV_HTTP_HEAD))) {
        if (hv_http_add_header_out(r, "Allow", &allow) == NULL) {
            return 500;
        }
        return 405;
    }

    if (memchr(r->uri.data, '\0', r->uri.len) != NULL) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
            "client sent a URI with a NUL byte");
        return 400;
    }

    rc = hv_http_map_uri_to_path(r, &path, 0);
    if (rc == HV_DECLINED) {
        return 404;
    }
    if (rc != HV_OK) {
        return 500;
    }

    slcf = hv_http_loc_conf(r, static);
    rc = (slcf->cache != NULL)
             ? hv_static_cache_get(r, slcf->cache, slcf->valid, &path, &f)
             : hv_static_open(r, &path, &f);
    if (rc != HV_OK) {
        return rc;
    }

    if (f.is_dir) {
        return hv_static_redirect_dir(r);
    }

    if (!f.is_file) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "\"%s\" is not a regular file", (char *) path.data);
        return 404;
    }

    return hv_static_send(r, &f);
}


/* An uncached open: a request pool cleanup closes the descriptor. */
static int
hv_static_open(hv_http_request_t *r, const hv_str_t *path, hv_static_file_t *f)
{
    hv_pool_cleanup_t *cln;
    unsigned char *validators;
    struct stat st;
    int *fdp, rc;

    /* the cleanup exists before the descriptor, so no failure leaks it */
    fdp = hv_palloc(r->pool, sizeof(int));
    cln = (fdp != NULL)
              ? hv_pool_cleanup_add(r->pool, hv_pool_cleanup_close_fd, fdp)
              : NULL;
    validators = hv_pnalloc(r->pool, HV_STATIC_VALIDATORS_LEN);
    if (cln == NULL || validators == NULL) {
        return 500;
    }

    rc = hv_static_open_file(r, path, fdp, &st);
    if (rc != HV_OK) {
        return rc;
    }

    f->fd = *fdp;
    f->size = st.st_size;
    f->mtime = st.st_mtime;
    f->is_dir = S_ISDIR(st.st_mode);
    f->is_file = S_ISREG(st.st_mode);
    f->data = NULL;
    hv_static_validators(f, validators);

    return HV_OK;
}


int
hv_static_open_file(
    hv_http_request_t *r, const hv_str_t *path, int *fdp, struct stat *st)
{
    *fdp = open((char *) path->data, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fdp == -1) {
        return hv_static_open_error(r, path, errno);
    }

    if (fstat(*fdp, st) == -1) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
            "fstat() \"%s\" failed", (char *) path->data);
        return 500;
    }

    return HV_OK;
}


/* nginx's answers and log levels for a failed open(). */
static int
hv_static_open_error(hv_http_request_t *r, const hv_str_t *path, hv_err_t err)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);

    switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENAMETOOLONG:
            if (clcf->log_not_found) {
                hv_log_error(HV_LOG_ERR, &r->connection->log, err,
                    "open() \"%s\" failed", (char *) path->data);
            }
            return 404;

        case EACCES:
        case ELOOP:
            hv_log_error(HV_LOG_ERR, &r->connection->log, err,
                "open() \"%s\" failed", (char *) path->data);
            return 403;

        default:
            hv_log_error(HV_LOG_CRIT, &r->connection->log, err,
                "open() \"%s\" failed", (char *) path->data);
            return 500;
    }
}


/* A directory named without its slash: 301 to the slash form. */
static int
hv_static_redirect_dir(hv_http_request_t *r)
{
    hv_str_t uri;
    unsigned char *p;

    uri.len = r->uri.len + 1 + (r->args.len > 0 ? r->args.len + 1 : 0);
    uri.data = hv_pnalloc(r->pool, uri.len);
    if (uri.data == NULL) {
        return 500;
    }

    p = hv_cpymem(uri.data, r->uri.data, r->uri.len);
    *p++ = '/';
    if (r->args.len > 0) {
        *p++ = '?';
        (void) hv_cpymem(p, r->args.data, r->args.len);
    }

    if (hv_http_set_location(r, &uri) != HV_OK) {
        return 500;
    }

    return 301;
}
