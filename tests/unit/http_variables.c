/*
 * tests/unit/http_variables.c - http/variables.c, variables_get.c and
 * regex.c: the template compiler (literals, $name, ${name}, one-digit
 * captures, invalid names), names resolved at the end of the http block
 * (module variables, capture names, unknown ones), the values of the
 * core's variables on a hand-made request, the log and header escapes,
 * regex captures, and a randomized check that the length pass and the
 * write pass agree byte for byte (what the fuzzer checks too).
 */
#include "http/variables_internal.h"
#include "tests/tap.h"
#include "tests/unit/null_log.h"


typedef struct {
    hv_pool_t *pool;
    hv_log_t log;
    hv_log_file_t file;
    hv_conf_t cf;
    hv_conf_ctx_t ctx;
    void *main_conf[HV_MODULES_N];
    hv_http_core_main_conf_t cmcf;
    hv_connection_t c;
    hv_listening_t ls;
    hv_http_request_t r;
} hv_test_t;


static void
hv_test_init(hv_test_t *t)
{
    memset(t, 0, sizeof(hv_test_t));

    hv_test_null_log(&t->log, &t->file);

    t->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &t->log);
    t->cf.pool = t->pool;
    t->cf.log = &t->log;
    t->cf.ctx = &t->ctx;
    t->ctx.main_conf = t->main_conf;
    t->main_conf[HV_MODULE_http_core] = &t->cmcf;

    t->ls.sockaddr.sin.sin_family = AF_INET;
    t->ls.sockaddr.sin.sin_port = htons(8080);
    t->c.listening = &t->ls;
    t->c.fd = -1;
    t->c.log = t->log;
    t->c.sockaddr.sin.sin_family = AF_INET;
    t->c.sockaddr.sin.sin_port = htons(40000);
    hv_str_set(&t->c.addr_text, "10.0.0.7");
    t->c.number = 42;
    t->c.requests = 3;

    t->r.pool = t->pool;
    t->r.connection = &t->c;
    hv_str_set(&t->r.uri, "/a/b.html");
    hv_str_set(&t->r.args, "x=1&B=two&c");
    hv_str_set(&t->r.method_name, "GET");
    t->r.headers_out.content_length_n = -1;
    (void) hv_array_init(
        &t->r.headers_in.headers, t->pool, 2, sizeof(hv_http_header_t));
    (void) hv_array_init(
        &t->r.headers_out.headers, t->pool, 2, sizeof(hv_http_header_t));
}


static void
hv_test_done(hv_test_t *t)
{
    hv_pool_destroy(t->pool);
    (void) close(t->file.fd);
}


static hv_http_template_t *
hv_test_compile(hv_test_t *t, const char *text)
{
    hv_str_t s;

    s.data = (unsigned char *) hv_pstrdup(
        t->pool, (const unsigned char *) text, strlen(text));
    s.len = strlen(text);

    return hv_http_template_compile(&t->cf, &s);
}


/* The value as a C string (static buffer); "<NULL>" when it fails. */
static const char *
hv_test_eval(hv_test_t *t, hv_http_template_t *tpl, unsigned flags)
{
    static char out[1024];
    hv_str_t v;

    if (tpl == NULL || hv_http_template_eval(&t->r, tpl, flags, &v) != HV_OK) {
        return "<NULL>";
    }

    snprintf(out, sizeof(out), "%.*s", (int) v.len, v.data);
    return out;
}


static const char *
hv_test_value(hv_test_t *t, const char *text, unsigned flags)
{
    return hv_test_eval(t, hv_test_compile(t, text), flags);
}


static void
hv_test_add_header(hv_array_t *a, const char *key, const char *value)
{
    hv_http_header_t *h = hv_array_push(a);

    memset(h, 0, sizeof(hv_http_header_t));
    h->key.data = (unsigned char *) key;
    h->key.len = strlen(key);
    h->value.data = (unsigned char *) value;
    h->value.len = strlen(value);
}


static void
test_compile(void)
{
    hv_http_template_t *tpl;
    hv_test_t t;

    hv_tap_subtest("compile");
    hv_test_init(&t);

    tpl = hv_test_compile(&t, "plain text");
    T_OK(tpl != NULL && tpl->nvars == 0 && tpl->nparts == 1, "a literal");
    T_IS_STR(hv_test_eval(&t, tpl, 0), "plain text", "... is its source");

    tpl = hv_test_compile(&t, "");
    T_OK(tpl != NULL && tpl->nparts == 0, "an empty template");

    T_IS_STR(hv_test_value(&t, "$uri?$args", 0), "/a/b.html?x=1&B=two&c",
        "two variables and a literal");
    T_IS_STR(hv_test_value(&t, "${uri}x${request_method}", 0), "/a/b.htmlxGET",
        "${name} ends a name");
    T_IS_STR(hv_test_value(&t, "$uri.", 0), "/a/b.html.",
        "a name ends at a non-name byte");

    T_OK(hv_test_compile(&t, "a$") == NULL, "a lone $ is refused");
    T_OK(hv_test_compile(&t, "${uri") == NULL, "an open brace is refused");
    T_OK(hv_test_compile(&t, "${}") == NULL, "an empty brace is refused");
    T_OK(hv_test_compile(&t, "$-x") == NULL, "$- is refused");

    tpl = hv_test_compile(&t, "$12");
    T_OK(tpl != NULL && tpl->nparts == 2 && tpl->parts[0].n == 1 &&
             tpl->parts[1].get == NULL,
        "a capture number is one digit: $12 is $1 and \"2\"");

    hv_test_done(&t);
}


