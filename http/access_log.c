/*
 * http/access_log.c - "access_log" and "log_format", and the LOG phase
 * handler that writes one line per request.
 *
 * A format is compiled once into a list of literal pieces and variable
 * references.  A request's line is measured, built in the request pool
 * and written with a single write() on an O_APPEND descriptor, so lines
 * of different workers never interleave and a line costs one system call.
 * The files are the cycle's log files (hv_cycle_log_file), so USR1 reopens
 * them with the error log.
 *
 * With buffer=SIZE a file's lines collect in a per-worker buffer (taken
 * from the cycle pool at the first line, so the master never holds one)
 * and go out with one write() when the next line would not fit, when the
 * flush=TIME timer armed by the first pending line expires, before USR1
 * reopens the file (the file's flush hook) and when the worker exits.  A
 * line longer than the buffer is written directly, after the pending ones.
 *
 * Formats are templates of the variable layer (http/variables.h),
 * evaluated with HV_HTTP_TPL_LOG: values are escaped as nginx's default
 * escaping does ('"', '\' and bytes outside 0x20..0x7e become \xHH) and
 * an empty value is written "-".
 */
#include "http/http_core_internal.h"


/* At most one write error line per access log file in this long (ms). */
#define HV_HTTP_LOG_ERROR_INTERVAL 1000

typedef struct {
    hv_str_t name;
    hv_http_template_t *tpl;
} hv_http_log_format_t;

typedef struct {
    hv_log_file_t *file;
    hv_http_log_format_t *format;
} hv_http_log_t;

/* The buffer of one file, shared by every access_log that names it. */
typedef struct {
    size_t size;
    hv_msec_t flush;      /* 0: only when full, on reopen and at exit */
    hv_pool_t *pool;      /* the cycle's: the buffer is allocated lazily */
    hv_log_t *log;        /* the cycle's, for the timer's write errors */
    unsigned char *start; /* NULL until the worker's first line */
    unsigned char *pos;   /* end of the pending lines */
    hv_event_t event;     /* the flush timer; data is the file */
} hv_http_log_buf_t;

/* A block's access_log: its logs, or none after "access_log off". */
typedef struct {
    hv_array_t logs; /* hv_http_log_t */
    bool off;
} hv_http_access_log_conf_t;


#define HV_HTTP_COMBINED                                              \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status " \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\""

static hv_array_t *hv_http_log_formats(hv_conf_t *cf);
static int hv_http_log_compile(
    hv_conf_t *cf, hv_http_log_format_t *fmt, const hv_str_t *text);
static hv_http_access_log_conf_t *hv_http_access_log_create(hv_conf_t *cf);
static void hv_http_log_write(hv_http_request_t *r, hv_http_log_t *log);
static char *hv_http_log_buffer_params(
    hv_conf_t *cf, int64_t *size, int64_t *flush);
static char *hv_http_log_set_buffer(
    hv_conf_t *cf, hv_log_file_t *file, size_t size, hv_msec_t flush);
static void hv_http_log_flush_file(hv_log_file_t *file, hv_log_t *log);
static void hv_http_log_flush_timer(hv_event_t *ev);
static void hv_http_log_put(
    hv_log_file_t *file, const unsigned char *data, size_t len, hv_log_t *log);


/* The formats of the http block; "combined" is always the first. */
static hv_array_t *
hv_http_log_formats(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_log_format_t *fmt, **fp;
    hv_str_t text;

    if (cmcf->log_formats != NULL) {
        return cmcf->log_formats;
    }

    cmcf->log_formats = hv_array_create(cf->pool, 4, sizeof(void *));
    fmt = hv_pcalloc(cf->pool, sizeof(hv_http_log_format_t));
    if (cmcf->log_formats == NULL || fmt == NULL) {
        return NULL;
    }

    hv_str_set(&fmt->name, "combined");
    hv_str_set(&text, HV_HTTP_COMBINED);
    if (hv_http_log_compile(cf, fmt, &text) != HV_OK) {
        return NULL;
    }

    fp = hv_array_push(cmcf->log_formats);
    if (fp == NULL) {
        return NULL;
    }
    *fp = fmt;

    return cmcf->log_formats;
}


