/*
 * modules/index.c - index files: a URI ending in '/' is redirected
 * internally to the first name of the location's "index" list that
 * exists in the directory (the "index" directive belongs to the core:
 * clcf->index, default "index.html").
 *
 * When no index file exists the module declines: another content module
 * (autoindex, later) may list the directory, and if none does the phase
 * engine answers 403 "directory index of ... is forbidden", as nginx.  A
 * directory that does not exist at all is a 404.
 */
#include "http/http.h"


static int hv_index_postconfiguration(hv_conf_t *cf);
static int hv_index_handler(hv_http_request_t *r);
static int hv_index_redirect(hv_http_request_t *r, const hv_str_t *name);
static int hv_index_error(hv_http_request_t *r, const char *path, hv_err_t err);


static const hv_http_module_t hv_index_module_ctx = {
    .postconfiguration = hv_index_postconfiguration,
};

const hv_module_t hv_index_module = {
    .name = "index",
    .index = HV_MODULE_index,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_index_module_ctx,
    .commands = NULL,
};


static int
hv_index_postconfiguration(hv_conf_t *cf)
{
    return hv_http_add_phase_handler(
        cf, HV_HTTP_CONTENT_PHASE, hv_index_handler);
}


/*
 * stat() rather than open(): the static module opens the file again
 * after the redirect anyway, and a stat() is the cheaper probe.
 */
static int
hv_index_handler(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf;
    hv_str_t path, *name;
    struct stat st;
    size_t reserve;
    hv_uint_t i;
    int rc;

    if (r->uri.len == 0 || r->uri.data[r->uri.len - 1] != '/') {
        return HV_DECLINED;
    }

    /* nginx's methods: the target decides about the rest */
    if (!(r->method & (HV_HTTP_GET | HV_HTTP_HEAD | HV_HTTP_POST))) {
        return HV_DECLINED;
    }

    clcf = hv_http_core_loc(r);
    name = clcf->index->elts;

    reserve = 0;
    for (i = 0; i < clcf->index->nelts; i++) {
        reserve = hv_max(reserve, name[i].len);
    }

    rc = hv_http_map_uri_to_path(r, &path, reserve);
    if (rc == HV_DECLINED) {
        return 404;
    }
    if (rc != HV_OK) {
        return 500;
    }

    for (i = 0; i < clcf->index->nelts; i++) {
        /* an absolute last name ("/index.php") is used without a check */
        if (name[i].data[0] == '/') {
            return hv_index_redirect(r, &name[i]);
        }

        memcpy(path.data + path.len, name[i].data, name[i].len);
        path.data[path.len + name[i].len] = '\0';

        if (stat((char *) path.data, &st) == 0) {
            return hv_index_redirect(r, &name[i]);
        }

        if (errno != ENOENT) {
            return hv_index_error(r, (char *) path.data, errno);
        }
    }

    /* none: is there a directory at all? */
    path.data[path.len] = '\0';
    if (stat((char *) path.data, &st) == -1) {
        return hv_index_error(r, (char *) path.data, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
        return 404;
    }

    return HV_DECLINED;
}


static int
hv_index_redirect(hv_http_request_t *r, const hv_str_t *name)
{
    hv_str_t uri;
    unsigned char *p;

    if (name->data[0] == '/') {
        return (int) hv_http_internal_redirect(r, name, &r->args);
    }

    uri.len = r->uri.len + name->len;
    uri.data = hv_pnalloc(r->pool, uri.len);
    if (uri.data == NULL) {
        return 500;
    }

    p = hv_cpymem(uri.data, r->uri.data, r->uri.len);
    (void) hv_cpymem(p, name->data, name->len);

    return (int) hv_http_internal_redirect(r, &uri, &r->args);
}


static int
hv_index_error(hv_http_request_t *r, const char *path, hv_err_t err)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);

    if (err == EACCES) {
        hv_log_error(
            HV_LOG_ERR, &r->connection->log, err, "stat() \"%s\" failed", path);
        return 403;
    }

    if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) {
        if (clcf->log_not_found) {
            hv_log_error(HV_LOG_ERR, &r->connection->log, err,
                "\"%s\" is not found", path);
        }
        return 404;
    }

    hv_log_error(
        HV_LOG_CRIT, &r->connection->log, err, "stat() \"%s\" failed", path);
    return 500;
}
