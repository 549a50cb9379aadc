/*
 * tests/fuzz/fuzz.h - what the fuzz drivers share.
 *
 * Each driver tests/fuzz/NAME.c defines hv_fuzz_NAME(data, size), the
 * whole test of one input, and (unless HV_FUZZ_REPLAY is defined) the
 * libFuzzer entry point calling it.  tests/unit/fuzz_regress.c defines
 * HV_FUZZ_REPLAY, includes every driver and feeds them the seed corpus
 * and the saved crashes through the same functions, without libFuzzer,
 * so that every finding stays a test of "make test" (STYLE 36).
 *
 * A driver states its properties with HV_FUZZ_CHECK(cond, fmt, ...):
 * under libFuzzer a false one prints the message and aborts (a finding);
 * under replay it is counted in hv_fuzz_failures and the replay test
 * reports the first message.
 */
#ifndef HV_TESTS_FUZZ_H
#define HV_TESTS_FUZZ_H

#include "core/core.h"

#include <stdint.h>


#define HV_FUZZ_UNUSED __attribute__((unused))

#ifdef HV_FUZZ_REPLAY

static int hv_fuzz_failures;
static char hv_fuzz_message[512];

#define HV_FUZZ_CHECK(cond, ...)                                            \
    do {                                                                    \
        if (!(cond)) {                                                      \
            if (hv_fuzz_failures++ == 0) {                                  \
                snprintf(                                                   \
                    hv_fuzz_message, sizeof(hv_fuzz_message), __VA_ARGS__); \
            }                                                               \
        }                                                                   \
    } while (0)

#else

#define HV_FUZZ_CHECK(cond, ...)                                              \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(                                                          \
                stderr, "fuzz property failed: %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)

#endif


/*
 * The split offset a driver applies: the input's first two bytes (little
 * endian) modulo len + 1, so the fuzzer chooses it along with the bytes.
 * *data and *size are advanced past the two bytes; returns SIZE_MAX when
 * the input is too short to hold them (the caller ignores such input).
 */
static HV_FUZZ_UNUSED size_t
hv_fuzz_take_split(const uint8_t **data, size_t *size)
{
    size_t k;

    if (*size < 2) {
        return SIZE_MAX;
    }

    k = (size_t) (*data)[0] | (size_t) (*data)[1] << 8;
    *data += 2;
    *size -= 2;

    return k % (*size + 1);
}


/*
 * An exact-size heap copy of len bytes (at least one byte allocated), so
 * that ASan reports any read past the end; exits when memory runs out.
 */
static HV_FUZZ_UNUSED unsigned char *
hv_fuzz_copy(const void *data, size_t len)
{
    unsigned char *p;

    p = malloc(len > 0 ? len : 1);
    if (p == NULL) {
        abort();
    }

    if (len > 0) {
        memcpy(p, data, len);
    } else {
        p[0] = '\0';
    }

    return p;
}


/* A log that throws every line away (the drivers feed it garbage). */
static HV_FUZZ_UNUSED hv_log_t *
hv_fuzz_null_log(void)
{
    static hv_log_file_t file;
    static hv_log_t log;

    if (log.file == NULL) {
        file.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (file.fd == -1) {
            abort();
        }
        hv_str_set(&file.name, "/dev/null");
        log.level = HV_LOG_INFO;
        log.file = &file;
    }

    return &log;
}

#endif /* HV_TESTS_FUZZ_H */
