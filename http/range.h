/*
 * http/range.h - the Range request field (RFC 9110 section 14.2), parsed
 * against a representation of known length.
 *
 * Kept apart from any module and free of requests and pools so that a
 * unit test and a fuzzer can drive it with nothing but bytes.
 */
#ifndef HV_HTTP_RANGE_H
#define HV_HTTP_RANGE_H

#include "core/core.h"

#define HV_HTTP_PARTIAL_CONTENT 206
#define HV_HTTP_RANGE_NOT_SATISFIABLE 416

/*
 * The most range specs one field may hold before hive ignores the field
 * and sends the whole representation (RFC 9110 14.2 lets a server ignore
 * "many small ranges"): it bounds the parse and the multipart answer.
 */
#define HV_HTTP_RANGES_MAX 16

/* One satisfiable range: bytes start .. end-1 (end is exclusive). */
typedef struct {
    off_t start;
    off_t end;
} hv_http_range_t;

/*
 * Parses the value of a Range field ("bytes=0-99,200-,-50") for a
 * representation of size bytes.  Writes the satisfiable ranges, in the
 * order given and clamped to size, into out[0 .. HV_HTTP_RANGES_MAX-1]
 * and their number into *n.  Returns
 *   HV_OK        *n >= 1 ranges to send (206);
 *   HV_DECLINED  ignore the field and send everything (200): not the
 *                "bytes" unit, malformed, first-pos above last-pos, more
 *                than HV_HTTP_RANGES_MAX specs, or ranges that add up to
 *                more than the representation (an amplification attempt);
 *   HV_HTTP_RANGE_NOT_SATISFIABLE  well formed but no range overlaps the
 *                representation (416).
 * Numbers too large for off_t saturate instead of overflowing: such a
 * first-pos is unsatisfiable, such a last-pos or suffix means "to the
 * end".  Never reads outside value[0 .. len-1].
 */
int hv_http_range_parse(const unsigned char *value, size_t len, off_t size,
    hv_http_range_t *out, hv_uint_t *n);

#endif /* HV_HTTP_RANGE_H */
