/*
 * core/conf_parse.c - the directive dispatcher (STYLE 7, 25).
 *
 * Walks the statements the lexer returns, follows blocks and includes,
 * finds each directive in the modules' tables and does the checks every
 * directive needs (context, argument count, ';' or '{') once, here, so
 * that setters only convert values.  Files are read whole into memory and
 * parsed through the same path as a memory buffer, which is what the unit
 * tests and the fuzzer use.
 */
#include "core/core.h"
#include "core/conf_internal.h"

#include <glob.h>


static char *hv_conf_parse_input(
    hv_conf_t *cf, const hv_str_t *name, const unsigned char *buf, size_t len);
static char *hv_conf_parse_block(hv_conf_t *cf);
static char *hv_conf_parse_statements(hv_conf_t *cf, bool block);
static void hv_conf_digest(hv_conf_t *cf, int rc);
static char *hv_conf_call_handler(hv_conf_t *cf, int rc);
static char *hv_conf_handle(hv_conf_t *cf, int rc);
static char *hv_conf_not_found(hv_conf_t *cf, int rc, bool found);
static char *hv_conf_run(
    hv_conf_t *cf, const hv_module_t *module, const hv_command_t *cmd, int rc);
static char *hv_conf_include(hv_conf_t *cf, int rc);
static char *hv_conf_include_file(hv_conf_t *cf, const char *path);
static int hv_conf_read_file(
    hv_conf_t *cf, const hv_str_t *name, unsigned char **buf, size_t *len);
static void hv_conf_file_error(hv_conf_t *cf, hv_err_t err, const char *before,
    const hv_str_t *name, const char *after);
static bool hv_conf_ignored(const hv_str_t *name);
static void hv_conf_unknown(hv_conf_t *cf, const hv_str_t *name);
static void hv_conf_log(hv_uint_t level, hv_conf_t *cf, hv_err_t err,
    const char *after, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void hv_conf_vlog_error(hv_uint_t level, hv_conf_t *cf, hv_err_t err,
    const char *after, const char *fmt, va_list args);


/*
 * nginx tuning knobs that mean nothing to hive (hash table sizes, pool
 * sizes, temp paths of modules hive lacks, timer and aio knobs).  They are
 * accepted anywhere with an info line so that an nginx file loads; a
 * module that implements one of these names takes precedence.
 */
static const char *const hv_conf_ignored_names[] = {
    "client_body_buffer_size",
    "client_body_temp_path",
    "connection_pool_size",
    "directio_alignment",
    "fastcgi_temp_path",
    "lingering_close",
    "lingering_time",
    "lingering_timeout",
    "map_hash_bucket_size",
    "map_hash_max_size",
    "output_buffers",
    "postpone_output",
    "proxy_temp_path",
    "read_ahead",
    "request_pool_size",
    "reset_timedout_connection",
    "scgi_temp_path",
    "sendfile_max_chunk",
    "server_names_hash_bucket_size",
    "server_names_hash_max_size",
    "ssl_buffer_size",
    "timer_resolution",
    "types_hash_bucket_size",
    "types_hash_max_size",
    "uwsgi_temp_path",
    "variables_hash_bucket_size",
    "variables_hash_max_size",
    "worker_aio_requests",
    NULL,
};


/* The argument bit for 0..7 arguments (index = number of arguments). */
static const hv_uint_t hv_conf_arg_bits[] = {
    HV_CONF_NOARGS,
    HV_CONF_TAKE1,
    HV_CONF_TAKE2,
    HV_CONF_TAKE3,
    HV_CONF_TAKE4,
    HV_CONF_TAKE5,
    HV_CONF_TAKE6,
    HV_CONF_TAKE7,
};


char *
hv_conf_parse(hv_conf_t *cf, const hv_str_t *filename)
{
    unsigned char *buf;
    hv_str_t name, *dump;
    size_t len;
    char *rv;

    if (filename == NULL) {
        return hv_conf_parse_block(cf);
    }

    name = *filename;
    if (hv_conf_full_name(cf->cycle, &name, true) != HV_OK) {
        return HV_CONF_ERROR;
    }

    if (hv_conf_read_file(cf, &name, &buf, &len) != HV_OK) {
        return HV_CONF_ERROR;
    }

    /* the cycle creates conf_dump (for -T); a bare test cycle may not */
    if (cf->cycle->conf_dump.size == sizeof(hv_str_t)) {
        dump = hv_array_push(&cf->cycle->conf_dump);
        if (dump == NULL) {
            free(buf);
            return HV_CONF_ERROR;
        }
        *dump = name;
    }

    rv = hv_conf_parse_input(cf, &name, buf, len);

    free(buf);
    return rv;
}


char *
hv_conf_parse_buffer(
    hv_conf_t *cf, const char *name, const unsigned char *buf, size_t len)
{
    hv_str_t copy;

    copy.len = strlen(name);
    copy.data = hv_pstrdup(cf->pool, name, copy.len);
    if (copy.data == NULL) {
        return HV_CONF_ERROR;
    }

    return hv_conf_parse_input(cf, &copy, buf, len);
}


/* Parses one whole input as the new cf->lex; restores the previous one. */
static char *
hv_conf_parse_input(
    hv_conf_t *cf, const hv_str_t *name, const unsigned char *buf, size_t len)
{
    hv_conf_lex_t lx, *prev;
    char *rv;

    if (cf->args == NULL) {
        cf->args = hv_array_create(cf->pool, 8, sizeof(hv_str_t));
        if (cf->args == NULL) {
            return HV_CONF_ERROR;
        }
    }

    hv_conf_lex_init(&lx, name, buf, len);

    prev = cf->lex;
    cf->lex = &lx;

    rv = hv_conf_parse_statements(cf, false);

    cf->lex = prev;
    return rv;
}


static char *
hv_conf_parse_block(hv_conf_t *cf)
{
    char *rv;

    if (cf->lex == NULL) {
        hv_log_error(HV_LOG_ALERT, cf->log, 0,
            "hv_conf_parse() of a block outside of any input");
        return HV_CONF_ERROR;
    }

    if (cf->block_depth >= HV_CONF_MAX_BLOCK_DEPTH) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "blocks nested too deep (more than %d levels)",
            HV_CONF_MAX_BLOCK_DEPTH);
        return HV_CONF_ERROR;
    }

    cf->block_depth++;
    rv = hv_conf_parse_statements(cf, true);
    cf->block_depth--;

    return rv;
}


