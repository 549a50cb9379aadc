/*
 * tests/unit/http_parse.c - http/parse.c, parse_path.c, parse_chunked.c.
 *
 * Every input sits at the end of a page followed by a PROT_NONE page, so
 * a parser that reads one byte too far crashes the test (STYLE 32).  Each
 * request is parsed whole and then split in two at every byte offset: the
 * first part in a guarded buffer of its own, the rest after moving both
 * into a second guarded buffer and rebasing the parser, as the server does
 * when a request outgrows its first buffer.  Every split must give the
 * verdict and the fields of the whole parse; the checks then assert the
 * exact status the server would send (400, 505) or the parsed fields.
 */
#include "http/http.h"
#include "tests/tap.h"


#define HV_TEST_OUT 16384

/* Inputs longer than this are split at sampled offsets, not all. */
#define HV_TEST_SPLIT_ALL 4096


/* Appends printf output to a rendering, bounded. */
static void hv_test_cat(char *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));


static void
hv_test_cat(char *out, const char *fmt, ...)
{
    va_list args;
    size_t n;

    n = strlen(out);
    if (n >= HV_TEST_OUT - 1) {
        return;
    }

    va_start(args, fmt);
    (void) vsnprintf(out + n, HV_TEST_OUT - n, fmt, args);
    va_end(args);
}


/* Appends [start, end) with control bytes escaped, or "-" for NULL. */
static void
hv_test_cat_span(char *out, const char *label, const unsigned char *start,
    const unsigned char *end)
{
    const unsigned char *p;

    hv_test_cat(out, " %s=", label);

    if (start == NULL || end == NULL) {
        hv_test_cat(out, "-");
        return;
    }

    hv_test_cat(out, "[");
    for (p = start; p < end; p++) {
        if (*p < 0x20 || *p >= 0x7f) {
            hv_test_cat(out, "\\x%02x", *p);
        } else {
            hv_test_cat(out, "%c", *p);
        }
    }
    hv_test_cat(out, "]");
}


static void
hv_test_render_line(char *out, const hv_http_parser_t *p)
{
    const unsigned char *path_end;

    hv_test_cat(out, "m=%lu", (unsigned long) p->method);
    hv_test_cat_span(out, "name", p->request_start, p->method_end);
    hv_test_cat_span(out, "t", p->uri_start, p->uri_end);

    path_end = p->args_start != NULL ? p->args_start - 1 : p->uri_end;
    hv_test_cat_span(out, "path", p->uri_start, path_end);
    hv_test_cat_span(
        out, "a", p->args_start, p->args_start ? p->uri_end : NULL);
    hv_test_cat_span(out, "s", p->schema_start, p->schema_end);
    hv_test_cat_span(out, "h", p->host_start, p->host_end);
    hv_test_cat_span(out, "line", p->request_start, p->request_end);
    hv_test_cat(
        out, " v=%d.%d cx=%d", p->http_major, p->http_minor, p->complex_uri);
}


/*
 * Runs the request-line and header parsers over b until a verdict or
 * until they want more bytes.  *phase is 0 for the request line, 1 for
 * the header; out collects the rendering.  Returns the verdict (0 for a
 * complete header, a status) or HV_AGAIN.
 */
static int
hv_test_run(hv_http_parser_t *p, hv_buf_t *b, int *phase, char *out)
{
    int rc;

    for (;;) {
        if (*phase == 0) {
            rc = hv_http_parse_request_line(p, b);
            if (rc == HV_OK) {
                hv_test_render_line(out, p);
                *phase = 1;
                continue;
            }
            return rc;
        }

        rc = hv_http_parse_header_line(p, b);

        if (rc == HV_OK) {
            hv_test_cat_span(
                out, "H", p->header_name_start, p->header_name_end);
            hv_test_cat_span(out, "V", p->header_start, p->header_end);
            continue;
        }

        if (rc == HV_DONE) {
            return 0;
        }

        return rc;
    }
}


/*
 * Parses len bytes of text split at offset k (k == len: whole) and renders
 * "rc=VERDICT" followed, for a complete request, by its fields.  A request
 * that needs more than it got renders "rc=again".
 */
static const char *
hv_test_parse_split(const char *text, size_t len, size_t k, char *out)
{
    hv_http_parser_t p;
    unsigned char *buf1, *buf2;
    char fields[HV_TEST_OUT];
    hv_buf_t b;
    int phase, rc;

    memset(&p, 0, sizeof(p));
    memset(&b, 0, sizeof(b));
    fields[0] = '\0';
    phase = 0;

    buf1 = hv_tap_guarded_copy(text, k);
    b.start = buf1;
    b.pos = buf1;
    b.last = buf1 + k;
    b.end = buf1 + k;

    rc = hv_test_run(&p, &b, &phase, fields);

    if (rc == HV_AGAIN && k < len) {
        /* the rest arrives: move everything, as a larger buffer would */
        buf2 = hv_tap_guarded_copy(text, len);
        hv_http_parser_rebase(&p, buf2 - buf1);
        b.pos = buf2 + (b.pos - buf1);
        b.start = buf2;
        b.last = buf2 + len;
        b.end = b.last;

        rc = hv_test_run(&p, &b, &phase, fields);
        hv_tap_guarded_free(buf2, len);
    }

    hv_tap_guarded_free(buf1, k);

    if (rc == HV_AGAIN) {
        snprintf(out, HV_TEST_OUT, "rc=again");
    } else if (rc == 0) {
        snprintf(out, HV_TEST_OUT, "rc=0 %.16000s", fields);
    } else {
        snprintf(out, HV_TEST_OUT, "rc=%d", rc);
    }

    return out;
}


