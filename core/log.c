/*
 * core/log.c - the error log (see log.h).
 *
 * Each line is formatted once on the stack and written with a single
 * write() to every file of the log chain that wants it.  Log files are
 * opened with O_APPEND, so lines from the master and every worker land
 * whole even when they share the file: the kernel makes each append
 * atomic for regular files.
 */
#include "core/core.h"


/* The early log's file name buffer; -e paths longer than this fail. */
#define HV_LOG_PATH_MAX 4096

/* Room for " (ERRNO: strerror text)". */
#define HV_LOG_ERRSTR_MAX 160

static const char *const hv_log_levels[] = { "stderr", "emerg", "alert", "crit",
    "error", "warn", "notice", "info", "debug" };

/*
 * Process-wide state, documented in log.h: the early log (used until a
 * configuration names its own), its file, the cached pid and the
 * start-up echo switch.
 */
static hv_log_file_t hv_log_stderr_file = { .fd = 2,
    .name = hv_string("stderr") };
static hv_log_file_t hv_log_early_file = { .fd = -1, .name = hv_null_string };
static char hv_log_early_path[HV_LOG_PATH_MAX];
static hv_log_t hv_log_early = { .level = HV_LOG_NOTICE,
    .file = &hv_log_stderr_file };
static pid_t hv_log_pid;
static bool hv_log_echo;


const char *
hv_log_level_name(hv_uint_t level)
{
    if (level >= hv_nelems(hv_log_levels)) {
        return "unknown";
    }

    return hv_log_levels[level];
}


int
hv_log_level_parse(const hv_str_t *name)
{
    hv_uint_t i;

    /* Level 0 is not a configurable level: start at emerg. */
    for (i = HV_LOG_EMERG; i < hv_nelems(hv_log_levels); i++) {
        if (hv_str_eq_cstr(name, hv_log_levels[i])) {
            return (int) i;
        }
    }

    return HV_ERROR;
}


void
hv_log_pid_update(void)
{
    hv_log_pid = getpid();
}


void
hv_log_stderr_echo(bool on)
{
    hv_log_echo = on;
}


/* write() the whole line, retrying when a signal interrupts it. */
static void
hv_log_write(int fd, const char *buf, size_t len)
{
    ssize_t n;

    do {
        n = write(fd, buf, len);
    } while (n == -1 && errno == EINTR);

    /* A failed or short write to the error log has nowhere to be
     * reported; dropping the line is all that is left. */
}


/* Appends src (n bytes) at *p, clipped at last; returns the new *p. */
static char *
hv_log_append(char *p, const char *last, const char *src, size_t n)
{
    if (n > (size_t) (last - p)) {
        n = (size_t) (last - p);
    }

    memcpy(p, src, n);

    return p + n;
}


/* Writes "hive: [level] message\n" to stderr (the start-up echo). */
static void
hv_log_echo_line(hv_uint_t level, const char *msg, size_t len)
{
    char buf[HV_MAX_ERROR_STR + 32], *p, *last;
    const char *name;

    p = buf;
    last = buf + sizeof(buf) - 1;
    name = hv_log_level_name(level);

    p = hv_log_append(p, last, "hive: ", 6);

    /* Level 0 is a plain message with no level, as on a terminal. */
    if (level != HV_LOG_STDERR) {
        p = hv_log_append(p, last, "[", 1);
        p = hv_log_append(p, last, name, strlen(name));
        p = hv_log_append(p, last, "] ", 2);
    }
    p = hv_log_append(p, last, msg, len);
    *p++ = '\n';

    hv_log_write(2, buf, (size_t) (p - buf));
}


/*
 * Formats "YYYY/MM/DD HH:MM:SS [level] PID#0: " and "*CONN " into buf;
 * returns the end.  buf has room: this is far shorter than the line.
 */
static char *
hv_log_header(char *buf, hv_uint_t level, hv_log_t *log)
{
    unsigned char *p;
    const char *name;

    if (hv_cached_time.sec == 0) {
        hv_time_update();
    }

    if (hv_log_pid == 0) {
        hv_log_pid = getpid();
    }

    name = hv_log_level_name(level);

    p = hv_cpymem((unsigned char *) buf, hv_cached_time.err_log_time, 19);
    p = hv_cpymem(p, " [", 2);
    p = hv_cpymem(p, name, strlen(name));
    p = hv_cpymem(p, "] ", 2);
    p = hv_sprint_uint(p, (uint64_t) hv_log_pid);
    p = hv_cpymem(p, "#0: ", 4);

    if (log->connection != 0) {
        *p++ = '*';
        p = hv_sprint_uint(p, log->connection);
        *p++ = ' ';
    }

    return (char *) p;
}


/*
 * Formats the message part into p..last: the message (marked "..." when
 * cut), then the " (ERRNO: text)" suffix, which is never cut.
 */
