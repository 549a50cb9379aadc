/*
 * core/times.c - the cached clock and HTTP dates (see times.h).
 *
 * The string forms are rebuilt at most once a second: an event loop that
 * wakes thousands of times a second pays two clock_gettime() vDSO calls
 * per wake-up and one localtime_r() per second.  Calendar arithmetic for
 * GMT is done here (days from the civil date and back) instead of with
 * gmtime_r()/timegm(), so formatting and parsing agree exactly and need
 * no time zone state.
 */
#include "core/core.h"


hv_time_cache_t hv_cached_time;

static const char hv_time_wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };

static const char *const hv_time_wdays_long[7] = { "Sunday", "Monday",
    "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

static const char hv_time_months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* A broken-down GMT date; month 1..12, day 1..31. */
typedef struct {
    int64_t year;
    int month;
    int day;
    int hour;
    int min;
    int sec;
    int wday; /* 0 = Sunday */
} hv_time_tm_t;


/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
hv_time_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    /* Count years from March so that the leap day ends a year. */
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


/* The inverse of hv_time_days_from_civil(). */
static void
hv_time_civil_from_days(int64_t z, hv_time_tm_t *tm)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    tm->day = (int) (doy - (153 * mp + 2) / 5 + 1);
    tm->month = (int) (mp < 10 ? mp + 3 : mp - 9);
    tm->year = yoe + era * 400 + (tm->month <= 2);
}


static void
hv_time_gmtime(time_t t, hv_time_tm_t *tm)
{
    int64_t days, secs;

    days = (int64_t) t / 86400;
    secs = (int64_t) t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }

    hv_time_civil_from_days(days, tm);
    tm->hour = (int) (secs / 3600);
    tm->min = (int) (secs / 60 % 60);
    tm->sec = (int) (secs % 60);

    /* 1970-01-01 was a Thursday. */
    tm->wday = (int) (((days % 7) + 11) % 7);
}


static char *
hv_time_copy(char *p, const char *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}


/* Writes v as exactly n decimal digits (zero-padded). */
static char *
hv_time_digits(char *p, int64_t v, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--) {
        p[i] = (char) ('0' + v % 10);
        v /= 10;
    }

    return p + n;
}


size_t
hv_http_time(char *buf, time_t t)
{
    hv_time_tm_t tm;
    char *p;

    hv_time_gmtime(t, &tm);

    p = buf;
    p = hv_time_copy(p, hv_time_wdays[tm.wday], 3);
    p = hv_time_copy(p, ", ", 2);
    p = hv_time_digits(p, tm.day, 2);
    *p++ = ' ';
    p = hv_time_copy(p, hv_time_months[tm.month - 1], 3);
    *p++ = ' ';
    p = hv_time_digits(p, tm.year, 4);
    *p++ = ' ';
    p = hv_time_digits(p, tm.hour, 2);
    *p++ = ':';
    p = hv_time_digits(p, tm.min, 2);
    *p++ = ':';
    p = hv_time_digits(p, tm.sec, 2);
    p = hv_time_copy(p, " GMT", 4);
    *p = '\0';

    return (size_t) (p - buf);
}


/* "HH:MM:SS" */
static char *
hv_time_hms(char *p, const struct tm *tm)
{
    p = hv_time_digits(p, tm->tm_hour, 2);
    *p++ = ':';
    p = hv_time_digits(p, tm->tm_min, 2);
    *p++ = ':';
    return hv_time_digits(p, tm->tm_sec, 2);
}


/* "+HHMM" (colon false) or "+HH:MM" (colon true) from tm_gmtoff. */
static char *
hv_time_tz(char *p, const struct tm *tm, bool colon)
{
    long off;

    off = tm->tm_gmtoff / 60;
    *p++ = off < 0 ? '-' : '+';
    if (off < 0) {
        off = -off;
    }

    p = hv_time_digits(p, off / 60, 2);
    if (colon) {
        *p++ = ':';
    }

    return hv_time_digits(p, off % 60, 2);
}


