/*
 * http/phase.c - the phase engine: runs a request through POST_READ ..
 * CONTENT after its header was read, restarts it after an internal
 * redirect, and runs the LOG handlers when it ends.
 *
 * After postconfiguration every phase's handlers are flattened into one
 * array of (checker, handler, next) entries, so running a request is a
 * loop over an index (r->phase_handler) with no per-request allocation;
 * the checker of an entry knows its phase's rules (see core_module.h) and
 * moves the index on.  A handler that has to wait (HV_AGAIN, HV_DONE)
 * leaves the index where it is and calls hv_http_handler() again later.
 */
#include "http/http_core_internal.h"


static int hv_http_generic_checker(
    hv_http_request_t *r, hv_http_phase_handler_t *ph);
static int hv_http_find_config_checker(
    hv_http_request_t *r, hv_http_phase_handler_t *ph);
static int hv_http_rewrite_checker(
    hv_http_request_t *r, hv_http_phase_handler_t *ph);
static int hv_http_content_checker(
    hv_http_request_t *r, hv_http_phase_handler_t *ph);
static void hv_http_no_content(hv_http_request_t *r);


int
hv_http_init_phase_engine(hv_conf_t *cf, hv_http_core_main_conf_t *cmcf)
{
    hv_http_phase_handler_t *ph;
    hv_http_phase_checker_pt checker;
    hv_http_handler_pt *h;
    hv_uint_t i, j, n, first;

    /* one entry per handler, FIND_CONFIG's own, one spare for CONTENT
     * without handlers, and the NULL end */
    n = 3;
    for (i = 0; i < HV_HTTP_LOG_PHASE; i++) {
        n += cmcf->phases[i].nelts;
    }

    ph = hv_pcalloc(cf->pool, n * sizeof(hv_http_phase_handler_t));
    if (ph == NULL) {
        return HV_ERROR;
    }

    cmcf->phase_engine = ph;
    n = 0;

    for (i = 0; i < HV_HTTP_LOG_PHASE; i++) {
        h = cmcf->phases[i].elts;
        first = n;

        switch (i) {
            case HV_HTTP_FIND_CONFIG_PHASE:
                cmcf->find_config_index = n;
                ph[n++].checker = hv_http_find_config_checker;
                continue;

            case HV_HTTP_REWRITE_PHASE:
                checker = hv_http_rewrite_checker;
                break;

            case HV_HTTP_CONTENT_PHASE:
                checker = hv_http_content_checker;
                /* r->content_handler needs an entry to run from */
                if (cmcf->phases[i].nelts == 0) {
                    ph[n++].checker = checker;
                }
                break;

            default:
                checker = hv_http_generic_checker;
                break;
        }

        for (j = 0; j < cmcf->phases[i].nelts; j++) {
            ph[n].checker = checker;
            ph[n].handler = h[j];
            n++;
        }

        for (j = first; j < n; j++) {
            ph[j].next = n;
        }
    }

    return HV_OK;
}


void
hv_http_handler(hv_http_request_t *r)
{
    hv_http_core_main_conf_t *cmcf = hv_http_core_main(r);
    hv_http_phase_handler_t *ph = cmcf->phase_engine;

    if (!r->internal && r->uri_changes == 0) {
        r->uri_changes = HV_HTTP_MAX_URI_CHANGES + 1;
    }

    while (ph[r->phase_handler].checker != NULL) {
        if (ph[r->phase_handler].checker(r, &ph[r->phase_handler]) == HV_OK) {
            return;
        }
    }
}


/* POST_READ, ACCESS, PRECONTENT. */
static int
hv_http_generic_checker(hv_http_request_t *r, hv_http_phase_handler_t *ph)
{
    int rc;

    rc = ph->handler(r);

    if (rc == HV_OK) {
        r->phase_handler = (hv_int_t) ph->next;
        return HV_AGAIN;
    }

    if (rc == HV_DECLINED) {
        r->phase_handler++;
        return HV_AGAIN;
    }

    if (rc == HV_AGAIN || rc == HV_DONE) {
        return HV_OK;
    }

    hv_http_finalize_request(r, rc);
    return HV_OK;
}


static int
hv_http_find_config_checker(hv_http_request_t *r, hv_http_phase_handler_t *ph)
{
    hv_http_core_loc_conf_t *clcf;
    hv_int_t rc;

    (void) ph;

    r->content_handler = NULL;
    r->uri_changed = 0;

    if (hv_http_find_location(r) != HV_OK) {
        hv_http_finalize_request(r, 500);
        return HV_OK;
    }

    clcf = hv_http_core_loc(r);

    /* once: the error_page for this 413 must not meet it again */
    if (clcf->client_max_body_size != 0 && !r->discard_body &&
        r->headers_in.content_length_n > clcf->client_max_body_size) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "client intended to send too large body: %lld bytes",
            (long long) r->headers_in.content_length_n);
        r->keepalive = 0;
        r->discard_body = 1;
        hv_http_finalize_request(r, 413);
        return HV_OK;
    }

    r->phase_handler++;

    /* no handler consumes a body yet: it is read away before any of them
     * answers, so that its errors are the answer */
    rc = hv_http_read_body_first(r);

    if (rc == HV_OK) {
        return HV_AGAIN;
    }

    if (rc != HV_AGAIN) {
        hv_http_finalize_request(r, rc);
    }

    return HV_OK;
}


