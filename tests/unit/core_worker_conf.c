/*
 * tests/unit/core_worker_conf.c - core/worker_conf.c: the environment a
 * worker gets from "env" (nginx's rules: TZ kept unless named, NAME taken
 * from the master, NAME=VALUE as given, nothing else), and the directive
 * reference of core/directives.c for a small table.
 */
#include "core/core.h"
#include "tests/tap.h"


/* Pushes each "word" of names (NULL-ended) onto a new env array. */
static hv_array_t *
hv_test_env(hv_pool_t *pool, const char *const *names)
{
    hv_array_t *env;
    hv_str_t *s;

    env = hv_array_create(pool, 4, sizeof(hv_str_t));
    for (; env != NULL && *names != NULL; names++) {
        s = hv_array_push(env);
        if (s == NULL) {
            return NULL;
        }
        s->data = (unsigned char *) *names;
        s->len = strlen(*names);
    }

    return env;
}


/* The entries of out joined with ' ', for one comparison. */
static const char *
hv_test_join(char **out)
{
    static char buf[512];
    size_t len = 0;

    buf[0] = '\0';
    for (; out != NULL && *out != NULL; out++) {
        len += (size_t) snprintf(
            buf + len, sizeof(buf) - len, "%s%s", len > 0 ? " " : "", *out);
    }

    return buf;
}


static void
hv_test_env_build(void)
{
    static char *const from[] = { "PATH=/bin", "TZ=UTC+5", "HOME=/root",
        "HIVE=3;4;", "KEEP=yes", "KEEPX=no", NULL };
    static const char *const none[] = { NULL };
    static const char *const some[] = { "KEEP", "MISSING", "NEW=v=1", NULL };
    static const char *const tz[] = { "TZ=UTC-2", NULL };
    static const char *const tz_bare[] = { "TZ", NULL };
    static char *const no_tz[] = { "PATH=/bin", NULL };
    hv_pool_t *pool;

    hv_tap_subtest("env");

    pool = hv_pool_create(1024, NULL);

    T_IS_STR(hv_test_join(hv_env_build(pool, hv_test_env(pool, none), from)),
        "TZ=UTC+5", "no env: TZ only (HIVE, PATH, HOME dropped)");
    T_IS_STR(hv_test_join(hv_env_build(pool, hv_test_env(pool, some), from)),
        "TZ=UTC+5 KEEP=yes NEW=v=1",
        "NAME from the master, a missing one skipped, NAME=VALUE as given");
    T_IS_STR(hv_test_join(hv_env_build(pool, hv_test_env(pool, tz), from)),
        "TZ=UTC-2", "env TZ=VALUE replaces the inherited TZ");
    T_IS_STR(hv_test_join(hv_env_build(pool, hv_test_env(pool, tz_bare), from)),
        "TZ=UTC+5", "a bare env TZ keeps it once");
    T_IS_STR(hv_test_join(hv_env_build(pool, hv_test_env(pool, none), no_tz)),
        "", "no TZ to keep: empty");
    T_OK(hv_env_build(pool, hv_test_env(pool, none), NULL) != NULL,
        "a NULL environment is empty");

    hv_pool_destroy(pool);
}


static void
hv_test_directives(void)
{
    static const hv_command_t cmds[] = { { "one", HV_MAIN_CONF | HV_CONF_TAKE1,
                                             NULL, 0, 0, NULL, "5s" },
        { "blk",
            HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF | HV_CONF_BLOCK |
                HV_CONF_TAKE12,
            NULL, 0, 0, NULL, "—" },
        { "odd", HV_EVENT_CONF | HV_CONF_TAKE13, NULL, 0, 0, NULL, NULL },
        hv_null_command };
    static const hv_module_t mod = { .name = "m", .commands = cmds };
    static const hv_module_t *const mods[] = { &mod, NULL };
    char *text;
    size_t len;
    FILE *f;

    hv_tap_subtest("directive reference");

    text = NULL;
    f = open_memstream(&text, &len);
    T_OK(f != NULL, "open_memstream");
    if (f == NULL) {
        return;
    }
    T_IS_INT(hv_directives_print(f, mods, true), HV_OK, "markdown printed");
    (void) fclose(f);

    T_IS_STR(text,
        "| directive | context | arguments | default | module |\n"
        "|---|---|---|---|---|\n"
        "| `include` | any | 1 | — | core |\n"
        "| `one` | main | 1 | `5s` | m |\n"
        "| `blk` | server, location | 1-2 { } | — | m |\n"
        "| `odd` | events | 1 or 3 | `?` | m |\n",
        "contexts, argument counts, defaults, a missing default as ?");
    free(text);
}


int
main(void)
{
    hv_test_env_build();
    hv_test_directives();

    return hv_tap_done();
}
