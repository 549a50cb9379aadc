/*
 * core/core_module.c - the main-context directives of the process model
 * (module "core") and "error_log" (module "errlog").
 *
 * Unlike nginx, hive does not fall back to "user nobody" when started as
 * root: without a "user" directive the workers keep the invoking user, so
 * that what runs is what the operator started.  "user" itself behaves as
 * in nginx: applied in the workers when the master runs as root, ignored
 * with a warning otherwise.
 */
#include "core/core.h"

#include <grp.h>
#include <pwd.h>


/*
 * A reload runs the old and the new generation side by side, so one
 * generation may use at most half of the process table.
 */
#define HV_WORKER_PROCESSES_MAX (HV_MAX_PROCESSES / 2)


static void *hv_core_create_conf(hv_cycle_t *cycle);
static char *hv_core_init_conf(hv_cycle_t *cycle, void *conf);
static char *hv_core_set_worker_processes(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_core_set_user(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_core_resolve_user(hv_cycle_t *cycle, hv_core_conf_t *ccf);
static char *hv_core_set_cpu_affinity(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static int hv_core_parse_cpu_mask(
    hv_conf_t *cf, const hv_str_t *text, cpu_set_t *set);
static char *hv_core_set_priority(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_core_set_env(
    hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_errlog_set(hv_conf_t *cf, const hv_command_t *cmd, void *conf);
static char *hv_errlog_init_conf(hv_cycle_t *cycle, void *conf);


static const hv_conf_bounds_t hv_core_rlimit_bounds = { 1, 1 << 24 };

static const hv_command_t hv_core_commands[] = {
    { "worker_processes", HV_MAIN_CONF | HV_CONF_TAKE1,
        hv_core_set_worker_processes, HV_CONF_MAIN, 0, NULL, "1" },
    { "daemon", HV_MAIN_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_MAIN, offsetof(hv_core_conf_t, daemon), NULL, "on" },
    { "master_process", HV_MAIN_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_MAIN, offsetof(hv_core_conf_t, master_process), NULL, "on" },
    { "pid", HV_MAIN_CONF | HV_CONF_TAKE1, hv_conf_set_path_slot, HV_CONF_MAIN,
        offsetof(hv_core_conf_t, pid), NULL, "logs/hive.pid" },
    { "user", HV_MAIN_CONF | HV_CONF_TAKE12, hv_core_set_user, HV_CONF_MAIN, 0,
        NULL, "—" },
    { "worker_rlimit_nofile", HV_MAIN_CONF | HV_CONF_TAKE1,
        hv_conf_set_num_slot, HV_CONF_MAIN,
        offsetof(hv_core_conf_t, rlimit_nofile), &hv_core_rlimit_bounds, "—" },
    { "worker_shutdown_timeout", HV_MAIN_CONF | HV_CONF_TAKE1,
        hv_conf_set_msec_slot, HV_CONF_MAIN,
        offsetof(hv_core_conf_t, shutdown_timeout), NULL, "0" },
    { "worker_cpu_affinity", HV_MAIN_CONF | HV_CONF_1MORE,
        hv_core_set_cpu_affinity, HV_CONF_MAIN, 0, NULL, "—" },
    { "worker_priority", HV_MAIN_CONF | HV_CONF_TAKE1, hv_core_set_priority,
        HV_CONF_MAIN, 0, NULL, "0" },
    { "pcre_jit", HV_MAIN_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_MAIN, offsetof(hv_core_conf_t, pcre_jit), NULL, "off" },
    { "env", HV_MAIN_CONF | HV_CONF_TAKE1, hv_core_set_env, HV_CONF_MAIN, 0,
        NULL, "TZ" },
    hv_null_command
};

static const hv_core_module_t hv_core_module_ctx = {
    .create_conf = hv_core_create_conf,
    .init_conf = hv_core_init_conf,
};

const hv_module_t hv_core_module = {
    .name = "core",
    .index = HV_MODULE_core,
    .type = HV_CORE_MODULE,
    .ctx = &hv_core_module_ctx,
    .commands = hv_core_commands,
};


static const hv_command_t hv_errlog_commands[] = {
    { "error_log", HV_MAIN_CONF | HV_CONF_TAKE12, hv_errlog_set, HV_CONF_MAIN,
        0, NULL, "logs/error.log error" },
    hv_null_command
};

static const hv_core_module_t hv_errlog_module_ctx = {
    .create_conf = NULL,
    .init_conf = hv_errlog_init_conf,
};

const hv_module_t hv_errlog_module = {
    .name = "errlog",
    .index = HV_MODULE_errlog,
    .type = HV_CORE_MODULE,
    .ctx = &hv_errlog_module_ctx,
    .commands = hv_errlog_commands,
};


static void *
hv_core_create_conf(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf;

    ccf = hv_pcalloc(cycle->pool, sizeof(hv_core_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    ccf->worker_processes = HV_CONF_UNSET;
    ccf->daemon = HV_CONF_UNSET;
    ccf->master_process = HV_CONF_UNSET;
    ccf->rlimit_nofile = HV_CONF_UNSET;
    ccf->shutdown_timeout = HV_CONF_UNSET_MSEC;
    ccf->pcre_jit = HV_CONF_UNSET;

    return ccf;
}


static char *
hv_core_init_conf(hv_cycle_t *cycle, void *conf)
{
    hv_core_conf_t *ccf = conf;

    if (ccf->worker_processes == HV_CONF_UNSET) {
        ccf->worker_processes = 1;
    }
    if (ccf->daemon == HV_CONF_UNSET) {
        ccf->daemon = 1;
    }
    if (ccf->master_process == HV_CONF_UNSET) {
        ccf->master_process = 1;
    }
    if (ccf->shutdown_timeout == HV_CONF_UNSET_MSEC) {
        ccf->shutdown_timeout = 0;
    }
    if (ccf->pcre_jit == HV_CONF_UNSET) {
        ccf->pcre_jit = 0;
    }
    if (ccf->env == NULL) {
        ccf->env = hv_array_create(cycle->pool, 1, sizeof(hv_str_t));
        if (ccf->env == NULL) {
            return HV_CONF_ERROR;
        }
    }

    if (ccf->pid.data == NULL) {
        hv_str_set(&ccf->pid, HV_PID_PATH);
        if (hv_conf_full_name(cycle, &ccf->pid, false) != HV_OK) {
            return HV_CONF_ERROR;
        }
    }

    if (ccf->user.data != NULL) {
        return hv_core_resolve_user(cycle, ccf);
    }

    return HV_CONF_OK;
}


/* Looks the user up now so that a typo fails the start, not the fork. */
static char *
hv_core_resolve_user(hv_cycle_t *cycle, hv_core_conf_t *ccf)
{
    struct passwd *pw;
    struct group *gr;

    if (geteuid() != 0) {
        hv_log_error(HV_LOG_WARN, cycle->log, 0,
            "the \"user\" directive makes sense only if the master "
            "process runs with super-user privileges, ignored");
        return HV_CONF_OK;
    }

    errno = 0;
    pw = getpwnam((const char *) ccf->user.data);
    if (pw == NULL) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "getpwnam(\"%s\") failed",
            (char *) ccf->user.data);
        return HV_CONF_ERROR;
    }
    ccf->uid = pw->pw_uid;
    ccf->gid = pw->pw_gid;

    if (ccf->group.data != NULL) {
        errno = 0;
        gr = getgrnam((const char *) ccf->group.data);
        if (gr == NULL) {
            hv_log_error(HV_LOG_EMERG, cycle->log, errno,
                "getgrnam(\"%s\") failed", (char *) ccf->group.data);
            return HV_CONF_ERROR;
        }
        ccf->gid = gr->gr_gid;
    }

    ccf->switch_user = true;
    return HV_CONF_OK;
}


static char *
hv_core_set_worker_processes(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_core_conf_t *ccf = conf;
    hv_str_t *value = cf->args->elts;
    long ncpu;
    int64_t n;

    (void) cmd;

    if (ccf->worker_processes != HV_CONF_UNSET) {
        return "is duplicate";
    }

    if (hv_str_eq_cstr(&value[1], "auto")) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        ccf->worker_processes =
            hv_min(hv_max(ncpu, 1), HV_WORKER_PROCESSES_MAX);
        return HV_CONF_OK;
    }

    n = hv_atoi(value[1].data, value[1].len, HV_WORKER_PROCESSES_MAX);
    if (n < 1) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid value \"%.*s\" in \"worker_processes\" "
            "directive, it must be \"auto\" or a number from "
            "1 to %d",
            (int) value[1].len, value[1].data, HV_WORKER_PROCESSES_MAX);
        return HV_CONF_ERROR;
    }

    ccf->worker_processes = n;
    return HV_CONF_OK;
}


static char *
hv_core_set_user(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_core_conf_t *ccf = conf;
    hv_str_t *value = cf->args->elts;

    (void) cmd;

    if (ccf->user.data != NULL) {
        return "is duplicate";
    }

    /* NUL-terminated copies in the cycle's pool, for getpwnam() later */
    ccf->user.len = value[1].len;
    ccf->user.data = hv_pstrdup(cf->pool, value[1].data, value[1].len);
    if (ccf->user.data == NULL) {
        return HV_CONF_ERROR;
    }

    if (cf->args->nelts == 3) {
        ccf->group.len = value[2].len;
        ccf->group.data = hv_pstrdup(cf->pool, value[2].data, value[2].len);
        if (ccf->group.data == NULL) {
            return HV_CONF_ERROR;
        }
    }

    return HV_CONF_OK;
}


/*
 * "worker_cpu_affinity auto [MASK]" or "worker_cpu_affinity MASK ...",
 * nginx's bit strings: the rightmost character is CPU 0 ("0101" is CPUs
 * 0 and 2).
 */
static char *
hv_core_set_cpu_affinity(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_core_conf_t *ccf = conf;
    hv_str_t *value = cf->args->elts;
    cpu_set_t *set;
    hv_uint_t i, first;

    (void) cmd;

    if (ccf->cpu_affinity != NULL) {
        return "is duplicate";
    }

    first = 1;
    if (hv_str_eq_cstr(&value[1], "auto")) {
        if (cf->args->nelts > 3) {
            return "takes \"auto\" and at most one mask";
        }
        ccf->cpu_affinity_auto = true;
        first = 2;
    }

    ccf->cpu_affinity = hv_array_create(cf->pool, 4, sizeof(cpu_set_t));
    if (ccf->cpu_affinity == NULL) {
        return HV_CONF_ERROR;
    }

    if (ccf->cpu_affinity_auto && cf->args->nelts == 2) {
        set = hv_array_push(ccf->cpu_affinity);
        if (set == NULL) {
            return HV_CONF_ERROR;
        }
        CPU_ZERO(set);
        for (i = 0; i < CPU_SETSIZE; i++) {
            CPU_SET(i, set); /* "auto" alone: any CPU */
        }
        return HV_CONF_OK;
    }

    for (i = first; i < cf->args->nelts; i++) {
        set = hv_array_push(ccf->cpu_affinity);
        if (set == NULL ||
            hv_core_parse_cpu_mask(cf, &value[i], set) != HV_OK) {
            return HV_CONF_ERROR;
        }
    }

    return HV_CONF_OK;
}


static int
hv_core_parse_cpu_mask(hv_conf_t *cf, const hv_str_t *text, cpu_set_t *set)
{
    size_t i, cpu;

    CPU_ZERO(set);

    if (text->len == 0 || text->len > CPU_SETSIZE) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid mask \"%.*s\" in \"worker_cpu_affinity\", it must "
            "have 1 to %d characters",
            (int) text->len, text->data, CPU_SETSIZE);
        return HV_ERROR;
    }

    for (i = 0; i < text->len; i++) {
        cpu = text->len - 1 - i;
        if (text->data[i] == '1') {
            CPU_SET(cpu, set);
        } else if (text->data[i] != '0') {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid character \"%c\" in \"worker_cpu_affinity\"",
                text->data[i]);
            return HV_ERROR;
        }
    }

    if (CPU_COUNT(set) == 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "mask \"%.*s\" in \"worker_cpu_affinity\" names no CPU",
            (int) text->len, text->data);
        return HV_ERROR;
    }

    return HV_OK;
}


