/*
 * tests/tap.c - the TAP producer behind tests/tap.h.
 */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>


#define HV_TAP_DUMP_MAX 256 /* bytes of a failed comparison shown */

static unsigned long hv_tap_run;
static unsigned long hv_tap_failed;

static bool hv_tap_vresult(bool pass, const char *file, int line,
    const char *fmt, va_list ap) HV_TAP_PRINTF(4, 0);


/*
 * Prints the result line.  TAP reads "#" in a description as the start of a
 * directive ("# SKIP"), so it is escaped; a newline would end the line.
 */
static bool
hv_tap_vresult(
    bool pass, const char *file, int line, const char *fmt, va_list ap)
{
    char desc[1024];
    const char *p;

    vsnprintf(desc, sizeof(desc), fmt, ap);

    hv_tap_run++;
    printf("%sok %lu - ", pass ? "" : "not ", hv_tap_run);

    for (p = desc; *p != '\0'; p++) {
        if (*p == '#') {
            putchar('\\');
        }
        putchar(*p == '\n' || *p == '\r' ? ' ' : *p);
    }

    putchar('\n');
    fflush(stdout);

    if (!pass) {
        hv_tap_failed++;
        fprintf(stderr, "#   at %s:%d\n", file, line);
    }

    return pass;
}


/* Prints "#   LABEL: 'BYTES'" with non-printable bytes as \xNN. */
static void
hv_tap_dump(const char *label, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t i;

    if (p == NULL) {
        fprintf(stderr, "#   %8s: NULL\n", label);
        return;
    }

    fprintf(stderr, "#   %8s: '", label);

    for (i = 0; i < len && i < HV_TAP_DUMP_MAX; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '\'') {
            fputc(p[i], stderr);
        } else {
            fprintf(stderr, "\\x%02x", p[i]);
        }
    }

    fprintf(stderr, "'%s (%zu bytes)\n", i < len ? "..." : "", len);
}


bool
hv_tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pass = hv_tap_vresult(pass, file, line, fmt, ap);
    va_end(ap);

    return pass;
}


bool
hv_tap_is_int(long long got, long long exp, const char *file, int line,
    const char *fmt, ...)
{
    va_list ap;
    bool pass;

    va_start(ap, fmt);
    pass = hv_tap_vresult(got == exp, file, line, fmt, ap);
    va_end(ap);

    if (!pass) {
        fprintf(stderr, "#   %8s: %lld\n#   %8s: %lld\n", "got", got,
            "expected", exp);
    }

    return pass;
}


bool
hv_tap_is_str(const char *got, const char *exp, const char *file, int line,
    const char *fmt, ...)
{
    va_list ap;
    bool pass;

    if (got == NULL || exp == NULL) {
        pass = (got == exp);
    } else {
        pass = (strcmp(got, exp) == 0);
    }

    va_start(ap, fmt);
    pass = hv_tap_vresult(pass, file, line, fmt, ap);
    va_end(ap);

    if (!pass) {
        hv_tap_dump("got", got, got != NULL ? strlen(got) : 0);
        hv_tap_dump("expected", exp, exp != NULL ? strlen(exp) : 0);
    }

    return pass;
}


bool
hv_tap_is_mem(const void *got, size_t glen, const void *exp, size_t elen,
    const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    bool pass;

    pass = (glen == elen);

    if (pass && glen != 0) {
        pass = (got != NULL && exp != NULL && memcmp(got, exp, glen) == 0);
    }

    va_start(ap, fmt);
    pass = hv_tap_vresult(pass, file, line, fmt, ap);
    va_end(ap);

    if (!pass) {
        hv_tap_dump("got", got, glen);
        hv_tap_dump("expected", exp, elen);
    }

    return pass;
}


void
hv_tap_subtest(const char *name)
{
    printf("# %s\n", name);
    fflush(stdout);
}


void
hv_tap_diag(const char *fmt, ...)
{
    char msg[4096];
    const char *p;
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    fflush(stdout);

    /* one "# " per line; a trailing newline adds no empty line */
    p = msg;
    do {
        n = strcspn(p, "\n");
        fprintf(stderr, "# %.*s\n", (int) n, p);
        p += n;
    } while (*p++ != '\0' && *p != '\0');
}


int
hv_tap_done(void)
{
    if (hv_tap_run == 0) {
        printf("1..0\n");
        fflush(stdout);
        hv_tap_diag("no test was run");
        return 1;
    }

    printf("1..%lu\n", hv_tap_run);
    fflush(stdout);

    if (hv_tap_failed != 0) {
        hv_tap_diag("Looks like you failed %lu test%s of %lu.", hv_tap_failed,
            hv_tap_failed == 1 ? "" : "s", hv_tap_run);
    }

    return hv_tap_failed > 254 ? 254 : (int) hv_tap_failed;
}


/* Rounds LEN up to whole pages: the readable part before the guard page. */
static size_t
hv_tap_data_pages(size_t len)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE);

    return (len + page - 1) / page * page;
}


unsigned char *
hv_tap_guarded_copy(const void *data, size_t len)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE);
    size_t size = hv_tap_data_pages(len);
    unsigned char *base;

    base = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (base == MAP_FAILED || mprotect(base + size, page, PROT_NONE) != 0) {
        printf("Bail out! hv_tap_guarded_copy(%zu bytes): mmap failed\n", len);
        fflush(stdout);
        exit(255);
    }

    if (len != 0) {
        memcpy(base + size - len, data, len);
    }

    return base + size - len;
}


void
hv_tap_guarded_free(unsigned char *p, size_t len)
{
    size_t page = (size_t) sysconf(_SC_PAGESIZE);
    size_t size = hv_tap_data_pages(len);

    if (p != NULL) {
        munmap(p + len - size, size + page);
    }
}
