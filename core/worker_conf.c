/*
 * core/worker_conf.c - the main-context directives that act in each new
 * worker: worker_priority, worker_cpu_affinity and env.
 *
 * They run after fork and only there, so the master keeps its own
 * priority, CPUs and environment (the HIVE variable a binary upgrade
 * passes stays with the masters).  A worker whose setpriority() or
 * sched_setaffinity() fails says so and serves anyway, as nginx's does.
 */
#include "core/core.h"
#include "core/process_internal.h"

#include <sys/resource.h>


extern char **environ;


static void hv_worker_set_affinity(hv_cycle_t *cycle, hv_core_conf_t *ccf);
static void hv_worker_env_restore(void *data);
static bool hv_env_named(const hv_array_t *env, const char *name);
static const char *hv_env_find(char *const *from, const char *name, size_t len);
static char *hv_env_pair(
    hv_pool_t *pool, const char *name, size_t len, const char *value);


int
hv_worker_apply_conf(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    char **env;

    if (ccf->priority != 0 &&
        setpriority(PRIO_PROCESS, 0, (int) ccf->priority) == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "setpriority(%ld) failed",
            (long) ccf->priority);
    }

    if (ccf->cpu_affinity != NULL) {
        hv_worker_set_affinity(cycle, ccf);
    }

    env = hv_env_build(cycle->pool, ccf->env, environ);
    if (env == NULL || hv_pool_cleanup_add(cycle->pool, hv_worker_env_restore,
                           environ) == NULL) {
        return HV_ERROR;
    }

    /* the array lives in the cycle's pool; when that goes, the master's
       environment comes back (and stays reachable, for LeakSanitizer) */
    environ = env;
    tzset(); /* localtime_r() reads TZ once: make it read the new one */

    return HV_OK;
}


static void
hv_worker_env_restore(void *data)
{
    environ = data;
}


/*
 * Worker N takes mask N (the last one when there are fewer masks than
 * workers); with "auto" it takes the (N mod count)-th CPU of the mask
 * that the master itself may run on.
 */
static void
hv_worker_set_affinity(hv_cycle_t *cycle, hv_core_conf_t *ccf)
{
    cpu_set_t *masks = ccf->cpu_affinity->elts;
    cpu_set_t set, allowed;
    hv_uint_t n, i, count;
    int cpu;

    n = (hv_process.worker > 0) ? (hv_uint_t) hv_process.worker : 0;

    if (!ccf->cpu_affinity_auto) {
        set = masks[hv_min(n, ccf->cpu_affinity->nelts - 1)];

    } else {
        if (sched_getaffinity(0, sizeof(cpu_set_t), &allowed) == -1) {
            hv_log_error(
                HV_LOG_ALERT, cycle->log, errno, "sched_getaffinity() failed");
            return;
        }
        CPU_AND(&allowed, &allowed, &masks[0]);

        count = (hv_uint_t) CPU_COUNT(&allowed);
        if (count == 0) {
            hv_log_error(HV_LOG_WARN, cycle->log, 0,
                "worker_cpu_affinity auto: the mask names no CPU this "
                "process may use, ignored");
            return;
        }

        n %= count;
        cpu = -1;
        for (i = 0; i < CPU_SETSIZE; i++) {
            if (CPU_ISSET(i, &allowed) && n-- == 0) {
                cpu = (int) i;
                break;
            }
        }

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
    }

    if (sched_setaffinity(0, sizeof(cpu_set_t), &set) == -1) {
        hv_log_error(
            HV_LOG_ALERT, cycle->log, errno, "sched_setaffinity() failed");
    }
}


char **
hv_env_build(hv_pool_t *pool, const hv_array_t *env, char *const *from)
{
    hv_str_t *vars = env->elts;
    const char *tz, *value;
    hv_uint_t i, n;
    char **out;

    out = hv_palloc(pool, (env->nelts + 2) * sizeof(char *));
    if (out == NULL) {
        return NULL;
    }
    n = 0;

    /* nginx keeps TZ unless told otherwise, so log times stay local */
    tz = hv_env_find(from, "TZ", 2);
    if (tz != NULL && !hv_env_named(env, "TZ")) {
        out[n] = hv_env_pair(pool, "TZ", 2, tz);
        if (out[n++] == NULL) {
            return NULL;
        }
    }

    for (i = 0; i < env->nelts; i++) {
        if (memchr(vars[i].data, '=', vars[i].len) != NULL) {
            out[n++] = (char *) vars[i].data; /* NUL-terminated */
            continue;
        }

        value = hv_env_find(from, (const char *) vars[i].data, vars[i].len);
        if (value == NULL) {
            continue;
        }

        out[n] =
            hv_env_pair(pool, (const char *) vars[i].data, vars[i].len, value);
        if (out[n++] == NULL) {
            return NULL;
        }
    }

    out[n] = NULL;
    return out;
}


/* True when env gives name, bare or as NAME=VALUE. */
static bool
hv_env_named(const hv_array_t *env, const char *name)
{
    hv_str_t *vars = env->elts;
    size_t len = strlen(name);
    hv_uint_t i;

    for (i = 0; i < env->nelts; i++) {
        if (vars[i].len >= len && memcmp(vars[i].data, name, len) == 0 &&
            (vars[i].len == len || vars[i].data[len] == '=')) {
            return true;
        }
    }

    return false;
}


/* "NAME=value" in pool: a copy, since `from` may change later. */
static char *
hv_env_pair(hv_pool_t *pool, const char *name, size_t len, const char *value)
{
    size_t size;
    char *s;

    size = len + 1 + strlen(value) + 1;
    s = hv_pnalloc(pool, size);
    if (s != NULL) {
        (void) snprintf(s, size, "%.*s=%s", (int) len, name, value);
    }

    return s;
}


/* The value of NAME (len bytes) in from, or NULL. */
static const char *
hv_env_find(char *const *from, const char *name, size_t len)
{
    hv_uint_t i;

    for (i = 0; from != NULL && from[i] != NULL; i++) {
        if (strncmp(from[i], name, len) == 0 && from[i][len] == '=') {
            return from[i] + len + 1;
        }
    }

    return NULL;
}
