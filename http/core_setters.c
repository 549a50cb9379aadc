/*
 * http/core_setters.c - the setters of http_core's directives that need
 * code of their own (the rest use the typed setters of core/conf_slots.c
 * straight from the table in core_module.c).  Configuration glue only:
 * what these directives do at run time lives in core_module.c ("return",
 * "add_header"), map_path.c (root, alias) and modules/index.c.
 */
#include "http/http_core_internal.h"


static char *hv_http_core_root_template(
    hv_conf_t *cf, hv_http_core_loc_conf_t *clcf, const hv_str_t *path);


/*
 * "root PATH" and "alias PATH" share a setter: a block has one or the
 * other.  root loses its trailing '/' (the URI brings one); alias keeps
 * what it was given, since it replaces the location's prefix exactly.
 */
char *
hv_http_core_root(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts;
    hv_str_t path;
    bool alias;

    alias = (cmd->name[0] == 'a');

    if (clcf->root.data != NULL || clcf->alias_set) {
        if ((clcf->alias_set != 0) == alias) {
            return "is duplicate";
        }
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "\"%s\" directive is duplicate, \"%s\" directive was specified "
            "earlier",
            cmd->name, alias ? "root" : "alias");
        return HV_CONF_ERROR;
    }

    if (value[1].len == 0 || memchr(value[1].data, '\0', value[1].len)) {
        return "has an invalid path";
    }

    path = value[1];
    if (hv_conf_full_name(cf->cycle, &path, false) != HV_OK) {
        return HV_CONF_ERROR;
    }


    if (alias) {
        clcf->alias = path;
        clcf->alias_set = 1;
        clcf->alias_len = (clcf->match >= HV_HTTP_LOC_REGEX)
                              ? HV_HTTP_ALIAS_WHOLE
                              : clcf->name.len;
        return hv_http_core_root_template(cf, clcf, &path);
    }

    while (path.len > 0 && path.data[path.len - 1] == '/') {
        path.len--;
    }
    path.data[path.len] = '\0';
    clcf->root = path;

    return hv_http_core_root_template(cf, clcf, &path);
}


/* With variables ("root /srv/$host", "alias /d/$1") the path is built
 * per request by hv_http_map_uri_to_path(). */
static char *
hv_http_core_root_template(
    hv_conf_t *cf, hv_http_core_loc_conf_t *clcf, const hv_str_t *path)
{
    if (memchr(path->data, '$', path->len) == NULL) {
        return HV_CONF_OK;
    }

    clcf->root_tpl = hv_http_template_compile(cf, path);

    return clcf->root_tpl != NULL ? HV_CONF_OK : HV_CONF_ERROR;
}


char *
hv_http_core_index(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts, *name;
    hv_uint_t i;

    (void) cmd;

    if (clcf->index == NULL) {
        clcf->index =
            hv_array_create(cf->pool, cf->args->nelts, sizeof(hv_str_t));
        if (clcf->index == NULL) {
            return HV_CONF_ERROR;
        }
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "index \"\" in \"index\" directive is invalid");
            return HV_CONF_ERROR;
        }

        /* "/index.php" is a URI, tried without a check: only the last */
        if (value[i].data[0] == '/' && i != cf->args->nelts - 1) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "only the last index in \"index\" directive should be "
                "absolute");
            return HV_CONF_ERROR;
        }

        name = hv_array_push(clcf->index);
        if (name == NULL) {
            return HV_CONF_ERROR;
        }
        *name = value[i];
    }

    return HV_CONF_OK;
}


/* "keepalive_timeout TIME [HEADER_TIME]" */
char *
hv_http_core_keepalive_timeout(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts;
    int64_t n;

    (void) cmd;

    if (clcf->keepalive_timeout != HV_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    n = hv_conf_parse_msec(&value[1]);
    if (n == HV_ERROR) {
        return "has an invalid time value";
    }
    clcf->keepalive_timeout = (hv_msec_t) n;

    if (cf->args->nelts == 3) {
        n = hv_conf_parse_msec(&value[2]);
        if (n == HV_ERROR) {
            return "has an invalid header time value";
        }
        clcf->keepalive_header = (time_t) (n / 1000);
    }

    return HV_CONF_OK;
}


/* Only browsers of 2006 needed it; accepted so that nginx files load. */
char *
hv_http_core_keepalive_disable(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_uint_t i;

    (void) cmd;
    (void) conf;

    for (i = 1; i < cf->args->nelts; i++) {
        if (!hv_str_eq_cstr(&value[i], "none") &&
            !hv_str_eq_cstr(&value[i], "msie6") &&
            !hv_str_eq_cstr(&value[i], "safari")) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid value \"%.*s\" in \"keepalive_disable\" directive",
                (int) value[i].len, value[i].data);
            return HV_CONF_ERROR;
        }
    }

    return HV_CONF_OK;
}


