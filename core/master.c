/*
 * core/master.c - the master process: forks the workers, reaps and
 * replaces them, reloads, reopens logs and stops (SPEC 4).
 *
 * The master keeps its signals blocked and sleeps in ppoll() with an
 * empty mask, watching the workers' channels (and, for the handoff
 * strategy, the listening sockets).  A signal can only be delivered inside
 * ppoll(), so checking the flags after it returns never misses one.
 *
 * Commands reach a worker twice: as a channel message and as the matching
 * signal.  The signal wakes a worker blocked in epoll_wait() whether or
 * not its event loop watches the channel; both set the same flag, so a
 * worker that sees both acts once.
 */
#include "core/core.h"
#include "core/process_internal.h"
#include "core/master_internal.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>


/* A fast stop waits this long for workers before SIGKILL. */
#define HV_MASTER_KILL_AFTER 5000

/* Exit code of a worker that failed to initialise: do not respawn. */
#define HV_WORKER_FATAL 2


static void hv_master_start_workers(hv_master_t *m);
static bool hv_master_spawn(hv_master_t *m, hv_int_t worker);
static void hv_master_wait(hv_master_t *m);
static int hv_master_poll_set(hv_master_t *m);
static void hv_master_read_channel(hv_master_t *m, hv_int_t slot);
static int hv_master_signals(hv_master_t *m);
static void hv_master_reap(hv_master_t *m);
static void hv_master_forget(hv_master_t *m, hv_int_t slot);
static void hv_master_log_exit(hv_master_t *m, hv_proc_t *p, int status);
static void hv_master_tell(hv_master_t *m, hv_int_t slot, uint32_t command);
static void hv_master_stop(hv_master_t *m, hv_master_state_t state);
static void hv_master_kill_all(hv_master_t *m);
static void hv_master_reconfigure(hv_master_t *m);
static void hv_master_reopen(hv_master_t *m);
static void hv_master_noaccept(hv_master_t *m);
static void hv_master_restart(hv_master_t *m);
static hv_uint_t hv_master_live(hv_master_t *m);
static int hv_master_exit(hv_master_t *m);


int
hv_master_run(hv_cycle_t *cycle)
{
    hv_master_t *m;
    sigset_t set;

    m = calloc(1, sizeof(hv_master_t));
    if (m == NULL) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "calloc() failed");
        hv_pid_file_delete(cycle);
        hv_pool_destroy(cycle->pool);
        return 1;
    }

    m->cycle = cycle;

    hv_process.type = HV_PROCESS_MASTER;
    hv_process.pid = getpid();

    hv_signals_master_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "sigprocmask() failed");
        m->state = HV_MASTER_TERMINATING;
        (void) hv_master_exit(m);
        return 1;
    }

    hv_master_start_workers(m);

    for (;;) {
        hv_master_wait(m);
        hv_time_update();

        if (hv_master_signals(m) == HV_DONE) {
            return hv_master_exit(m);
        }
    }
}


/* Acts on the flags the handlers set; HV_DONE once it is time to exit. */
static int
hv_master_signals(hv_master_t *m)
{
    if (hv_sig_child) {
        hv_sig_child = 0;
        hv_master_reap(m);
    }

    if (hv_sig_terminate) {
        hv_sig_terminate = 0;
        hv_master_stop(m, HV_MASTER_TERMINATING);
    }

    if (hv_sig_quit) {
        hv_sig_quit = 0;
        hv_master_stop(m, HV_MASTER_QUITTING);
    }

    if (m->state == HV_MASTER_TERMINATING && !m->killed_all &&
        hv_current_msec >= m->kill_at) {
        hv_master_kill_all(m);
    }

    if (m->state != HV_MASTER_RUNNING && hv_master_live(m) == 0) {
        return HV_DONE;
    }

    if (hv_sig_reconfigure) {
        hv_sig_reconfigure = 0;
        if (m->state == HV_MASTER_RUNNING && m->noaccepting) {
            hv_master_restart(m);
        } else if (m->state == HV_MASTER_RUNNING) {
            hv_master_reconfigure(m);
        }
    }

    if (hv_sig_upgrade) {
        hv_sig_upgrade = 0;
        if (m->state == HV_MASTER_RUNNING) {
            m->new_binary = hv_upgrade_exec(m->cycle, m->new_binary);
        }
    }

    if (hv_sig_noaccept) {
        hv_sig_noaccept = 0;
        if (m->state == HV_MASTER_RUNNING && !m->noaccepting &&
            hv_upgrade_noaccept_allowed(m->cycle)) {
            hv_master_noaccept(m);
        }
    }

    if (hv_sig_reopen) {
        hv_sig_reopen = 0;
        hv_master_reopen(m);
    }

    return HV_OK;
}


