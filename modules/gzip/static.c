/*
 * modules/gzip/static.c - "gzip_static on | off | always" (SPEC 7): when
 * FILE is asked for and FILE.gz exists, FILE.gz is sent as is, with
 * "Content-Encoding: gzip", FILE's type and FILE.gz's length, through
 * sendfile.  "on" does so for clients that accept gzip, "always" for all
 * (for sites that keep only the .gz).  No zlib is needed.
 *
 *     gzip_static        off | on | always   (off)
 *     gzip_vary          on | off            (off)   also read by gzip
 *     gzip_http_version  1.0 | 1.1           (1.1)   also read by gzip
 *
 * The hook: a CONTENT phase handler listed before "static" in
 * auto/modules, so it runs first and declines (static then serves FILE)
 * unless it sends FILE.gz; the static module needs no change.  The .gz
 * response carries Last-Modified of the .gz file and no ETag: a strong
 * tag shared with the identity file would be wrong, and conditional
 * requests stay with the static module's answer for FILE.
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"


static void *hv_gzip_static_create_loc_conf(hv_conf_t *cf);
static char *hv_gzip_static_merge_loc_conf(
    hv_conf_t *cf, void *prev, void *conf);
static int hv_gzip_static_postconfiguration(hv_conf_t *cf);
static int hv_gzip_static_handler(hv_http_request_t *r);
static int hv_gzip_static_open(hv_http_request_t *r, int *fdp, struct stat *st);
static int hv_gzip_static_send(
    hv_http_request_t *r, int fd, const struct stat *st);


static const hv_conf_enum_t hv_gzip_static_modes[] = {
    { "off", HV_GZIP_STATIC_OFF }, { "on", HV_GZIP_STATIC_ON },
    { "always", HV_GZIP_STATIC_ALWAYS }, { NULL, 0 }
};

static const hv_conf_enum_t hv_gzip_versions[] = {
    { "1.0", HV_HTTP_VERSION_10 }, { "1.1", HV_HTTP_VERSION_11 }, { NULL, 0 }
};

#define HV_GZIP_ANY_CONF \
    (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF)

static const hv_command_t hv_gzip_static_commands[] = {
    { "gzip_static", HV_GZIP_ANY_CONF | HV_CONF_TAKE1, hv_conf_set_enum_slot,
        HV_CONF_LOC, offsetof(hv_gzip_static_loc_conf_t, mode),
        hv_gzip_static_modes, "off" },
    { "gzip_vary", HV_GZIP_ANY_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, offsetof(hv_gzip_static_loc_conf_t, vary), NULL, "off" },
    { "gzip_http_version", HV_GZIP_ANY_CONF | HV_CONF_TAKE1,
        hv_conf_set_enum_slot, HV_CONF_LOC,
        offsetof(hv_gzip_static_loc_conf_t, http_version), hv_gzip_versions,
        "1.1" },
    hv_null_command
};

static const hv_http_module_t hv_gzip_static_module_ctx = {
    .postconfiguration = hv_gzip_static_postconfiguration,
    .create_loc_conf = hv_gzip_static_create_loc_conf,
    .merge_loc_conf = hv_gzip_static_merge_loc_conf,
};

const hv_module_t hv_gzip_static_module = {
    .name = "gzip_static",
    .index = HV_MODULE_gzip_static,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_gzip_static_module_ctx,
    .commands = hv_gzip_static_commands,
};


static void *
hv_gzip_static_create_loc_conf(hv_conf_t *cf)
{
    hv_gzip_static_loc_conf_t *conf;

    conf = hv_pcalloc(cf->pool, sizeof(hv_gzip_static_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->mode = HV_CONF_UNSET_UINT;
    conf->vary = HV_CONF_UNSET;
    conf->http_version = HV_CONF_UNSET_UINT;

    return conf;
}


static char *
hv_gzip_static_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_gzip_static_loc_conf_t *prev = parent, *conf = child;

    (void) cf;

    hv_conf_merge_uint(&conf->mode, prev->mode, HV_GZIP_STATIC_OFF);
    hv_conf_merge_flag(&conf->vary, prev->vary, 0);
    hv_conf_merge_uint(
        &conf->http_version, prev->http_version, HV_HTTP_VERSION_11);

    return HV_CONF_OK;
}


/* Joins CONTENT; auto/modules lists this module before static. */
static int
hv_gzip_static_postconfiguration(hv_conf_t *cf)
{
    return hv_http_add_phase_handler(
        cf, HV_HTTP_CONTENT_PHASE, hv_gzip_static_handler);
}


