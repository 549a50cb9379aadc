/*
 * modules/ssl/ssl_cache.c - session resumption: the session cache that
 * all workers share, and ticket keys from files.
 *
 * The cache ("ssl_session_cache shared:NAME:SIZE") is a shared zone cut
 * into fixed 512-byte slots, each holding one session in DER form.  A
 * session id hashes to a slot and the next few (HV_SSL_PROBES): a lookup
 * reads at most that many, and a new session replaces, among them, the
 * one with the same id, else a free or expired one, else the one that
 * expires first.  Fixed slots need no allocator and cannot fragment; a
 * session too big for a slot (a long client certificate chain) is simply
 * not cached.  One lock word guards the zone; it is only ever held for a
 * memcpy, so a worker that finds it taken yields and tries again.  The
 * zone keeps its contents across a reload (core/shmem.h), and so do the
 * sessions.
 *
 * Ticket keys ("ssl_session_ticket_key FILE", 80 bytes: a 16-byte name,
 * a 32-byte HMAC-SHA256 key, a 32-byte AES-256 key) let hive instances
 * that share the files resume each other's sessions: the first key
 * encrypts new tickets, all of them decrypt.
 */
#include "modules/ssl/ssl.h"

#include <sched.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>


#define HV_SSL_SLOT_SIZE 512
#define HV_SSL_PROBES 8
#define HV_SSL_TICKET_KEY_SIZE 80

typedef struct {
    int64_t expire; /* time(); 0: the slot is free */
    uint16_t id_len;
    uint16_t der_len;
    unsigned char id[SSL_MAX_SSL_SESSION_ID_LENGTH];
    unsigned char der[HV_SSL_SLOT_SIZE - 12 - SSL_MAX_SSL_SESSION_ID_LENGTH];
} hv_ssl_slot_t;

struct hv_ssl_cache_s {
    hv_shmtx_t lock;
    uint64_t nslots;
    hv_ssl_slot_t slots[];
};


static int hv_ssl_cache_init_zone(hv_shm_zone_t *zone, void *data_old);
static hv_ssl_cache_t *hv_ssl_cache_of(SSL *ssl);
static void hv_ssl_cache_lock(hv_ssl_cache_t *cache);
static hv_ssl_slot_t *hv_ssl_cache_find(hv_ssl_cache_t *cache,
    const unsigned char *id, unsigned int len, bool for_insert);
static int hv_ssl_new_session(SSL *ssl, SSL_SESSION *sess);
static SSL_SESSION *hv_ssl_get_session(
    SSL *ssl, const unsigned char *id, int len, int *copy);
static void hv_ssl_remove_session(SSL_CTX *ctx, SSL_SESSION *sess);
static int hv_ssl_ticket_key_cb(SSL *ssl, unsigned char *name,
    unsigned char *iv, EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc);


char *
hv_ssl_cache_zone(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf, const hv_str_t *value)
{
    const unsigned char *name, *colon;
    hv_str_t zname, size_text;
    int64_t size;

    if (value->len <= 7 || memcmp(value->data, "shared:", 7) != 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid session cache \"%.*s\" (off, none or shared:NAME:SIZE)",
            (int) value->len, value->data);
        return HV_CONF_ERROR;
    }

    name = value->data + 7;
    colon = memchr(name, ':', value->len - 7);
    if (colon == NULL || colon == name) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid session cache \"%.*s\" (shared:NAME:SIZE)",
            (int) value->len, value->data);
        return HV_CONF_ERROR;
    }

    zname.data = (unsigned char *) name;
    zname.len = (size_t) (colon - name);
    size_text.data = (unsigned char *) colon + 1;
    size_text.len = (size_t) (value->data + value->len - size_text.data);

    size = hv_conf_parse_size(&size_text);
    if (size == HV_ERROR || size < (int64_t) (HV_SSL_SLOT_SIZE * 16)) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid session cache size \"%.*s\" (at least %dk)",
            (int) size_text.len, size_text.data, HV_SSL_SLOT_SIZE * 16 / 1024);
        return HV_CONF_ERROR;
    }

    sscf->cache_zone =
        hv_shm_zone_add(cf, &zname, (size_t) size, &hv_ssl_module);
    if (sscf->cache_zone == NULL) {
        return HV_CONF_ERROR;
    }

    sscf->cache_zone->init = hv_ssl_cache_init_zone;

    return HV_CONF_OK;
}