/* "log_format NAME [escape=default] STRING ...": the strings join. */
char *
hv_http_core_log_format(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts, text;
    hv_http_log_format_t *fmt, **fp;
    hv_array_t *formats;
    hv_uint_t i, first;
    unsigned char *p;
    size_t len;

    (void) cmd;
    (void) conf;

    formats = hv_http_log_formats(cf);
    if (formats == NULL) {
        return HV_CONF_ERROR;
    }

    fp = formats->elts;
    for (i = 0; i < formats->nelts; i++) {
        if (hv_str_eq(&fp[i]->name, &value[1])) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "duplicate \"log_format\" name \"%.*s\"", (int) value[1].len,
                value[1].data);
            return HV_CONF_ERROR;
        }
    }

    first = 2;
    if (hv_str_eq_cstr(&value[2], "escape=default")) {
        first = 3;
    } else if (value[2].len > 7 && memcmp(value[2].data, "escape=", 7) == 0) {
        return "supports only escape=default yet";
    }
    if (first >= cf->args->nelts) {
        return "has no format string";
    }

    len = 0;
    for (i = first; i < cf->args->nelts; i++) {
        len += value[i].len;
    }

    text.data = hv_pnalloc(cf->pool, len + 1);
    fmt = hv_pcalloc(cf->pool, sizeof(hv_http_log_format_t));
    if (text.data == NULL || fmt == NULL) {
        return HV_CONF_ERROR;
    }

    p = text.data;
    for (i = first; i < cf->args->nelts; i++) {
        p = hv_cpymem(p, value[i].data, value[i].len);
    }
    text.len = len;

    fmt->name = value[1];
    if (hv_http_log_compile(cf, fmt, &text) != HV_OK) {
        return HV_CONF_ERROR;
    }

    fp = hv_array_push(formats);
    if (fp == NULL) {
        return HV_CONF_ERROR;
    }
    *fp = fmt;

    return HV_CONF_OK;
}


/* A format's text as a template (errors are logged by the compiler). */
static int
hv_http_log_compile(
    hv_conf_t *cf, hv_http_log_format_t *fmt, const hv_str_t *text)
{
    fmt->tpl = hv_http_template_compile(cf, text);

    return fmt->tpl != NULL ? HV_OK : HV_ERROR;
}


static hv_http_access_log_conf_t *
hv_http_access_log_create(hv_conf_t *cf)
{
    hv_http_access_log_conf_t *alc;

    alc = hv_pcalloc(cf->pool, sizeof(hv_http_access_log_conf_t));
    if (alc == NULL || hv_array_init(&alc->logs, cf->pool, 1,
                           sizeof(hv_http_log_t)) != HV_OK) {
        return NULL;
    }

    return alc;
}


static hv_http_log_t *
hv_http_access_log_add(hv_conf_t *cf, hv_http_access_log_conf_t *alc,
    hv_str_t *path, hv_http_log_format_t *fmt)
{
    hv_http_log_t *log;

    log = hv_array_push(&alc->logs);
    if (log == NULL) {
        return NULL;
    }

    if (hv_conf_full_name(cf->cycle, path, false) != HV_OK) {
        return NULL;
    }

    log->file = hv_cycle_log_file(cf->cycle, path);
    log->format = fmt;

    return log->file != NULL ? log : NULL;
}


/* The buffer=SIZE and flush=TIME after the format (0 when absent). */
static char *
hv_http_log_buffer_params(hv_conf_t *cf, int64_t *size, int64_t *flush)
{
    hv_str_t *value = cf->args->elts, v;
    hv_uint_t i;

    *size = 0;
    *flush = 0;
    for (i = 3; i < cf->args->nelts; i++) {
        if (value[i].len > 7 && memcmp(value[i].data, "buffer=", 7) == 0) {
            v.data = value[i].data + 7;
            v.len = value[i].len - 7;
            *size = hv_conf_parse_size(&v);
            if (*size <= 0) {
                goto invalid;
            }
        } else if (value[i].len > 6 &&
                   memcmp(value[i].data, "flush=", 6) == 0) {
            v.data = value[i].data + 6;
            v.len = value[i].len - 6;
            *flush = hv_conf_parse_msec(&v);
            if (*flush <= 0) {
                goto invalid;
            }
        } else {
            goto invalid;
        }
    }

    if (*flush > 0 && *size == 0) {
        return "has \"flush\" without \"buffer\"";
    }

    return HV_CONF_OK;

invalid:
    hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
        (int) value[i].len, value[i].data);
    return HV_CONF_ERROR;
}


