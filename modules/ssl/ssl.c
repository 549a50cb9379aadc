/*
 * modules/ssl/ssl.c - TLS on a connection: the non-blocking handshake,
 * SNI and ALPN, and the recv/send/send_chain functions that replace the
 * plain socket ones once the handshake is done (event/event.h).
 *
 * Edge-triggered events (event/event.h) need the ready flags to be true
 * to the connection: hv_ssl_recv() reads until OpenSSL wants more from
 * the socket or the buffer is full, so no decrypted byte waits inside
 * OpenSSL while the read event is quiet; it stops early only when the
 * socket is known to be empty (a short read(), seen by a BIO callback)
 * and OpenSSL holds nothing, as hv_recv() does after a short recv().
 * OpenSSL may want to read while
 * writing and the reverse; both events run the handshake handler, and the
 * engine reports EPOLLOUT with every read edge, so either wait ends.
 *
 * A client that sends plain HTTP to a TLS port is noticed by its first
 * byte (a TLS record starts with 0x16) and handed to HTTP without TLS,
 * c->ssl NULL; the HTTP engine answers it with 400.
 */
#include "modules/ssl/ssl.h"

#include <sys/socket.h>


/*
 * Output is gathered into records of at most this size: a TLS record
 * holds 16 KB, so fewer bytes waste a record header and a write() on
 * small buffers, more gain nothing.
 */
#define HV_SSL_BUFFER_SIZE 16384

/* The protocols ALPN offers, in preference order (wire format); h2 would
 * go first here. */
static const unsigned char hv_ssl_alpn_protos[] = "\x08http/1.1";


static void hv_ssl_handshake_handler(hv_event_t *ev);
static int hv_ssl_start(hv_connection_t *c, hv_ssl_conn_t *sc);
static void hv_ssl_handshake_done(hv_connection_t *c, hv_ssl_conn_t *sc);
static void hv_ssl_cleanup(void *data);
static long hv_ssl_bio_read_done(BIO *bio, int oper, const char *argp,
    size_t len, int argi, long argl, int ret, size_t *processed);
static ssize_t hv_ssl_recv(hv_connection_t *c, unsigned char *buf, size_t size);
static ssize_t hv_ssl_send(
    hv_connection_t *c, const unsigned char *buf, size_t size);
static hv_chain_t *hv_ssl_send_chain(
    hv_connection_t *c, hv_chain_t *in, off_t limit);
static ssize_t hv_ssl_fill(
    hv_connection_t *c, hv_ssl_conn_t *sc, hv_chain_t *in, size_t size);
static void hv_ssl_io_error(
    hv_connection_t *c, hv_ssl_conn_t *sc, int err, const char *call);
static int hv_ssl_switch_ctx(
    hv_connection_t *c, SSL *ssl, hv_ssl_srv_conf_t *sscf);


void
hv_ssl_handshake(
    hv_connection_t *c, hv_http_addr_conf_t *ac, hv_event_handler_pt ready)
{
    hv_ssl_conn_t *sc;

    sc = hv_pcalloc(c->pool, sizeof(hv_ssl_conn_t));
    if (sc == NULL) {
        hv_close_connection(c);
        return;
    }

    sc->addr_conf = ac;
    sc->ready = ready;
    sc->saved_write = c->write->handler;
    c->ssl = sc;
    c->log.action = "SSL handshaking";

    c->read->handler = hv_ssl_handshake_handler;
    c->write->handler = hv_ssl_handshake_handler;

    /* the ClientHello came with the connection ("listen ... deferred"):
     * handshake in this loop iteration, once the accept mutex is released */
    if (c->read->ready) {
        hv_post_event(c->read, &hv_posted_events);
    }
}


