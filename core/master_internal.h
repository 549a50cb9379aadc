/*
 * core/master_internal.h - the master's process table and state, shared
 * by core/master.c (the loop, signals, reaping) and core/master_handoff.c
 * (the handoff accept strategy).  Nothing outside the master uses it.
 */
#ifndef HV_MASTER_INTERNAL_H
#define HV_MASTER_INTERNAL_H

#include "core/core.h"

#include <poll.h>


typedef enum {
    HV_MASTER_RUNNING = 0,
    HV_MASTER_QUITTING,
    HV_MASTER_TERMINATING
} hv_master_state_t;

/* One slot of the process table; pid 0 marks a free slot. */
typedef struct {
    pid_t pid;
    int channel;          /* the master's end, -1 once closed */
    hv_int_t worker;      /* worker number within its generation */
    hv_uint_t generation; /* of the cycle it runs */
    bool exiting;         /* told to stop: never respawned */
    bool killed;          /* the master sent SIGKILL */
} hv_proc_t;

/* The master's own state; the slot index is also the shared stats slot. */
typedef struct {
    hv_cycle_t *cycle;
    hv_proc_t procs[HV_MAX_PROCESSES];
    hv_master_state_t state;
    hv_msec_t kill_at; /* TERMINATING: when to SIGKILL */
    bool killed_all;
    hv_uint_t handoff_next;     /* round-robin position */
    hv_msec_t accept_resume_at; /* handoff, out of descriptors: the
                                   listening sockets wait until then */
    hv_msec_t emfile_quiet;     /* EMFILE/ENFILE not logged before then */
    pid_t new_binary;           /* USR2: the new master while it runs */
    bool noaccepting;           /* WINCH: workers stopped, none respawned */

    struct pollfd *pfds; /* channels, then listening sockets */
    hv_int_t *ptags;     /* slot >= 0, or -1 - listening index */
    hv_uint_t pfds_size;
} hv_master_t;


/*
 * Handoff strategy (SPEC 5): the master accepts on listening socket
 * INDEX, a batch at a time, and passes each descriptor to the next worker
 * of the current generation that has room, over its channel.
 */
void hv_master_handoff(hv_master_t *m, hv_uint_t index);

/*
 * Handoff: how long (ms) the master may sleep before it must look at the
 * listening sockets again (accepting paused for want of descriptors, or
 * every worker full), or 0 when only an event need wake it.
 */
hv_msec_t hv_master_accept_retry(hv_master_t *m);

#endif /* HV_MASTER_INTERNAL_H */
