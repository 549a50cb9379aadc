/*
 * core/array.h - a growable array of fixed-size elements in a pool.
 *
 * Growing copies the elements into a larger pool allocation, so pointers
 * to elements are only stable while no push happens.  Configuration code
 * fills arrays once and reads them afterwards, which is where they are
 * used.
 */
#ifndef HV_ARRAY_H
#define HV_ARRAY_H

typedef struct {
    void *elts;
    hv_uint_t nelts;
    size_t size;
    hv_uint_t nalloc;
    hv_pool_t *pool;
} hv_array_t;

/* Creates an array with room for n elements; NULL on failure. */
hv_array_t *hv_array_create(hv_pool_t *pool, hv_uint_t n, size_t size);

/* Initialises an array embedded in another object; HV_OK or HV_ERROR. */
int hv_array_init(hv_array_t *a, hv_pool_t *pool, hv_uint_t n, size_t size);

/* Returns a pointer to a new (uninitialised) last element, or NULL. */
void *hv_array_push(hv_array_t *a);

/* Returns a pointer to n new contiguous last elements, or NULL. */
void *hv_array_push_n(hv_array_t *a, hv_uint_t n);

#endif /* HV_ARRAY_H */
