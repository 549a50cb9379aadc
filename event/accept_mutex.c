/*
 * event/accept_mutex.c - one event loop iteration, and the accept mutex
 * (strategy "mutex", the default).
 *
 * The mutex is a lock word in shared memory stamped with the holder's pid
 * (core/shmtx.h).  Every iteration a worker tries it, never waits for it:
 * the winner puts the shared listening sockets into its epoll set, and a
 * worker that loses takes them out (lazily, see below), so only the
 * holder is woken by new connections (no thundering herd).  The holder
 * only queues what epoll_wait() reports, runs the accept events, releases
 * the lock, and only then serves the rest, so the lock is never held
 * while requests are being served.  A worker that is not the holder
 * sleeps at most accept_mutex_delay before it tries again.
 *
 * Fairness.  Left at that (nginx's scheme), the worker that just accepted
 * is the one awake when the lock is free again, so it wins again: in a
 * test with 8 concurrent clients one nginx worker took all 300 of 300
 * connections.  hive hands the lock on instead:
 *
 *   1. A holder that accepted HV_ACCEPT_HANDON_BATCH connections since it
 *      last handed the lock on (counted over its rounds)
 *      picks the next live worker of its generation after its own slot
 *      (round robin over the shared slots, skipping workers whose active
 *      gauge says they are nearly full), sends it HV_ACCEPT_WAKE_SIGNAL
 *      (SIGURG) with kill(), and sits out: it does not compete again
 *      until another worker took the lock (shared->accept_turn, bumped by
 *      every acquisition, has moved) or accept_mutex_delay has passed.
 *   2. The signal interrupts the peer's epoll_pwait() (EINTR), the peer's
 *      loop comes round at once and takes the free lock.  No worker waits
 *      accept_mutex_delay for a lock that nobody holds.
 *   3. A worker keeps SIGURG blocked except inside epoll_pwait(), which
 *      unblocks it atomically: a signal sent while the peer is busy stays
 *      pending and ends its next wait at once, so no wake-up is lost.
 *
 * Why a signal: it needs no descriptor created by the master before fork,
 * so it works for workers respawned or started by a reload, whose pids
 * the shared slots already hold.  SIGURG is ignored by default, so a
 * stray one (a pid reused by another program) does no harm.
 *
 * Cost: per iteration in which a worker accepted, one kill() in the old
 * holder, one interrupted epoll_pwait() in the next, and the
 * EPOLL_CTL_DEL/ADD pair that moves the listening sockets; a scan of the
 * shared slots (at most HV_MAX_PROCESSES cache lines, mostly idle).
 * With one worker, nobody to wake is found and nothing of this happens.
 *
 * Taking the sockets out lazily.  A worker that loses the lock keeps the
 * sockets in its epoll set until a client arrives while it does not hold
 * the lock (hv_accept_mutex_stale()); only then does it take them out.
 * Taking them out at once cost an EPOLL_CTL_DEL/ADD pair each time the
 * lock moved between two workers busy with keep-alive clients, though
 * nobody was connecting: 0.16 epoll_ctl() per /pid request at wrk -c64,
 * 2.41 system calls per request instead of 2.0x.  The price is one
 * wake-up of such a worker when the next client comes, which the holder
 * accepts: the socket is level-triggered and the holder always watches it.
 *
 * Measured (4 workers, 300 fresh connections, 8 at a time, GET /pid):
 * 76/76/74/74 connections per worker; with the hand-on disabled,
 * 300/0/0/0, as nginx.
 */
#include "event/event_internal.h"


/*
 * A holder hands the mutex on once it has accepted this many connections
 * since it last did.  Handing on after every round (a batch of 1) spreads
 * perfectly but costs a kill(), a woken peer and an EPOLL_CTL_DEL/ADD pair
 * per accepted connection under connection-per-request load (about 30% of
 * the CPU per connection in make bench); 8 keeps the spread even over a
 * few dozen connections and divides that cost by 8.
 */
#define HV_ACCEPT_HANDON_BATCH 8


static void hv_accept_wake_handler(int signo);
static bool hv_accept_mutex_try(hv_cycle_t *cycle, hv_msec_t *wait);
static void hv_accept_mutex_drop(hv_cycle_t *cycle);
static void hv_accept_mutex_release(hv_cycle_t *cycle, hv_uint_t accepted);
static bool hv_accept_wake_peer(hv_cycle_t *cycle);
static void hv_accept_exclusive_adjust(hv_cycle_t *cycle);


/*
 * Nearly full (nginx's 1/8): leave new clients to workers with room.  Idle
 * keep-alive connections count as room, since hv_get_connection() closes
 * one for a new client; a worker full of idle ones keeps accepting.
 */