/* In the master; a zone kept over a reload keeps its sessions. */
static int
hv_ssl_cache_init_zone(hv_shm_zone_t *zone, void *data_old)
{
    hv_ssl_cache_t *cache;

    if (data_old != NULL) {
        zone->data = data_old;
        return HV_OK;
    }

    cache = zone->shm.addr;
    cache->lock.lock = 0;
    cache->nslots =
        (zone->shm.size - sizeof(hv_ssl_cache_t)) / sizeof(hv_ssl_slot_t);
    zone->data = cache;

    return HV_OK;
}


int
hv_ssl_cache_init_ctx(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf)
{
    SSL_CTX *ctx = sscf->ctx;

    (void) cf;

    SSL_CTX_set_timeout(ctx, (long) sscf->session_timeout);

    if (!sscf->session_tickets) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    } else if (sscf->ticket_keys != NULL && sscf->ticket_keys->nelts > 0) {
        SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, hv_ssl_ticket_key_cb);
    }

    if (sscf->session_cache != HV_SSL_CACHE_SHARED) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

        /* TLS 1.3 would still send two tickets after every handshake,
         * each encrypted and written, that nothing can resume */
        if (!sscf->session_tickets) {
            SSL_CTX_set_num_tickets(ctx, 0);
        }

        return HV_OK;
    }

    /* OpenSSL's own per-process cache would hide the shared one */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER |
                                            SSL_SESS_CACHE_NO_INTERNAL |
                                            SSL_SESS_CACHE_NO_AUTO_CLEAR);
    SSL_CTX_sess_set_new_cb(ctx, hv_ssl_new_session);
    SSL_CTX_sess_set_get_cb(ctx, hv_ssl_get_session);
    SSL_CTX_sess_set_remove_cb(ctx, hv_ssl_remove_session);

    return HV_OK;
}


/*
 * The cache of the connection's server; OpenSSL keeps using the first
 * context's callbacks after SNI switched contexts, so a server without a
 * cache of its own falls back on its address's default server.
 */
static hv_ssl_cache_t *
hv_ssl_cache_of(SSL *ssl)
{
    hv_connection_t *c = SSL_get_app_data(ssl);
    hv_ssl_conn_t *sc = (c != NULL) ? c->ssl : NULL;
    hv_ssl_srv_conf_t *sscf;

    sscf = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

    if ((sscf == NULL || sscf->cache_zone == NULL) && sc != NULL) {
        sscf = sc->addr_conf->default_server->ctx_srv_conf[HV_MODULE_ssl];
    }

    if (sscf == NULL || sscf->cache_zone == NULL) {
        return NULL;
    }

    return sscf->cache_zone->data;
}


/*
 * Spins with sched_yield(): the holder only copies a slot.  A holder that
 * died with the lock (a crash mid-memcpy) is found by its pid and the
 * lock taken over, so one crash cannot stop every worker.
 */
static void
hv_ssl_cache_lock(hv_ssl_cache_t *cache)
{
    int64_t holder;
    hv_uint_t n;

    for (n = 1; !hv_shmtx_trylock(&cache->lock, hv_process.pid); n++) {
        if (n % 1024 == 0) {
            holder = cache->lock.lock;
            if (holder != 0 && kill((pid_t) holder, 0) == -1 &&
                errno == ESRCH) {
                (void) hv_shmtx_force_unlock(&cache->lock, (pid_t) holder);
            }
        }
        sched_yield();
    }
}


/* FNV-1a: the id is random already, this only spreads it over slots. */
static uint64_t
hv_ssl_id_hash(const unsigned char *id, unsigned int len)
{
    uint64_t h = 14695981039346656037ULL;
    unsigned int i;

    for (i = 0; i < len; i++) {
        h = (h ^ id[i]) * 1099511628211ULL;
    }

    return h;
}


