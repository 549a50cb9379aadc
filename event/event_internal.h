/*
 * event/event_internal.h - what the files of event/ share with each other
 * and with their unit tests; not part of the event layer's interface.
 */
#ifndef HV_EVENT_INTERNAL_H
#define HV_EVENT_INTERNAL_H

#include "event/event.h"

/*
 * A client connection's pool: small, because the protocol allocates its
 * requests from pools of their own; larger allocations get their own
 * malloc() from the pool anyway.  What an idle plain-HTTP keep-alive
 * connection keeps (pool header, address, HTTP state, the read buffer's
 * descriptor) fills about 300 bytes: 384 holds it in one block with some
 * room, for about 400 bytes of heap per idle connection (nginx 1.22:
 * about 510).  TLS state spills into a second block.
 */
#define HV_CONNECTION_POOL_SIZE 384

/* multi_accept takes at most this many connections per event, so that one
 * burst cannot starve the connections the worker already serves. */
#define HV_MULTI_ACCEPT_MAX 64

/*
 * A stopping worker closes its idle connections after this grace (ms): a
 * request that was already on its way when the stop began is served
 * (with "Connection: close") instead of meeting a closed connection.  It
 * covers a round trip with a wide margin and delays a worker with idle
 * connections that long; one that has none exits at once.
 */
#define HV_SHUTDOWN_IDLE_GRACE 500

/* Handed-off descriptors a full worker keeps, unread, until it has room
 * (as the listen backlog keeps them under the other strategies); more are
 * closed.  Covers what the master passes before it sees the worker full. */
#define HV_HANDOFF_PENDING 64

/* Connections from deferred sockets whose epoll registration waits until
 * their first handlers ran, per loop iteration (see hv_event_accepted());
 * past this many they are registered at once, as the others are. */
#define HV_UNREGISTERED_MAX 64

/* The signal a worker sends a peer to hand it the accept mutex (see
 * event/accept_mutex.c); ignored by default, so a stray one is harmless. */
#define HV_ACCEPT_WAKE_SIGNAL SIGURG

/*
 * The event loop state of this worker (one per process, like the timer
 * heap and the posted queues; STYLE allows it for the event loop).
 */
typedef struct {
    hv_cycle_t *cycle; /* the cycle the worker runs, or NULL */
    hv_event_conf_t *conf;
    hv_worker_stats_t *stats; /* this worker's shared slot, or NULL */
    hv_connection_t *channel; /* the master's channel, or NULL */

    uint64_t number;   /* the last connection number given */
    uint64_t accepted; /* connections this worker accepted */
    hv_uint_t clients; /* open client connections */

    hv_uint_t strategy;     /* for the sockets without reuseport */
    bool mutex;             /* the accept mutex is in use */
    bool held;              /* this worker has the listening sockets
                               of the mutex in its epoll set */
    bool locked;            /* and holds the mutex, this iteration */
    bool sitout;            /* gave the mutex away: do not compete */
    uint64_t sitout_turn;   /* shared->accept_turn when it did */
    hv_msec_t sitout_until; /* and when it competes again anyway */
    hv_uint_t tenure;       /* connections accepted since it last handed
                               the mutex on */
    bool paused;            /* EMFILE: not accepting for a while */
    bool own_held;          /* its reuseport sockets are in the set */
    hv_msec_t emfile_quiet; /* EMFILE is not logged again before */
    bool closed;            /* stopping: never accepts again */
    bool idle_closed;       /* stopping, and idle connections are closed
                               as soon as they are idle */
    hv_event_t idle_timer;  /* stopping: the grace period before that */
    /* handoff: descriptors waiting for a free connection, oldest first */
    struct {
        int fd;
        hv_listening_t *ls;
    } pending[HV_HANDOFF_PENDING];
    hv_uint_t pending_n;
    /* accepted this iteration, not yet in the epoll set */
    hv_connection_t *unregistered[HV_UNREGISTERED_MAX];
    hv_uint_t unregistered_n;
} hv_event_worker_t;

extern hv_event_worker_t hv_event_worker;

