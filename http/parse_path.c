/*
 * http/parse_path.c - the path of an origin-form target as the server
 * uses it: percent-escapes decoded, dot segments removed, runs of slashes
 * merged when asked.  Done once, before any module sees r->uri, so that a
 * module mapping the URI to a file can never be walked out of its root by
 * "/../", "/%2e%2e/" or "%2F..%2F".
 */
#include "http/http.h"
#include "http/parse_internal.h"


/* Percent-decodes in into out (len bytes at most); HV_OK or 400. */
static int
hv_http_decode_path(
    const unsigned char *in, size_t len, unsigned char *out, size_t *out_len)
{
    size_t i, n;
    int hi, lo;

    n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] != '%') {
            out[n++] = in[i];
            continue;
        }

        if (len - i < 3) {
            return 400;
        }

        hi = hv_http_hex_value(in[i + 1]);
        lo = hv_http_hex_value(in[i + 2]);

        /* "%00" would cut a file name short where C strings are used */
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return 400;
        }

        out[n++] = (unsigned char) (hi << 4 | lo);
        i += 2;
    }

    *out_len = n;

    return HV_OK;
}


/*
 * Removes dot segments in place (RFC 3986 5.2.4), out[0] being '/'.  The
 * write position never passes the read position, so one buffer does.
 */
static int
hv_http_remove_dots(
    unsigned char *out, size_t len, size_t *out_len, bool merge_slashes)
{
    size_t r, w, e, seglen;
    bool last;

    w = 0;
    r = 0;

    while (r < len) {
        /* out[r] is the '/' in front of a segment */
        for (e = r + 1; e < len && out[e] != '/'; e++) {
            /* find the end of the segment */
        }

        seglen = e - r - 1;
        last = (e == len);

        if (seglen == 1 && out[r + 1] == '.') {
            /* "/a/." keeps its trailing slash: "/a/" */
            if (last) {
                out[w++] = '/';
            }

        } else if (seglen == 2 && out[r + 1] == '.' && out[r + 2] == '.') {
            /* nothing left to climb out of: never above the root */
            if (w == 0) {
                return 400;
            }

            do {
                w--;
            } while (w > 0 && out[w] != '/');

            if (last) {
                out[w++] = '/';
            }

        } else if (seglen == 0 && merge_slashes && !last) {
            /* "//" with merge_slashes: drop the empty segment */

        } else {
            memmove(out + w, out + r, seglen + 1);
            w += seglen + 1;
        }

        r = e;
    }

    if (w == 0) {
        out[w++] = '/';
    }

    *out_len = w;

    return HV_OK;
}


int
hv_http_parse_path(const unsigned char *in, size_t len, unsigned char *out,
    size_t *out_len, bool merge_slashes)
{
    size_t n;

    if (len == 0 || in[0] != '/') {
        return 400;
    }

    if (hv_http_decode_path(in, len, out, &n) != HV_OK) {
        return 400;
    }

    /* "%2F" at the start decodes to '/', any other first byte cannot */
    return hv_http_remove_dots(out, n, out_len, merge_slashes);
}