/*
 * Parses text whole and split at every offset (sampled for long inputs)
 * into whole; returns false (with a diagnostic) when a split disagrees.
 */
static bool
hv_test_parse_all(const char *text, size_t len, char *whole)
{
    char split[HV_TEST_OUT];
    size_t k, step;

    hv_test_parse_split(text, len, len, whole);

    step = len > HV_TEST_SPLIT_ALL ? 997 : 1;

    for (k = 0; k < len; k += (k < 64 || len - k < 64) ? 1 : step) {
        hv_test_parse_split(text, len, k, split);
        if (strcmp(split, whole) != 0) {
            hv_tap_diag("split at %zu: %s", k, split);
            return false;
        }
    }

    return true;
}


/* Same, as a check of its own; returns the whole rendering. */
static const char *
hv_test_parse(const char *text, size_t len)
{
    static char whole[HV_TEST_OUT];

    T_OK(hv_test_parse_all(text, len, whole),
        "same verdict at every split (%.40s)", whole);

    return whole;
}


/* Expects a bare verdict (a status, or "again"). */
static void
hv_test_verdict(const char *text, const char *exp, const char *what)
{
    const char *got;
    char rc[32];

    got = hv_test_parse(text, strlen(text));
    snprintf(rc, sizeof(rc), "%.*s", (int) strcspn(got, " "), got);
    T_IS_STR(rc, exp, "%s", what);
}


/* Expects a complete request whose rendering contains every fragment. */
static void
hv_test_fields(const char *text, const char *const *frags, const char *what)
{
    const char *got;
    bool all;
    size_t i;

    got = hv_test_parse(text, strlen(text));
    all = strncmp(got, "rc=0 ", 5) == 0;

    for (i = 0; all && frags[i] != NULL; i++) {
        if (strstr(got, frags[i]) == NULL) {
            hv_tap_diag("missing %s", frags[i]);
            all = false;
        }
    }

    if (!T_OK(all, "%s", what)) {
        hv_tap_diag("got %s", got);
    }
}


/* The expected verdict of one request line of the matrix. */
typedef struct {
    const char *text;
    int verdict; /* 0 valid, 400 bad, -1: decided later */
} hv_test_part_t;


static void
hv_test_request_line_matrix(void)
{
    static const hv_test_part_t methods[] = {
        { "GET", 0 },
        { "HEAD", 0 },
        { "POST", 0 },
        { "PUT", 0 },
        { "DELETE", 0 },
        { "OPTIONS", 0 },
        { "PATCH", 0 },
        { "TRACE", 0 },
        { "CONNECT", 0 },
        { "PROPFIND", 0 },
        { "get", 0 },
        { "M-SEARCH", 0 },
        { "G@T", 400 },
        { "GE T", 400 },
        { "", 400 },
        { "G\x01T", 400 },
    };
    static const hv_test_part_t targets[] = {
        { "/", 0 },
        { "/a/b.html?x=1&y=%20", 0 },
        { "/caf\xc3\xa9", 0 },
        { "/a?b?c/d", 0 },
        { "http://example.com/x", 0 },
        { "http://example.com:8080/x?q", 0 },
        { "HTTP://[::1]:80/", 0 },
        { "http://example.com", 0 },
        { "*", -1 },
        { "/a b", 400 },
        { "/a\x01", 400 },
        { "/a\x7f", 400 },
        { "/a\t", 400 },
        { "/a#frag", 400 },
        { "a/b", 400 },
        { "", 400 },
        { "http://user@host/", 400 },
        { "http:///x", 400 },
        { "http://host?x", 400 },
        { "http://[]/", 400 },
        { "http://h:8x/", 400 },
        { "1http://h/", 400 },
        { "/?a\x02", 400 },
    };
    static const hv_test_part_t versions[] = {
        { " HTTP/1.1", 0 },
        { " HTTP/1.0", 0 },
        { " HTTP/1.9", 0 },
        { " HTTP/2.0", 505 },
        { " HTTP/0.9", 505 },
        { " HTTP/3.1", 505 },
        { " HTTP/1.10", 400 },
        { " HTTP/11", 400 },
        { " http/1.1", 400 },
        { " HTTP/1.", 400 },
        { " HTTP/1.1 ", 400 },
        { "", 400 },
        { "  HTTP/1.1", 400 },
        { " HTTPS/1.1", 400 },
        { " HTTP/a.1", 400 },
    };
    static const char *const ends[] = { "\r\n", "\n" };
    static char res[HV_TEST_OUT];
    char text[256], exp[16], got[16];
    size_t m, t, v, e, n, failed, splits;
    int verdict;

    hv_tap_subtest("request-line matrix: methods x targets x versions");

    n = 0;
    failed = 0;
    splits = 0;

    for (m = 0; m < hv_nelems(methods); m++) {
        for (t = 0; t < hv_nelems(targets); t++) {
            for (v = 0; v < hv_nelems(versions); v++) {
                e = (m + t + v) % 2;
                snprintf(text, sizeof(text), "%s %s%s%sHost: x%s%s",
                    methods[m].text, targets[t].text, versions[v].text, ends[e],
                    ends[e], ends[e]);

                /* the first bad element, left to right, decides */
                verdict = methods[m].verdict;
                if (verdict == 0) {
                    verdict = targets[t].verdict;
                    if (verdict == -1) {
                        verdict =
                            strcmp(methods[m].text, "OPTIONS") == 0 ? 0 : 400;
                    }
                }
                if (verdict == 0) {
                    verdict = versions[v].verdict;
                }

                snprintf(exp, sizeof(exp), "rc=%d", verdict);
                if (!hv_test_parse_all(text, strlen(text), res)) {
                    splits++;
                }
                snprintf(
                    got, sizeof(got), "%.*s", (int) strcspn(res, " "), res);

                n++;
                if (strcmp(got, exp) != 0) {
                    failed++;
                    hv_tap_diag("%s: got %s, expected %s", text, got, exp);
                }
            }
        }
    }

    T_IS_INT(failed, 0, "%zu request lines get their exact verdict", n);
    T_IS_INT(splits, 0, "and the same one split at every offset");
}