/* Runs statements until the end of the input or, in a block, its '}'. */
static char *
hv_conf_parse_statements(hv_conf_t *cf, bool block)
{
    char *rv;
    int rc;

    for (;;) {
        rc = hv_conf_lex_next(cf, cf->lex, cf->args);

        switch (rc) {
            case HV_ERROR:
                return HV_CONF_ERROR;

            case HV_CONF_BLOCK_DONE:
                if (block) {
                    return HV_CONF_OK;
                }
                hv_conf_log_error(HV_LOG_EMERG, cf, 0, "unexpected \"}\"");
                return HV_CONF_ERROR;

            case HV_CONF_FILE_DONE:
                if (!block) {
                    return HV_CONF_OK;
                }
                hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                    "unexpected end of file, expecting \"}\"");
                return HV_CONF_ERROR;

            default:
                break;
        }

        hv_conf_digest(cf, rc);

        if (cf->handler != NULL) {
            rv = hv_conf_call_handler(cf, rc);
        } else {
            rv = hv_conf_handle(cf, rc);
        }

        if (rv != HV_CONF_OK) {
            return HV_CONF_ERROR;
        }
    }
}


/* Folds a statement's words, NUL-separated, into digest (hv_conf_t). */
static void
hv_conf_digest(hv_conf_t *cf, int rc)
{
    hv_str_t *words = cf->args->elts;
    uint64_t h = cf->digest;
    hv_uint_t i;
    size_t j;

    if (rc == HV_CONF_BLOCK_START) {
        return;
    }

    for (i = 0; i < cf->args->nelts; i++) {
        for (j = 0; j <= words[i].len; j++) {
            h ^= (j < words[i].len) ? words[i].data[j] : 0;
            h *= 1099511628211ULL;
        }
    }

    cf->digest = (h ^ ';') * 1099511628211ULL;
}


/* Inside e.g. "types { }" every statement goes to the block's handler. */
static char *
hv_conf_call_handler(hv_conf_t *cf, int rc)
{
    char *rv;

    if (rc == HV_CONF_BLOCK_START) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "unexpected \"{\"");
        return HV_CONF_ERROR;
    }

    rv = cf->handler(cf, cf->handler_data);
    if (rv == HV_CONF_OK || rv == HV_CONF_ERROR) {
        return rv;
    }

    hv_conf_log_error(HV_LOG_EMERG, cf, 0, "%s", rv);
    return HV_CONF_ERROR;
}


