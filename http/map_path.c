/*
 * http/map_path.c - from r->uri to a file name under root or alias.
 *
 * The URI is already decoded and free of dot segments (the engine runs
 * hv_http_parse_path() before any module sees it), so root + URI cannot
 * climb out of root.  alias is the one case where the join itself can
 * make a dot segment: "location /i { alias /data/w/; }" with "/i../x"
 * would give "/data/w/../x" (nginx's famous misconfiguration).  hive
 * refuses such a path instead of serving what is outside the alias.
 */
#include "http/http_core_internal.h"


/* true when the segment around p[at] in path is "." or "..". */
static bool
hv_http_junction_is_dot(const unsigned char *p, size_t len, size_t at)
{
    size_t start, end;

    start = at;
    while (start > 0 && p[start - 1] != '/') {
        start--;
    }

    end = at;
    while (end < len && p[end] != '/') {
        end++;
    }

    return (end - start == 1 && p[start] == '.') ||
           (end - start == 2 && p[start] == '.' && p[start + 1] == '.');
}


/*
 * A root or alias with variables, for this request.  Variables bring
 * client bytes ($1 of the URI, $host): a value that makes a "." or ".."
 * segment, or a NUL, would let the client choose the directory, so such
 * a path is refused (HV_DECLINED, logged at info) rather than served.
 */
static int
hv_http_map_template(
    hv_http_request_t *r, hv_http_core_loc_conf_t *clcf, hv_str_t *out)
{
    size_t i;

    if (hv_http_template_eval(r, clcf->root_tpl, 0, out) != HV_OK) {
        return HV_ERROR;
    }

    for (i = 0; i < out->len; i++) {
        if (out->data[i] == '\0' ||
            (out->data[i] == '.' &&
                hv_http_junction_is_dot(out->data, out->len, i))) {
            hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
                "\"%.*s\" made from \"%.*s\" is not a clean path",
                (int) out->len, out->data, (int) clcf->root_tpl->source.len,
                clcf->root_tpl->source.data);
            return HV_DECLINED;
        }
    }

    /* root loses its trailing '/' as the static one did */
    while (!clcf->alias_set && out->len > 1 && out->data[out->len - 1] == '/') {
        out->len--;
    }

    return HV_OK;
}


int
hv_http_map_uri_to_path(hv_http_request_t *r, hv_str_t *path, size_t reserve)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    const hv_str_t *base;
    hv_str_t tail, built;
    unsigned char *p;
    size_t skip;
    int rc;

    tail = r->uri;

    if (clcf->root_tpl != NULL) {
        rc = hv_http_map_template(r, clcf, &built);
        if (rc != HV_OK) {
            return rc;
        }
        base = &built;
    } else if (clcf->alias_set) {
        base = &clcf->alias;
    } else {
        base = &clcf->root;
    }

    if (clcf->alias_set) {
        skip = (clcf->alias_len == HV_HTTP_ALIAS_WHOLE)
                   ? r->uri.len
                   : hv_min(clcf->alias_len, r->uri.len);
        tail.data += skip;
        tail.len -= skip;
    }

    p = hv_pnalloc(r->pool, base->len + tail.len + reserve + 1);
    if (p == NULL) {
        return HV_ERROR;
    }

    path->data = p;
    p = hv_cpymem(p, base->data, base->len);
    p = hv_cpymem(p, tail.data, tail.len);
    *p = '\0';
    path->len = (size_t) (p - path->data);

    if (clcf->alias_set && base->len > 0 && tail.len > 0 &&
        hv_http_junction_is_dot(path->data, path->len, base->len)) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0,
            "URI \"%.*s\" would leave alias \"%.*s\"", (int) r->uri.len,
            r->uri.data, (int) base->len, base->data);
        return HV_DECLINED;
    }

    return HV_OK;
}
