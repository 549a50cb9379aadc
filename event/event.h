/*
 * event/event.h - the event layer: events, connections, timers, the
 * epoll engine, accepting (SPEC 5).  Knows nothing of HTTP.
 *
 * Engine choice: connections are registered once, edge-triggered, for
 * EPOLLIN|EPOLLOUT|EPOLLRDHUP when accepted and never modified again.  A
 * keep-alive request then costs no epoll_ctl() at all; the price is that
 * handlers must read until EAGAIN (or a short read, see hv_recv()) and
 * remember readiness in ev->ready.  Listening sockets are level-triggered
 * so that a worker that stops accepting mid-backlog loses nothing.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include "core/core.h"

typedef void (*hv_event_handler_pt)(hv_event_t *ev);

struct hv_event_s {
    void *data; /* the hv_connection_t, usually */
    hv_event_handler_pt handler;

    hv_msec_t timer;       /* expiry, when timer_set */
    hv_uint_t timer_index; /* position in the timer heap */
    hv_queue_t posted;     /* link in a posted-events queue */

    unsigned write:1;       /* the write half of a connection */
    unsigned accept:1;      /* a listening socket's read event */
    unsigned active:1;      /* registered with the engine */
    unsigned ready:1;       /* can read/write without blocking */
    unsigned eof:1;         /* recv() returned 0: the peer closed */
    unsigned pending_eof:1; /* the engine saw EPOLLRDHUP/EPOLLHUP: the
                               peer's FIN arrived, though data may
                               still be buffered before it */
    unsigned error:1;
    unsigned timedout:1; /* set before the handler runs on expiry */
    unsigned timer_set:1;
    unsigned is_posted:1;
    unsigned closed:1;   /* the connection is closed: ignore */
    unsigned instance:1; /* flips per reuse: detects stale events */
};

/* I/O functions of a connection; TLS installs its own. */
typedef ssize_t (*hv_recv_pt)(
    hv_connection_t *c, unsigned char *buf, size_t size);
typedef ssize_t (*hv_send_pt)(
    hv_connection_t *c, const unsigned char *buf, size_t size);
/*
 * Sends as much of the chain as the socket takes, at most limit bytes
 * (0: no limit); advances the buffers and c->sent.  Returns the first
 * link not completely sent (NULL when all was sent) or HV_CHAIN_ERROR.
 */
typedef hv_chain_t *(*hv_send_chain_pt)(
    hv_connection_t *c, hv_chain_t *in, off_t limit);

#define HV_CHAIN_ERROR ((hv_chain_t *) -1)

struct hv_connection_s {
    void *data; /* the protocol's object */
    hv_event_t *read;
    hv_event_t *write;
    int fd;

    hv_recv_pt recv;
    hv_send_pt send;
    hv_send_chain_pt send_chain;

    hv_listening_t *listening;
    off_t sent; /* bytes sent on this connection */

    hv_log_t log;    /* the connection's copy of the cycle log */
    hv_pool_t *pool; /* lives as long as the connection */

    hv_sockaddr_t sockaddr; /* the peer */
    socklen_t socklen;
    hv_str_t addr_text; /* the peer's address, no port */

    hv_buf_t *buffer; /* the protocol's read buffer */
    hv_queue_t queue; /* link in cycle->reusable_connections */

    uint64_t number;      /* unique in the worker, for logs */
    hv_uint_t requests;   /* requests served so far */
    hv_msec_t start_msec; /* when accepted */
    void *ssl;            /* the TLS layer's object, or NULL */

    unsigned idle:1;     /* between keep-alive requests */
    unsigned reusable:1; /* in cycle->reusable_connections */
    unsigned close:1;    /* close when the current work ends */
    unsigned error:1;    /* an I/O error happened */
    unsigned timedout:1;
    unsigned destroyed:1;
    unsigned tcp_nodelay:1; /* TCP_NODELAY is set */
    unsigned tcp_nopush:1;  /* TCP_CORK is set */
    unsigned shared:1;      /* fd belongs to a listening socket */
};

/* The engine (event/epoll.c).  HV_OK or HV_ERROR (logged). */
int hv_epoll_init(hv_cycle_t *cycle, hv_uint_t nevents);
void hv_epoll_done(void);
/* Registers a client connection (edge-triggered, read and write). */
int hv_event_add_conn(hv_connection_t *c);
/* Removes it (only needed when the fd stays open, e.g. handed off). */
int hv_event_del_conn(hv_connection_t *c);
/* Registers a listening socket's accept event (level-triggered); with
 * exclusive, EPOLLEXCLUSIVE so the kernel wakes a single worker. */
int hv_event_add_listen(hv_event_t *ev, bool exclusive);
int hv_event_del_listen(hv_event_t *ev);
/*
 * Waits up to timer ms (-1 forever) and runs the handlers of ready
 * events; with post_accept, accept events are queued on
 * hv_posted_accept_events and the rest on hv_posted_events instead of
 * run, so that the accept mutex is held only while accepting.  Updates the
 * time cache.  Returns HV_OK or HV_ERROR.
 */
int hv_epoll_process(hv_cycle_t *cycle, hv_msec_t timer, bool post_accept);

