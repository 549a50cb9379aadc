/*
 * tests/unit/http_response.c - http/response.c, write.c and
 * special_response.c: the exact bytes of response headers (status line,
 * Server, Date, framing, Connection), chunked encoding across several
 * output calls, header-only statuses, HEAD, error pages, the status line
 * table, and the write queue when the socket takes nothing.  The
 * connection's send_chain is replaced by one that captures what would
 * have been sent.
 */
#include "http/request_internal.h"
#include "tests/tap.h"
#include "tests/unit/null_log.h"


#define HV_TEST_OUT 65536

typedef struct {
    hv_pool_t *pool;
    hv_connection_t c;
    hv_http_connection_t hc; /* c.data, as the engine sets it */
    hv_buf_t header_in;      /* empty: no pipelined request behind */
    hv_event_t rev;
    hv_event_t wev;
    hv_http_request_t *r;
    hv_http_core_main_conf_t cmcf;
    hv_http_core_loc_conf_t clcf;
    void *main_conf[HV_MODULES_N];
    void *loc_conf[HV_MODULES_N];
    hv_log_file_t file;
} hv_test_t;

static char hv_test_sent[HV_TEST_OUT];
static size_t hv_test_sent_len;
static bool hv_test_full; /* the socket takes nothing */


/* c->send_chain: appends the chain's memory to hv_test_sent. */
static hv_chain_t *
hv_test_send_chain(hv_connection_t *c, hv_chain_t *in, off_t limit)
{
    size_t n;

    (void) limit;

    if (hv_test_full) {
        c->write->ready = 0;
        return in;
    }

    for (; in != NULL; in = in->next) {
        n = (size_t) (in->buf->last - in->buf->pos);
        if (n > 0 && hv_test_sent_len + n < HV_TEST_OUT) {
            memcpy(hv_test_sent + hv_test_sent_len, in->buf->pos, n);
            hv_test_sent_len += n;
        }
        c->sent += (off_t) n;
        in->buf->pos = in->buf->last;
    }

    return NULL;
}


static void
hv_test_init(hv_test_t *t, hv_uint_t version, hv_uint_t method)
{
    hv_http_request_t *r;

    memset(t, 0, sizeof(hv_test_t));
    hv_test_sent_len = 0;
    hv_test_full = false;

    hv_test_null_log(&t->c.log, &t->file);

    t->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &t->c.log);
    t->c.fd = -1;
    t->c.read = &t->rev;
    t->c.write = &t->wev;
    t->rev.data = &t->c;
    t->wev.data = &t->c;
    t->wev.write = 1;
    t->wev.ready = 1;
    t->c.send_chain = hv_test_send_chain;
    t->c.requests = 1;
    t->c.data = &t->hc;
    t->hc.connection = &t->c;

    t->cmcf.top_header_filter = hv_http_header_filter;
    t->cmcf.top_body_filter = hv_http_write_filter;
    t->main_conf[HV_MODULE_http_core] = &t->cmcf;

    t->clcf.server_tokens = 1;
    t->clcf.keepalive_timeout = 75000;
    t->clcf.keepalive_requests = 100;
    t->clcf.send_timeout = 60000;
    t->loc_conf[HV_MODULE_http_core] = &t->clcf;

    r = hv_pcalloc(t->pool, sizeof(hv_http_request_t));
    r->pool = t->pool;
    r->connection = &t->c;
    r->header_in = &t->header_in;
    r->main_conf = t->main_conf;
    r->loc_conf = t->loc_conf;
    r->http_version = version;
    r->method = method;
    r->keepalive = 1;
    r->count = 1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
    (void) hv_array_init(
        &r->headers_out.headers, t->pool, 1, sizeof(hv_http_header_t));
    t->r = r;
}


static void
hv_test_done(hv_test_t *t)
{
    hv_event_del_timer(&t->wev);
    hv_pool_destroy(t->pool);
    (void) close(t->file.fd);
}


/* What was sent, with the Date value replaced by "DATE". */
static const char *
hv_test_output(void)
{
    static char out[HV_TEST_OUT];
    const char *date;
    char *p;

    snprintf(out, sizeof(out), "%.*s", (int) hv_test_sent_len, hv_test_sent);

    p = strstr(out, "\r\nDate: ");
    date = hv_cached_time.http_date;
    if (p != NULL && strncmp(p + 8, date, strlen(date)) == 0) {
        memmove(p + 12, p + 8 + strlen(date), strlen(p + 8 + strlen(date)) + 1);
        memcpy(p + 8, "DATE", 4);
    }

    return out;
}


