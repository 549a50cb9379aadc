/*
 * http/location.c - the "location" block and the choice of a location for
 * a request (nginx's algorithm, so that a file written for nginx routes
 * the same way):
 *
 *   1. at one level, an "=" location equal to the URI wins at once;
 *   2. else the longest prefix location ("" or "^~") is remembered and
 *      its nested locations are searched the same way; a match found
 *      down there that is final (exact or regex) wins;
 *   3. else, unless the remembered prefix was "^~", the regex locations
 *      of this level are tried in file order and the first match wins
 *      (its nested locations are searched too);
 *   4. else the remembered prefix (or the level's own block) stays.
 *
 * Levels hold a handful of locations, so a linear scan beats building
 * nginx's static-location tree; the cost is one memcmp per location.
 */
#include "http/http_core_internal.h"


/* hv_http_find_in() results. */
#define HV_HTTP_LOC_NONE 0         /* nothing at this level */
#define HV_HTTP_LOC_PREFIX_FOUND 1 /* a prefix: regexes may still win */
#define HV_HTTP_LOC_FINAL 2        /* exact or regex: stop */


static char *hv_http_location_check(hv_conf_t *cf,
    hv_http_core_loc_conf_t *pclcf, hv_http_core_loc_conf_t *clcf);
static int hv_http_location_modifier(
    hv_conf_t *cf, hv_str_t *name, hv_uint_t *match);
static int hv_http_location_add(hv_conf_t *cf, hv_http_core_loc_conf_t *pclcf,
    hv_http_core_loc_conf_t *clcf);
static int hv_http_find_in(
    hv_http_request_t *r, hv_http_core_loc_conf_t *pclcf);
static bool hv_http_any_in(
    hv_http_core_loc_conf_t *clcf, hv_http_loc_conf_test_pt test);


/*
 * "location [=|^~|~|~*] PATTERN { }" (the modifier may also be glued to
 * the pattern: "=/x", "~*\.png$").  The block gets new loc objects; the
 * server's srv objects are shared.
 */
char *
hv_http_core_location(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *pclcf = conf, *clcf;
    hv_conf_ctx_t *ctx, *saved;
    hv_uint_t match, cmd_type;
    uint64_t digest;
    hv_str_t name;
    char *rv;

    (void) cmd;

    if (hv_http_location_modifier(cf, &name, &match) != HV_OK) {
        return HV_CONF_ERROR;
    }

    ctx = hv_pcalloc(cf->pool, sizeof(hv_conf_ctx_t));
    if (ctx == NULL) {
        return HV_CONF_ERROR;
    }

    ctx->main_conf = cf->ctx->main_conf;
    ctx->srv_conf = cf->ctx->srv_conf;
    ctx->loc_conf = hv_pcalloc(cf->pool, HV_MODULES_N * sizeof(void *));
    if (ctx->loc_conf == NULL) {
        return HV_CONF_ERROR;
    }

    if (hv_http_create_module_confs(cf, ctx, HV_HTTP_CREATE_LOC) != HV_OK) {
        return HV_CONF_ERROR;
    }

    clcf = ctx->loc_conf[HV_MODULE_http_core];
    clcf->name = name;
    clcf->match = match;
    clcf->loc_conf = ctx->loc_conf;

    if (match >= HV_HTTP_LOC_REGEX) {
        clcf->regex = hv_http_regex_compile(
            cf, &name, match == HV_HTTP_LOC_REGEX_CASELESS);
        if (clcf->regex == NULL) {
            return HV_CONF_ERROR;
        }
    }

    rv = hv_http_location_check(cf, pclcf, clcf);
    if (rv != HV_CONF_OK) {
        return rv;
    }

    if (hv_http_location_add(cf, pclcf, clcf) != HV_OK) {
        return HV_CONF_ERROR;
    }

    saved = cf->ctx;
    cmd_type = cf->cmd_type;
    cf->ctx = ctx;
    cf->cmd_type = HV_HTTP_LOC_CONF;
    digest = cf->digest; /* the reload summary's fingerprint */
    cf->digest = HV_CONF_DIGEST_INIT;

    rv = hv_conf_parse(cf, NULL);

    clcf->digest = cf->digest;
    cf->digest = digest;
    cf->ctx = saved;
    cf->cmd_type = cmd_type;

    return rv;
}


