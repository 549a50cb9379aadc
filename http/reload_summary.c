/*
 * http/reload_summary.c - the one notice line a reload that applies
 * writes: "reload: servers +A -R ~C, locations +A -R ~C".
 *
 * A server is known by its names and listen addresses, a location by its
 * server, its parents and its match ("= /x", "~ re"); either is changed
 * when the text of its own block (includes expanded, nested locations
 * left out, whitespace and comments ignored) differs: the fingerprint
 * hv_conf_t.digest leaves in cscf/clcf->digest.  Cost: one pass over the
 * servers and locations of both configurations, then a pairing that is
 * quadratic in their number (10,000 locations: 10^8 integer compares,
 * once per reload, in the master).
 */
#include "http/http_core_internal.h"


#define HV_HTTP_FNV_PRIME 1099511628211ULL


typedef struct {
    uint64_t key;
    uint64_t digest;
    bool matched;
} hv_http_summary_item_t;

typedef struct {
    hv_array_t servers;   /* hv_http_summary_item_t */
    hv_array_t locations; /* hv_http_summary_item_t */
} hv_http_summary_side_t;

typedef struct {
    hv_uint_t added;
    hv_uint_t removed;
    hv_uint_t changed;
} hv_http_summary_count_t;


static int hv_http_summary_collect(
    hv_pool_t *pool, hv_http_core_main_conf_t *cmcf, hv_http_summary_side_t *s);
static uint64_t hv_http_summary_server_key(
    hv_http_core_main_conf_t *cmcf, hv_http_core_srv_conf_t *cscf);
static int hv_http_summary_locations(
    hv_array_t *items, hv_http_core_loc_conf_t *parent, uint64_t key);
static uint64_t hv_http_summary_fold(
    uint64_t h, const unsigned char *p, size_t len);
static void hv_http_summary_compare(
    hv_array_t *old, hv_array_t *new, hv_http_summary_count_t *count);


int
hv_http_reload_summary(hv_cycle_t *cycle)
{
    hv_http_summary_side_t old, new;
    hv_http_summary_count_t srv, loc;
    hv_cycle_t *prev = cycle->old_cycle;
    hv_pool_t *pool;
    int rc;

    /* start-up, -t and -s read a configuration but replace none */
    if (prev == NULL || prev->conf == NULL || cycle->test_config) {
        return HV_OK;
    }

    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, cycle->log);
    if (pool == NULL) {
        return HV_OK; /* the reload goes on without its summary */
    }

    rc = hv_http_summary_collect(pool, prev->conf[HV_MODULE_http_core], &old);
    if (rc == HV_OK) {
        rc = hv_http_summary_collect(
            pool, cycle->conf[HV_MODULE_http_core], &new);
    }

    if (rc == HV_OK) {
        hv_http_summary_compare(&old.servers, &new.servers, &srv);
        hv_http_summary_compare(&old.locations, &new.locations, &loc);

        hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
            "reload: servers +%lu -%lu ~%lu, locations +%lu -%lu ~%lu",
            (unsigned long) srv.added, (unsigned long) srv.removed,
            (unsigned long) srv.changed, (unsigned long) loc.added,
            (unsigned long) loc.removed, (unsigned long) loc.changed);
    }

    hv_pool_destroy(pool);
    return HV_OK;
}