/* A one-buffer chain over text; last_buf and flush as asked. */
static hv_chain_t *
hv_test_chain(hv_test_t *t, const char *text, bool last, bool flush)
{
    hv_buf_t *b;

    b = hv_buf_calloc(t->pool);
    b->start = (unsigned char *) text;
    b->pos = b->start;
    b->last = b->start + strlen(text);
    b->end = b->last;
    b->last_buf = last;
    b->flush = flush;

    return hv_chain_link(t->pool, b);
}


static void
hv_test_fixed_length(void)
{
    hv_test_t t;
    hv_str_t type = hv_string("text/plain"), body = hv_string("hello");

    hv_tap_subtest("a response with a length");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    T_IS_INT(
        hv_http_send_response(t.r, 200, &type, &body), HV_OK, "send_response");
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 200 OK\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Content-Type: text/plain\r\nContent-Length: 5\r\n"
        "Connection: keep-alive\r\n\r\nhello",
        "status line, Server, Date, type, length, keep-alive, body");
    T_IS_INT(t.r->body_bytes_sent, 5, "body_bytes_sent");
    T_IS_INT(t.r->bytes_sent, (long long) hv_test_sent_len, "bytes_sent");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_10, HV_HTTP_HEAD);
    t.r->keepalive = 0;
    t.clcf.server_tokens = 0;
    t.r->headers_out.charset = (hv_str_t) hv_string("utf-8");
    t.r->headers_out.last_modified_time = 784111777;
    (void) hv_http_send_response(t.r, 200, &type, &body);
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 200 OK\r\nServer: hive\r\nDate: DATE\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n"
        "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        "Connection: close\r\n\r\n",
        "HEAD, HTTP/1.0: no body, the length kept; server_tokens off");
    hv_test_done(&t);
}


/* A module's preformatted Last-Modified counts only for its own time. */
static void
hv_test_last_modified_text(void)
{
    hv_test_t t;
    hv_str_t body = hv_string("x");

    hv_tap_subtest("Last-Modified text from a module");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.r->headers_out.last_modified_time = 784111777;
    t.r->headers_out.last_modified_text_time = 784111777;
    /* not a date, to tell the text from a formatted time */
    hv_str_set(&t.r->headers_out.last_modified_text, "(the module's text)");
    (void) hv_http_send_response(t.r, 200, NULL, &body);
    T_OK(strstr(hv_test_output(),
             "\r\nLast-Modified: (the module's text)\r\n") != NULL,
        "the text of the same time is written as it is");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.r->headers_out.last_modified_time = 784111778;
    t.r->headers_out.last_modified_text_time = 784111777;
    hv_str_set(
        &t.r->headers_out.last_modified_text, "Sun, 06 Nov 1994 08:49:37 GMT");
    (void) hv_http_send_response(t.r, 200, NULL, &body);
    T_OK(strstr(hv_test_output(),
             "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:38 GMT\r\n") != NULL,
        "a time changed since: the time is formatted, the text ignored");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.r->headers_out.last_modified_text_time = 784111777;
    hv_str_set(
        &t.r->headers_out.last_modified_text, "Sun, 06 Nov 1994 08:49:37 GMT");
    (void) hv_http_send_response(t.r, 200, NULL, &body);
    T_OK(strstr(hv_test_output(), "Last-Modified") == NULL,
        "no time: no Last-Modified");
    hv_test_done(&t);
}


