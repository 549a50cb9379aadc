/*
 * modules/gzip/gzip.c - the gzip output filter (SPEC 7, "gzip").
 *
 *     gzip             on | off        (off)
 *     gzip_types       TYPE ... | *    (text/html, which is always in)
 *     gzip_min_length  SIZE            (20; a known Content-Length below
 *                                       it is sent as is)
 *     gzip_comp_level  1..9            (1)
 *     gzip_vary        on | off        (off: "Vary: Accept-Encoding")
 *     gzip_http_version 1.0 | 1.1      (1.1)
 *
 * (The last two belong to the gzip_static module, which both read.)
 *
 * This is the worked example of a filter.  The header filter decides,
 * from the response header and the request, whether this response is
 * compressed; if so it sets Content-Encoding, forgets the length (the
 * core's header writer then frames the body chunked for HTTP/1.1, or by
 * the close for 1.0) and leaves a per-request context.  The body filter
 * then deflates what passes through and hands the compressed bytes on.
 *
 * Bounded memory, whatever the size of the body: file buffers (static
 * files) are read HV_GZIP_IN_SIZE bytes at a time, output goes into at
 * most HV_GZIP_OUT_N buffers of HV_GZIP_OUT_SIZE that are reused once the
 * socket took them, and when the next filter says HV_AGAIN (the socket is
 * full) compression stops where it is and goes on when the engine calls
 * the chain again with the socket writable.  zlib's own state (about
 * 264 KB at the default window, less for short bodies) comes from the
 * request pool in one block (hv_gzip_zlib_size()), so it goes with the
 * request however the request ends.
 */
#include "http/http.h"
#include "modules/gzip/gzip.h"

#include <zlib.h>


#define HV_GZIP_IN_SIZE (32 * 1024)  /* read size for file buffers */
#define HV_GZIP_OUT_SIZE (16 * 1024) /* one compressed buffer */
#define HV_GZIP_OUT_N 4              /* buffers in flight at most */


typedef struct {
    int enable;
    hv_array_t *types; /* hv_str_t */
    size_t min_length;
    hv_int_t comp_level;
} hv_gzip_loc_conf_t;

/* One compressed response in progress. */
typedef struct {
    z_stream zs;
    hv_pool_t *pool;     /* the request's */
    unsigned char *zmem; /* what zlib has not taken of its block */
    size_t zmem_left;
    hv_chain_t *in; /* input not yet consumed (our own links) */
    hv_chain_t **in_tail;
    unsigned char *rbuf; /* file bytes read for zs (HV_GZIP_IN_SIZE) */
    hv_buf_t *out;       /* being filled by deflate */
    hv_buf_t *bufs[HV_GZIP_OUT_N];
    hv_uint_t nbufs;  /* allocated of bufs[] */
    unsigned last:1;  /* the last input buffer was consumed */
    unsigned flush:1; /* an input buffer asked for a flush */
    unsigned done:1;  /* the stream ended and was handed on */
    unsigned failed:1;
} hv_gzip_ctx_t;


static void *hv_gzip_create_main_conf(hv_conf_t *cf);
static void *hv_gzip_create_loc_conf(hv_conf_t *cf);
static char *hv_gzip_merge_loc_conf(hv_conf_t *cf, void *prev, void *conf);
static int hv_gzip_postconfiguration(hv_conf_t *cf);
static int hv_gzip_header_filter(hv_http_request_t *r);
static int hv_gzip_body_filter(hv_http_request_t *r, hv_chain_t *in);
static bool hv_gzip_eligible(hv_http_request_t *r, hv_gzip_loc_conf_t *conf);
static bool hv_gzip_type_ok(hv_http_request_t *r, hv_gzip_loc_conf_t *conf);
static int hv_gzip_start(hv_http_request_t *r, hv_gzip_loc_conf_t *conf);
static int hv_gzip_weaken_etag(hv_http_request_t *r);
static int hv_gzip_feed(hv_http_request_t *r, hv_gzip_ctx_t *ctx);
static int hv_gzip_next_input(hv_http_request_t *r, hv_gzip_ctx_t *ctx);
static int hv_gzip_send(
    hv_http_request_t *r, hv_gzip_ctx_t *ctx, int mode, int zrc);
