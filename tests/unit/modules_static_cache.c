/*
 * tests/unit/modules_static_cache.c - the validators of the static module
 * (ETag and Last-Modified, formatted once per open file cache entry): their
 * exact text, the exact response header a cached file gets, and new text
 * as soon as the cache sees the file change (mtime, size, inode).  The
 * connection's send_chain captures what would have been sent.
 */
#include "http/request_internal.h"
#include "modules/static_internal.h"
#include "tests/tap.h"
#include "tests/unit/null_log.h"


#define HV_TEST_OUT 4096
#define HV_TEST_MTIME 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

typedef struct {
    hv_pool_t *pool;
    hv_connection_t c;
    hv_http_connection_t hc;
    hv_buf_t header_in;
    hv_event_t rev;
    hv_event_t wev;
    hv_http_request_t *r;
} hv_test_req_t;

static char hv_test_dir[] = "/tmp/hv-static-cache-XXXXXX";
static char hv_test_path[64];
static hv_http_core_main_conf_t hv_test_cmcf;
static hv_http_core_loc_conf_t hv_test_clcf;
static void *hv_test_main_conf[HV_MODULES_N];
static void *hv_test_loc_conf[HV_MODULES_N];
static hv_log_file_t hv_test_log_file;
static hv_log_t hv_test_log;
static char hv_test_sent[HV_TEST_OUT];
static size_t hv_test_sent_len;


static hv_chain_t *
hv_test_send_chain(hv_connection_t *c, hv_chain_t *in, off_t limit)
{
    size_t n;

    (void) limit;

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


/* A GET on a keep-alive connection whose output lands in hv_test_sent. */
static void
hv_test_req_init(hv_test_req_t *t)
{
    hv_http_request_t *r;

    memset(t, 0, sizeof(hv_test_req_t));
    hv_test_sent_len = 0;

    t->c.log = hv_test_log;
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

    r = hv_pcalloc(t->pool, sizeof(hv_http_request_t));
    r->pool = t->pool;
    r->connection = &t->c;
    r->header_in = &t->header_in;
    r->main_conf = hv_test_main_conf;
    r->loc_conf = hv_test_loc_conf;
    r->http_version = HV_HTTP_VERSION_11;
    r->method = HV_HTTP_GET;
    r->keepalive = 1;
    r->count = 1;
    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
    (void) hv_array_init(
        &r->headers_out.headers, t->pool, 4, sizeof(hv_http_header_t));
    t->r = r;
}


/* The request ends: its pool cleanup lets go of the cache entry. */
static void
hv_test_req_done(hv_test_req_t *t)
{
    hv_event_del_timer(&t->wev);
    hv_pool_destroy(t->pool);
}


/* What was sent, with the Date value replaced by "DATE". */
static const char *
hv_test_output(void)
{
    static char out[HV_TEST_OUT];
    const char *date = hv_cached_time.http_date;
    char *p;

    snprintf(out, sizeof(out), "%.*s", (int) hv_test_sent_len, hv_test_sent);

    p = strstr(out, "\r\nDate: ");
    if (p != NULL && strncmp(p + 8, date, strlen(date)) == 0) {
        memmove(p + 12, p + 8 + strlen(date), strlen(p + 8 + strlen(date)) + 1);
        memcpy(p + 8, "DATE", 4);
    }

    return out;
}


static void
hv_test_write(const char *path, const char *text, time_t mtime)
{
    struct timespec ts[2];
    FILE *fp;

    fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
        hv_tap_diag("writing %s failed", path);
        return;
    }

    ts[0].tv_sec = mtime;
    ts[0].tv_nsec = 0;
    ts[1] = ts[0];
    if (utimensat(AT_FDCWD, path, ts, 0) == -1) {
        hv_tap_diag("utimensat(%s) failed", path);
    }
}