/* Appends clcf to its parent's nested locations, in file order. */
static int
hv_http_location_add(hv_conf_t *cf, hv_http_core_loc_conf_t *pclcf,
    hv_http_core_loc_conf_t *clcf)
{
    hv_http_core_loc_conf_t **clcfp;

    if (pclcf->locations == NULL) {
        pclcf->locations =
            hv_array_create(cf->pool, 4, sizeof(hv_http_core_loc_conf_t *));
        if (pclcf->locations == NULL) {
            return HV_ERROR;
        }
    }

    clcfp = hv_array_push(pclcf->locations);
    if (clcfp == NULL) {
        return HV_ERROR;
    }
    *clcfp = clcf;

    return HV_OK;
}


static int
hv_http_location_modifier(hv_conf_t *cf, hv_str_t *name, hv_uint_t *match)
{
    hv_str_t *value = cf->args->elts, mod;

    if (cf->args->nelts == 3) {
        mod = value[1];
        *name = value[2];
    } else {
        /* a modifier glued to the pattern: split it off */
        mod.data = value[1].data;
        mod.len = 0;
        if (value[1].len > 0 && value[1].data[0] == '=') {
            mod.len = 1;
        } else if (value[1].len > 1 && value[1].data[0] == '^' &&
                   value[1].data[1] == '~') {
            mod.len = 2;
        } else if (value[1].len > 0 && value[1].data[0] == '~') {
            mod.len = (value[1].len > 1 && value[1].data[1] == '*') ? 2 : 1;
        }
        name->data = value[1].data + mod.len;
        name->len = value[1].len - mod.len;
    }

    if (mod.len == 0 && cf->args->nelts == 2) {
        *match = HV_HTTP_LOC_PREFIX;
    } else if (hv_str_eq_cstr(&mod, "=")) {
        *match = HV_HTTP_LOC_EXACT;
    } else if (hv_str_eq_cstr(&mod, "^~")) {
        *match = HV_HTTP_LOC_NOREGEX;
    } else if (hv_str_eq_cstr(&mod, "~")) {
        *match = HV_HTTP_LOC_REGEX;
    } else if (hv_str_eq_cstr(&mod, "~*")) {
        *match = HV_HTTP_LOC_REGEX_CASELESS;
    } else {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid location modifier \"%.*s\"", (int) mod.len, mod.data);
        return HV_ERROR;
    }

    if (name->len == 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid location name \"\"");
        return HV_ERROR;
    }

    if (name->data[0] == '@') {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "named locations (\"%.*s\") are not supported yet", (int) name->len,
            name->data);
        return HV_ERROR;
    }

    return HV_OK;
}


/* nginx's rules for where a location may be nested, and duplicates. */
static char *
hv_http_location_check(hv_conf_t *cf, hv_http_core_loc_conf_t *pclcf,
    hv_http_core_loc_conf_t *clcf)
{
    hv_http_core_loc_conf_t **sib;
    hv_uint_t i;
    bool exact;

    if (pclcf->match == HV_HTTP_LOC_EXACT && pclcf->name.len > 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "location \"%.*s\" cannot be inside the exact location \"%.*s\"",
            (int) clcf->name.len, clcf->name.data, (int) pclcf->name.len,
            pclcf->name.data);
        return HV_CONF_ERROR;
    }

    /* a nested prefix must extend its parent's text, even a regex's
     * (nginx compares the bytes); a nested regex is free */
    if (pclcf->name.len > 0 && clcf->match < HV_HTTP_LOC_REGEX &&
        (clcf->name.len < pclcf->name.len ||
            memcmp(clcf->name.data, pclcf->name.data, pclcf->name.len) != 0)) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "location \"%.*s\" is outside location \"%.*s\"",
            (int) clcf->name.len, clcf->name.data, (int) pclcf->name.len,
            pclcf->name.data);
        return HV_CONF_ERROR;
    }

    if (pclcf->locations == NULL || clcf->match >= HV_HTTP_LOC_REGEX) {
        return HV_CONF_OK;
    }

    /* "/a" and "^~ /a" are the same place; "= /a" is another */
    exact = (clcf->match == HV_HTTP_LOC_EXACT);
    sib = pclcf->locations->elts;

    for (i = 0; i < pclcf->locations->nelts; i++) {
        if (sib[i]->match >= HV_HTTP_LOC_REGEX ||
            (sib[i]->match == HV_HTTP_LOC_EXACT) != exact ||
            !hv_str_eq(&sib[i]->name, &clcf->name)) {
            continue;
        }

        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "duplicate location \"%.*s\"",
            (int) clcf->name.len, clcf->name.data);
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


