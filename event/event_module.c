/*
 * event/event_module.c - the "events" block (module "events", a core
 * module) and the epoll event module ("epoll"), whose init_worker sets up
 * the whole event layer of a worker.
 *
 * One object, hv_event_conf_t, holds everything the block configures.  It
 * belongs to the events module (cycle->conf[HV_MODULE_events]); the block
 * setter points cycle->conf[HV_MODULE_epoll] at the same object before it
 * parses the block, so that the epoll module's directives, which the
 * dispatcher hands the epoll module's main-context object, are written by
 * the typed setters with plain offsets and no setter code of their own.
 */
#include "event/event_internal.h"


#define HV_EVENT_DEFAULT_CONNECTIONS 1024
#define HV_EVENT_DEFAULT_DELAY 500

/* epoll_wait() results per call: enough to amortise the call, small
 * enough that one batch does not delay timers. */
#define HV_EVENT_BATCH 512


static char *hv_events_block(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static void *hv_events_create_conf(hv_cycle_t *cycle);
static char *hv_events_init_conf(hv_cycle_t *cycle, void *conf);
static char *hv_epoll_set_use(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_epoll_init_module(hv_cycle_t *cycle);
static int hv_epoll_init_worker(hv_cycle_t *cycle);
static void hv_epoll_exit_worker(hv_cycle_t *cycle);
static int hv_event_channel_init(hv_cycle_t *cycle);
static void hv_event_channel_handler(hv_event_t *ev);
static void hv_event_begin_shutdown(hv_cycle_t *cycle);
static void hv_event_idle_timer_handler(hv_event_t *ev);
static bool hv_event_drained(hv_cycle_t *cycle);


static const hv_command_t hv_events_commands[] = {
    { "events", HV_MAIN_CONF | HV_CONF_BLOCK | HV_CONF_NOARGS, hv_events_block,
        HV_CONF_MAIN, 0, NULL, "—" },
    hv_null_command
};

static const hv_core_module_t hv_events_module_ctx = {
    .create_conf = hv_events_create_conf,
    .init_conf = hv_events_init_conf,
};

const hv_module_t hv_events_module = {
    .name = "events",
    .index = HV_MODULE_events,
    .type = HV_CORE_MODULE,
    .ctx = &hv_events_module_ctx,
    .commands = hv_events_commands,
};


static const hv_conf_bounds_t hv_epoll_connections_bounds = { 2, 1 << 20 };

static const hv_conf_enum_t hv_epoll_strategies[] = {
    { "mutex", HV_ACCEPT_MUTEX },
    { "exclusive", HV_ACCEPT_EXCLUSIVE },
    { "reuseport", HV_ACCEPT_REUSEPORT },
    { "handoff", HV_ACCEPT_HANDOFF },
    { NULL, 0 },
};

static const hv_command_t hv_epoll_commands[] = {
    { "worker_connections", HV_EVENT_CONF | HV_CONF_TAKE1, hv_conf_set_num_slot,
        HV_CONF_MAIN, offsetof(hv_event_conf_t, connections),
        &hv_epoll_connections_bounds, "1024" },
    { "accept_mutex", HV_EVENT_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_MAIN, offsetof(hv_event_conf_t, accept_mutex), NULL, "on" },
    { "accept_mutex_delay", HV_EVENT_CONF | HV_CONF_TAKE1,
        hv_conf_set_msec_slot, HV_CONF_MAIN,
        offsetof(hv_event_conf_t, accept_mutex_delay), NULL, "500ms" },
    { "multi_accept", HV_EVENT_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_MAIN, offsetof(hv_event_conf_t, multi_accept), NULL, "off" },
    { "use", HV_EVENT_CONF | HV_CONF_TAKE1, hv_epoll_set_use, HV_CONF_MAIN,
        offsetof(hv_event_conf_t, use), NULL, "epoll" },
    { "accept_strategy", HV_EVENT_CONF | HV_CONF_TAKE1, hv_conf_set_enum_slot,
        HV_CONF_MAIN, offsetof(hv_event_conf_t, strategy), hv_epoll_strategies,
        "mutex" },
    hv_null_command
};

const hv_module_t hv_epoll_module = {
    .name = "epoll",
    .index = HV_MODULE_epoll,
    .type = HV_EVENT_MODULE,
    .ctx = NULL,
    .commands = hv_epoll_commands,
    .init_module = hv_epoll_init_module,
    .init_worker = hv_epoll_init_worker,
    .exit_worker = hv_epoll_exit_worker,
};


const char *
hv_accept_strategy_name(hv_uint_t strategy)
{
    hv_uint_t i;

    for (i = 0; hv_epoll_strategies[i].name != NULL; i++) {
        if (hv_epoll_strategies[i].value == strategy) {
            return hv_epoll_strategies[i].name;
        }
    }

    return "unknown";
}


static void *
hv_events_create_conf(hv_cycle_t *cycle)
{
    hv_event_conf_t *ecf;

    ecf = hv_pcalloc(cycle->pool, sizeof(hv_event_conf_t));
    if (ecf == NULL) {
        return NULL;
    }

    ecf->connections = HV_CONF_UNSET_UINT;
    ecf->accept_mutex = HV_CONF_UNSET;
    ecf->accept_mutex_delay = HV_CONF_UNSET_MSEC;
    ecf->multi_accept = HV_CONF_UNSET;
    ecf->strategy = HV_CONF_UNSET_UINT;

    return ecf;
}


static char *
hv_events_block(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_event_conf_t *ecf = conf;
    hv_uint_t cmd_type, module_type;
    char *rv;

    (void) cmd;

    if (ecf->parsed) {
        return "is duplicate";
    }

    ecf->parsed = true;
    cf->ctx->main_conf[HV_MODULE_epoll] = ecf;

    cmd_type = cf->cmd_type;
    module_type = cf->module_type;
    cf->cmd_type = HV_EVENT_CONF;
    cf->module_type = HV_EVENT_MODULE;

    rv = hv_conf_parse(cf, NULL);

    cf->cmd_type = cmd_type;
    cf->module_type = module_type;

    return rv;
}


static char *
hv_epoll_set_use(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_event_conf_t *ecf = conf;
    hv_str_t *value = cf->args->elts;

    (void) cmd;

    if (ecf->use.data != NULL) {
        return "is duplicate";
    }

    if (!hv_str_eq_cstr(&value[1], "epoll")) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid event type \"%.*s\" (hive has only "
            "\"epoll\")",
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    ecf->use = value[1];

    return HV_CONF_OK;
}


static char *
hv_events_init_conf(hv_cycle_t *cycle, void *conf)
{
    hv_event_conf_t *ecf = conf;
    hv_listening_t *ls;
    hv_uint_t i;

    if (!ecf->parsed) {
        return "no \"events\" section in configuration";
    }

    cycle->conf[HV_MODULE_epoll] = ecf;

    hv_conf_merge_uint(
        &ecf->connections, HV_CONF_UNSET_UINT, HV_EVENT_DEFAULT_CONNECTIONS);
    hv_conf_merge_flag(&ecf->accept_mutex, HV_CONF_UNSET, 1);
    hv_conf_merge_msec(
        &ecf->accept_mutex_delay, HV_CONF_UNSET_MSEC, HV_EVENT_DEFAULT_DELAY);
    hv_conf_merge_flag(&ecf->multi_accept, HV_CONF_UNSET, 0);
    hv_str_set(&ecf->use, "epoll");

    /* accept_strategy wins; else nginx's accept_mutex meaning */
    ecf->strategy_set = ecf->strategy != HV_CONF_UNSET_UINT;

    if (!ecf->strategy_set) {
        ecf->strategy =
            ecf->accept_mutex ? HV_ACCEPT_MUTEX : HV_ACCEPT_EXCLUSIVE;
    }

#ifndef HV_HAVE_SO_REUSEPORT
    if (ecf->strategy == HV_ACCEPT_REUSEPORT) {
        return "accept_strategy reuseport needs SO_REUSEPORT, which this "
               "system lacks";
    }
#endif

    /*
     * "accept_strategy reuseport" means "listen ... reuseport" on every
     * socket; the sockets exist (the http block declared them while
     * parsing) but are not open yet, so the cycle clones them per worker.
     */
    if (ecf->strategy == HV_ACCEPT_REUSEPORT) {
        ls = cycle->listening.elts;
        for (i = 0; i < cycle->listening.nelts; i++) {
            ls[i].reuseport = 1;
        }
    }

    return HV_CONF_OK;
}


/* In the master: handoff makes it accept for everyone. */
static int
hv_epoll_init_module(hv_cycle_t *cycle)
{
    hv_event_conf_t *ecf = hv_event_conf(cycle);
    hv_core_conf_t *ccf = hv_core_conf(cycle);

    cycle->master_accepts =
        ecf->strategy == HV_ACCEPT_HANDOFF && ccf->master_process;

    return HV_OK;
}


static int
hv_epoll_init_worker(hv_cycle_t *cycle)
{
    hv_event_conf_t *ecf = hv_event_conf(cycle);
    bool worker;

    memset(&hv_event_worker, 0, sizeof(hv_event_worker_t));
    hv_event_worker.conf = ecf;

    if (cycle->shared != NULL && hv_process.slot >= 0 &&
        hv_process.slot < HV_MAX_PROCESSES) {
        hv_event_worker.stats = &cycle->shared->workers[hv_process.slot];
    }

    /*
     * Alone (master_process off) the mutex and the master's handoff have
     * nobody to share with: the process watches the sockets itself.
     */
    worker = hv_process.type == HV_PROCESS_WORKER;
    hv_event_worker.strategy = ecf->strategy;

    if (!worker && (ecf->strategy == HV_ACCEPT_MUTEX ||
                       ecf->strategy == HV_ACCEPT_HANDOFF)) {
        hv_event_worker.strategy = HV_ACCEPT_EXCLUSIVE;
    }

    hv_event_worker.mutex = hv_event_worker.strategy == HV_ACCEPT_MUTEX &&
                            hv_event_worker.stats != NULL;

    if (hv_event_worker.strategy == HV_ACCEPT_MUTEX && !hv_event_worker.mutex) {
        hv_event_worker.strategy = HV_ACCEPT_EXCLUSIVE;
    }

    if (hv_event_connections_init(cycle, ecf->connections) != HV_OK ||
        hv_epoll_init(cycle, hv_min(ecf->connections, HV_EVENT_BATCH)) !=
            HV_OK ||
        hv_event_timer_init(cycle->log) != HV_OK ||
        hv_accept_mutex_init(cycle) != HV_OK ||
        hv_event_listen_init(cycle) != HV_OK ||
        hv_event_channel_init(cycle) != HV_OK) {
        return HV_ERROR;
    }

    cycle->process_events = hv_event_process_events;
    cycle->begin_shutdown = hv_event_begin_shutdown;
    cycle->drained = hv_event_drained;
    cycle->handoff = hv_event_handoff;

    return HV_OK;
}


/*
 * The arrays are freed only when no client connection is open: after a
 * fast stop the pools of open connections stay reachable through them, so
 * a leak checker does not report memory the exiting process never owned
 * for long.
 */
static void
hv_epoll_exit_worker(hv_cycle_t *cycle)
{
    hv_accept_mutex_close(cycle);
    hv_epoll_done();
    hv_event_timer_done();

    if (hv_event_worker.clients == 0) {
        hv_event_connections_done(cycle);
    }
}


/*
 * The master's channel, level-triggered: core/worker.c reads every
 * message waiting; the commands themselves also arrive as signals, so
 * this mostly matters for handoff, where descriptors ride the channel.
 */
static int
hv_event_channel_init(hv_cycle_t *cycle)
{
    hv_connection_t *c;

    if (hv_process.type != HV_PROCESS_WORKER || hv_process.channel == -1) {
        return HV_OK;
    }

    c = hv_get_connection(cycle, hv_process.channel, cycle->log);
    if (c == NULL) {
        hv_log_error(
            HV_LOG_EMERG, cycle->log, 0, "no connection left for the channel");
        return HV_ERROR;
    }

    c->read->handler = hv_event_channel_handler;
    hv_event_worker.channel = c;

    return hv_event_add_listen(c->read, false);
}


/*
 * core/worker.c closes the channel when the master is gone, either from
 * the handler below or from its own loop; closing took the descriptor out
 * of the epoll set, only the connection is left to give back.
 */
void
hv_event_channel_check(hv_cycle_t *cycle)
{
    hv_connection_t *c = hv_event_worker.channel;

    if (c != NULL && hv_process.channel != c->fd) {
        c->read->active = 0;
        c->read->closed = 1;
        hv_free_connection(cycle, c);
        hv_event_worker.channel = NULL;
    }
}


static void
hv_event_channel_handler(hv_event_t *ev)
{
    hv_cycle_t *cycle = hv_event_worker.cycle;

    (void) ev;

    hv_worker_channel_read(cycle);
    hv_event_channel_check(cycle);
}


/*
 * Graceful stop: no more accepting here; idle connections are closed
 * after a short grace, so that a request already on its way over one of
 * them is served rather than met by a reset.
 */
static void
hv_event_begin_shutdown(hv_cycle_t *cycle)
{
    hv_event_t *ev = &hv_event_worker.idle_timer;

    hv_event_worker.closed = true;

    hv_accept_mutex_close(cycle);
    hv_event_listen_close(cycle);

    if (cycle->reusable_connections_n == 0) {
        hv_event_worker.idle_closed = true;
        return;
    }

    ev->handler = hv_event_idle_timer_handler;
    ev->data = cycle;
    hv_event_add_timer(ev, HV_SHUTDOWN_IDLE_GRACE);
}


static void
hv_event_idle_timer_handler(hv_event_t *ev)
{
    hv_event_worker.idle_closed = true;
    hv_close_idle_connections(ev->data);
}


static bool
hv_event_drained(hv_cycle_t *cycle)
{
    (void) cycle;

    return hv_event_worker.clients == 0 && hv_event_worker.pending_n == 0;
}