static void
hv_ssl_handshake_handler(hv_event_t *ev)
{
    hv_connection_t *c = ev->data;
    hv_ssl_conn_t *sc = c->ssl;
    unsigned char byte;
    ssize_t n;
    int rc, err;

    if (c->read->timedout) {
        hv_log_error(HV_LOG_INFO, &c->log, ETIMEDOUT,
            "client timed out in SSL handshake");
        sc->no_shutdown = 1;
        hv_close_connection(c);
        return;
    }

    if (c->close) {
        hv_close_connection(c);
        return;
    }

    /* OpenSSL waits for the client: a write event (the one the epoll
     * registration reports, or a read edge's companion) would only make
     * it read() EAGAIN again */
    if (ev->write && !c->read->ready) {
        return;
    }

    if (sc->ssl == NULL) {
        /* the first byte tells a ClientHello (0x16) from plain HTTP */
        n = recv(c->fd, &byte, 1, MSG_PEEK);

        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->read->ready = 0;
            return;
        }

        if (n != 1) {
            hv_log_error(HV_LOG_INFO, &c->log, (n == 0) ? 0 : errno,
                "client closed connection in SSL handshake");
            hv_close_connection(c);
            return;
        }

        if (byte != 0x16) {
            /* not TLS: HTTP answers it with 400 */
            c->ssl = NULL;
            c->read->handler = sc->ready;
            c->write->handler = sc->saved_write;
            sc->ready(c->read);
            return;
        }

        if (hv_ssl_start(c, sc) != HV_OK) {
            hv_close_connection(c);
            return;
        }
    }

    ERR_clear_error();
    rc = SSL_do_handshake(sc->ssl);

    if (rc == 1) {
        hv_ssl_handshake_done(c, sc);
        return;
    }

    err = SSL_get_error(sc->ssl, rc);

    if (err == SSL_ERROR_WANT_READ) {
        c->read->ready = 0;
        return;
    }

    if (err == SSL_ERROR_WANT_WRITE) {
        c->write->ready = 0;
        return;
    }

    hv_ssl_io_error(c, sc, err, "SSL_do_handshake()");
    hv_close_connection(c);
}


/* The SSL object, with the default server's context until SNI. */
static int
hv_ssl_start(hv_connection_t *c, hv_ssl_conn_t *sc)
{
    hv_ssl_srv_conf_t *sscf;

    sscf = sc->addr_conf->default_server->ctx_srv_conf[HV_MODULE_ssl];

    sc->ssl = SSL_new(sscf->ctx);
    if (sc->ssl == NULL) {
        hv_ssl_error_text(NULL, 0);
        hv_log_error(HV_LOG_ALERT, &c->log, 0, "SSL_new() failed");
        return HV_ERROR;
    }

    if (hv_pool_cleanup_add(c->pool, hv_ssl_cleanup, c) == NULL) {
        SSL_free(sc->ssl);
        sc->ssl = NULL;
        return HV_ERROR;
    }

    if (SSL_set_fd(sc->ssl, c->fd) != 1) {
        hv_ssl_error_text(NULL, 0);
        hv_log_error(HV_LOG_ALERT, &c->log, 0, "SSL_set_fd() failed");
        return HV_ERROR;
    }

    BIO_set_callback_ex(SSL_get_rbio(sc->ssl), hv_ssl_bio_read_done);
    BIO_set_callback_arg(SSL_get_rbio(sc->ssl), (char *) sc);

    SSL_set_app_data(sc->ssl, c);
    SSL_set_accept_state(sc->ssl);

    return HV_OK;
}


static void
hv_ssl_handshake_done(hv_connection_t *c, hv_ssl_conn_t *sc)
{
    sc->handshaked = 1;

    c->recv = hv_ssl_recv;
    c->send = hv_ssl_send;
    c->send_chain = hv_ssl_send_chain;

    c->log.action = "waiting for request";
    c->read->handler = sc->ready;
    c->write->handler = sc->saved_write;

    /*
     * The request may already sit in OpenSSL's buffer or the socket: try
     * to read it now, since no new edge may come for bytes already here.
     */
    c->read->ready = 1;
    sc->ready(c->read);
}


/* Pool cleanup of the connection: close_notify when all went well. */
static void
hv_ssl_cleanup(void *data)
{
    hv_connection_t *c = data;
    hv_ssl_conn_t *sc = c->ssl;

    if (sc == NULL || sc->ssl == NULL) {
        return;
    }

    if (sc->handshaked && !sc->no_shutdown && !c->error && !c->timedout) {
        /* non-blocking, one try: a peer that reads nothing loses it */
        ERR_clear_error();
        (void) SSL_shutdown(sc->ssl);
    }

    ERR_clear_error();
    SSL_free(sc->ssl);
    sc->ssl = NULL;
}


