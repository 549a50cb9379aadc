/*
 * tests/unit/core_log.c - core/log.c: the exact line shape operators grep
 * for, level filtering, the errno suffix, connection numbers, the context
 * handler, truncation, log chains, the pid after fork, the start-up echo
 * and the stderr redirection.
 */
#include "core/core.h"
#include "tests/tap.h"

#include <sys/wait.h>


static char hv_test_dir[] = "/tmp/hv-core-log-XXXXXX";
static char hv_test_buf[16384];


/* Opens (truncating) DIR/name; the test fails loudly when it cannot. */
static int
hv_test_open(const char *name, char *path, size_t len)
{
    int fd;

    snprintf(path, len, "%s/%s", hv_test_dir, name);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    T_OK(fd != -1, "open %s", path);

    return fd;
}


/* Empties a log file between checks. */
static void
hv_test_truncate(int fd)
{
    T_OK(ftruncate(fd, 0) == 0, "truncate");
}


/* Reads the whole file at path into hv_test_buf (NUL-terminated). */
static const char *
hv_test_slurp(const char *path)
{
    ssize_t n;
    size_t len;
    int fd;

    len = 0;
    fd = open(path, O_RDONLY);
    if (fd != -1) {
        while (len < sizeof(hv_test_buf) - 1) {
            n = read(fd, hv_test_buf + len, sizeof(hv_test_buf) - 1 - len);
            if (n <= 0) {
                break;
            }
            len += (size_t) n;
        }
        close(fd);
    }

    hv_test_buf[len] = '\0';

    return hv_test_buf;
}


/*
 * true when line is "YYYY/MM/DD HH:MM:SS [level] PID#0: rest" with this
 * process's pid (or pid when not 0).
 */
static bool
hv_test_line_is(
    const char *line, const char *level, pid_t pid, const char *rest)
{
    static const char shape[] = "DDDD/DD/DD DD:DD:DD ";
    char expect[HV_MAX_ERROR_STR + 64];
    size_t i;

    for (i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'D' ? (line[i] < '0' || line[i] > '9')
                            : line[i] != shape[i]) {
            return false;
        }
    }

    snprintf(expect, sizeof(expect), "[%s] %ld#0: %s", level,
        (long) (pid != 0 ? pid : getpid()), rest);

    return strcmp(line + sizeof(shape) - 1, expect) == 0;
}


/* A context handler like the HTTP layer's: uses the whole room given. */
static size_t
hv_test_context(hv_log_t *log, char *buf, size_t len)
{
    static char text[8192];
    int n;

    n = snprintf(text, sizeof(text), "client: %s, server: localhost",
        (const char *) log->data);
    if (n < 0) {
        return 0;
    }

    n = (int) hv_min((size_t) n, len);
    memcpy(buf, text, (size_t) n);

    return (size_t) n;
}


static size_t
hv_test_no_context(hv_log_t *log, char *buf, size_t len)
{
    (void) log;
    (void) buf;
    (void) len;

    return 0;
}


static void
hv_test_shape_and_levels(void)
{
    char path[256];
    hv_log_file_t file;
    hv_log_t log;
    const char *text;
    char *nl;

    hv_tap_subtest("line shape and levels");

    file.fd = hv_test_open("shape.log", path, sizeof(path));
    file.name.data = (unsigned char *) path;
    file.name.len = strlen(path);

    memset(&log, 0, sizeof(log));
    log.level = HV_LOG_NOTICE;
    log.file = &file;

    hv_log_error(HV_LOG_NOTICE, &log, 0, "hello %d", 5);
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "notice", 0, "hello 5\n"), "notice line");

    hv_log_error(HV_LOG_INFO, &log, 0, "info is filtered");
    hv_log_error(HV_LOG_DEBUG, &log, 0, "debug is filtered");
    T_IS_INT(strlen(hv_test_slurp(path)), strlen(text),
        "info and debug "
        "are dropped at notice");

    hv_test_truncate(file.fd);
    hv_log_error(HV_LOG_ERR, &log, ENOENT, "open() \"%s\" failed", "/x");
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "error", 0,
             "open() \"/x\" failed (2: No such file or directory)\n"),
        "errno suffix");

    hv_test_truncate(file.fd);
    log.level = HV_LOG_EMERG;
    hv_log_error(HV_LOG_ALERT, &log, 0, "alert is filtered at emerg");
    hv_log_error(HV_LOG_STDERR, &log, 0, "level 0 always");
    hv_log_error(HV_LOG_EMERG, &log, 0, "emerg");
    text = hv_test_slurp(path);
    nl = strchr(text, '\n');
    T_OK(nl != NULL, "two lines");
    if (nl != NULL) {
        T_OK(strncmp(nl + 1 + 20, "[emerg] ", 8) == 0, "emerg passes");
        nl[1] = '\0';
    }
    T_OK(hv_test_line_is(text, "stderr", 0, "level 0 always\n"),
        "level 0 is written at any level");

    hv_test_truncate(file.fd);
    log.level = HV_LOG_DEBUG;
    log.connection = 42;
    hv_log_error(HV_LOG_DEBUG, &log, 0, "debug with a connection");
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "debug", 0, "*42 debug with a connection\n"),
        "\"*CONN \" follows the pid");

    close(file.fd);
}


