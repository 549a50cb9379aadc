/*
 * core/pool.h - memory pools tied to a lifetime (STYLE 16, 18).
 *
 * A pool lives exactly as long as the object it belongs to: the cycle
 * (one configuration generation), a connection, or a request.  Memory is
 * never freed piecemeal; hv_pool_destroy() runs the registered cleanups
 * (closing files, releasing library objects) in reverse order of
 * registration and then frees everything at once.
 *
 * Small allocations are carved from blocks of the pool's block size;
 * allocations larger than a block get their own malloc() and are freed
 * with the pool (or early with hv_pool_free_large()).
 *
 * When HV_DEBUG_POOL is defined every allocation is a separate malloc(),
 * so AddressSanitizer catches overruns inside a pool.
 *
 * Pools are not thread-safe; hive's workers are single-threaded.
 */
#ifndef HV_POOL_H
#define HV_POOL_H

typedef void (*hv_pool_cleanup_pt)(void *data);

typedef struct hv_pool_cleanup_s hv_pool_cleanup_t;

struct hv_pool_cleanup_s {
    hv_pool_cleanup_pt handler;
    void *data;
    hv_pool_cleanup_t *next;
};

/* The default block size for connection and request pools. */
#define HV_POOL_DEFAULT_SIZE 4096

/*
 * Creates a pool whose blocks are `size` bytes.  Returns NULL (and logs
 * at crit when log is not NULL) if memory is exhausted.
 */
hv_pool_t *hv_pool_create(size_t size, hv_log_t *log);

/* Runs the cleanups, frees every block and the pool itself. NULL is ok. */
void hv_pool_destroy(hv_pool_t *pool);

/*
 * Frees everything allocated after creation and runs the cleanups, but
 * keeps the first block so that a keep-alive connection can reuse it.
 */
void hv_pool_reset(hv_pool_t *pool);

/* Aligned (to sizeof(void *) * 2) allocation; NULL on failure. */
void *hv_palloc(hv_pool_t *pool, size_t size);

/* Same, zero-filled. */
void *hv_pcalloc(hv_pool_t *pool, size_t size);

/* Unaligned allocation for byte strings. */
void *hv_pnalloc(hv_pool_t *pool, size_t size);

/* Copies n bytes (plus a terminating NUL, not counted) into the pool. */
unsigned char *hv_pstrdup(hv_pool_t *pool, const void *src, size_t n);

/* Frees a large allocation early; returns HV_OK or HV_DECLINED if p is
 * not a large allocation of this pool. */
int hv_pool_free_large(hv_pool_t *pool, void *p);

/*
 * Takes the large allocation p out of pool without freeing it (a worker's
 * cache of idle read buffers): the caller owns it until it gives it to
 * hv_pool_attach_large() or hv_pool_free_detached().  HV_OK, or
 * HV_DECLINED if p is not a large allocation of this pool.
 */
int hv_pool_detach_large(hv_pool_t *pool, void *p);

/* Makes detached p a large allocation of pool again (freed with it). */
int hv_pool_attach_large(hv_pool_t *pool, void *p);

/* Frees detached p that no pool took back. */
void hv_pool_free_detached(void *p);

/*
 * Registers a cleanup to run when the pool is destroyed or reset.  The
 * returned object has handler and data set from the arguments; NULL on
 * failure.
 */
hv_pool_cleanup_t *hv_pool_cleanup_add(
    hv_pool_t *pool, hv_pool_cleanup_pt handler, void *data);

/* A cleanup handler that closes the int file descriptor data points to. */
void hv_pool_cleanup_close_fd(void *data);

/* The log the pool reports allocation failures to (may be changed). */
void hv_pool_set_log(hv_pool_t *pool, hv_log_t *log);

#endif /* HV_POOL_H */