/* Finds the statement's directive and runs it; logs what is wrong. */
static char *
hv_conf_handle(hv_conf_t *cf, int rc)
{
    const hv_module_t *const *modules, *m;
    const hv_command_t *cmd;
    hv_str_t *name;
    bool found;

    name = cf->args->elts;

    if (hv_str_eq_cstr(name, "include")) {
        return hv_conf_include(cf, rc);
    }

    modules = (cf->modules != NULL) ? cf->modules : hv_modules;
    found = false;

    for (; *modules != NULL; modules++) {
        m = *modules;
        if (m->commands == NULL) {
            continue;
        }

        for (cmd = m->commands; cmd->name != NULL; cmd++) {
            if (!hv_str_eq_cstr(name, cmd->name)) {
                continue;
            }

            /*
             * A known name in the wrong place says "not allowed here",
             * whichever check fails, which is more helpful than
             * "unknown"; another module may still own it here.
             */
            found = true;

            if (cf->module_type != 0 && m->type != cf->module_type) {
                continue;
            }
            if ((cmd->type & cf->cmd_type) == 0) {
                continue;
            }

            return hv_conf_run(cf, m, cmd, rc);
        }
    }

    return hv_conf_not_found(cf, rc, found);
}


/* No module runs the statement here: say why, or accept an nginx knob. */
static char *
hv_conf_not_found(hv_conf_t *cf, int rc, bool found)
{
    hv_str_t *name;

    name = cf->args->elts;

    if (found) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "\"%s\" directive is not allowed here", (char *) name->data);
        return HV_CONF_ERROR;
    }

    if (hv_conf_ignored(name)) {
        if (rc != HV_OK) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "directive \"%s\" is not terminated by \";\"",
                (char *) name->data);
            return HV_CONF_ERROR;
        }

        hv_conf_log_error(HV_LOG_INFO, cf, 0,
            "\"%s\" directive is ignored by hive", (char *) name->data);
        return HV_CONF_OK;
    }

    hv_conf_unknown(cf, name);
    return HV_CONF_ERROR;
}


/*
 * "unknown directive "X" in FILE:LINE", with ", did you mean "Y"?" after
 * the location when a known name is near: the prefix stays what tools
 * written for nginx match on.
 */
static void
hv_conf_unknown(hv_conf_t *cf, const hv_str_t *name)
{
    char after[128];
    const char *near;

    near = hv_conf_suggest(cf, name, hv_conf_ignored_names);
    after[0] = '\0';
    if (near != NULL) {
        snprintf(after, sizeof(after), ", did you mean \"%s\"?", near);
    }

    hv_conf_log(HV_LOG_EMERG, cf, 0, after, "unknown directive \"%s\"",
        (char *) name->data);
}


static bool
hv_conf_args_ok(hv_uint_t type, hv_uint_t nargs)
{
    if (type & HV_CONF_ANY) {
        return true;
    }
    if (type & HV_CONF_FLAG) {
        return nargs == 1;
    }
    if (type & HV_CONF_1MORE) {
        return nargs >= 1;
    }
    if (type & HV_CONF_2MORE) {
        return nargs >= 2;
    }
    if (nargs >= hv_nelems(hv_conf_arg_bits)) {
        return false;
    }

    return (type & hv_conf_arg_bits[nargs]) != 0;
}


/* Checks the statement's shape, then calls the setter on its object. */
static char *
hv_conf_run(
    hv_conf_t *cf, const hv_module_t *module, const hv_command_t *cmd, int rc)
{
    void **confs, *conf;
    hv_uint_t line;
    char *rv;

    if (!(cmd->type & HV_CONF_BLOCK) && rc != HV_OK) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "directive \"%s\" is not terminated by \";\"", cmd->name);
        return HV_CONF_ERROR;
    }

    if ((cmd->type & HV_CONF_BLOCK) && rc != HV_CONF_BLOCK_START) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "directive \"%s\" has no opening \"{\"", cmd->name);
        return HV_CONF_ERROR;
    }

    if (!hv_conf_args_ok(cmd->type, cf->args->nelts - 1)) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid number of arguments in \"%s\" directive", cmd->name);
        return HV_CONF_ERROR;
    }

    confs = NULL;
    if (cf->ctx != NULL) {
        switch (cmd->conf) {
            case HV_CONF_MAIN:
                confs = cf->ctx->main_conf;
                break;
            case HV_CONF_SRV:
                confs = cf->ctx->srv_conf;
                break;
            default:
                confs = cf->ctx->loc_conf;
                break;
        }
    }
    conf = (confs != NULL) ? confs[module->index] : NULL;

    /* a block setter parses its block, which moves the line on */
    line = cf->lex->line;

    rv = cmd->set(cf, cmd, conf);
    if (rv == HV_CONF_OK || rv == HV_CONF_ERROR) {
        return rv;
    }

    cf->lex->line = line;
    hv_conf_log_error(
        HV_LOG_EMERG, cf, 0, "\"%s\" directive %s", cmd->name, rv);
    return HV_CONF_ERROR;
}