static HV_HTTP_VAR_GETTER(hv_test_getter)
{
    (void) r;
    (void) n;
    (void) scratch;
    *out = *arg;
}


static void
test_resolve(void)
{
    hv_http_template_t *a, *b;
    hv_test_t t;

    hv_tap_subtest("names resolved at the end of the block");
    hv_test_init(&t);

    a = hv_test_compile(&t, "[$mod_thing][$pfx_rest][$cap]");
    T_OK(a != NULL, "unknown names compile");
    T_IS_INT(hv_http_variable_add(&t.cf, "mod_thing", false, hv_test_getter),
        HV_OK, "a module adds a variable");
    T_IS_INT(hv_http_variable_add(&t.cf, "pfx_", true, hv_test_getter), HV_OK,
        "and a prefix variable");
    T_IS_INT(hv_http_variables_add_capture(&t.cf, (unsigned char *) "cap"),
        HV_OK, "a regex names a group");
    T_IS_INT(hv_http_variables_init(&t.cf), HV_OK, "all resolve");
    T_IS_STR(hv_test_eval(&t, a, 0), "[mod_thing][rest][]",
        "module getters see their name or NAME; an unmatched capture is "
        "empty");

    b = hv_test_compile(&t, "$nope");
    T_OK(b != NULL, "another unknown name compiles");
    T_IS_INT(hv_http_variables_init(&t.cf), HV_ERROR, "but does not resolve");

    hv_test_done(&t);
}


static void
test_values(void)
{
    hv_test_t t;

    hv_tap_subtest("values");
    hv_test_init(&t);

    hv_test_add_header(&t.r.headers_in.headers, "X-Test-Me", "yes");
    hv_test_add_header(&t.r.headers_in.headers, "Content-Type", "text/x");
    hv_test_add_header(&t.r.headers_out.headers, "X-Out", "out");
    hv_str_set(&t.r.headers_out.content_type, "text/html");
    t.r.headers_out.content_length_n = 1234;

    T_IS_STR(hv_test_value(&t, "$http_x_test_me|$http_X_Test_me", 0), "yes|yes",
        "$http_NAME in any case, '_' for '-'");
    T_IS_STR(hv_test_value(&t, "$content_type", 0), "text/x",
        "$content_type is the request's");
    T_IS_STR(hv_test_value(&t,
                 "$sent_http_x_out|$sent_http_content_type|"
                 "$sent_http_content_length|$sent_http_none",
                 0),
        "out|text/html|1234|", "$sent_http_NAME, with the special fields");
    T_IS_STR(hv_test_value(&t, "$arg_x|$arg_b|$arg_c|$arg_none", 0), "1|two||",
        "$arg_NAME");
    T_IS_STR(hv_test_value(&t, "$is_args|$remote_addr|$remote_port", 0),
        "?|10.0.0.7|40000", "is_args, remote address and port");
    T_IS_STR(hv_test_value(&t, "$server_port|$scheme|$https|$pipe", 0),
        "8080|http||.", "server_port, scheme, https, pipe");
    T_IS_STR(hv_test_value(&t, "$connection|$connection_requests", 0), "42|3",
        "connection numbers");

    T_IS_STR(hv_test_value(&t, "$status", 0), "000", "no status yet: 000");
    t.r.headers_out.status = 404;
    T_IS_STR(hv_test_value(&t, "$status", 0), "404", "$status");

    T_IS_STR(hv_test_value(&t, "$host|$server_name", 0), "|",
        "no Host and no server: empty");
    hv_str_set(&t.r.headers_in.server, "example.org");
    T_IS_STR(hv_test_value(&t, "$host", 0), "example.org", "$host");

    t.r.pipeline = 1;
    T_IS_STR(hv_test_value(&t, "$pipe", 0), "p", "$pipe when pipelined");

    hv_test_done(&t);
}


