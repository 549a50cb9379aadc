/*
 * core/array.c - growable arrays in a pool (see array.h).
 *
 * Growing doubles the capacity and copies; the old storage stays in the
 * pool until the pool goes away.  Arrays are filled while a configuration
 * is built, so the waste is bounded by the final size and paid once per
 * configuration generation.
 */
#include "core/core.h"


int
hv_array_init(hv_array_t *a, hv_pool_t *pool, hv_uint_t n, size_t size)
{
    a->nelts = 0;
    a->size = size;
    a->nalloc = n;
    a->pool = pool;
    a->elts = NULL;

    if (size == 0 || (n != 0 && n > SIZE_MAX / size)) {
        return HV_ERROR;
    }

    if (n == 0) {
        return HV_OK;
    }

    a->elts = hv_palloc(pool, n * size);
    if (a->elts == NULL) {
        return HV_ERROR;
    }

    return HV_OK;
}


hv_array_t *
hv_array_create(hv_pool_t *pool, hv_uint_t n, size_t size)
{
    hv_array_t *a;

    a = hv_palloc(pool, sizeof(hv_array_t));
    if (a == NULL) {
        return NULL;
    }

    if (hv_array_init(a, pool, n, size) != HV_OK) {
        return NULL;
    }

    return a;
}


/* Makes room for at least `need` elements in total. */
static int
hv_array_grow(hv_array_t *a, hv_uint_t need)
{
    hv_uint_t nalloc;
    void *elts;

    nalloc = a->nalloc == 0 ? 4 : a->nalloc;
    while (nalloc < need) {
        if (nalloc > SIZE_MAX / 2) {
            return HV_ERROR;
        }
        nalloc *= 2;
    }

    if (nalloc > SIZE_MAX / a->size) {
        return HV_ERROR;
    }

    elts = hv_palloc(a->pool, nalloc * a->size);
    if (elts == NULL) {
        return HV_ERROR;
    }

    if (a->nelts != 0) {
        memcpy(elts, a->elts, a->nelts * a->size);
    }

    a->elts = elts;
    a->nalloc = nalloc;

    return HV_OK;
}


void *
hv_array_push(hv_array_t *a)
{
    return hv_array_push_n(a, 1);
}


void *
hv_array_push_n(hv_array_t *a, hv_uint_t n)
{
    void *elt;

    if (n > SIZE_MAX - a->nelts) {
        return NULL;
    }

    if (a->nelts + n > a->nalloc) {
        if (hv_array_grow(a, hv_max(a->nelts + n, 2 * a->nalloc)) != HV_OK) {
            return NULL;
        }
    }

    elt = (unsigned char *) a->elts + a->nelts * a->size;
    a->nelts += n;

    return elt;
}