static hv_buf_t *hv_gzip_get_buf(hv_http_request_t *r, hv_gzip_ctx_t *ctx);
static size_t hv_gzip_zlib_size(int wbits, int memlevel);
static void *hv_gzip_alloc(void *opaque, unsigned items, unsigned size);
static void hv_gzip_free(void *opaque, void *address);


static const hv_conf_bounds_t hv_gzip_level_bounds = { 1, 9 };

static const hv_command_t hv_gzip_commands[] = {
    { "gzip",
        HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_FLAG,
        hv_conf_set_flag_slot, HV_CONF_LOC,
        offsetof(hv_gzip_loc_conf_t, enable), NULL, "off" },
    { "gzip_types",
        HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_1MORE,
        hv_conf_set_str_array_slot, HV_CONF_LOC,
        offsetof(hv_gzip_loc_conf_t, types), NULL, "text/html" },
    { "gzip_min_length",
        HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_TAKE1,
        hv_conf_set_size_slot, HV_CONF_LOC,
        offsetof(hv_gzip_loc_conf_t, min_length), NULL, "20" },
    { "gzip_comp_level",
        HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_TAKE1,
        hv_conf_set_num_slot, HV_CONF_LOC,
        offsetof(hv_gzip_loc_conf_t, comp_level), &hv_gzip_level_bounds, "1" },
    hv_null_command
};

static const hv_http_module_t hv_gzip_module_ctx = {
    .postconfiguration = hv_gzip_postconfiguration,
    .create_main_conf = hv_gzip_create_main_conf,
    .create_loc_conf = hv_gzip_create_loc_conf,
    .merge_loc_conf = hv_gzip_merge_loc_conf,
};

const hv_module_t hv_gzip_module = {
    .name = "gzip",
    .index = HV_MODULE_gzip,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_gzip_module_ctx,
    .commands = hv_gzip_commands,
};


static void *
hv_gzip_create_main_conf(hv_conf_t *cf)
{
    return hv_pcalloc(cf->pool, sizeof(hv_gzip_main_conf_t));
}


