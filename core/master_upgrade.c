/*
 * core/master_upgrade.c - live binary upgrade (USR2), nginx's way.
 *
 * The old master renames its pid file to PID.oldbin and forks a child
 * that executes the binary again (the path argv[0] named at start, with
 * the same argv); the listening sockets stay open across the exec and
 * their numbers ride in the HIVE environment variable ("fd;fd;").  The
 * new master does not daemonize, so it stays the old master's child and
 * the old master learns from SIGCHLD when it exits (and takes its pid
 * file back).  Both generations accept on the same sockets until the
 * operator stops the old workers (WINCH) and the old master (QUIT), or
 * rolls back (HUP to the old master, QUIT to the new one).
 */
#include "core/core.h"
#include "core/process_internal.h"

#include <sys/wait.h>


extern char **environ;


/*
 * Process-wide, like the process title: set once by hv_upgrade_init() in
 * main() before anything else runs, read-only afterwards.
 */
static struct {
    char *path;        /* argv[0] resolved, NULL when it could not be */
    char *const *argv; /* the command line, passed on unchanged */
    pid_t parent;      /* the old master that exec'd us, 0 if none */
} hv_upgrade;


static char *hv_upgrade_resolve(const char *name);
static char *hv_upgrade_join(const char *dir, size_t dlen, const char *name);
static int hv_upgrade_oldbin(hv_cycle_t *cycle, char *buf, size_t size);
static char **hv_upgrade_env(hv_cycle_t *cycle);
static pid_t hv_upgrade_spawn(hv_cycle_t *cycle, char **env);
static _Noreturn void hv_upgrade_child(hv_cycle_t *cycle, char **env, int fd);


int
hv_upgrade_init(int argc, char **argv)
{
    if (argc < 1 || argv[0] == NULL) {
        return HV_OK;
    }

    hv_upgrade.argv = argv;
    hv_upgrade.path = hv_upgrade_resolve(argv[0]);

    if (getenv(HV_LISTENING_ENV) != NULL) {
        hv_upgrade.parent = getppid();
    }

    return HV_OK;
}


bool
hv_upgrade_inherited(void)
{
    return hv_upgrade.parent != 0;
}


/*
 * Resolved now, not at USR2: the cwd and PATH the operator started hive
 * with are the ones argv[0] was meant against.  A name without a slash is
 * searched in PATH as the shell did; nginx executes argv[0] as given and
 * cannot upgrade a binary started that way.
 */
static char *
hv_upgrade_resolve(const char *name)
{
    char cwd[PATH_MAX], *path;
    const char *dirs, *p, *colon;

    if (name[0] == '/') {
        return strdup(name);
    }

    if (strchr(name, '/') != NULL) {
        if (getcwd(cwd, sizeof(cwd)) == NULL) {
            return NULL;
        }
        return hv_upgrade_join(cwd, strlen(cwd), name);
    }

    dirs = getenv("PATH");
    if (dirs == NULL) {
        return NULL;
    }

    for (p = dirs; p != NULL; p = colon != NULL ? colon + 1 : NULL) {
        colon = strchr(p, ':');

        /* an empty entry is the cwd; a relative one is not worth keeping */
        if (*p != '/') {
            continue;
        }

        path = hv_upgrade_join(
            p, colon != NULL ? (size_t) (colon - p) : strlen(p), name);
        if (path != NULL && access(path, X_OK) == 0) {
            return path;
        }
        free(path);
    }

    return NULL;
}


static char *
hv_upgrade_join(const char *dir, size_t dlen, const char *name)
{
    size_t nlen;
    char *path;

    nlen = strlen(name);

    path = malloc(dlen + nlen + 2);
    if (path == NULL) {
        return NULL;
    }

    memcpy(path, dir, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, name, nlen + 1);

    return path;
}


