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
    hv_test_in_place(&r);

    hv_pool_destroy(r.pool);

    return hv_tap_done();
}
