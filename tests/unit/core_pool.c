/*
 * tests/unit/core_pool.c - core/pool.c: allocations of many sizes keep
 * their contents and alignment, large allocations, cleanups in reverse
 * order, reset and early frees.  Run under ASan with HV_DEBUG_POOL this
 * also proves that pools hand out exactly the bytes asked for.
 */
#include "core/core.h"
#include "tests/tap.h"


#define HV_TEST_ALIGN (2 * sizeof(void *))
#define HV_TEST_NALLOC 600

static int hv_test_order[8];
static int hv_test_norder;


static bool
hv_test_aligned(const void *p)
{
    return ((uintptr_t) p & (HV_TEST_ALIGN - 1)) == 0;
}


static void
hv_test_record(void *data)
{
    if (hv_test_norder < (int) hv_nelems(hv_test_order)) {
        hv_test_order[hv_test_norder++] = *(int *) data;
    }
}


/* Fills n bytes with a pattern derived from seed. */
static void
hv_test_fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = (unsigned char) (seed * 31 + i);
    }
}


static bool
hv_test_check(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] != (unsigned char) (seed * 31 + i)) {
            return false;
        }
    }

    return true;
}


static void
hv_test_sizes(void)
{
    static unsigned char *ptrs[HV_TEST_NALLOC];
    static size_t sizes[HV_TEST_NALLOC];
    hv_pool_t *pool;
    bool aligned, intact;
    unsigned i;

    hv_tap_subtest("many sizes");

    pool = hv_pool_create(1024, NULL);
    T_OK(pool != NULL, "create");

    aligned = true;
    for (i = 0; i < HV_TEST_NALLOC; i++) {
        /* 1..~5000 bytes: small, block-sized and large requests mixed */
        sizes[i] = (i * 37) % 5003 + 1;
        ptrs[i] = (i % 3 == 0) ? hv_pnalloc(pool, sizes[i])
                               : hv_palloc(pool, sizes[i]);
        if (ptrs[i] == NULL) {
            break;
        }
        if (i % 3 != 0 && !hv_test_aligned(ptrs[i])) {
            aligned = false;
        }
        hv_test_fill(ptrs[i], sizes[i], i);
    }

    T_IS_INT(i, HV_TEST_NALLOC, "every allocation succeeded");
    T_OK(aligned, "palloc results are aligned to %zu", HV_TEST_ALIGN);

    intact = true;
    for (i = 0; i < HV_TEST_NALLOC && ptrs[i] != NULL; i++) {
        if (!hv_test_check(ptrs[i], sizes[i], i)) {
            intact = false;
        }
    }
    T_OK(intact, "no allocation overlaps another");

    hv_pool_destroy(pool);
}


static void
hv_test_small_pools(void)
{
    hv_pool_t *pool;
    unsigned char *a, *b, *z;
    size_t i;
    bool zero;

    hv_tap_subtest("tiny pool, pnalloc, pcalloc, pstrdup");

    /* A block size below the minimum is raised, not rejected. */
    pool = hv_pool_create(1, NULL);
    T_OK(pool != NULL, "create with size 1");

    a = hv_pnalloc(pool, 1);
    b = hv_pnalloc(pool, 1);
    T_OK(a != NULL && b != NULL && a != b, "two 1-byte allocations differ");

    z = hv_pcalloc(pool, 3000);
    zero = z != NULL;
    for (i = 0; zero && i < 3000; i++) {
        zero = z[i] == 0;
    }
    T_OK(zero, "pcalloc memory is zeroed");
    T_OK(hv_test_aligned(z), "pcalloc is aligned");

    a = hv_pstrdup(pool, "hello, world", 5);
    T_IS_STR((char *) a, "hello", "pstrdup copies n bytes and a NUL");

    hv_pool_destroy(pool);
    hv_pool_destroy(NULL);
    T_OK(true, "destroying NULL is a no-op");
}