static bool
hv_accept_nearly_full(hv_cycle_t *cycle)
{
    return hv_accept_room(cycle) < cycle->connection_n / 8;
}


/*
 * Whether this worker should leave new clients to others: when it is
 * full, or nearly full while a worker of its generation is not (by the
 * room each publishes, see hv_accept_room_update()).  A nearly full
 * worker with nobody better placed keeps accepting up to its last
 * connection: otherwise a lone worker would leave clients in the backlog
 * while it still had room (found by tests/integration/84).  The scan of
 * the shared slots is paid only while nearly full.
 */
static bool
hv_accept_step_aside(hv_cycle_t *cycle)
{
    hv_worker_stats_t *w, *me = hv_event_worker.stats;
    hv_uint_t i;

    if (hv_accept_room(cycle) == 0) {
        return true;
    }

    if (!hv_accept_nearly_full(cycle) || me == NULL) {
        return false;
    }

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        w = &cycle->shared->workers[i];

        if (w != me && w->pid > 0 && w->generation == me->generation &&
            __atomic_load_n(&w->room, __ATOMIC_RELAXED) >=
                (int64_t) (cycle->connection_n / 8)) {
            return true;
        }
    }

    return false;
}


/* Nothing to do: the point of the signal is the EINTR it causes. */
static void
hv_accept_wake_handler(int signo)
{
    (void) signo;
}


int
hv_accept_mutex_init(hv_cycle_t *cycle)
{
    struct sigaction sa;
    sigset_t set;

    if (!hv_event_worker.mutex) {
        return HV_OK;
    }

    memset(&sa, 0, sizeof(struct sigaction));
    sa.sa_handler = hv_accept_wake_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);

    if (sigaction(HV_ACCEPT_WAKE_SIGNAL, &sa, NULL) == -1) {
        hv_log_error(
            HV_LOG_EMERG, cycle->log, errno, "sigaction(SIGURG) failed");
        return HV_ERROR;
    }

    sigemptyset(&set);
    sigaddset(&set, HV_ACCEPT_WAKE_SIGNAL);

    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "sigprocmask() failed");
        return HV_ERROR;
    }

    /* a worker blocks nothing else, so the wait mask is empty */
    sigemptyset(&set);
    hv_epoll_wait_mask(&set);

    return HV_OK;
}


void
hv_event_process_events(hv_cycle_t *cycle)
{
    hv_msec_t timer, wait;
    uint64_t accepted;
    bool locked;

    hv_event_channel_check(cycle);

    /* first: pending clients may set timers, and the room it publishes
     * decides where the others send new clients */
    hv_accept_room_update(cycle);

    timer = hv_event_find_timer();

    /* something posted outside the loop (while stopping) runs now */
    if (!hv_queue_empty(&hv_posted_events)) {
        timer = 0;
    }

    locked = false;

    if (hv_event_worker.mutex) {
        locked = hv_accept_mutex_try(cycle, &wait);
        if (!locked) {
            timer = hv_min(timer, wait);
        }
    } else if (hv_event_worker.strategy == HV_ACCEPT_EXCLUSIVE) {
        hv_accept_exclusive_adjust(cycle);
    }

    hv_accept_own_adjust(cycle);

    accepted = hv_event_worker.accepted;

    (void) hv_epoll_process(cycle, timer, locked);

    hv_event_process_posted(&hv_posted_accept_events);

    if (locked) {
        hv_accept_mutex_release(
            cycle, (hv_uint_t) (hv_event_worker.accepted - accepted));
    }

    hv_event_expire_timers();
    hv_event_process_posted(&hv_posted_events);
    hv_event_register_accepted();
}


/*
 * Takes the lock if this worker should compete; true when it holds it
 * for this iteration.  Otherwise *wait bounds the coming sleep.
 */
static bool
hv_accept_mutex_try(hv_cycle_t *cycle, hv_msec_t *wait)
{
    hv_shared_t *sh = cycle->shared;
    uint64_t turn;

    *wait = hv_event_worker.conf->accept_mutex_delay;

    if (hv_event_worker.closed || hv_event_worker.paused ||
        hv_accept_step_aside(cycle)) {
        hv_accept_mutex_drop(cycle);
        return false;
    }

    /* losing below keeps the sockets watched: see "lazily" above */
    if (hv_event_worker.sitout) {
        turn = __atomic_load_n(&sh->accept_turn, __ATOMIC_RELAXED);

        if (turn == hv_event_worker.sitout_turn &&
            hv_current_msec < hv_event_worker.sitout_until) {
            *wait = hv_event_worker.sitout_until - hv_current_msec;
            return false;
        }

        hv_event_worker.sitout = false;
    }

    if (!hv_shmtx_trylock(&sh->accept_mutex, hv_process.pid)) {
        return false;
    }

    (void) __atomic_add_fetch(&sh->accept_turn, 1, __ATOMIC_RELAXED);

    if (!hv_event_worker.held) {
        if (hv_event_listen_set(cycle, HV_LISTEN_SHARED, true) != HV_OK) {
            (void) hv_event_listen_set(cycle, HV_LISTEN_SHARED, false);
            (void) hv_shmtx_unlock(&sh->accept_mutex, hv_process.pid);
            return false;
        }

        hv_event_worker.held = true;
    }

    hv_event_worker.locked = true;

    return true;
}