/* Under the lock.  For a lookup, the live slot with the id or NULL; for
 * an insert, the slot to (over)write. */
static hv_ssl_slot_t *
hv_ssl_cache_find(hv_ssl_cache_t *cache, const unsigned char *id,
    unsigned int len, bool for_insert)
{
    hv_ssl_slot_t *s, *victim = NULL;
    int64_t now = (int64_t) time(NULL);
    uint64_t h;
    hv_uint_t i;

    h = hv_ssl_id_hash(id, len);

    for (i = 0; i < HV_SSL_PROBES; i++) {
        s = &cache->slots[(h + i) % cache->nslots];

        if (s->expire != 0 && s->id_len == len && memcmp(s->id, id, len) == 0) {
            return (for_insert || s->expire > now) ? s : NULL;
        }

        if (victim == NULL || victim->expire > s->expire) {
            victim = s;
        }
    }

    return for_insert ? victim : NULL;
}


static int
hv_ssl_new_session(SSL *ssl, SSL_SESSION *sess)
{
    unsigned char der[sizeof(((hv_ssl_slot_t *) 0)->der)], *p;
    hv_ssl_cache_t *cache = hv_ssl_cache_of(ssl);
    const unsigned char *id;
    hv_ssl_slot_t *s;
    unsigned int id_len;
    int len;

    len = i2d_SSL_SESSION(sess, NULL);
    if (cache == NULL || len <= 0 || (size_t) len > sizeof(der)) {
        return 0; /* too big for a slot: resumption falls back to tickets */
    }

    p = der;
    len = i2d_SSL_SESSION(sess, &p);
    id = SSL_SESSION_get_id(sess, &id_len);
    if (len <= 0 || id_len == 0 || id_len > SSL_MAX_SSL_SESSION_ID_LENGTH) {
        return 0;
    }

    hv_ssl_cache_lock(cache);
    s = hv_ssl_cache_find(cache, id, id_len, true);
    s->expire = (int64_t) time(NULL) + SSL_SESSION_get_timeout(sess);
    s->id_len = (uint16_t) id_len;
    s->der_len = (uint16_t) len;
    memcpy(s->id, id, id_len);
    memcpy(s->der, der, (size_t) len);
    (void) hv_shmtx_unlock(&cache->lock, hv_process.pid);

    return 0; /* OpenSSL keeps no reference for us */
}


static SSL_SESSION *
hv_ssl_get_session(SSL *ssl, const unsigned char *id, int len, int *copy)
{
    unsigned char der[sizeof(((hv_ssl_slot_t *) 0)->der)];
    hv_ssl_cache_t *cache = hv_ssl_cache_of(ssl);
    const unsigned char *p = der;
    hv_ssl_slot_t *s;
    size_t der_len = 0;

    *copy = 0;

    if (cache == NULL || len <= 0 || len > SSL_MAX_SSL_SESSION_ID_LENGTH) {
        return NULL;
    }

    hv_ssl_cache_lock(cache);
    s = hv_ssl_cache_find(cache, id, (unsigned int) len, false);
    if (s != NULL) {
        der_len = s->der_len;
        memcpy(der, s->der, der_len);
    }
    (void) hv_shmtx_unlock(&cache->lock, hv_process.pid);

    if (der_len == 0) {
        return NULL;
    }

    return d2i_SSL_SESSION(NULL, &p, (long) der_len);
}


static void
hv_ssl_remove_session(SSL_CTX *ctx, SSL_SESSION *sess)
{
    hv_ssl_srv_conf_t *sscf = SSL_CTX_get_app_data(ctx);
    const unsigned char *id;
    hv_ssl_cache_t *cache;
    unsigned int id_len;
    hv_ssl_slot_t *s;

    if (sscf == NULL || sscf->cache_zone == NULL) {
        return;
    }

    cache = sscf->cache_zone->data;
    id = SSL_SESSION_get_id(sess, &id_len);

    hv_ssl_cache_lock(cache);
    s = hv_ssl_cache_find(cache, id, id_len, false);
    if (s != NULL) {
        s->expire = 0;
    }
    (void) hv_shmtx_unlock(&cache->lock, hv_process.pid);
}