/* Each method by its exact bytes; one byte off is an unknown method. */
static void
hv_test_methods(void)
{
    static const struct {
        const char *name;
        hv_uint_t method;
    } cases[] = {
        { "GET", HV_HTTP_GET },
        { "HEAD", HV_HTTP_HEAD },
        { "POST", HV_HTTP_POST },
        { "PUT", HV_HTTP_PUT },
        { "DELETE", HV_HTTP_DELETE },
        { "OPTIONS", HV_HTTP_OPTIONS },
        { "PATCH", HV_HTTP_PATCH },
        { "TRACE", HV_HTTP_TRACE },
        { "CONNECT", HV_HTTP_CONNECT },
    };
    char text[64], name[16], exp[32];
    const char *got;
    size_t i, k, failed;

    hv_tap_subtest("methods");

    failed = 0;

    for (i = 0; i < hv_nelems(cases); i++) {
        snprintf(text, sizeof(text), "%s / HTTP/1.1\r\n\r\n", cases[i].name);
        snprintf(exp, sizeof(exp), "m=%lu ", (unsigned long) cases[i].method);
        got = hv_test_parse(text, strlen(text));
        if (strstr(got, exp) == NULL) {
            hv_tap_diag("%s: %s", cases[i].name, got);
            failed++;
        }

        /* every byte changed in turn, one byte more, one byte less */
        for (k = 0; k <= strlen(cases[i].name) + 1; k++) {
            snprintf(name, sizeof(name), "%s", cases[i].name);
            if (k < strlen(name)) {
                name[k] = (char) (name[k] == 'X' ? 'Y' : 'X');
            } else if (k == strlen(name)) {
                name[k] = 'S';
                name[k + 1] = '\0';
            } else {
                name[strlen(name) - 1] = '\0';
            }
            snprintf(text, sizeof(text), "%s / HTTP/1.1\r\n\r\n", name);
            got = hv_test_parse(text, strlen(text));
            if (strstr(got, "m=1 ") == NULL) {
                hv_tap_diag("%s: %s", name, got);
                failed++;
            }
        }
    }

    T_IS_INT(failed, 0, "each method by its bytes, near misses unknown");
}