/* Gives file a buffer; every access_log of one file must agree on it. */
static char *
hv_http_log_set_buffer(
    hv_conf_t *cf, hv_log_file_t *file, size_t size, hv_msec_t flush)
{
    hv_http_log_buf_t *buf = file->data;

    if (buf != NULL) {
        if (buf->size != size || buf->flush != flush) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "access_log \"%s\" already defined with conflicting "
                "parameters",
                (char *) file->name.data);
            return HV_CONF_ERROR;
        }
        return HV_CONF_OK;
    }

    buf = hv_pcalloc(cf->pool, sizeof(hv_http_log_buf_t));
    if (buf == NULL) {
        return HV_CONF_ERROR;
    }

    buf->size = size;
    buf->flush = flush;
    buf->pool = cf->cycle->pool;
    buf->log = cf->cycle->log;
    buf->event.data = file;
    buf->event.handler = hv_http_log_flush_timer;

    file->data = buf;
    file->flush = hv_http_log_flush_file;

    return HV_CONF_OK;
}


/* "access_log off" | "access_log PATH [FORMAT [buffer=SIZE] [flush=T]]" */
char *
hv_http_core_access_log(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts, path;
    hv_http_access_log_conf_t *alc;
    hv_http_log_format_t **fp, *fmt;
    hv_array_t *formats;
    hv_http_log_t *log;
    int64_t size, flush;
    hv_uint_t i;
    char *rv;

    (void) cmd;

    alc = clcf->access_log;
    if (alc == NULL) {
        alc = hv_http_access_log_create(cf);
        if (alc == NULL) {
            return HV_CONF_ERROR;
        }
        clcf->access_log = alc;
    }

    if (hv_str_eq_cstr(&value[1], "off")) {
        if (cf->args->nelts != 2) {
            return "has parameters after \"off\"";
        }
        alc->off = true;
        return HV_CONF_OK;
    }

    formats = hv_http_log_formats(cf);
    if (formats == NULL) {
        return HV_CONF_ERROR;
    }

    fp = formats->elts;
    fmt = fp[0];

    if (cf->args->nelts >= 3) {
        for (i = 0; i < formats->nelts; i++) {
            if (hv_str_eq(&fp[i]->name, &value[2])) {
                break;
            }
        }
        if (i == formats->nelts) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "unknown log format \"%.*s\"", (int) value[2].len,
                value[2].data);
            return HV_CONF_ERROR;
        }
        fmt = fp[i];
    }

    rv = hv_http_log_buffer_params(cf, &size, &flush);
    if (rv != HV_CONF_OK) {
        return rv;
    }

    path = value[1];
    log = hv_http_access_log_add(cf, alc, &path, fmt);
    if (log == NULL) {
        return HV_CONF_ERROR;
    }

    if (size > 0) {
        return hv_http_log_set_buffer(
            cf, log->file, (size_t) size, (hv_msec_t) flush);
    }

    return HV_CONF_OK;
}


int
hv_http_access_log_merge(
    hv_conf_t *cf, hv_http_core_loc_conf_t *prev, hv_http_core_loc_conf_t *conf)
{
    hv_http_access_log_conf_t *alc;
    hv_http_log_format_t **fp;
    hv_array_t *formats;
    hv_str_t path;

    if (conf->access_log != NULL) {
        return HV_OK;
    }

    if (prev->access_log == NULL) {
        /* nginx's default: logs/access.log in combined, for everything */
        formats = hv_http_log_formats(cf);
        alc = hv_http_access_log_create(cf);
        if (formats == NULL || alc == NULL) {
            return HV_ERROR;
        }
        fp = formats->elts;
        hv_str_set(&path, HV_HTTP_LOG_PATH);
        if (hv_http_access_log_add(cf, alc, &path, fp[0]) == NULL) {
            return HV_ERROR;
        }
        prev->access_log = alc;
    }

    conf->access_log = prev->access_log;

    return HV_OK;
}


bool
hv_http_access_log_used(void **loc_conf)
{
    hv_http_core_loc_conf_t *clcf = loc_conf[HV_MODULE_http_core];
    hv_http_access_log_conf_t *alc = clcf->access_log;

    return alc != NULL && !alc->off && alc->logs.nelts > 0;
}


