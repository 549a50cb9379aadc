/*
 * http/regex.c - PCRE2 for "location ~" and "server_name ~": compiling at
 * configuration time (JIT-compiled too with "pcre_jit on", when the
 * library has JIT), matching, and keeping a match's captures in the
 * request for templates ($1, $name).
 *
 * Workers are single threaded, so one match block per regex is reused by
 * every request instead of allocating one per match; the captures are
 * copied out as (pointer, length) pairs into the subject before the next
 * match can overwrite the block.
 */
#include "http/variables_internal.h"

#if (HV_HAVE_PCRE2)
#include <pcre2.h>
#endif


/* Captures a template can name: $0..$9. */
#define HV_HTTP_MAX_CAPTURES 10


#if (HV_HAVE_PCRE2)

/* A named group: its name (NUL-terminated, in the cycle pool) and number. */
typedef struct {
    hv_str_t name;
    hv_uint_t number;
} hv_http_regex_group_name_t;

typedef struct {
    pcre2_code *code;
    pcre2_match_data *md;
    hv_http_regex_group_name_t *names;
    hv_uint_t nnames;
} hv_http_regex_t;


static void
hv_http_regex_free(void *data)
{
    hv_http_regex_t *re = data;

    pcre2_match_data_free(re->md);
    pcre2_code_free(re->code);
}


/* Keeps the named groups of re and makes their names variables. */
static int
hv_http_regex_names(hv_conf_t *cf, hv_http_regex_t *re)
{
    PCRE2_SPTR table;
    uint32_t count, size, i;
    const unsigned char *entry;

    if (pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
        count == 0) {
        return HV_OK;
    }

    if (pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &size) != 0 ||
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table) != 0) {
        return HV_ERROR;
    }

    re->names = hv_palloc(cf->pool, count * sizeof(hv_http_regex_group_name_t));
    if (re->names == NULL) {
        return HV_ERROR;
    }

    /* an entry: the group number in two bytes, then the name and a NUL */
    for (i = 0; i < count; i++) {
        entry = table + (size_t) i * size;
        re->names[i].number = (hv_uint_t) ((entry[0] << 8) | entry[1]);
        re->names[i].name.data = (unsigned char *) entry + 2;
        re->names[i].name.len = strlen((const char *) entry + 2);
        if (hv_http_variables_add_capture(cf, entry + 2) != HV_OK) {
            return HV_ERROR;
        }
    }
    re->nnames = count;

    return HV_OK;
}


void *
hv_http_regex_compile(hv_conf_t *cf, const hv_str_t *pattern, bool caseless)
{
    PCRE2_UCHAR msg[256];
    hv_pool_cleanup_t *cln;
    hv_http_regex_t *re;
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_regex_t **slot;
    PCRE2_SIZE off;
    int err;

    re = hv_pcalloc(cf->pool, sizeof(hv_http_regex_t));
    if (re == NULL) {
        return NULL;
    }

    if (cmcf->regexes == NULL) {
        cmcf->regexes = hv_array_create(cf->pool, 4, sizeof(hv_http_regex_t *));
        if (cmcf->regexes == NULL) {
            return NULL;
        }
    }

    re->code = pcre2_compile((PCRE2_SPTR) pattern->data, pattern->len,
        caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
    if (re->code == NULL) {
        (void) pcre2_get_error_message(err, msg, sizeof(msg));
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "pcre2_compile() failed: %s in \"%.*s\" at \"%s\"", (char *) msg,
            (int) pattern->len, pattern->data,
            (char *) pattern->data + hv_min(off, pattern->len));
        return NULL;
    }

    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    cln = hv_pool_cleanup_add(cf->pool, hv_http_regex_free, re);
    if (re->md == NULL || cln == NULL) {
        pcre2_match_data_free(re->md);
        pcre2_code_free(re->code);
        return NULL;
    }

    slot = hv_array_push(cmcf->regexes);
    if (slot == NULL || hv_http_regex_names(cf, re) != HV_OK) {
        return NULL;
    }
    *slot = re;

    return re;
}


int
hv_http_regex_init_module(hv_cycle_t *cycle)
{
    hv_http_core_main_conf_t *cmcf = cycle->conf[HV_MODULE_http_core];
    hv_http_regex_t **re;
    hv_uint_t i;
    int rc;

    if (cmcf == NULL || cmcf->regexes == NULL ||
        !hv_core_conf(cycle)->pcre_jit) {
        return HV_OK;
    }

    re = cmcf->regexes->elts;
    for (i = 0; i < cmcf->regexes->nelts; i++) {
        /* JIT is an optimisation: without it every regex still matches */
        rc = pcre2_jit_compile(re[i]->code, PCRE2_JIT_COMPLETE);
        if (rc != 0) {
            hv_log_error(HV_LOG_WARN, cycle->log, 0,
                "pcre2_jit_compile() failed: %d, \"pcre_jit\" ignored", rc);
            return HV_OK;
        }
    }

    return HV_OK;
}