static int
hv_gzip_static_handler(hv_http_request_t *r)
{
    hv_gzip_static_loc_conf_t *conf = hv_http_loc_conf(r, gzip_static);
    struct stat st;
    int rc, fd;

    if (conf->mode == HV_GZIP_STATIC_OFF || r->uri.len == 0 ||
        r->uri.data[r->uri.len - 1] == '/' ||
        !(r->method & (HV_HTTP_GET | HV_HTTP_HEAD)) ||
        memchr(r->uri.data, '\0', r->uri.len) != NULL) {
        return HV_DECLINED; /* static answers these */
    }

    if (conf->mode == HV_GZIP_STATIC_ON &&
        !hv_gzip_accepted(r, conf->http_version)) {
        return HV_DECLINED;
    }

    rc = hv_gzip_static_open(r, &fd, &st);
    if (rc != HV_OK) {
        return rc;
    }

    if (conf->vary && hv_gzip_add_vary(r) != HV_OK) {
        return 500;
    }

    return hv_gzip_static_send(r, fd, &st);
}


/*
 * Opens FILE.gz (a regular file) into *fdp, closed by a request pool
 * cleanup.  HV_DECLINED when there is none, so static serves FILE; 500
 * when the system fails.
 */
static int
hv_gzip_static_open(hv_http_request_t *r, int *fdp, struct stat *st)
{
    hv_pool_cleanup_t *cln;
    hv_str_t path;
    int rc, *fd;

    rc = hv_http_map_uri_to_path(r, &path, sizeof(".gz") - 1);
    if (rc != HV_OK) {
        return rc == HV_DECLINED ? HV_DECLINED : 500;
    }
    memcpy(path.data + path.len, ".gz", sizeof(".gz"));

    fd = hv_palloc(r->pool, sizeof(int));
    if (fd != NULL) {
        *fd = -1;
    }
    cln = (fd != NULL)
              ? hv_pool_cleanup_add(r->pool, hv_pool_cleanup_close_fd, fd)
              : NULL;
    if (cln == NULL) {
        return 500;
    }

    *fd = open((char *) path.data, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd == -1) {
        if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
            hv_log_error(HV_LOG_ERR, &r->connection->log, errno,
                "open() \"%s\" failed", (char *) path.data);
        }
        return HV_DECLINED;
    }

    if (fstat(*fd, st) == -1) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
            "fstat() \"%s\" failed", (char *) path.data);
        return 500;
    }

    if (!S_ISREG(st->st_mode)) {
        return HV_DECLINED;
    }

    *fdp = *fd;

    return HV_OK;
}


static int
hv_gzip_static_send(hv_http_request_t *r, int fd, const struct stat *st)
{
    static const hv_str_t gzip = hv_string("gzip");
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_chain_t *out;
    hv_buf_t *b;
    int rc;

    ho->status = HV_HTTP_OK;
    ho->content_length_n = st->st_size;
    ho->last_modified_time = st->st_mtime;
    hv_http_set_content_type(r); /* FILE's type: r->exten has no ".gz" */

    ho->content_encoding = hv_http_add_header_out(r, "Content-Encoding", &gzip);
    if (ho->content_encoding == NULL) {
        return 500;
    }

    rc = hv_http_send_header(r);
    if (rc == HV_ERROR || rc > HV_OK || r->header_only) {
        return rc;
    }

    b = hv_buf_calloc(r->pool);
    out = (b != NULL) ? hv_chain_link(r->pool, b) : NULL;
    if (out == NULL) {
        return HV_ERROR;
    }

    if (st->st_size > 0) {
        b->in_file = 1;
        b->fd = fd;
        b->file_pos = 0;
        b->file_last = st->st_size;
    }
    b->last_buf = 1;

    rc = hv_http_output_filter(r, out);

    return rc == HV_AGAIN ? HV_OK : rc;
}
