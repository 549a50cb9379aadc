/*
 * core/pool.c - memory pools (see pool.h for the contract).
 *
 * A pool is a chain of blocks of block_size bytes; the pool header itself
 * lives at the start of the first block, so a pool that never outgrows
 * one block costs exactly one malloc().  Small allocations bump a pointer
 * in a block; an allocation that could not fit even an empty block gets
 * its own malloc() and is remembered in the "large" list.
 *
 * With HV_DEBUG_POOL every allocation is its own malloc() of exactly the
 * requested size (after a small header), so AddressSanitizer reports any
 * write past the end of a pool allocation.  The pool header is then a
 * separate malloc() too.
 */
#include "core/core.h"


/* Alignment of hv_palloc() results: enough for any scalar on x86-64. */
#define HV_POOL_ALIGN (2 * sizeof(void *))

/*
 * A block that failed to satisfy this many requests is skipped by later
 * searches: it is nearly full, and scanning it again is wasted time.
 */
#define HV_POOL_MAX_FAILED 4

/* The smallest block accepted: the pool header plus some useful room. */
#define HV_POOL_MIN_SIZE 256

typedef struct hv_pool_block_s hv_pool_block_t;
typedef struct hv_pool_large_s hv_pool_large_t;

struct hv_pool_block_s {
    unsigned char *last; /* first free byte */
    unsigned char *end;  /* one past the block */
    hv_pool_block_t *next;
    hv_uint_t failed; /* requests this block could not satisfy */
};

struct hv_pool_large_s {
    hv_pool_large_t *next;
    void *alloc; /* NULL once freed early */
};

#ifdef HV_DEBUG_POOL

/*
 * The header in front of every debug allocation; its size is a multiple
 * of HV_POOL_ALIGN so the data behind it keeps malloc()'s alignment.
 */
typedef struct hv_pool_dbg_s hv_pool_dbg_t;

struct hv_pool_dbg_s {
    hv_pool_dbg_t *next;
    size_t size;
    bool large; /* would have been a large allocation */
};

#define HV_POOL_DBG_HDR hv_align(sizeof(hv_pool_dbg_t), HV_POOL_ALIGN)

#endif

struct hv_pool_s {
    hv_pool_block_t first;    /* must stay first: see hv_pool_create() */
    hv_pool_block_t *current; /* where searches start */
    hv_pool_large_t *large;
    hv_pool_cleanup_t *cleanup; /* most recently added first */
    hv_log_t *log;
    size_t block_size;
    size_t max_small; /* larger requests are "large" */
#ifdef HV_DEBUG_POOL
    hv_pool_dbg_t *dbg; /* every allocation, newest first */
#endif
};

#define HV_POOL_HDR hv_align(sizeof(hv_pool_t), HV_POOL_ALIGN)
#define HV_POOL_BLOCK_HDR hv_align(sizeof(hv_pool_block_t), HV_POOL_ALIGN)


static void hv_pool_run_cleanups(hv_pool_t *pool);
static void hv_pool_free_all(hv_pool_t *pool);


static void *
hv_pool_malloc(hv_pool_t *pool, size_t size)
{
    void *p;

    p = malloc(size);
    if (p == NULL) {
        hv_log_error(HV_LOG_CRIT, pool->log, errno, "malloc(%zu) failed", size);
    }

    return p;
}


hv_pool_t *
hv_pool_create(size_t size, hv_log_t *log)
{
    hv_pool_t *pool;
    void *mem;
    int rc;

    if (size < HV_POOL_MIN_SIZE) {
        size = HV_POOL_MIN_SIZE;
    }
    size = hv_align(size, HV_POOL_ALIGN);

#ifdef HV_DEBUG_POOL
    rc = posix_memalign(&mem, HV_POOL_ALIGN, HV_POOL_HDR);
#else
    rc = posix_memalign(&mem, HV_POOL_ALIGN, size);
#endif
    if (rc != 0) {
        if (log != NULL) {
            hv_log_error(
                HV_LOG_CRIT, log, rc, "posix_memalign(%zu) failed", size);
        }
        return NULL;
    }

    pool = mem;
    pool->first.last = (unsigned char *) pool + HV_POOL_HDR;
    pool->first.end = (unsigned char *) pool + size;
    pool->first.next = NULL;
    pool->first.failed = 0;
    pool->current = &pool->first;
    pool->large = NULL;
    pool->cleanup = NULL;
    pool->log = log;
    pool->block_size = size;

    /* What an empty non-first block can hold. */
    pool->max_small = size - HV_POOL_BLOCK_HDR;

#ifdef HV_DEBUG_POOL
    pool->first.end = pool->first.last;
    pool->dbg = NULL;
#endif

    return pool;
}