pid_t
hv_upgrade_exec(hv_cycle_t *cycle, pid_t running)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    char oldbin[PATH_MAX];
    char **env;
    pid_t pid;

    if (running != 0) {
        hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
            "new binary process %d still runs: USR2 ignored", (int) running);
        return running;
    }

    if (hv_upgrade.path == NULL) {
        hv_log_error(HV_LOG_ERR, cycle->log, 0,
            "cannot tell which binary to execute (argv[0] \"%s\" was not "
            "found at start): upgrade not started",
            hv_upgrade.argv != NULL ? hv_upgrade.argv[0] : "");
        return 0;
    }

    /* nginx's rule: one upgrade at a time, counted from either side */
    if (hv_upgrade.parent != 0 && getppid() == hv_upgrade.parent) {
        hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
            "the old master process %d still runs: stop it or this one "
            "before the next upgrade; USR2 ignored",
            (int) hv_upgrade.parent);
        return 0;
    }

    if (hv_upgrade_oldbin(cycle, oldbin, sizeof(oldbin)) != HV_OK) {
        return 0;
    }

    env = hv_upgrade_env(cycle);
    if (env == NULL) {
        return 0;
    }

    if (rename((const char *) ccf->pid.data, oldbin) == -1) {
        hv_log_error(HV_LOG_ERR, cycle->log, errno,
            "upgrade not started: rename() \"%s\" to \"%s\" failed",
            (char *) ccf->pid.data, oldbin);
        free(env[0]);
        free(env);
        return 0;
    }

    pid = hv_upgrade_spawn(cycle, env);

    free(env[0]);
    free(env);

    if (pid == 0 && rename(oldbin, (const char *) ccf->pid.data) == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno,
            "rename() \"%s\" back to \"%s\" failed", oldbin,
            (char *) ccf->pid.data);
    }

    return pid;
}


static int
hv_upgrade_oldbin(hv_cycle_t *cycle, char *buf, size_t size)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    int n;

    n = snprintf(buf, size, "%s.oldbin", (char *) ccf->pid.data);
    if (n < 0 || (size_t) n >= size) {
        hv_log_error(HV_LOG_ERR, cycle->log, 0, "pid file name \"%s\" too long",
            (char *) ccf->pid.data);
        return HV_ERROR;
    }

    return HV_OK;
}


/*
 * The environment of the new binary: ours without any HIVE entry, then
 * HIVE=fd;fd; for every listening socket (reuseport copies included, in
 * the cycle's order, which numbers them by worker).  env[0] is the HIVE
 * string; both it and the array are the caller's to free.
 */
static char **
hv_upgrade_env(hv_cycle_t *cycle)
{
    hv_listening_t *ls = cycle->listening.elts;
    size_t n, k, size, len;
    hv_uint_t i;
    char **env, *var;

    size = sizeof(HV_LISTENING_ENV "=") + cycle->listening.nelts * 12;

    n = 0;
    while (environ[n] != NULL) {
        n++;
    }

    var = malloc(size);
    env = malloc((n + 2) * sizeof(char *));

    if (var == NULL || env == NULL) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "malloc() failed");
        free(var);
        free(env);
        return NULL;
    }

    len = (size_t) snprintf(var, size, "%s=", HV_LISTENING_ENV);
    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1) {
            len += (size_t) snprintf(var + len, size - len, "%d;", ls[i].fd);
        }
    }

    env[0] = var;
    k = 1;
    for (n = 0; environ[n] != NULL; n++) {
        if (strncmp(environ[n], HV_LISTENING_ENV "=",
                sizeof(HV_LISTENING_ENV "=") - 1) != 0) {
            env[k++] = environ[n];
        }
    }
    env[k] = NULL;

    return env;
}


/*
 * fork() and execve(); the child reports a failed exec over a
 * close-on-exec pipe, so the old master knows at once whether the new
 * binary runs (EOF) or not (an errno), and rolls back synchronously.
 */
