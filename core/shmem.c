/*
 * core/shmem.c - anonymous shared mappings (see shmem.h).
 *
 * MAP_SHARED|MAP_ANONYMOUS needs no file and no name, and the kernel
 * drops the memory when the last process of the tree unmaps it, so a
 * crash leaves nothing behind in /dev/shm.  Zone bookkeeping
 * (hv_shm_zone_add) lives with the cycle in core/shm_zone.c.
 */
#include "core/core.h"

#include <sys/mman.h>


int
hv_shm_alloc(hv_shm_t *shm, hv_log_t *log)
{
    void *p;

    p = mmap(NULL, shm->size, PROT_READ | PROT_WRITE,
        MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        hv_log_error(HV_LOG_ALERT, log, errno,
            "mmap(MAP_ANONYMOUS|MAP_SHARED, %zu) failed", shm->size);
        shm->addr = NULL;
        return HV_ERROR;
    }

    /* Fresh anonymous pages read as zero: no memset needed. */
    shm->addr = p;

    return HV_OK;
}


void
hv_shm_free(hv_shm_t *shm)
{
    if (shm->addr == NULL) {
        return;
    }

    if (munmap(shm->addr, shm->size) == -1) {
        hv_log_error(HV_LOG_ALERT, NULL, errno, "munmap(%p, %zu) failed",
            shm->addr, shm->size);
    }

    shm->addr = NULL;
}
