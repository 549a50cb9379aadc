/*
 * tests/unit/http_host.c - hv_http_validate_host() (http/request_header.c):
 * the verdicts on Host values, the name it keeps (lower case, no port, no
 * trailing dot), and that a name sent in lower case is used in place
 * while any other is copied, leaving the received bytes untouched.
 */
#include "http/request_internal.h"
#include "tests/tap.h"


typedef struct {
    const char *in;
    const char *out; /* NULL: HV_DECLINED */
} hv_test_host_t;


static void
hv_test_verdicts(hv_http_request_t *r)
{
    static const hv_test_host_t cases[] = {
        { "example.com", "example.com" },
        { "example.com:8080", "example.com" },
        { "example.com.", "example.com" },
        { "example.com.:80", "example.com" },
        { "Example.COM", "example.com" },
        { "WWW.Example.com:443", "www.example.com" },
        { "127.0.0.1:27913", "127.0.0.1" },
        { "[::1]:80", "[::1]" },
        { "[FE80::1]", "[fe80::1]" },
        { "a_b-c~d", "a_b-c~d" },
        { "caf\xc3\xa9.fr", "caf\xc3\xa9.fr" },
        { "x", "x" },
        { "", NULL },
        { ":80", NULL },
        { ".", NULL },
        { "a..b", NULL },
        { "a/b", NULL },
        { "a\\b", NULL },
        { "a b", NULL },
        { "a\tb", NULL },
        { "a\x01", NULL },
        { "a\x7f", NULL },
        { "[::1", NULL },
        { "[::1]x", NULL },
        { "a[::1]", NULL },
        { "a]", NULL },
        { "a:8x", NULL },
        { "a:80:80", NULL },
        { "a:", "a" },
        { "a.:1", "a" },
        { "1.2.3.4:", "1.2.3.4" },
        { "a.b..:80", NULL },
        { "a:1.2", NULL },
        { "a:12345678x", NULL },
        { "[::1]:8a", NULL },
        { "[a:b]:", "[a:b]" },
        { "-.-", "-.-" },
    };
    char got[64];
    hv_str_t host, out;
    size_t i;
    int rc;

    hv_tap_subtest("verdicts and names");

    for (i = 0; i < hv_nelems(cases); i++) {
        host.data = (unsigned char *) cases[i].in;
        host.len = strlen(cases[i].in);
        out.data = NULL;
        out.len = 0;

        rc = hv_http_validate_host(r, &host, &out);

        if (cases[i].out == NULL) {
            T_IS_INT(rc, HV_DECLINED, "\"%s\" is refused", cases[i].in);
            continue;
        }

        snprintf(got, sizeof(got), "%.*s", (int) out.len, out.data);
        T_OK(rc == HV_OK && strcmp(got, cases[i].out) == 0,
            "\"%s\" names \"%s\" (got %d \"%s\")", cases[i].in, cases[i].out,
            rc, got);
    }
}


/*
 * Every byte between two letters: the ones that need a look go through
 * a table of the 256 bytes, so each must get its own verdict.
 */
static void
hv_test_every_byte(hv_http_request_t *r)
{
    unsigned char in[3];
    char exp[4], got[16];
    hv_str_t host, out;
    bool refused;
    size_t failed;
    unsigned c;
    int rc;

    hv_tap_subtest("every byte inside a name");

    failed = 0;

    for (c = 0; c < 256; c++) {
        in[0] = 'a';
        in[1] = (unsigned char) c;
        in[2] = 'b';
        host.data = in;
        host.len = 3;
        out.data = NULL;
        out.len = 0;

        /* ':' is refused too: "b" is not a port */
        refused = c <= 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '[' ||
                  c == ']' || c == ':';
        snprintf(exp, sizeof(exp), "a%cb",
            c >= 'A' && c <= 'Z' ? (int) (c | 0x20) : (int) c);

        rc = hv_http_validate_host(r, &host, &out);

        if (refused ? rc != HV_DECLINED
                    : rc != HV_OK || out.len != 3 ||
                          memcmp(out.data, exp, 3) != 0) {
            snprintf(got, sizeof(got), "%.*s", (int) hv_min(out.len, 8),
                out.data != NULL ? (char *) out.data : "");
            hv_tap_diag("byte 0x%02x: rc %d \"%s\"", c, rc, got);
            failed++;
        }
    }

    T_IS_INT(failed, 0, "each of the 256 bytes gets its verdict");
}


static void
hv_test_in_place(hv_http_request_t *r)
{
    unsigned char lower[] = "example.com:80";
    unsigned char mixed[] = "Example.com:80";
    hv_str_t host, out;

    hv_tap_subtest("lower case is used in place, other case copied");

    host.data = lower;
    host.len = sizeof(lower) - 1;
    T_IS_INT(hv_http_validate_host(r, &host, &out), HV_OK, "lower case");
    T_OK(out.data == lower && out.len == 11, "points into the value itself");

    host.data = mixed;
    host.len = sizeof(mixed) - 1;
    T_IS_INT(hv_http_validate_host(r, &host, &out), HV_OK, "mixed case");
    T_OK(out.data != mixed && out.len == 11 &&
             memcmp(out.data, "example.com", 11) == 0,
        "a lower-cased copy");
    T_IS_STR((char *) mixed, "Example.com:80", "the received bytes unchanged");
}


int
main(void)
{
    hv_http_request_t r;

    memset(&r, 0, sizeof(r));
    r.pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, NULL);
    T_OK(r.pool != NULL, "a request pool");

    hv_test_verdicts(&r);
    hv_test_every_byte(&r);
    hv_test_in_place(&r);

    hv_pool_destroy(r.pool);

    return hv_tap_done();
}
