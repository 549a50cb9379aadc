/*
 * core/worker.c - the worker process and the single process
 * (master_process off).
 *
 * The loop knows nothing of events: the event layer's init_worker hook
 * installs cycle->process_events, begin_shutdown and drained, and this
 * file only decides when to call them.  A graceful stop (QUIT) closes the
 * listening sockets and idle connections, then waits until the last
 * client connection is gone, bounded by worker_shutdown_timeout.
 */
#include "core/core.h"
#include "core/process_internal.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>


static int hv_worker_init(hv_cycle_t *cycle);
static int hv_worker_set_user(hv_cycle_t *cycle, hv_core_conf_t *ccf);
static void hv_worker_begin_shutdown(hv_cycle_t *cycle);
static _Noreturn void hv_worker_loop(hv_cycle_t *cycle);
static _Noreturn void hv_worker_exit(hv_cycle_t *cycle);


_Noreturn void
hv_worker_run(hv_cycle_t *cycle, hv_int_t slot, hv_int_t worker, int channel,
    pid_t master)
{
    sigset_t set;
    hv_channel_t ch;

    hv_process.type = HV_PROCESS_WORKER;
    hv_process.pid = getpid();
    hv_process.slot = slot;
    hv_process.worker = worker;
    hv_process.channel = channel;
    hv_process.exiting = false;
    hv_log_pid_update();
    hv_proctitle_set("worker process", false);

    /* the master's flags and blocked mask are not this process's */
    hv_sig_reconfigure = 0;
    hv_sig_terminate = 0;
    hv_sig_quit = 0;
    hv_sig_reopen = 0;
    hv_sig_child = 0;
    hv_sig_alarm = 0;
    hv_sig_upgrade = 0;
    hv_sig_noaccept = 0;
    sigemptyset(&set);
    (void) sigprocmask(SIG_SETMASK, &set, NULL);

    if (hv_worker_init(cycle) != HV_OK) {
        /* 2 tells the master not to respawn: it would fail the same way */
        exit(2);
    }

    /*
     * A master killed outright cannot tell its workers: the kernel does,
     * with a QUIT that lets them finish what they serve.  The getppid()
     * check covers a master that died before prctl(), which comes after the
     * user switch because changing credentials clears it.
     */
    if (prctl(PR_SET_PDEATHSIG, SIGQUIT) == -1) {
        hv_log_error(
            HV_LOG_ALERT, cycle->log, errno, "prctl(PR_SET_PDEATHSIG) failed");
    }
    if (getppid() != master) {
        hv_sig_quit = 1;
    }

    memset(&ch, 0, sizeof(hv_channel_t));
    ch.command = HV_CMD_ONLINE;
    ch.pid = hv_process.pid;
    ch.slot = (int32_t) slot;
    ch.fd = -1;
    ch.listen_index = -1;
    (void) hv_channel_write(channel, &ch, cycle->log);

    hv_worker_loop(cycle);
}


int
hv_single_run(hv_cycle_t *cycle)
{
    hv_process.type = HV_PROCESS_SINGLE;
    hv_process.pid = getpid();
    hv_process.slot = 0;
    hv_process.worker = 0;
    hv_process.channel = -1;
    hv_process.exiting = false;

    if (hv_worker_init(cycle) != HV_OK) {
        return 1;
    }

    hv_worker_loop(cycle);
}


/* Limits, user, shared slot, then the modules' init_worker hooks. */
static int
hv_worker_init(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    hv_worker_stats_t *stats;
    struct rlimit rl;
    hv_uint_t i;

    if (ccf->rlimit_nofile != HV_CONF_UNSET) {
        rl.rlim_cur = (rlim_t) ccf->rlimit_nofile;
        rl.rlim_max = (rlim_t) ccf->rlimit_nofile;

        if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
            hv_log_error(HV_LOG_ALERT, cycle->log, errno,
                "setrlimit(RLIMIT_NOFILE, %ld) failed",
                (long) ccf->rlimit_nofile);
        }
    }

    /* priority, CPUs and environment: before the user switch, which may
       take the right to raise the priority away */
    if (hv_worker_apply_conf(cycle) != HV_OK) {
        return HV_ERROR;
    }

    /* as nginx, a single process (a debugging mode) keeps its user */
    if (hv_process.type == HV_PROCESS_WORKER && ccf->switch_user &&
        geteuid() == 0 && hv_worker_set_user(cycle, ccf) != HV_OK) {
        return HV_ERROR;
    }

    if (cycle->shared != NULL && hv_process.slot >= 0) {
        stats = &cycle->shared->workers[hv_process.slot];
        stats->generation = cycle->generation;
        stats->pid = hv_process.pid;
    }

    for (i = 0; hv_modules[i] != NULL; i++) {
        if (hv_modules[i]->init_worker != NULL &&
            hv_modules[i]->init_worker(cycle) != HV_OK) {
            return HV_ERROR;
        }
    }

    if (cycle->process_events == NULL) {
        hv_log_error(HV_LOG_ALERT, cycle->log, 0,
            "no event module installed an event loop");
        return HV_ERROR;
    }

    return HV_OK;
}


