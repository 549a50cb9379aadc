/*
 * modules/try_files.c - "try_files FILE ... URI|=CODE" (server and
 * location): a PRECONTENT handler that checks the files in order and
 * serves the first that exists (a name ending in '/' asks for a
 * directory), else redirects internally to the last argument or answers
 * =CODE.
 *
 * A found name becomes r->uri and the request goes on to CONTENT in the
 * same location, as in nginx: no new location lookup, so a location whose
 * try_files finds a file cannot loop.  Names are mapped under root/alias
 * by hv_http_map_uri_to_path(), with its safety checks.
 *
 * Only $uri and $args are expanded, in hv_try_files_expand(), until the
 * variable layer serves every module.
 */
#include "http/http.h"


typedef struct {
    hv_array_t *args; /* hv_str_t: the files, then the fallback */
} hv_try_files_loc_conf_t;


static int hv_try_files_postconfiguration(hv_conf_t *cf);
static void *hv_try_files_create_loc_conf(hv_conf_t *cf);
static char *hv_try_files_merge_loc_conf(
    hv_conf_t *cf, void *parent, void *child);
static char *hv_try_files(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_try_files_handler(hv_http_request_t *r);


static const hv_command_t hv_try_files_commands[] = {
    { "try_files", HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_2MORE,
        hv_try_files, HV_CONF_LOC, 0, NULL, "—" },
    hv_null_command
};

static const hv_http_module_t hv_try_files_module_ctx = {
    .postconfiguration = hv_try_files_postconfiguration,
    .create_loc_conf = hv_try_files_create_loc_conf,
    .merge_loc_conf = hv_try_files_merge_loc_conf,
};

const hv_module_t hv_try_files_module = {
    .name = "try_files",
    .index = HV_MODULE_try_files,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_try_files_module_ctx,
    .commands = hv_try_files_commands,
};


/* "try_files" is set here. */
static bool
hv_try_files_used(void **loc_conf)
{
    hv_try_files_loc_conf_t *tlcf = loc_conf[HV_MODULE_try_files];

    return tlcf->args != NULL;
}


/*
 * Joins the PRECONTENT phase only when some location has "try_files":
 * elsewhere the handler only declines (~43 instructions a request,
 * callgrind /pid).
 */
static int
hv_try_files_postconfiguration(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);

    if (!hv_http_any_location(cmcf, hv_try_files_used)) {
        return HV_OK;
    }

    return hv_http_add_phase_handler(
        cf, HV_HTTP_PRECONTENT_PHASE, hv_try_files_handler);
}


static void *
hv_try_files_create_loc_conf(hv_conf_t *cf)
{
    return hv_pcalloc(cf->pool, sizeof(hv_try_files_loc_conf_t));
}


static char *
hv_try_files_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_try_files_loc_conf_t *prev = parent, *conf = child;

    (void) cf;

    if (conf->args == NULL) {
        conf->args = prev->args;
    }

    return HV_CONF_OK;
}


static char *
hv_try_files(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_try_files_loc_conf_t *tlcf = conf;
    hv_str_t *value = cf->args->elts, *last;
    int64_t code;

    (void) cmd;

    if (tlcf->args != NULL) {
        return "is duplicate";
    }

    last = &value[cf->args->nelts - 1];
    if (last->len > 0 && last->data[0] == '=') {
        code = hv_atoi(last->data + 1, last->len - 1, 999);
        if (code < 100) {
            return "has an invalid =CODE";
        }
    } else if (last->len == 0 ||
               (last->data[0] != '/' && last->data[0] != '$')) {
        return "needs a URI or =CODE as its last argument";
    }

    tlcf->args =
        hv_array_create(cf->pool, cf->args->nelts - 1, sizeof(hv_str_t));
    if (tlcf->args == NULL) {
        return HV_CONF_ERROR;
    }

    if (hv_array_push_n(tlcf->args, cf->args->nelts - 1) == NULL) {
        return HV_CONF_ERROR;
    }
    memcpy(
        tlcf->args->elts, value + 1, (cf->args->nelts - 1) * sizeof(hv_str_t));

    return HV_CONF_OK;
}