static void
hv_test_unknown_length(void)
{
    hv_test_t t;

    hv_tap_subtest("a response without a length");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.r->headers_out.status = 200;
    T_IS_INT(hv_http_send_header(t.r), HV_OK, "send_header");
    T_IS_INT(hv_test_sent_len, 0, "the header waits for the body");
    T_IS_INT(hv_http_output_filter(t.r, hv_test_chain(&t, "abc", false, true)),
        HV_OK, "a flushed first part");
    T_IS_INT(hv_http_output_filter(t.r, hv_test_chain(&t, "", false, false)),
        HV_OK, "an empty part");
    T_IS_INT(hv_http_output_filter(t.r, hv_test_chain(&t, "defg", true, false)),
        HV_OK, "the last part");
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 200 OK\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
        "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
        "HTTP/1.1: chunked, one chunk per output call, the last chunk");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_10, HV_HTTP_GET);
    t.r->headers_out.status = 200;
    (void) hv_http_send_header(t.r);
    (void) hv_http_output_filter(t.r, hv_test_chain(&t, "abc", true, false));
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 200 OK\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Connection: close\r\n\r\nabc",
        "HTTP/1.0: the close ends the body, even asked for keep-alive");
    T_OK(!t.r->keepalive, "keep-alive dropped");
    hv_test_done(&t);
}


static void
hv_test_no_body_statuses(void)
{
    hv_test_t t;
    hv_str_t type = hv_string("text/plain"), body = hv_string("x");

    hv_tap_subtest("statuses without a body");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    (void) hv_http_send_response(t.r, 204, &type, &body);
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 204 No Content\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Connection: keep-alive\r\n\r\n",
        "204: no type, no length, no body");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.r->headers_out.status = 304;
    t.r->headers_out.content_length_n = 100;
    (void) hv_http_send_header(t.r);
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 304 Not Modified\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Connection: keep-alive\r\n\r\n",
        "304: no length, sent at once");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    (void) hv_http_send_response(t.r, 299, NULL, NULL);
    T_OK(strncmp(hv_test_output(), "HTTP/1.1 299 \r\n", 15) == 0,
        "an unknown status has an empty reason phrase");
    hv_test_done(&t);
}


static void
hv_test_fields(void)
{
    hv_test_t t;
    hv_str_t v = hv_string("/a\r\nSet-Cookie: x"), n;
    hv_http_header_t *loc;
    char name[16];
    int i;

    hv_tap_subtest("output fields");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    loc = hv_http_add_header_out(t.r, "Location", &v);
    t.r->headers_out.location = loc;

    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "X-%d", i);
        n.data = hv_pstrdup(t.pool, name, strlen(name));
        n.len = strlen(name);
        (void) hv_http_add_header_out(t.r, (const char *) n.data, &n);
    }

    T_OK(t.r->headers_out.location ==
             (hv_http_header_t *) t.r->headers_out.headers.elts,
        "location still points at its field after the array grew");

    ((hv_http_header_t *) t.r->headers_out.headers.elts)[3].hidden = 1;
    (void) hv_http_send_response(t.r, 302, NULL, NULL);
    T_OK(strstr(hv_test_output(),
             "\r\nLocation: /a%0D%0ASet-Cookie: x\r\nX-0: X-0\r\nX-1: X-1\r\n"
             "X-3: X-3\r\n") != NULL,
        "fields in order, hidden ones left out, CR LF escaped");
    T_OK(strstr(hv_test_output(), "X-39: X-39\r\n\r\n") != NULL,
        "the last field ends the header");
    hv_test_done(&t);
}


/*
 * A control byte at each place of values of 1 to 24 bytes (the word
 * test in response.c reads eight at a time and then the last eight):
 * always escaped, and bytes from 0x20 up (UTF-8 too) never.
 */
static void
hv_test_field_escapes(void)
{
    static const unsigned char ctl[] = { 0x00, 0x01, 0x0a, 0x1f, 0x7f };
    unsigned char value[32];
    char want[128], *p;
    hv_str_t v;
    hv_test_t t;
    size_t len, i, k, j;
    int bad, plain;

    hv_tap_subtest("control bytes anywhere in a field");

    bad = 0;
    plain = 0;

    for (len = 1; len <= 24; len++) {
        for (i = 0; i <= len; i++) {
            for (k = 0; k < sizeof(ctl); k++) {
                /* i == len: no control byte, only 0x20, 0x80 and 0xc3 */
                for (j = 0; j < len; j++) {
                    value[j] = (unsigned char) "a \x80\xc3\x7e"[j % 5];
                }
                if (i < len) {
                    value[i] = ctl[k];
                }

                hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
                v.data = hv_pstrdup(t.pool, value, len);
                v.len = len;
                (void) hv_http_add_header_out(t.r, "X", &v);
                (void) hv_http_send_response(t.r, 200, NULL, NULL);

                p = want + snprintf(want, sizeof(want), "\r\nX: ");
                for (j = 0; j < len; j++) {
                    if (value[j] < 0x20 || value[j] == 0x7f) {
                        p += snprintf(p, 4, "%%%02X", value[j]);
                    } else {
                        *p++ = (char) value[j];
                    }
                }
                memcpy(p, "\r\n\r\n", 5);

                if (memmem(hv_test_sent, hv_test_sent_len, want,
                        (size_t) (p + 4 - want)) == NULL) {
                    bad++;
                    hv_tap_diag("length %zu, byte %02x at %zu", len,
                        i < len ? ctl[k] : 0, i);
                }
                plain += i == len &&
                         memmem(hv_test_sent, hv_test_sent_len, "%", 1) == NULL;
                hv_test_done(&t);
            }
        }
    }

    T_IS_INT(bad, 0, "every control byte escaped, nothing else");
    T_IS_INT(plain, 24 * (int) sizeof(ctl), "no %% without a control byte");
}