/*
 * After every read() of the socket BIO: whether it returned less than
 * OpenSSL asked for (with read-ahead, all the room in its buffer), i.e.
 * the socket was empty then, and any later byte brings a new edge.
 */
static long
hv_ssl_bio_read_done(BIO *bio, int oper, const char *argp, size_t len, int argi,
    long argl, int ret, size_t *processed)
{
    hv_ssl_conn_t *sc;

    (void) argp;
    (void) argi;
    (void) argl;

    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        sc = (hv_ssl_conn_t *) BIO_get_callback_arg(bio);
        sc->drained = ret <= 0 || processed == NULL || *processed < len;
    }

    return ret;
}


/*
 * Reads until the buffer is full, OpenSSL wants the socket, or the socket
 * is drained with nothing left in OpenSSL: a keep-alive request then
 * costs one read(), not a second one that meets EAGAIN.  drained is
 * cleared before each SSL_read(), so only a read() made by that call
 * counts: a call served from OpenSSL's buffer alone tells nothing about
 * bytes that arrived since (their edge may be the one being handled).
 */
static ssize_t
hv_ssl_recv(hv_connection_t *c, unsigned char *buf, size_t size)
{
    hv_ssl_conn_t *sc = c->ssl;
    hv_event_t *rev = c->read;
    size_t total = 0;
    int n, err;

    while (total < size) {
        ERR_clear_error();
        sc->drained = 0;
        n = SSL_read(sc->ssl, buf + total, (int) hv_min(size - total, INT_MAX));

        if (n > 0) {
            total += (size_t) n;

            if (sc->drained && total < size && !rev->pending_eof &&
                !SSL_has_pending(sc->ssl)) {
                rev->ready = 0;
                return (ssize_t) total;
            }

            continue;
        }

        err = SSL_get_error(sc->ssl, n);

        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            rev->ready = 0;
            return (total > 0) ? (ssize_t) total : HV_AGAIN;
        }

        if (total > 0) {
            /* the end or the error comes again with the next call */
            return (ssize_t) total;
        }

        rev->ready = 0;

        if (err == SSL_ERROR_ZERO_RETURN) {
            rev->eof = 1;
            return 0;
        }

        rev->error = 1;
        hv_ssl_io_error(c, sc, err, "SSL_read()");
        return HV_ERROR;
    }

    return (ssize_t) total;
}


static ssize_t
hv_ssl_send(hv_connection_t *c, const unsigned char *buf, size_t size)
{
    hv_ssl_conn_t *sc = c->ssl;
    int n, err;

    if (size == 0) {
        return 0;
    }

    ERR_clear_error();
    n = SSL_write(sc->ssl, buf, (int) hv_min(size, INT_MAX));

    if (n > 0) {
        c->sent += n;
        return n;
    }

    err = SSL_get_error(sc->ssl, n);

    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
        c->write->ready = 0;
        return HV_AGAIN;
    }

    c->write->error = 1;
    hv_ssl_io_error(c, sc, err, "SSL_write()");

    return HV_ERROR;
}


/*
 * Copies the head of the chain (memory, and file ranges read with
 * pread()) into the connection's 16 KB buffer and writes it as one
 * record.  The buffer keeps what SSL_write() did not take, since a retry
 * must offer the same bytes; the chain advances only past bytes written.
 * No sendfile: OpenSSL must see every byte (kTLS aside).
 */
static hv_chain_t *
hv_ssl_send_chain(hv_connection_t *c, hv_chain_t *in, off_t limit)
{
    hv_ssl_conn_t *sc = c->ssl;
    ssize_t n;

    if (sc->buf == NULL) {
        sc->buf = hv_pnalloc(c->pool, HV_SSL_BUFFER_SIZE);
        if (sc->buf == NULL) {
            return HV_CHAIN_ERROR;
        }
    }

    if (limit <= 0) {
        limit = INT64_MAX;
    }

    for (;;) {
        in = hv_chain_skip_empty(in);

        if (in == NULL || limit <= 0 || !c->write->ready) {
            return in;
        }

        if (sc->buffered == 0) {
            n = hv_ssl_fill(c, sc, in, HV_SSL_BUFFER_SIZE);
            if (n == HV_ERROR) {
                return HV_CHAIN_ERROR;
            }
            sc->buffered = (size_t) n;
        }

        n = hv_ssl_send(c, sc->buf, sc->buffered);

        if (n == HV_AGAIN) {
            return in;
        }

        if (n == HV_ERROR) {
            return HV_CHAIN_ERROR;
        }

        sc->buffered -= (size_t) n;
        memmove(sc->buf, sc->buf + n, sc->buffered);
        in = hv_chain_advance(in, n);
        limit -= n;
    }
}


