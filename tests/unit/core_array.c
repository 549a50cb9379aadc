/*
 * tests/unit/core_array.c - core/array.c: growth keeps the elements,
 * push_n is contiguous, embedded arrays, and sizes that would overflow.
 */
#include "core/core.h"
#include "tests/tap.h"


typedef struct {
    int64_t a;
    char name[40];
} hv_test_elt_t;


static void
hv_test_push(void)
{
    hv_pool_t *pool;
    hv_array_t *a;
    int *p, *elts;
    int i;
    bool intact;

    hv_tap_subtest("push and grow");

    pool = hv_pool_create(1024, NULL);
    a = hv_array_create(pool, 2, sizeof(int));
    T_OK(a != NULL, "create");
    T_IS_INT(a->nelts, 0, "starts empty");
    T_IS_INT(a->nalloc, 2, "with room for 2");

    for (i = 0; i < 1000; i++) {
        p = hv_array_push(a);
        if (p == NULL) {
            break;
        }
        *p = i * 3;
    }
    T_IS_INT(i, 1000, "1000 pushes");
    T_IS_INT(a->nelts, 1000, "nelts counts them");
    T_OK(a->nalloc >= 1000, "nalloc grew");

    elts = a->elts;
    intact = true;
    for (i = 0; i < 1000; i++) {
        intact = intact && elts[i] == i * 3;
    }
    T_OK(intact, "every element survived the copies");

    hv_pool_destroy(pool);
}


static void
hv_test_push_n(void)
{
    hv_pool_t *pool;
    hv_array_t a;
    hv_test_elt_t *e;
    unsigned i;
    bool intact;

    hv_tap_subtest("push_n and embedded arrays");

    pool = hv_pool_create(1024, NULL);
    T_IS_INT(hv_array_init(&a, pool, 0, sizeof(hv_test_elt_t)), HV_OK,
        "init with no room");
    T_OK(hv_array_push(&a) != NULL, "push into a zero-sized array");

    e = hv_array_push_n(&a, 3);
    T_OK(e != NULL, "push_n(3)");
    T_IS_INT(a.nelts, 4, "four elements");
    for (i = 0; i < 3; i++) {
        e[i].a = i;
        snprintf(e[i].name, sizeof(e[i].name), "element %u", i);
    }

    e = hv_array_push_n(&a, 100);
    T_OK(e != NULL, "push_n beyond twice the capacity");
    T_IS_INT(a.nelts, 104, "104 elements");
    T_OK(a.nalloc >= 104, "room for them");
    memset(e, 0xff, 100 * sizeof(hv_test_elt_t));

    e = a.elts;
    intact = true;
    for (i = 0; i < 3; i++) {
        intact = intact && e[i + 1].a == i;
    }
    T_OK(intact, "earlier elements kept");
    T_IS_STR(e[3].name, "element 2", "struct contents kept");

    T_OK(hv_array_push_n(&a, SIZE_MAX) == NULL,
        "push_n(SIZE_MAX) fails instead of wrapping");
    T_OK(hv_array_push_n(&a, SIZE_MAX / 8) == NULL,
        "a count whose byte size overflows fails");
    T_IS_INT(a.nelts, 104, "a failed push leaves the array alone");

    T_OK(hv_array_create(pool, SIZE_MAX / 2, 16) == NULL,
        "create with an overflowing size fails");

    hv_pool_destroy(pool);
}


int
main(void)
{
    hv_test_push();
    hv_test_push_n();

    return hv_tap_done();
}
