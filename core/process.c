/*
 * core/process.c - what every process knows about itself, and signals.
 *
 * Handlers only set flags (STYLE 4).  The master keeps its signals
 * blocked and waits in ppoll() with an empty mask, so a signal can only
 * arrive while it waits and none is lost between a check and the wait.
 * Workers cannot do that (their wait is the event layer's epoll_wait()),
 * so a signal that lands just before epoll_wait() is noticed at the next
 * event or timer, as in nginx.
 */
#include "core/core.h"
#include "core/process_internal.h"


hv_process_state_t hv_process = {
    .type = HV_PROCESS_SINGLE,
    .slot = -1,
    .worker = -1,
    .channel = -1,
};

volatile sig_atomic_t hv_sig_reconfigure;
volatile sig_atomic_t hv_sig_terminate;
volatile sig_atomic_t hv_sig_quit;
volatile sig_atomic_t hv_sig_reopen;
volatile sig_atomic_t hv_sig_child;
volatile sig_atomic_t hv_sig_alarm;
volatile sig_atomic_t hv_sig_upgrade;
volatile sig_atomic_t hv_sig_noaccept;


typedef struct {
    int signo;
    const char *name; /* for "-s NAME" and logs */
} hv_signal_t;

static const hv_signal_t hv_signals[] = {
    { SIGHUP, "reload" },
    { SIGTERM, "stop" },
    { SIGINT, NULL },
    { SIGQUIT, "quit" },
    { SIGUSR1, "reopen" },
    { SIGCHLD, NULL },
    { SIGALRM, NULL },
    { SIGUSR2, NULL },
    { SIGWINCH, NULL },
};


static void
hv_signal_handler(int signo)
{
    switch (signo) {
        case SIGHUP:
            hv_sig_reconfigure = 1;
            break;
        case SIGTERM:
        case SIGINT:
            hv_sig_terminate = 1;
            break;
        case SIGQUIT:
            hv_sig_quit = 1;
            break;
        case SIGUSR1:
            hv_sig_reopen = 1;
            break;
        case SIGCHLD:
            hv_sig_child = 1;
            break;
        case SIGALRM:
            hv_sig_alarm = 1;
            break;
        case SIGUSR2:
            hv_sig_upgrade = 1;
            break;
        case SIGWINCH:
            hv_sig_noaccept = 1;
            break;
        default:
            break;
    }
}


int
hv_signals_init(hv_log_t *log)
{
    struct sigaction sa;
    hv_uint_t i;

    memset(&sa, 0, sizeof(struct sigaction));
    sigemptyset(&sa.sa_mask);

    /*
     * No SA_RESTART: a signal must interrupt the wait it arrives in
     * (ppoll, epoll_wait) so the loop sees the flag at once.
     */
    sa.sa_handler = hv_signal_handler;

    for (i = 0; i < hv_nelems(hv_signals); i++) {
        if (sigaction(hv_signals[i].signo, &sa, NULL) == -1) {
            hv_log_error(HV_LOG_EMERG, log, errno, "sigaction(%d) failed",
                hv_signals[i].signo);
            return HV_ERROR;
        }
    }

    /* a write to a closed connection reports EPIPE instead of killing */
    sa.sa_handler = SIG_IGN;

    if (sigaction(SIGPIPE, &sa, NULL) == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "sigaction(SIG_IGN) failed");
        return HV_ERROR;
    }

    return HV_OK;
}


void
hv_signals_master_set(sigset_t *set)
{
    hv_uint_t i;

    sigemptyset(set);

    for (i = 0; i < hv_nelems(hv_signals); i++) {
        sigaddset(set, hv_signals[i].signo);
    }
}


int
hv_signal_by_name(const char *name)
{
    hv_uint_t i;

    for (i = 0; i < hv_nelems(hv_signals); i++) {
        if (hv_signals[i].name != NULL &&
            strcmp(hv_signals[i].name, name) == 0) {
            return hv_signals[i].signo;
        }
    }

    return 0;
}


void
hv_exit_master_hooks(hv_cycle_t *cycle)
{
    hv_uint_t i;

    for (i = 0; hv_modules[i] != NULL; i++) {
        if (hv_modules[i]->exit_master != NULL) {
            hv_modules[i]->exit_master(cycle);
        }
    }
}
