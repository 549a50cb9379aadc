/*
 * core/cycle.h - one generation of configuration (STYLE 4, 26).
 *
 * Everything a configuration needs hangs off its cycle and is allocated
 * from the cycle's pool.  A reload builds a complete new cycle from the
 * file; if any step fails, the new cycle's pool is destroyed and the
 * running cycle is untouched.
 */
#ifndef HV_CYCLE_H
#define HV_CYCLE_H

/* The per-worker slots and counters in shared memory (see process.h). */
typedef struct hv_shared_s hv_shared_t;

struct hv_cycle_s {
    hv_pool_t *pool;
    hv_log_t *log;    /* where this cycle's messages go */
    hv_log_t new_log; /* the configured error_log */

    void **conf; /* main-context objects, HV_MODULES_N */

    hv_array_t listening;  /* hv_listening_t */
    hv_array_t open_files; /* hv_log_file_t *: reopened by USR1 */
    hv_array_t shm_zones;  /* hv_shm_zone_t */
    hv_array_t conf_dump;  /* hv_str_t: absolute path of every
                              configuration file the parser read, in
                              order, includes too (for -T); the
                              parser pushes, the cycle creates it */

    hv_shared_t *shared;   /* survives reloads: created once */
    hv_cycle_t *old_cycle; /* during hv_cycle_init() only */

    hv_str_t conf_file;   /* absolute, NUL-terminated */
    hv_str_t conf_param;  /* -g directives, or empty */
    hv_str_t prefix;      /* ends with '/' */
    hv_str_t conf_prefix; /* directory of conf_file, ends with '/' */
    hv_str_t error_log;   /* -e value (or the default) */
    bool test_config;     /* -t/-T: do not bind, no pid file */
    hv_uint_t generation; /* 1 at start, +1 per reload */

    /*
     * Worker-side state, set up by the event layer in init_worker: the
     * preallocated connections and events (worker_connections of each),
     * the free list, and the idle keep-alive connections that a
     * gracefully stopping worker closes.
     */
    hv_connection_t *connections;
    hv_connection_t *free_connections;
    hv_uint_t connection_n;
    hv_uint_t free_connection_n;
    hv_event_t *read_events;
    hv_event_t *write_events;
    hv_queue_t reusable_connections;
    hv_uint_t reusable_connections_n;

    /*
     * Hooks the event core installs in init_worker so that core/worker.c
     * can run the loop without knowing about events:
     *   process_events  one iteration: wait, handle events and timers;
     *   begin_shutdown  stop accepting (close the listening sockets in
     *                   this worker) and close idle keep-alive connections;
     *   drained         true once no client connection is left open.
     */
    void (*process_events)(hv_cycle_t *cycle);
    void (*begin_shutdown)(hv_cycle_t *cycle);
    bool (*drained)(hv_cycle_t *cycle);

    /*
     * accept_strategy handoff (SPEC 5).  master_accepts is set by the
     * event layer in the master (init_module) when the master alone must
     * accept: core/master.c then polls every listening socket, accepts,
     * and passes each client descriptor to the current workers in turn
     * (HV_CMD_FD, listen_index = the socket's index in `listening`).  In
     * a worker, hv_worker_channel_read() gives each such descriptor to
     * handoff, which the event layer installs in init_worker (the
     * descriptor is closed when handoff is NULL).
     */
    bool master_accepts;
    void (*handoff)(hv_cycle_t *cycle, hv_listening_t *ls, int fd);
};

/*
 * Builds a new cycle from old's conf_file/prefix/conf_param: parses,
 * validates, opens log files, maps shared zones, opens listening sockets
 * (unless old->test_config) and runs init_module hooks.  Returns the new
 * cycle, or NULL after logging to old->log with everything it opened
 * closed again and old untouched.
 */
hv_cycle_t *hv_cycle_init(hv_cycle_t *old);

/*
 * Frees what the new cycle did not take over from the old one (listening
 * sockets, files, zones) and destroys the old cycle's pool.
 */
void hv_cycle_release(hv_cycle_t *old, hv_cycle_t *cycle);

/* Reopens every log file of the cycle (USR1); errors are logged. */
void hv_cycle_reopen_files(hv_cycle_t *cycle);

/*
 * Registers a log file by absolute path (shared by every log object that
 * names the same path) in the cycle being built; opened by the cycle after
 * parsing.  NULL on allocation failure.  "stderr" is fd 2.
 */
hv_log_file_t *hv_cycle_log_file(hv_cycle_t *cycle, const hv_str_t *path);

#endif /* HV_CYCLE_H */
