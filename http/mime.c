/*
 * http/mime.c - "types { TYPE EXT ...; }" and the content type of a
 * response.
 *
 * The list (clcf->types) is what the configuration said; for the lookup
 * every distinct list gets a small open-addressing hash keyed by the
 * lower-cased extension, built once at merge time and shared by every
 * block that inherits the list.  A lookup costs one hash of the
 * extension and usually one comparison, against ~100 for a scan of
 * mime.types.
 */
#include "http/http_core_internal.h"


typedef struct {
    hv_str_t exten; /* lower case; len 0: empty slot */
    hv_str_t *type;
} hv_http_type_slot_t;

struct hv_http_types_hash_s {
    hv_http_type_slot_t *slots;
    hv_uint_t mask; /* slots - 1, a power of two minus 1 */
};


static char *hv_http_types_statement(hv_conf_t *cf, void *data);
static int hv_http_types_default(hv_conf_t *cf, hv_http_core_loc_conf_t *clcf);
static struct hv_http_types_hash_s *hv_http_types_hash(
    hv_conf_t *cf, hv_array_t *types);


/* nginx's built-in list, for an http block without "types". */
static const char *const hv_http_default_types[][2] = {
    { "html", "text/html" },
    { "gif", "image/gif" },
    { "jpg", "image/jpeg" },
};


/* FNV-1a over the lower-cased bytes. */
static uint32_t
hv_http_types_key(const unsigned char *p, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (uint32_t) hv_tolower(p[i]);
        h *= 16777619u;
    }

    return h;
}


char *
hv_http_core_types(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_conf_handler_pt handler;
    void *data;
    char *rv;

    (void) cmd;

    /* a second "types" block in one context adds to the first */
    if (clcf->types == NULL) {
        clcf->types = hv_array_create(cf->pool, 64, sizeof(hv_keyval_t));
        if (clcf->types == NULL) {
            return HV_CONF_ERROR;
        }
    }

    handler = cf->handler;
    data = cf->handler_data;
    cf->handler = hv_http_types_statement;
    cf->handler_data = clcf;

    rv = hv_conf_parse(cf, NULL);

    cf->handler = handler;
    cf->handler_data = data;

    return rv;
}


/* "TYPE EXT EXT ...;": a later extension replaces an earlier one. */
static char *
hv_http_types_statement(hv_conf_t *cf, void *data)
{
    hv_http_core_loc_conf_t *clcf = data;
    hv_str_t *value = cf->args->elts, exten;
    hv_keyval_t *kv;
    hv_uint_t i, j;

    for (i = 1; i < cf->args->nelts; i++) {
        exten.len = value[i].len;
        exten.data = hv_pstrdup(cf->pool, value[i].data, value[i].len);
        if (exten.data == NULL) {
            return HV_CONF_ERROR;
        }
        hv_strlow(exten.data, exten.data, exten.len);

        kv = clcf->types->elts;
        for (j = 0; j < clcf->types->nelts; j++) {
            if (hv_str_eq(&kv[j].key, &exten)) {
                break;
            }
        }

        if (j < clcf->types->nelts) {
            hv_conf_log_error(HV_LOG_WARN, cf, 0,
                "duplicate extension \"%.*s\", content type: \"%.*s\", "
                "previous content type: \"%.*s\"",
                (int) exten.len, exten.data, (int) value[0].len, value[0].data,
                (int) kv[j].value.len, kv[j].value.data);
            kv[j].value = value[0];
            continue;
        }

        kv = hv_array_push(clcf->types);
        if (kv == NULL) {
            return HV_CONF_ERROR;
        }
        kv->key = exten;
        kv->value = value[0];
    }

    return HV_CONF_OK;
}


