/*
 * tests/unit/http_request_header.c - hv_http_process_header_field()
 * (http/request_header.c) fed by the real header parser: the fields the
 * core knows are found in any case and keep a lower-case name, the others
 * get a lower-cased copy, the shortcuts survive the array growing, and
 * the Host value a connection remembers as valid is only ever reused for
 * the very same bytes.
 */
#include "http/request_internal.h"
#include "tests/tap.h"
#include "tests/unit/null_log.h"


typedef struct {
    hv_pool_t *pool;
    hv_connection_t c;
    hv_http_connection_t hc; /* c.data, as the engine sets it */
    hv_log_file_t file;
} hv_test_conn_t;


static void
hv_test_conn_init(hv_test_conn_t *t)
{
    memset(t, 0, sizeof(hv_test_conn_t));

    hv_test_null_log(&t->c.log, &t->file);
    t->c.fd = -1;
    t->c.data = &t->hc;
    t->hc.connection = &t->c;

    t->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &t->c.log);
}


static void
hv_test_conn_done(hv_test_conn_t *t)
{
    hv_pool_destroy(t->pool);
    (void) close(t->file.fd);
}


/* A new request of the connection, its field array one element long so
 * that the second field already makes it grow. */
static hv_http_request_t *
hv_test_request(hv_test_conn_t *t)
{
    hv_http_request_t *r;

    r = hv_pcalloc(t->pool, sizeof(hv_http_request_t));
    if (r == NULL) {
        return NULL;
    }

    r->pool = t->pool;
    r->connection = &t->c;
    r->http_version = HV_HTTP_VERSION_11;
    r->headers_in.content_length_n = -1;

    if (hv_array_init(&r->headers_in.headers, t->pool, 1,
            sizeof(hv_http_header_t)) != HV_OK) {
        return NULL;
    }

    return r;
}


/*
 * Parses one field line (with its CRLF) into r and stores it: the status
 * hv_http_process_header_field() answers, or -1 when the line does not
 * parse.  The bytes are copied into the pool: a stored field points into
 * them, as into the connection's buffer.
 */
static int
hv_test_field(hv_http_request_t *r, const char *line)
{
    hv_buf_t b;
    size_t n = strlen(line);

    memset(&b, 0, sizeof(b));
    b.start = hv_pnalloc(r->pool, n);
    if (b.start == NULL) {
        return -1;
    }
    memcpy(b.start, line, n);
    b.pos = b.start;
    b.last = b.start + n;
    b.end = b.last;

    if (hv_http_parse_header_line(&r->parser, &b) != HV_OK) {
        return -1;
    }

    return hv_http_process_header_field(r);
}


static bool
hv_test_str(const hv_str_t *s, const char *want)
{
    return s->len == strlen(want) && memcmp(s->data, want, s->len) == 0;
}


static void
hv_test_known_fields(hv_test_conn_t *t)
{
    hv_http_request_t *r = hv_test_request(t);
    hv_http_header_t *h;

    hv_tap_subtest("known fields in any case, others copied lower case");

    T_OK(r != NULL, "a request");
    if (r == NULL) {
        return;
    }

    T_IS_INT(hv_test_field(r, "hOsT: a.example\r\n"), HV_OK, "hOsT");
    T_IS_INT(
        hv_test_field(r, "CONTENT-LENGTH: 12\r\n"), HV_OK, "CONTENT-LENGTH");
    T_IS_INT(hv_test_field(r, "X-Custom-Field: 1\r\n"), HV_OK, "unknown");
    T_IS_INT(hv_test_field(r, "Content_Length: 99\r\n"), HV_OK,
        "'_' for '-' is another field");
    T_IS_INT(hv_test_field(r, "Hosu: b\r\n"), HV_OK, "one letter off");
    T_IS_INT(hv_test_field(r, "Accept-Encodinh: x\r\n"), HV_OK,
        "the last letter off, past a word");
    T_IS_INT(hv_test_field(r, "If-Unmodified-Since: y\r\n"), HV_OK,
        "the longest known name");

    T_IS_INT(r->headers_in.headers.nelts, 7, "seven fields stored");
    h = r->headers_in.headers.elts;

    T_OK(r->headers_in.host == &h[0], "Host found, after the array grew");
    T_OK(hv_test_str(&r->headers_in.server, "a.example"), "its name");
    T_OK(r->headers_in.content_length == &h[1], "Content-Length found");
    T_IS_INT(r->headers_in.content_length_n, 12, "its value, not 99");
    T_OK(r->headers_in.accept_encoding == NULL, "Accept-Encodinh is not it");
    T_OK(r->headers_in.if_unmodified_since == &h[6],
        "If-Unmodified-Since found");

    T_IS_MEM(h[0].lowcase_key, "host", 4, "lowcase_key of hOsT");
    T_IS_MEM(h[1].lowcase_key, "content-length", 14,
        "lowcase_key of CONTENT-LENGTH");
    T_IS_MEM(h[2].lowcase_key, "x-custom-field", 14,
        "lowcase_key of an unknown field");
    T_IS_MEM(h[3].lowcase_key, "content_length", 14, "of Content_Length");
    T_IS_MEM(h[2].key.data, "X-Custom-Field", 14, "the key as received");

    T_IS_INT(hv_test_field(r, "HOST: a.example\r\n"), HV_HTTP_BAD_REQUEST,
        "a second Host in other case is a duplicate");
}