/* Rebuilds the local-time strings of the cache from tm. */
static void
hv_time_local_strings(const struct tm *tm)
{
    char *p;
    int64_t year;

    year = (int64_t) tm->tm_year + 1900;

    p = hv_cached_time.err_log_time;
    p = hv_time_digits(p, year, 4);
    *p++ = '/';
    p = hv_time_digits(p, tm->tm_mon + 1, 2);
    *p++ = '/';
    p = hv_time_digits(p, tm->tm_mday, 2);
    *p++ = ' ';
    p = hv_time_hms(p, tm);
    *p = '\0';

    p = hv_cached_time.http_log_time;
    p = hv_time_digits(p, tm->tm_mday, 2);
    *p++ = '/';
    p = hv_time_copy(p, hv_time_months[tm->tm_mon], 3);
    *p++ = '/';
    p = hv_time_digits(p, year, 4);
    *p++ = ':';
    p = hv_time_hms(p, tm);
    *p++ = ' ';
    p = hv_time_tz(p, tm, false);
    *p = '\0';

    p = hv_cached_time.iso8601;
    p = hv_time_digits(p, year, 4);
    *p++ = '-';
    p = hv_time_digits(p, tm->tm_mon + 1, 2);
    *p++ = '-';
    p = hv_time_digits(p, tm->tm_mday, 2);
    *p++ = 'T';
    p = hv_time_hms(p, tm);
    p = hv_time_tz(p, tm, true);
    *p = '\0';
}


void
hv_time_update(void)
{
    struct timespec ts;
    struct tm tm;
    time_t sec;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) {
        hv_cached_time.msec =
            (hv_msec_t) ts.tv_sec * 1000 + (hv_msec_t) ts.tv_nsec / 1000000;
    }

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        /* Cannot happen with a valid clock id; keep the old time. */
        return;
    }

    sec = ts.tv_sec;
    hv_cached_time.wall_msec =
        (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;

    /* The string forms are empty until the first update. */
    if (sec == hv_cached_time.sec && hv_cached_time.http_date[0] != '\0') {
        return;
    }

    hv_cached_time.sec = sec;
    hv_http_time(hv_cached_time.http_date, sec);

    if (localtime_r(&sec, &tm) == NULL) {
        /* Only for absurd times; GMT is a better answer than nothing. */
        if (gmtime_r(&sec, &tm) == NULL) {
            return;
        }
    }

    hv_time_local_strings(&tm);
}


/*
 * The parser: a cursor over the text and one small reader per field kind.
 * Each reader returns false when the field is malformed.
 */
typedef struct {
    const unsigned char *p;
    const unsigned char *end;
} hv_time_cur_t;


static bool
hv_time_lit(hv_time_cur_t *c, const char *lit)
{
    size_t n;

    n = strlen(lit);
    if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0) {
        return false;
    }

    c->p += n;
    return true;
}


/* Exactly n digits (a leading space allowed when space_pad). */
static bool
hv_time_num(hv_time_cur_t *c, int n, bool space_pad, int *v)
{
    int i;

    if (c->end - c->p < n) {
        return false;
    }

    *v = 0;
    for (i = 0; i < n; i++) {
        if (i == 0 && space_pad && c->p[0] == ' ') {
            continue;
        }
        if (c->p[i] < '0' || c->p[i] > '9') {
            return false;
        }
        *v = *v * 10 + (c->p[i] - '0');
    }

    c->p += n;
    return true;
}


static bool
hv_time_month(hv_time_cur_t *c, int *month)
{
    int i;

    for (i = 0; i < 12; i++) {
        if (hv_time_lit(c, hv_time_months[i])) {
            *month = i + 1;
            return true;
        }
    }

    return false;
}


/* A weekday name, short ("Sun") or long ("Sunday"). */
static bool
hv_time_wday(hv_time_cur_t *c, bool long_name)
{
    int i;

    for (i = 0; i < 7; i++) {
        if (hv_time_lit(
                c, long_name ? hv_time_wdays_long[i] : hv_time_wdays[i])) {
            return true;
        }
    }

    return false;
}