/* Up to size bytes from the head of the chain into sc->buf. */
static ssize_t
hv_ssl_fill(hv_connection_t *c, hv_ssl_conn_t *sc, hv_chain_t *in, size_t size)
{
    size_t total = 0, chunk;
    hv_buf_t *b;
    ssize_t n;

    for (; in != NULL && total < size; in = in->next) {
        b = in->buf;
        chunk = (size_t) hv_min(hv_buf_size(b), (off_t) (size - total));

        if (chunk == 0) {
            continue;
        }

        if (!b->in_file) {
            memcpy(sc->buf + total, b->pos, chunk);
            total += chunk;
            continue;
        }

        n = pread(b->fd, sc->buf + total, chunk, b->file_pos);

        if (n == -1) {
            hv_log_error(HV_LOG_CRIT, &c->log, errno,
                "pread() of file descriptor %d failed", b->fd);
            return HV_ERROR;
        }

        if ((size_t) n < chunk) {
            hv_log_error(HV_LOG_ERR, &c->log, 0,
                "file descriptor %d was truncated at %lld", b->fd,
                (long long) (b->file_pos + n));
            return HV_ERROR;
        }

        total += chunk;
    }

    return (ssize_t) total;
}


/*
 * The server block is chosen here, from the raw server_name extension of
 * the ClientHello, rather than in the servername callback: OpenSSL runs
 * this callback before it picks the protocol version and before it looks
 * at a session to resume, so the chosen server's ssl_protocols apply and
 * its session id context decides what may resume (a session made on
 * another server, with another certificate, gets a full handshake).
 * A malformed extension is left to OpenSSL, which refuses it.
 */
int
hv_ssl_client_hello(SSL *ssl, int *al, void *arg)
{
    hv_connection_t *c = SSL_get_app_data(ssl);
    hv_ssl_conn_t *sc = c->ssl;
    hv_http_core_srv_conf_t *cscf;
    const unsigned char *p;
    size_t len, n;
    hv_str_t host;

    (void) arg;

    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) !=
        1) {
        return SSL_CLIENT_HELLO_SUCCESS; /* no SNI: the default server */
    }

    /* a list (2-byte length) of one host_name entry (type, 2-byte length) */
    if (len < 5 || (((size_t) p[0] << 8) | p[1]) != len - 2 ||
        p[2] != TLSEXT_NAMETYPE_host_name) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }

    n = ((size_t) p[3] << 8) | p[4];
    if (n == 0 || n != len - 5 || memchr(p + 5, '\0', n) != NULL) {
        return SSL_CLIENT_HELLO_SUCCESS;
    }

    host.data = (unsigned char *) p + 5;
    host.len = n;

    cscf = hv_http_find_virtual_server(sc->addr_conf, &host, &c->log);

    if (hv_ssl_switch_ctx(c, ssl, cscf->ctx_srv_conf[HV_MODULE_ssl]) != HV_OK) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }

    return SSL_CLIENT_HELLO_SUCCESS;
}


/*
 * Moves the connection to the context of the server SNI chose.
 * SSL_set_SSL_CTX() takes the certificates and the session id context
 * only; what else the SSL copied from its first context when it was made
 * (options, hence the protocols, the version bounds, the ciphers and
 * TLS 1.3 suites, the curves) is copied here from the new one.  Only
 * memory can fail here: logged at crit, the handshake ends.
 */