static void
hv_test_request_line_fields(void)
{
    static const char *const get[] = { "m=2 ", "name=[GET]",
        "t=[/a/b.html?x=1]", "path=[/a/b.html]", "a=[x=1]", "s=-", "h=-",
        "line=[GET /a/b.html?x=1 HTTP/1.1]", "v=1.1 cx=0", NULL };
    static const char *const abs[] = { "s=[http]", "h=[example.com]",
        "t=[/p/q?r]", "path=[/p/q]", "a=[r]", "v=1.0", NULL };
    static const char *const abs_port[] = { "h=[Example.COM]", "t=[/]", NULL };
    static const char *const abs_v6[] = { "s=[https]", "h=[[::1]]", "t=[/x]",
        NULL };
    static const char *const abs_empty[] = { "h=[example.com]", "t=[]", NULL };
    static const char *const star[] = { "m=64 ", "t=[*]", "a=-", NULL };
    static const char *const unknown[] = { "m=1 ", "name=[PROPFIND]", NULL };
    static const char *const lower[] = { "m=1 ", "name=[get]", NULL };
    static const char *const methods[] = { "m=4 ", NULL };
    static const char *const empty_args[] = { "t=[/x?]", "path=[/x]", "a=[]",
        NULL };
    static const char *const cx_pct[] = { "cx=1", NULL };
    static const char *const cx_dot[] = { "cx=1", "t=[/a/./b]", NULL };
    static const char *const cx_slash[] = { "cx=1", NULL };
    static const char *const cx_none[] = { "cx=0", "t=[/a.b/c./d]", NULL };
    static const char *const cx_args[] = { "cx=0", "a=[x=/../%41]", NULL };
    static const char *const lf_line[] = { "line=[GET / HTTP/1.1]", "H=[Host]",
        NULL };
    static const char *const skipped[] = { "name=[GET]", NULL };

    hv_tap_subtest("request-line fields");

    hv_test_fields("GET /a/b.html?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", get,
        "origin-form: method, target, path, args, version");
    hv_test_fields("GET http://example.com/p/q?r HTTP/1.0\r\n\r\n", abs,
        "absolute-form: schema, host, path, args");
    hv_test_fields("GET http://Example.COM:8080/ HTTP/1.1\r\nHost: a\r\n\r\n",
        abs_port, "absolute-form with a port: the host alone");
    hv_test_fields("GET https://[::1]:443/x HTTP/1.1\r\nHost: a\r\n\r\n",
        abs_v6, "absolute-form with an IPv6 literal");
    hv_test_fields("GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n",
        abs_empty, "absolute-form without a path: empty target");
    hv_test_fields("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", star,
        "asterisk-form for OPTIONS");
    hv_test_fields("PROPFIND / HTTP/1.1\r\nHost: a\r\n\r\n", unknown,
        "an unknown method is a valid token: HV_HTTP_UNKNOWN");
    hv_test_fields("get / HTTP/1.1\r\nHost: a\r\n\r\n", lower,
        "methods are case-sensitive: \"get\" is unknown");
    hv_test_fields("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", methods, "HEAD");
    hv_test_fields("GET /x? HTTP/1.1\r\n\r\n", empty_args, "an empty query");
    hv_test_fields(
        "GET /a%20b HTTP/1.1\r\n\r\n", cx_pct, "'%' makes the URI complex");
    hv_test_fields(
        "GET /a/./b HTTP/1.1\r\n\r\n", cx_dot, "\"/.\" makes the URI complex");
    hv_test_fields(
        "GET /a//b HTTP/1.1\r\n\r\n", cx_slash, "\"//\" makes the URI complex");
    hv_test_fields("GET /a.b/c./d HTTP/1.1\r\n\r\n", cx_none,
        "dots inside segments do not");
    hv_test_fields(
        "GET /?x=/../%41 HTTP/1.1\r\n\r\n", cx_args, "the query does not");
    hv_test_fields("GET / HTTP/1.1\nHost: a\n\n", lf_line,
        "bare LF ends the request line and the fields");
    hv_test_fields("\r\n\nGET / HTTP/1.1\r\n\r\n", skipped,
        "empty lines before the request line are skipped");

    hv_test_verdict(
        "GET / HTTP/1.1\r\r\n\r\n", "rc=400", "bare CR after the version");
    hv_test_verdict(
        "GET / HTTP/1.1\rHost: x\r\n\r\n", "rc=400", "bare CR as a line end");
    hv_test_verdict("\rGET / HTTP/1.1\r\n\r\n", "rc=400",
        "bare CR before the request line");
    hv_test_verdict(
        " GET / HTTP/1.1\r\n\r\n", "rc=400", "a space before the method");
    hv_test_verdict("GET /\r\n", "rc=400", "HTTP/0.9 is not served");
    hv_test_verdict("GET / HTTP/1.1\r\n", "rc=again",
        "a request line alone needs the header");
    hv_test_verdict("GET / HTTP/1", "rc=again", "a partial request line");
    hv_test_verdict(
        "GET / HTTP/1,1\r\n\r\n", "rc=400", "a comma in the version");
    hv_test_verdict(
        "GET / HTTX/1.1\r\n\r\n", "rc=400", "a wrong protocol name");
    hv_test_verdict(
        "GET / HTTP/1.1x\r\n\r\n", "rc=400", "a byte after the version");
    hv_test_verdict("GET / HTTP/1.1\r\rHost: x\r\n\r\n", "rc=400",
        "CR, CR after the version");
    hv_test_verdict("GET / HTTP/1.1\r\nHost: x\r\r\n", "rc=400",
        "CR, CR on the empty line");
    hv_test_verdict("", "rc=again", "nothing at all");
}