/*
 * "include PATH;": PATH is relative to the directory of the main file and
 * may be a glob; a glob that matches nothing is fine (nginx's rule), a
 * plain name that does not exist is an error.  Matches are parsed in
 * glob(3)'s sorted order.
 */
static char *
hv_conf_include(hv_conf_t *cf, int rc)
{
    hv_str_t *value, pattern;
    glob_t gl;
    size_t i;
    char *rv;
    int grc;

    value = cf->args->elts;

    if (rc != HV_OK) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "directive \"include\" is not terminated by \";\"");
        return HV_CONF_ERROR;
    }

    if (cf->args->nelts != 2) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "invalid number of arguments in \"include\" "
            "directive");
        return HV_CONF_ERROR;
    }

    pattern = value[1];
    if (hv_conf_full_name(cf->cycle, &pattern, true) != HV_OK) {
        return HV_CONF_ERROR;
    }

    if (strpbrk((char *) pattern.data, "*?[") == NULL) {
        return hv_conf_include_file(cf, (char *) pattern.data);
    }

    memset(&gl, 0, sizeof(glob_t));

    grc = glob((char *) pattern.data, 0, NULL, &gl);
    if (grc == GLOB_NOMATCH) {
        return HV_CONF_OK;
    }
    if (grc != 0) {
        hv_conf_log_error(HV_LOG_EMERG, cf, grc == GLOB_ABORTED ? errno : 0,
            "glob() \"%s\" failed", (char *) pattern.data);
        globfree(&gl);
        return HV_CONF_ERROR;
    }

    rv = HV_CONF_OK;

    for (i = 0; i < gl.gl_pathc && rv == HV_CONF_OK; i++) {
        rv = hv_conf_include_file(cf, gl.gl_pathv[i]);
    }

    globfree(&gl);
    return rv;
}


static char *
hv_conf_include_file(hv_conf_t *cf, const char *path)
{
    hv_str_t name;
    char *rv;

    if (cf->include_depth >= HV_CONF_MAX_INCLUDE_DEPTH) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "includes nested too deep (more than %d levels), "
            "is a file including itself?",
            HV_CONF_MAX_INCLUDE_DEPTH);
        return HV_CONF_ERROR;
    }

    name.len = strlen(path);
    name.data = (unsigned char *) path;

    cf->include_depth++;
    rv = hv_conf_parse(cf, &name);
    cf->include_depth--;

    return rv;
}


/* Reads up to size bytes; fewer if the file shrank meanwhile.  -1: errno. */
static ssize_t
hv_conf_read_all(int fd, unsigned char *p, size_t size)
{
    size_t got;
    ssize_t n;

    for (got = 0; got < size; got += (size_t) n) {
        n = read(fd, p + got, size - got);
        if (n == -1 && errno == EINTR) {
            n = 0;
            continue;
        }
        if (n == -1) {
            return -1;
        }
        if (n == 0) {
            break;
        }
    }

    return (ssize_t) got;
}


/*
 * Reads the whole file into a malloc()ed buffer (the words are copied out
 * of it, so it is freed right after the parse).  HV_OK or HV_ERROR after
 * logging.
 */
