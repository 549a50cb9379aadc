/*
 * tests/tap.h - a tiny TAP producer for the unit-test binaries (STYLE 30).
 *
 * A test binary calls the check macros, groups them with hv_tap_subtest()
 * and ends main() with "return hv_tap_done();", which prints the plan and
 * turns the failure count into the exit status.  Results go to stdout,
 * flushed line by line so that a crash loses nothing already printed;
 * failure diagnostics and hv_tap_diag() go to stderr, as Test::More does,
 * so that prove shows them without -v.  Not thread-safe.
 */
#ifndef HV_TESTS_TAP_H
#define HV_TESTS_TAP_H

#include <stdbool.h>
#include <stddef.h>


#define HV_TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * The checks.  Each prints "ok N - DESC" or "not ok N - DESC" and, on
 * failure, "#   at FILE:LINE" and what was compared; each evaluates its
 * arguments once and returns true when the check passed.  DESC is a printf
 * format and its arguments.
 *
 * HV_TAP_IS_INT compares as long long; HV_TAP_IS_STR compares
 * NUL-terminated strings, either of which may be NULL (two NULLs are
 * equal); HV_TAP_IS_MEM compares two byte ranges of their own lengths.
 */
#define HV_TAP_OK(cond, ...) \
    hv_tap_ok((cond) ? true : false, __FILE__, __LINE__, __VA_ARGS__)
#define HV_TAP_IS_INT(got, exp, ...) \
    hv_tap_is_int(                   \
        (long long) (got), (long long) (exp), __FILE__, __LINE__, __VA_ARGS__)
#define HV_TAP_IS_STR(got, exp, ...) \
    hv_tap_is_str((got), (exp), __FILE__, __LINE__, __VA_ARGS__)
#define HV_TAP_IS_MEM(got, glen, exp, elen, ...) \
    hv_tap_is_mem((got), (glen), (exp), (elen), __FILE__, __LINE__, __VA_ARGS__)

/*
 * Short names for test files.  HV_OK is taken (core's return code 0), hence
 * "T_".  T_IS_MEM compares LEN bytes of both ranges (and evaluates LEN
 * twice).
 */
#define T_OK(cond, ...) HV_TAP_OK(cond, __VA_ARGS__)
#define T_IS_INT(got, exp, ...) HV_TAP_IS_INT(got, exp, __VA_ARGS__)
#define T_IS_STR(got, exp, ...) HV_TAP_IS_STR(got, exp, __VA_ARGS__)
#define T_IS_MEM(got, exp, len, ...) \
    HV_TAP_IS_MEM(got, len, exp, len, __VA_ARGS__)


bool hv_tap_ok(bool pass, const char *file, int line, const char *fmt, ...)
    HV_TAP_PRINTF(4, 5);
bool hv_tap_is_int(long long got, long long exp, const char *file, int line,
    const char *fmt, ...) HV_TAP_PRINTF(5, 6);
bool hv_tap_is_str(const char *got, const char *exp, const char *file, int line,
    const char *fmt, ...) HV_TAP_PRINTF(5, 6);
bool hv_tap_is_mem(const void *got, size_t glen, const void *exp, size_t elen,
    const char *file, int line, const char *fmt, ...) HV_TAP_PRINTF(7, 8);

/* Prints "# NAME" to stdout: a heading for the checks that follow. */
void hv_tap_subtest(const char *name);

/* Prints "# MESSAGE" to stderr, one "# " per line of the message. */
void hv_tap_diag(const char *fmt, ...) HV_TAP_PRINTF(1, 2);

/*
 * Prints the plan "1..N" and returns the number of failed checks, capped
 * at 254, for main() to return.  No check at all counts as one failure.
 */
int hv_tap_done(void);

/*
 * Returns a writable copy of LEN bytes of DATA placed so that its last byte
 * is the last byte before a PROT_NONE page: reading (or writing) one byte
 * past the end crashes the test (STYLE 32).  For LEN 0 the pointer is the
 * protected page itself.  Exits with "Bail out!" if mmap() fails, so
 * callers need no check.  Release with hv_tap_guarded_free() and the same
 * LEN, or let the process exit.
 */
unsigned char *hv_tap_guarded_copy(const void *data, size_t len);
void hv_tap_guarded_free(unsigned char *p, size_t len);

#endif /* HV_TESTS_TAP_H */