/* Adds n to a counter of this worker's shared slot, if it has one. */
#define hv_event_stat(field, n)                                    \
    do {                                                           \
        if (hv_event_worker.stats != NULL) {                       \
            (void) hv_stat_add(hv_event_worker.stats->field, (n)); \
        }                                                          \
    } while (0)

/* event/epoll.c: the signal mask epoll_pwait() installs while it waits
 * (NULL: the process mask, i.e. plain epoll_wait()). */
void hv_epoll_wait_mask(const sigset_t *mask);

/* event/connection.c: the preallocated connections of cycle. */
int hv_event_connections_init(hv_cycle_t *cycle, hv_uint_t n);
void hv_event_connections_done(hv_cycle_t *cycle);
/* true for a connection accepted from a client (not listening/channel). */
bool hv_event_is_client(const hv_connection_t *c);
/* true when hv_get_connection() will succeed: there is a free connection,
 * or one was made by closing the oldest idle one.  Checked before
 * accepting, so that a full worker leaves the client queued (an idle
 * connection whose next request arrived is not closed, so the free and
 * idle counts alone can promise room that is not there). */
bool hv_connection_reserve(hv_cycle_t *cycle);

/* event/io.c: logs an I/O error at info when the peer caused it, else at
 * error ("recv() failed (104: Connection reset by peer)"). */
void hv_connection_error(hv_connection_t *c, hv_err_t err, const char *text);

/* event/event_module.c: frees the channel's connection once core/worker.c
 * closed the channel (the master is gone). */
void hv_event_channel_check(hv_cycle_t *cycle);

/* event/accept.c */
#define HV_LISTEN_SHARED 0x1 /* sockets that every worker shares */
#define HV_LISTEN_OWN 0x2    /* this worker's reuseport sockets */
/* Creates the accept connections of the sockets this worker watches and
 * closes the reuseport sockets of the other workers. */
int hv_event_listen_init(hv_cycle_t *cycle);
/* Adds (on) or removes the accept events of the sockets in `which`;
 * shared sockets get EPOLLEXCLUSIVE under the exclusive strategy. */
int hv_event_listen_set(hv_cycle_t *cycle, unsigned which, bool on);
/* Closes every listening socket in this worker (graceful stop). */
void hv_event_listen_close(hv_cycle_t *cycle);
/* How many new clients this worker can take: its free connections and
 * the idle ones it would close to make room. */
hv_uint_t hv_accept_room(hv_cycle_t *cycle);
/* Once per loop iteration: watches this worker's reuseport sockets only
 * while it has room, so that the kernel keeps further clients queued in
 * their backlog instead of the worker accepting and closing them. */
void hv_accept_own_adjust(hv_cycle_t *cycle);
/* Gives an accepted descriptor a connection and runs ls->handler. */
void hv_event_accepted(hv_cycle_t *cycle, hv_listening_t *ls, int fd,
    const hv_sockaddr_t *sa, socklen_t socklen);
/* Once per loop iteration, after the posted events: puts the connections
 * that hv_event_accepted() left out of the epoll set, and that are still
 * open, into it. */
void hv_event_register_accepted(void);
/* cycle->handoff: a descriptor the master accepted (handoff strategy);
 * kept pending while the worker has no room. */
void hv_event_handoff(hv_cycle_t *cycle, hv_listening_t *ls, int fd);
/* Once per loop iteration: serves pending handed-off descriptors while
 * there is room and publishes the room left (stats->room). */
void hv_accept_room_update(hv_cycle_t *cycle);

/* event/accept_mutex.c */
/* Installs the wake signal (mutex strategy only); HV_OK or HV_ERROR. */
int hv_accept_mutex_init(hv_cycle_t *cycle);
/* One loop iteration (cycle->process_events). */
void hv_event_process_events(hv_cycle_t *cycle);
/* Gives up the mutex for good (graceful stop). */
void hv_accept_mutex_close(hv_cycle_t *cycle);
/* True (and stops watching) when a client on a shared socket must be left
 * to the holder of the mutex. */
bool hv_accept_mutex_stale(hv_cycle_t *cycle);

#endif /* HV_EVENT_INTERNAL_H */