int
hv_http_access_log_handler(hv_http_request_t *r)
{
    hv_http_access_log_conf_t *alc;
    hv_http_log_t *log;
    hv_uint_t i;

    if (r->loc_conf == NULL) {
        return HV_OK;
    }

    alc = hv_http_core_loc(r)->access_log;
    if (alc == NULL || alc->off) {
        return HV_OK;
    }

    log = alc->logs.elts;
    for (i = 0; i < alc->logs.nelts; i++) {
        hv_http_log_write(r, &log[i]);
    }

    return HV_OK;
}


/*
 * One line: measured, then built straight into the file's buffer when it
 * fits there, else in the request pool and written with one write().
 */
static void
hv_http_log_write(hv_http_request_t *r, hv_http_log_t *log)
{
    hv_http_log_buf_t *buf = log->file->data;
    hv_log_t *elog = &r->connection->log;
    unsigned char *line, *p;
    size_t len;

    if (log->file->fd == -1) {
        return;
    }

    len = hv_http_template_len(r, log->format->tpl, HV_HTTP_TPL_LOG) + 1;

    if (buf != NULL && len <= buf->size) {
        if (buf->start == NULL) {
            buf->start = hv_pnalloc(buf->pool, buf->size);
            buf->pos = buf->start;
        }

        if (buf->start != NULL) {
            if (len > buf->size - (size_t) (buf->pos - buf->start)) {
                hv_http_log_flush_file(log->file, elog);
            }

            if (buf->pos == buf->start && buf->flush > 0 &&
                !buf->event.timer_set) {
                hv_event_add_timer(&buf->event, buf->flush);
            }

            p = hv_http_template_write(
                r, log->format->tpl, HV_HTTP_TPL_LOG, buf->pos);
            *p++ = '\n';
            buf->pos = p;
            return;
        }
    }

    line = hv_pnalloc(r->pool, len);
    if (line == NULL) {
        return;
    }

    p = hv_http_template_write(r, log->format->tpl, HV_HTTP_TPL_LOG, line);
    *p++ = '\n';

    /* the pending lines go first: the file keeps request order */
    if (buf != NULL) {
        hv_http_log_flush_file(log->file, elog);
    }

    hv_http_log_put(log->file, line, (size_t) (p - line), elog);
}


/* The file's flush hook: the pending lines in one write(). */
static void
hv_http_log_flush_file(hv_log_file_t *file, hv_log_t *log)
{
    hv_http_log_buf_t *buf = file->data;

    if (buf == NULL || buf->start == NULL || buf->pos == buf->start) {
        return;
    }

    hv_http_log_put(file, buf->start, (size_t) (buf->pos - buf->start), log);
    buf->pos = buf->start;
}


/* flush=TIME expired; a flush since then leaves nothing to write. */
static void
hv_http_log_flush_timer(hv_event_t *ev)
{
    hv_log_file_t *file = ev->data;
    hv_http_log_buf_t *buf = file->data;

    ev->timedout = 0;
    hv_http_log_flush_file(file, buf->log);
}


void
hv_http_access_log_exit_worker(hv_cycle_t *cycle)
{
    hv_log_file_t **files = cycle->open_files.elts;
    hv_uint_t i;

    /* the event layer has already dropped its timers: only the writes */
    for (i = 0; i < cycle->open_files.nelts; i++) {
        if (files[i]->flush == hv_http_log_flush_file) {
            hv_http_log_flush_file(files[i], cycle->log);
        }
    }
}


/*
 * A write error is logged once a second at most per file: on a full disk
 * every request fails the same way, and its error line would only make the
 * error log fill the same disk.  The lines lost meanwhile are not counted.
 */
static void
hv_http_log_put(
    hv_log_file_t *file, const unsigned char *data, size_t len, hv_log_t *log)
{
    ssize_t w;

    w = write(file->fd, data, len);
    if ((w == -1 || (size_t) w != len) && hv_current_msec < file->error_quiet) {
        return;
    }

    if (w == -1 || (size_t) w != len) {
        file->error_quiet = hv_current_msec + HV_HTTP_LOG_ERROR_INTERVAL;
    }

    if (w == -1) {
        hv_log_error(HV_LOG_ERR, log, errno, "write() to \"%s\" failed",
            (char *) file->name.data);
    } else if ((size_t) w != len) {
        hv_log_error(HV_LOG_ERR, log, 0,
            "write() to \"%s\" was incomplete: %zd of %zu",
            (char *) file->name.data, w, len);
    }
}
