/*
 * modules/static_internal.h - what the files of the static module
 * (static.c: the handler; static_send.c: conditional and range answers;
 * static_cache.c: the open file cache) share; nothing outside the module
 * includes it.
 */
#ifndef HV_STATIC_INTERNAL_H
#define HV_STATIC_INTERNAL_H

#include "http/http.h"
#include "http/range.h"

#define HV_HTTP_PRECONDITION_FAILED 412

/*
 * An open file as the handler serves it.  fd belongs to whoever opened it:
 * a request pool cleanup, or the open file cache (which then keeps it
 * open across requests).  data, when not NULL, holds the whole content
 * (size bytes) read at open time: small cached files are sent from
 * memory, so that the header and the body leave in one write.
 */
typedef struct {
    int fd;
    off_t size;
    time_t mtime;
    bool is_dir;
    bool is_file; /* a regular file */
    const unsigned char *data;
} hv_static_file_t;

/*
 * Sends f as the response to r: 200, or 304/412 for the conditional
 * fields, or 206/416 for Range.  Returns what the handler returns to the
 * phase engine.
 */
int hv_static_send(hv_http_request_t *r, const hv_static_file_t *f);

#endif /* HV_STATIC_INTERNAL_H */