void
hv_pool_destroy(hv_pool_t *pool)
{
    if (pool == NULL) {
        return;
    }

    hv_pool_run_cleanups(pool);
    hv_pool_free_all(pool);
    free(pool);
}


void
hv_pool_reset(hv_pool_t *pool)
{
    hv_pool_run_cleanups(pool);
    hv_pool_free_all(pool);

    pool->first.last = (unsigned char *) pool + HV_POOL_HDR;
    pool->first.next = NULL;
    pool->first.failed = 0;
    pool->current = &pool->first;
    pool->large = NULL;
    pool->cleanup = NULL;
}


/* Runs the cleanups newest first and forgets them. */
static void
hv_pool_run_cleanups(hv_pool_t *pool)
{
    hv_pool_cleanup_t *c;

    for (c = pool->cleanup; c != NULL; c = c->next) {
        if (c->handler != NULL) {
            c->handler(c->data);
        }
    }

    pool->cleanup = NULL;
}


/* Frees every allocation and every block but the first. */
static void
hv_pool_free_all(hv_pool_t *pool)
{
    hv_pool_block_t *b, *next;

#ifdef HV_DEBUG_POOL
    hv_pool_dbg_t *d, *dnext;

    for (d = pool->dbg; d != NULL; d = dnext) {
        dnext = d->next;
        free(d);
    }
    pool->dbg = NULL;
#else
    hv_pool_large_t *l;

    for (l = pool->large; l != NULL; l = l->next) {
        free(l->alloc);
    }
#endif

    for (b = pool->first.next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
}


#ifdef HV_DEBUG_POOL

static void *
hv_pool_dbg_alloc(hv_pool_t *pool, size_t size, bool large)
{
    hv_pool_dbg_t *d;

    if (size > SIZE_MAX - HV_POOL_DBG_HDR) {
        hv_log_error(HV_LOG_CRIT, pool->log, 0,
            "pool allocation of %zu bytes is too large", size);
        return NULL;
    }

    d = hv_pool_malloc(pool, HV_POOL_DBG_HDR + size);
    if (d == NULL) {
        return NULL;
    }

    d->size = size;
    d->large = large;
    d->next = pool->dbg;
    pool->dbg = d;

    return (unsigned char *) d + HV_POOL_DBG_HDR;
}

#endif


#ifndef HV_DEBUG_POOL

/* Finds room for size bytes in the blocks, adding a block when needed. */
static void *
hv_pool_alloc_small(hv_pool_t *pool, size_t size, bool align)
{
    hv_pool_block_t *b, *nb;
    unsigned char *m;
    void *mem;
    int rc;

    for (b = pool->current; b != NULL; b = b->next) {
        m = b->last;
        if (align) {
            m = (unsigned char *) hv_align((uintptr_t) m, HV_POOL_ALIGN);
        }

        if (m <= b->end && (size_t) (b->end - m) >= size) {
            b->last = m + size;
            return m;
        }
    }

    rc = posix_memalign(&mem, HV_POOL_ALIGN, pool->block_size);
    if (rc != 0) {
        hv_log_error(HV_LOG_CRIT, pool->log, rc, "posix_memalign(%zu) failed",
            pool->block_size);
        return NULL;
    }

    nb = mem;
    nb->end = (unsigned char *) nb + pool->block_size;
    nb->next = NULL;
    nb->failed = 0;
    m = (unsigned char *) nb + HV_POOL_BLOCK_HDR;
    nb->last = m + size;

    /*
     * Every block we walked past failed this request; advance the search
     * start beyond blocks that failed too often.
     */
    for (b = pool->current; b->next != NULL; b = b->next) {
        if (b->failed++ >= HV_POOL_MAX_FAILED) {
            pool->current = b->next;
        }
    }
    b->next = nb;
    if (b->failed++ >= HV_POOL_MAX_FAILED) {
        pool->current = nb;
    }

    return m;
}


/* Remembers p in the large list, in a slot freed nearby or a new one. */
static int
hv_pool_add_large(hv_pool_t *pool, void *p)
{
    hv_pool_large_t *l;
    hv_uint_t n;

    /* Reuse a slot freed by hv_pool_detach_large(), looking only nearby. */
    n = 0;
    for (l = pool->large; l != NULL && n < 4; l = l->next, n++) {
        if (l->alloc == NULL) {
            l->alloc = p;
            return HV_OK;
        }
    }

    l = hv_pool_alloc_small(pool, sizeof(hv_pool_large_t), true);
    if (l == NULL) {
        return HV_ERROR;
    }

    l->alloc = p;
    l->next = pool->large;
    pool->large = l;

    return HV_OK;
}


static void *
hv_pool_alloc_large(hv_pool_t *pool, size_t size)
{
    void *p;

    p = hv_pool_malloc(pool, size);
    if (p == NULL) {
        return NULL;
    }

    if (hv_pool_add_large(pool, p) != HV_OK) {
        free(p);
        return NULL;
    }

    return p;
}

#endif /* !HV_DEBUG_POOL */


/*
 * Most allocations fit the current block: that test is inlined into the
 * three allocators, and only a miss pays for the call that walks the
 * blocks (callgrind: ~30 instructions less per allocation, and a request
 * makes about fifteen).  Whatever fits a block is small by definition.
 */
static inline void *
hv_pool_alloc(hv_pool_t *pool, size_t size, bool align)
{
#ifdef HV_DEBUG_POOL
    (void) align;
    return hv_pool_dbg_alloc(pool, size, size > pool->max_small);
#else
    hv_pool_block_t *b = pool->current;
    unsigned char *m;

    m = b->last;
    if (align) {
        m = (unsigned char *) hv_align((uintptr_t) m, HV_POOL_ALIGN);
    }

    if (m <= b->end && (size_t) (b->end - m) >= size) {
        b->last = m + size;
        return m;
    }

    if (size <= pool->max_small) {
        return hv_pool_alloc_small(pool, size, align);
    }

    return hv_pool_alloc_large(pool, size);
#endif
}


void *
hv_palloc(hv_pool_t *pool, size_t size)
{
    return hv_pool_alloc(pool, size, true);
}


void *
hv_pcalloc(hv_pool_t *pool, size_t size)
{
    void *p;

    p = hv_pool_alloc(pool, size, true);
    if (p != NULL) {
        memset(p, 0, size);
    }

    return p;
}


void *
hv_pnalloc(hv_pool_t *pool, size_t size)
{
    return hv_pool_alloc(pool, size, false);
}


unsigned char *
hv_pstrdup(hv_pool_t *pool, const void *src, size_t n)
{
    unsigned char *p;

    if (n == SIZE_MAX) {
        return NULL;
    }

    p = hv_pnalloc(pool, n + 1);
    if (p == NULL) {
        return NULL;
    }

    p = hv_cpymem(p, src, n);
    *p = '\0';

    return p - n;
}


int
hv_pool_free_large(hv_pool_t *pool, void *p)
{
    if (hv_pool_detach_large(pool, p) != HV_OK) {
        return HV_DECLINED;
    }

    hv_pool_free_detached(p);

    return HV_OK;
}


int
hv_pool_detach_large(hv_pool_t *pool, void *p)
{
#ifdef HV_DEBUG_POOL
    hv_pool_dbg_t **pd, *d;

    for (pd = &pool->dbg; *pd != NULL; pd = &(*pd)->next) {
        d = *pd;
        if ((unsigned char *) d + HV_POOL_DBG_HDR == p && d->large) {
            *pd = d->next;
            d->next = NULL;
            return HV_OK;
        }
    }
#else
    hv_pool_large_t *l;

    for (l = pool->large; l != NULL; l = l->next) {
        if (l->alloc == p && p != NULL) {
            /* the slot stays for the next large allocation or attach */
            l->alloc = NULL;
            return HV_OK;
        }
    }
#endif

    return HV_DECLINED;
}


int
hv_pool_attach_large(hv_pool_t *pool, void *p)
{
#ifdef HV_DEBUG_POOL
    hv_pool_dbg_t *d =
        (hv_pool_dbg_t *) ((unsigned char *) p - HV_POOL_DBG_HDR);

    d->next = pool->dbg;
    pool->dbg = d;

    return HV_OK;
#else
    return hv_pool_add_large(pool, p);
#endif
}


void
hv_pool_free_detached(void *p)
{
#ifdef HV_DEBUG_POOL
    if (p != NULL) {
        free((unsigned char *) p - HV_POOL_DBG_HDR);
    }
#else
    free(p);
#endif
}


hv_pool_cleanup_t *
hv_pool_cleanup_add(hv_pool_t *pool, hv_pool_cleanup_pt handler, void *data)
{
    hv_pool_cleanup_t *c;

    c = hv_palloc(pool, sizeof(hv_pool_cleanup_t));
    if (c == NULL) {
        return NULL;
    }

    c->handler = handler;
    c->data = data;
    c->next = pool->cleanup;
    pool->cleanup = c;

    return c;
}


void
hv_pool_cleanup_close_fd(void *data)
{
    int fd;

    fd = *(int *) data;
    if (fd == -1) {
        return;
    }

    /* Nobody to report to here but stderr; a failed close() is harmless
     * for read-only files, which is what pools hold. */
    (void) close(fd);
}


void
hv_pool_set_log(hv_pool_t *pool, hv_log_t *log)
{
    pool->log = log;
}