static int
hv_ssl_switch_ctx(hv_connection_t *c, SSL *ssl, hv_ssl_srv_conf_t *sscf)
{
    char text[HV_MAX_ERROR_STR];
    SSL_CTX *ctx = sscf->ctx;

    if (ctx == NULL || ctx == SSL_get_SSL_CTX(ssl)) {
        return HV_OK;
    }

    if (SSL_set_SSL_CTX(ssl, ctx) != ctx) {
        goto failed;
    }

    SSL_clear_options(ssl, SSL_get_options(ssl) & ~SSL_CTX_get_options(ctx));
    SSL_set_options(ssl, SSL_CTX_get_options(ctx));

    if (SSL_set_num_tickets(ssl, SSL_CTX_get_num_tickets(ctx)) != 1) {
        goto failed;
    }

    if (SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx)) !=
            1 ||
        SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx)) !=
            1 ||
        SSL_set_ciphersuites(ssl, (const char *) sscf->tls13_suites.data) !=
            1 ||
        SSL_set_cipher_list(ssl, (const char *) sscf->ciphers.data) != 1) {
        goto failed;
    }

    if (!hv_str_eq_cstr(&sscf->ecdh_curve, "auto") &&
        SSL_set1_groups_list(ssl, (const char *) sscf->ecdh_curve.data) != 1) {
        goto failed;
    }

    return HV_OK;

failed:
    hv_ssl_error_text(text, sizeof(text));
    hv_log_error(HV_LOG_CRIT, &c->log, 0,
        "switching to the SSL context of the SNI server failed (SSL: %s)",
        text);
    return HV_ERROR;
}


void
hv_ssl_server_name(hv_connection_t *c, hv_str_t *name)
{
    hv_ssl_conn_t *sc = c->ssl;
    const char *s;

    s = SSL_get_servername(sc->ssl, TLSEXT_NAMETYPE_host_name);

    name->data = (unsigned char *) s;
    name->len = (s != NULL) ? strlen(s) : 0;
}


/*
 * The server was chosen by hv_ssl_client_hello(); answering OK here only
 * acknowledges the name, so that OpenSSL keeps it in the session.
 */
int
hv_ssl_servername(SSL *ssl, int *ad, void *arg)
{
    (void) ssl;
    (void) ad;
    (void) arg;

    return SSL_TLSEXT_ERR_OK;
}


int
hv_ssl_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
    (void) ssl;
    (void) arg;

    if (SSL_select_next_proto((unsigned char **) out, outlen,
            hv_ssl_alpn_protos, sizeof(hv_ssl_alpn_protos) - 1, in,
            inlen) != OPENSSL_NPN_NEGOTIATED) {
        /* no common protocol: go on without ALPN, as HTTP/1.1 */
        return SSL_TLSEXT_ERR_NOACK;
    }

    return SSL_TLSEXT_ERR_OK;
}


/*
 * Logs a failed handshake, read or write.  What a client causes (a
 * reset, a bad record, a protocol it may not use) is logged at info.
 */
static void
hv_ssl_io_error(
    hv_connection_t *c, hv_ssl_conn_t *sc, int err, const char *call)
{
    char text[HV_MAX_ERROR_STR];
    hv_err_t sys = errno;

    sc->no_shutdown = 1;
    c->error = 1;

    hv_ssl_error_text(text, sizeof(text));

    if (err == SSL_ERROR_SYSCALL && sys != 0) {
        hv_log_error(HV_LOG_INFO, &c->log, sys, "%s failed", call);
    } else if (text[0] != '\0') {
        hv_log_error(
            HV_LOG_INFO, &c->log, 0, "%s failed (SSL: %s)", call, text);
    } else {
        hv_log_error(
            HV_LOG_INFO, &c->log, 0, "peer closed connection in %s", call);
    }
}


void
hv_ssl_error_text(char *buf, size_t len)
{
    unsigned long e;
    size_t n = 0;

    if (buf != NULL && len > 0) {
        buf[0] = '\0';
    }

    while ((e = ERR_get_error()) != 0) {
        if (buf == NULL || len < n + 3) {
            continue;
        }
        if (n > 0) {
            memcpy(buf + n, "; ", 3);
            n += 2;
        }
        ERR_error_string_n(e, buf + n, len - n);
        n += strlen(buf + n);
    }
}