int
hv_http_types_merge(
    hv_conf_t *cf, hv_http_core_loc_conf_t *prev, hv_http_core_loc_conf_t *conf)
{
    if (conf->types == NULL) {
        if (prev->types == NULL && hv_http_types_default(cf, prev) != HV_OK) {
            return HV_ERROR;
        }

        if (prev->types_hash == NULL) {
            prev->types_hash = hv_http_types_hash(cf, prev->types);
            if (prev->types_hash == NULL) {
                return HV_ERROR;
            }
        }

        conf->types = prev->types;
        conf->types_hash = prev->types_hash;
        return HV_OK;
    }

    if (conf->types_hash == NULL) {
        conf->types_hash = hv_http_types_hash(cf, conf->types);
        if (conf->types_hash == NULL) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


static int
hv_http_types_default(hv_conf_t *cf, hv_http_core_loc_conf_t *clcf)
{
    hv_keyval_t *kv;
    hv_uint_t i;

    clcf->types = hv_array_create(
        cf->pool, hv_nelems(hv_http_default_types), sizeof(hv_keyval_t));
    if (clcf->types == NULL) {
        return HV_ERROR;
    }

    for (i = 0; i < hv_nelems(hv_http_default_types); i++) {
        kv = hv_array_push(clcf->types);
        if (kv == NULL) {
            return HV_ERROR;
        }
        kv->key.data = (unsigned char *) hv_http_default_types[i][0];
        kv->key.len = strlen(hv_http_default_types[i][0]);
        kv->value.data = (unsigned char *) hv_http_default_types[i][1];
        kv->value.len = strlen(hv_http_default_types[i][1]);
    }

    return HV_OK;
}


/* At most half full, so that probe chains stay short. */
static struct hv_http_types_hash_s *
hv_http_types_hash(hv_conf_t *cf, hv_array_t *types)
{
    struct hv_http_types_hash_s *hash;
    hv_http_type_slot_t *slot;
    hv_keyval_t *kv;
    hv_uint_t i, size, k;

    size = 8;
    while (size < types->nelts * 2) {
        size *= 2;
    }

    hash = hv_palloc(cf->pool, sizeof(*hash));
    if (hash == NULL) {
        return NULL;
    }

    hash->slots = hv_pcalloc(cf->pool, size * sizeof(hv_http_type_slot_t));
    if (hash->slots == NULL) {
        return NULL;
    }
    hash->mask = size - 1;

    kv = types->elts;
    for (i = 0; i < types->nelts; i++) {
        if (kv[i].key.len == 0) {
            continue;
        }

        k = hv_http_types_key(kv[i].key.data, kv[i].key.len) & hash->mask;
        for (;;) {
            slot = &hash->slots[k];
            if (slot->exten.len == 0) {
                slot->exten = kv[i].key;
                slot->type = &kv[i].value;
                break;
            }
            k = (k + 1) & hash->mask;
        }
    }

    return hash;
}


const hv_str_t *
hv_http_find_type(hv_http_core_loc_conf_t *clcf, const hv_str_t *exten)
{
    struct hv_http_types_hash_s *hash = clcf->types_hash;
    hv_http_type_slot_t *slot;
    hv_uint_t k;

    if (hash == NULL || exten->len == 0) {
        return NULL;
    }

    k = hv_http_types_key(exten->data, exten->len) & hash->mask;

    for (;;) {
        slot = &hash->slots[k];
        if (slot->exten.len == 0) {
            return NULL;
        }
        if (slot->exten.len == exten->len &&
            hv_strncasecmp(slot->exten.data, exten->data, exten->len) == 0) {
            return slot->type;
        }
        k = (k + 1) & hash->mask;
    }
}


void
hv_http_set_content_type(hv_http_request_t *r)
{
    hv_http_core_loc_conf_t *clcf;
    const hv_str_t *type;

    if (r->headers_out.content_type.len > 0) {
        return;
    }

    clcf = hv_http_core_loc(r);

    type = hv_http_find_type(clcf, &r->exten);
    r->headers_out.content_type = (type != NULL) ? *type : clcf->default_type;

    /* now, so that multipart/byteranges parts carry it too */
    hv_http_set_charset(r);
}


void
hv_http_set_charset(hv_http_request_t *r)
{
    /* nginx's default charset_types, and the type mime.types gives .js */
    static const char *const text[] = { "text/html", "text/xml", "text/plain",
        "text/vnd.wap.wml", "application/javascript", "application/rss+xml",
        "text/javascript" };
    hv_http_core_loc_conf_t *clcf;
    hv_str_t type;
    hv_uint_t i;

    clcf = hv_http_core_loc(r);
    type = r->headers_out.content_type;

    if (clcf->charset.len == 0 || r->headers_out.charset.len > 0 ||
        type.len == 0) {
        return;
    }

    /* a type that names its own parameters keeps them */
    if (memchr(type.data, ';', type.len) != NULL) {
        return;
    }

    for (i = 0; i < hv_nelems(text); i++) {
        if (hv_str_caseeq_cstr(&type, text[i])) {
            r->headers_out.charset = clcf->charset;
            return;
        }
    }
}