/* A request line with a NUL inside (strlen-free). */
static void
hv_test_nul_bytes(void)
{
    static const char line[] = "GET /a\0b HTTP/1.1\r\n\r\n";
    static const char method[] = "G\0T / HTTP/1.1\r\n\r\n";
    static const char version[] = "GET / HTTP/1\0001\r\n\r\n";
    static const char value[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
    static const char name[] = "GET / HTTP/1.1\r\nX\0: ab\r\n\r\n";
    const char *got;

    hv_tap_subtest("NUL bytes");

    got = hv_test_parse(line, sizeof(line) - 1);
    T_IS_STR(got, "rc=400", "NUL in the target");
    got = hv_test_parse(method, sizeof(method) - 1);
    T_IS_STR(got, "rc=400", "NUL in the method");
    got = hv_test_parse(version, sizeof(version) - 1);
    T_IS_STR(got, "rc=400", "NUL in the version");
    got = hv_test_parse(value, sizeof(value) - 1);
    T_IS_STR(got, "rc=400", "NUL in a field value");
    got = hv_test_parse(name, sizeof(name) - 1);
    T_IS_STR(got, "rc=400", "NUL in a field name");
}


/* Every byte in a field name and in a method: tchar or 400 (RFC 9110). */
static void
hv_test_name_bytes(void)
{
    static const char tchars[] = "!#$%&'*+-.^_`|~0123456789"
                                 "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char text[64], exp[16];
    const char *got;
    size_t n, failed;
    unsigned c;
    bool tchar;

    failed = 0;

    for (c = 0; c < 256; c++) {
        tchar = c != 0 && strchr(tchars, (int) c) != NULL;

        n = (size_t) snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nA");
        text[n++] = (char) c;
        n += (size_t) snprintf(text + n, sizeof(text) - n, "b: x\r\n\r\n");
        got = hv_test_parse(text, n);
        /* "A:b: x" is a field "A" */
        snprintf(
            exp, sizeof(exp), "%s", tchar || c == ':' ? "rc=0 " : "rc=400");
        if (strncmp(got, exp, strlen(exp)) != 0) {
            hv_tap_diag("name byte 0x%02x: %s", c, got);
            failed++;
        }

        n = (size_t) snprintf(text, sizeof(text), "G");
        text[n++] = (char) c;
        n += (size_t) snprintf(
            text + n, sizeof(text) - n, "T / HTTP/1.1\r\n\r\n");
        got = hv_test_parse(text, n);
        snprintf(exp, sizeof(exp), "%s", tchar ? "rc=0 " : "rc=400");
        if (strncmp(got, exp, strlen(exp)) != 0) {
            hv_tap_diag("method byte 0x%02x: %s", c, got);
            failed++;
        }
    }

    T_IS_INT(failed, 0, "each of the 256 bytes in a name and a method");
}


static void
hv_test_headers(void)
{
    static const char *const ows[] = { "H=[Host] V=[example.com]",
        "H=[X-Empty] V=[]", "H=[X-Tabs] V=[a \\x09 b]", "H=[X-Trail] V=[v]",
        NULL };
    static const char *const order[] = { "H=[A] V=[1] H=[b] V=[2] H=[A] V=[3]",
        NULL };
    static const char *const high[] = { "V=[caf\\xc3\\xa9]", NULL };
    static const char *const lf[] = { "H=[X] V=[1] H=[Y] V=[2]", NULL };
    static const char *const tokens[] = { "H=[!#$%&'*+-.^_`|~09azAZ] V=[x]",
        NULL };
    static const char *const colon[] = { "H=[X] V=[a:b: c]", NULL };

    hv_tap_subtest("header fields");

    hv_test_fields("GET / HTTP/1.1\r\nHost:   example.com  \r\n"
                   "X-Empty:\r\nX-Tabs:\t a \t b\t \r\nX-Trail: v \r\n\r\n",
        ows, "OWS around values is trimmed, inside it is kept");
    hv_test_fields("GET / HTTP/1.1\r\nA: 1\r\nb: 2\r\nA: 3\r\n\r\n", order,
        "fields in order, repeats kept");
    hv_test_fields("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", high,
        "obs-text in a value");
    hv_test_fields(
        "GET / HTTP/1.1\nX: 1\nY: 2\r\n\n", lf, "bare LF and CRLF mixed");
    hv_test_fields("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: x\r\n\r\n", tokens,
        "every tchar in a name");
    hv_test_fields("GET / HTTP/1.1\r\nX: a:b: c\r\n\r\n", colon,
        "colons inside the value");

    hv_test_verdict("GET / HTTP/1.1\r\nHost : x\r\n\r\n", "rc=400",
        "space before the colon");
    hv_test_verdict("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", "rc=400",
        "tab before the colon");
    hv_test_verdict(
        "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "rc=400", "obs-fold with SP");
    hv_test_verdict(
        "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", "rc=400", "obs-fold with HT");
    hv_test_verdict("GET / HTTP/1.1\r\n Host: x\r\n\r\n", "rc=400",
        "whitespace before the first field");
    hv_test_verdict("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n", "rc=400",
        "control byte in a value");
    hv_test_verdict(
        "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", "rc=400", "DEL in a value");
    hv_test_verdict("GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n", "rc=400",
        "escape sequence at the start of a value");
    hv_test_verdict("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", "rc=400",
        "bare CR inside a value");
    hv_test_verdict("GET / HTTP/1.1\r\nX: a\r\r\n\r\n", "rc=400",
        "bare CR at the end of a value");
    hv_test_verdict("GET / HTTP/1.1\r\nX: a\r\n\r\r\n", "rc=400",
        "bare CR on the empty line");
    hv_test_verdict("GET / HTTP/1.1\r\nX(y): a\r\n\r\n", "rc=400",
        "a separator in the name");
    hv_test_verdict("GET / HTTP/1.1\r\n: a\r\n\r\n", "rc=400", "an empty name");
    hv_test_verdict("GET / HTTP/1.1\r\nNoColon\r\n\r\n", "rc=400", "no colon");
    hv_test_verdict(
        "GET / HTTP/1.1\r\nX\xc3\xa9: a\r\n\r\n", "rc=400", "a non-ASCII name");
    hv_test_verdict("GET / HTTP/1.1\r\nX: a\r\n", "rc=again",
        "the header is not finished without the empty line");

    hv_test_name_bytes();
}


/*
 * Parses a request whose one field "X" has the 23 bytes of value, which
 * may hold NUL and other bytes printf would stop at or mangle.
 */
static const char *
hv_test_parse_value(const char *value)
{
    static const char head[] = "GET / HTTP/1.1\r\nX: ";
    char text[128];
    size_t n;

    n = sizeof(head) - 1;
    memcpy(text, head, n);
    memcpy(text + n, value, 23);
    n += 23;
    memcpy(text + n, "\r\n\r\n", 4);

    return hv_test_parse(text, n + 4);
}


/*
 * Values are scanned eight bytes at a time: a byte that ends or spoils a
 * value must be seen at every offset of a word, and SP, HT and bytes of
 * 0x80 and above must pass at every offset.
 */
static void
hv_test_value_words(void)
{
    static const char bad[] = { 0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f, '\r' };
    static const char good[] = { ' ', '\t', '!', '~', (char) 0x80, (char) 0xa0,
        (char) 0xff };
    char text[128], exp[128], value[32];
    bool ok_bad, ok_good;
    const char *got;
    size_t i, k, n;

    hv_tap_subtest("values scanned by words");

    ok_bad = true;
    ok_good = true;

    /* offsets 1..21: OWS at the first or the last byte would be trimmed */
    for (k = 1; k < 22; k++) {
        for (i = 0; i < sizeof(bad); i++) {
            memcpy(value, "abcdefghijklmnopqrstuvw", 24);
            value[k] = bad[i];
            got = hv_test_parse_value(value);
            if (strcmp(got, "rc=400") != 0) {
                hv_tap_diag(
                    "byte 0x%02x at %zu: %s", (unsigned char) bad[i], k, got);
                ok_bad = false;
            }
        }

        for (i = 0; i < sizeof(good); i++) {
            memcpy(value, "abcdefghijklmnopqrstuvw", 24);
            value[k] = good[i];
            n = (size_t) snprintf(
                text, sizeof(text), "GET / HTTP/1.1\r\nX: %s\r\n\r\n", value);
            got = hv_test_parse(text, n);
            snprintf(exp, sizeof(exp), "V=[%.*s\\x%02x%s]", (int) k, value,
                (unsigned char) good[i], value + k + 1);
            if (good[i] == '!' || good[i] == '~' || good[i] == ' ') {
                snprintf(exp, sizeof(exp), "V=[%s]", value);
            }
            if (strstr(got, exp) == NULL) {
                hv_tap_diag("byte 0x%02x at %zu: %s (want %s)",
                    (unsigned char) good[i], k, got, exp);
                ok_good = false;
            }
        }
    }

    T_OK(ok_bad, "control bytes, DEL and a bare CR at every offset: 400");
    T_OK(ok_good, "SP, HT, '!', '~' and obs-text at every offset pass");

    /*
     * An HT (or obs-text, whose bytes could disturb the flags of the
     * bytes after them) right before a bad byte in the same word: the
     * scan must go on after the HT and find the bad byte.
     */
    ok_bad = true;
    for (k = 1; k < 21; k++) {
        for (i = 0; i < sizeof(bad); i++) {
            memcpy(value, "abcdefghijklmnopqrstuvw", 24);
            value[k] = (k % 2) ? '\t' : (char) 0xff;
            value[k + 1] = bad[i];
            got = hv_test_parse_value(value);
            if (strcmp(got, "rc=400") != 0) {
                hv_tap_diag("0x%02x, 0x%02x at %zu: %s",
                    (unsigned char) value[k], (unsigned char) bad[i], k, got);
                ok_bad = false;
            }
        }
    }
    T_OK(ok_bad, "a bad byte right after HT or obs-text in a word: 400");

    hv_test_fields("GET / HTTP/1.1\r\nX: a\tb\tc\td\te\tf\tg\th\ti\r\n\r\n",
        (const char *const[]){
            "V=[a\\x09b\\x09c\\x09d\\x09e\\x09f\\x09g\\x09h\\x09i]", NULL },
        "several HTs in one word");

    hv_test_fields("GET / HTTP/1.1\r\nX: a \t \t  \t\r\nY: 12345678  \r\n\r\n",
        (const char *const[]){ "V=[a] H=[Y] V=[12345678]", NULL },
        "a run of OWS before the line end is trimmed");
}


/* Long inputs: the parser itself has no length limit (the buffers do). */
static void
hv_test_long(void)
{
    static char text[70000];
    const char *got;
    size_t n;

    hv_tap_subtest("long inputs");

    n = (size_t) snprintf(text, sizeof(text), "GET /");
    memset(text + n, 'a', 30000);
    n += 30000;
    n += (size_t) snprintf(text + n, sizeof(text) - n, " HTTP/1.1\r\nX: ");
    memset(text + n, 'b', 30000);
    n += 30000;
    n += (size_t) snprintf(text + n, sizeof(text) - n, "\r\n\r\n");

    got = hv_test_parse(text, n);
    T_OK(strncmp(got, "rc=0 ", 5) == 0, "30k target and 30k value parse");

    text[20000] = ' ';
    got = hv_test_parse(text, n);
    T_IS_STR(got, "rc=400", "a space deep inside a long target");
}


typedef struct {
    const char *in;
    bool merge;
    const char *out; /* NULL: 400 */
} hv_test_path_t;


static void
hv_test_path(void)
{
    static const hv_test_path_t cases[] = {
        { "/", true, "/" },
        { "/a/b/c", true, "/a/b/c" },
        { "/a%20b", true, "/a b" },
        { "/%41%42%43", true, "/ABC" },
        { "/%e2%82%AC", true, "/\xe2\x82\xac" },
        { "/a%2Fb", true, "/a/b" },
        { "/a/./b", true, "/a/b" },
        { "/a/../b", true, "/b" },
        { "/a/b/..", true, "/a/" },
        { "/a/b/.", true, "/a/b/" },
        { "/a/b/../../c", true, "/c" },
        { "/a/..", true, "/" },
        { "/.", true, "/" },
        { "/./", true, "/" },
        { "/a/%2e%2e/b", true, "/b" },
        { "/a/%2E./b", true, "/b" },
        { "/a/.%2e", true, "/" },
        { "/a/%2e/b", true, "/a/b" },
        { "/a%2F..%2Fb", true, "/b" },
        { "/a/...", true, "/a/..." },
        { "/a/..b/.c", true, "/a/..b/.c" },
        { "//a///b//", true, "/a/b/" },
        { "//a///b//", false, "//a///b//" },
        { "/a//..", false, "/a/" },
        { "/a//../b", true, "/b" },
        { "/a/b%2F%2F..", true, "/a/" },
        { "/a/b%2F%2F..", false, "/a/b/" },
        { "/..", true, NULL },
        { "/../x", true, NULL },
        { "/a/../..", true, NULL },
        { "/a/../../b", true, NULL },
        { "/%2e%2e/x", true, NULL },
        { "/%2e%2e", true, NULL },
        { "/a%2F..%2F..%2Fetc", true, NULL },
        { "/%00", true, NULL },
        { "/a%00.html", true, NULL },
        { "/a%", true, NULL },
        { "/a%4", true, NULL },
        { "/a%zz", true, NULL },
        { "/a%4g", true, NULL },
        { "a/b", true, NULL },
        { "", true, NULL },
        { "%2Fa", true, NULL },
    };
    unsigned char *in, out[256];
    size_t i, len, n;
    char got[300];
    int rc;

    hv_tap_subtest("hv_http_parse_path");

    for (i = 0; i < hv_nelems(cases); i++) {
        len = strlen(cases[i].in);
        in = hv_tap_guarded_copy(cases[i].in, len);
        n = 0;

        rc = hv_http_parse_path(in, len, out, &n, cases[i].merge);

        if (rc == HV_OK) {
            snprintf(got, sizeof(got), "%.*s", (int) n, out);
        } else {
            snprintf(got, sizeof(got), "rc=%d", rc);
        }

        T_IS_STR(got, cases[i].out != NULL ? cases[i].out : "rc=400",
            "\"%s\"%s", cases[i].in, cases[i].merge ? "" : " (no merge)");
        T_OK(rc != HV_OK || n <= len, "\"%s\": output fits the input size",
            cases[i].in);

        hv_tap_guarded_free(in, len);
    }
}


/*
 * Decodes a chunked body given in two parts split at k and renders
 * "DATA|rc" where rc is "done+REST" (bytes after the body), "again" or a
 * status; also checks that the parser never claimed more bytes as still
 * to come than the body really has left.
 */
static void
hv_test_chunked_split(
    const char *text, size_t len, size_t k, char *out, bool *length_ok)
{
    hv_http_chunked_t ctx;
    unsigned char *buf, *base;
    hv_buf_t b;
    size_t part, n, end, data;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    data = 0;
    out[0] = '\0';
    rc = HV_AGAIN;
    base = NULL;

    for (part = 0; part < 2 && rc == HV_AGAIN; part++) {
        end = part == 0 ? k : len;
        buf = hv_tap_guarded_copy(text, end);
        b.start = buf;
        b.pos = buf + (part == 0 ? 0 : k);
        b.last = buf + end;
        b.end = b.last;
        base = buf;

        for (;;) {
            rc = hv_http_parse_chunked(&ctx, &b);

            if (rc == HV_AGAIN && ctx.length > (off_t) (len - (b.pos - base))) {
                *length_ok = false;
            }

            if (rc != HV_OK) {
                break;
            }

            n = hv_min((size_t) ctx.size, (size_t) (b.last - b.pos));
            hv_test_cat(out, "%.*s", (int) n, b.pos);
            data += n;
            b.pos += n;
            ctx.size -= (off_t) n;
        }

        if (rc == HV_DONE) {
            hv_test_cat(out, "|done+%zu", len - (size_t) (b.pos - base));
        } else if (rc == HV_AGAIN && part == 1) {
            hv_test_cat(out, "|again");
        } else if (rc != HV_AGAIN) {
            hv_test_cat(out, "|%d", rc);
        }

        hv_tap_guarded_free(buf, end);
    }

    if (rc == HV_DONE && (size_t) ctx.total != data) {
        hv_test_cat(out, "|total=%lld", (long long) ctx.total);
    }
}


static void
hv_test_chunked_one(const char *text, const char *exp, const char *what)
{
    char whole[HV_TEST_OUT], split[HV_TEST_OUT];
    size_t len, k, bad;
    bool length_ok;

    len = strlen(text);
    length_ok = true;
    hv_test_chunked_split(text, len, len, whole, &length_ok);

    bad = (size_t) -1;
    for (k = 0; k < len; k++) {
        hv_test_chunked_split(text, len, k, split, &length_ok);
        if (strcmp(split, whole) != 0) {
            bad = k;
            hv_tap_diag("split at %zu: %s", k, split);
            break;
        }
    }

    T_IS_STR(whole, exp, "%s", what);
    T_OK(bad == (size_t) -1, "%s: same at every split", what);
    if (strstr(exp, "|done") != NULL) {
        T_OK(length_ok, "%s: never claims bytes past the body", what);
    }
}


static void
hv_test_chunked(void)
{
    hv_tap_subtest("hv_http_parse_chunked");

    hv_test_chunked_one("5\r\nhello\r\n0\r\n\r\n", "hello|done+0", "one chunk");
    hv_test_chunked_one("0\r\n\r\n", "|done+0", "empty body");
    hv_test_chunked_one("3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\nGET /",
        "abc0123456789|done+5", "two chunks, a pipelined request after");
    hv_test_chunked_one(
        "000003\r\nabc\r\n00\r\n\r\n", "abc|done+0", "leading zeros");
    hv_test_chunked_one(
        "3;a=b;c=\"d e\"\r\nabc\r\n0 ; x\r\n\r\n", "abc|done+0", "extensions");
    hv_test_chunked_one("3\r\nabc\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n", "abc|done+0",
        "trailer fields");
    hv_test_chunked_one(
        "3\nabc\r\n0\r\n\r\n", "|400", "bare LF after the size");
    hv_test_chunked_one(
        "3\r\nabc\n0\r\n\r\n", "abc|400", "bare LF after the data");
    hv_test_chunked_one(
        "3\r\nabcd\r\n0\r\n\r\n", "abc|400", "more data than the size says");
    hv_test_chunked_one("\r\n3\r\nabc\r\n0\r\n\r\n", "|400", "no size");
    hv_test_chunked_one("-3\r\nabc\r\n0\r\n\r\n", "|400", "a negative size");
    hv_test_chunked_one("0x3\r\nabc\r\n0\r\n\r\n", "|400", "0x prefix");
    hv_test_chunked_one(
        "3 3\r\nabc\r\n0\r\n\r\n", "|400", "a space inside the size");
    hv_test_chunked_one(
        "3\r\nabc\r\n0\r\n X: 1\r\n\r\n", "abc|400", "obs-fold in the trailer");
    hv_test_chunked_one("3\r\nabc\r\n0\r\nX: \x01\r\n\r\n", "abc|400",
        "control byte in a trailer");
    hv_test_chunked_one(
        "3;\x01\r\nabc\r\n0\r\n\r\n", "|400", "control byte in an extension");
    hv_test_chunked_one(
        "3\r\nabc\r\n0\r\n\r\r", "abc|400", "bare CR on the final line");
    hv_test_chunked_one(
        "ffffffffffffffffff\r\n", "|400", "a size that overflows off_t");
    hv_test_chunked_one("10000000000000000\r\n", "|400", "a 17-digit size");
    hv_test_chunked_one("fffffffffffffff\r\nab", "ab|again",
        "the largest size waits for its data");
    hv_test_chunked_one("5\r\nhel", "hel|again", "a truncated body");
}


int
main(void)
{
    hv_test_request_line_matrix();
    hv_test_methods();
    hv_test_request_line_fields();
    hv_test_nul_bytes();
    hv_test_headers();
    hv_test_value_words();
    hv_test_long();
    hv_test_path();
    hv_test_chunked();

    return hv_tap_done();
}
