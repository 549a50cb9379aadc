/*
 * tests/unit/http_range.c - http/range.c: single, open, suffix and
 * multiple ranges, clamping, unsatisfiable sets (416), fields that are
 * ignored (malformed, too many specs, amplification), and numbers too
 * large for off_t.  Every input sits just before a PROT_NONE page, so an
 * over-read crashes the test.
 */
#include "http/range.h"
#include "tests/tap.h"


typedef struct {
    const char *value;
    off_t size;
    int rc;
    hv_uint_t n;
    off_t r[4][2]; /* start, end (exclusive) of the first ranges */
} hv_test_range_t;

#define BIG "99999999999999999999999999999999"

static const hv_test_range_t hv_tests[] = {
    { "bytes=0-99", 1000, HV_OK, 1, { { 0, 100 } } },
    { "bytes=0-0", 1000, HV_OK, 1, { { 0, 1 } } },
    { "bytes=500-", 1000, HV_OK, 1, { { 500, 1000 } } },
    { "bytes=-100", 1000, HV_OK, 1, { { 900, 1000 } } },
    { "bytes=-5000", 1000, HV_OK, 1, { { 0, 1000 } } },
    { "bytes=900-5000", 1000, HV_OK, 1, { { 900, 1000 } } },
    { "BYTES = 1-2", 1000, HV_OK, 1, { { 1, 3 } } },
    { " bytes=1-2 , 4-5 ", 1000, HV_OK, 2, { { 1, 3 }, { 4, 6 } } },
    { "bytes=0-1,,5-6", 1000, HV_OK, 2, { { 0, 2 }, { 5, 7 } } },
    { "bytes=0-1,2000-3000,-1", 1000, HV_OK, 2, { { 0, 2 }, { 999, 1000 } } },
    { "bytes=0-" BIG, 1000, HV_OK, 1, { { 0, 1000 } } },
    { "bytes=-" BIG, 1000, HV_OK, 1, { { 0, 1000 } } },
    { "bytes=0-9223372036854775807", 10, HV_OK, 1, { { 0, 10 } } },
    { "bytes=0-9223372036854775806", 10, HV_OK, 1, { { 0, 10 } } },

    /* unsatisfiable: 416 */
    { "bytes=1000-", 1000, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=1000-2000", 1000, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=-0", 1000, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=-10", 0, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=0-", 0, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=" BIG "-", 1000, HV_HTTP_RANGE_NOT_SATISFIABLE, 0, { { 0, 0 } } },
    { "bytes=" BIG "-" BIG, 1000, HV_HTTP_RANGE_NOT_SATISFIABLE, 0,
        { { 0, 0 } } },

    /* ignored: the whole representation */
    { "", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=,", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "items=0-1", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=5-4", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=-", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=1", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=a-b", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=1-2x", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=1-2;3-4", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=--1", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=+1-2", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=0-999,0-999", 1000, HV_DECLINED, 0, { { 0, 0 } } },
    { "bytes=0-,-" BIG, 1000, HV_DECLINED, 0, { { 0, 0 } } },
};


static void
hv_test_one(const hv_test_range_t *t)
{
    hv_http_range_t out[HV_HTTP_RANGES_MAX];
    unsigned char *buf;
    size_t len;
    hv_uint_t n, i;
    int rc;

    len = strlen(t->value);
    buf = hv_tap_guarded_copy(t->value, len);
    n = 99;

    rc = hv_http_range_parse(buf, len, t->size, out, &n);
    T_IS_INT(rc, t->rc, "\"%s\" size %lld: rc", t->value, (long long) t->size);
    T_IS_INT(n, t->n, "\"%s\": %u ranges", t->value, (unsigned) t->n);

    for (i = 0; rc == HV_OK && i < n && i < 4; i++) {
        T_OK(out[i].start == t->r[i][0] && out[i].end == t->r[i][1],
            "\"%s\" range %u: %lld-%lld", t->value, (unsigned) i,
            (long long) out[i].start, (long long) out[i].end);
    }

    hv_tap_guarded_free(buf, len);
}


/* 16 specs are taken, the 17th makes the field ignored. */
static void
hv_test_count(void)
{
    hv_http_range_t out[HV_HTTP_RANGES_MAX];
    char text[512];
    size_t len;
    hv_uint_t n, i;

    len = (size_t) snprintf(text, sizeof(text), "bytes=0-0");
    for (i = 1; i < HV_HTTP_RANGES_MAX; i++) {
        len += (size_t) snprintf(text + len, sizeof(text) - len, ",%u-%u",
            (unsigned) i * 2, (unsigned) i * 2);
    }

    T_IS_INT(hv_http_range_parse((unsigned char *) text, len, 1000, out, &n),
        HV_OK, "%d specs: taken", HV_HTTP_RANGES_MAX);
    T_IS_INT(n, HV_HTTP_RANGES_MAX, "%d ranges", HV_HTTP_RANGES_MAX);

    len += (size_t) snprintf(text + len, sizeof(text) - len, ",900-901");
    T_IS_INT(hv_http_range_parse((unsigned char *) text, len, 1000, out, &n),
        HV_DECLINED, "%d specs: ignored", HV_HTTP_RANGES_MAX + 1);

    /* empty elements do not count, unsatisfiable specs do */
    len = (size_t) snprintf(text, sizeof(text), "bytes=0-0");
    for (i = 1; i <= HV_HTTP_RANGES_MAX; i++) {
        len += (size_t) snprintf(text + len, sizeof(text) - len, ",5000-");
    }
    T_IS_INT(hv_http_range_parse((unsigned char *) text, len, 1000, out, &n),
        HV_DECLINED, "unsatisfiable specs count too");
}


/* Every prefix of a valid field is parsed without reading past it. */
static void
hv_test_prefixes(void)
{
    static const char text[] = "bytes=0-1,  -30 ,400-" BIG ",7-8";
    hv_http_range_t out[HV_HTTP_RANGES_MAX];
    unsigned char *buf;
    hv_uint_t n;
    size_t k;
    int rc;
    bool sane = true;

    for (k = 0; k <= sizeof(text) - 1; k++) {
        buf = hv_tap_guarded_copy(text, k);
        rc = hv_http_range_parse(buf, k, 500, out, &n);
        if (rc != HV_OK && rc != HV_DECLINED &&
            rc != HV_HTTP_RANGE_NOT_SATISFIABLE) {
            sane = false;
        }
        if (rc == HV_OK && (n == 0 || out[n - 1].end > 500 ||
                               out[n - 1].start >= out[n - 1].end)) {
            sane = false;
        }
        hv_tap_guarded_free(buf, k);
    }

    T_OK(sane, "every prefix gives a verdict and ranges inside the file");
}


int
main(void)
{
    size_t i;

    hv_tap_subtest("table");
    for (i = 0; i < sizeof(hv_tests) / sizeof(hv_tests[0]); i++) {
        hv_test_one(&hv_tests[i]);
    }

    hv_tap_subtest("count bound");
    hv_test_count();

    hv_tap_subtest("prefixes");
    hv_test_prefixes();

    return hv_tap_done();
}