static void *
hv_gzip_create_loc_conf(hv_conf_t *cf)
{
    hv_gzip_loc_conf_t *conf;

    conf = hv_pcalloc(cf->pool, sizeof(hv_gzip_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = HV_CONF_UNSET;
    conf->types = HV_CONF_UNSET_PTR;
    conf->min_length = HV_CONF_UNSET_SIZE;
    conf->comp_level = HV_CONF_UNSET;

    return conf;
}


static char *
hv_gzip_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_gzip_loc_conf_t *prev = parent, *conf = child;

    (void) cf;

    hv_conf_merge_flag(&conf->enable, prev->enable, 0);
    hv_conf_merge_ptr((void **) &conf->types, prev->types, NULL);
    hv_conf_merge_size(&conf->min_length, prev->min_length, 20);
    hv_conf_merge_int(&conf->comp_level, prev->comp_level, 1);

    return HV_CONF_OK;
}


/* "gzip on" (or left unset) here. */
static bool
hv_gzip_enabled(void **loc_conf)
{
    hv_gzip_loc_conf_t *conf = loc_conf[HV_MODULE_gzip];

    return conf->enable != 0;
}


/*
 * Joins the filter chain: in front of whatever was there (STYLE 9), and
 * only when some server or location has "gzip on".  Otherwise both
 * filters would run for every response just to pass it on (callgrind,
 * keep-alive /pid: ~50 instructions per request).
 */
static int
hv_gzip_postconfiguration(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_gzip_main_conf_t *gmcf = hv_http_conf_main(cf, gzip);

    if (!hv_http_any_location(cmcf, hv_gzip_enabled)) {
        return HV_OK;
    }

    gmcf->next_header = cmcf->top_header_filter;
    cmcf->top_header_filter = hv_gzip_header_filter;

    gmcf->next_body = cmcf->top_body_filter;
    cmcf->top_body_filter = hv_gzip_body_filter;

    return HV_OK;
}


static int
hv_gzip_header_filter(hv_http_request_t *r)
{
    hv_gzip_main_conf_t *gmcf = hv_http_main_conf(r, gzip);
    hv_gzip_loc_conf_t *conf = hv_http_loc_conf(r, gzip);
    hv_gzip_static_loc_conf_t *common = hv_http_loc_conf(r, gzip_static);

    if (!conf->enable || !hv_gzip_eligible(r, conf)) {
        return gmcf->next_header(r);
    }

    /* the answer depends on Accept-Encoding, whatever this client sent */
    if (common->vary && hv_gzip_add_vary(r) != HV_OK) {
        return HV_ERROR;
    }

    if (!hv_gzip_accepted(r, common->http_version)) {
        return gmcf->next_header(r);
    }

    if (hv_gzip_start(r, conf) != HV_OK) {
        return HV_ERROR;
    }

    return gmcf->next_header(r);
}


/*
 * The response could be compressed: a status with a body worth it, not
 * encoded yet, of a type in gzip_types, long enough.  HEAD, 204 and 304
 * have no body; 206 is a part of the identity body.
 */
static bool
hv_gzip_eligible(hv_http_request_t *r, hv_gzip_loc_conf_t *conf)
{
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_http_header_t *h;
    hv_uint_t i;

    if ((ho->status != HV_HTTP_OK && ho->status != HV_HTTP_FORBIDDEN &&
            ho->status != HV_HTTP_NOT_FOUND) ||
        r->method == HV_HTTP_HEAD || r->header_only) {
        return false;
    }

    if (ho->content_encoding != NULL && !ho->content_encoding->hidden) {
        return false;
    }

    h = ho->headers.elts;
    for (i = 0; i < ho->headers.nelts; i++) {
        if (!h[i].hidden && hv_str_caseeq_cstr(&h[i].key, "Content-Encoding")) {
            return false;
        }
    }

    if (ho->content_length_n >= 0 &&
        ho->content_length_n < (off_t) conf->min_length) {
        return false;
    }

    return hv_gzip_type_ok(r, conf);
}


/* text/html always; "*" any type; parameters (";...") are ignored. */
static bool
hv_gzip_type_ok(hv_http_request_t *r, hv_gzip_loc_conf_t *conf)
{
    hv_str_t type = r->headers_out.content_type;
    unsigned char *semi;
    hv_str_t *t;
    hv_uint_t i;

    if (type.len == 0) {
        return false;
    }

    semi = memchr(type.data, ';', type.len);
    if (semi != NULL) {
        type.len = (size_t) (semi - type.data);
    }
    while (type.len > 0 && type.data[type.len - 1] == ' ') {
        type.len--;
    }

    if (type.len == 0) {
        return false;
    }

    if (hv_str_caseeq_cstr(&type, "text/html")) {
        return true;
    }

    if (conf->types == NULL) {
        return false;
    }

    t = conf->types->elts;
    for (i = 0; i < conf->types->nelts; i++) {
        if (hv_str_eq_cstr(&t[i], "*") ||
            (t[i].len == type.len &&
                hv_strncasecmp(t[i].data, type.data, type.len) == 0)) {
            return true;
        }
    }

    return false;
}


/* Sets up zlib and the header for a compressed response. */
static int
hv_gzip_start(hv_http_request_t *r, hv_gzip_loc_conf_t *conf)
{
    static const hv_str_t gzip = hv_string("gzip");
    hv_http_headers_out_t *ho = &r->headers_out;
    hv_gzip_ctx_t *ctx;
    int wbits, memlevel, zrc;

    ctx = hv_pcalloc(r->pool, sizeof(hv_gzip_ctx_t));
    if (ctx == NULL) {
        return HV_ERROR;
    }
    ctx->in_tail = &ctx->in;

    /*
     * A short body needs no 32 KB window: halving it while the body
     * still fits saves zlib memory (window and hash both shrink) at no
     * cost in ratio.
     */
    wbits = 15;
    memlevel = 8;
    while (ho->content_length_n > 0 && wbits > 9 &&
           ho->content_length_n < ((off_t) 1 << (wbits - 1))) {
        wbits--;
        if (memlevel > 1) {
            memlevel--;
        }
    }

    ctx->pool = r->pool;
    ctx->zmem_left = hv_gzip_zlib_size(wbits, memlevel);
    ctx->zmem = hv_palloc(r->pool, ctx->zmem_left);
    if (ctx->zmem == NULL) {
        return HV_ERROR;
    }

    ctx->zs.zalloc = hv_gzip_alloc;
    ctx->zs.zfree = hv_gzip_free;
    ctx->zs.opaque = ctx;

    /* windowBits + 16: the gzip wrapper (header and CRC-32 trailer) */
    zrc = deflateInit2(&ctx->zs, (int) conf->comp_level, Z_DEFLATED, wbits + 16,
        memlevel, Z_DEFAULT_STRATEGY);
    if (zrc != Z_OK) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, 0,
            "deflateInit2() failed: %d", zrc);
        return HV_ERROR;
    }

    ho->content_encoding = hv_http_add_header_out(r, "Content-Encoding", &gzip);
    if (ho->content_encoding == NULL || hv_gzip_weaken_etag(r) != HV_OK) {
        return HV_ERROR;
    }

    /* unknown now: the core frames the body chunked (1.1) or by close */
    ho->content_length_n = -1;

    hv_http_set_ctx(r, ctx, gzip);

    return HV_OK;
}