static void
hv_test_validators(void)
{
    static const struct {
        time_t mtime;
        off_t size;
        const char *etag;
        const char *date;
    } cases[] = {
        { HV_TEST_MTIME, 1024, "\"2ebc98a1-400\"",
            "Sun, 06 Nov 1994 08:49:37 GMT" },
        { 0, 0, "\"0-0\"", "Thu, 01 Jan 1970 00:00:00 GMT" },
        { 1795559509, 0x7fffffffffffffff, "\"6b061055-7fffffffffffffff\"",
            "Tue, 24 Nov 2026 22:31:49 GMT" },
    };
    unsigned char buf[HV_STATIC_VALIDATORS_LEN];
    hv_static_file_t f;
    char got[HV_STATIC_VALIDATORS_LEN + 1];
    size_t i;

    hv_tap_subtest("validator text");

    for (i = 0; i < hv_nelems(cases); i++) {
        memset(&f, 0, sizeof(f));
        f.mtime = cases[i].mtime;
        f.size = cases[i].size;
        hv_static_validators(&f, buf);
        snprintf(got, sizeof(got), "%.*s", (int) f.etag.len, f.etag.data);
        T_IS_STR(got, cases[i].etag, "ETag %s", cases[i].etag);
        snprintf(got, sizeof(got), "%.*s", (int) f.last_modified.len,
            f.last_modified.data);
        T_IS_STR(got, cases[i].date, "Last-Modified %s", cases[i].date);
    }
}


/* One request for the test file through the cache; the header sent. */
static const char *
hv_test_get(hv_static_cache_t *cache, hv_static_file_t *f)
{
    hv_str_t path;
    hv_test_req_t t;
    const char *out;

    path.data = (unsigned char *) hv_test_path;
    path.len = strlen(hv_test_path);

    hv_test_req_init(&t);

    /* valid 0: every request stat()s, as once open_file_cache_valid passed */
    if (hv_static_cache_get(t.r, cache, 0, &path, f) != HV_OK ||
        hv_static_send(t.r, f) != HV_OK) {
        hv_tap_diag("a request for %s failed", hv_test_path);
    }

    out = hv_test_output();
    hv_test_req_done(&t);

    return out;
}


/* The header a request gets for the test file, with its body. */
static const char *
hv_test_expect(const char *etag, const char *date, const char *body)
{
    static char exp[HV_TEST_OUT];

    snprintf(exp, sizeof(exp),
        "HTTP/1.1 200 OK\r\nServer: hive\r\nDate: DATE\r\n"
        "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
        "Last-Modified: %s\r\nConnection: keep-alive\r\n"
        "ETag: %s\r\nAccept-Ranges: bytes\r\n\r\n%s",
        strlen(body), date, etag, body);

    return exp;
}


static void
hv_test_changes(hv_static_cache_t *cache)
{
    const unsigned char *first;
    hv_static_file_t f;
    char other[80];

    hv_tap_subtest("a cached file's validators follow the file");

    hv_test_write(hv_test_path, "hello\n", HV_TEST_MTIME);
    T_IS_STR(hv_test_get(cache, &f),
        hv_test_expect(
            "\"2ebc98a1-6\"", "Sun, 06 Nov 1994 08:49:37 GMT", "hello\n"),
        "first request: the whole header, byte for byte");
    first = f.etag.data;

    T_IS_STR(hv_test_get(cache, &f),
        hv_test_expect(
            "\"2ebc98a1-6\"", "Sun, 06 Nov 1994 08:49:37 GMT", "hello\n"),
        "a hit: the same header");
    T_OK(f.etag.data == first, "a hit reuses the entry's text");

    hv_test_write(hv_test_path, "hello\n", HV_TEST_MTIME + 61);
    T_IS_STR(hv_test_get(cache, &f),
        hv_test_expect(
            "\"2ebc98de-6\"", "Sun, 06 Nov 1994 08:50:38 GMT", "hello\n"),
        "a new mtime: new ETag and Last-Modified");

    hv_test_write(hv_test_path, "hello, world\n", HV_TEST_MTIME + 61);
    T_IS_STR(hv_test_get(cache, &f),
        hv_test_expect("\"2ebc98de-d\"", "Sun, 06 Nov 1994 08:50:38 GMT",
            "hello, world\n"),
        "a new size, same mtime: new ETag");

    /* a new inode with the first version's size and mtime */
    snprintf(other, sizeof(other), "%s/other", hv_test_dir);
    hv_test_write(other, "HELLO\n", HV_TEST_MTIME);
    if (rename(other, hv_test_path) == -1) {
        hv_tap_diag("rename() failed");
    }
    T_IS_STR(hv_test_get(cache, &f),
        hv_test_expect(
            "\"2ebc98a1-6\"", "Sun, 06 Nov 1994 08:49:37 GMT", "HELLO\n"),
        "replaced by rename(): the new file's content and validators");

    hv_test_clcf.etag = 0;
    T_OK(strstr(hv_test_get(cache, &f), "ETag") == NULL,
        "etag off: no ETag from the cached text");
    hv_test_clcf.etag = 1;
}


