/*
 * modules/ssl/ssl_conf.c - the ssl module's directives and the SSL_CTX of
 * every server (STYLE 3: configuration glue here, runtime in ssl.c).
 *
 *     server {
 *         listen 443 ssl;
 *         ssl_certificate     ecdsa.pem;   # several pairs: one per type
 *         ssl_certificate_key ecdsa.key;
 *         ssl_certificate     rsa.pem;
 *         ssl_certificate_key rsa.key;
 *         ssl_protocols TLSv1.2 TLSv1.3;
 *         ssl_session_cache shared:SSL:1m;
 *     }
 *
 * Every file is read while the configuration is built, in the master: a
 * missing file, a bad key or a key that does not match its certificate
 * fails "hive -t" and a reload (the running workers keep the old
 * configuration) with the FILE:LINE of the directive that named it.
 */
#include "modules/ssl/ssl.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>


static int hv_ssl_postconfiguration(hv_conf_t *cf);
static void *hv_ssl_create_srv_conf(hv_conf_t *cf);
static char *hv_ssl_merge_srv_conf(hv_conf_t *cf, void *parent, void *child);
static int hv_ssl_init_module(hv_cycle_t *cycle);
static char *hv_ssl_path(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_ssl_dhparam(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_ssl_path_set(hv_conf_t *cf, hv_ssl_path_t *path);
static char *hv_ssl_protocols(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_ssl_conf_command(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_ssl_session_cache(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_ssl_create_ctx(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf);
static int hv_ssl_load_pair(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf,
    const hv_ssl_path_t *cert, const hv_ssl_path_t *key, EVP_MD_CTX *sid);
static int hv_ssl_apply_settings(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf);
static int hv_ssl_keep_tls13_suites(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf);
static int hv_ssl_passphrase(char *buf, int size, int rwflag, void *u);
static void hv_ssl_ctx_cleanup(void *data);


#define HV_SSL_SRV (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF)

static const hv_command_t hv_ssl_commands[] = {
    { "ssl_certificate", HV_SSL_SRV | HV_CONF_TAKE1, hv_ssl_path, HV_CONF_SRV,
        offsetof(hv_ssl_srv_conf_t, certificates), NULL, "—" },
    { "ssl_certificate_key", HV_SSL_SRV | HV_CONF_TAKE1, hv_ssl_path,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, certificate_keys), NULL, "—" },
    { "ssl_protocols", HV_SSL_SRV | HV_CONF_1MORE, hv_ssl_protocols,
        HV_CONF_SRV, 0, NULL, "TLSv1.2 TLSv1.3" },
    { "ssl_ciphers", HV_SSL_SRV | HV_CONF_TAKE1, hv_conf_set_str_slot,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, ciphers), NULL,
        "HIGH:!aNULL:!MD5" },
    { "ssl_prefer_server_ciphers", HV_SSL_SRV | HV_CONF_FLAG,
        hv_conf_set_flag_slot, HV_CONF_SRV,
        offsetof(hv_ssl_srv_conf_t, prefer_server_ciphers), NULL, "off" },
    { "ssl_conf_command", HV_SSL_SRV | HV_CONF_TAKE2, hv_ssl_conf_command,
        HV_CONF_SRV, 0, NULL, "—" },
    { "ssl_dhparam", HV_SSL_SRV | HV_CONF_TAKE1, hv_ssl_dhparam, HV_CONF_SRV, 0,
        NULL, "—" },
    { "ssl_ecdh_curve", HV_SSL_SRV | HV_CONF_TAKE1, hv_conf_set_str_slot,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, ecdh_curve), NULL, "auto" },
    { "ssl_session_cache", HV_SSL_SRV | HV_CONF_TAKE1, hv_ssl_session_cache,
        HV_CONF_SRV, 0, NULL, "none" },
    { "ssl_session_timeout", HV_SSL_SRV | HV_CONF_TAKE1, hv_conf_set_sec_slot,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, session_timeout), NULL, "5m" },
    { "ssl_session_tickets", HV_SSL_SRV | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, session_tickets), NULL, "on" },
    { "ssl_session_ticket_key", HV_SSL_SRV | HV_CONF_TAKE1, hv_ssl_path,
        HV_CONF_SRV, offsetof(hv_ssl_srv_conf_t, ticket_key_files), NULL, "—" },
    hv_null_command
};

