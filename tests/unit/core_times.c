/*
 * tests/unit/core_times.c - core/times.c: HTTP date formatting of known
 * instants, parsing of the three forms RFC 9110 requires, rejection of
 * malformed dates, and the cached strings in a fixed time zone.
 */
#include "core/core.h"
#include "tests/tap.h"


static time_t
hv_test_parse(const char *s)
{
    return hv_parse_http_time((const unsigned char *) s, strlen(s));
}


static void
hv_test_format(void)
{
    static const struct {
        time_t t;
        const char *text;
    } cases[] = {
        { 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
        { 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
        { 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
        { 1709164800, "Thu, 29 Feb 2024 00:00:00 GMT" },
        { 1735689599, "Tue, 31 Dec 2024 23:59:59 GMT" },
        { 4107542400, "Mon, 01 Mar 2100 00:00:00 GMT" },
        { 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT" },
    };
    char buf[32];
    size_t i, n;

    hv_tap_subtest("hv_http_time");

    for (i = 0; i < hv_nelems(cases); i++) {
        memset(buf, 'x', sizeof(buf));
        n = hv_http_time(buf, cases[i].t);
        T_IS_INT(n, 29, "length for %lld", (long long) cases[i].t);
        T_IS_STR(buf, cases[i].text, "%lld", (long long) cases[i].t);
    }
}


static void
hv_test_parse_forms(void)
{
    char buf[32];
    time_t t;
    bool round_trip;

    hv_tap_subtest("parse the three forms");

    T_IS_INT(hv_test_parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777,
        "IMF-fixdate");
    T_IS_INT(
        hv_test_parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777, "RFC 850");
    T_IS_INT(hv_test_parse("Sun Nov  6 08:49:37 1994"), 784111777, "asctime");
    T_IS_INT(hv_test_parse("Wed Nov 16 08:49:37 1994"), 784111777 + 864000,
        "asctime with a two-digit day");
    T_IS_INT(hv_test_parse("Monday, 01-Jan-01 00:00:00 GMT"), 978307200,
        "RFC 850 year 01 is 2001");
    T_IS_INT(hv_test_parse("Tuesday, 31-Dec-69 23:59:59 GMT"), 3155759999,
        "RFC 850 year 69 is 2069");
    T_IS_INT(hv_test_parse("Thu, 01 Jan 1970 00:00:00 GMT"), 0, "the epoch");
    T_IS_INT(hv_test_parse("Thu, 29 Feb 2024 12:00:00 GMT"), 1709208000,
        "a leap day");
    T_IS_INT(hv_test_parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400,
        "2000 is a leap year");

    round_trip = true;
    for (t = 0; t < 4102444800; t += 7777777) {
        hv_http_time(buf, t);
        if (hv_test_parse(buf) != t) {
            round_trip = false;
            T_OK(false, "round trip of %lld (%s)", (long long) t, buf);
            break;
        }
    }
    T_OK(round_trip, "format then parse gives the same time, 1970-2100");
}


static void
hv_test_parse_bad(void)
{
    static const char *const bad[] = {
        "", "Sun", "Sun, 32 Nov 1994 08:49:37 GMT", /* day 32 */
        "Sun, 00 Nov 1994 08:49:37 GMT",            /* day 0 */
        "Sun, 31 Nov 1994 08:49:37 GMT",            /* November has 30 */
        "Tue, 29 Feb 1994 08:49:37 GMT",            /* not a leap year */
        "Thu, 29 Feb 2100 08:49:37 GMT",            /* 2100 is not either */
        "Sun, 06 Foo 1994 08:49:37 GMT",            /* month */
        "Sun, 06 nov 1994 08:49:37 GMT",            /* month case */
        "Sun, 06 Nov 1994 24:00:00 GMT",            /* hour 24 */
        "Sun, 06 Nov 1994 08:60:37 GMT",            /* minute 60 */
        "Sun, 06 Nov 1994 08:49:60 GMT",            /* second 60 */
        "Sun, 06 Nov 1994 08:49:37 GMTx",           /* trailing garbage */
        "Sun, 06 Nov 1994 08:49:37 GMT ",           /* trailing space */
        "Sun, 06 Nov 1994 08:49:37 UTC",            /* zone */
        "Sun, 06 Nov 1994 08:49:37",                /* truncated */
        "Sun, 06 Nov 1994 08:49",                   /* truncated */
        "Sun, 6 Nov 1994 08:49:37 GMT",             /* one-digit day */
        "Sun, 06 Nov 94 08:49:37 GMT",              /* two-digit year */
        "Sun, 06 Nov 1969 08:49:37 GMT",            /* before the epoch */
        "Xyz, 06 Nov 1994 08:49:37 GMT",            /* weekday */
        "Sun,  06 Nov 1994 08:49:37 GMT",           /* double space */
        "Sun, 06 Nov 1994 8:49:37 GMT",             /* one-digit hour */
        "Sun, 06 Nov 1994 08:4a:37 GMT",            /* letter */
        " Sun, 06 Nov 1994 08:49:37 GMT",           /* leading space */
        "Sun, 06-Nov-94 08:49:37 GMT",              /* short name, RFC 850 */
        "Sunday, 06 Nov 1994 08:49:37 GMT",         /* long name, IMF */
        "Sunday, 06-Nov-94 08:49:37",               /* RFC 850 truncated */
        "Sunday, 06-Nov-1994 08:49:37 GMT",         /* RFC 850 4-digit year */
        "Sun Nov  6 08:49:37 1994 GMT",             /* asctime with a zone */
        "Sun Nov 6 08:49:37 1994",                  /* asctime single space */
        "Sun Nov  6 08:49:37 94",                   /* asctime short year */
        "Sun Nov 31 08:49:37 1994",                 /* asctime bad day */
    };
    const char *good = "Sun, 06 Nov 1994 08:49:37 GMT";
    size_t i, len;
    bool all;

    hv_tap_subtest("reject malformed dates");

    for (i = 0; i < hv_nelems(bad); i++) {
        T_IS_INT(hv_test_parse(bad[i]), -1, "rejects \"%s\"", bad[i]);
    }

    /* Every proper prefix of a valid date is invalid. */
    all = true;
    len = strlen(good);
    for (i = 0; i < len; i++) {
        if (hv_parse_http_time((const unsigned char *) good, i) != -1) {
            all = false;
            T_OK(false, "prefix of %zu bytes accepted", i);
        }
    }
    T_OK(all, "every truncation of an IMF-fixdate is rejected");

    T_IS_INT(hv_parse_http_time(
                 (const unsigned char *) "Sun, 06 Nov 1994 08:49:37 GMT\0", 30),
        -1, "a trailing NUL byte is garbage too");
}


/* true when s has the shape of pattern: 'D' a digit, else itself. */
static bool
hv_test_shape(const char *s, const char *pattern)
{
    if (strlen(s) != strlen(pattern)) {
        return false;
    }

    for (; *pattern != '\0'; pattern++, s++) {
        if (*pattern == 'D' ? (*s < '0' || *s > '9') : *s != *pattern) {
            return false;
        }
    }

    return true;
}


static void
hv_test_cache(void)
{
    char expect[64];
    struct tm tm;
    hv_msec_t before;
    time_t sec;

    hv_tap_subtest("cached strings");

    /* POSIX TZ: "UTC-3" is three hours east of Greenwich. */
    setenv("TZ", "UTC-3", 1);
    tzset();

    hv_time_update();
    sec = hv_cached_time.sec;

    T_OK(sec > 1600000000, "the wall clock looks current");
    T_OK(hv_cached_time.wall_msec / 1000 == (uint64_t) sec,
        "wall_msec agrees with sec");

    T_IS_INT(hv_parse_http_time((unsigned char *) hv_cached_time.http_date,
                 strlen(hv_cached_time.http_date)),
        sec, "http_date parses back to sec: %s", hv_cached_time.http_date);

    localtime_r(&sec, &tm);
    strftime(expect, sizeof(expect), "%Y/%m/%d %H:%M:%S", &tm);
    T_IS_STR(hv_cached_time.err_log_time, expect, "err_log_time");

    strftime(expect, sizeof(expect), "%d/%b/%Y:%H:%M:%S +0300", &tm);
    T_IS_STR(hv_cached_time.http_log_time, expect, "http_log_time");

    strftime(expect, sizeof(expect), "%Y-%m-%dT%H:%M:%S+03:00", &tm);
    T_IS_STR(hv_cached_time.iso8601, expect, "iso8601");

    T_OK(hv_test_shape(hv_cached_time.err_log_time, "DDDD/DD/DD DD:DD:DD"),
        "err_log_time shape");

    before = hv_cached_time.msec;
    hv_time_update();
    T_OK(hv_cached_time.msec >= before, "the monotonic clock does not go back");
}


int
main(void)
{
    hv_test_format();
    hv_test_parse_forms();
    hv_test_parse_bad();
    hv_test_cache();

    return hv_tap_done();
}
