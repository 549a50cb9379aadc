/*
 * modules/gzip/gzip.h - what the gzip and gzip_static modules share.
 */
#ifndef HV_MODULES_GZIP_H
#define HV_MODULES_GZIP_H

/* gzip_static off | on | always */
#define HV_GZIP_STATIC_OFF 0
#define HV_GZIP_STATIC_ON 1
#define HV_GZIP_STATIC_ALWAYS 2

/*
 * The loc conf of the gzip_static module (modules/gzip/static.c).  It
 * also holds the two settings both modules read, gzip_vary and
 * gzip_http_version: gzip_static needs no zlib and so is always built,
 * while the gzip filter is left out without zlib.
 */
typedef struct {
    hv_uint_t mode;         /* HV_GZIP_STATIC_* */
    int vary;               /* gzip_vary: send "Vary: Accept-Encoding" */
    hv_uint_t http_version; /* gzip_http_version, 1000 * major + minor */
} hv_gzip_static_loc_conf_t;

/*
 * The gzip filter's main conf: the links it calls, saved when it joined
 * the chain (tests/unit/modules_filter_chain.c checks them).
 */
typedef struct {
    hv_http_header_filter_pt next_header;
    hv_http_body_filter_pt next_body;
} hv_gzip_main_conf_t;

/*
 * Does an Accept-Encoding value (RFC 9110 12.5.3) accept gzip?  true when
 * "gzip" or "x-gzip" is listed with a q-value above 0, or, when neither is
 * listed, "*" is; "gzip;q=0" refuses it.  Codings and "q" are matched
 * without case; a malformed q-value counts as 0, so a garbled header never
 * gets a client a coding it may not decode.  Reads exactly len bytes of p
 * (no NUL needed), keeps no state and never allocates: the fuzzer drives
 * it directly.
 */
bool hv_gzip_accept_encoding(const unsigned char *p, size_t len);

/*
 * The test both modules make before they answer with gzip: the request
 * has an Accept-Encoding that accepts gzip and its HTTP version is at
 * least min_version (1000 * major + minor).
 */
bool hv_gzip_accepted(hv_http_request_t *r, hv_uint_t min_version);

/* Adds "Vary: Accept-Encoding"; HV_OK or HV_ERROR (allocation). */
int hv_gzip_add_vary(hv_http_request_t *r);

#endif /* HV_MODULES_GZIP_H */