static void
hv_test_large(void)
{
    hv_pool_t *pool;
    unsigned char *big, *big2, *small;
    int local;

    hv_tap_subtest("large allocations");

    pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, NULL);

    big = hv_palloc(pool, 1 << 20);
    T_OK(big != NULL, "1 MiB from a 4 KiB pool");
    T_OK(hv_test_aligned(big), "large allocations are aligned");
    hv_test_fill(big, 1 << 20, 7);

    big2 = hv_pnalloc(pool, 100000);
    T_OK(big2 != NULL, "a second large allocation");
    hv_test_fill(big2, 100000, 9);
    T_OK(hv_test_check(big, 1 << 20, 7), "the first is intact");

    small = hv_palloc(pool, 16);
    T_IS_INT(hv_pool_free_large(pool, small), HV_DECLINED,
        "free_large declines a small allocation");
    T_IS_INT(hv_pool_free_large(pool, &local), HV_DECLINED,
        "free_large declines a foreign pointer");
    T_IS_INT(hv_pool_free_large(pool, big), HV_OK, "free_large frees");
    T_IS_INT(hv_pool_free_large(pool, big), HV_DECLINED,
        "a second free_large of the same pointer declines");

    big = hv_palloc(pool, 50000);
    T_OK(big != NULL, "allocating large again after a free");
    hv_test_fill(big, 50000, 3);
    T_OK(hv_test_check(big2, 100000, 9), "other large allocation intact");

    hv_pool_destroy(pool);
}


/*
 * A large allocation moved between pools (the worker's cache of idle
 * read buffers): detach keeps the bytes, attach makes another pool free
 * them, and a keep-alive cycle of detach and attach adds no slots.
 */
static void
hv_test_detach(void)
{
    hv_pool_t *a, *b;
    unsigned char *buf, *small, *p;
    int i, local;

    hv_tap_subtest("detach and attach large allocations");

    a = hv_pool_create(512, NULL);
    b = hv_pool_create(512, NULL);

    buf = hv_pnalloc(a, 1024);
    T_OK(buf != NULL, "a 1 KB buffer from a 512-byte pool is large");
    hv_test_fill(buf, 1024, 5);

    small = hv_palloc(a, 16);
    T_IS_INT(hv_pool_detach_large(a, small), HV_DECLINED,
        "detach declines a small allocation");
    T_IS_INT(hv_pool_detach_large(a, &local), HV_DECLINED,
        "detach declines a foreign pointer");

    T_IS_INT(hv_pool_detach_large(a, buf), HV_OK, "detach");
    T_IS_INT(
        hv_pool_detach_large(a, buf), HV_DECLINED, "the pool no longer has it");
    T_IS_INT(hv_pool_free_large(a, buf), HV_DECLINED, "nor frees it");

    /* a is destroyed with the buffer detached: it must survive */
    hv_pool_destroy(a);
    T_OK(hv_test_check(buf, 1024, 5), "the bytes outlive the old pool");

    T_IS_INT(hv_pool_attach_large(b, buf), HV_OK, "attach to another pool");
    T_IS_INT(hv_pool_detach_large(b, buf), HV_OK, "it is the pool's now");
    T_IS_INT(hv_pool_attach_large(b, buf), HV_OK, "and again");

    /* many idle/wake cycles: the freed slot is reused each time */
    p = hv_palloc(b, 1);
    for (i = 0; i < 1000; i++) {
        if (hv_pool_detach_large(b, buf) != HV_OK ||
            hv_pool_attach_large(b, buf) != HV_OK) {
            break;
        }
    }
    T_IS_INT(i, 1000, "1000 cycles of detach and attach");
#ifndef HV_DEBUG_POOL
    T_OK(hv_palloc(b, 1) == p + 16, "without using the pool's memory");
#else
    (void) p;
#endif

    T_IS_INT(hv_pool_free_large(b, buf), HV_OK, "freed as a large one");

    buf = hv_pnalloc(b, 2048);
    T_OK(buf != NULL && hv_pool_detach_large(b, buf) == HV_OK,
        "another, detached");
    hv_pool_free_detached(buf);
    hv_pool_free_detached(NULL);
    T_OK(1, "free_detached frees it (the sanitizer build checks)");

    hv_pool_destroy(b);
}


