/*
 * tests/unit/modules_gzip_accept.c - the Accept-Encoding test of the gzip
 * modules (modules/gzip/accept.c): q-values, wildcards, case, junk; every
 * input placed before a protected page so an over-read crashes.
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"
#include "tests/tap.h"


typedef struct {
    const char *value;
    bool gzip;
} hv_test_ae_t;


static const hv_test_ae_t hv_test_cases[] = {
    { "gzip", true },
    { "GZip", true },
    { "x-gzip", true },
    { "gzip, deflate, br", true },
    { "br;q=1.0, gzip;q=0.8, *;q=0.1", true },
    { "gzip;q=0.001", true },
    { "gzip ; q=1", true },
    { "gzip;Q=0.5", true },
    { "gzip;level=\"1,2\";q=0.5", true },
    { "*", true },
    { "identity;q=0, *", true },
    { "gzip;q=1.000", true },
    { "", false },
    { "identity", false },
    { "deflate, br", false },
    { "gzip;q=0", false },
    { "gzip;q=0.", false },
    { "gzip;q=0.000", false },
    { "gzip;q=0, *", false },
    { "*;q=0", false },
    { "gzip;q=1.5", false },
    { "gzip;q=2", false },
    { "gzip;q=0.0001", false },
    { "gzip;q=abc", false },
    { "gzip;q=", false },
    { "gzipx", false },
    { "xgzip", false },
    { "gzip;q=0, x-gzip;q=0", false },
    { ",,, ;;; ==", false },
    { "gzip;level=\"unterminated", true },
};


int
main(void)
{
    const hv_test_ae_t *tc;
    unsigned char *p;
    size_t i, len;

    hv_tap_subtest("values");
    for (i = 0; i < sizeof(hv_test_cases) / sizeof(hv_test_cases[0]); i++) {
        tc = &hv_test_cases[i];
        len = strlen(tc->value);
        p = hv_tap_guarded_copy(tc->value, len);
        T_IS_INT(
            hv_gzip_accept_encoding(p, len), tc->gzip, "\"%s\"", tc->value);
        hv_tap_guarded_free(p, len);
    }

    hv_tap_subtest("prefixes never over-read");
    tc = &hv_test_cases[8];
    for (len = 0; len <= strlen(tc->value); len++) {
        p = hv_tap_guarded_copy(tc->value, len);
        (void) hv_gzip_accept_encoding(p, len);
        hv_tap_guarded_free(p, len);
    }
    T_OK(true, "every prefix of \"%s\" parsed", tc->value);

    return hv_tap_done();
}
