/*
 * tests/unit/core_str.c - core/str.c: comparisons, case folding, number
 * parsing at its overflow edges, and printing.
 */
#include "core/core.h"
#include "tests/tap.h"


static hv_str_t
hv_test_str(const char *s)
{
    hv_str_t str;

    str.len = strlen(s);
    str.data = (unsigned char *) s;

    return str;
}


static int64_t
hv_test_atoi(const char *s, int64_t max)
{
    return hv_atoi((const unsigned char *) s, strlen(s), max);
}


static int64_t
hv_test_hextoi(const char *s, int64_t max)
{
    return hv_hextoi((const unsigned char *) s, strlen(s), max);
}


static void
hv_test_compare(void)
{
    hv_str_t a, b, empty, null_str = hv_null_string;
    hv_str_t lit = hv_string("Host");

    hv_tap_subtest("compare");

    a = hv_test_str("hello");
    b = hv_test_str("hello");
    empty = hv_test_str("");

    T_OK(hv_str_eq(&a, &b), "equal strings");
    b = hv_test_str("hellO");
    T_OK(!hv_str_eq(&a, &b), "one byte differs");
    b = hv_test_str("hell");
    T_OK(!hv_str_eq(&a, &b), "prefix is not equal");
    T_OK(hv_str_eq(&empty, &null_str), "empty equals the null string");

    T_OK(hv_str_eq_cstr(&lit, "Host"), "eq_cstr exact");
    T_OK(!hv_str_eq_cstr(&lit, "host"), "eq_cstr is case-sensitive");
    T_OK(!hv_str_eq_cstr(&lit, "Hos"), "eq_cstr shorter text");
    T_OK(!hv_str_eq_cstr(&lit, "Hosts"), "eq_cstr longer text");
    T_OK(hv_str_eq_cstr(&null_str, ""), "null string equals \"\"");

    T_OK(hv_str_caseeq_cstr(&lit, "hOST"), "caseeq ignores case");
    T_OK(!hv_str_caseeq_cstr(&lit, "hos"), "caseeq checks the length");
    a = hv_test_str("[");
    T_OK(!hv_str_caseeq_cstr(&a, "{"), "caseeq folds letters only");

    T_OK(hv_strncasecmp((const unsigned char *) "ABC",
             (const unsigned char *) "abd", 3) < 0,
        "ABC < abd");
    T_OK(hv_strncasecmp((const unsigned char *) "abd",
             (const unsigned char *) "ABC", 3) > 0,
        "abd > ABC");
    T_IS_INT(hv_strncasecmp((const unsigned char *) "MiXeD",
                 (const unsigned char *) "mixed", 5),
        0, "mixed case equal");
    T_IS_INT(hv_strncasecmp((const unsigned char *) "abX",
                 (const unsigned char *) "abY", 2),
        0, "only n bytes compared");
    T_IS_INT(hv_strncasecmp((const unsigned char *) "a\0b",
                 (const unsigned char *) "a\0c", 3) < 0,
        1, "a NUL does not stop the comparison");
}


/*
 * hv_strlow() works on words of eight and four bytes: every byte value
 * at every offset of every length up to 20 (words, half words and the
 * bytes after them), next to neighbours that could disturb it, copied
 * and in place, against hv_tolower().
 */
static void
hv_test_strlow_words(void)
{
    static const unsigned char fill[] = "AZaz@[`{\x80\xc1\xdaM\xff\x7f\x00.";
    unsigned char src[24], dst[24], exp[24];
    size_t n, k, i, failed;
    unsigned c;

    failed = 0;

    for (n = 1; n <= 20; n++) {
        for (k = 0; k < n; k++) {
            for (c = 0; c < 256; c++) {
                for (i = 0; i < n; i++) {
                    src[i] = fill[(i + c) % (sizeof(fill) - 1)];
                }
                src[k] = (unsigned char) c;
                for (i = 0; i < n; i++) {
                    exp[i] = (unsigned char) hv_tolower(src[i]);
                }
                memset(dst, 0xee, sizeof(dst));
                hv_strlow(dst, src, n);
                if (memcmp(dst, exp, n) != 0 || dst[n] != 0xee) {
                    failed++;
                }
                hv_strlow(src, src, n);
                if (memcmp(src, exp, n) != 0) {
                    failed++;
                }
            }
        }
    }

    T_IS_INT(failed, 0, "every byte at every offset of 1..20 bytes");
}


static void
hv_test_strlow(void)
{
    unsigned char buf[32];
    const char *src = "Content-TYPE: X/Y 09@[`{";

    hv_tap_subtest("strlow");

    hv_strlow(buf, (const unsigned char *) src, strlen(src));
    T_IS_MEM(buf, "content-type: x/y 09@[`{", strlen(src),
        "copy lower-cases letters only");

    memcpy(buf, "ABC", 3);
    hv_strlow(buf, buf, 3);
    T_IS_MEM(buf, "abc", 3, "in place");

    T_IS_INT(hv_tolower('\xc4'), '\xc4', "non-ASCII bytes untouched");
    T_IS_INT(hv_toupper('q'), 'Q', "toupper");

    hv_test_strlow_words();
}


