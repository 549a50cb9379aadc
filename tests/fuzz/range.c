/*
 * tests/fuzz/range.c - the Range field parser hv_http_range_parse()
 * (http/range.c) against a file size the fuzzer chooses.
 *
 * Input: one shift byte s and eight bytes v (little endian), giving the
 * size (v & INT64_MAX) >> (s % 64), so that small and huge sizes are both
 * reached; then the field value, in an exact-size copy (ASan sees a read
 * past its end).  The ranges go into a heap array of exactly
 * HV_HTTP_RANGES_MAX entries, so a write past it is a finding too.
 * Properties: the verdict is one of the three documented ones; on HV_OK
 * 1 <= n <= HV_HTTP_RANGES_MAX, every range lies within the file and is
 * not empty, and their lengths add up to no more than the file size.
 */
#include "http/range.h"
#include "tests/fuzz/fuzz.h"


int
hv_fuzz_range(const uint8_t *data, size_t size)
{
    hv_http_range_t *out;
    unsigned char *value;
    uint64_t v, sum;
    off_t fsize;
    hv_uint_t n, i;
    unsigned s;
    size_t k;
    int rc;

    if (size < 9) {
        return 0;
    }

    s = data[0] % 64;
    v = 0;
    for (k = 0; k < 8; k++) {
        v |= (uint64_t) data[1 + k] << (k * 8);
    }
    fsize = (off_t) ((v & INT64_MAX) >> s);
    data += 9;
    size -= 9;

    value = hv_fuzz_copy(data, size);
    out = malloc(HV_HTTP_RANGES_MAX * sizeof(hv_http_range_t));
    if (out == NULL) {
        abort();
    }
    n = (hv_uint_t) -1;

    rc = hv_http_range_parse(value, size, fsize, out, &n);

    HV_FUZZ_CHECK(
        rc == HV_OK || rc == HV_DECLINED || rc == HV_HTTP_RANGE_NOT_SATISFIABLE,
        "unexpected verdict %d", rc);

    if (rc == HV_OK) {
        HV_FUZZ_CHECK(n >= 1 && n <= HV_HTTP_RANGES_MAX, "%lu ranges (max %d)",
            (unsigned long) n, HV_HTTP_RANGES_MAX);

        sum = 0;
        for (i = 0; i < n && i < HV_HTTP_RANGES_MAX; i++) {
            HV_FUZZ_CHECK(out[i].start >= 0 && out[i].start < out[i].end &&
                              out[i].end <= fsize,
                "range %lu is %lld-%lld of a file of %lld", (unsigned long) i,
                (long long) out[i].start, (long long) out[i].end,
                (long long) fsize);
            if (out[i].start >= 0 && out[i].start < out[i].end) {
                sum += (uint64_t) (out[i].end - out[i].start);
            }
        }

        HV_FUZZ_CHECK(sum <= (uint64_t) fsize,
            "ranges add up to %llu of a file of %lld", (unsigned long long) sum,
            (long long) fsize);
    }

    free(out);
    free(value);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_range(data, size);
}

#endif
