/*
 * core/core_module.h - the main-context directives of the process model
 * (module "core") and the error log (module "errlog").
 *
 * The object lives in cycle->conf[HV_MODULE_core]; every field is filled
 * after parsing (unset fields get their defaults in init_conf), so code
 * that runs after hv_cycle_init() may read it without checks.
 */
#ifndef HV_CORE_MODULE_H
#define HV_CORE_MODULE_H

#include <sys/types.h>

typedef struct {
    hv_int_t worker_processes; /* "auto" resolved to the CPU count */
    int daemon;                /* flag: detach from the terminal */
    int master_process;        /* flag: off runs one process */
    hv_str_t pid;              /* absolute path of the pid file */

    hv_str_t user; /* "user NAME [GROUP]"; data NULL: none */
    hv_str_t group;
    uid_t uid;        /* resolved in init_conf, applied in */
    gid_t gid;        /* workers when the master runs as root */
    bool switch_user; /* true when the switch will happen */

    hv_int_t rlimit_nofile;     /* worker_rlimit_nofile, -1 when unset */
    hv_msec_t shutdown_timeout; /* worker_shutdown_timeout, 0: unbounded */
} hv_core_conf_t;

/* The core conf of a cycle that went through hv_cycle_init(). */
#define hv_core_conf(cycle) ((hv_core_conf_t *) hv_cycle_conf(cycle, core))

/* The default level of "error_log FILE" without a level (nginx's). */
#define HV_ERRLOG_DEFAULT_LEVEL HV_LOG_ERR

#endif /* HV_CORE_MODULE_H */
