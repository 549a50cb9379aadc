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

/*
 * Live binary upgrade (core/master_upgrade.c).  hv_upgrade_init() runs in
 * main() right after hv_proctitle_init(): it resolves argv[0] to the path
 * USR2 will execute (against the cwd or PATH), keeps argv to pass on, and
 * notes whether this process was exec'd by an old master (the HIVE
 * environment variable, "fd;fd;"; see hv_listening_inherit()).  A failure
 * to resolve only disables USR2 (logged when it arrives); HV_OK always.
 */
int hv_upgrade_init(int argc, char **argv);

/* True when an old master exec'd this process with its sockets. */
bool hv_upgrade_inherited(void);

/*
 * USR2 in the master: renames the pid file to PID.oldbin, forks and
 * executes the binary with the same argv and the listening sockets
 * inherited.  Returns the new master's pid, or 0 when nothing was started
 * (logged; the pid file is renamed back).  Refused (logged) while the old
 * master that exec'd this one still runs, or while running, the pid of
 * this master's new binary, is not 0 (running is then returned).
 */
pid_t hv_upgrade_exec(hv_cycle_t *cycle, pid_t running);

/*
 * The new master (pid) exited: logs how, and gives the old master its pid
 * file back (PID.oldbin renamed to PID, or written again).
 */
void hv_upgrade_exited(hv_cycle_t *cycle, pid_t pid, int status);

/* Removes PID.oldbin: an old master exits while its successor runs. */
void hv_upgrade_pid_file_delete(hv_cycle_t *cycle);

/*
 * WINCH stops the workers only when it cannot be a window resize: false
 * (logged) when the master has a controlling terminal (daemon off, in a
 * terminal), as nginx honours WINCH only once daemonized.
 */
bool hv_upgrade_noaccept_allowed(hv_cycle_t *cycle);

#endif /* HV_PROCESS_INTERNAL_H */