int
hv_ssl_ticket_keys_load(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf)
{
    unsigned char buf[HV_SSL_TICKET_KEY_SIZE + 1];
    hv_ssl_ticket_key_t *key;
    hv_ssl_path_t *files;
    hv_uint_t i;
    ssize_t n;
    int fd;

    if (sscf->ticket_key_files == NULL) {
        return HV_OK;
    }

    sscf->ticket_keys = hv_array_create(
        cf->pool, sscf->ticket_key_files->nelts, sizeof(hv_ssl_ticket_key_t));
    if (sscf->ticket_keys == NULL) {
        return HV_ERROR;
    }

    files = sscf->ticket_key_files->elts;

    for (i = 0; i < sscf->ticket_key_files->nelts; i++) {
        fd = open((const char *) files[i].name.data, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            hv_ssl_conf_error(cf, &files[i].where, errno,
                "open() \"%s\" failed", (const char *) files[i].name.data);
            return HV_ERROR;
        }
        n = read(fd, buf, sizeof(buf));
        (void) close(fd);

        if (n != HV_SSL_TICKET_KEY_SIZE) {
            hv_ssl_conf_error(cf, &files[i].where, (n == -1) ? errno : 0,
                "\"%s\" must be exactly %d bytes",
                (const char *) files[i].name.data, HV_SSL_TICKET_KEY_SIZE);
            return HV_ERROR;
        }

        key = hv_array_push(sscf->ticket_keys);
        if (key == NULL) {
            return HV_ERROR;
        }
        memcpy(key->name, buf, 16);
        memcpy(key->hmac_key, buf + 16, 32);
        memcpy(key->aes_key, buf + 48, 32);
        OPENSSL_cleanse(buf, sizeof(buf));
    }

    return HV_OK;
}


/*
 * OpenSSL asks for the key of a new ticket (enc 1: name, iv, cipher and
 * MAC to fill) or of a received one (enc 0: find it by name).  Returns 1
 * (go on), 2 (good, but issue a new ticket under the current key), 0 (an
 * unknown key: a full handshake) or -1 (an error).
 */
static int
hv_ssl_ticket_key_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, EVP_MAC_CTX *hctx, int enc)
{
    hv_ssl_srv_conf_t *sscf = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const EVP_CIPHER *cipher = EVP_aes_256_cbc();
    hv_ssl_ticket_key_t *keys, *key;
    OSSL_PARAM params[3];
    hv_uint_t i;

    if (sscf == NULL || sscf->ticket_keys == NULL ||
        sscf->ticket_keys->nelts == 0) {
        return 0;
    }

    keys = sscf->ticket_keys->elts;
    key = NULL;

    if (enc == 1) {
        key = &keys[0];
        memcpy(name, key->name, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1 ||
            EVP_EncryptInit_ex(ectx, cipher, NULL, key->aes_key, iv) != 1) {
            return -1;
        }
    } else {
        for (i = 0; i < sscf->ticket_keys->nelts; i++) {
            if (memcmp(name, keys[i].name, 16) == 0) {
                key = &keys[i];
                break;
            }
        }
        if (key == NULL) {
            return 0;
        }
        if (EVP_DecryptInit_ex(ectx, cipher, NULL, key->aes_key, iv) != 1) {
            return -1;
        }
    }

    params[0] = OSSL_PARAM_construct_octet_string(
        OSSL_MAC_PARAM_KEY, key->hmac_key, sizeof(key->hmac_key));
    params[1] = OSSL_PARAM_construct_utf8_string(
        OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();

    if (EVP_MAC_CTX_set_params(hctx, params) != 1) {
        return -1;
    }

    return (enc == 1 || key == &keys[0]) ? 1 : 2;
}
