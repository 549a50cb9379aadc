/*
 * http/http_core_internal.h - what the files of the HTTP core's
 * configuration side (http_block.c, core_module.c, core_setters.c,
 * location.c, virtual_server.c, phase.c, mime.c, access_log.c,
 * map_path.c, regex.c, variables*.c) share with each other; not part of the
 * HTTP layer's public interface.
 */
#ifndef HV_HTTP_CORE_INTERNAL_H
#define HV_HTTP_CORE_INTERNAL_H

#include "http/http.h"


/* One entry of the flattened phase engine (see core_module.h). */
typedef struct hv_http_phase_handler_s hv_http_phase_handler_t;

/* Runs ph->handler with the phase's rules; HV_AGAIN runs the next entry
 * (r->phase_handler was moved), HV_OK stops the engine. */
typedef int (*hv_http_phase_checker_pt)(
    hv_http_request_t *r, hv_http_phase_handler_t *ph);

struct hv_http_phase_handler_s {
    hv_http_phase_checker_pt checker; /* NULL ends the array */
    hv_http_handler_pt handler;
    hv_uint_t next; /* first entry of the next phase */
};


/* The options of one "listen" that belong to the socket. */
typedef struct {
    int backlog; /* -1: the default */
    unsigned default_server:1;
    unsigned ssl:1;
    unsigned reuseport:1;
    unsigned deferred:1;
    unsigned bind:1; /* a socket of its own, even under a
                        wildcard of the same port */
    unsigned ipv6only:1;
    unsigned ipv6only_set:1;
    unsigned set:1; /* a socket option was given */
} hv_http_listen_opt_t;

/*
 * One listen address while the http block is parsed (cmcf->ports): the
 * servers that listen on it, in order, and the socket options.
 */
typedef struct {
    hv_sockaddr_t sockaddr;
    socklen_t socklen;
    char text[HV_SOCKADDR_STRLEN]; /* "127.0.0.1:8080", for messages */
    hv_http_listen_opt_t opt;
    hv_array_t servers;                      /* hv_http_core_srv_conf_t * */
    hv_http_core_srv_conf_t *default_server; /* "default_server" */
} hv_http_conf_addr_t;


/* A compiled "~regex" server name, in the order given. */
typedef struct {
    hv_str_t name; /* as written, for messages */
    void *code;    /* pcre2_code * */
} hv_http_regex_name_t;


/* http/http_block.c: every HTTP module's objects for a new context. */
#define HV_HTTP_CREATE_MAIN 0x1
#define HV_HTTP_CREATE_SRV 0x2
#define HV_HTTP_CREATE_LOC 0x4
int hv_http_create_module_confs(
    hv_conf_t *cf, hv_conf_ctx_t *ctx, unsigned which);

/* http/core_setters.c: http_core directives with setters of their own. */
char *hv_http_core_root(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_index(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_keepalive_timeout(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_keepalive_disable(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_large_buffers(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_max_body(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_error_page(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_add_header(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_return(hv_conf_t *cf, const hv_command_t *cmd, void *conf);

/* http/virtual_server.c: "listen" and "server_name". */
char *hv_http_core_listen(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_server_name(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
/* Adds "listen *:80" to a server that has none (nginx's default). */
int hv_http_add_default_listen(hv_conf_t *cf, hv_http_core_srv_conf_t *cscf);
/* Turns cmcf->ports into the cycle's listening sockets. */
int hv_http_init_listening(hv_conf_t *cf, hv_http_core_main_conf_t *cmcf);

/* http/location.c: the "location" block and its checks. */
char *hv_http_core_location(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
/* http/regex.c (with hv_http_regex_exec() in variables.h). */
/*
 * Compiles a regex for locations and server names (caseless when asked)
 * into cf->pool's lifetime (a pool cleanup frees it).  Returns the
 * pcre2_code, or NULL after logging "pcre2_compile() failed" with the
 * position, or the "not supported" message in a build without PCRE2.
 */
void *hv_http_regex_compile(
    hv_conf_t *cf, const hv_str_t *pattern, bool caseless);
/* true when the regex matches somewhere in subject, keeping no captures;
 * a matching error counts as no match and is logged. */
bool hv_http_regex_match(void *code, const hv_str_t *subject, hv_log_t *log);
/* init_module of http_core: with "pcre_jit on", JIT-compiles every regex
 * of the new configuration (once, in the master: workers share the code);
 * pcre_jit is a main-context directive that may follow http { }, so this
 * cannot happen as each regex is compiled.  Always HV_OK. */
int hv_http_regex_init_module(hv_cycle_t *cycle);

/* http/reload_summary.c, init_module of "http": on a reload (the new
 * cycle's old_cycle has a configuration, not -t), logs at notice
 * "reload: servers +A -R ~C, locations +A -R ~C" comparing the two
 * configurations.  Always HV_OK: a summary never stops a reload. */
int hv_http_reload_summary(hv_cycle_t *cycle);

/* http/phase.c: builds cmcf->phase_engine after postconfiguration. */
int hv_http_init_phase_engine(hv_conf_t *cf, hv_http_core_main_conf_t *cmcf);

/* http/mime.c: "types { }", and the merge of types with their hash. */
char *hv_http_core_types(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
int hv_http_types_merge(hv_conf_t *cf, hv_http_core_loc_conf_t *prev,
    hv_http_core_loc_conf_t *conf);

/* http/access_log.c: "access_log", "log_format", the LOG handler. */
char *hv_http_core_access_log(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
char *hv_http_core_log_format(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
/* Fills an unset access log of conf from prev, else the default
 * (logs/access.log, combined) at the http level. */
int hv_http_access_log_merge(hv_conf_t *cf, hv_http_core_loc_conf_t *prev,
    hv_http_core_loc_conf_t *conf);
int hv_http_access_log_handler(hv_http_request_t *r);
/* A hv_http_loc_conf_test_pt: this block writes an access log. */
bool hv_http_access_log_used(void **loc_conf);
/* Writes out the buffered lines of every access log (worker exit). */
void hv_http_access_log_exit_worker(hv_cycle_t *cycle);

#endif /* HV_HTTP_CORE_INTERNAL_H */
