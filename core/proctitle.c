/*
 * core/proctitle.c - process titles ("hive: master process ...", "hive:
 * worker process") for ps and top, on Linux by writing over the memory
 * that held argv and environ: /proc/PID/cmdline shows that area.
 *
 * The kernel lays the argument and environment strings out back to back;
 * the title may use all of them once they have been copied elsewhere, so
 * hv_proctitle_init() moves every argv and environ string to the heap
 * first (argv[] and environ then point at the copies, and getenv() keeps
 * working).  Cost: one copy of the command line and environment.
 */
#include "core/core.h"
#include "core/process_internal.h"


extern char **environ;


/*
 * Process-wide, like hv_process: the area the title may use and the
 * arguments it repeats.  Set once in main() before anything else runs,
 * read-only afterwards (a forked worker inherits its own copy).
 */
static struct {
    char *start; /* the original argv[0] */
    char *end;   /* one past the last byte of the area */
    int argc;
    char *const *argv; /* the heap copies */
} hv_proctitle;


static char *hv_proctitle_copy(const char *s);
static char *hv_proctitle_append(char *p, char *last, const char *s);


int
hv_proctitle_init(int argc, char **argv)
{
    char **env, *start, *end;
    size_t n, i;

    if (argc < 1 || argv[0] == NULL) {
        return HV_OK;
    }

    /* the area: every string contiguous with argv[0], argv then environ */
    start = argv[0];
    end = start;
    for (i = 0; i < (size_t) argc; i++) {
        if (argv[i] == end) {
            end += strlen(argv[i]) + 1;
        }
    }
    for (n = 0; environ[n] != NULL; n++) {
        if (environ[n] == end) {
            end += strlen(environ[n]) + 1;
        }
    }

    env = malloc((n + 1) * sizeof(char *));
    if (env == NULL) {
        fprintf(
            stderr, "hive: malloc() failed (%d: %s)\n", errno, strerror(errno));
        return HV_ERROR;
    }

    for (i = 0; i < n; i++) {
        env[i] = hv_proctitle_copy(environ[i]);
        if (env[i] == NULL) {
            return HV_ERROR;
        }
    }
    env[n] = NULL;
    environ = env;

    for (i = 0; i < (size_t) argc; i++) {
        argv[i] = hv_proctitle_copy(argv[i]);
        if (argv[i] == NULL) {
            return HV_ERROR;
        }
    }

    hv_proctitle.start = start;
    hv_proctitle.end = end;
    hv_proctitle.argc = argc;
    hv_proctitle.argv = argv;

    return HV_OK;
}


void
hv_proctitle_set(const char *what, bool args)
{
    char *p, *last;
    int i;

    if (hv_proctitle.start == NULL) {
        return;
    }

    /* the last byte stays NUL: the kernel then shows the area as is */
    p = hv_proctitle.start;
    last = hv_proctitle.end - 1;

    p = hv_proctitle_append(p, last, "hive: ");
    p = hv_proctitle_append(p, last, what);

    for (i = 0; args && i < hv_proctitle.argc; i++) {
        p = hv_proctitle_append(p, last, " ");
        p = hv_proctitle_append(p, last, hv_proctitle.argv[i]);
    }

    memset(p, '\0', (size_t) (hv_proctitle.end - p));
}


/* Copies as much of s as fits before last; returns the new end. */
static char *
hv_proctitle_append(char *p, char *last, const char *s)
{
    size_t n;

    n = hv_min(strlen(s), (size_t) (last - p));
    memcpy(p, s, n);

    return p + n;
}


/* strdup() that says on stderr when it fails (no log exists yet). */
static char *
hv_proctitle_copy(const char *s)
{
    char *p;

    p = strdup(s);
    if (p == NULL) {
        fprintf(
            stderr, "hive: strdup() failed (%d: %s)\n", errno, strerror(errno));
    }

    return p;
}
