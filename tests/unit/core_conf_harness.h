/*
 * tests/unit/core_conf_harness.h - a bare configuration context for the
 * core_conf_* unit tests: a cycle built by hand (pool, prefixes, one conf
 * slot per module), a parser state over a test's own module table, a
 * temporary directory for files, and an error log in that directory whose
 * lines the test reads back as "[level] message".
 */
#ifndef HV_TEST_CONF_HARNESS_H
#define HV_TEST_CONF_HARNESS_H

#include "core/core.h"
#include "core/conf_internal.h"
#include "tests/tap.h"

#include <ftw.h>


#define HV_TEST_UNUSED __attribute__((unused))
#define HV_TEST_LOG_MAX 16384

typedef struct {
    hv_pool_t *pool;
    hv_cycle_t cycle;
    void *main_conf[HV_MODULES_N];
    hv_conf_ctx_t ctx;
    hv_conf_t cf;
    hv_log_t log;
    hv_log_file_t log_file;
    char dir[64];               /* the conf prefix, without its '/' */
    char text[HV_TEST_LOG_MAX]; /* what hv_test_log() returned last */
} hv_test_conf_t;


/* Points every field at a fresh state; exits when the system fails us. */
static HV_TEST_UNUSED void
hv_test_conf_init(hv_test_conf_t *t, const hv_module_t *const *modules)
{
    char path[128];

    memset(t, 0, sizeof(hv_test_conf_t));

    snprintf(t->dir, sizeof(t->dir), "/tmp/hv-conf-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }

    snprintf(path, sizeof(path), "%s/error.log", t->dir);
    t->log_file.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (t->log_file.fd == -1) {
        perror("open");
        exit(2);
    }
    hv_str_set(&t->log_file.name, "error.log");
    t->log.level = HV_LOG_INFO;
    t->log.file = &t->log_file;

    t->pool = hv_pool_create(HV_POOL_DEFAULT_SIZE, &t->log);
    if (t->pool == NULL) {
        exit(2);
    }

    t->cycle.pool = t->pool;
    t->cycle.log = &t->log;
    t->cycle.conf = t->main_conf;
    hv_str_set(&t->cycle.prefix, "/tmp/x/");
    t->cycle.conf_prefix.len = strlen(t->dir) + 1;
    t->cycle.conf_prefix.data = hv_pnalloc(t->pool, t->cycle.conf_prefix.len);
    memcpy(t->cycle.conf_prefix.data, t->dir, t->cycle.conf_prefix.len - 1);
    t->cycle.conf_prefix.data[t->cycle.conf_prefix.len - 1] = '/';

    t->ctx.main_conf = t->main_conf;

    t->cf.cycle = &t->cycle;
    t->cf.pool = t->pool;
    t->cf.log = &t->log;
    t->cf.ctx = &t->ctx;
    t->cf.cmd_type = HV_MAIN_CONF;
    t->cf.modules = modules;
}


static int
hv_test_conf_rm(
    const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;

    return remove(path);
}


static HV_TEST_UNUSED void
hv_test_conf_free(hv_test_conf_t *t)
{
    hv_pool_destroy(t->pool);
    close(t->log_file.fd);
    nftw(t->dir, hv_test_conf_rm, 8, FTW_DEPTH | FTW_PHYS);
}


/*
 * Returns the log lines written since the last call as "[level] message"
 * joined by "\n" ("" when none), and empties the log.
 */
static HV_TEST_UNUSED const char *
hv_test_log(hv_test_conf_t *t)
{
    char raw[HV_TEST_LOG_MAX], *line, *next, *level, *msg, *out;
    size_t left;
    ssize_t n;

    n = pread(t->log_file.fd, raw, sizeof(raw) - 1, 0);
    raw[n > 0 ? n : 0] = '\0';
    if (ftruncate(t->log_file.fd, 0) == -1) {
        perror("ftruncate");
        exit(2);
    }

    out = t->text;
    left = sizeof(t->text);
    *out = '\0';

    for (line = raw; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        next = (next != NULL) ? (*next = '\0', next + 1) : line + strlen(line);

        level = strchr(line, '[');
        msg = strstr(line, "#0: ");
        if (level == NULL || msg == NULL) {
            continue;
        }
        *strchr(level, ' ') = '\0';

        n = snprintf(
            out, left, "%s%s %s", out == t->text ? "" : "\n", level, msg + 4);
        if (n < 0 || (size_t) n >= left) {
            break;
        }
        out += n;
        left -= (size_t) n;
    }

    return t->text;
}


/* Parses text as the buffer "t.conf". */
static HV_TEST_UNUSED char *
hv_test_parse(hv_test_conf_t *t, const char *text)
{
    return hv_conf_parse_buffer(
        &t->cf, "t.conf", (const unsigned char *) text, strlen(text));
}


/* Writes text into the file name under the test's directory. */
static HV_TEST_UNUSED void
hv_test_write(hv_test_conf_t *t, const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", t->dir, name);
    f = fopen(path, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}


/* Parses the file name (relative to the conf prefix). */
static HV_TEST_UNUSED char *
hv_test_parse_file(hv_test_conf_t *t, const char *name)
{
    hv_str_t s;

    s.len = strlen(name);
    s.data = (unsigned char *) name;

    return hv_conf_parse(&t->cf, &s);
}

#endif /* HV_TEST_CONF_HARNESS_H */
