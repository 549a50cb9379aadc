/*
 * core/process.h - the master and worker processes (SPEC 4).
 *
 * Signal handlers only set the flags below (STYLE 4); the master loop
 * reaps, logs, reloads and respawns.  The master and each worker share a
 * channel (a socketpair) for commands and descriptors.
 */
#ifndef HV_PROCESS_H
#define HV_PROCESS_H

#define HV_MAX_PROCESSES 256

/* What this process is. */
#define HV_PROCESS_SINGLE 0 /* master_process off */
#define HV_PROCESS_MASTER 1
#define HV_PROCESS_WORKER 2

/*
 * Per-worker counters in shared memory, one cache line each so workers do
 * not false-share.  Counters only grow; gauges go up and down.  The slot
 * index is the worker's index in the master's process table.
 */
typedef struct {
    volatile int64_t pid;         /* 0 when the slot is free */
    volatile uint64_t accepted;   /* connections accepted */
    volatile uint64_t handled;    /* connections given a connection object */
    volatile uint64_t requests;   /* requests read */
    volatile int64_t active;      /* gauge: open client connections */
    volatile int64_t reading;     /* gauge: reading a request */
    volatile int64_t writing;     /* gauge: writing a response */
    volatile uint64_t generation; /* cycle generation the worker runs */
    /* gauge: connections the worker can still take (free or idle ones,
       less those waiting for one), stored by the worker every loop
       iteration; handoff: the master takes one off for each descriptor
       it passes, and passes none to a worker at 0 or below */
    volatile int64_t room;
} __attribute__((aligned(64))) hv_worker_stats_t;

/*
 * The process-tree-wide shared state, mapped once by the first master
 * before any worker exists and kept across reloads.
 */
struct hv_shared_s {
    hv_shmtx_t accept_mutex;
    volatile uint64_t accept_turn; /* handoff/sit-out bookkeeping */
    hv_worker_stats_t workers[HV_MAX_PROCESSES];
};

/* Adds n to a shared counter (relaxed: counters, not synchronisation). */
#define hv_stat_add(field, n) \
    __atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)

/* Channel commands (hv_channel_t.command). */
#define HV_CMD_QUIT 1      /* stop gracefully */
#define HV_CMD_TERMINATE 2 /* stop now */
#define HV_CMD_REOPEN 3    /* reopen log files */
#define HV_CMD_FD 4        /* a descriptor rides along */
#define HV_CMD_ONLINE 5    /* worker to master: serving */

typedef struct {
    uint32_t command;
    int32_t pid;          /* sender */
    int32_t slot;         /* worker slot concerned */
    int32_t fd;           /* with HV_CMD_FD; -1 otherwise */
    int32_t listen_index; /* with HV_CMD_FD: index of the
                             listening socket in the cycle's
                             listening array; -1 otherwise */
} hv_channel_t;

/*
 * Sends a message, with ch->fd passed as SCM_RIGHTS when it is not -1.
 * Returns HV_OK, HV_AGAIN (the non-blocking socket is full) or HV_ERROR.
 */
int hv_channel_write(int s, const hv_channel_t *ch, hv_log_t *log);

/*
 * Reads one message; a passed descriptor lands in ch->fd.  Returns HV_OK,
 * HV_AGAIN, HV_DONE (the peer closed) or HV_ERROR.
 */
int hv_channel_read(int s, hv_channel_t *ch, hv_log_t *log);

/* What a process knows about itself; written by process.c only. */
typedef struct {
    int type; /* HV_PROCESS_* */
    pid_t pid;
    hv_int_t slot;   /* a worker's slot, -1 elsewhere */
    hv_int_t worker; /* 0..worker_processes-1 within its
                        generation (selects its reuseport
                        socket), -1 outside workers */
    int channel;     /* a worker's end of its channel */
    bool exiting;    /* a worker that stopped accepting */
} hv_process_state_t;

extern hv_process_state_t hv_process;

/* Set by signal handlers, read and cleared by the loops. */
extern volatile sig_atomic_t hv_sig_reconfigure; /* HUP */
extern volatile sig_atomic_t hv_sig_terminate;   /* TERM, INT */
extern volatile sig_atomic_t hv_sig_quit;        /* QUIT */
extern volatile sig_atomic_t hv_sig_reopen;      /* USR1 */
extern volatile sig_atomic_t hv_sig_child;       /* CHLD */
extern volatile sig_atomic_t hv_sig_upgrade;     /* USR2: exec a new binary */
extern volatile sig_atomic_t hv_sig_noaccept;    /* WINCH: stop the workers */

/*
 * Worker side of the channel: reads every message waiting on
 * hv_process.channel (non-blocking).  QUIT, TERMINATE and REOPEN raise
 * hv_sig_quit, hv_sig_terminate and hv_sig_reopen, which the worker loop
 * acts on; HV_CMD_FD goes to cycle->handoff; a closed channel (the master
 * is gone) raises hv_sig_quit.  The event layer may watch the channel
 * (level-triggered read) and call this when it is readable; the worker
 * loop also calls it whenever a signal flag is raised, since the master
 * follows each command with the matching signal to wake the worker.
 */
void hv_worker_channel_read(hv_cycle_t *cycle);

/* Installs the handlers for the signals above; HV_OK or HV_ERROR. */
int hv_signals_init(hv_log_t *log);

/*
 * Runs the master until it stops; returns the exit status.  Owns cycle:
 * each reload releases the previous one and the last is freed on return.
 */
int hv_master_run(hv_cycle_t *cycle);

/*
 * Runs a single process (master_process off): once serving it never
 * returns (the process exits when it stops, removing the pid file); it
 * returns 1 when it could not start (init_worker failed).
 */
int hv_single_run(hv_cycle_t *cycle);

#endif /* HV_PROCESS_H */