static void
hv_test_context_suffix(void)
{
    char path[256];
    hv_log_file_t file;
    hv_log_t log;
    const char *text;

    hv_tap_subtest("context handler and action");

    file.fd = hv_test_open("context.log", path, sizeof(path));
    file.name.data = (unsigned char *) path;
    file.name.len = strlen(path);

    memset(&log, 0, sizeof(log));
    log.level = HV_LOG_INFO;
    log.file = &file;
    log.connection = 7;
    log.handler = hv_test_context;
    log.data = "127.0.0.1";

    hv_log_error(HV_LOG_ERR, &log, EACCES, "open() \"%s\" failed", "/y");
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "error", 0,
             "*7 open() \"/y\" failed (13: Permission denied), "
             "client: 127.0.0.1, server: localhost\n"),
        "errno before the context");

    hv_test_truncate(file.fd);
    log.action = "reading client request headers";
    hv_log_error(HV_LOG_INFO, &log, 0, "client timed out");
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "info", 0,
             "*7 client timed out while reading client request headers, "
             "client: 127.0.0.1, server: localhost\n"),
        "action then context");

    hv_test_truncate(file.fd);
    log.action = NULL;
    log.handler = hv_test_no_context;
    hv_log_error(HV_LOG_INFO, &log, 0, "no context");
    text = hv_test_slurp(path);
    T_OK(hv_test_line_is(text, "info", 0, "*7 no context\n"),
        "an empty context leaves no separator");

    close(file.fd);
}


static void
hv_test_truncation(void)
{
    static char big[5000];
    char path[256];
    hv_log_file_t file;
    hv_log_t log;
    const char *text, *suffix;
    size_t len, slen;

    hv_tap_subtest("truncation");

    file.fd = hv_test_open("long.log", path, sizeof(path));
    file.name.data = (unsigned char *) path;
    file.name.len = strlen(path);

    memset(&log, 0, sizeof(log));
    log.level = HV_LOG_NOTICE;
    log.file = &file;

    memset(big, 'a', sizeof(big) - 1);
    hv_log_error(HV_LOG_ERR, &log, ENOENT, "%s", big);
    text = hv_test_slurp(path);
    len = strlen(text);
    T_IS_INT(len, HV_MAX_ERROR_STR, "the line is cut to HV_MAX_ERROR_STR");

    suffix = "aaa... (2: No such file or directory)\n";
    slen = strlen(suffix);
    T_OK(len > slen && strcmp(text + len - slen, suffix) == 0,
        "the message ends with \"...\" and keeps the errno suffix");
    T_IS_INT(strchr(text, '\n') - text, (long) len - 1, "a single line");

    hv_test_truncate(file.fd);
    log.handler = hv_test_context;
    log.data = big;
    hv_log_error(HV_LOG_ERR, &log, 0, "short message");
    text = hv_test_slurp(path);
    len = strlen(text);
    T_IS_INT(len, HV_MAX_ERROR_STR, "an over-long context is cut too");
    T_OK(len > 0 && text[len - 1] == '\n', "and the line still ends");

    close(file.fd);
}