static char *
hv_log_message(char *p, char *last, hv_err_t err, const char *fmt, va_list args)
{
    char errstr[HV_LOG_ERRSTR_MAX], *limit;
    size_t errlen, i;
    bool cut;
    int n;

    errlen = 0;
    if (err != 0) {
        n = snprintf(errstr, sizeof(errstr), " (%d: %s)", err, strerror(err));
        errlen = hv_min((size_t) n, sizeof(errstr) - 1);
    }

    limit = last - errlen;

    /* vsnprintf() wants room for its NUL: one byte past limit is ours. */
    n = vsnprintf(p, (size_t) (limit - p) + 1, fmt, args);

    if (n < 0) {
        n = 0;
    }

    cut = (size_t) n > (size_t) (limit - p);
    if (cut) {
        n = (int) (limit - p);
    }

    /* file names and other client-made text may hold CR, LF or ESC: one
     * '?' each, so that no message can forge or hide a log line */
    for (i = 0; i < (size_t) n; i++) {
        if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f) {
            p[i] = '?';
        }
    }

    p += n;
    if (cut) {
        memcpy(p - 3, "...", 3);
    }

    return hv_log_append(p, last, errstr, errlen);
}


/* Appends " while ACTION" and ", CONTEXT" from the log's handler. */
static char *
hv_log_context(char *p, char *last, hv_log_t *log)
{
    size_t n;

    if (log->action != NULL) {
        p = hv_log_append(p, last, " while ", 7);
        p = hv_log_append(p, last, log->action, strlen(log->action));
    }

    if (log->handler != NULL && last - p > 2) {
        p = hv_log_append(p, last, ", ", 2);

        n = log->handler(log, p, (size_t) (last - p));
        if (n == 0) {
            p -= 2;
        }

        p += hv_min(n, (size_t) (last - p));
    }

    return p;
}


void
hv_log_verror(
    hv_uint_t level, hv_log_t *log, hv_err_t err, const char *fmt, va_list args)
{
    char line[HV_MAX_ERROR_STR], *p, *last, *msg, *msg_end;
    hv_log_t *l;
    bool to_stderr;
    int saved_errno;

    if (log == NULL) {
        log = hv_log_init();
    }

    for (l = log; l != NULL; l = l->next) {
        if (level <= l->level) {
            break;
        }
    }

    if (l == NULL) {
        return;
    }

    saved_errno = errno;

    /* The last byte of line is kept for the newline. */
    last = line + sizeof(line) - 1;

    msg = hv_log_header(line, level, log);
    msg_end = hv_log_message(msg, last, err, fmt, args);
    p = hv_log_context(msg_end, last, log);
    *p++ = '\n';

    to_stderr = false;

    for (l = log; l != NULL; l = l->next) {
        if (level > l->level || l->file == NULL || l->file->fd == -1) {
            continue;
        }

        hv_log_write(l->file->fd, line, (size_t) (p - line));

        if (l->file->fd == 2) {
            to_stderr = true;
        }
    }

    if (hv_log_echo && level <= HV_LOG_WARN && !to_stderr) {
        hv_log_echo_line(level, msg, (size_t) (msg_end - msg));
    }

    errno = saved_errno;
}


void
hv_log_error(hv_uint_t level, hv_log_t *log, hv_err_t err, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    hv_log_verror(level, log, err, fmt, args);
    va_end(args);
}


hv_log_t *
hv_log_init(void)
{
    return &hv_log_early;
}


int
hv_log_open_early(hv_log_t *log, const char *path)
{
    size_t len;
    int fd;

    if (strcmp(path, "stderr") == 0) {
        log->file = &hv_log_stderr_file;
        return HV_OK;
    }

    len = strlen(path);
    if (len == 0 || len >= sizeof(hv_log_early_path)) {
        hv_log_error(
            HV_LOG_EMERG, log, 0, "invalid error log path \"%s\"", path);
        return HV_ERROR;
    }

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "open() \"%s\" failed", path);
        return HV_ERROR;
    }

    /* A second call (a new -e) replaces the first file. */
    if (hv_log_early_file.fd != -1) {
        (void) close(hv_log_early_file.fd);
    }

    memcpy(hv_log_early_path, path, len + 1);
    hv_log_early_file.fd = fd;
    hv_log_early_file.name.data = (unsigned char *) hv_log_early_path;
    hv_log_early_file.name.len = len;
    log->file = &hv_log_early_file;

    return HV_OK;
}


int
hv_log_redirect_stderr(hv_log_t *log)
{
    if (log->file == NULL || log->file->fd == -1 || log->file->fd == 2) {
        return HV_OK;
    }

    if (dup2(log->file->fd, 2) == -1) {
        hv_log_error(
            HV_LOG_ALERT, log, errno, "dup2(%d, 2) failed", log->file->fd);
        return HV_ERROR;
    }

    return HV_OK;
}