static const hv_http_module_t hv_ssl_module_ctx = {
    .preconfiguration = hv_ssl_add_variables,
    .postconfiguration = hv_ssl_postconfiguration,
    .create_srv_conf = hv_ssl_create_srv_conf,
    .merge_srv_conf = hv_ssl_merge_srv_conf,
};

const hv_module_t hv_ssl_module = {
    .name = "ssl",
    .index = HV_MODULE_ssl,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_ssl_module_ctx,
    .commands = hv_ssl_commands,
    .init_module = hv_ssl_init_module,
};

static const hv_conf_enum_t hv_ssl_protocol_names[] = {
    { "TLSv1", HV_SSL_TLSv1 }, { "TLSv1.1", HV_SSL_TLSv1_1 },
    { "TLSv1.2", HV_SSL_TLSv1_2 }, { "TLSv1.3", HV_SSL_TLSv1_3 }, { NULL, 0 }
};


/* The handshake hook: http/ knows no module, so the module tells it. */
static int
hv_ssl_postconfiguration(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);

    cmcf->ssl_handshake = hv_ssl_handshake;
    cmcf->ssl_server_name = hv_ssl_server_name;

    return HV_OK;
}


static void *
hv_ssl_create_srv_conf(hv_conf_t *cf)
{
    hv_ssl_srv_conf_t *sscf;

    sscf = hv_pcalloc(cf->pool, sizeof(hv_ssl_srv_conf_t));
    if (sscf == NULL) {
        return NULL;
    }

    /* arrays, strings and ctx are unset while NULL */
    sscf->protocols = HV_CONF_UNSET_UINT;
    sscf->prefer_server_ciphers = HV_CONF_UNSET;
    sscf->session_cache = HV_CONF_UNSET_UINT;
    sscf->session_timeout = HV_CONF_UNSET;
    sscf->session_tickets = HV_CONF_UNSET;

    return sscf;
}


static char *
hv_ssl_merge_srv_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_ssl_srv_conf_t *prev = parent, *conf = child;

    if (conf->certificates == NULL) {
        conf->certificates = prev->certificates;
    }
    if (conf->certificate_keys == NULL) {
        conf->certificate_keys = prev->certificate_keys;
    }
    if (conf->ticket_key_files == NULL) {
        conf->ticket_key_files = prev->ticket_key_files;
    }
    if (conf->conf_commands == NULL) {
        conf->conf_commands = prev->conf_commands;
    }
    hv_conf_merge_uint(
        &conf->protocols, prev->protocols, HV_SSL_TLSv1_2 | HV_SSL_TLSv1_3);
    hv_conf_merge_str(&conf->ciphers, &prev->ciphers, "HIGH:!aNULL:!MD5");
    hv_conf_merge_flag(
        &conf->prefer_server_ciphers, prev->prefer_server_ciphers, 0);
    if (conf->dhparam.name.data == NULL) {
        conf->dhparam = prev->dhparam;
    }
    hv_conf_merge_str(&conf->ecdh_curve, &prev->ecdh_curve, "auto");
    if (conf->session_cache == HV_CONF_UNSET_UINT) {
        conf->session_cache = (prev->session_cache == HV_CONF_UNSET_UINT)
                                  ? HV_SSL_CACHE_NONE
                                  : prev->session_cache;
        conf->cache_zone = prev->cache_zone;
    }
    if (conf->session_timeout == HV_CONF_UNSET) {
        conf->session_timeout = (prev->session_timeout == HV_CONF_UNSET)
                                    ? 300
                                    : prev->session_timeout;
    }
    hv_conf_merge_flag(&conf->session_tickets, prev->session_tickets, 1);

    if (conf->certificates == NULL) {
        return HV_CONF_OK; /* a server without TLS */
    }

    conf->certificate_where =
        ((hv_ssl_path_t *) conf->certificates->elts)->where;

    if (conf->certificate_keys == NULL ||
        conf->certificate_keys->nelts != conf->certificates->nelts) {
        hv_ssl_conf_error(cf, &conf->certificate_where, 0,
            "no \"ssl_certificate_key\" is defined for every "
            "\"ssl_certificate\"");
        return HV_CONF_ERROR;
    }

    return hv_ssl_create_ctx(cf, conf) == HV_OK ? HV_CONF_OK : HV_CONF_ERROR;
}


/* A TLS address needs a certificate in its default server, which a
 * client without SNI gets. */
