/*
 * tests/fuzz/conf.c - the configuration parser (core/conf_lex.c,
 * conf_parse.c, conf_slots.c) with the real module table, from memory.
 *
 * Input: a configuration file.  Each input gets a fresh cycle built the
 * way core/cycle.c builds one (core modules' objects first, then the
 * parse, then every core module's init_conf), with test_config set and
 * nothing opened or bound; the cycle's pool is then destroyed, so a leak
 * or a use of freed memory is a finding (LeakSanitizer runs at exit and
 * libFuzzer checks leaks per input).  Only crashes, sanitizer reports and
 * leaks are findings: a refused configuration is a correct answer.
 *
 * Two things the real server does would make fuzzing slow or reach out
 * of the sandbox: "include" of an absolute path or of "../" (it could
 * glob the whole file system) is not fed to the parser (includes within
 * the empty conf prefix still are), and under libFuzzer getaddrinfo()
 * resolves numeric addresses and "localhost" only (no DNS).
 */
#include "core/core.h"
#include "core/cycle_internal.h"
#include "tests/fuzz/fuzz.h"

#ifndef HV_FUZZ_REPLAY
#include <dlfcn.h>
#include <netdb.h>
#endif


#define HV_FUZZ_POOL_SIZE (16 * 1024)


/* An empty directory, the conf prefix: includes there find nothing. */
static const char *
hv_fuzz_conf_dir(void)
{
    static char dir[64];

    if (dir[0] == '\0') {
        snprintf(dir, sizeof(dir), "/tmp/hv-fuzz-conf-%ld/", (long) getpid());
        if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
            abort();
        }
    }

    return dir;
}


static hv_cycle_t *
hv_fuzz_cycle(hv_pool_t *pool, hv_log_t *log)
{
    hv_cycle_t *cycle;

    cycle = hv_pcalloc(pool, sizeof(hv_cycle_t));
    if (cycle == NULL) {
        return NULL;
    }

    cycle->pool = pool;
    cycle->log = log;
    cycle->test_config = true;
    cycle->generation = 1;
    hv_queue_init(&cycle->reusable_connections);
    hv_str_set(&cycle->prefix, "/nonexistent/hive/");
    cycle->conf_prefix.data = (unsigned char *) hv_fuzz_conf_dir();
    cycle->conf_prefix.len = strlen(hv_fuzz_conf_dir());
    hv_str_set(&cycle->conf_file, "/nonexistent/hive/fuzz.conf");
    hv_str_set(&cycle->error_log, "/dev/null");

    if (hv_array_init(&cycle->listening, pool, 8, sizeof(hv_listening_t)) !=
            HV_OK ||
        hv_array_init(&cycle->open_files, pool, 8, sizeof(hv_log_file_t *)) !=
            HV_OK ||
        hv_array_init(&cycle->shm_zones, pool, 4, sizeof(hv_shm_zone_t)) !=
            HV_OK ||
        hv_array_init(&cycle->conf_dump, pool, 4, sizeof(hv_str_t)) != HV_OK) {
        return NULL;
    }

    cycle->conf = hv_pcalloc(pool, HV_MODULES_N * sizeof(void *));
    if (cycle->conf == NULL) {
        return NULL;
    }

    return hv_cycle_create_confs(cycle) == HV_OK ? cycle : NULL;
}


/* True for input that includes outside the empty conf prefix. */
static bool
hv_fuzz_conf_escapes(const uint8_t *data, size_t size)
{
    /* directive names are case-sensitive; quotes leave the bytes */
    return memmem(data, size, "include", sizeof("include") - 1) != NULL &&
           (memchr(data, '/', size) != NULL || memchr(data, '~', size) != NULL);
}


int
hv_fuzz_conf(const uint8_t *data, size_t size)
{
    hv_cycle_t *cycle;
    hv_pool_t *pool;
    hv_log_t *log;

    if (hv_fuzz_conf_escapes(data, size)) {
        return 0;
    }

    log = hv_fuzz_null_log();

    pool = hv_pool_create(HV_FUZZ_POOL_SIZE, log);
    if (pool == NULL) {
        abort();
    }

    cycle = hv_fuzz_cycle(pool, log);
    if (cycle == NULL) {
        abort();
    }

    /* the parse and the core modules' init_conf, as hv_cycle_init() runs */
    if (hv_cycle_parse_text(cycle, "fuzz.conf", data, size, NULL) == HV_OK) {
        (void) hv_cycle_init_confs(cycle);
    }

    hv_pool_destroy(pool);

    return 0;
}


#ifndef HV_FUZZ_REPLAY

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return hv_fuzz_conf(data, size);
}


/*
 * "listen name:80" resolves the name; a DNS query per input would make
 * the fuzzer crawl (or hang without a network).  This definition takes
 * precedence over the C library's for the driver binary.
 */
int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
    int (*real)(const char *, const char *, const struct addrinfo *,
        struct addrinfo **);
    struct addrinfo h;

    *(void **) &real = dlsym(RTLD_NEXT, "getaddrinfo");
    if (real == NULL) {
        return EAI_FAIL;
    }

    memset(&h, 0, sizeof(h));
    if (hints != NULL) {
        h = *hints;
    }

    if (node != NULL && strcmp(node, "localhost") != 0) {
        h.ai_flags |= AI_NUMERICHOST;
    }

    return real(node, service, &h, res);
}

#endif
