/*
 * tests/fuzz/path.c - the URI normaliser hv_http_parse_path()
 * (http/parse_path.c).
 *
 * Input: one flag byte (bit 0: merge_slashes), then the path.  The
 * verdict is checked against a small independent model (decode, then
 * count the depth segment by segment: 400 exactly when an escape is bad
 * or "%00", the path does not start with '/', or a ".." would climb above
 * the root), and an accepted result must start with '/', fit in the
 * input's length, hold no "." or ".." segment (so it can never climb
 * above '/'), no NUL (for input without one: the request parser refuses
 * raw control bytes) and, with merge_slashes, no "//".
 */
#include "http/http.h"
#include "tests/fuzz/fuzz.h"


static int
hv_fuzz_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


/* The model's verdict: HV_OK or 400. */
static int
hv_fuzz_path_model(const uint8_t *in, size_t len, bool merge)
{
    unsigned char *dec;
    size_t i, n, s, e;
    long depth;
    int rc, hi, lo;

    if (len == 0 || in[0] != '/') {
        return 400;
    }

    dec = hv_fuzz_copy(in, len);
    rc = HV_OK;
    n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] != '%') {
            dec[n++] = in[i];
            continue;
        }
        hi = i + 2 < len ? hv_fuzz_hex(in[i + 1]) : -1;
        lo = i + 2 < len ? hv_fuzz_hex(in[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi | lo) == 0) {
            rc = 400;
            goto done;
        }
        dec[n++] = (unsigned char) (hi << 4 | lo);
        i += 2;
    }

    depth = 0;

    for (s = 0; s < n; s = e) {
        /* dec[s] is the '/' in front of a segment */
        for (e = s + 1; e < n && dec[e] != '/'; e++) {
            /* the segment's end */
        }

        if (e - s == 3 && dec[s + 1] == '.' && dec[s + 2] == '.') {
            if (depth == 0) {
                rc = 400;
                goto done;
            }
            depth--;

        } else if ((e - s == 2 && dec[s + 1] == '.') || (e - s == 1 && merge)) {
            /* "." and, merged, "//" leave the depth */

        } else {
            depth++;
        }
    }

done:
    free(dec);
    return rc;
}


/* No "." or ".." segment, no "//" when merged, no NUL: see above. */
static void
hv_fuzz_path_check(const unsigned char *out, size_t n, bool merge, bool nul)
{
    size_t s, e;

    for (s = 0; s < n; s = e) {
        HV_FUZZ_CHECK(out[s] == '/', "segment at %zu without '/'", s);

        for (e = s + 1; e < n && out[e] != '/'; e++) {
            HV_FUZZ_CHECK(out[e] != '\0' || nul, "NUL at %zu", e);
        }

        HV_FUZZ_CHECK(
            !(e - s == 2 && out[s + 1] == '.'), "\".\" segment left at %zu", s);
        HV_FUZZ_CHECK(!(e - s == 3 && out[s + 1] == '.' && out[s + 2] == '.'),
            "\"..\" segment left at %zu", s);
        HV_FUZZ_CHECK(!(merge && e - s == 1 && e < n), "\"//\" at %zu", s);
    }
}


int
hv_fuzz_path(const uint8_t *data, size_t size)
{
    unsigned char *in, *out;
    size_t len, out_len;
    bool merge, nul;
    int rc, model;

    if (size < 1) {
        return 0;
    }

    merge = (data[0] & 1) != 0;
    len = size - 1;

    /* exact-size copies: ASan sees a read or write past either end */
    in = hv_fuzz_copy(data + 1, len);
    out = hv_fuzz_copy(data + 1, len);
    nul = len > 0 && memchr(in, '\0', len) != NULL;
    out_len = SIZE_MAX;

    rc = hv_http_parse_path(in, len, out, &out_len, merge);
    model = hv_fuzz_path_model(in, len, merge);

    HV_FUZZ_CHECK(rc == model, "verdict %d, the model says %d", rc, model);

    if (rc == HV_OK) {
        HV_FUZZ_CHECK(out_len >= 1 && out_len <= len && out[0] == '/',
            "result length %zu of %zu, first byte 0x%02x", out_len, len,
            out[0]);
        if (out_len >= 1 && out_len <= len) {
            hv_fuzz_path_check(out, out_len, merge, nul);
        }
    }

    free(in);
    free(out);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_path(data, size);
}

#endif