/*
 * Called for a client on a shared socket before it is accepted: true when
 * this worker watches the socket without holding the lock, and so must
 * leave the client to the holder.  It stops watching until it wins.
 */
bool
hv_accept_mutex_stale(hv_cycle_t *cycle)
{
    if (!hv_event_worker.mutex || hv_event_worker.locked) {
        return false;
    }

    hv_accept_mutex_drop(cycle);

    return true;
}


/* Another worker holds the lock (or this one must not): stop watching. */
static void
hv_accept_mutex_drop(hv_cycle_t *cycle)
{
    if (!hv_event_worker.held) {
        return;
    }

    (void) hv_event_listen_set(cycle, HV_LISTEN_SHARED, false);
    hv_event_worker.held = false;
}


static void
hv_accept_mutex_release(hv_cycle_t *cycle, hv_uint_t accepted)
{
    hv_shared_t *sh = cycle->shared;
    uint64_t turn;

    hv_event_worker.locked = false;
    hv_event_worker.tenure += accepted;

    if (hv_event_worker.tenure < HV_ACCEPT_HANDON_BATCH ||
        hv_event_worker.closed) {
        (void) hv_shmtx_unlock(&sh->accept_mutex, hv_process.pid);
        return;
    }

    hv_event_worker.tenure = 0;

    /* stable: nobody else can take the lock before the unlock below */
    turn = __atomic_load_n(&sh->accept_turn, __ATOMIC_RELAXED);

    (void) hv_shmtx_unlock(&sh->accept_mutex, hv_process.pid);

    if (hv_accept_wake_peer(cycle)) {
        hv_event_worker.sitout = true;
        hv_event_worker.sitout_turn = turn;
        hv_event_worker.sitout_until =
            hv_current_msec + hv_event_worker.conf->accept_mutex_delay;
    }
}


/* Wakes the next worker that can take the lock; false if there is none. */
static bool
hv_accept_wake_peer(hv_cycle_t *cycle)
{
    hv_worker_stats_t *w, *me = hv_event_worker.stats;
    hv_int_t i, slot;
    int64_t pid, busy;

    busy = (int64_t) (cycle->connection_n - cycle->connection_n / 8);

    for (i = 1; i < HV_MAX_PROCESSES; i++) {
        slot = (hv_process.slot + i) % HV_MAX_PROCESSES;
        w = &cycle->shared->workers[slot];
        pid = w->pid;

        if (pid <= 0 || pid == hv_process.pid ||
            w->generation != me->generation || w->active >= busy) {
            continue;
        }

        if (kill((pid_t) pid, HV_ACCEPT_WAKE_SIGNAL) == 0) {
            return true;
        }

        /* a worker that just exited: its slot is cleared soon */
        if (errno != ESRCH) {
            hv_log_error(HV_LOG_ERR, cycle->log, errno, "kill(%lld) failed",
                (long long) pid);
        }
    }

    return false;
}


/*
 * EPOLLEXCLUSIVE: a nearly full worker takes the shared sockets out of its
 * epoll set, so the kernel wakes workers that have room.
 */
static void
hv_accept_exclusive_adjust(hv_cycle_t *cycle)
{
    bool full;

    if (hv_event_worker.closed || hv_event_worker.paused) {
        return;
    }

    full = hv_accept_step_aside(cycle);

    if (full && hv_event_worker.held) {
        (void) hv_event_listen_set(cycle, HV_LISTEN_SHARED, false);
        hv_event_worker.held = false;

    } else if (!full && !hv_event_worker.held) {
        if (hv_event_listen_set(cycle, HV_LISTEN_SHARED, true) == HV_OK) {
            hv_event_worker.held = true;
        }
    }
}


void
hv_accept_mutex_close(hv_cycle_t *cycle)
{
    hv_accept_mutex_drop(cycle);

    if (hv_event_worker.mutex) {
        (void) hv_shmtx_unlock(&cycle->shared->accept_mutex, hv_process.pid);
    }

    hv_event_worker.locked = false;
    hv_event_worker.sitout = false;
}