/* The servers and locations of one configuration (none without http). */
static int
hv_http_summary_collect(
    hv_pool_t *pool, hv_http_core_main_conf_t *cmcf, hv_http_summary_side_t *s)
{
    hv_http_core_srv_conf_t **servers;
    hv_http_summary_item_t *item;
    hv_uint_t i;

    if (hv_array_init(&s->servers, pool, 8, sizeof(hv_http_summary_item_t)) !=
            HV_OK ||
        hv_array_init(
            &s->locations, pool, 16, sizeof(hv_http_summary_item_t)) != HV_OK) {
        return HV_ERROR;
    }

    if (cmcf == NULL) {
        return HV_OK;
    }

    servers = cmcf->servers.elts;
    for (i = 0; i < cmcf->servers.nelts; i++) {
        item = hv_array_push(&s->servers);
        if (item == NULL) {
            return HV_ERROR;
        }
        item->key = hv_http_summary_server_key(cmcf, servers[i]);
        item->digest = servers[i]->digest;
        item->matched = false;

        if (hv_http_summary_locations(
                &s->locations, servers[i]->root_location, item->key) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/* The names (plain and ~regex) and the listen addresses, in order. */
static uint64_t
hv_http_summary_server_key(
    hv_http_core_main_conf_t *cmcf, hv_http_core_srv_conf_t *cscf)
{
    hv_http_conf_addr_t *addrs = cmcf->ports.elts;
    hv_http_core_srv_conf_t **srv;
    hv_http_regex_name_t *rn;
    hv_str_t *names;
    hv_uint_t i, j;
    uint64_t h;

    h = HV_CONF_DIGEST_INIT;

    names = cscf->server_names.elts;
    for (i = 0; i < cscf->server_names.nelts; i++) {
        h = hv_http_summary_fold(h, names[i].data, names[i].len);
    }

    if (cscf->regex_names != NULL) {
        rn = cscf->regex_names->elts;
        for (i = 0; i < cscf->regex_names->nelts; i++) {
            h = hv_http_summary_fold(h, rn[i].name.data, rn[i].name.len);
        }
    }

    for (i = 0; i < cmcf->ports.nelts; i++) {
        srv = addrs[i].servers.elts;
        for (j = 0; j < addrs[i].servers.nelts; j++) {
            if (srv[j] == cscf) {
                h = hv_http_summary_fold(h,
                    (const unsigned char *) addrs[i].text,
                    strlen(addrs[i].text));
                break;
            }
        }
    }

    return h;
}


/* Every location under parent, depth first, keyed under key. */
static int
hv_http_summary_locations(
    hv_array_t *items, hv_http_core_loc_conf_t *parent, uint64_t key)
{
    hv_http_core_loc_conf_t **locs;
    hv_http_summary_item_t *item;
    unsigned char match;
    hv_uint_t i;
    uint64_t k;

    if (parent == NULL || parent->locations == NULL) {
        return HV_OK;
    }

    locs = parent->locations->elts;
    for (i = 0; i < parent->locations->nelts; i++) {
        match = (unsigned char) locs[i]->match;
        k = hv_http_summary_fold(key, &match, 1);
        k = hv_http_summary_fold(k, locs[i]->name.data, locs[i]->name.len);

        item = hv_array_push(items);
        if (item == NULL) {
            return HV_ERROR;
        }
        item->key = k;
        item->digest = locs[i]->digest;
        item->matched = false;

        if (hv_http_summary_locations(items, locs[i], k) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/* FNV-1a of p, then a NUL, so that "ab","c" and "a","bc" differ. */
static uint64_t
hv_http_summary_fold(uint64_t h, const unsigned char *p, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ p[i]) * HV_HTTP_FNV_PRIME;
    }

    return h * HV_HTTP_FNV_PRIME;
}


/*
 * Pairs each new item with an unpaired old one of the same key (two
 * servers may share names and addresses: they pair in file order); a new
 * item without a partner was added, an old one left over was removed.
 */
static void
hv_http_summary_compare(
    hv_array_t *old, hv_array_t *new, hv_http_summary_count_t *count)
{
    hv_http_summary_item_t *o = old->elts, *n = new->elts;
    hv_uint_t i, j;

    count->added = 0;
    count->removed = 0;
    count->changed = 0;

    for (i = 0; i < new->nelts; i++) {
        for (j = 0; j < old->nelts; j++) {
            if (!o[j].matched && o[j].key == n[i].key) {
                break;
            }
        }

        if (j == old->nelts) {
            count->added++;
            continue;
        }

        o[j].matched = true;
        if (o[j].digest != n[i].digest) {
            count->changed++;
        }
    }

    for (j = 0; j < old->nelts; j++) {
        if (!o[j].matched) {
            count->removed++;
        }
    }
}
