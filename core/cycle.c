/*
 * core/cycle.c - building one configuration generation (STYLE 26).
 *
 * hv_cycle_init() is a list of small steps; each one either succeeds or
 * logs and fails, and a failure undoes everything the new cycle opened
 * without touching the old cycle, so a reload with a broken file changes
 * nothing.  The old cycle is only modified by hv_cycle_release(), after
 * the new one is complete.
 */
#include "core/core.h"
#include "core/cycle_internal.h"


/* Configuration is small; one 16k block holds most of a simple server. */
#define HV_CYCLE_POOL_SIZE (16 * 1024)


static hv_cycle_t *hv_cycle_create(hv_cycle_t *old);
static int hv_cycle_copy_str(
    hv_cycle_t *cycle, hv_str_t *dst, const hv_str_t *src);
static int hv_cycle_open_files(hv_cycle_t *cycle);
static int hv_cycle_init_modules(hv_cycle_t *cycle);
static void hv_cycle_close_files(hv_cycle_t *cycle);
static void hv_cycle_abort(hv_cycle_t *cycle);
static int hv_log_file_open(hv_log_file_t *file);


hv_cycle_t *
hv_cycle_init(hv_cycle_t *old)
{
    hv_cycle_t *cycle;

    cycle = hv_cycle_create(old);
    if (cycle == NULL) {
        return NULL;
    }

    if (hv_cycle_create_confs(cycle) != HV_OK ||
        hv_cycle_parse_text(cycle, "command line", cycle->conf_param.data,
            cycle->conf_param.len, &cycle->conf_file) != HV_OK ||
        hv_cycle_init_confs(cycle) != HV_OK ||
        hv_cycle_open_files(cycle) != HV_OK ||
        hv_shm_zones_map(cycle, old) != HV_OK ||
        (!cycle->test_config && hv_listening_open(cycle) != HV_OK) ||
        hv_cycle_init_modules(cycle) != HV_OK) {
        hv_cycle_abort(cycle);
        return NULL;
    }

    cycle->log = &cycle->new_log;
    hv_pool_set_log(cycle->pool, cycle->log);
    cycle->old_cycle = NULL;

    return cycle;
}


/* The empty cycle: names copied from old, arrays ready for the parser. */
static hv_cycle_t *
hv_cycle_create(hv_cycle_t *old)
{
    hv_pool_t *pool;
    hv_cycle_t *cycle;

    pool = hv_pool_create(HV_CYCLE_POOL_SIZE, old->log);
    if (pool == NULL) {
        return NULL;
    }

    cycle = hv_pcalloc(pool, sizeof(hv_cycle_t));
    if (cycle == NULL) {
        goto failed;
    }

    cycle->pool = pool;
    cycle->log = old->log;
    cycle->old_cycle = old;
    cycle->shared = old->shared;
    cycle->test_config = old->test_config;
    cycle->generation = old->generation + 1;
    hv_queue_init(&cycle->reusable_connections);

    if (hv_cycle_copy_str(cycle, &cycle->conf_file, &old->conf_file) != HV_OK ||
        hv_cycle_copy_str(cycle, &cycle->conf_param, &old->conf_param) !=
            HV_OK ||
        hv_cycle_copy_str(cycle, &cycle->prefix, &old->prefix) != HV_OK ||
        hv_cycle_copy_str(cycle, &cycle->conf_prefix, &old->conf_prefix) !=
            HV_OK ||
        hv_cycle_copy_str(cycle, &cycle->error_log, &old->error_log) != HV_OK) {
        goto failed;
    }

    if (hv_array_init(&cycle->listening, pool, 8, sizeof(hv_listening_t)) !=
            HV_OK ||
        hv_array_init(&cycle->open_files, pool, 8, sizeof(hv_log_file_t *)) !=
            HV_OK ||
        hv_array_init(&cycle->shm_zones, pool, 4, sizeof(hv_shm_zone_t)) !=
            HV_OK ||
        hv_array_init(&cycle->conf_dump, pool, 4, sizeof(hv_str_t)) != HV_OK) {
        goto failed;
    }

    cycle->conf = hv_pcalloc(pool, HV_MODULES_N * sizeof(void *));
    if (cycle->conf == NULL) {
        goto failed;
    }

    return cycle;

failed:
    hv_log_error(HV_LOG_EMERG, old->log, 0,
        "could not allocate a new configuration cycle");
    hv_pool_destroy(pool);
    return NULL;
}