/* An open_file_cache as the directive "open_file_cache max=4" makes it. */
static hv_static_cache_t *
hv_test_cache(hv_pool_t *pool)
{
    static hv_str_t words[] = { hv_string("open_file_cache"),
        hv_string("max=4") };
    static hv_static_main_conf_t smcf;
    static hv_static_loc_conf_t slcf;
    static hv_conf_ctx_t ctx;
    static void *main_conf[HV_MODULES_N];
    hv_array_t args;
    hv_conf_t cf;

    memset(&cf, 0, sizeof(cf));
    cf.pool = pool;
    cf.log = &hv_test_log;
    cf.ctx = &ctx;
    ctx.main_conf = main_conf;
    main_conf[HV_MODULE_static] = &smcf;
    args.elts = words;
    args.nelts = hv_nelems(words);
    cf.args = &args;

    if (hv_array_init(&smcf.caches, pool, 1, sizeof(hv_static_cache_t *)) !=
        HV_OK) {
        return NULL;
    }

    slcf.cache = HV_CONF_UNSET_PTR;
    if (hv_static_cache_directive(&cf, NULL, &slcf) != HV_CONF_OK) {
        return NULL;
    }

    return slcf.cache;
}


int
main(void)
{
    hv_static_cache_t *cache;
    hv_pool_t *pool;

    hv_time_update();

    if (hv_event_timer_init(NULL) != HV_OK || mkdtemp(hv_test_dir) == NULL) {
        return 1;
    }

    /* what the code under test logs goes nowhere */
    hv_test_null_log(&hv_test_log, &hv_test_log_file);

    snprintf(hv_test_path, sizeof(hv_test_path), "%s/f", hv_test_dir);

    hv_test_cmcf.top_header_filter = hv_http_header_filter;
    hv_test_cmcf.top_body_filter = hv_http_write_filter;
    hv_test_main_conf[HV_MODULE_http_core] = &hv_test_cmcf;

    hv_test_clcf.server_tokens = 0;
    hv_test_clcf.etag = 1;
    hv_test_clcf.keepalive_timeout = 75000;
    hv_test_clcf.keepalive_requests = 100;
    hv_test_clcf.send_timeout = 60000;
    hv_str_set(&hv_test_clcf.default_type, "application/octet-stream");
    hv_test_loc_conf[HV_MODULE_http_core] = &hv_test_clcf;

    hv_test_validators();

    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &hv_test_log);
    cache = (pool != NULL) ? hv_test_cache(pool) : NULL;
    T_OK(cache != NULL, "open_file_cache max=4");
    if (cache != NULL) {
        hv_test_changes(cache);
        hv_static_cache_free(cache);
    }

    (void) unlink(hv_test_path);
    (void) rmdir(hv_test_dir);
    if (pool != NULL) {
        hv_pool_destroy(pool);
    }
    (void) close(hv_test_log_file.fd);

    return hv_tap_done();
}