static void
hv_test_cleanups(void)
{
    static int ids[4] = { 1, 2, 3, 4 };
    hv_pool_t *pool;
    hv_pool_cleanup_t *c;
    int i;

    hv_tap_subtest("cleanups");

    pool = hv_pool_create(512, NULL);
    hv_test_norder = 0;

    for (i = 0; i < 3; i++) {
        c = hv_pool_cleanup_add(pool, hv_test_record, &ids[i]);
        T_OK(c != NULL && c->handler == hv_test_record && c->data == &ids[i],
            "cleanup %d registered", i + 1);
    }

    /* A cleanup whose handler is set later, or never. */
    c = hv_pool_cleanup_add(pool, NULL, NULL);
    T_OK(c != NULL, "cleanup without a handler");

    hv_pool_destroy(pool);

    T_IS_INT(hv_test_norder, 3, "three handlers ran");
    T_IS_INT(hv_test_order[0], 3, "newest first");
    T_IS_INT(hv_test_order[1], 2, "then the middle one");
    T_IS_INT(hv_test_order[2], 1, "oldest last");
}


static void
hv_test_close_fd(void)
{
    hv_pool_t *pool;
    hv_pool_cleanup_t *c;
    int *fdp, fd;

    hv_tap_subtest("close_fd cleanup");

    pool = hv_pool_create(512, NULL);
    fdp = hv_palloc(pool, sizeof(int));
    *fdp = open("/dev/null", O_RDONLY);
    T_OK(*fdp != -1, "opened /dev/null");

    c = hv_pool_cleanup_add(pool, hv_pool_cleanup_close_fd, fdp);
    T_OK(c != NULL, "registered");

    /* fdp lives in the pool: remember the number before it goes. */
    fd = *fdp;
    hv_pool_destroy(pool);

    errno = 0;
    T_OK(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
        "the descriptor is closed by destroy");
}


static void
hv_test_reset(void)
{
    static int id = 42;
    hv_pool_t *pool;
    unsigned char *first, *again, *big;
    int i;

    hv_tap_subtest("reset");

    pool = hv_pool_create(1024, NULL);
    hv_test_norder = 0;

    first = hv_palloc(pool, 32);
    for (i = 0; i < 100; i++) {
        (void) hv_palloc(pool, 200);
    }
    big = hv_palloc(pool, 100000);
    T_OK(big != NULL, "large allocation before reset");
    hv_pool_cleanup_add(pool, hv_test_record, &id);

    hv_pool_reset(pool);
    T_IS_INT(hv_test_norder, 1, "reset runs the cleanups");
    T_IS_INT(hv_test_order[0], 42, "with their data");

    again = hv_palloc(pool, 32);
    T_OK(again != NULL, "allocation after reset");
    hv_test_fill(again, 32, 1);
#ifndef HV_DEBUG_POOL
    T_OK(again == first, "the first block is reused");
#else
    (void) first;
#endif
    T_IS_INT(hv_pool_free_large(pool, big), HV_DECLINED,
        "large allocations are gone after reset");

    for (i = 0; i < 100; i++) {
        hv_test_fill(hv_palloc(pool, 300), 300, (unsigned) i);
    }
    T_OK(hv_test_check(again, 32, 1), "the pool keeps working");

    hv_pool_destroy(pool);
    T_IS_INT(hv_test_norder, 1, "cleanups do not run twice");
}


int
main(void)
{
    hv_test_sizes();
    hv_test_small_pools();
    hv_test_large();
    hv_test_detach();
    hv_test_cleanups();
    hv_test_close_fd();
    hv_test_reset();

    return hv_tap_done();
}
