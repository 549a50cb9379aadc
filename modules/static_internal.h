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
    hv_str_t etag;          /* "\"hex mtime-hex size\"", nginx's form */
    hv_str_t last_modified; /* mtime as an HTTP date */
} hv_static_file_t;

/* "\"" hex mtime "-" hex size "\"" */
#define HV_STATIC_ETAG_LEN (1 + 16 + 1 + 16 + 1)
/* the ETag, then the date as hv_http_time() writes it (29 bytes + NUL) */
#define HV_STATIC_VALIDATORS_LEN (HV_STATIC_ETAG_LEN + 30)

/* The open file cache of one open_file_cache directive (static_cache.c). */
typedef struct hv_static_cache_s hv_static_cache_t;

/* The static module's location settings. */
typedef struct {
    hv_static_cache_t *cache; /* NULL: open_file_cache off */
    hv_msec_t valid;          /* open_file_cache_valid */
} hv_static_loc_conf_t;

/* The static module's main object: every cache, for exit_worker. */
typedef struct {
    hv_array_t caches; /* hv_static_cache_t * */
} hv_static_main_conf_t;

/*
 * Opens path for r into *fdp and fstat()s it into st.  HV_OK, or the
 * status to answer (404, 403, 500: logged as nginx does).  *fdp is -1
 * when open() failed, else open and the caller's to close.
 */
int hv_static_open_file(
    hv_http_request_t *r, const hv_str_t *path, int *fdp, struct stat *st);

/*
 * The "open_file_cache" directive: "off" or "max=N [inactive=TIME]"
 * (inactive 60s by default); conf is the hv_static_loc_conf_t.
 */
char *hv_static_cache_directive(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);

/*
 * Fills f for path from cache, opening the file on a miss and checking a
 * hit with stat() once it is older than valid ms.  f stays usable until
 * r's pool goes (a reference held by a pool cleanup): the cache never
 * closes a descriptor or frees content a request still uses.  HV_OK, or
 * the status to answer, as hv_static_open_file().
 */
int hv_static_cache_get(hv_http_request_t *r, hv_static_cache_t *cache,
    hv_msec_t valid, const hv_str_t *path, hv_static_file_t *f);

/* Closes and frees every entry of cache (a worker about to exit). */
void hv_static_cache_free(hv_static_cache_t *cache);

/*
 * Formats f's ETag and Last-Modified (from its mtime and size) into buf,
 * HV_STATIC_VALIDATORS_LEN bytes, and points f->etag and f->last_modified
 * at them.  The open file cache does it once per version of a file (a
 * changed file gets a new entry), an uncached open once per request.
 */
void hv_static_validators(hv_static_file_t *f, unsigned char *buf);

/*
 * Sends f as the response to r: 200, or 304/412 for the conditional
 * fields, or 206/416 for Range.  Returns what the handler returns to the
 * phase engine.
 */
int hv_static_send(hv_http_request_t *r, const hv_static_file_t *f);

#endif /* HV_STATIC_INTERNAL_H */
