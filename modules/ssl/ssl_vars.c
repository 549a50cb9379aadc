/*
 * modules/ssl/ssl_vars.c - the TLS variables, for log_format, return,
 * add_header:
 *
 *     $ssl_protocol        TLSv1.3
 *     $ssl_cipher          TLS_AES_256_GCM_SHA384
 *     $ssl_server_name     the SNI name the client sent
 *     $ssl_session_reused  "r" when the session was resumed, else "."
 *     $ssl_alpn_protocol   http/1.1, or empty without ALPN
 *
 * Each is empty on a connection without TLS.  The values point into
 * OpenSSL's objects, which live as long as the connection.
 */
#include "modules/ssl/ssl.h"


#define HV_SSL_VAR_GETTER(name)                                              \
    static void name(hv_http_request_t *r, const hv_str_t *arg, hv_uint_t n, \
        unsigned char *scratch, hv_str_t *out)

HV_SSL_VAR_GETTER(hv_ssl_var_protocol);
HV_SSL_VAR_GETTER(hv_ssl_var_cipher);
HV_SSL_VAR_GETTER(hv_ssl_var_server_name);
HV_SSL_VAR_GETTER(hv_ssl_var_session_reused);
HV_SSL_VAR_GETTER(hv_ssl_var_alpn_protocol);


int
hv_ssl_add_variables(hv_conf_t *cf)
{
    static const struct {
        const char *name;
        hv_http_variable_get_pt get;
    } vars[] = {
        { "ssl_protocol", hv_ssl_var_protocol },
        { "ssl_cipher", hv_ssl_var_cipher },
        { "ssl_server_name", hv_ssl_var_server_name },
        { "ssl_session_reused", hv_ssl_var_session_reused },
        { "ssl_alpn_protocol", hv_ssl_var_alpn_protocol },
    };
    hv_uint_t i;

    for (i = 0; i < hv_nelems(vars); i++) {
        if (hv_http_variable_add(cf, vars[i].name, false, vars[i].get) !=
            HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


/* The request's SSL object, or NULL (no TLS); clears *out. */
static SSL *
hv_ssl_var_ssl(hv_http_request_t *r, const hv_str_t *arg, hv_uint_t n,
    unsigned char *scratch, hv_str_t *out)
{
    hv_ssl_conn_t *sc = r->connection->ssl;

    (void) arg;
    (void) n;
    (void) scratch;

    out->data = (unsigned char *) "";
    out->len = 0;

    return (sc != NULL) ? sc->ssl : NULL;
}


static void
hv_ssl_var_text(hv_str_t *out, const char *text)
{
    if (text != NULL) {
        out->data = (unsigned char *) text;
        out->len = strlen(text);
    }
}


HV_SSL_VAR_GETTER(hv_ssl_var_protocol)
{
    SSL *ssl = hv_ssl_var_ssl(r, arg, n, scratch, out);

    if (ssl != NULL) {
        hv_ssl_var_text(out, SSL_get_version(ssl));
    }
}


HV_SSL_VAR_GETTER(hv_ssl_var_cipher)
{
    SSL *ssl = hv_ssl_var_ssl(r, arg, n, scratch, out);

    if (ssl != NULL) {
        hv_ssl_var_text(out, SSL_get_cipher_name(ssl));
    }
}


HV_SSL_VAR_GETTER(hv_ssl_var_server_name)
{
    SSL *ssl = hv_ssl_var_ssl(r, arg, n, scratch, out);

    if (ssl != NULL) {
        hv_ssl_var_text(
            out, SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
    }
}


HV_SSL_VAR_GETTER(hv_ssl_var_session_reused)
{
    SSL *ssl = hv_ssl_var_ssl(r, arg, n, scratch, out);

    if (ssl != NULL) {
        hv_ssl_var_text(out, SSL_session_reused(ssl) ? "r" : ".");
    }
}


HV_SSL_VAR_GETTER(hv_ssl_var_alpn_protocol)
{
    SSL *ssl = hv_ssl_var_ssl(r, arg, n, scratch, out);
    const unsigned char *proto;
    unsigned int len;

    if (ssl != NULL) {
        SSL_get0_alpn_selected(ssl, &proto, &len);
        if (len > 0) {
            out->data = (unsigned char *) proto;
            out->len = len;
        }
    }
}