/* The old cycle's pool goes away with it: every name is copied. */
static int
hv_cycle_copy_str(hv_cycle_t *cycle, hv_str_t *dst, const hv_str_t *src)
{
    dst->len = src->len;
    dst->data = hv_pstrdup(cycle->pool,
        src->data != NULL ? src->data : (unsigned char *) "", src->len);

    return dst->data != NULL ? HV_OK : HV_ERROR;
}


int
hv_cycle_create_confs(hv_cycle_t *cycle)
{
    const hv_module_t *m;
    const hv_core_module_t *ctx;
    hv_uint_t i;

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        ctx = m->ctx;

        if (m->type != HV_CORE_MODULE || ctx == NULL ||
            ctx->create_conf == NULL) {
            continue;
        }

        cycle->conf[m->index] = ctx->create_conf(cycle);
        if (cycle->conf[m->index] == NULL) {
            hv_log_error(HV_LOG_EMERG, cycle->log, 0,
                "could not create the configuration of the \"%s\" "
                "module",
                m->name);
            return HV_ERROR;
        }
    }

    return HV_OK;
}


int
hv_cycle_parse_text(hv_cycle_t *cycle, const char *name,
    const unsigned char *text, size_t len, const hv_str_t *file)
{
    hv_conf_t cf;
    hv_conf_ctx_t ctx;
    char *rv;

    memset(&cf, 0, sizeof(hv_conf_t));
    memset(&ctx, 0, sizeof(hv_conf_ctx_t));

    ctx.main_conf = cycle->conf;

    cf.cycle = cycle;
    cf.pool = cycle->pool;
    cf.log = cycle->log;
    cf.ctx = &ctx;
    cf.module_type = HV_CORE_MODULE;
    cf.cmd_type = HV_MAIN_CONF;
    cf.modules = hv_modules;

    cf.temp_pool = hv_pool_create(HV_CYCLE_POOL_SIZE, cycle->log);
    if (cf.temp_pool == NULL) {
        return HV_ERROR;
    }

    cf.args = hv_array_create(cf.temp_pool, 8, sizeof(hv_str_t));
    if (cf.args == NULL) {
        hv_pool_destroy(cf.temp_pool);
        return HV_ERROR;
    }

    rv = HV_CONF_OK;

    if (len > 0) {
        rv = hv_conf_parse_buffer(&cf, name, text, len);
    }

    if (rv == HV_CONF_OK && file != NULL) {
        rv = hv_conf_parse(&cf, file);
    }

    hv_pool_destroy(cf.temp_pool);

    return rv == HV_CONF_OK ? HV_OK : HV_ERROR;
}


int
hv_cycle_init_confs(hv_cycle_t *cycle)
{
    const hv_module_t *m;
    const hv_core_module_t *ctx;
    hv_uint_t i;
    char *rv;

    for (i = 0; hv_modules[i] != NULL; i++) {
        m = hv_modules[i];
        ctx = m->ctx;

        if (m->type != HV_CORE_MODULE || ctx == NULL ||
            ctx->init_conf == NULL) {
            continue;
        }

        rv = ctx->init_conf(cycle, cycle->conf[m->index]);
        if (rv == HV_CONF_ERROR) {
            return HV_ERROR;
        }
        if (rv != HV_CONF_OK) {
            hv_log_error(HV_LOG_EMERG, cycle->log, 0, "%s", rv);
            return HV_ERROR;
        }
    }

    return HV_OK;
}


