/*
 * modules/echo_pid.c - "echo_pid;": answers with the serving worker's pid.
 *
 *     location = /pid { echo_pid; }
 *
 *     GET /pid  ->  200, text/plain, "Request handled by worker-4242\n"
 *
 * This is the template every new module starts from (STYLE 10).  A module
 * is one constant hv_module_t plus, for HTTP, an hv_http_module_t of
 * hooks; this one has a directive table and a per-location object (no
 * settings: a place for the worker's answer).  To write a new one, copy
 * this file, rename the hv_echo_pid_ prefix, and add one line to
 * auto/modules ("name source needs"); configure then puts the module in
 * the table and defines HV_MODULE_<name>.
 *
 * How a content module takes over a location: its directive runs while
 * the location is parsed and stores a handler in the core's loc conf
 * (clcf->handler).  When a request is routed to that location, the phase
 * engine calls the handler in the CONTENT phase instead of the generic
 * content handlers (static, index).  The handler returns what the request
 * should be finalized with: the result of sending a response, or an HTTP
 * status for the engine to answer with a standard page.
 */
#include "http/http.h"


#define HV_ECHO_PID_TEXT "Request handled by worker-"

/*
 * The per-location object.  It holds no setting but the answer, made on
 * a worker's first request and reused while the pid stays: formatting
 * it anew cost ~100 instructions per request (callgrind, /pid).  Each
 * worker writes its own copy (the configuration is copied at fork()).
 */
typedef struct {
    pid_t pid; /* whose answer body holds; 0: none yet */
    hv_str_t body;
    unsigned char text[sizeof(HV_ECHO_PID_TEXT) + 20 + 1];
} hv_echo_pid_loc_conf_t;


static void *hv_echo_pid_create_loc_conf(hv_conf_t *cf);
static char *hv_echo_pid(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_echo_pid_handler(hv_http_request_t *r);


/*
 * The directive table: name, where it is allowed and how many arguments,
 * the setter, which conf object the setter receives (and the field
 * offset, for the typed setters), and setter-specific data.
 */
static const hv_command_t hv_echo_pid_commands[] = {
    { "echo_pid", HV_HTTP_LOC_CONF | HV_CONF_NOARGS, hv_echo_pid, HV_CONF_LOC,
        0, NULL, "—" },
    hv_null_command
};

/*
 * The HTTP hooks.  echo_pid has no settings, so its location object
 * needs no merge_loc_conf; a module with settings adds one here (it
 * inherits what a location left unset), and postconfiguration to join a
 * phase or the filter chain.
 */
static const hv_http_module_t hv_echo_pid_module_ctx = {
    .create_loc_conf = hv_echo_pid_create_loc_conf,
};

const hv_module_t hv_echo_pid_module = {
    .name = "echo_pid",
    .index = HV_MODULE_echo_pid,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_echo_pid_module_ctx,
    .commands = hv_echo_pid_commands,
};


/* One per location context (http, server, location), zeroed. */
static void *
hv_echo_pid_create_loc_conf(hv_conf_t *cf)
{
    return hv_pcalloc(cf->pool, sizeof(hv_echo_pid_loc_conf_t));
}


/* The setter: the location's requests are this module's from now on. */
static char *
hv_echo_pid(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf;

    (void) cmd;
    (void) conf; /* our own loc conf: there is none */

    clcf = hv_http_conf_loc(cf, http_core);
    if (clcf->handler != NULL) {
        return "is duplicate (the location already has a handler)";
    }

    clcf->handler = hv_echo_pid_handler;

    return HV_CONF_OK;
}


/*
 * Runs in the worker for every request of the location.  The body lives
 * in the configuration, which outlives the response being sent.
 */
static int
hv_echo_pid_handler(hv_http_request_t *r)
{
    static const hv_str_t type = hv_string("text/plain");
    static const hv_str_t allow = hv_string("GET, HEAD");
    hv_echo_pid_loc_conf_t *conf = hv_http_loc_conf(r, echo_pid);
    unsigned char *p;

    if (!(r->method & (HV_HTTP_GET | HV_HTTP_HEAD))) {
        if (hv_http_add_header_out(r, "Allow", &allow) == NULL) {
            return 500;
        }
        return 405;
    }

    /* hv_process.pid is the pid the worker cached after fork() */
    if (conf->pid != hv_process.pid) {
        p = hv_cpymem(
            conf->text, HV_ECHO_PID_TEXT, sizeof(HV_ECHO_PID_TEXT) - 1);
        p = hv_sprint_uint(p, (uint64_t) hv_process.pid);
        *p++ = '\n';
        conf->body.data = conf->text;
        conf->body.len = (size_t) (p - conf->text);
        conf->pid = hv_process.pid;
    }

    /* HEAD: the engine sends the header with the length, not the body */
    return (int) hv_http_send_response(r, 200, &type, &conf->body);
}