/*
 * A strong ETag names the identity bytes; the compressed ones are only
 * equivalent, so the tag becomes weak (W/"...") as RFC 9110 8.8.1 asks.
 */
static int
hv_gzip_weaken_etag(hv_http_request_t *r)
{
    hv_http_header_t *etag = r->headers_out.etag;
    unsigned char *p;

    if (etag == NULL || etag->hidden || etag->value.len < 2 ||
        etag->value.data[0] != '"') {
        return HV_OK;
    }

    p = hv_pnalloc(r->pool, etag->value.len + 2);
    if (p == NULL) {
        return HV_ERROR;
    }
    p[0] = 'W';
    p[1] = '/';
    memcpy(p + 2, etag->value.data, etag->value.len);

    etag->value.data = p;
    etag->value.len += 2;

    return HV_OK;
}


static int
hv_gzip_body_filter(hv_http_request_t *r, hv_chain_t *in)
{
    hv_gzip_main_conf_t *gmcf = hv_http_main_conf(r, gzip);
    hv_gzip_ctx_t *ctx = hv_http_get_ctx(r, gzip);
    hv_chain_t *cl, *link;
    int rc;

    if (ctx == NULL || ctx->done) {
        return gmcf->next_body(r, in);
    }

    if (ctx->failed) {
        return HV_ERROR;
    }

    /* the caller may reuse its links: queue our own */
    for (cl = in; cl != NULL; cl = cl->next) {
        link = hv_chain_link(r->pool, cl->buf);
        if (link == NULL) {
            ctx->failed = 1;
            return HV_ERROR;
        }
        *ctx->in_tail = link;
        ctx->in_tail = &link->next;
    }

    rc = hv_gzip_feed(r, ctx);
    if (rc == HV_ERROR) {
        ctx->failed = 1;
    }

    return rc;
}


/*
 * Deflates queued input into the output buffers and hands each full one
 * on.  Returns HV_OK when the input is used up (the stream finished, or
 * it waits for more), HV_AGAIN when the socket is full (the engine calls
 * again when it is writable), or HV_ERROR.
 */
