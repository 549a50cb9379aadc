/*
 * modules/gzip/accept.c - the Accept-Encoding test of the gzip modules.
 *
 *     Accept-Encoding = #( codings [ OWS ";" OWS "q=" qvalue ] )
 *     qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3"0" ] )
 *
 * Other parameters are skipped (a quoted value may hold a comma).  The
 * parser works on the raw bytes with an explicit end, so it can be fed
 * any input at the edge of a protected page.
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"


#define hv_gzip_ows(ch) ((ch) == ' ' || (ch) == '\t')


static const unsigned char *hv_gzip_skip_param(
    const unsigned char *p, const unsigned char *end);
static hv_int_t hv_gzip_qvalue(const unsigned char *p, size_t len);


bool
hv_gzip_accept_encoding(const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len, *coding, *name, *value;
    size_t clen, nlen;
    hv_int_t q, gzip_q, star_q, v;

    gzip_q = -1; /* -1: not listed */
    star_q = -1;

    while (p < end) {
        while (p < end && (hv_gzip_ows(*p) || *p == ',')) {
            p++;
        }

        coding = p;
        while (p < end && *p != ',' && *p != ';' && !hv_gzip_ows(*p)) {
            p++;
        }
        clen = (size_t) (p - coding);
        q = 1000;

        /* parameters: ; name=value, only q matters */
        while (p < end && *p != ',') {
            if (*p != ';') {
                p++; /* OWS, or junk after the coding: skipped */
                continue;
            }
            p++;
            while (p < end && hv_gzip_ows(*p)) {
                p++;
            }
            name = p;
            while (p < end && *p != '=' && *p != ',' && *p != ';' &&
                   !hv_gzip_ows(*p)) {
                p++;
            }
            nlen = (size_t) (p - name);
            if (p == end || *p != '=') {
                continue;
            }
            value = ++p;
            p = hv_gzip_skip_param(p, end);
            if (nlen == 1 && (*name == 'q' || *name == 'Q')) {
                q = hv_gzip_qvalue(value, (size_t) (p - value));
            }
        }

        if (clen == 0) {
            continue;
        }

        v = q < 0 ? 0 : q; /* malformed: not acceptable */

        if ((clen == 4 &&
                hv_strncasecmp(coding, (unsigned char *) "gzip", 4) == 0) ||
            (clen == 6 &&
                hv_strncasecmp(coding, (unsigned char *) "x-gzip", 6) == 0)) {
            gzip_q = hv_max(gzip_q, v);
        } else if (clen == 1 && *coding == '*') {
            star_q = hv_max(star_q, v);
        }
    }

    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}


/* The end of a parameter value: a token, or a quoted string. */
static const unsigned char *
hv_gzip_skip_param(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end) {
                p++;
            }
        }
        return p < end ? p + 1 : p;
    }

    while (p < end && *p != ',' && *p != ';' && !hv_gzip_ows(*p)) {
        p++;
    }

    return p;
}


/* A qvalue in thousandths, or -1 when it is not one. */
static hv_int_t
hv_gzip_qvalue(const unsigned char *p, size_t len)
{
    hv_int_t q, scale;
    size_t i;

    if (len == 0 || (p[0] != '0' && p[0] != '1') || len > 5 ||
        (len > 1 && p[1] != '.')) {
        return -1;
    }

    q = (p[0] - '0') * 1000;
    scale = 100;

    for (i = 2; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        q += (p[i] - '0') * scale;
        scale /= 10;
    }

    return q > 1000 ? -1 : q;
}


bool
hv_gzip_accepted(hv_http_request_t *r, hv_uint_t min_version)
{
    hv_http_header_t *ae = r->headers_in.accept_encoding;

    if (ae == NULL || r->http_version < min_version) {
        return false;
    }

    return hv_gzip_accept_encoding(ae->value.data, ae->value.len);
}


int
hv_gzip_add_vary(hv_http_request_t *r)
{
    static const hv_str_t vary = hv_string("Accept-Encoding");

    return hv_http_add_header_out(r, "Vary", &vary) != NULL ? HV_OK : HV_ERROR;
}