static void
hv_master_start_workers(hv_master_t *m)
{
    hv_core_conf_t *ccf = hv_core_conf(m->cycle);
    hv_int_t i;

    for (i = 0; i < ccf->worker_processes; i++) {
        (void) hv_master_spawn(m, i);
    }
}


static bool
hv_master_spawn(hv_master_t *m, hv_int_t worker)
{
    hv_proc_t *p;
    hv_int_t slot, i;
    pid_t pid, master;
    int sv[2];

    for (slot = 0; slot < HV_MAX_PROCESSES; slot++) {
        if (m->procs[slot].pid == 0) {
            break;
        }
    }

    if (slot == HV_MAX_PROCESSES) {
        hv_log_error(HV_LOG_ALERT, m->cycle->log, 0,
            "no more than %d processes can be spawned", HV_MAX_PROCESSES);
        return false;
    }

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
            sv) == -1) {
        hv_log_error(HV_LOG_ALERT, m->cycle->log, errno,
            "socketpair() failed while spawning a worker process");
        return false;
    }

    master = getpid();
    pid = fork();

    if (pid == -1) {
        hv_log_error(HV_LOG_ALERT, m->cycle->log, errno,
            "fork() failed while spawning a worker process");
        (void) close(sv[0]);
        (void) close(sv[1]);
        return false;
    }

    if (pid == 0) {
        /* a worker talks to the master only, over its own channel */
        for (i = 0; i < HV_MAX_PROCESSES; i++) {
            if (m->procs[i].pid != 0 && m->procs[i].channel != -1) {
                (void) close(m->procs[i].channel);
            }
        }
        (void) close(sv[0]);

        hv_worker_run(m->cycle, slot, worker, sv[1], master);
    }

    (void) close(sv[1]);

    p = &m->procs[slot];
    p->pid = pid;
    p->channel = sv[0];
    p->worker = worker;
    p->generation = m->cycle->generation;
    p->exiting = false;
    p->killed = false;

    hv_log_error(
        HV_LOG_NOTICE, m->cycle->log, 0, "start worker process %d", (int) pid);
    return true;
}


static void
hv_master_wait(hv_master_t *m)
{
    struct timespec ts, *tp;
    sigset_t none;
    hv_msec_t left;
    hv_uint_t i;
    int n, ready;

    n = hv_master_poll_set(m);
    if (n == HV_ERROR) {
        n = 0; /* still wait for signals */
    }

    tp = NULL;
    if (m->state == HV_MASTER_TERMINATING && !m->killed_all) {
        left = m->kill_at > hv_current_msec ? m->kill_at - hv_current_msec : 0;
        ts.tv_sec = (time_t) (left / 1000);
        ts.tv_nsec = (long) (left % 1000) * 1000000;
        tp = &ts;
    }

    /* handoff, the listening sockets left out: look again in time */
    if (tp == NULL && m->cycle->master_accepts &&
        m->state == HV_MASTER_RUNNING && !m->noaccepting) {
        left = hv_master_accept_retry(m);
        if (left > 0) {
            ts.tv_sec = (time_t) (left / 1000);
            ts.tv_nsec = (long) (left % 1000) * 1000000;
            tp = &ts;
        }
    }

    sigemptyset(&none);
    ready = ppoll(m->pfds, (nfds_t) n, tp, &none);

    if (ready == -1) {
        if (errno != EINTR) {
            hv_log_error(HV_LOG_ALERT, m->cycle->log, errno, "ppoll() failed");
        }
        return;
    }

    for (i = 0; ready > 0 && i < (hv_uint_t) n; i++) {
        if (m->pfds[i].revents == 0) {
            continue;
        }
        ready--;

        if (m->ptags[i] >= 0) {
            hv_master_read_channel(m, m->ptags[i]);
        } else {
            hv_master_handoff(m, (hv_uint_t) (-1 - m->ptags[i]));
        }
    }
}