/* Posted events (event/posted.c). */
extern hv_queue_t hv_posted_accept_events;
extern hv_queue_t hv_posted_events;
void hv_post_event(hv_event_t *ev, hv_queue_t *q);
void hv_delete_posted_event(hv_event_t *ev);
void hv_event_process_posted(hv_queue_t *q);

/*
 * Timers (event/timer.c): a binary min-heap keyed by expiry with the
 * position kept in the event, so adding and deleting are O(log n).
 */
#define HV_TIMER_INFINITE ((hv_msec_t) -1)
int hv_event_timer_init(hv_log_t *log);
/* Frees the heap (a worker that exits); timers still set are forgotten. */
void hv_event_timer_done(void);
void hv_event_add_timer(hv_event_t *ev, hv_msec_t msec); /* re-arms */
void hv_event_del_timer(hv_event_t *ev);                 /* if set */
/* ms until the earliest expiry (0 if due), or HV_TIMER_INFINITE. */
hv_msec_t hv_event_find_timer(void);
/* Runs the handlers of expired timers with ev->timedout set. */
void hv_event_expire_timers(void);
/* Number of timers set (tests, shutdown). */
hv_uint_t hv_event_timer_count(void);

/* Connections (event/connection.c). */
/* Takes a preallocated connection for fd; NULL (logged) when none left. */
hv_connection_t *hv_get_connection(hv_cycle_t *cycle, int fd, hv_log_t *log);
/* Returns it to the free list (does not close fd). */
void hv_free_connection(hv_cycle_t *cycle, hv_connection_t *c);
/* Deletes timers and posted events, closes fd, destroys c->pool, frees. */
void hv_close_connection(hv_connection_t *c);
/*
 * Marks an idle connection (keep-alive, or accepted and waiting for its
 * first request) closable when connections run out or the worker stops.
 * The event layer never closes such a connection behind the protocol's
 * back: it sets c->close and calls c->read->handler, which must then close
 * the connection.  A connection whose peer already sent more data is
 * never closed this way: its read event is posted without c->close, so
 * that the request is served.  A stopping worker closes its idle
 * connections after a short grace (HV_SHUTDOWN_IDLE_GRACE, 500 ms), so a
 * request already on its way is served, with keep-alive off since
 * hv_process.exiting is set; a connection marked reusable after that is
 * closed at once, posted as above.
 */
void hv_reusable_connection(hv_connection_t *c, bool reusable);
/* Closes every reusable connection now, as described above. */
void hv_close_idle_connections(hv_cycle_t *cycle);
/* Open client connections of this worker (not listening or channel). */
hv_uint_t hv_event_client_connections(void);

/* Socket I/O (event/io.c). */
/*
 * recv(): returns bytes read, 0 at EOF (rev->eof set), HV_AGAIN (ready
 * cleared) or HV_ERROR.  A short read clears rev->ready when the engine
 * reported no EPOLLRDHUP: with edge triggering there is then nothing more
 * to read until the next notification, and this saves the recv() that
 * would only return EAGAIN.
 */
ssize_t hv_recv(hv_connection_t *c, unsigned char *buf, size_t size);
ssize_t hv_send(hv_connection_t *c, const unsigned char *buf, size_t size);
/* writev() for memory buffers and sendfile() for file buffers. */
hv_chain_t *hv_send_chain(hv_connection_t *c, hv_chain_t *in, off_t limit);
/* TCP_CORK on/off and TCP_NODELAY; HV_OK or HV_ERROR. */
int hv_tcp_nopush(hv_connection_t *c, bool on);
int hv_tcp_nodelay(hv_connection_t *c);

/*
 * The events { } block (event/event_module.c, module "events" and "epoll").
 */
#define HV_ACCEPT_MUTEX 0
#define HV_ACCEPT_EXCLUSIVE 1
#define HV_ACCEPT_REUSEPORT 2
#define HV_ACCEPT_HANDOFF 3

typedef struct {
    hv_uint_t connections; /* worker_connections */
    int accept_mutex;      /* flag, unset -1 */
    hv_msec_t accept_mutex_delay;
    int multi_accept;
    hv_uint_t strategy;     /* HV_ACCEPT_*, resolved in init_conf */
    hv_uint_t strategy_set; /* accept_strategy given explicitly */
    hv_str_t use;           /* "epoll" */
    bool parsed;            /* an events { } block was seen */
} hv_event_conf_t;

/*
 * The object lives in cycle->conf[HV_MODULE_events]; the events block
 * points cycle->conf[HV_MODULE_epoll] at the same object, so that the
 * epoll module's directives (HV_CONF_MAIN, indexed by the epoll module)
 * write it with the typed setters.
 */
#define hv_event_conf(cycle) ((hv_event_conf_t *) hv_cycle_conf(cycle, events))

/* Name of a strategy for logs and the status page ("mutex", ...). */
const char *hv_accept_strategy_name(hv_uint_t strategy);

/* The read handler of a listening socket's accept event (event/accept.c):
 * accepts (several with multi_accept), counts, calls ls->handler. */
void hv_event_accept(hv_event_t *ev);

#endif /* HV_EVENT_H */
