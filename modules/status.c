/*
 * modules/status.c - "stub_status;": the connection and request counters
 * of every worker (SPEC 7, "status").
 *
 *     location = /status { stub_status; }
 *
 *     GET /status              nginx's text format, byte for byte:
 *         Active connections: 2
 *         server accepts handled requests
 *          17 17 40
 *         Reading: 0 Writing: 1 Waiting: 1
 *     GET /status?format=json  the same numbers and, per running worker,
 *                              its pid, slot and counters, plus the
 *                              accept strategy in force (a hive extension)
 *
 * The counters live in shared memory (cycle->shared->workers[], one cache
 * line per worker slot), kept by the event layer (accepted, handled,
 * active) and the HTTP engine (requests, reading, writing).  They are
 * read here without a lock: each field is one aligned word, so a reader
 * sees every value whole, and the sum is a snapshot that may be a few
 * requests stale, as nginx's is.  Counters of workers that exited stay in
 * their slot (the totals only grow across reloads); their gauges are
 * zeroed by the master when it reaps them.
 */
#include "http/http.h"


/* The totals over every slot. */
typedef struct {
    uint64_t accepted;
    uint64_t handled;
    uint64_t requests;
    int64_t active;
    int64_t reading;
    int64_t writing;
} hv_status_sum_t;


static char *hv_status(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_status_handler(hv_http_request_t *r);
static void hv_status_sum(const hv_shared_t *sh, hv_status_sum_t *sum);
static bool hv_status_want_json(const hv_str_t *args);
static int hv_status_text(hv_http_request_t *r, const hv_status_sum_t *s);
static int hv_status_json(hv_http_request_t *r, const hv_shared_t *sh,
    const hv_status_sum_t *s, const char *strategy);


static const hv_command_t hv_status_commands[] = {
    { "stub_status", HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_NOARGS,
        hv_status, HV_CONF_LOC, 0, NULL, "—" },
    hv_null_command
};

static const hv_http_module_t hv_status_module_ctx = {
    .create_loc_conf = NULL,
};

const hv_module_t hv_status_module = {
    .name = "status",
    .index = HV_MODULE_status,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_status_module_ctx,
    .commands = hv_status_commands,
};


static char *
hv_status(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf;

    (void) cmd;
    (void) conf;

    clcf = hv_http_conf_loc(cf, http_core);
    if (clcf->handler != NULL) {
        return "is duplicate (the location already has a handler)";
    }

    clcf->handler = hv_status_handler;

    return HV_CONF_OK;
}


static int
hv_status_handler(hv_http_request_t *r)
{
    static const hv_str_t allow = hv_string("GET, HEAD");
    hv_http_core_main_conf_t *cmcf = hv_http_core_main(r);
    hv_status_sum_t sum;
    const char *strategy;

    if (!(r->method & (HV_HTTP_GET | HV_HTTP_HEAD))) {
        if (hv_http_add_header_out(r, "Allow", &allow) == NULL) {
            return 500;
        }
        return 405;
    }

    if (cmcf->cycle == NULL || cmcf->cycle->shared == NULL) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "stub_status: no shared counters in this process");
        return 500;
    }

    hv_status_sum(cmcf->cycle->shared, &sum);

    if (hv_status_want_json(&r->args)) {
        strategy =
            hv_accept_strategy_name(hv_event_conf(cmcf->cycle)->strategy);
        return hv_status_json(r, cmcf->cycle->shared, &sum, strategy);
    }

    return hv_status_text(r, &sum);
}


static void
hv_status_sum(const hv_shared_t *sh, hv_status_sum_t *sum)
{
    const hv_worker_stats_t *w;
    hv_uint_t i;

    memset(sum, 0, sizeof(hv_status_sum_t));

    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        w = &sh->workers[i];
        sum->accepted += w->accepted;
        sum->handled += w->handled;
        sum->requests += w->requests;
        sum->active += w->active;
        sum->reading += w->reading;
        sum->writing += w->writing;
    }
}