/* "large_client_header_buffers NUMBER SIZE" */
char *
hv_http_core_large_buffers(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_srv_conf_t *cscf = conf;
    hv_str_t *value = cf->args->elts;
    int64_t num, size;

    (void) cmd;

    if (cscf->large_client_header_buffers_num != HV_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    num = hv_atoi(value[1].data, value[1].len, 1024);
    if (num == HV_ERROR || num == 0) {
        return "has an invalid number of buffers";
    }

    size = hv_conf_parse_size(&value[2]);
    if (size == HV_ERROR || size == 0 || size > 1024 * 1024) {
        return "has an invalid buffer size";
    }

    cscf->large_client_header_buffers_num = (hv_uint_t) num;
    cscf->large_client_header_buffers_size = (size_t) size;

    return HV_CONF_OK;
}


char *
hv_http_core_max_body(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts;
    int64_t n;

    (void) cmd;

    if (clcf->client_max_body_size != HV_CONF_UNSET) {
        return "is duplicate";
    }

    n = hv_conf_parse_size(&value[1]);
    if (n == HV_ERROR) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid value \"%.*s\" in \"client_max_body_size\" directive, "
            "it must be a size such as 512, 16k or 1m",
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    clcf->client_max_body_size = (off_t) n;

    return HV_CONF_OK;
}


/* A status the directives accept: 3 digits, as nginx checks. */
static hv_int_t
hv_http_core_status(const hv_str_t *s, hv_int_t low, hv_int_t high)
{
    int64_t n;

    n = hv_atoi(s->data, s->len, high);
    if (n == HV_ERROR || n < low) {
        return HV_ERROR;
    }

    return (hv_int_t) n;
}


/* "error_page CODE ... [=[CODE]] URI", stored for the engine. */
char *
hv_http_core_error_page(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts, *uri;
    hv_http_err_page_t *ep;
    hv_uint_t i, last;
    hv_int_t overwrite, code;

    (void) cmd;

    if (clcf->error_pages == NULL) {
        clcf->error_pages =
            hv_array_create(cf->pool, 4, sizeof(hv_http_err_page_t));
        if (clcf->error_pages == NULL) {
            return HV_CONF_ERROR;
        }
    }

    last = cf->args->nelts - 1;
    uri = &value[last];
    overwrite = -1;

    if (value[last - 1].len > 0 && value[last - 1].data[0] == '=') {
        if (value[last - 1].len == 1) {
            overwrite = 0;
        } else {
            hv_str_t v = { value[last - 1].len - 1, value[last - 1].data + 1 };

            overwrite = hv_http_core_status(&v, 200, 599);
            if (overwrite == HV_ERROR) {
                goto invalid;
            }
        }
        last--;
    }

    if (last < 2) {
        return "has no status code";
    }

    for (i = 1; i < last; i++) {
        code = hv_http_core_status(&value[i], 300, 599);
        if (code == HV_ERROR) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "value \"%.*s\" must be between 300 and 599",
                (int) value[i].len, value[i].data);
            return HV_CONF_ERROR;
        }

        ep = hv_array_push(clcf->error_pages);
        if (ep == NULL) {
            return HV_CONF_ERROR;
        }
        ep->status = (hv_uint_t) code;
        ep->overwrite = overwrite;
        ep->uri = *uri;
    }

    return HV_CONF_OK;

invalid:
    hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid value \"%.*s\"",
        (int) value[last - 1].len, value[last - 1].data);
    return HV_CONF_ERROR;
}


/* "add_header NAME VALUE [always]" */
char *
hv_http_core_add_header(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts;
    hv_http_add_header_t *h;

    (void) cmd;

    if (cf->args->nelts == 4 && !hv_str_eq_cstr(&value[3], "always")) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
            (int) value[3].len, value[3].data);
        return HV_CONF_ERROR;
    }

    if (clcf->headers == NULL) {
        clcf->headers =
            hv_array_create(cf->pool, 4, sizeof(hv_http_add_header_t));
        if (clcf->headers == NULL) {
            return HV_CONF_ERROR;
        }
    }

    h = hv_array_push(clcf->headers);
    if (h == NULL) {
        return HV_CONF_ERROR;
    }

    h->key = value[1];
    h->value = value[2];
    h->always = (cf->args->nelts == 4);
    h->tpl = hv_http_template_compile(cf, &value[2]);
    if (h->tpl == NULL) {
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


/*
 * "return CODE [TEXT|URL]" or "return URL" (302).  The codes nginx
 * accepts: 0..999; 444 closes the connection without a response.
 */
char *
hv_http_core_return(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts;
    hv_int_t code;

    (void) cmd;

    if (clcf->return_code != -1) {
        return "is duplicate";
    }

    if (cf->args->nelts == 2 &&
        (hv_strncasecmp(value[1].data, (unsigned char *) "http://", 7) == 0 ||
            hv_strncasecmp(value[1].data, (unsigned char *) "https://", 8) ==
                0) &&
        value[1].len > 7) {
        clcf->return_code = 302;
        clcf->return_text = value[1];
        goto compile;
    }

    code = hv_http_core_status(&value[1], 0, 999);
    if (code == HV_ERROR) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid return code \"%.*s\"",
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    clcf->return_code = code;
    if (cf->args->nelts == 3) {
        clcf->return_text = value[2];
    }

compile:
    if (clcf->return_text.data != NULL) {
        clcf->return_tpl = hv_http_template_compile(cf, &clcf->return_text);
        if (clcf->return_tpl == NULL) {
            return HV_CONF_ERROR;
        }
    }

    return HV_CONF_OK;
}