/* text with $uri and $args replaced; the rest is copied as written. */
static int
hv_try_files_expand(hv_http_request_t *r, const hv_str_t *text, hv_str_t *out)
{
    const unsigned char *p, *end;
    unsigned char *q;
    size_t len;

    len = text->len;
    for (p = text->data, end = p + text->len; p < end; p++) {
        if (*p == '$') {
            len += r->uri.len + r->args.len;
        }
    }

    out->data = hv_pnalloc(r->pool, len);
    if (out->data == NULL) {
        return HV_ERROR;
    }

    q = out->data;
    for (p = text->data; p < end; p++) {
        if (*p == '$' && end - p >= 4 && memcmp(p, "$uri", 4) == 0) {
            q = hv_cpymem(q, r->uri.data, r->uri.len);
            p += 3;
        } else if (*p == '$' && end - p >= 5 && memcmp(p, "$args", 5) == 0) {
            q = hv_cpymem(q, r->args.data, r->args.len);
            p += 4;
        } else {
            *q++ = *p;
        }
    }
    out->len = (size_t) (q - out->data);

    return HV_OK;
}


/* true when name (a URI) maps to a file, or a directory for "dir/". */
static int
hv_try_files_exists(hv_http_request_t *r, const hv_str_t *name)
{
    hv_str_t saved, path;
    struct stat st;
    bool dir;
    int rc;

    if (name->len == 0 || name->data[0] != '/' ||
        memchr(name->data, '\0', name->len) != NULL) {
        return HV_DECLINED;
    }

    saved = r->uri;
    r->uri = *name;
    rc = hv_http_map_uri_to_path(r, &path, 0);
    r->uri = saved;

    if (rc != HV_OK) {
        return rc;
    }

    if (stat((char *) path.data, &st) == -1) {
        return HV_DECLINED;
    }

    dir = (name->data[name->len - 1] == '/');

    return (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)) ? HV_OK
                                                             : HV_DECLINED;
}


static int
hv_try_files_handler(hv_http_request_t *r)
{
    hv_try_files_loc_conf_t *tlcf = hv_http_loc_conf(r, try_files);
    hv_str_t *arg, name, args;
    unsigned char *q;
    hv_uint_t i, n;
    int rc;

    if (tlcf->args == NULL) {
        return HV_DECLINED;
    }

    arg = tlcf->args->elts;
    n = tlcf->args->nelts;

    for (i = 0; i + 1 < n; i++) {
        if (hv_try_files_expand(r, &arg[i], &name) != HV_OK) {
            return 500;
        }

        rc = hv_try_files_exists(r, &name);
        if (rc == HV_ERROR) {
            return 500;
        }
        if (rc == HV_OK) {
            r->uri = name;
            hv_http_set_exten(r);
            return HV_OK;
        }
    }

    if (arg[n - 1].data[0] == '=') {
        return (int) hv_atoi(arg[n - 1].data + 1, arg[n - 1].len - 1, 999);
    }

    if (hv_try_files_expand(r, &arg[n - 1], &name) != HV_OK) {
        return 500;
    }

    args = r->args;
    q = memchr(name.data, '?', name.len);
    if (q != NULL) {
        args.data = q + 1;
        args.len = name.len - (size_t) (q + 1 - name.data);
        name.len = (size_t) (q - name.data);
    }

    /* the redirect took a reference; a PRECONTENT checker does not drop
     * it for us as CONTENT's does */
    rc = (int) hv_http_internal_redirect(r, &name, &args);
    if (rc != HV_DONE) {
        return rc;
    }

    hv_http_finalize_request(r, HV_DONE);

    return HV_DONE;
}
