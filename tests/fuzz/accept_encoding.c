/*
 * tests/fuzz/accept_encoding.c - the Accept-Encoding test
 * hv_gzip_accept_encoding() (modules/gzip/accept.c).
 *
 * Input: the field value, read from an exact-size copy (ASan sees a read
 * past its end).  Properties, each a consequence of the grammar
 *     #( codings [ OWS ";" OWS "q=" qvalue ] )
 * and not of the implementation:
 *   - without "gzip" (any case) and without "*" nothing accepts gzip;
 *   - leading OWS or an empty leading list element (" ", "\t", ", ")
 *     changes nothing;
 *   - a trailing ", identity" changes nothing (identity is another
 *     coding; inside an unclosed quoted string it stays in the string);
 *   - codings and "q" match without case, so the value in upper case
 *     gives the same answer.
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"
#include "tests/fuzz/fuzz.h"


/* The answer for prefix + data + suffix, from an exact-size copy. */
static bool
hv_fuzz_ae(const char *prefix, const uint8_t *data, size_t size,
    const char *suffix, bool upper)
{
    size_t plen, slen, i;
    unsigned char *buf;
    bool ok;

    plen = strlen(prefix);
    slen = strlen(suffix);
    buf = malloc(plen + size + slen > 0 ? plen + size + slen : 1);
    if (buf == NULL) {
        abort();
    }
    memcpy(buf, prefix, plen);
    if (size > 0) {
        memcpy(buf + plen, data, size);
    }
    memcpy(buf + plen + size, suffix, slen);

    for (i = 0; upper && i < plen + size + slen; i++) {
        if (buf[i] >= 'a' && buf[i] <= 'z') {
            buf[i] = (unsigned char) (buf[i] - 'a' + 'A');
        }
    }

    ok = hv_gzip_accept_encoding(buf, plen + size + slen);
    free(buf);

    return ok;
}


/* Does data hold "gzip" in any case, or a '*'? */
static bool
hv_fuzz_ae_mentions(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i < size; i++) {
        if (data[i] == '*') {
            return true;
        }
        if (i + 4 <= size &&
            hv_strncasecmp(data + i, (unsigned char *) "gzip", 4) == 0) {
            return true;
        }
    }

    return false;
}


int
hv_fuzz_accept_encoding(const uint8_t *data, size_t size)
{
    bool ok;
    int v;

    ok = hv_fuzz_ae("", data, size, "", false);
    v = (int) ok;

    HV_FUZZ_CHECK(v == 0 || v == 1, "answer %d is not a bool", v);
    HV_FUZZ_CHECK(!ok || hv_fuzz_ae_mentions(data, size),
        "gzip accepted without \"gzip\" or \"*\" listed");
    HV_FUZZ_CHECK(hv_fuzz_ae(" ", data, size, "", false) == ok,
        "a leading space changes the answer from %d", v);
    HV_FUZZ_CHECK(hv_fuzz_ae("\t ", data, size, "", false) == ok,
        "leading OWS changes the answer from %d", v);
    HV_FUZZ_CHECK(hv_fuzz_ae(", ", data, size, "", false) == ok,
        "an empty first element changes the answer from %d", v);
    HV_FUZZ_CHECK(hv_fuzz_ae("", data, size, ", identity", false) == ok,
        "a trailing \", identity\" changes the answer from %d", v);
    HV_FUZZ_CHECK(hv_fuzz_ae("", data, size, "", true) == ok,
        "upper case changes the answer from %d", v);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_accept_encoding(data, size);
}

#endif