/*
 * Fields are tested for control bytes as they are written: a key counts
 * as much as a value, and so does a shortcut field that is not in the
 * list (an ETag a module set alone).  The header written again with %XX
 * is the whole header, exactly once.
 */
static void
hv_test_field_escapes_rewrite(void)
{
    static const struct {
        const char *key;  /* a list field "KEY: v", or NULL */
        const char *etag; /* the ETag shortcut (not in the list), or NULL */
        const char *fields;
        const char *name;
    } cases[] = {
        { "X\nY", NULL, "X%0AY: v\r\n",
            "a control byte in a key: escaped, the header written once" },
        { "A", "\"a\rb\"", "A: v\r\nETag: \"a%0Db\"\r\n",
            "in a shortcut field after the list: escaped" },
        { NULL, "\"a\"", "ETag: \"a\"\r\n",
            "a clean shortcut field: as it is" },
    };
    static const char head[] = "HTTP/1.1 204 No Content\r\nServer: " HIVE_VER
                               "\r\nDate: DATE\r\nConnection: keep-alive\r\n";
    hv_str_t v = hv_string("v");
    hv_http_header_t etag;
    char want[256];
    hv_test_t t;
    size_t i;

    hv_tap_subtest("control bytes in keys and shortcut fields");

    for (i = 0; i < hv_nelems(cases); i++) {
        hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
        if (cases[i].key != NULL) {
            (void) hv_http_add_header_out(t.r, cases[i].key, &v);
        }
        if (cases[i].etag != NULL) {
            memset(&etag, 0, sizeof(etag));
            hv_str_set(&etag.key, "ETag");
            etag.value.data = (unsigned char *) cases[i].etag;
            etag.value.len = strlen(cases[i].etag);
            t.r->headers_out.etag = &etag;
        }
        (void) hv_http_send_response(t.r, 204, NULL, NULL);
        snprintf(want, sizeof(want), "%s%s\r\n", head, cases[i].fields);
        T_IS_STR(hv_test_output(), want, "%s", cases[i].name);
        T_IS_INT(t.r->header_size, (off_t) hv_test_sent_len,
            "header_size is what was sent");
        hv_test_done(&t);
    }
}


static void
hv_test_error_pages(void)
{
    hv_test_t t;

    hv_tap_subtest("error pages");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    T_IS_INT(hv_http_special_response(t.r, 404), HV_OK, "404");
    T_IS_STR(hv_test_output(),
        "HTTP/1.1 404 Not Found\r\nServer: " HIVE_VER "\r\nDate: DATE\r\n"
        "Content-Type: text/html\r\nContent-Length: 151\r\n"
        "Connection: keep-alive\r\n\r\n"
        "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        "<center><h1>404 Not Found</h1></center>\r\n<hr><center>" HIVE_VER
        "</center>\r\n</body>\r\n</html>\r\n",
        "nginx's page, keep-alive kept");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    t.clcf.server_tokens = 0;
    (void) hv_http_special_response(t.r, 494);
    T_OK(strncmp(hv_test_output(), "HTTP/1.1 400 Bad Request\r\n", 26) == 0,
        "494 is sent as 400");
    T_OK(strstr(hv_test_output(),
             "<title>400 Request Header Or Cookie Too Large</title>") != NULL,
        "... with its own title");
    T_OK(strstr(hv_test_output(), "<hr><center>hive</center>") != NULL,
        "server_tokens off: no version in the page");
    T_OK(strstr(hv_test_output(), "Connection: close\r\n") != NULL,
        "... and the connection closes");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_HEAD);
    (void) hv_http_special_response(t.r, 500);
    T_OK(strstr(hv_test_output(), "\r\n\r\n") ==
             hv_test_output() + strlen(hv_test_output()) - 4,
        "HEAD: an error has no body");
    T_OK(strstr(hv_test_output(), "Content-Length: ") != NULL,
        "... but the length of the page");
    hv_test_done(&t);

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    (void) hv_http_special_response(t.r, 418);
    T_OK(strstr(hv_test_output(), "Content-Length: 0\r\n") != NULL &&
             strstr(hv_test_output(), "Content-Type") == NULL,
        "a status without a page: an empty body");
    hv_test_done(&t);
}