static int
hv_ssl_check_addr(
    hv_cycle_t *cycle, hv_listening_t *ls, hv_http_addr_conf_t *ac)
{
    hv_http_core_srv_conf_t *cscf = ac->default_server;
    hv_ssl_srv_conf_t *sscf = cscf->ctx_srv_conf[HV_MODULE_ssl];

    if (!ac->ssl || sscf->ctx != NULL) {
        return HV_OK;
    }

    hv_log_error(HV_LOG_EMERG, cycle->log, 0,
        "no \"ssl_certificate\" is defined for the \"listen ... ssl\" of "
        "%s in the server block at %s:%lu",
        ls->addr_text, cscf->file, (unsigned long) cscf->line);

    return HV_ERROR;
}


/* Runs once the http block became listening sockets. */
static int
hv_ssl_init_module(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    hv_http_addr_conf_t *ac, **sp;
    hv_uint_t i, k;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].handler != hv_http_init_connection) {
            continue;
        }
        ac = ls[i].servers;
        if (hv_ssl_check_addr(cycle, &ls[i], ac) != HV_OK) {
            return HV_ERROR;
        }
        if (ac->specific == NULL) {
            continue;
        }
        sp = ac->specific->elts;
        for (k = 0; k < ac->specific->nelts; k++) {
            if (hv_ssl_check_addr(cycle, &ls[i], sp[k]) != HV_OK) {
                return HV_ERROR;
            }
        }
    }

    return HV_OK;
}


/* ssl_certificate, ssl_certificate_key, ssl_session_ticket_key: each
 * may repeat, and each file remembers its line for messages. */
static char *
hv_ssl_path(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_ssl_path_t *path;
    hv_array_t **a;

    a = (hv_array_t **) ((char *) conf + cmd->offset);

    if (*a == NULL) {
        *a = hv_array_create(cf->pool, 2, sizeof(hv_ssl_path_t));
        if (*a == NULL) {
            return HV_CONF_ERROR;
        }
    }

    path = hv_array_push(*a);
    if (path == NULL) {
        return HV_CONF_ERROR;
    }

    return hv_ssl_path_set(cf, path);
}


static char *
hv_ssl_dhparam(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_ssl_srv_conf_t *sscf = conf;

    (void) cmd;

    if (sscf->dhparam.name.data != NULL) {
        return "is duplicate";
    }

    return hv_ssl_path_set(cf, &sscf->dhparam);
}


/* The directive's file, resolved against the configuration's folder. */
static char *
hv_ssl_path_set(hv_conf_t *cf, hv_ssl_path_t *path)
{
    hv_str_t *value = cf->args->elts;

    path->name = value[1];
    path->where.file = (const char *) cf->lex->name.data;
    path->where.line = cf->lex->line;

    if (hv_conf_full_name(cf->cycle, &path->name, true) != HV_OK) {
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


static char *
hv_ssl_protocols(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_ssl_srv_conf_t *sscf = conf;
    hv_uint_t i, k;

    (void) cmd;

    if (sscf->protocols != HV_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    sscf->protocols = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        for (k = 0; hv_ssl_protocol_names[k].name != NULL; k++) {
            if (hv_str_eq_cstr(&value[i], hv_ssl_protocol_names[k].name)) {
                sscf->protocols |= hv_ssl_protocol_names[k].value;
                break;
            }
        }
        if (hv_ssl_protocol_names[k].name == NULL) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid value \"%.*s\" (TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)",
                (int) value[i].len, value[i].data);
            return HV_CONF_ERROR;
        }
    }

    return HV_CONF_OK;
}


static char *
hv_ssl_conf_command(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_ssl_srv_conf_t *sscf = conf;
    hv_keyval_t *kv;

    (void) cmd;

    if (sscf->conf_commands == NULL) {
        sscf->conf_commands = hv_array_create(cf->pool, 2, sizeof(hv_keyval_t));
        if (sscf->conf_commands == NULL) {
            return HV_CONF_ERROR;
        }
    }

    kv = hv_array_push(sscf->conf_commands);
    if (kv == NULL) {
        return HV_CONF_ERROR;
    }

    /* the lexer NUL-terminates every word: OpenSSL gets them as is */
    kv->key = value[1];
    kv->value = value[2];

    return HV_CONF_OK;
}


