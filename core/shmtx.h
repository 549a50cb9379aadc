/*
 * core/shmtx.h - a lock word in shared memory, stamped with its holder.
 *
 * The lock is only ever tried, never waited for: a worker that does not
 * get it goes on serving its own connections (see event/accept_mutex.c).
 * The word holds the holder's pid, so the master can release a lock whose
 * holder died (hv_shmtx_force_unlock()).
 */
#ifndef HV_SHMTX_H
#define HV_SHMTX_H

typedef struct {
    volatile int64_t lock; /* 0 when free, else the holder's pid */
} hv_shmtx_t;

/* true when the lock was free and is now held by pid. */
static inline bool
hv_shmtx_trylock(hv_shmtx_t *mtx, pid_t pid)
{
    int64_t expected = 0;

    return mtx->lock == 0 &&
           __atomic_compare_exchange_n(&mtx->lock, &expected, (int64_t) pid,
               false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Releases the lock if pid holds it; true when it did. */
static inline bool
hv_shmtx_unlock(hv_shmtx_t *mtx, pid_t pid)
{
    int64_t expected = pid;

    return __atomic_compare_exchange_n(
        &mtx->lock, &expected, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* The master calls this for a dead worker: same as unlock on its behalf. */
#define hv_shmtx_force_unlock(mtx, pid) hv_shmtx_unlock(mtx, pid)

#endif /* HV_SHMTX_H */
