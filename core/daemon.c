/*
 * core/daemon.c - detaching from the terminal, the pid file, and "-s".
 */
#include "core/core.h"
#include "core/process_internal.h"


int
hv_daemonize(hv_log_t *log)
{
    pid_t pid;
    int fd;

    pid = fork();

    if (pid == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "fork() failed");
        return HV_ERROR;
    }

    if (pid > 0) {
        /* the parent only started us: no cleanup of what the child owns */
        _exit(0);
    }

    if (setsid() == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "setsid() failed");
        return HV_ERROR;
    }

    /* every file hive creates names its mode explicitly */
    umask(0);

    fd = open("/dev/null", O_RDWR);
    if (fd == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "open(\"/dev/null\") failed");
        return HV_ERROR;
    }

    if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1) {
        hv_log_error(HV_LOG_EMERG, log, errno, "dup2() failed");
        (void) close(fd);
        return HV_ERROR;
    }

    if (fd > STDERR_FILENO) {
        (void) close(fd);
    }

    return HV_OK;
}


int
hv_pid_file_write(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    char buf[32];
    ssize_t n;
    int fd, len;

    fd = open((const char *) ccf->pid.data,
        O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        hv_log_error(HV_LOG_EMERG, cycle->log, errno, "open() \"%s\" failed",
            (char *) ccf->pid.data);
        return HV_ERROR;
    }

    len = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    n = write(fd, buf, (size_t) len);

    if (n != len) {
        hv_log_error(HV_LOG_EMERG, cycle->log, n == -1 ? errno : 0,
            "write() to \"%s\" failed", (char *) ccf->pid.data);
        (void) close(fd);
        return HV_ERROR;
    }

    if (close(fd) == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "close() \"%s\" failed",
            (char *) ccf->pid.data);
    }

    return HV_OK;
}


void
hv_pid_file_delete(hv_cycle_t *cycle)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);

    if (unlink((const char *) ccf->pid.data) == -1 && errno != ENOENT) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "unlink() \"%s\" failed",
            (char *) ccf->pid.data);
    }
}


/* The pid in the file, or HV_ERROR after logging as nginx does. */
static pid_t
hv_pid_file_read(hv_cycle_t *cycle, const char *path)
{
    char buf[32];
    ssize_t n;
    int64_t pid;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        hv_log_error(
            HV_LOG_ERR, cycle->log, errno, "open() \"%s\" failed", path);
        return HV_ERROR;
    }

    n = read(fd, buf, sizeof(buf));
    if (n == -1) {
        hv_log_error(
            HV_LOG_ERR, cycle->log, errno, "read() \"%s\" failed", path);
        (void) close(fd);
        return HV_ERROR;
    }

    (void) close(fd);

    while (n > 0 &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) {
        n--;
    }

    pid = hv_atoi((unsigned char *) buf, (size_t) n, INT32_MAX);
    if (pid < 1) {
        hv_log_error(HV_LOG_ERR, cycle->log, 0,
            "invalid PID number \"%.*s\" in \"%s\"", (int) n, buf, path);
        return HV_ERROR;
    }

    return (pid_t) pid;
}


int
hv_signal_process(hv_cycle_t *cycle, const char *name)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    pid_t pid;
    int signo;

    signo = hv_signal_by_name(name);

    pid = hv_pid_file_read(cycle, (const char *) ccf->pid.data);
    if (pid == HV_ERROR) {
        return 1;
    }

    if (kill(pid, signo) == -1) {
        hv_log_error(HV_LOG_ERR, cycle->log, errno, "kill(%ld, %d) failed",
            (long) pid, signo);
        return 1;
    }

    return 0;
}
