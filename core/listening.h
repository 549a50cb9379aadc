/*
 * core/listening.h - listening sockets, owned by a cycle.
 *
 * The HTTP layer declares them while parsing "listen"; the cycle opens
 * them (in the master, before fork) and hands a socket whose address is
 * unchanged over from the old cycle on reload, so no connection attempt is
 * refused during a reload.  With reuseport each worker slot gets a socket
 * of its own bound to the same address.
 */
#ifndef HV_LISTENING_H
#define HV_LISTENING_H

typedef void (*hv_connection_handler_pt)(hv_connection_t *c);

/* The environment variable that carries inherited sockets to a new binary. */
#define HV_LISTENING_ENV "HIVE"

/*
 * Out of descriptors (EMFILE/ENFILE), whoever accepts (a worker, or the
 * master under the handoff strategy) stops watching the listening
 * sockets for HV_ACCEPT_PAUSE ms: they are level-triggered, and would
 * wake it again at once, forever.  The error is logged at most once every
 * HV_ACCEPT_LOG_INTERVAL ms, however long it lasts.
 */
#define HV_ACCEPT_PAUSE 500
#define HV_ACCEPT_LOG_INTERVAL 1000


struct hv_listening_s {
    int fd; /* -1 until opened */
    hv_sockaddr_t sockaddr;
    socklen_t socklen;
    char addr_text[HV_SOCKADDR_STRLEN]; /* "127.0.0.1:8080" */
    int backlog;                        /* listen() backlog, default 511 */

    hv_connection_handler_pt handler; /* set by the protocol */
    void *servers;                    /* the protocol's data for this address */

    hv_int_t worker;             /* reuseport: the worker slot that owns this
                                    socket; -1 for a socket every worker
                                    shares */
    hv_connection_t *connection; /* the worker's accept connection */

    unsigned reuseport:1; /* bound with SO_REUSEPORT */
    unsigned deferred:1;  /* TCP_DEFER_ACCEPT: the kernel hands a client
                             over once its first data has arrived */
    unsigned ipv6only:1;
    unsigned inherited:1; /* fd came from the old cycle or binary */
    unsigned remain:1;    /* the new cycle keeps this old socket */
};

/*
 * Adds a socket for the address to the cycle being configured (or returns
 * the existing one with the same address); NULL on allocation failure.
 */
hv_listening_t *hv_listening_add(
    hv_cycle_t *cycle, const hv_sockaddr_t *sa, socklen_t socklen);

/*
 * Opens every listening socket of the cycle: takes the descriptor of an
 * equal socket of cycle->old_cycle when there is one, otherwise creates,
 * sets SO_REUSEADDR (and SO_REUSEPORT), non-blocking, binds and listens,
 * retrying a busy address a few times.  On failure closes what it opened
 * and returns HV_ERROR (logged with the address and errno).
 */
int hv_listening_open(hv_cycle_t *cycle);

/*
 * A new binary started by USR2: turns the descriptors named in the HIVE
 * environment variable ("fd;fd;") into listening entries of the init
 * cycle (address from getsockname(), reuseport from SO_REUSEPORT, the
 * reuseport copies of one address numbered in order), so that
 * hv_listening_open() takes each one whose address a "listen" names and
 * hv_cycle_release() closes the rest.  Descriptors that are not listening
 * TCP sockets are skipped with a notice.  HV_OK, or HV_ERROR on allocation
 * failure.
 */
int hv_listening_inherit(hv_cycle_t *init);

/* Closes the old cycle's sockets that the new cycle did not take over. */
void hv_listening_close_unused(hv_cycle_t *old_cycle);

/* Closes every socket of the cycle (fast stop, or a worker that quits). */
void hv_listening_close_all(hv_cycle_t *cycle);

#endif /* HV_LISTENING_H */