/* REWRITE: HV_OK from a handler is a finished response, not "next". */
static int
hv_http_rewrite_checker(hv_http_request_t *r, hv_http_phase_handler_t *ph)
{
    int rc;

    rc = ph->handler(r);

    if (rc == HV_DECLINED) {
        r->phase_handler++;
        return HV_AGAIN;
    }

    if (rc == HV_DONE || rc == HV_AGAIN) {
        return HV_OK;
    }

    hv_http_finalize_request(r, rc);
    return HV_OK;
}


static int
hv_http_content_checker(hv_http_request_t *r, hv_http_phase_handler_t *ph)
{
    int rc;

    if (r->content_handler != NULL) {
        hv_http_finalize_request(r, r->content_handler(r));
        return HV_OK;
    }

    rc = (ph->handler != NULL) ? ph->handler(r) : HV_DECLINED;

    if (rc != HV_DECLINED) {
        hv_http_finalize_request(r, rc);
        return HV_OK;
    }

    /* more content handlers to ask? */
    if (ph[1].checker == hv_http_content_checker) {
        r->phase_handler++;
        return HV_AGAIN;
    }

    hv_http_no_content(r);
    return HV_OK;
}


/*
 * Every content handler declined: nginx's answers, 403 for a directory
 * (no index file, no autoindex) and 404 for anything else.
 */
static void
hv_http_no_content(hv_http_request_t *r)
{
    hv_str_t path;

    if (r->uri.len == 0 || r->uri.data[r->uri.len - 1] != '/') {
        hv_http_finalize_request(r, 404);
        return;
    }

    if (hv_http_map_uri_to_path(r, &path, 0) == HV_OK) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "directory index of \"%s\" is forbidden", (char *) path.data);
    }

    hv_http_finalize_request(r, 403);
}


/*
 * Takes a reference on the request (the caller returns HV_DONE, whose
 * finalize drops it), so that the nested run may complete and finalize
 * the request without freeing it under the caller's feet.
 */
hv_int_t
hv_http_internal_redirect(
    hv_http_request_t *r, const hv_str_t *uri, const hv_str_t *args)
{
    hv_http_core_main_conf_t *cmcf;
    hv_http_core_srv_conf_t *cscf;

    if (!r->internal && r->uri_changes == 0) {
        r->uri_changes = HV_HTTP_MAX_URI_CHANGES + 1;
    }

    r->uri_changes--;

    if (r->uri_changes == 0) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "rewrite or internal redirection cycle while internally "
            "redirecting to \"%.*s\"",
            (int) uri->len, uri->data);
        return 500;
    }

    r->uri = *uri;
    if (args != NULL) {
        r->args = *args;
    } else {
        r->args.len = 0;
        r->args.data = NULL;
    }
    hv_http_set_exten(r);

    /* back to the server level: the location is looked up again */
    cscf = hv_http_core_srv(r);
    r->loc_conf = cscf->ctx_loc_conf;
    memset(r->ctx, 0, HV_MODULES_N * sizeof(void *));

    r->internal = 1;
    r->content_handler = NULL;
    r->uri_changed = 0;

    cmcf = hv_http_core_main(r);
    r->phase_handler = (hv_int_t) cmcf->find_config_index;

    r->count++;
    hv_http_handler(r);

    return HV_DONE;
}


void
hv_http_log_request(hv_http_request_t *r)
{
    hv_http_core_main_conf_t *cmcf;
    hv_http_handler_pt *h;
    hv_uint_t i;

    if (r->logged || r->main_conf == NULL) {
        return;
    }

    r->logged = 1;

    cmcf = hv_http_core_main(r);
    h = cmcf->phases[HV_HTTP_LOG_PHASE].elts;

    for (i = 0; i < cmcf->phases[HV_HTTP_LOG_PHASE].nelts; i++) {
        (void) h[i](r);
    }
}


int
hv_http_add_phase_handler(
    hv_conf_t *cf, hv_http_phase_t phase, hv_http_handler_pt handler)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_handler_pt *h;

    h = hv_array_push(&cmcf->phases[phase]);
    if (h == NULL) {
        return HV_ERROR;
    }
    *h = handler;

    return HV_OK;
}