/* ssl_session_cache off | none | shared:NAME:SIZE */
static char *
hv_ssl_session_cache(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts;
    hv_ssl_srv_conf_t *sscf = conf;

    (void) cmd;

    if (sscf->session_cache != HV_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    if (hv_str_eq_cstr(&value[1], "off")) {
        sscf->session_cache = HV_SSL_CACHE_OFF;
        return HV_CONF_OK;
    }

    if (hv_str_eq_cstr(&value[1], "none")) {
        sscf->session_cache = HV_SSL_CACHE_NONE;
        return HV_CONF_OK;
    }

    sscf->session_cache = HV_SSL_CACHE_SHARED;

    return hv_ssl_cache_zone(cf, sscf, &value[1]);
}


static int
hv_ssl_create_ctx(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf)
{
    unsigned char sid[EVP_MAX_MD_SIZE];
    hv_ssl_path_t *certs, *keys;
    unsigned int sid_len;
    EVP_MD_CTX *md;
    hv_uint_t i;
    int rc;

    sscf->ctx = SSL_CTX_new(TLS_server_method());
    if (sscf->ctx == NULL ||
        hv_pool_cleanup_add(cf->pool, hv_ssl_ctx_cleanup, sscf->ctx) == NULL) {
        SSL_CTX_free(sscf->ctx);
        hv_ssl_conf_error(
            cf, &sscf->certificate_where, 0, "SSL_CTX_new() failed");
        return HV_ERROR;
    }

    SSL_CTX_set_app_data(sscf->ctx, sscf);

    /*
     * The session id context binds resumed sessions to the certificates
     * they were made with: a digest of them, the same in every worker
     * and in every hive instance that serves the same certificates.
     */
    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        hv_ssl_conf_error(
            cf, &sscf->certificate_where, 0, "EVP_DigestInit_ex() failed");
        return HV_ERROR;
    }

    certs = sscf->certificates->elts;
    keys = sscf->certificate_keys->elts;
    rc = HV_OK;

    for (i = 0; i < sscf->certificates->nelts && rc == HV_OK; i++) {
        rc = hv_ssl_load_pair(cf, sscf, &certs[i], &keys[i], md);
    }

    if (rc == HV_OK && (EVP_DigestFinal_ex(md, sid, &sid_len) != 1 ||
                           SSL_CTX_set_session_id_context(sscf->ctx, sid,
                               hv_min(sid_len, SSL_MAX_SID_CTX_LENGTH)) != 1)) {
        hv_ssl_conf_error(cf, &sscf->certificate_where, 0,
            "SSL_CTX_set_session_id_context() failed");
        rc = HV_ERROR;
    }

    EVP_MD_CTX_free(md);

    if (rc != HV_OK || hv_ssl_apply_settings(cf, sscf) != HV_OK ||
        hv_ssl_keep_tls13_suites(cf, sscf) != HV_OK ||
        hv_ssl_ticket_keys_load(cf, sscf) != HV_OK ||
        hv_ssl_cache_init_ctx(cf, sscf) != HV_OK) {
        return HV_ERROR;
    }

    return HV_OK;
}


/*
 * One certificate (with its chain) and its key.  Both are read here
 * rather than with SSL_CTX_use_*_file() so that a key of another type
 * than its certificate is refused, not silently put in another slot.
 */
static int
hv_ssl_load_pair(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf,
    const hv_ssl_path_t *cert, const hv_ssl_path_t *key, EVP_MD_CTX *sid)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len;
    EVP_PKEY *pkey = NULL;
    X509 *x509 = NULL, *chain;
    BIO *bio;
    int rc = HV_ERROR;

    bio = BIO_new_file((const char *) cert->name.data, "r");
    if (bio == NULL) {
        hv_ssl_conf_error(cf, &cert->where, errno,
            "cannot load certificate \"%s\"", (const char *) cert->name.data);
        return HV_ERROR;
    }

    x509 = PEM_read_bio_X509_AUX(bio, NULL, hv_ssl_passphrase, NULL);
    if (x509 == NULL || SSL_CTX_use_certificate(sscf->ctx, x509) != 1 ||
        X509_digest(x509, EVP_sha256(), md, &md_len) != 1 ||
        EVP_DigestUpdate(sid, md, md_len) != 1) {
        hv_ssl_conf_error(cf, &cert->where, 0, "cannot load certificate \"%s\"",
            (const char *) cert->name.data);
        goto failed;
    }

    /* the rest of the file is the chain, for this certificate's slot */
    while ((chain = PEM_read_bio_X509(bio, NULL, hv_ssl_passphrase, NULL)) !=
           NULL) {
        if (SSL_CTX_add0_chain_cert(sscf->ctx, chain) != 1) {
            X509_free(chain);
            hv_ssl_conf_error(cf, &cert->where, 0,
                "cannot add the chain of \"%s\"",
                (const char *) cert->name.data);
            goto failed;
        }
    }
    ERR_clear_error(); /* the end of the file */
    BIO_free(bio);

    bio = BIO_new_file((const char *) key->name.data, "r");
    if (bio == NULL) {
        hv_ssl_conf_error(cf, &key->where, errno,
            "cannot load certificate key \"%s\"",
            (const char *) key->name.data);
        goto failed;
    }

    pkey = PEM_read_bio_PrivateKey(bio, NULL, hv_ssl_passphrase, NULL);
    if (pkey == NULL) {
        hv_ssl_conf_error(cf, &key->where, 0,
            "cannot load certificate key \"%s\"",
            (const char *) key->name.data);
        goto failed;
    }

    if (X509_check_private_key(x509, pkey) != 1) {
        hv_ssl_conf_error(cf, &key->where, 0,
            "the key \"%s\" does not match the certificate \"%s\"",
            (const char *) key->name.data, (const char *) cert->name.data);
        goto failed;
    }

    if (SSL_CTX_use_PrivateKey(sscf->ctx, pkey) != 1) {
        hv_ssl_conf_error(cf, &key->where, 0,
            "SSL_CTX_use_PrivateKey(\"%s\") failed",
            (const char *) key->name.data);
        goto failed;
    }

    rc = HV_OK;