static void
hv_test_chain(void)
{
    char path1[256], path2[256];
    hv_log_file_t f1, f2;
    hv_log_t l1, l2;
    char *text1, *text2;

    hv_tap_subtest("log chain");

    f1.fd = hv_test_open("chain1.log", path1, sizeof(path1));
    f2.fd = hv_test_open("chain2.log", path2, sizeof(path2));

    memset(&l1, 0, sizeof(l1));
    memset(&l2, 0, sizeof(l2));
    l1.level = HV_LOG_NOTICE;
    l1.file = &f1;
    l1.next = &l2;
    l2.level = HV_LOG_ERR;
    l2.file = &f2;

    hv_log_error(HV_LOG_NOTICE, &l1, 0, "first only");
    hv_log_error(HV_LOG_CRIT, &l1, 0, "both");

    l1.level = HV_LOG_EMERG;
    l2.level = HV_LOG_WARN;
    hv_log_error(HV_LOG_WARN, &l1, 0, "second only");

    text1 = strdup(hv_test_slurp(path1));
    text2 = strdup(hv_test_slurp(path2));

    T_OK(text1 != NULL && strstr(text1, "first only\n") != NULL &&
             strstr(text1, "both\n") != NULL &&
             strstr(text1, "second only") == NULL,
        "first log got its levels");
    T_OK(text2 != NULL && strstr(text2, "first only") == NULL &&
             strstr(text2, "[crit]") != NULL &&
             strstr(text2, "both\n") != NULL &&
             strstr(text2, "second only\n") != NULL,
        "second log got its levels");

    free(text1);
    free(text2);
    close(f1.fd);
    close(f2.fd);
}


static void
hv_test_fork(void)
{
    char path[256];
    hv_log_file_t file;
    hv_log_t log;
    const char *text, *nl;
    pid_t pid;
    int status;

    hv_tap_subtest("pid after fork");

    file.fd = hv_test_open("fork.log", path, sizeof(path));

    memset(&log, 0, sizeof(log));
    log.level = HV_LOG_NOTICE;
    log.file = &file;

    /* The parent's pid is cached by its first line. */
    hv_log_error(HV_LOG_NOTICE, &log, 0, "parent");

    pid = fork();
    if (pid == 0) {
        hv_log_pid_update();
        hv_log_error(HV_LOG_NOTICE, &log, 0, "child");
        _exit(0);
    }

    T_OK(pid > 0, "fork");
    T_IS_INT(waitpid(pid, &status, 0), pid, "child reaped");

    text = hv_test_slurp(path);
    nl = strchr(text, '\n');
    T_OK(nl != NULL && hv_test_line_is(nl + 1, "notice", pid, "child\n"),
        "the child's line carries the child's pid");

    close(file.fd);
}


/* Runs the next checks with fd 2 pointing at DIR/name. */
static int
hv_test_capture_stderr(const char *name, char *path, size_t len)
{
    int saved, fd;

    fflush(stderr);
    saved = dup(2);
    fd = hv_test_open(name, path, len);
    dup2(fd, 2);
    close(fd);

    return saved;
}


static void
hv_test_restore_stderr(int saved)
{
    dup2(saved, 2);
    close(saved);
}


static void
hv_test_echo(void)
{
    static const char expect[] =
        "hive: [emerg] open() \"/z\" failed (2: No such file or directory)\n"
        "hive: [warn] a warning\n";
    char path[256], epath[256];
    hv_log_file_t file, errfile;
    hv_log_t log, errlog;
    int saved;

    hv_tap_subtest("start-up echo to stderr");

    file.fd = hv_test_open("echo-file.log", path, sizeof(path));

    memset(&log, 0, sizeof(log));
    log.level = HV_LOG_NOTICE;
    log.file = &file;
    log.connection = 3;

    errfile.fd = 2;
    errlog = log;
    errlog.file = &errfile;

    saved = hv_test_capture_stderr("echo.log", epath, sizeof(epath));

    hv_log_stderr_echo(true);
    hv_log_error(HV_LOG_EMERG, &log, ENOENT, "open() \"%s\" failed", "/z");
    hv_log_error(HV_LOG_WARN, &log, 0, "a warning");
    hv_log_error(HV_LOG_NOTICE, &log, 0, "notice is not echoed");
    hv_log_error(HV_LOG_ERR, &errlog, 0, "stderr log, once");
    hv_log_stderr_echo(false);
    hv_log_error(HV_LOG_EMERG, &log, 0, "echo is off");

    hv_test_restore_stderr(saved);

    T_OK(strstr(hv_test_slurp(path), "echo is off") != NULL,
        "the file got every line");

    hv_test_slurp(epath);
    T_OK(strncmp(hv_test_buf, expect, strlen(expect)) == 0,
        "echo lines have no date, pid or connection");
    T_OK(strstr(hv_test_buf, "notice") == NULL, "notice not echoed");
    T_OK(strstr(hv_test_buf, "echo is off") == NULL, "echo switched off");
    T_OK(strstr(hv_test_buf, "hive: [error] stderr log") == NULL &&
             strstr(hv_test_buf, "#0: *3 stderr log, once\n") != NULL,
        "a line already on stderr is not echoed again");

    close(file.fd);
}