/* "worker_priority N", -20 (most favoured) to 19, as nice(1). */
static char *
hv_core_set_priority(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_core_conf_t *ccf = conf;
    hv_str_t *value = cf->args->elts;
    bool minus;
    int64_t n;

    (void) cmd;

    if (ccf->priority_set) {
        return "is duplicate";
    }

    minus = (value[1].len > 1 && value[1].data[0] == '-');
    n = hv_atoi(value[1].data + minus, value[1].len - minus, 20);
    if (n == HV_ERROR || (minus ? -n < -20 : n > 19)) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid value \"%.*s\" in \"worker_priority\" directive, it "
            "must be a number from -20 to 19",
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    ccf->priority = minus ? -n : n;
    ccf->priority_set = true;
    return HV_CONF_OK;
}


/* "env NAME" keeps NAME from the master's environment; "env NAME=VALUE". */
static char *
hv_core_set_env(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_core_conf_t *ccf = conf;
    hv_str_t *value = cf->args->elts;
    hv_str_t *var;

    (void) cmd;

    if (value[1].len == 0 || value[1].data[0] == '=') {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid variable \"%.*s\" in \"env\" directive",
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    if (ccf->env == NULL) {
        ccf->env = hv_array_create(cf->pool, 4, sizeof(hv_str_t));
        if (ccf->env == NULL) {
            return HV_CONF_ERROR;
        }
    }

    var = hv_array_push(ccf->env);
    if (var == NULL) {
        return HV_CONF_ERROR;
    }

    /* the word is NUL-terminated in the cycle's pool (the lexer's) */
    *var = value[1];
    return HV_CONF_OK;
}


/* Points log at the file called name (resolved against the prefix). */
static char *
hv_errlog_open(hv_cycle_t *cycle, hv_log_t *log, hv_str_t *name)
{
    if (!hv_str_eq_cstr(name, "stderr") &&
        hv_conf_full_name(cycle, name, false) != HV_OK) {
        return HV_CONF_ERROR;
    }

    log->file = hv_cycle_log_file(cycle, name);
    if (log->file == NULL) {
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


/*
 * "error_log FILE [LEVEL]": the first one becomes cycle->new_log, each
 * further one is chained behind it (log->next), as nginx allows several.
 */
static char *
hv_errlog_set(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_cycle_t *cycle = cf->cycle;
    hv_str_t *value = cf->args->elts;
    hv_str_t name;
    hv_log_t *log, *last;
    int level;

    (void) cmd;
    (void) conf;

    level = HV_ERRLOG_DEFAULT_LEVEL;
    if (cf->args->nelts == 3) {
        level = hv_log_level_parse(&value[2]);
        if (level == HV_ERROR) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid log level \"%.*s\"",
                (int) value[2].len, value[2].data);
            return HV_CONF_ERROR;
        }
    }

    if (cycle->new_log.file == NULL) {
        log = &cycle->new_log;

    } else {
        log = hv_pcalloc(cf->pool, sizeof(hv_log_t));
        if (log == NULL) {
            return HV_CONF_ERROR;
        }
        for (last = &cycle->new_log; last->next != NULL; last = last->next) {
            /* find the end of the chain */
        }
        last->next = log;
    }

    log->level = level;
    name = value[1];

    return hv_errlog_open(cycle, log, &name);
}


/* Without "error_log" the -e file (or the built-in default) is the log. */
static char *
hv_errlog_init_conf(hv_cycle_t *cycle, void *conf)
{
    hv_str_t name;

    (void) conf;

    if (cycle->new_log.file != NULL) {
        return HV_CONF_OK;
    }

    cycle->new_log.level = HV_ERRLOG_DEFAULT_LEVEL;
    name = cycle->error_log;

    return hv_errlog_open(cycle, &cycle->new_log, &name);
}
