/*
 * modules/ssl/ssl.h - what the files of the ssl module share: the server
 * configuration (ssl_conf.c builds it and an SSL_CTX per server), the
 * per-connection TLS state (ssl.c, the runtime), the shared session cache
 * and the ticket keys (ssl_cache.c).  Not included outside modules/ssl/.
 */
#ifndef HV_SSL_H
#define HV_SSL_H

#include "http/http.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

/* ssl_protocols bits. */
#define HV_SSL_TLSv1 0x02
#define HV_SSL_TLSv1_1 0x04
#define HV_SSL_TLSv1_2 0x08
#define HV_SSL_TLSv1_3 0x10

/* ssl_session_cache: off, none (no cache, no "off" message) or shared. */
#define HV_SSL_CACHE_OFF 0
#define HV_SSL_CACHE_NONE 1
#define HV_SSL_CACHE_SHARED 2

/* One ticket key from an ssl_session_ticket_key file (80 bytes). */
typedef struct {
    unsigned char name[16];
    unsigned char hmac_key[32];
    unsigned char aes_key[32];
} hv_ssl_ticket_key_t;

/* The session cache in a shared zone (ssl_cache.c). */
typedef struct hv_ssl_cache_s hv_ssl_cache_t;

/* Where a directive was written, for messages about it after parsing. */
typedef struct {
    const char *file;
    hv_uint_t line;
} hv_ssl_where_t;

/* A file named by a directive that may repeat. */
typedef struct {
    hv_str_t name; /* full path, NUL-terminated */
    hv_ssl_where_t where;
} hv_ssl_path_t;

typedef struct {
    hv_array_t *certificates; /* hv_ssl_path_t, NULL: unset */
    hv_array_t *certificate_keys;
    hv_ssl_where_t certificate_where; /* the first one */

    hv_uint_t protocols; /* HV_SSL_TLSv* bits */
    hv_str_t ciphers;
    int prefer_server_ciphers;
    hv_array_t *conf_commands; /* hv_keyval_t, NULL: unset */
    hv_ssl_path_t dhparam;     /* name.data NULL: unset */
    hv_str_t ecdh_curve;

    hv_uint_t session_cache;   /* HV_SSL_CACHE_* */
    hv_shm_zone_t *cache_zone; /* shared:NAME:SIZE */
    time_t session_timeout;
    int session_tickets;
    hv_array_t *ticket_key_files; /* hv_ssl_path_t, NULL: unset */
    hv_array_t *ticket_keys;      /* hv_ssl_ticket_key_t, first encrypts */

    SSL_CTX *ctx;          /* NULL: no certificate, no TLS */
    hv_str_t tls13_suites; /* ctx's TLS 1.3 suites, for SNI (ssl.c) */
} hv_ssl_srv_conf_t;

/* The TLS state of a connection (c->ssl). */
typedef struct {
    SSL *ssl;
    hv_http_addr_conf_t *addr_conf;  /* for SNI */
    hv_event_handler_pt ready;       /* HTTP's read handler, after it */
    hv_event_handler_pt saved_write; /* HTTP's write handler */
    unsigned char *buf;              /* output gathered into a record */
    size_t buffered;                 /* bytes in buf not yet written */
    unsigned handshaked:1;
    unsigned no_shutdown:1; /* an error: do not send close_notify */
    unsigned drained:1;     /* the socket's last read() came back short */
} hv_ssl_conn_t;

/*
 * Every SSL_CTX carries its server's hv_ssl_srv_conf_t as app data, and
 * every SSL its hv_connection_t, so callbacks need no global.
 */

/* ssl.c */
/* The hook of cmcf->ssl_handshake (http/core_module.h). */
void hv_ssl_handshake(
    hv_connection_t *c, hv_http_addr_conf_t *ac, hv_event_handler_pt ready);
/* The SNI name of c's handshake, or an empty string (the http core's
 * cmcf->ssl_server_name). */
void hv_ssl_server_name(hv_connection_t *c, hv_str_t *name);
/* Callbacks installed on every SSL_CTX by ssl_conf.c. */
int hv_ssl_client_hello(SSL *ssl, int *al, void *arg);
int hv_ssl_servername(SSL *ssl, int *ad, void *arg);
int hv_ssl_alpn_select(SSL *ssl, const unsigned char **out,
    unsigned char *outlen, const unsigned char *in, unsigned int inlen,
    void *arg);
/* The OpenSSL error queue as text ("error:...: reason; ..."), cleared. */
void hv_ssl_error_text(char *buf, size_t len);

/* ssl_vars.c: $ssl_protocol and the others (preconfiguration). */
int hv_ssl_add_variables(hv_conf_t *cf);

/* ssl_cache.c */
/* Declares the zone of "ssl_session_cache shared:NAME:SIZE". */
char *hv_ssl_cache_zone(
    hv_conf_t *cf, hv_ssl_srv_conf_t *sscf, const hv_str_t *value);
/* Installs the cache and ticket callbacks on sscf->ctx; HV_OK or
 * HV_ERROR (logged). */
int hv_ssl_cache_init_ctx(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf);
/* Reads the ticket key files into sscf->ticket_keys; HV_OK or HV_ERROR
 * (logged with FILE:LINE). */
int hv_ssl_ticket_keys_load(hv_conf_t *cf, hv_ssl_srv_conf_t *sscf);

/* Logs "MESSAGE (SSL: ...) in FILE:LINE" at emerg. */
void hv_ssl_conf_error(hv_conf_t *cf, const hv_ssl_where_t *where, hv_err_t err,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

extern const hv_module_t hv_ssl_module;

#endif /* HV_SSL_H */