static int
hv_worker_set_user(hv_cycle_t *cycle, hv_core_conf_t *ccf)
{
    if (setgid(ccf->gid) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "setgid(%ld) failed",
            (long) ccf->gid);
        return HV_ERROR;
    }

    if (initgroups((const char *) ccf->user.data, ccf->gid) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno,
            "initgroups(%s, %ld) failed", (char *) ccf->user.data,
            (long) ccf->gid);
        return HV_ERROR;
    }

    if (setuid(ccf->uid) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "setuid(%ld) failed",
            (long) ccf->uid);
        return HV_ERROR;
    }

    return HV_OK;
}


static _Noreturn void
hv_worker_loop(hv_cycle_t *cycle)
{
    for (;;) {
        if (hv_process.channel != -1 &&
            (hv_sig_quit || hv_sig_terminate || hv_sig_reopen)) {
            hv_worker_channel_read(cycle);
        }

        if (hv_sig_terminate) {
            hv_worker_exit(cycle);
        }

        if (hv_sig_quit && !hv_process.exiting) {
            hv_worker_begin_shutdown(cycle);
        }

        if (hv_process.exiting &&
            (cycle->drained == NULL || cycle->drained(cycle))) {
            hv_worker_exit(cycle);
        }

        if (hv_sig_alarm && hv_process.exiting) {
            hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
                "worker_shutdown_timeout expired, closing the "
                "remaining connections");
            hv_worker_exit(cycle);
        }

        if (hv_sig_reconfigure) {
            hv_sig_reconfigure = 0;
            hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
                "reload needs the master process: ignored");
        }

        if (hv_sig_reopen) {
            hv_sig_reopen = 0;
            hv_log_error(HV_LOG_NOTICE, cycle->log, 0, "reopening logs");
            hv_cycle_reopen_files(cycle);
        }

        cycle->process_events(cycle);
    }
}


/* Stop accepting, close idle connections, arm the shutdown bound. */
static void
hv_worker_begin_shutdown(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    struct itimerval itv;

    hv_process.exiting = true;
    hv_proctitle_set("worker process is shutting down", false);
    hv_log_error(HV_LOG_NOTICE, cycle->log, 0, "gracefully shutting down");

    if (cycle->begin_shutdown != NULL) {
        cycle->begin_shutdown(cycle);
    }

    /*
     * A timer signal rather than an event-layer timer: it also interrupts
     * a wait that has no timer of its own.
     */
    if (ccf->shutdown_timeout > 0) {
        memset(&itv, 0, sizeof(struct itimerval));
        itv.it_value.tv_sec = (time_t) (ccf->shutdown_timeout / 1000);
        itv.it_value.tv_usec =
            (suseconds_t) (ccf->shutdown_timeout % 1000) * 1000;

        if (setitimer(ITIMER_REAL, &itv, NULL) == -1) {
            hv_log_error(HV_LOG_ALERT, cycle->log, errno, "setitimer() failed");
        }
    }
}


static _Noreturn void
hv_worker_exit(hv_cycle_t *cycle)
{
    hv_uint_t i;

    for (i = 0; hv_modules[i] != NULL; i++) {
        if (hv_modules[i]->exit_worker != NULL) {
            hv_modules[i]->exit_worker(cycle);
        }
    }

    hv_log_error(HV_LOG_NOTICE, cycle->log, 0, "exit");

    if (hv_process.type == HV_PROCESS_SINGLE) {
        hv_exit_master_hooks(cycle);
        hv_pid_file_delete(cycle);
    }

    exit(0);
}


void
hv_worker_channel_read(hv_cycle_t *cycle)
{
    hv_listening_t *ls;
    hv_channel_t ch;
    int rc;

    while (hv_process.channel != -1) {
        rc = hv_channel_read(hv_process.channel, &ch, cycle->log);

        if (rc == HV_AGAIN) {
            return;
        }

        if (rc != HV_OK) {
            /* the master is gone: finish what is being served */
            (void) close(hv_process.channel);
            hv_process.channel = -1;
            hv_sig_quit = 1;
            return;
        }

        switch (ch.command) {
            case HV_CMD_QUIT:
                hv_sig_quit = 1;
                break;

            case HV_CMD_TERMINATE:
                hv_sig_terminate = 1;
                break;

            case HV_CMD_REOPEN:
                hv_sig_reopen = 1;
                break;

            case HV_CMD_FD:
                if (cycle->handoff == NULL || hv_process.exiting ||
                    ch.listen_index < 0 ||
                    (hv_uint_t) ch.listen_index >= cycle->listening.nelts) {
                    (void) close(ch.fd);
                    break;
                }

                ls = (hv_listening_t *) cycle->listening.elts + ch.listen_index;
                cycle->handoff(cycle, ls, ch.fd);
                break;

            default:
                hv_log_error(HV_LOG_ALERT, cycle->log, 0,
                    "unknown command %u on the channel", (unsigned) ch.command);
                break;
        }
    }
}
