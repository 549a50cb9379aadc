/*
 * tests/fuzz/template.c - the template compiler and evaluator
 * (http/variables.c, variables_get.c).
 *
 * Input: one flag byte (bits 0-1: HV_HTTP_TPL_LOG, HV_HTTP_TPL_HEADER),
 * then the template text, compiled from an exact-size copy as log_format
 * or return would compile it.  A template that compiles has its names
 * resolved (unknown ones stay empty, as between compile and the end of
 * the http block) and is evaluated against a fixed fake request whose
 * URI, arguments, header and capture hold bytes every escape must handle.
 * Properties: hv_http_template_len() equals what hv_http_template_write()
 * writes, into an exact-size buffer (ASan sees a write past it), and
 * hv_http_template_eval() gives the same bytes.  A fresh pool per input
 * makes a leak or a use of freed memory a finding.
 */
#include "http/http.h"
#include "tests/fuzz/fuzz.h"


typedef struct {
    hv_pool_t *pool;
    hv_conf_t cf;
    hv_conf_ctx_t ctx;
    void *main_conf[HV_MODULES_N];
    hv_http_core_main_conf_t cmcf;
    hv_connection_t c;
    hv_listening_t ls;
    hv_http_request_t r;
    hv_str_t captures[2];
} hv_fuzz_tpl_t;


static void
hv_fuzz_tpl_header(hv_array_t *a, const char *key, const char *value)
{
    hv_http_header_t *h;

    h = hv_array_push(a);
    if (h == NULL) {
        abort();
    }

    memset(h, 0, sizeof(hv_http_header_t));
    h->key.data = (unsigned char *) key;
    h->key.len = strlen(key);
    h->value.data = (unsigned char *) value;
    h->value.len = strlen(value);
}


/* The fixed fake request, as tests/unit/http_variables.c builds one. */
static void
hv_fuzz_tpl_init(hv_fuzz_tpl_t *t)
{
    hv_log_t *log = hv_fuzz_null_log();

    memset(t, 0, sizeof(hv_fuzz_tpl_t));

    t->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, log);
    if (t->pool == NULL) {
        abort();
    }
    t->cf.pool = t->pool;
    t->cf.log = log;
    t->cf.ctx = &t->ctx;
    t->ctx.main_conf = t->main_conf;
    t->main_conf[HV_MODULE_http_core] = &t->cmcf;

    t->ls.sockaddr.sin.sin_family = AF_INET;
    t->ls.sockaddr.sin.sin_port = htons(8080);
    t->c.listening = &t->ls;
    t->c.fd = -1;
    t->c.log = *log;
    t->c.sockaddr.sin.sin_family = AF_INET;
    t->c.sockaddr.sin.sin_port = htons(40000);
    hv_str_set(&t->c.addr_text, "10.0.0.7");
    t->c.number = 42;
    t->c.requests = 3;

    t->r.pool = t->pool;
    t->r.connection = &t->c;
    hv_str_set(&t->r.uri, "/a\"b\\c\x01\xff\r\n/d.html");
    hv_str_set(&t->r.args, "x=1&B=t%20o&c&e=\x7f\"");
    hv_str_set(&t->r.method_name, "GET");
    hv_str_set(&t->r.headers_in.server, "example.org");
    hv_str_set(&t->r.headers_out.content_type, "text/html");
    t->r.headers_out.content_length_n = 1234;
    t->r.headers_out.status = 404;
    hv_str_set(&t->captures[0], "/ab\x80\r");
    hv_str_set(&t->captures[1], "");
    t->r.captures = t->captures;
    t->r.ncaptures = 2;

    if (hv_array_init(&t->r.headers_in.headers, t->pool, 2,
            sizeof(hv_http_header_t)) != HV_OK ||
        hv_array_init(&t->r.headers_out.headers, t->pool, 2,
            sizeof(hv_http_header_t)) != HV_OK) {
        abort();
    }
    hv_fuzz_tpl_header(&t->r.headers_in.headers, "X-A", "\"\x7f\x80\t");
    hv_fuzz_tpl_header(&t->r.headers_in.headers, "User-Agent", "fuzz/1");
    hv_fuzz_tpl_header(&t->r.headers_out.headers, "X-B", "o\\ut");
}


static void
hv_fuzz_tpl_eval(
    hv_fuzz_tpl_t *t, const hv_http_template_t *tpl, unsigned flags)
{
    unsigned char *buf, *end;
    size_t len;
    hv_str_t v;

    len = hv_http_template_len(&t->r, tpl, flags);
    HV_FUZZ_CHECK(len < 1024 * 1024, "length %zu (flags %u)", len, flags);
    if (len >= 1024 * 1024) {
        return;
    }

    /* exact size, so ASan sees a write past the computed length */
    buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        abort();
    }
    end = hv_http_template_write(&t->r, tpl, flags, buf);

    HV_FUZZ_CHECK(end == buf + len, "length %zu, wrote %ld (flags %u)", len,
        (long) (end - buf), flags);

    if (hv_http_template_eval(&t->r, tpl, flags, &v) == HV_OK) {
        HV_FUZZ_CHECK(
            v.len == len && (len == 0 || memcmp(v.data, buf, len) == 0),
            "eval gives %zu bytes, write %zu (flags %u)", v.len, len, flags);
    }

    free(buf);
}


int
hv_fuzz_template(const uint8_t *data, size_t size)
{
    static bool time_set;
    hv_http_template_t *tpl;
    hv_fuzz_tpl_t t;
    unsigned flags;
    hv_str_t text;

    if (size < 1) {
        return 0;
    }

    if (!time_set) {
        hv_time_update();
        time_set = true;
    }

    flags = data[0] & (HV_HTTP_TPL_LOG | HV_HTTP_TPL_HEADER);

    hv_fuzz_tpl_init(&t);

    text.len = size - 1;
    text.data = hv_pnalloc(t.pool, text.len > 0 ? text.len : 1);
    if (text.data == NULL) {
        abort();
    }
    if (text.len > 0) {
        memcpy(text.data, data + 1, text.len);
    }

    tpl = hv_http_template_compile(&t.cf, &text);

    if (tpl != NULL) {
        hv_fuzz_tpl_eval(&t, tpl, flags);
        /* unknown names make this fail; they stay empty all the same */
        (void) hv_http_variables_init(&t.cf);
        hv_fuzz_tpl_eval(&t, tpl, flags);
    }

    hv_pool_destroy(t.pool);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_template(data, size);
}

#endif