static pid_t
hv_upgrade_spawn(hv_cycle_t *cycle, char **env)
{
    ssize_t n;
    pid_t pid;
    int fds[2], err;

    if (pipe2(fds, O_CLOEXEC) == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno, "pipe2() failed");
        return 0;
    }

    pid = fork();

    if (pid == -1) {
        hv_log_error(HV_LOG_ALERT, cycle->log, errno,
            "fork() failed while executing the new binary");
        (void) close(fds[0]);
        (void) close(fds[1]);
        return 0;
    }

    if (pid == 0) {
        (void) close(fds[0]);
        hv_upgrade_child(cycle, env, fds[1]);
    }

    (void) close(fds[1]);

    /* the master blocks its signals outside ppoll(): no EINTR here */
    do {
        n = read(fds[0], &err, sizeof(int));
    } while (n == -1 && errno == EINTR);

    (void) close(fds[0]);

    if (n == sizeof(int)) {
        /* the child has exited; the reaper ignores a pid it does not know */
        hv_log_error(HV_LOG_ERR, cycle->log, err,
            "upgrade not started: execve() \"%s\" failed", hv_upgrade.path);
        return 0;
    }

    hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
        "start new binary process %d (%s)", (int) pid, hv_upgrade.path);
    return pid;
}


/* In the child: only the listening sockets survive the exec. */
static _Noreturn void
hv_upgrade_child(hv_cycle_t *cycle, char **env, int fd)
{
    hv_listening_t *ls = cycle->listening.elts;
    sigset_t none;
    hv_uint_t i;
    int err;

    for (i = 0; i < cycle->listening.nelts; i++) {
        if (ls[i].fd != -1 && fcntl(ls[i].fd, F_SETFD, 0) == -1) {
            goto failed;
        }
    }

    /* a blocked mask survives exec; the new master starts clean */
    sigemptyset(&none);
    (void) sigprocmask(SIG_SETMASK, &none, NULL);

    (void) execve(hv_upgrade.path, hv_upgrade.argv, env);

failed:
    err = errno;
    (void) write(fd, &err, sizeof(int));
    _exit(1);
}


void
hv_upgrade_exited(hv_cycle_t *cycle, pid_t pid, int status)
{
    hv_core_conf_t *ccf = hv_core_conf(cycle);
    char oldbin[PATH_MAX];

    if (WIFSIGNALED(status)) {
        hv_log_error(HV_LOG_ERR, cycle->log, 0,
            "new binary process %d exited on signal %d", (int) pid,
            WTERMSIG(status));
    } else {
        hv_log_error(WEXITSTATUS(status) == 0 ? HV_LOG_NOTICE : HV_LOG_ERR,
            cycle->log, 0, "new binary process %d exited with code %d",
            (int) pid, WEXITSTATUS(status));
    }

    /* the pid file is ours again; written anew if .oldbin went away */
    if (hv_upgrade_oldbin(cycle, oldbin, sizeof(oldbin)) == HV_OK &&
        rename(oldbin, (const char *) ccf->pid.data) == 0) {
        return;
    }

    (void) hv_pid_file_write(cycle);
}


void
hv_upgrade_pid_file_delete(hv_cycle_t *cycle)
{
    char oldbin[PATH_MAX];

    if (hv_upgrade_oldbin(cycle, oldbin, sizeof(oldbin)) == HV_OK &&
        unlink(oldbin) == -1 && errno != ENOENT) {
        hv_log_error(
            HV_LOG_ALERT, cycle->log, errno, "unlink() \"%s\" failed", oldbin);
    }
}


bool
hv_upgrade_noaccept_allowed(hv_cycle_t *cycle)
{
    int fd;

    fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (fd == -1) {
        return true;
    }

    (void) close(fd);
    hv_log_error(HV_LOG_NOTICE, cycle->log, 0,
        "WINCH ignored: the master has a controlling terminal, where the "
        "signal means a window resize");
    return false;
}