static int
hv_gzip_feed(hv_http_request_t *r, hv_gzip_ctx_t *ctx)
{
    hv_gzip_main_conf_t *gmcf = hv_http_main_conf(r, gzip);
    int rc, mode, zrc;

    for (;;) {
        if (ctx->out == NULL) {
            ctx->out = hv_gzip_get_buf(r, ctx);
            if (ctx->out == NULL) {
                /* all buffers queued: let the socket take them first */
                rc = gmcf->next_body(r, NULL);
                if (rc != HV_OK) {
                    return rc;
                }
                ctx->out = hv_gzip_get_buf(r, ctx);
                if (ctx->out == NULL) {
                    return HV_ERROR;
                }
            }
            ctx->zs.next_out = ctx->out->last;
            ctx->zs.avail_out = (uInt) (ctx->out->end - ctx->out->last);
        }

        if (ctx->zs.avail_in == 0 && !ctx->last && !ctx->flush) {
            rc = hv_gzip_next_input(r, ctx);
            if (rc == HV_DECLINED) {
                return HV_OK;
            }
            if (rc != HV_OK) {
                return rc;
            }
        }

        mode = Z_NO_FLUSH;
        if (ctx->zs.avail_in == 0) {
            mode = ctx->last ? Z_FINISH : (ctx->flush ? Z_SYNC_FLUSH : mode);
        }

        zrc = deflate(&ctx->zs, mode);
        if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
            hv_log_error(HV_LOG_CRIT, &r->connection->log, 0,
                "deflate() failed: %d", zrc);
            return HV_ERROR;
        }
        ctx->out->last = ctx->zs.next_out;

        rc = hv_gzip_send(r, ctx, mode, zrc);
        if (rc != HV_DECLINED && (rc != HV_OK || ctx->done)) {
            return rc;
        }
    }
}


/*
 * Hands the output buffer on when it is full, the stream ended, or a
 * flush completed.  HV_DECLINED when it keeps filling, else what the next
 * filter returned.
 */
static int
hv_gzip_send(hv_http_request_t *r, hv_gzip_ctx_t *ctx, int mode, int zrc)
{
    hv_gzip_main_conf_t *gmcf = hv_http_main_conf(r, gzip);
    hv_buf_t *b = ctx->out;
    hv_chain_t *cl;

    if (zrc == Z_STREAM_END) {
        b->last_buf = 1;
        ctx->done = 1;
    } else if (mode == Z_SYNC_FLUSH && ctx->zs.avail_out > 0) {
        b->flush = 1;
        ctx->flush = 0;
    } else if (ctx->zs.avail_out > 0) {
        return HV_DECLINED;
    }

    cl = hv_chain_link(r->pool, b);
    if (cl == NULL) {
        return HV_ERROR;
    }
    ctx->out = NULL;

    return gmcf->next_body(r, cl);
}


/*
 * Points zlib at the next input bytes: a memory buffer whole, a file
 * buffer HV_GZIP_IN_SIZE bytes at a time (read into ctx->rbuf, so a file
 * of any size costs one such buffer).  A used-up buffer with last_buf or
 * flush raises ctx->last or ctx->flush.  HV_OK, HV_DECLINED (nothing
 * queued) or HV_ERROR.
 */