static void
test_escapes(void)
{
    hv_test_t t;

    hv_tap_subtest("log and header escapes");
    hv_test_init(&t);

    hv_str_set(&t.r.uri, "/a\"b\\c\x01\xff\r\n");

    T_IS_STR(hv_test_value(&t, "[$uri][$arg_none]", HV_HTTP_TPL_LOG),
        "[/a\\x22b\\x5Cc\\x01\\xFF\\x0D\\x0A][-]",
        "log: escaped, empty is \"-\"");
    T_IS_STR(hv_test_value(&t, "\"$uri\"", HV_HTTP_TPL_LOG),
        "\"/a\\x22b\\x5Cc\\x01\\xFF\\x0D\\x0A\"",
        "log: the literal stays as written");
    T_IS_STR(hv_test_value(&t, "X $uri", HV_HTTP_TPL_HEADER),
        "X /a\"b\\c%01\xff%0D%0A", "header: control bytes as %%HH");

    hv_test_done(&t);
}


static void
test_captures(void)
{
    hv_http_template_t *tpl;
    hv_str_t pattern, subject;
    void *re;
    hv_test_t t;

    hv_tap_subtest("regex captures");
    hv_test_init(&t);

    tpl = hv_test_compile(&t, "$1-$2-$name-$0-$9");
    hv_str_set(&pattern, "^/(?<name>\\w+)/(\\d+)$");
    re = hv_http_regex_compile(&t.cf, &pattern, false);
    T_OK(re != NULL, "a regex with a named group compiles");
    T_IS_INT(hv_http_variables_init(&t.cf), HV_OK, "$name resolves");

    T_IS_STR(hv_test_eval(&t, tpl, 0), "----", "no match yet: all empty");

    hv_str_set(&subject, "/abc/12");
    T_OK(hv_http_regex_exec(&t.r, re, &subject), "it matches");
    T_IS_STR(hv_test_eval(&t, tpl, 0), "abc-12-abc-/abc/12-",
        "numbered, named, whole, unset");

    hv_str_set(&subject, "/x/y");
    T_OK(!hv_http_regex_exec(&t.r, re, &subject), "no match");
    T_IS_STR(hv_test_eval(&t, tpl, 0), "abc-12-abc-/abc/12-",
        "a failed match keeps the captures");

    hv_test_done(&t);
}


/* Random templates over every core variable and random request bytes:
 * the length pass must equal what the write pass writes. */
static void
test_len_agrees(void)
{
    static const char *const names[] = { "uri", "request_uri", "args", "arg_x",
        "host", "server_name", "remote_addr", "remote_port", "server_addr",
        "server_port", "scheme", "request_method", "request_length", "status",
        "body_bytes_sent", "bytes_sent", "request_time", "msec", "time_local",
        "time_iso8601", "pipe", "connection", "connection_requests", "http_x_a",
        "sent_http_x_b", "pid", "1", "0", "request", "connection_time",
        "is_args", NULL };
    unsigned char bytes[64], out[8192];
    char text[512];
    hv_http_template_t *tpl;
    unsigned flags, seed;
    size_t len, nnames, k;
    unsigned char *end;
    int i, j, bad;
    hv_test_t t;

    hv_tap_subtest("length and write agree");

    for (nnames = 0; names[nnames] != NULL; nnames++) {
    }

    seed = 12345;
    bad = 0;

    for (i = 0; i < 300; i++) {
        hv_test_init(&t);

        for (k = 0; k < sizeof(bytes); k++) {
            seed = seed * 1103515245 + 12345;
            bytes[k] = (unsigned char) (seed >> 16);
        }
        t.r.uri.data = bytes;
        t.r.uri.len = (seed >> 8) % sizeof(bytes);
        t.r.args.data = bytes + 3;
        t.r.args.len = (seed >> 4) % 20;
        t.r.captures = &t.r.uri;
        t.r.ncaptures = 1;
        hv_test_add_header(&t.r.headers_in.headers, "X-A", "\"\x7f\x80");

        text[0] = '\0';
        for (j = 0; j < 8; j++) {
            seed = seed * 1103515245 + 12345;
            k = strlen(text);
            snprintf(text + k, sizeof(text) - k, "%s${%s}",
                (seed & 4) ? "lit\"" : "", names[(seed >> 8) % nnames]);
        }

        tpl = hv_test_compile(&t, text);
        for (flags = 0; tpl != NULL && flags < 3; flags++) {
            len = hv_http_template_len(&t.r, tpl, flags);
            memset(out, 0xa5, sizeof(out));
            end = hv_http_template_write(&t.r, tpl, flags, out);
            if ((size_t) (end - out) != len || out[len] != 0xa5) {
                bad++;
            }
        }
        if (tpl == NULL) {
            bad++;
        }

        hv_test_done(&t);
    }

    T_IS_INT(bad, 0, "300 random templates, three flag sets");
}


int
main(void)
{
    hv_time_update();

    test_compile();
    test_resolve();
    test_values();
    test_escapes();
    test_captures();
    test_len_agrees();

    return hv_tap_done();
}