/* One request of the connection with this Host line: the status, and
 * the server name in *server. */
static int
hv_test_host(hv_test_conn_t *t, const char *line, hv_str_t *server)
{
    hv_http_request_t *r = hv_test_request(t);
    int rc;

    if (r == NULL) {
        return -1;
    }

    rc = hv_test_field(r, line);
    *server = r->headers_in.server;

    return rc;
}


static void
hv_test_remembered_host(hv_test_conn_t *t)
{
    hv_str_t server;

    hv_tap_subtest("the remembered Host is reused for the same bytes only");

    T_IS_INT(t->hc.valid_host_len, 0, "nothing remembered");
    T_IS_INT(hv_test_host(t, "Host: \r\n", &server), HV_HTTP_BAD_REQUEST,
        "an empty Host before any was remembered");

    T_IS_INT(hv_test_host(t, "Host: example.com:80\r\n", &server), HV_OK,
        "example.com:80");
    T_OK(hv_test_str(&server, "example.com"), "name example.com");
    T_IS_INT(t->hc.valid_host_len, 14, "remembered");

    T_IS_INT(hv_test_host(t, "Host: example.com:80\r\n", &server), HV_OK,
        "the same again");
    T_OK(hv_test_str(&server, "example.com"), "name example.com again");

    T_IS_INT(hv_test_host(t, "Host: example.com:8x\r\n", &server),
        HV_HTTP_BAD_REQUEST, "the same length, a bad port");
    T_IS_INT(hv_test_host(t, "Host: example.co/:80\r\n", &server),
        HV_HTTP_BAD_REQUEST, "the same length, a '/' in the name");
    T_IS_INT(hv_test_host(t, "Host: \r\n", &server), HV_HTTP_BAD_REQUEST,
        "an empty Host after one was remembered");

    T_IS_INT(hv_test_host(t, "Host: Example.com:80\r\n", &server), HV_OK,
        "upper case");
    T_OK(hv_test_str(&server, "example.com"), "name lower-cased");
    T_IS_MEM(t->hc.valid_host, "example.com:80", 14,
        "a lower-cased copy is not remembered");

    T_IS_INT(hv_test_host(t, "Host: www.example.com.\r\n", &server), HV_OK,
        "another host");
    T_OK(hv_test_str(&server, "www.example.com"), "name without the dot");
    T_IS_INT(hv_test_host(t, "Host: www.example.com.\r\n", &server), HV_OK,
        "it again");
    T_OK(hv_test_str(&server, "www.example.com"), "name without the dot");
    T_IS_INT(hv_test_host(t, "Host: example.com:80\r\n", &server), HV_OK,
        "the first host again");
    T_OK(hv_test_str(&server, "example.com"), "its own name");

    T_IS_INT(hv_test_host(t,
                 "Host: "
                 "a-host-name-too-long-to-be-remembered-by-the-connection."
                 "example.com:"
                 "8080\r\n",
                 &server),
        HV_OK, "a host longer than what is remembered");
    T_OK(hv_test_str(&server, "a-host-name-too-long-to-be-remembered-by-the-"
                              "connection.example.com"),
        "its name");
    T_IS_INT(t->hc.valid_host_len, 14, "the short one stays remembered");
}


int
main(void)
{
    hv_test_conn_t t;

    hv_test_conn_init(&t);
    T_OK(t.pool != NULL, "a connection pool");
    hv_test_known_fields(&t);
    hv_test_conn_done(&t);

    /* a new connection: nothing remembered yet */
    hv_test_conn_init(&t);
    T_OK(t.pool != NULL, "another connection pool");
    hv_test_remembered_host(&t);
    hv_test_conn_done(&t);

    return hv_tap_done();
}