int
hv_http_find_location(hv_http_request_t *r)
{
    hv_http_core_srv_conf_t *cscf;
    hv_http_core_loc_conf_t *clcf;

    cscf = hv_http_core_srv(r);
    r->loc_conf = cscf->ctx_loc_conf;

    (void) hv_http_find_in(r, cscf->root_location);

    clcf = hv_http_core_loc(r);
    r->content_handler = clcf->handler;

    /* nginx applies these once the location is known */
    if (r->keepalive) {
        if (clcf->keepalive_timeout == 0) {
            r->keepalive = 0;
        } else if (r->connection->requests >= clcf->keepalive_requests) {
            r->keepalive = 0;
        } else if (clcf->keepalive_time != 0 &&
                   hv_current_msec - r->connection->start_msec >
                       clcf->keepalive_time) {
            r->keepalive = 0;
        }
    }

    return HV_OK;
}


/* One level of the search (see the top of the file). */
static int
hv_http_find_in(hv_http_request_t *r, hv_http_core_loc_conf_t *pclcf)
{
    hv_http_core_loc_conf_t **locs, *clcf, *best;
    hv_uint_t i, n;
    int rc;

    if (pclcf->locations == NULL) {
        return HV_HTTP_LOC_NONE;
    }

    locs = pclcf->locations->elts;
    n = pclcf->locations->nelts;
    best = NULL;

    for (i = 0; i < n; i++) {
        clcf = locs[i];

        if (clcf->match >= HV_HTTP_LOC_REGEX || r->uri.len < clcf->name.len ||
            memcmp(r->uri.data, clcf->name.data, clcf->name.len) != 0) {
            continue;
        }

        if (clcf->match == HV_HTTP_LOC_EXACT) {
            if (r->uri.len == clcf->name.len) {
                r->loc_conf = clcf->loc_conf;
                return HV_HTTP_LOC_FINAL;
            }
            continue;
        }

        if (best == NULL || clcf->name.len > best->name.len) {
            best = clcf;
        }
    }

    rc = HV_HTTP_LOC_NONE;

    if (best != NULL) {
        r->loc_conf = best->loc_conf;
        if (hv_http_find_in(r, best) == HV_HTTP_LOC_FINAL) {
            return HV_HTTP_LOC_FINAL;
        }
        if (best->match == HV_HTTP_LOC_NOREGEX) {
            return HV_HTTP_LOC_FINAL;
        }
        rc = HV_HTTP_LOC_PREFIX_FOUND;
    }

    for (i = 0; i < n; i++) {
        clcf = locs[i];

        if (clcf->match < HV_HTTP_LOC_REGEX ||
            !hv_http_regex_exec(r, clcf->regex, &r->uri)) {
            continue;
        }

        r->loc_conf = clcf->loc_conf;
        (void) hv_http_find_in(r, clcf);
        return HV_HTTP_LOC_FINAL;
    }

    return rc;
}


bool
hv_http_any_location(
    hv_http_core_main_conf_t *cmcf, hv_http_loc_conf_test_pt test)
{
    hv_http_core_srv_conf_t **cscfp = cmcf->servers.elts;
    hv_uint_t i;

    for (i = 0; i < cmcf->servers.nelts; i++) {
        if (hv_http_any_in(cscfp[i]->root_location, test)) {
            return true;
        }
    }

    return false;
}


/* clcf (a server's root_location, or a location) or one nested in it. */
static bool
hv_http_any_in(hv_http_core_loc_conf_t *clcf, hv_http_loc_conf_test_pt test)
{
    hv_http_core_loc_conf_t **sub;
    hv_uint_t i;

    if (test(clcf->loc_conf)) {
        return true;
    }

    if (clcf->locations == NULL) {
        return false;
    }

    sub = clcf->locations->elts;

    for (i = 0; i < clcf->locations->nelts; i++) {
        if (hv_http_any_in(sub[i], test)) {
            return true;
        }
    }

    return false;
}
