/*
 * core/process_internal.h - what the files of the process model share
 * (main.c, master.c, worker.c, process.c, daemon.c).  Not part of the
 * core's public interface.
 */
#ifndef HV_PROCESS_INTERNAL_H
#define HV_PROCESS_INTERNAL_H

#include "core/core.h"

/* SIGALRM: a worker's worker_shutdown_timeout expired. */
extern volatile sig_atomic_t hv_sig_alarm;

/*
 * The signals the master blocks outside ppoll() so that each one is
 * delivered exactly while it waits (no lost wake-up).
 */
void hv_signals_master_set(sigset_t *set);

/*
 * Runs a worker in the child just forked: never returns.  channel is the
 * worker's end of its socketpair; master is the parent's pid, to notice a
 * master that died before the child watched for it.
 */
_Noreturn void hv_worker_run(hv_cycle_t *cycle, hv_int_t slot, hv_int_t worker,
    int channel, pid_t master);

/* Detaches from the terminal (fork, setsid); HV_OK in the child that
 * goes on, the parent exits 0.  HV_ERROR after logging. */
int hv_daemonize(hv_log_t *log);

/* Writes "PID\n" to the cycle's pid file; HV_OK or HV_ERROR (logged). */
int hv_pid_file_write(hv_cycle_t *cycle);

/* Removes the cycle's pid file (errors logged at alert). */
void hv_pid_file_delete(hv_cycle_t *cycle);

/* -s NAME: signals the master named by the pid file; returns the exit
 * status for main() (0 or 1). */
int hv_signal_process(hv_cycle_t *cycle, const char *name);

/* The signal sent by "-s NAME", or 0 for an unknown name. */
int hv_signal_by_name(const char *name);

/* Runs every module's exit_master hook (master and single process). */
void hv_exit_master_hooks(hv_cycle_t *cycle);

/*
 * Moves argv's and environ's strings to the heap (argv[] and environ are
 * repointed at the copies) so that the memory they held can carry the
 * process title.  Called first thing in main(); HV_ERROR after a message
 * on stderr.
 */
int hv_proctitle_init(int argc, char **argv);

/*
 * Sets the title /proc/PID/cmdline and ps show to "hive: WHAT", followed
 * by the original command line when args is true; cut to the space the
 * kernel gave argv and environ.  A no-op before hv_proctitle_init().
 */
void hv_proctitle_set(const char *what, bool args);

#endif /* HV_PROCESS_INTERNAL_H */