/* Fills pfds with the open channels and, for handoff, the sockets. */
static int
hv_master_poll_set(hv_master_t *m)
{
    hv_listening_t *ls = m->cycle->listening.elts;
    hv_uint_t need, n, i;
    void *p;

    need = HV_MAX_PROCESSES + m->cycle->listening.nelts;

    if (need > m->pfds_size) {
        p = realloc(m->pfds, need * sizeof(struct pollfd));
        if (p == NULL) {
            hv_log_error(
                HV_LOG_ALERT, m->cycle->log, errno, "realloc() failed");
            return HV_ERROR;
        }
        m->pfds = p;

        p = realloc(m->ptags, need * sizeof(hv_int_t));
        if (p == NULL) {
            hv_log_error(
                HV_LOG_ALERT, m->cycle->log, errno, "realloc() failed");
            return HV_ERROR;
        }
        m->ptags = p;
        m->pfds_size = need;
    }

    n = 0;

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0 && m->procs[i].channel != -1) {
            m->pfds[n].fd = m->procs[i].channel;
            m->pfds[n].events = POLLIN;
            m->pfds[n].revents = 0;
            m->ptags[n++] = (hv_int_t) i;
        }
    }

    if (m->cycle->master_accepts && m->state == HV_MASTER_RUNNING &&
        !m->noaccepting && hv_master_accept_retry(m) == 0) {
        for (i = 0; i < m->cycle->listening.nelts; i++) {
            if (ls[i].fd != -1) {
                m->pfds[n].fd = ls[i].fd;
                m->pfds[n].events = POLLIN;
                m->pfds[n].revents = 0;
                m->ptags[n++] = -1 - (hv_int_t) i;
            }
        }
    }

    return (int) n;
}


static void
hv_master_read_channel(hv_master_t *m, hv_int_t slot)
{
    hv_proc_t *p = &m->procs[slot];
    hv_channel_t ch;
    int rc;

    for (;;) {
        rc = hv_channel_read(p->channel, &ch, m->cycle->log);

        if (rc == HV_AGAIN) {
            return;
        }

        if (rc != HV_OK) {
            /* the worker is exiting; SIGCHLD will tell how */
            (void) close(p->channel);
            p->channel = -1;
            return;
        }

        switch (ch.command) {
            case HV_CMD_ONLINE:
                hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0,
                    "worker process %d online", (int) p->pid);
                break;

            default:
                if (ch.fd != -1) {
                    (void) close(ch.fd);
                }
                hv_log_error(HV_LOG_ALERT, m->cycle->log, 0,
                    "unknown command %u from worker process %d",
                    (unsigned) ch.command, (int) p->pid);
                break;
        }
    }
}


static void
hv_master_reap(hv_master_t *m)
{
    hv_proc_t *p;
    hv_int_t slot, worker;
    bool respawn;
    pid_t pid;
    int status;

    for (;;) {
        pid = waitpid(-1, &status, WNOHANG);

        if (pid == 0) {
            return;
        }

        if (pid == -1) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != ECHILD) {
                hv_log_error(
                    HV_LOG_ALERT, m->cycle->log, errno, "waitpid() failed");
            }
            return;
        }

        for (slot = 0; slot < HV_MAX_PROCESSES; slot++) {
            if (m->procs[slot].pid == pid) {
                break;
            }
        }

        if (slot == HV_MAX_PROCESSES) {
            /* nobody serves if the new binary goes while ours are stopped */
            if (pid != 0 && pid == m->new_binary) {
                m->new_binary = 0;
                hv_upgrade_exited(m->cycle, pid, status);
                if (m->noaccepting && m->state == HV_MASTER_RUNNING) {
                    hv_master_restart(m);
                }
            }
            continue; /* not a worker of ours */
        }

        p = &m->procs[slot];
        hv_master_log_exit(m, p, status);
        hv_master_forget(m, slot);

        respawn =
            !p->exiting && m->state == HV_MASTER_RUNNING && !m->noaccepting &&
            p->generation == m->cycle->generation &&
            !(WIFEXITED(status) && WEXITSTATUS(status) == HV_WORKER_FATAL);
        worker = p->worker;

        memset(p, 0, sizeof(hv_proc_t));
        p->channel = -1;

        if (respawn) {
            (void) hv_master_spawn(m, worker);
        }
    }
}


