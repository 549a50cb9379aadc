/*
 * core/log.h - the error log (STYLE 22-24).
 *
 * A line is "YYYY/MM/DD HH:MM:SS [level] PID#0: *CONN message, context"
 * where "*CONN " appears when log->connection is not zero and the context
 * suffix (", client: ..., server: ..., request: ...") comes from
 * log->handler.  Lines above log->level are dropped before formatting.
 *
 * A log object is cheap: connections and requests copy the cycle's log and
 * set their own connection number and handler.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

/* Level 0 is written whatever log->level says; it shows as "[stderr]". */
#define HV_LOG_STDERR 0
#define HV_LOG_EMERG 1
#define HV_LOG_ALERT 2
#define HV_LOG_CRIT 3
#define HV_LOG_ERR 4
#define HV_LOG_WARN 5
#define HV_LOG_NOTICE 6
#define HV_LOG_INFO 7
#define HV_LOG_DEBUG 8

/* Longest line written; the message is truncated to fit. */
#define HV_MAX_ERROR_STR 2048

/*
 * Writes the context suffix into buf (at most len bytes, no NUL needed)
 * and returns the number of bytes written.  log.c has already written
 * the message, " (ERRNO: text)", " while ACTION" (when log->action is
 * set) and the ", " separator, so the handler starts with "client: ...";
 * returning 0 removes the separator again.
 */
typedef size_t (*hv_log_handler_pt)(hv_log_t *log, char *buf, size_t len);

/* An open log file, shared by every hv_log_t that writes to it. */
typedef struct hv_log_file_s {
    int fd;
    hv_str_t name; /* NUL-terminated absolute path, or "stderr" */
    /* writes out what a user of the file holds back (a buffered access
       log) before USR1 reopens it; NULL when nothing is buffered */
    void (*flush)(struct hv_log_file_s *file, hv_log_t *log);
    void *data; /* the flush function's state */
    /* a failed write to an access log is not logged again before this
       (ms): a full disk must not add an error line per request */
    hv_msec_t error_quiet;
} hv_log_file_t;

struct hv_log_s {
    hv_uint_t level;
    hv_log_file_t *file;
    uint64_t connection; /* the connection number, 0 for none */
    hv_log_handler_pt handler;
    void *data;         /* for the handler */
    const char *action; /* "while reading client request headers" */
    hv_log_t *next;     /* a second log to write to, or NULL */
};

/*
 * Writes one line if level <= log->level.  err, when not 0, appends
 * " (ERRNO: strerror)".  Safe to call with log == NULL (writes to stderr).
 */
void hv_log_error(hv_uint_t level, hv_log_t *log, hv_err_t err, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* Same with a va_list. */
void hv_log_verror(hv_uint_t level, hv_log_t *log, hv_err_t err,
    const char *fmt, va_list args);

#ifdef HV_DEBUG
#define hv_log_debug(log, ...)                               \
    do {                                                     \
        if ((log) != NULL && (log)->level >= HV_LOG_DEBUG) { \
            hv_log_error(HV_LOG_DEBUG, log, 0, __VA_ARGS__); \
        }                                                    \
    } while (0)
#else
#define hv_log_debug(log, ...)                               \
    do {                                                     \
        if (0) {                                             \
            hv_log_error(HV_LOG_DEBUG, log, 0, __VA_ARGS__); \
        }                                                    \
    } while (0)
#endif

/*
 * The log used before any configuration is read: it writes to stderr
 * (or to the -e file once hv_log_open_early() is called) at notice.
 * Returns a pointer to a process-wide object.
 */
hv_log_t *hv_log_init(void);

/*
 * Opens `path` (append, create 0644) as the early log file, or "stderr".
 * Returns HV_OK or HV_ERROR (reported on stderr).
 */
int hv_log_open_early(hv_log_t *log, const char *path);

/*
 * Parses a level name ("debug".."emerg"); returns the level or HV_ERROR.
 */
int hv_log_level_parse(const hv_str_t *name);

/* The name of a level, e.g. "notice". */
const char *hv_log_level_name(hv_uint_t level);

/* Makes stderr (fd 2) point at log's file so stray writes land there. */
int hv_log_redirect_stderr(hv_log_t *log);

/*
 * Start-up echo (nginx's habit; used by core/main.c): while on, every line
 * at warn or more severe whose file is not stderr is also written to
 * stderr as "hive: [level] message" (no date, no pid, no context), so that
 * "hive -t" and a start that fails show the error on the terminal as well
 * as in the -e log.  Off by default; main() turns it off before stderr is
 * redirected to the error log.  Process-wide.
 */
void hv_log_stderr_echo(bool on);

/*
 * Refreshes the pid printed in "PID#0:" after fork(); core/process.c calls
 * it first thing in every child (a no-op if the pid is not cached).
 */
void hv_log_pid_update(void);

#endif /* HV_LOG_H */