failed:
    BIO_free(bio);
    X509_free(x509);
    EVP_PKEY_free(pkey);
    return rc;
}


/* Protocols, ciphers, curves, DH parameters, ALPN, SNI, conf commands. */
static int
hv_ssl_apply_settings(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf)
{
    hv_ssl_where_t *where = &sscf->certificate_where;
    SSL_CTX *ctx = sscf->ctx;
    SSL_CONF_CTX *cctx;
    EVP_PKEY *dh;
    hv_keyval_t *kv;
    uint64_t off = 0;
    hv_uint_t i;
    BIO *bio;

    off |= (sscf->protocols & HV_SSL_TLSv1) ? 0 : SSL_OP_NO_TLSv1;
    off |= (sscf->protocols & HV_SSL_TLSv1_1) ? 0 : SSL_OP_NO_TLSv1_1;
    off |= (sscf->protocols & HV_SSL_TLSv1_2) ? 0 : SSL_OP_NO_TLSv1_2;
    off |= (sscf->protocols & HV_SSL_TLSv1_3) ? 0 : SSL_OP_NO_TLSv1_3;

    /*
     * Renegotiation is refused: OpenSSL 3 already ignores a client's
     * request unless SSL_OP_ALLOW_CLIENT_RENEGOTIATION, and this option
     * also stops the server from ever asking.
     */
    SSL_CTX_set_options(ctx, off | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (sscf->prefer_server_ciphers) {
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
                              SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* one read() takes what the socket holds, not a record header and
     * then its body: a keep-alive request costs two read() calls, not
     * three (strace on make bench's TLS keep-alive line) */
    SSL_CTX_set_read_ahead(ctx, 1);

    if (SSL_CTX_set_cipher_list(ctx, (const char *) sscf->ciphers.data) != 1) {
        hv_ssl_conf_error(cf, where, 0,
            "SSL_CTX_set_cipher_list(\"%s\") failed",
            (const char *) sscf->ciphers.data);
        return HV_ERROR;
    }

    if (!hv_str_eq_cstr(&sscf->ecdh_curve, "auto") &&
        SSL_CTX_set1_groups_list(ctx, (const char *) sscf->ecdh_curve.data) !=
            1) {
        hv_ssl_conf_error(cf, where, 0,
            "SSL_CTX_set1_groups_list(\"%s\") failed",
            (const char *) sscf->ecdh_curve.data);
        return HV_ERROR;
    }

    if (sscf->dhparam.name.data != NULL) {
        bio = BIO_new_file((const char *) sscf->dhparam.name.data, "r");
        if (bio == NULL) {
            hv_ssl_conf_error(cf, &sscf->dhparam.where, errno,
                "cannot load \"%s\"", (const char *) sscf->dhparam.name.data);
            return HV_ERROR;
        }
        dh = PEM_read_bio_Parameters(bio, NULL);
        BIO_free(bio);
        if (dh == NULL || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
            EVP_PKEY_free(dh);
            hv_ssl_conf_error(cf, &sscf->dhparam.where, 0,
                "cannot use DH parameters \"%s\"",
                (const char *) sscf->dhparam.name.data);
            return HV_ERROR;
        }
    }

    SSL_CTX_set_client_hello_cb(ctx, hv_ssl_client_hello, NULL);
    SSL_CTX_set_tlsext_servername_callback(ctx, hv_ssl_servername);
    SSL_CTX_set_alpn_select_cb(ctx, hv_ssl_alpn_select, NULL);

    if (sscf->conf_commands == NULL) {
        return HV_OK;
    }

    cctx = SSL_CONF_CTX_new();
    if (cctx == NULL) {
        hv_ssl_conf_error(cf, where, 0, "SSL_CONF_CTX_new() failed");
        return HV_ERROR;
    }
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER |
                                     SSL_CONF_FLAG_CERTIFICATE |
                                     SSL_CONF_FLAG_SHOW_ERRORS);
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);

    kv = sscf->conf_commands->elts;
    for (i = 0; i < sscf->conf_commands->nelts; i++) {
        if (SSL_CONF_cmd(cctx, (const char *) kv[i].key.data,
                (const char *) kv[i].value.data) <= 0) {
            hv_ssl_conf_error(cf, where, 0,
                "ssl_conf_command \"%s\" \"%s\" failed",
                (const char *) kv[i].key.data, (const char *) kv[i].value.data);
            SSL_CONF_CTX_free(cctx);
            return HV_ERROR;
        }
    }

    i = (SSL_CONF_CTX_finish(cctx) == 1);
    SSL_CONF_CTX_free(cctx);
    if (!i) {
        hv_ssl_conf_error(cf, where, 0, "SSL_CONF_CTX_finish() failed");
        return HV_ERROR;
    }

    return HV_OK;
}


/*
 * The TLS 1.3 suites the context ended with ("ssl_conf_command
 * Ciphersuites" may have set them), as the list SSL_set_ciphersuites()
 * takes: SSL_set_SSL_CTX() leaves a connection with the suites of the
 * server it started with, so SNI (ssl.c) applies this list itself.
 */
static int
hv_ssl_keep_tls13_suites(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(sscf->ctx);
    const SSL_CIPHER *cipher;
    const char *name;
    size_t len = 0, n;
    unsigned char *p;
    int i;

    for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        cipher = sk_SSL_CIPHER_value(sk, i);
        if (strcmp(SSL_CIPHER_get_version(cipher), "TLSv1.3") == 0) {
            len += strlen(SSL_CIPHER_get_name(cipher)) + 1;
        }
    }

    p = hv_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return HV_ERROR;
    }
    sscf->tls13_suites.data = p;

    for (i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        cipher = sk_SSL_CIPHER_value(sk, i);
        if (strcmp(SSL_CIPHER_get_version(cipher), "TLSv1.3") != 0) {
            continue;
        }
        if (p != sscf->tls13_suites.data) {
            *p++ = ':';
        }
        name = SSL_CIPHER_get_name(cipher);
        n = strlen(name);
        memcpy(p, name, n);
        p += n;
    }
    *p = '\0';
    sscf->tls13_suites.len = (size_t) (p - sscf->tls13_suites.data);

    return HV_OK;
}


