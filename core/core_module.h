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

#include <sched.h>
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

    /*
     * worker_cpu_affinity: the masks in order (worker N takes mask N, the
     * last one past the end), or with cpu_affinity_auto one mask of the
     * CPUs "auto" may use (every CPU when none was given).  NULL: none.
     */
    bool cpu_affinity_auto;
    hv_array_t *cpu_affinity; /* cpu_set_t */

    hv_int_t priority; /* worker_priority, -20..19; 0: left alone */
    bool priority_set;
    int pcre_jit;    /* flag: JIT-compile the regexes (http/regex.c) */
    hv_array_t *env; /* "env": hv_str_t NAME or NAME=VALUE; never NULL
                        after init_conf (TZ is always kept) */
} hv_core_conf_t;

/* The core conf of a cycle that went through hv_cycle_init(). */
#define hv_core_conf(cycle) ((hv_core_conf_t *) hv_cycle_conf(cycle, core))

/*
 * In a new worker (or the single process), before the user switch and
 * the modules' init_worker hooks: worker_priority, worker_cpu_affinity
 * for worker number hv_process.worker, and the environment "env" keeps
 * (core/worker_conf.c).  A failed setpriority() or sched_setaffinity() is
 * logged and the worker goes on; HV_ERROR only when out of memory.
 */
int hv_worker_apply_conf(hv_cycle_t *cycle);

/*
 * The environment of a worker, as nginx makes it: TZ from `from` (unless
 * env names TZ), then every entry of env (hv_str_t), "NAME=VALUE" as
 * given and a bare "NAME" with its value in `from` (left out when `from`
 * has none).  Returns a NULL-terminated array in pool, or NULL when out
 * of memory.  Nothing else of `from` is kept (the master's own, e.g. the
 * HIVE variable of a binary upgrade, stays in the master).
 */
char **hv_env_build(hv_pool_t *pool, const hv_array_t *env, char *const *from);

/* The default level of "error_log FILE" without a level (nginx's). */
#define HV_ERRLOG_DEFAULT_LEVEL HV_LOG_ERR

#endif /* HV_CORE_MODULE_H */
