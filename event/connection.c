/*
 * event/connection.c - the preallocated connections of a worker.
 *
 * A worker allocates worker_connections connections and as many read and
 * write events once, in init_worker, and keeps the unused ones on a free
 * list threaded through c->data.  Accepting a connection then costs no
 * allocation besides its pool, and a full worker fails fast and visibly
 * ("N worker_connections are not enough") instead of growing without
 * bound.  Listening sockets and the master's channel take connections
 * from the same array.
 *
 * Idle keep-alive connections sit in cycle->reusable_connections, oldest
 * first; when the free list runs dry the oldest idle one is closed to make
 * room, as nginx does, since a client waiting to be served matters more
 * than one that may never send another request.
 */
#include "event/event_internal.h"

#include <sys/socket.h>


hv_event_worker_t hv_event_worker;


static bool hv_connection_has_data(hv_connection_t *c);
static void hv_drain_reusable(hv_cycle_t *cycle, bool all);


int
hv_event_connections_init(hv_cycle_t *cycle, hv_uint_t n)
{
    hv_connection_t *c, *next;
    hv_uint_t i;

    cycle->connections = calloc(n, sizeof(hv_connection_t));
    cycle->read_events = calloc(n, sizeof(hv_event_t));
    cycle->write_events = calloc(n, sizeof(hv_event_t));

    if (cycle->connections == NULL || cycle->read_events == NULL ||
        cycle->write_events == NULL) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno,
            "calloc() of %lu connections failed", (unsigned long) n);
        hv_event_connections_done(cycle);
        return HV_ERROR;
    }

    next = NULL;
    i = n;

    do {
        i--;
        c = &cycle->connections[i];
        c->data = next;
        c->fd = -1;
        c->read = &cycle->read_events[i];
        c->write = &cycle->write_events[i];
        c->read->closed = 1;
        c->write->closed = 1;
        hv_queue_init(&c->queue);
        next = c;
    } while (i > 0);

    cycle->connection_n = n;
    cycle->free_connections = next;
    cycle->free_connection_n = n;
    hv_queue_init(&cycle->reusable_connections);
    cycle->reusable_connections_n = 0;

    hv_event_worker.cycle = cycle;
    hv_event_worker.clients = 0;

    return HV_OK;
}


void
hv_event_connections_done(hv_cycle_t *cycle)
{
    free(cycle->connections);
    free(cycle->read_events);
    free(cycle->write_events);

    cycle->connections = NULL;
    cycle->read_events = NULL;
    cycle->write_events = NULL;
    cycle->free_connections = NULL;
    cycle->connection_n = 0;
    cycle->free_connection_n = 0;
}


bool
hv_event_is_client(const hv_connection_t *c)
{
    return c->listening != NULL && !c->shared;
}


hv_uint_t
hv_event_client_connections(void)
{
    return hv_event_worker.clients;
}


hv_connection_t *
hv_get_connection(hv_cycle_t *cycle, int fd, hv_log_t *log)
{
    hv_connection_t *c;
    hv_event_t *rev, *wev;
    unsigned instance;

    if (cycle->free_connections == NULL) {
        hv_drain_reusable(cycle, false);
    }

    c = cycle->free_connections;

    if (c == NULL) {
        hv_log_error(HV_LOG_WARN, log, 0,
            "%lu worker_connections are not enough",
            (unsigned long) cycle->connection_n);
        return NULL;
    }

    cycle->free_connections = c->data;
    cycle->free_connection_n--;

    rev = c->read;
    wev = c->write;
    instance = rev->instance;

    memset(c, 0, sizeof(hv_connection_t));
    memset(rev, 0, sizeof(hv_event_t));
    memset(wev, 0, sizeof(hv_event_t));

    c->read = rev;
    c->write = wev;
    c->fd = fd;
    c->log = *log;
    c->recv = hv_recv;
    c->send = hv_send;
    c->send_chain = hv_send_chain;
    hv_queue_init(&c->queue);

    /* a new owner: events still queued for the old one become stale */
    rev->instance = !instance;
    wev->instance = !instance;
    rev->data = c;
    wev->data = c;
    wev->write = 1;

    return c;
}


