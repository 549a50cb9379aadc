/*
 * core/shmem.h - shared memory created by the master before fork.
 *
 * Every mapping is MAP_SHARED|MAP_ANONYMOUS: children inherit it and
 * nothing outlives the process tree.  Shared zones are named; a reload
 * reuses a zone whose name and size are unchanged so that its contents
 * (e.g. the TLS session cache) survive.
 */
#ifndef HV_SHMEM_H
#define HV_SHMEM_H

typedef struct {
    void *addr;
    size_t size;
} hv_shm_t;

/* Maps size bytes of zeroed shared memory; HV_OK or HV_ERROR (logged). */
int hv_shm_alloc(hv_shm_t *shm, hv_log_t *log);

/* Unmaps it; safe on a never-allocated hv_shm_t (addr NULL). */
void hv_shm_free(hv_shm_t *shm);

typedef struct hv_shm_zone_s hv_shm_zone_t;

/*
 * Called in the master when the zone is ready: data_old is the previous
 * cycle's zone data when the zone was reused, else NULL.
 */
typedef int (*hv_shm_zone_init_pt)(hv_shm_zone_t *zone, void *data_old);

struct hv_shm_zone_s {
    hv_str_t name;
    hv_shm_t shm;
    const void *tag; /* the module that owns it */
    hv_shm_zone_init_pt init;
    void *data; /* set by init */
};

/*
 * Declares (or finds, when the name is already declared in this cycle) a
 * zone.  The cycle maps it after the configuration parsed.  NULL when the
 * name is declared with another size or tag (logged).
 */
hv_shm_zone_t *hv_shm_zone_add(
    hv_conf_t *cf, const hv_str_t *name, size_t size, const void *tag);

#endif /* HV_SHMEM_H */