static int
hv_conf_read_file(
    hv_conf_t *cf, const hv_str_t *name, unsigned char **buf, size_t *len)
{
    struct stat st;
    unsigned char *p;
    size_t size;
    ssize_t n;
    int fd;

    fd = open((char *) name->data, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        hv_conf_file_error(cf, errno, "open() ", name, " failed");
        return HV_ERROR;
    }

    p = NULL;

    if (fstat(fd, &st) == -1) {
        hv_conf_file_error(cf, errno, "fstat() ", name, " failed");
        goto failed;
    }

    if (!S_ISREG(st.st_mode)) {
        hv_conf_file_error(cf, 0, "", name, " is not a regular file");
        goto failed;
    }

    if (st.st_size > HV_CONF_MAX_FILE_SIZE) {
        hv_conf_file_error(cf, 0, "", name, " is too big for a configuration");
        goto failed;
    }

    size = (size_t) st.st_size;

    /* +1 so that an empty file is not a zero-byte malloc() */
    p = malloc(size + 1);
    if (p == NULL) {
        hv_conf_file_error(cf, errno, "malloc() for ", name, " failed");
        goto failed;
    }

    n = hv_conf_read_all(fd, p, size);
    if (n == -1) {
        hv_conf_file_error(cf, errno, "read() ", name, " failed");
        goto failed;
    }

    close(fd);
    *buf = p;
    *len = (size_t) n;
    return HV_OK;

failed:
    free(p);
    close(fd);
    return HV_ERROR;
}


/*
 * A failure on the main file has no FILE:LINE to point at; one on an
 * included file points at the "include" line.
 */
static void
hv_conf_file_error(hv_conf_t *cf, hv_err_t err, const char *before,
    const hv_str_t *name, const char *after)
{
    if (cf->lex == NULL) {
        hv_log_error(HV_LOG_EMERG, cf->log, err, "%s\"%s\"%s", before,
            (char *) name->data, after);
        return;
    }

    hv_conf_log_error(HV_LOG_EMERG, cf, err, "%s\"%s\"%s", before,
        (char *) name->data, after);
}


static bool
hv_conf_ignored(const hv_str_t *name)
{
    const char *const *p;

    for (p = hv_conf_ignored_names; *p != NULL; p++) {
        if (hv_str_eq_cstr(name, *p)) {
            return true;
        }
    }

    return false;
}


/*
 * The errno text goes before " in FILE:LINE" (nginx's order), so it is
 * formatted here rather than by hv_log_error().
 */
void
hv_conf_log_error(
    hv_uint_t level, hv_conf_t *cf, hv_err_t err, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    hv_conf_vlog_error(level, cf, err, "", fmt, args);
    va_end(args);
}


/* hv_conf_log_error() with AFTER put behind " in FILE:LINE". */
static void
hv_conf_log(hv_uint_t level, hv_conf_t *cf, hv_err_t err, const char *after,
    const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    hv_conf_vlog_error(level, cf, err, after, fmt, args);
    va_end(args);
}


static void
hv_conf_vlog_error(hv_uint_t level, hv_conf_t *cf, hv_err_t err,
    const char *after, const char *fmt, va_list args)
{
    char msg[HV_MAX_ERROR_STR];
    hv_conf_lex_t *lx;
    int n;

    n = vsnprintf(msg, sizeof(msg), fmt, args);

    if (err != 0 && n >= 0 && (size_t) n < sizeof(msg)) {
        snprintf(msg + n, sizeof(msg) - n, " (%d: %s)", err, strerror(err));
    }

    lx = cf->lex;

    if (lx == NULL || hv_str_eq_cstr(&lx->name, HV_CONF_COMMAND_LINE)) {
        hv_log_error(
            level, cf->log, 0, "%s in " HV_CONF_COMMAND_LINE "%s", msg, after);
        return;
    }

    hv_log_error(level, cf->log, 0, "%s in %s:%lu%s", msg,
        (char *) lx->name.data, (unsigned long) lx->line, after);
}


int
hv_conf_full_name(hv_cycle_t *cycle, hv_str_t *name, bool conf_prefix)
{
    const hv_str_t *prefix;
    unsigned char *p, *last;
    bool slash;

    if (name->len > 0 && name->data[0] == '/') {
        /* copied all the same: callers rely on the NUL */
        p = hv_pstrdup(cycle->pool, name->data, name->len);
        if (p == NULL) {
            return HV_ERROR;
        }
        name->data = p;
        return HV_OK;
    }

    prefix = conf_prefix ? &cycle->conf_prefix : &cycle->prefix;
    slash = prefix->len > 0 && prefix->data[prefix->len - 1] != '/';

    p = hv_pnalloc(cycle->pool, prefix->len + slash + name->len + 1);
    if (p == NULL) {
        return HV_ERROR;
    }

    last = hv_cpymem(p, prefix->data, prefix->len);
    if (slash) {
        *last++ = '/';
    }
    last = hv_cpymem(last, name->data, name->len);
    *last = '\0';

    name->len = (size_t) (last - p);
    name->data = p;

    return HV_OK;
}