void
hv_free_connection(hv_cycle_t *cycle, hv_connection_t *c)
{
    c->fd = -1;
    c->data = cycle->free_connections;
    cycle->free_connections = c;
    cycle->free_connection_n++;
}


void
hv_close_connection(hv_connection_t *c)
{
    hv_cycle_t *cycle = hv_event_worker.cycle;
    int fd;

    if (c->fd == -1) {
        hv_log_error(HV_LOG_ALERT, &c->log, 0, "connection already closed");
        return;
    }

    hv_event_del_timer(c->read);
    hv_event_del_timer(c->write);
    hv_delete_posted_event(c->read);
    hv_delete_posted_event(c->write);
    hv_reusable_connection(c, false);

    /* closing the descriptor takes it out of the epoll set */
    c->read->active = 0;
    c->write->active = 0;
    c->read->closed = 1;
    c->write->closed = 1;
    c->destroyed = 1;

    if (hv_event_is_client(c)) {
        hv_event_worker.clients--;
        hv_event_stat(active, -1);
    }

    hv_pool_destroy(c->pool);
    c->pool = NULL;

    fd = c->fd;
    hv_free_connection(cycle, c);

    if (close(fd) == -1) {
        hv_log_error(
            HV_LOG_ERR, &c->log, errno, "close() socket %d failed", fd);
    }
}


void
hv_reusable_connection(hv_connection_t *c, bool reusable)
{
    hv_cycle_t *cycle = hv_event_worker.cycle;

    if (c->reusable) {
        hv_queue_remove(&c->queue);
        cycle->reusable_connections_n--;
    }

    c->reusable = reusable;

    if (!reusable) {
        return;
    }

    hv_queue_insert_tail(&cycle->reusable_connections, &c->queue);
    cycle->reusable_connections_n++;

    /*
     * Stopping, after the grace period (see hv_event_begin_shutdown()):
     * close it soon, unless a request is already waiting.
     */
    if (hv_event_worker.idle_closed) {
        if (!hv_connection_has_data(c)) {
            c->close = 1;
        }
        c->read->ready = 1;
        hv_post_event(c->read, &hv_posted_events);
    }
}


/*
 * true when the peer has sent something the protocol has not read yet: a
 * request that crossed the decision to close its idle connection.  One
 * recv(MSG_PEEK) per idle connection, paid only when connections run out
 * or the worker stops.
 */
static bool
hv_connection_has_data(hv_connection_t *c)
{
    unsigned char byte;

    return recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}


/*
 * Asks the protocol to close idle connections, oldest first: all of them,
 * or (all false) until one was closed.  Each leaves the queue before its
 * handler runs, so a handler that does not close (a bug) cannot make this
 * loop forever.  A connection whose next request has already arrived is
 * not dropped: its read event is posted so that the request is served
 * (and the connection closed when it is idle again, if the worker stops).
 */
static void
hv_drain_reusable(hv_cycle_t *cycle, bool all)
{
    hv_connection_t *c;
    hv_queue_t *q;
    hv_uint_t n;

    for (n = cycle->reusable_connections_n; n > 0; n--) {
        if (hv_queue_empty(&cycle->reusable_connections)) {
            return;
        }

        q = hv_queue_head(&cycle->reusable_connections);
        c = hv_queue_data(q, hv_connection_t, queue);

        hv_reusable_connection(c, false);

        if (hv_connection_has_data(c)) {
            c->read->ready = 1;
            hv_post_event(c->read, &hv_posted_events);
            continue;
        }

        c->close = 1;
        c->read->handler(c->read);

        if (!all) {
            return;
        }
    }
}


void
hv_close_idle_connections(hv_cycle_t *cycle)
{
    hv_drain_reusable(cycle, true);
}


bool
hv_connection_reserve(hv_cycle_t *cycle)
{
    if (cycle->free_connections == NULL) {
        hv_drain_reusable(cycle, false);
    }

    return cycle->free_connections != NULL;
}