/* true when the query has the argument "format=json". */
static bool
hv_status_want_json(const hv_str_t *args)
{
    static const char arg[] = "format=json";
    const unsigned char *p, *end, *amp;
    size_t n;

    p = args->data;
    end = args->data + args->len;

    while (p < end) {
        amp = memchr(p, '&', (size_t) (end - p));
        n = (size_t) ((amp != NULL ? amp : end) - p);
        if (n == sizeof(arg) - 1 && memcmp(p, arg, n) == 0) {
            return true;
        }
        p += n + 1;
    }

    return false;
}


static int
hv_status_text(hv_http_request_t *r, const hv_status_sum_t *s)
{
    static const hv_str_t type = hv_string("text/plain");
    hv_str_t body;
    size_t size;
    int n;

    /* 6 numbers of at most 20 digits and the fixed text */
    size = 6 * 20 + 128;

    body.data = hv_pnalloc(r->pool, size);
    if (body.data == NULL) {
        return 500;
    }

    n = snprintf((char *) body.data, size,
        "Active connections: %lld \n"
        "server accepts handled requests\n"
        " %llu %llu %llu \n"
        "Reading: %lld Writing: %lld Waiting: %lld \n",
        (long long) s->active, (unsigned long long) s->accepted,
        (unsigned long long) s->handled, (unsigned long long) s->requests,
        (long long) s->reading, (long long) s->writing,
        (long long) hv_max(s->active - s->reading - s->writing, 0));
    if (n < 0 || (size_t) n >= size) {
        return 500;
    }
    body.len = (size_t) n;

    return (int) hv_http_send_response(r, 200, &type, &body);
}


/*
 * The JSON page.  Every value is a number or a fixed ASCII name, so
 * nothing needs escaping; the buffer is sized for every slot in use.
 */
static int
hv_status_json(hv_http_request_t *r, const hv_shared_t *sh,
    const hv_status_sum_t *s, const char *strategy)
{
    static const hv_str_t type = hv_string("application/json");
    const hv_worker_stats_t *w;
    unsigned char *p, *end;
    hv_str_t body;
    size_t size;
    hv_uint_t i;
    bool first;

    /* per worker: 9 numbers of at most 20 digits and their names */
    size = 512 + strlen(strategy) + HV_MAX_PROCESSES * (9 * 20 + 160);

    body.data = hv_pnalloc(r->pool, size);
    if (body.data == NULL) {
        return 500;
    }
    p = body.data;
    end = body.data + size;

    p += snprintf((char *) p, (size_t) (end - p),
        "{\"active\":%lld,\"accepted\":%llu,\"handled\":%llu,"
        "\"requests\":%llu,\"reading\":%lld,\"writing\":%lld,"
        "\"waiting\":%lld,\"accept_strategy\":\"%s\",\"workers\":[",
        (long long) s->active, (unsigned long long) s->accepted,
        (unsigned long long) s->handled, (unsigned long long) s->requests,
        (long long) s->reading, (long long) s->writing,
        (long long) hv_max(s->active - s->reading - s->writing, 0), strategy);

    first = true;
    for (i = 0; i < HV_MAX_PROCESSES; i++) {
        w = &sh->workers[i];
        if (w->pid == 0) {
            continue;
        }
        p += snprintf((char *) p, (size_t) (end - p),
            "%s{\"slot\":%u,\"pid\":%lld,\"generation\":%llu,"
            "\"accepted\":%llu,\"handled\":%llu,\"requests\":%llu,"
            "\"active\":%lld,\"reading\":%lld,\"writing\":%lld}",
            first ? "" : ",", (unsigned) i, (long long) w->pid,
            (unsigned long long) w->generation,
            (unsigned long long) w->accepted, (unsigned long long) w->handled,
            (unsigned long long) w->requests, (long long) w->active,
            (long long) w->reading, (long long) w->writing);
        first = false;
    }

    p += snprintf((char *) p, (size_t) (end - p), "]}\n");
    body.len = (size_t) (p - body.data);

    return (int) hv_http_send_response(r, 200, &type, &body);
}
