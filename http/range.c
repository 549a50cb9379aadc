/*
 * http/range.c - the Range field parser (see http/range.h).
 *
 * One pass over the bytes, no allocation.  The only arithmetic on client
 * numbers is guarded: numbers saturate at the off_t maximum, and the sum
 * of the ranges is compared with the size before each addition, so no
 * value can wrap however long or many the numbers are.
 */
#include "http/range.h"


#define HV_HTTP_OFF_MAX INT64_MAX

/* One range spec as written: first-pos and last-pos, or a suffix. */
typedef struct {
    off_t first; /* -1 for a suffix spec */
    off_t last;  /* -1 when absent ("500-") */
    off_t suffix;
} hv_http_range_spec_t;


static const unsigned char *
hv_http_range_ows(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\t')) {
        p++;
    }

    return p;
}


/* A run of digits as a number, saturated; NULL when there is no digit. */
static const unsigned char *
hv_http_range_number(
    const unsigned char *p, const unsigned char *end, off_t *value)
{
    const unsigned char *start = p;
    int64_t v;

    while (p < end && *p >= '0' && *p <= '9') {
        p++;
    }

    if (p == start) {
        return NULL;
    }

    /* hv_atoi() refuses a value above the maximum: that is saturation */
    v = hv_atoi(start, (size_t) (p - start), HV_HTTP_OFF_MAX);
    *value = (v < 0) ? (off_t) HV_HTTP_OFF_MAX : (off_t) v;

    return p;
}


/* "FIRST-[LAST]" or "-SUFFIX"; NULL when malformed. */
static const unsigned char *
hv_http_range_spec(const unsigned char *p, const unsigned char *end,
    hv_http_range_spec_t *spec)
{
    spec->first = -1;
    spec->last = -1;
    spec->suffix = 0;

    if (p < end && *p == '-') {
        return hv_http_range_number(p + 1, end, &spec->suffix);
    }

    p = hv_http_range_number(p, end, &spec->first);
    if (p == NULL || p == end || *p != '-') {
        return NULL;
    }
    p++;

    if (p < end && *p >= '0' && *p <= '9') {
        p = hv_http_range_number(p, end, &spec->last);
        if (spec->last < spec->first) {
            return NULL;
        }
    }

    return p;
}


/* The bytes a spec selects in a representation of size; false: none. */
static bool
hv_http_range_resolve(
    const hv_http_range_spec_t *spec, off_t size, hv_http_range_t *r)
{
    if (spec->first < 0) {
        if (spec->suffix == 0 || size == 0) {
            return false;
        }
        r->start = (spec->suffix >= size) ? 0 : size - spec->suffix;
        r->end = size;
        return true;
    }

    if (spec->first >= size) {
        return false;
    }

    r->start = spec->first;
    /* last < size - 1 rather than last + 1 < size: last may be OFF_MAX */
    r->end = (spec->last >= 0 && spec->last < size - 1) ? spec->last + 1 : size;
    return true;
}


int
hv_http_range_parse(const unsigned char *value, size_t len, off_t size,
    hv_http_range_t *out, hv_uint_t *n)
{
    const unsigned char *p, *end;
    hv_http_range_spec_t spec;
    hv_uint_t specs, k;
    off_t total;

    p = value;
    end = value + len;
    *n = 0;
    k = 0;
    specs = 0;
    total = 0;

    p = hv_http_range_ows(p, end);
    if (end - p < 6 ||
        hv_strncasecmp(p, (const unsigned char *) "bytes", 5) != 0) {
        return HV_DECLINED;
    }
    p = hv_http_range_ows(p + 5, end);
    if (p == end || *p != '=') {
        return HV_DECLINED;
    }
    p++;

    for (;;) {
        /* a list may hold empty elements: "bytes=0-1, ,2-3" */
        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }
        if (p == end) {
            break;
        }

        if (specs++ == HV_HTTP_RANGES_MAX) {
            return HV_DECLINED;
        }

        p = hv_http_range_spec(p, end, &spec);
        if (p == NULL) {
            return HV_DECLINED;
        }
        p = hv_http_range_ows(p, end);
        if (p < end && *p != ',') {
            return HV_DECLINED;
        }

        if (!hv_http_range_resolve(&spec, size, &out[k])) {
            continue;
        }

        /* compare before adding: both sides are at most size */
        if (out[k].end - out[k].start > size - total) {
            return HV_DECLINED;
        }
        total += out[k].end - out[k].start;
        k++;
    }

    if (specs == 0) {
        return HV_DECLINED;
    }

    *n = k;

    return (k > 0) ? HV_OK : HV_HTTP_RANGE_NOT_SATISFIABLE;
}