static void
hv_test_early_and_redirect(void)
{
    char path[256], epath[256], bad[300], *nl;
    hv_str_t name, err = hv_string("err");
    hv_log_t *early;
    hv_uint_t level;
    int saved;

    hv_tap_subtest("early log, NULL log, redirect");

    early = hv_log_init();
    T_OK(early != NULL && early == hv_log_init(), "one process-wide log");
    T_IS_INT(early->level, HV_LOG_NOTICE, "at notice");
    T_IS_INT(early->file->fd, 2, "on stderr");

    saved = hv_test_capture_stderr("null.log", epath, sizeof(epath));
    hv_log_error(HV_LOG_NOTICE, NULL, 0, "a NULL log");
    snprintf(bad, sizeof(bad), "%s/no/such/dir/e.log", hv_test_dir);
    T_IS_INT(hv_log_open_early(early, bad), HV_ERROR, "bad -e path fails");
    hv_test_restore_stderr(saved);

    hv_test_slurp(epath);
    nl = strchr(hv_test_buf, '\n');
    if (nl != NULL) {
        nl[1] = '\0';
    }
    T_OK(hv_test_line_is(hv_test_buf, "notice", 0, "a NULL log\n"),
        "a NULL log writes to stderr");

    hv_test_slurp(epath);
    T_OK(strstr(hv_test_buf, "[emerg]") != NULL &&
             strstr(hv_test_buf, "(2: No such file or directory)") != NULL,
        "the -e failure is reported on stderr");

    snprintf(path, sizeof(path), "%s/early.log", hv_test_dir);
    T_IS_INT(hv_log_open_early(early, path), HV_OK, "-e FILE opens");
    T_IS_STR((char *) early->file->name.data, path, "the file has its name");
    hv_log_error(HV_LOG_NOTICE, early, 0, "into the early file");

    saved = dup(2);
    T_IS_INT(hv_log_redirect_stderr(early), HV_OK, "redirect stderr");
    T_IS_INT(write(2, "stray write\n", 12), 12, "write to fd 2");
    hv_test_restore_stderr(saved);

    hv_test_slurp(path);
    T_OK(strstr(hv_test_buf, "into the early file\n") != NULL,
        "the early file got the line");
    T_OK(strstr(hv_test_buf, "\nstray write\n") != NULL,
        "stray stderr writes land in the log file");

    T_IS_INT(hv_log_open_early(early, "stderr"), HV_OK, "back to stderr");
    T_IS_INT(early->file->fd, 2, "fd 2 again");
    T_IS_INT(hv_log_redirect_stderr(early), HV_OK,
        "redirecting stderr onto itself is a no-op");

    for (level = HV_LOG_EMERG; level <= HV_LOG_DEBUG; level++) {
        name.data = (unsigned char *) hv_log_level_name(level);
        name.len = strlen((char *) name.data);
        T_IS_INT(hv_log_level_parse(&name), (int) level, "level %s",
            (char *) name.data);
    }
    T_IS_STR(hv_log_level_name(HV_LOG_ERR), "error", "ERR is \"error\"");
    T_IS_INT(hv_log_level_parse(&err), HV_ERROR, "\"err\" is unknown");
}


/* Removes the files the checks made, then the directory. */
static void
hv_test_cleanup(void)
{
    static const char *const names[] = { "shape.log", "context.log", "long.log",
        "chain1.log", "chain2.log", "fork.log", "echo-file.log", "echo.log",
        "null.log", "early.log" };
    char path[256];
    size_t i;

    for (i = 0; i < hv_nelems(names); i++) {
        snprintf(path, sizeof(path), "%s/%s", hv_test_dir, names[i]);
        (void) unlink(path);
    }

    T_OK(rmdir(hv_test_dir) == 0, "every file was cleaned up");
}


int
main(void)
{
    if (mkdtemp(hv_test_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }

    hv_test_shape_and_levels();
    hv_test_context_suffix();
    hv_test_truncation();
    hv_test_chain();
    hv_test_fork();
    hv_test_echo();
    hv_test_early_and_redirect();

    hv_test_cleanup();

    return hv_tap_done();
}