/*
 * What a dead worker leaves behind: its shared slot (gauges zeroed, the
 * counters kept for the totals), the accept mutex if it held it, its
 * channel.
 */
static void
hv_master_forget(hv_master_t *m, hv_int_t slot)
{
    hv_worker_stats_t *stats = &m->cycle->shared->workers[slot];
    hv_proc_t *p = &m->procs[slot];

    stats->pid = 0;
    stats->generation = 0;
    stats->active = 0;
    stats->reading = 0;
    stats->writing = 0;

    if (hv_shmtx_force_unlock(&m->cycle->shared->accept_mutex, p->pid)) {
        hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0,
            "the accept mutex held by the exited worker process %d was "
            "released",
            (int) p->pid);
    }

    if (p->channel != -1) {
        (void) close(p->channel);
        p->channel = -1;
    }
}


/*
 * Alert for a death the master did not cause (a crash, the OOM killer,
 * an operator's kill -9): those are the faults an operator must see.
 */
static void
hv_master_log_exit(hv_master_t *m, hv_proc_t *p, int status)
{
    int sig, code;

    if (WIFSIGNALED(status)) {
        sig = WTERMSIG(status);
        hv_log_error(p->killed ? HV_LOG_NOTICE : HV_LOG_ALERT, m->cycle->log, 0,
            "worker process %d exited on signal %d%s", (int) p->pid, sig,
            WCOREDUMP(status) ? " (core dumped)" : "");
        return;
    }

    code = WEXITSTATUS(status);

    if (code == HV_WORKER_FATAL && !p->exiting) {
        hv_log_error(HV_LOG_ALERT, m->cycle->log, 0,
            "worker process %d exited with fatal code %d and "
            "cannot be respawned",
            (int) p->pid, code);
        return;
    }

    hv_log_error(code == 0 ? HV_LOG_NOTICE : HV_LOG_ALERT, m->cycle->log, 0,
        "worker process %d exited with code %d", (int) p->pid, code);
}


static void
hv_master_tell(hv_master_t *m, hv_int_t slot, uint32_t command)
{
    hv_proc_t *p = &m->procs[slot];
    hv_channel_t ch;
    int signo;

    memset(&ch, 0, sizeof(hv_channel_t));
    ch.command = command;
    ch.pid = (int32_t) hv_process.pid;
    ch.slot = (int32_t) slot;
    ch.fd = -1;
    ch.listen_index = -1;

    if (p->channel != -1) {
        (void) hv_channel_write(p->channel, &ch, m->cycle->log);
    }

    switch (command) {
        case HV_CMD_QUIT:
            signo = SIGQUIT;
            break;
        case HV_CMD_TERMINATE:
            signo = SIGTERM;
            break;
        default:
            signo = SIGUSR1;
            break;
    }

    if (kill(p->pid, signo) == -1 && errno != ESRCH) {
        hv_log_error(HV_LOG_ALERT, m->cycle->log, errno, "kill(%d, %d) failed",
            (int) p->pid, signo);
    }
}


static void
hv_master_stop(hv_master_t *m, hv_master_state_t state)
{
    hv_int_t i;

    if (m->state == HV_MASTER_TERMINATING ||
        (m->state == HV_MASTER_QUITTING && state == HV_MASTER_QUITTING)) {
        return;
    }

    if (state == HV_MASTER_TERMINATING) {
        hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0, "exiting");
        m->kill_at = hv_current_msec + HV_MASTER_KILL_AFTER;
    } else {
        hv_log_error(
            HV_LOG_NOTICE, m->cycle->log, 0, "gracefully shutting down");
    }

    m->state = state;

    /* new connections are refused rather than queued for nobody */
    hv_listening_close_all(m->cycle);

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0) {
            m->procs[i].exiting = true;
            hv_master_tell(m, i,
                state == HV_MASTER_TERMINATING ? HV_CMD_TERMINATE
                                               : HV_CMD_QUIT);
        }
    }
}


