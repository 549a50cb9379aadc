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
 * whether the response completes or the client goes away.
 */
#include "modules/static_internal.h"


static int hv_static_postconfiguration(hv_conf_t *cf);
static int hv_static_handler(hv_http_request_t *r);
static int hv_static_open_error(
    hv_http_request_t *r, const hv_str_t *path, hv_err_t err);
static int hv_static_redirect_dir(hv_http_request_t *r);


static const hv_http_module_t hv_static_module_ctx = {
    .postconfiguration = hv_static_postconfiguration,
};

const hv_module_t hv_static_module = {
    .name = "static",
    .index = HV_MODULE_static,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_static_module_ctx,
    .commands = NULL,
};


static int
hv_static_postconfiguration(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_handler_pt *h;

    h = hv_array_push(&cmcf->phases[HV_HTTP_CONTENT_PHASE]);
    if (h == NULL) {
        return HV_ERROR;
    }
    *h = hv_static_handler;

    return HV_OK;
}


static int
hv_static_handler(hv_http_request_t *r)
{
    static const hv_str_t allow = hv_string("GET, HEAD");
    hv_pool_cleanup_t *cln;
    hv_static_file_t f;
    struct stat st;
    hv_str_t path;
    int rc, *fdp;

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

    /* the cleanup exists before the descriptor, so no failure leaks it */
    fdp = hv_palloc(r->pool, sizeof(int));
    cln = (fdp != NULL)
              ? hv_pool_cleanup_add(r->pool, hv_pool_cleanup_close_fd, fdp)
              : NULL;
    if (cln == NULL) {
        return 500;
    }

    *fdp = open((char *) path.data, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fdp == -1) {
        return hv_static_open_error(r, &path, errno);
    }

    if (fstat(*fdp, &st) == -1) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
            "fstat() \"%s\" failed", (char *) path.data);
        return 500;
    }

    if (S_ISDIR(st.st_mode)) {
        return hv_static_redirect_dir(r);
    }

    if (!S_ISREG(st.st_mode)) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "\"%s\" is not a regular file", (char *) path.data);
        return 404;
    }

    f.fd = *fdp;
    f.size = st.st_size;
    f.mtime = st.st_mtime;
    f.data = NULL;

    return hv_static_send(r, &f);
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