static int
hv_gzip_next_input(hv_http_request_t *r, hv_gzip_ctx_t *ctx)
{
    hv_buf_t *b;
    ssize_t n;

    while (ctx->in != NULL) {
        b = ctx->in->buf;

        if (b->in_file && b->file_pos < b->file_last) {
            if (ctx->rbuf == NULL) {
                ctx->rbuf = hv_pnalloc(r->pool, HV_GZIP_IN_SIZE);
                if (ctx->rbuf == NULL) {
                    return HV_ERROR;
                }
            }
            n = pread(b->fd, ctx->rbuf,
                (size_t) hv_min(b->file_last - b->file_pos, HV_GZIP_IN_SIZE),
                b->file_pos);
            if (n <= 0) {
                hv_log_error(HV_LOG_CRIT, &r->connection->log,
                    n == 0 ? 0 : errno, "pread() failed%s",
                    n == 0 ? ": the file was truncated" : "");
                return HV_ERROR;
            }
            b->file_pos += n;
            ctx->zs.next_in = ctx->rbuf;
            ctx->zs.avail_in = (uInt) n;
            return HV_OK;
        }

        if (!b->in_file && b->pos < b->last) {
            ctx->zs.next_in = b->pos;
            ctx->zs.avail_in = (uInt) (b->last - b->pos);
            b->pos = b->last;
            return HV_OK;
        }

        ctx->last = ctx->last || b->last_buf;
        ctx->flush = ctx->flush || b->flush;

        ctx->in = ctx->in->next;
        if (ctx->in == NULL) {
            ctx->in_tail = &ctx->in;
        }

        if (ctx->last || ctx->flush) {
            return HV_OK;
        }
    }

    return HV_DECLINED;
}


/* A free output buffer: one the socket has taken, or a new one while
 * fewer than HV_GZIP_OUT_N exist.  NULL when all are queued. */
static hv_buf_t *
hv_gzip_get_buf(hv_http_request_t *r, hv_gzip_ctx_t *ctx)
{
    hv_buf_t *b;
    hv_uint_t i;

    for (i = 0; i < ctx->nbufs; i++) {
        b = ctx->bufs[i];
        if (b->pos == b->last) {
            b->pos = b->start;
            b->last = b->start;
            b->last_buf = 0;
            b->flush = 0;
            return b;
        }
    }

    if (ctx->nbufs == HV_GZIP_OUT_N) {
        return NULL;
    }

    b = hv_buf_create(r->pool, HV_GZIP_OUT_SIZE);
    if (b == NULL) {
        return NULL;
    }
    ctx->bufs[ctx->nbufs++] = b;

    return b;
}


/*
 * What deflateInit2() asks for at these parameters (zlib 1.2.12 and
 * later): the window and the prev array, 2 << wbits bytes each, the head
 * array and the pending buffer, 1 << (memlevel + 8) each, and its state
 * (~6 KB) with the alignment hv_gzip_alloc() adds.
 *
 * Why one block: allocated apart, the five pieces (~64 KB each) came
 * from the top of glibc's heap, and freeing them with the request gave
 * the pages back, so every compressed response paid 4 brk() calls and
 * faulted in ~264 KB of fresh pages.  One block over glibc's mmap
 * threshold raises that threshold, and the trim threshold with it, when
 * it is first freed; from then on the heap keeps the memory (nginx
 * preallocates one block too).  strace, 100 KB HTML at level 1: 4 brk()
 * per response before, none after (tests/integration/60-gzip.t).
 */
static size_t
hv_gzip_zlib_size(int wbits, int memlevel)
{
    return 2 * ((size_t) 2 << wbits) + 2 * ((size_t) 1 << (memlevel + 8)) +
           8192;
}


/*
 * zlib's memory: from its block (see above), else, for a zlib that asks
 * more than hv_gzip_zlib_size() foresaw, from the request pool.  Either
 * goes with the request.
 */
static void *
hv_gzip_alloc(void *opaque, unsigned items, unsigned size)
{
    hv_gzip_ctx_t *ctx = opaque;
    size_t n;
    void *p;

    if (size != 0 && items > (SIZE_MAX - 15) / size) {
        return NULL;
    }

    n = hv_align((size_t) items * size, 16);

    if (n > ctx->zmem_left) {
        return hv_palloc(ctx->pool, (size_t) items * size);
    }

    p = ctx->zmem;
    ctx->zmem += n;
    ctx->zmem_left -= n;

    return p;
}


static void
hv_gzip_free(void *opaque, void *address)
{
    /* the pool frees it with the request */
    (void) opaque;
    (void) address;
}