static int
hv_log_file_open(hv_log_file_t *file)
{
    return open((const char *) file->name.data,
        O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}


/*
 * Every log file is opened anew by each cycle, even when the old cycle
 * has the same path open: a reload is also how an operator recovers from
 * a deleted log file.
 */
static int
hv_cycle_open_files(hv_cycle_t *cycle)
{
    hv_log_file_t **files = cycle->open_files.elts;
    hv_uint_t i;

    for (i = 0; i < cycle->open_files.nelts; i++) {
        if (files[i]->fd != -1) {
            continue; /* stderr */
        }

        files[i]->fd = hv_log_file_open(files[i]);
        if (files[i]->fd == -1) {
            hv_log_error(HV_LOG_EMERG, cycle->log, errno,
                "open() \"%s\" failed", (char *) files[i]->name.data);
            return HV_ERROR;
        }
    }

    return HV_OK;
}


static int
hv_cycle_init_modules(hv_cycle_t *cycle)
{
    hv_uint_t i;

    for (i = 0; hv_modules[i] != NULL; i++) {
        if (hv_modules[i]->init_module != NULL &&
            hv_modules[i]->init_module(cycle) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


static void
hv_cycle_close_files(hv_cycle_t *cycle)
{
    hv_log_file_t **files = cycle->open_files.elts;
    hv_uint_t i;

    for (i = 0; i < cycle->open_files.nelts; i++) {
        if (files[i]->fd > STDERR_FILENO) {
            (void) close(files[i]->fd);
        }
        files[i]->fd = -1;
    }
}


/* A failed hv_cycle_init(): give everything back, leave old untouched. */
static void
hv_cycle_abort(hv_cycle_t *cycle)
{
    if (!cycle->test_config) {
        hv_listening_undo(cycle);
    }
    hv_shm_zones_unmap_unused(cycle, cycle->old_cycle);
    hv_cycle_close_files(cycle);
    hv_pool_destroy(cycle->pool);
}


void
hv_cycle_release(hv_cycle_t *old, hv_cycle_t *cycle)
{
    hv_listening_close_unused(old);
    hv_shm_zones_unmap_unused(old, cycle);
    hv_cycle_close_files(old);

    if (old->pool != NULL) {
        hv_pool_destroy(old->pool);
    }
}


/*
 * USR1: each file is opened again by name and the new descriptor takes
 * the old one's number (dup2), so every log object keeps working without
 * being told; a file that cannot be opened keeps the old descriptor.
 */
void
hv_cycle_reopen_files(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    hv_log_file_t **files = cycle->open_files.elts;
    hv_uint_t i;
    int fd;

    for (i = 0; i < cycle->open_files.nelts; i++) {
        if (files[i]->fd <= STDERR_FILENO) {
            continue;
        }

        /* pending lines belong to the file being rotated away */
        if (files[i]->flush != NULL) {
            files[i]->flush(files[i], cycle->log);
        }

        fd = hv_log_file_open(files[i]);
        if (fd == -1) {
            hv_log_error(HV_LOG_CRIT, cycle->log, errno, "open() \"%s\" failed",
                (char *) files[i]->name.data);
            continue;
        }

        /* the workers reopen it after us, as their own user (nginx's) */
        if (ccf->switch_user && geteuid() == 0 &&
            fchown(fd, ccf->uid, (gid_t) -1) == -1) {
            hv_log_error(HV_LOG_ALERT, cycle->log, errno,
                "fchown() \"%s\" failed", (char *) files[i]->name.data);
        }

        if (dup3(fd, files[i]->fd, O_CLOEXEC) == -1) {
            hv_log_error(HV_LOG_CRIT, cycle->log, errno,
                "dup3() of \"%s\" failed", (char *) files[i]->name.data);
        }

        (void) close(fd);
    }

    if (cycle->log->file != NULL && cycle->log->file->fd > STDERR_FILENO) {
        (void) hv_log_redirect_stderr(cycle->log);
    }
}


hv_log_file_t *
hv_cycle_log_file(hv_cycle_t *cycle, const hv_str_t *path)
{
    hv_log_file_t **files = cycle->open_files.elts;
    hv_log_file_t *file, **slot;
    hv_uint_t i;

    for (i = 0; i < cycle->open_files.nelts; i++) {
        if (hv_str_eq(&files[i]->name, path)) {
            return files[i];
        }
    }

    file = hv_pcalloc(cycle->pool, sizeof(hv_log_file_t));
    if (file == NULL) {
        return NULL;
    }

    file->name.len = path->len;
    file->name.data = hv_pstrdup(cycle->pool, path->data, path->len);
    if (file->name.data == NULL) {
        return NULL;
    }

    file->fd = hv_str_eq_cstr(path, "stderr") ? STDERR_FILENO : -1;

    slot = hv_array_push(&cycle->open_files);
    if (slot == NULL) {
        return NULL;
    }
    *slot = file;

    return file;
}