static void
hv_test_atoi_cases(void)
{
    hv_tap_subtest("atoi");

    T_IS_INT(hv_test_atoi("0", 10), 0, "zero");
    T_IS_INT(hv_test_atoi("123", 1000), 123, "plain number");
    T_IS_INT(hv_test_atoi("000123", 1000), 123, "leading zeros");
    T_IS_INT(hv_test_atoi("100", 100), 100, "exactly max");
    T_IS_INT(hv_test_atoi("101", 100), HV_ERROR, "max + 1");
    T_IS_INT(hv_test_atoi("7", 5), HV_ERROR, "one digit above a tiny max");
    T_IS_INT(hv_test_atoi("", 100), HV_ERROR, "empty");
    T_IS_INT(hv_test_atoi("12a", 1000), HV_ERROR, "trailing letter");
    T_IS_INT(hv_test_atoi("-1", 1000), HV_ERROR, "sign");
    T_IS_INT(hv_test_atoi("+1", 1000), HV_ERROR, "plus sign");
    T_IS_INT(hv_test_atoi(" 1", 1000), HV_ERROR, "leading space");
    T_IS_INT(hv_test_atoi("1 ", 1000), HV_ERROR, "trailing space");
    T_IS_INT(
        hv_test_atoi("9223372036854775807", INT64_MAX), INT64_MAX, "INT64_MAX");
    T_IS_INT(hv_test_atoi("9223372036854775808", INT64_MAX), HV_ERROR,
        "INT64_MAX + 1 does not wrap");
    T_IS_INT(hv_test_atoi("99999999999999999999999", INT64_MAX), HV_ERROR,
        "far too long");
    T_IS_INT(hv_atoi((const unsigned char *) "12345", 2, 100), 12,
        "only n bytes are read");
}


static void
hv_test_hextoi_cases(void)
{
    hv_tap_subtest("hextoi");

    T_IS_INT(hv_test_hextoi("0", 10), 0, "zero");
    T_IS_INT(hv_test_hextoi("ff", 1000), 255, "lower case");
    T_IS_INT(hv_test_hextoi("FF", 1000), 255, "upper case");
    T_IS_INT(hv_test_hextoi("1aB2", INT64_MAX), 0x1ab2, "mixed case");
    T_IS_INT(hv_test_hextoi("100", 255), HV_ERROR, "above max");
    T_IS_INT(
        hv_test_hextoi("7fffffffffffffff", INT64_MAX), INT64_MAX, "INT64_MAX");
    T_IS_INT(hv_test_hextoi("8000000000000000", INT64_MAX), HV_ERROR,
        "INT64_MAX + 1 does not wrap");
    T_IS_INT(hv_test_hextoi("", 10), HV_ERROR, "empty");
    T_IS_INT(hv_test_hextoi("g", 100), HV_ERROR, "g is not a hex digit");
    T_IS_INT(hv_test_hextoi("1;", 100), HV_ERROR, "chunk extension byte");
    T_IS_INT(hv_test_hextoi("0x10", 100), HV_ERROR, "no 0x prefix");
}


/*
 * Every digit count and both sides of each power of ten (9/10, 99/100,
 * 999/1000: where the two-digit steps change) against snprintf().
 */
static void
hv_test_sprint_edges(void)
{
    unsigned char buf[32], *end;
    char want[32];
    uint64_t p, v;
    int bad, d, n;

    bad = 0;
    p = 1;

    for (d = 1; d <= 20; d++) {
        for (v = p - (p > 1); v <= p + 1; v++) {
            memset(buf, '#', sizeof(buf));
            end = hv_sprint_uint(buf, v);
            n = snprintf(want, sizeof(want), "%llu", (unsigned long long) v);
            if (end - buf != n || memcmp(buf, want, (size_t) n) != 0 ||
                buf[n] != '#') {
                bad++;
                hv_tap_diag("%s printed as %.*s", want, (int) (end - buf),
                    (char *) buf);
            }
        }
        p = d < 20 ? p * 10 : p;
    }

    for (v = 0; v < 100000; v += 7) {
        end = hv_sprint_uint(buf, v);
        n = snprintf(want, sizeof(want), "%llu", (unsigned long long) v);
        if (end - buf != n || memcmp(buf, want, (size_t) n) != 0) {
            bad++;
        }
    }

    T_IS_INT(bad, 0, "powers of ten +-1 and 0..99999 step 7 as snprintf");
}


static void
hv_test_sprint(void)
{
    unsigned char buf[32], *end;

    hv_tap_subtest("sprint_uint");

    memset(buf, '#', sizeof(buf));
    end = hv_sprint_uint(buf, 0);
    T_IS_INT(end - buf, 1, "0 is one digit");
    T_IS_MEM(buf, "0#", 2, "0 printed, nothing after it");

    end = hv_sprint_uint(buf, 1234567890);
    T_IS_INT(end - buf, 10, "ten digits");
    T_IS_MEM(buf, "1234567890", 10, "1234567890");

    memset(buf, '#', sizeof(buf));
    end = hv_sprint_uint(buf, UINT64_MAX);
    T_IS_INT(end - buf, 20, "UINT64_MAX has 20 digits");
    T_IS_MEM(buf, "18446744073709551615#", 21, "UINT64_MAX, no NUL");

    end = hv_cpymem(buf, NULL, 0);
    T_OK(end == buf, "cpymem of 0 bytes accepts NULL");

    hv_test_sprint_edges();
}


int
main(void)
{
    hv_test_compare();
    hv_test_strlow();
    hv_test_atoi_cases();
    hv_test_hextoi_cases();
    hv_test_sprint();

    return hv_tap_done();
}