/* 0: no match; > 0: the number of groups set (the whole match too). */
static int
hv_http_regex_run(hv_http_regex_t *re, const hv_str_t *subject, hv_log_t *log)
{
    int rc;

    rc = pcre2_match(
        re->code, (PCRE2_SPTR) subject->data, subject->len, 0, 0, re->md, NULL);
    if (rc > 0) {
        return rc;
    }

    if (rc != PCRE2_ERROR_NOMATCH) {
        hv_log_error(HV_LOG_ERR, log, 0, "pcre2_match() failed: %d on \"%.*s\"",
            rc, (int) subject->len, subject->data);
    }

    return 0;
}


bool
hv_http_regex_match(void *code, const hv_str_t *subject, hv_log_t *log)
{
    return hv_http_regex_run(code, subject, log) > 0;
}


/* The ovector pair i as a string; an unset group is empty. */
static void
hv_http_regex_group(
    PCRE2_SIZE *ov, hv_uint_t i, const hv_str_t *subject, hv_str_t *out)
{
    if (ov[2 * i] == PCRE2_UNSET) {
        out->data = NULL;
        out->len = 0;
        return;
    }

    out->data = subject->data + ov[2 * i];
    out->len = ov[2 * i + 1] - ov[2 * i];
}


static int
hv_http_regex_keep_names(
    hv_http_request_t *r, hv_http_regex_t *re, const hv_str_t *subject)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
    hv_keyval_t *kv;
    hv_uint_t i;

    if (r->named_captures == NULL) {
        r->named_captures = hv_array_create(r->pool, 2, sizeof(hv_keyval_t));
        if (r->named_captures == NULL) {
            return HV_ERROR;
        }
    }

    for (i = 0; i < re->nnames; i++) {
        kv = hv_array_push(r->named_captures);
        if (kv == NULL) {
            return HV_ERROR;
        }
        kv->key = re->names[i].name;
        hv_http_regex_group(ov, re->names[i].number, subject, &kv->value);
    }

    return HV_OK;
}


bool
hv_http_regex_exec(hv_http_request_t *r, void *code, const hv_str_t *subject)
{
    hv_http_regex_t *re = code;
    PCRE2_SIZE *ov;
    hv_uint_t i, n;
    int rc;

    rc = hv_http_regex_run(re, subject, &r->connection->log);
    if (rc == 0) {
        return false;
    }

    if (r->captures == NULL) {
        r->captures =
            hv_palloc(r->pool, HV_HTTP_MAX_CAPTURES * sizeof(hv_str_t));
    }

    /* out of memory: the match stands, the captures read as empty */
    r->ncaptures = 0;
    if (r->captures == NULL) {
        return true;
    }

    ov = pcre2_get_ovector_pointer(re->md);
    n = hv_min((hv_uint_t) rc, (hv_uint_t) HV_HTTP_MAX_CAPTURES);
    for (i = 0; i < n; i++) {
        hv_http_regex_group(ov, i, subject, &r->captures[i]);
    }
    r->ncaptures = n;

    if (re->nnames > 0 && hv_http_regex_keep_names(r, re, subject) != HV_OK) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, 0,
            "no memory for the named captures");
    }

    return true;
}

#else

int
hv_http_regex_init_module(hv_cycle_t *cycle)
{
    (void) cycle;

    return HV_OK; /* "pcre_jit" has no regex to compile */
}


void *
hv_http_regex_compile(hv_conf_t *cf, const hv_str_t *pattern, bool caseless)
{
    (void) caseless;

    hv_conf_log_error(HV_LOG_EMERG, cf, 0,
        "using regex \"%.*s\" requires PCRE2 (hive was configured "
        "--without-pcre)",
        (int) pattern->len, pattern->data);
    return NULL;
}


bool
hv_http_regex_match(void *code, const hv_str_t *subject, hv_log_t *log)
{
    (void) code;
    (void) subject;
    (void) log;

    return false;
}


bool
hv_http_regex_exec(hv_http_request_t *r, void *code, const hv_str_t *subject)
{
    (void) r;
    (void) code;
    (void) subject;

    return false;
}

#endif