static void
hv_master_kill_all(hv_master_t *m)
{
    hv_proc_t *p;
    hv_int_t i;

    m->killed_all = true;

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        p = &m->procs[i];
        if (p->pid == 0) {
            continue;
        }

        hv_log_error(HV_LOG_WARN, m->cycle->log, 0,
            "worker process %d did not exit in %d ms, killing it", (int) p->pid,
            HV_MASTER_KILL_AFTER);

        p->killed = true;
        if (kill(p->pid, SIGKILL) == -1 && errno != ESRCH) {
            hv_log_error(HV_LOG_ALERT, m->cycle->log, errno,
                "kill(%d, SIGKILL) failed", (int) p->pid);
        }
    }
}


/*
 * HUP: a complete new cycle or nothing.  Old workers keep serving until
 * the new ones exist, then finish what they serve and exit.
 */
static void
hv_master_reconfigure(hv_master_t *m)
{
    hv_cycle_t *old, *cycle;
    hv_core_conf_t *occf, *ccf;
    hv_int_t i;

    hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0, "reconfiguring");

    old = m->cycle;
    cycle = hv_cycle_init(old);

    if (cycle == NULL) {
        hv_log_error(HV_LOG_NOTICE, old->log, 0,
            "reload failed, the running configuration is kept");
        return;
    }

    occf = hv_core_conf(old);
    ccf = hv_core_conf(cycle);

    /* during an upgrade the old path is the new master's hive.pid */
    if (m->new_binary == 0 && !hv_str_eq(&occf->pid, &ccf->pid) &&
        hv_pid_file_write(cycle) == HV_OK) {
        hv_pid_file_delete(old);
    }

    /* before the fork, so new workers inherit nothing of the old cycle */
    hv_cycle_release(old, cycle);
    m->cycle = cycle;
    (void) hv_log_redirect_stderr(cycle->log);

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0) {
            m->procs[i].exiting = true;
        }
    }

    hv_master_start_workers(m);

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0 &&
            m->procs[i].generation != cycle->generation) {
            hv_master_tell(m, i, HV_CMD_QUIT);
        }
    }
}


static void
hv_master_reopen(hv_master_t *m)
{
    hv_int_t i;

    hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0, "reopening logs");
    hv_cycle_reopen_files(m->cycle);

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0) {
            hv_master_tell(m, i, HV_CMD_REOPEN);
        }
    }
}


/*
 * WINCH: the workers finish what they serve and exit; the master keeps
 * its sockets (a new binary accepts on them) and respawns nobody until
 * HUP or the new binary's exit.
 */
static void
hv_master_noaccept(hv_master_t *m)
{
    hv_int_t i;

    hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0,
        "gracefully shutting down worker processes");
    m->noaccepting = true;

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0 && !m->procs[i].exiting) {
            m->procs[i].exiting = true;
            hv_master_tell(m, i, HV_CMD_QUIT);
        }
    }
}


/* After WINCH: workers again, with the running configuration (rollback). */
static void
hv_master_restart(hv_master_t *m)
{
    hv_log_error(HV_LOG_NOTICE, m->cycle->log, 0,
        "starting worker processes again with the running configuration");
    m->noaccepting = false;
    hv_master_start_workers(m);
}


static hv_uint_t
hv_master_live(hv_master_t *m)
{
    hv_uint_t i, n;

    n = 0;
    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        if (m->procs[i].pid != 0) {
            n++;
        }
    }

    return n;
}


static int
hv_master_exit(hv_master_t *m)
{
    hv_cycle_t *cycle = m->cycle;

    hv_exit_master_hooks(cycle);

    /* hive.pid is the new master's now; ours is .oldbin */
    if (m->new_binary != 0) {
        hv_upgrade_pid_file_delete(cycle);
    } else {
        hv_pid_file_delete(cycle);
    }
    hv_log_error(HV_LOG_NOTICE, cycle->log, 0, "exit");

    free(m->pfds);
    free(m->ptags);
    free(m);

    /* the last cycle's pool, so that LeakSanitizer sees a clean exit */
    hv_pool_destroy(cycle->pool);

    return 0;
}