/* "HH:MM:SS" */
static bool
hv_time_clock(hv_time_cur_t *c, hv_time_tm_t *tm)
{
    return hv_time_num(c, 2, false, &tm->hour) && hv_time_lit(c, ":") &&
           hv_time_num(c, 2, false, &tm->min) && hv_time_lit(c, ":") &&
           hv_time_num(c, 2, false, &tm->sec);
}


/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool
hv_time_parse_imf(hv_time_cur_t *c, hv_time_tm_t *tm)
{
    int year;

    if (!(hv_time_wday(c, false) && hv_time_lit(c, ", ") &&
            hv_time_num(c, 2, false, &tm->day) && hv_time_lit(c, " ") &&
            hv_time_month(c, &tm->month) && hv_time_lit(c, " ") &&
            hv_time_num(c, 4, false, &year) && hv_time_lit(c, " ") &&
            hv_time_clock(c, tm) && hv_time_lit(c, " GMT"))) {
        return false;
    }

    tm->year = year;
    return true;
}


/* "Sunday, 06-Nov-94 08:49:37 GMT" */
static bool
hv_time_parse_rfc850(hv_time_cur_t *c, hv_time_tm_t *tm)
{
    int year;

    if (!(hv_time_wday(c, true) && hv_time_lit(c, ", ") &&
            hv_time_num(c, 2, false, &tm->day) && hv_time_lit(c, "-") &&
            hv_time_month(c, &tm->month) && hv_time_lit(c, "-") &&
            hv_time_num(c, 2, false, &year) && hv_time_lit(c, " ") &&
            hv_time_clock(c, tm) && hv_time_lit(c, " GMT"))) {
        return false;
    }

    /* Two-digit years: 70-99 are 19xx, the rest 20xx (the epoch's rule). */
    tm->year = year + (year < 70 ? 2000 : 1900);
    return true;
}


/* "Sun Nov  6 08:49:37 1994" */
static bool
hv_time_parse_asctime(hv_time_cur_t *c, hv_time_tm_t *tm)
{
    int year;

    if (!(hv_time_wday(c, false) && hv_time_lit(c, " ") &&
            hv_time_month(c, &tm->month) && hv_time_lit(c, " ") &&
            hv_time_num(c, 2, true, &tm->day) && hv_time_lit(c, " ") &&
            hv_time_clock(c, tm) && hv_time_lit(c, " ") &&
            hv_time_num(c, 4, false, &year))) {
        return false;
    }

    tm->year = year;
    return true;
}


static bool
hv_time_is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


time_t
hv_parse_http_time(const unsigned char *p, size_t len)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
        31 };
    hv_time_cur_t c;
    hv_time_tm_t tm;
    bool ok;
    int64_t t;

    c.p = p;
    c.end = p + len;

    /* The form shows in the fourth byte: "Sun," "Sun " or "Sunday,". */
    if (len < 4) {
        return -1;
    }

    if (p[3] == ',') {
        ok = hv_time_parse_imf(&c, &tm);
    } else if (p[3] == ' ') {
        ok = hv_time_parse_asctime(&c, &tm);
    } else {
        ok = hv_time_parse_rfc850(&c, &tm);
    }

    if (!ok || c.p != c.end) {
        return -1;
    }

    /* Negative times are not representable: -1 is the error value. */
    if (tm.year < 1970 || tm.day < 1 || tm.day > mdays[tm.month - 1] ||
        (tm.month == 2 && tm.day == 29 && !hv_time_is_leap(tm.year)) ||
        tm.hour > 23 || tm.min > 59 || tm.sec > 59) {
        return -1;
    }

    t = hv_time_days_from_civil(tm.year, tm.month, tm.day) * 86400 +
        tm.hour * 3600 + tm.min * 60 + tm.sec;

    if ((int64_t) (time_t) t != t) {
        return -1;
    }

    return (time_t) t;
}