static void
hv_test_status_lines(void)
{
    static const struct {
        hv_uint_t status;
        const char *line;
    } cases[] = {
        { 200, "200 OK" },
        { 206, "206 Partial Content" },
        { 301, "301 Moved Permanently" },
        { 302, "302 Moved Temporarily" },
        { 308, "308 Permanent Redirect" },
        { 400, "400 Bad Request" },
        { 405, "405 Not Allowed" },
        { 408, "408 Request Time-out" },
        { 413, "413 Request Entity Too Large" },
        { 414, "414 Request-URI Too Large" },
        { 416, "416 Requested Range Not Satisfiable" },
        { 429, "429 Too Many Requests" },
        { 494, "400 Bad Request" },
        { 500, "500 Internal Server Error" },
        { 501, "501 Not Implemented" },
        { 503, "503 Service Temporarily Unavailable" },
        { 505, "505 HTTP Version Not Supported" },
        { 507, "507 Insufficient Storage" },
        { 100, NULL },
        { 203, NULL },
        { 300, NULL },
        { 306, NULL },
        { 418, NULL },
        { 430, NULL },
        { 508, NULL },
        { 999, NULL },
    };
    const hv_str_t *s;
    char got[64];
    size_t i;

    hv_tap_subtest("status lines");

    for (i = 0; i < hv_nelems(cases); i++) {
        s = hv_http_status_line(cases[i].status);
        if (s != NULL) {
            snprintf(got, sizeof(got), "%.*s", (int) s->len, s->data);
        }
        T_IS_STR(s != NULL ? got : NULL, cases[i].line, "%lu",
            (unsigned long) cases[i].status);
    }
}


static void
hv_test_full_socket(void)
{
    hv_test_t t;
    hv_str_t body = hv_string("hello");

    hv_tap_subtest("a socket that takes nothing");

    hv_test_init(&t, HV_HTTP_VERSION_11, HV_HTTP_GET);
    hv_test_full = true;
    T_IS_INT(hv_http_send_response(t.r, 200, NULL, &body), HV_OK,
        "send_response still answers HV_OK");
    T_OK(t.r->out != NULL, "the output is queued");
    T_OK(t.wev.timer_set, "send_timeout is armed");
    T_IS_INT(hv_http_output_filter(t.r, NULL), HV_AGAIN,
        "a flush while still full: HV_AGAIN");

    hv_test_full = false;
    t.wev.ready = 1;
    T_IS_INT(hv_http_output_filter(t.r, NULL), HV_OK, "writable again");
    T_OK(t.r->out == NULL, "the queue is empty");
    T_OK(!t.wev.timer_set, "the timer is gone");
    T_OK(strstr(hv_test_output(), "\r\n\r\nhello") != NULL,
        "header and body went out");
    hv_test_done(&t);
}


int
main(void)
{
    hv_time_update();

    if (hv_event_timer_init(NULL) != HV_OK) {
        return 1;
    }

    hv_test_fixed_length();
    hv_test_last_modified_text();
    hv_test_unknown_length();
    hv_test_no_body_statuses();
    hv_test_fields();
    hv_test_field_escapes();
    hv_test_field_escapes_rewrite();
    hv_test_error_pages();
    hv_test_status_lines();
    hv_test_full_socket();

    return hv_tap_done();
}