/* An encrypted key would make OpenSSL prompt on the terminal: refuse. */
static int
hv_ssl_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void) buf;
    (void) size;
    (void) rwflag;
    (void) u;

    return 0;
}


static void
hv_ssl_ctx_cleanup(void *data)
{
    SSL_CTX_free(data);
}


void
hv_ssl_conf_error(hv_conf_t *cf, const hv_ssl_where_t *where, hv_err_t err,
    const char *fmt, ...)
{
    char msg[HV_MAX_ERROR_STR], ssl[HV_MAX_ERROR_STR];
    hv_conf_lex_t lx, *saved;
    va_list args;

    va_start(args, fmt);
    (void) vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    hv_ssl_error_text(ssl, sizeof(ssl));

    /* the lexer has left the directive: point the message back at it */
    memset(&lx, 0, sizeof(lx));
    if (where->file != NULL) {
        lx.name.data = (unsigned char *) where->file;
        lx.name.len = strlen(where->file);
        lx.line = where->line;
    }

    saved = cf->lex;
    cf->lex = (where->file != NULL) ? &lx : saved;
    if (ssl[0] != '\0' && err == 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "%s (SSL: %s)", msg, ssl);
    } else {
        hv_conf_log_error(HV_LOG_EMERG, cf, err, "%s", msg);
    }
    cf->lex = saved;
}
