/*
 * tests/unit/fuzz_regress.c - every fuzz driver's seed corpus and saved
 * findings (tests/fuzz/corpus/DRIVER/, tests/fuzz/regress/DRIVER/) fed
 * through the drivers' own test functions, without libFuzzer, so that a
 * fixed bug stays fixed in every "make test" and ASan build (STYLE 36).
 *
 * The drivers are included here, not linked: each is one file with its
 * own libFuzzer entry point, which HV_FUZZ_REPLAY leaves out.  Files are
 * found under $HIVE_SRC (make test sets it), else the current directory.
 */
#define HV_FUZZ_REPLAY 1

#include "tests/fuzz/accept_encoding.c"
#include "tests/fuzz/chunked.c"
#include "tests/fuzz/conf.c"
#include "tests/fuzz/path.c"
#include "tests/fuzz/range.c"
#include "tests/fuzz/request.c"
#include "tests/fuzz/template.c"
#include "tests/tap.h"

#include <dirent.h>


typedef struct {
    const char *name;
    int (*run)(const uint8_t *data, size_t size);
} hv_fuzz_driver_t;


static const hv_fuzz_driver_t hv_fuzz_drivers[] = {
    { "request", hv_fuzz_request },
    { "path", hv_fuzz_path },
    { "chunked", hv_fuzz_chunked },
    { "conf", hv_fuzz_conf },
    { "range", hv_fuzz_range },
    { "accept_encoding", hv_fuzz_accept_encoding },
    { "template", hv_fuzz_template },
};


/* Reads a whole file into a malloc()ed buffer; NULL on failure. */
static uint8_t *
hv_fuzz_read(const char *path, size_t *len)
{
    struct stat st;
    uint8_t *buf;
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return NULL;
    }

    buf = NULL;
    *len = 0;

    if (fstat(fd, &st) == 0 && st.st_size < 1024 * 1024) {
        buf = malloc(st.st_size > 0 ? (size_t) st.st_size : 1);
        n = buf != NULL ? read(fd, buf, (size_t) st.st_size) : -1;
        if (n != st.st_size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t) st.st_size;
    }

    close(fd);

    return buf;
}


/* Replays every file of dir through d; returns how many there were. */
static int
hv_fuzz_replay_dir(const hv_fuzz_driver_t *d, const char *dir)
{
    char path[1024];
    struct dirent *de;
    uint8_t *data;
    size_t len;
    DIR *dh;
    int n;

    dh = opendir(dir);
    if (dh == NULL) {
        return 0;
    }

    n = 0;

    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        data = hv_fuzz_read(path, &len);
        if (data == NULL) {
            T_OK(false, "read %s", path);
            continue;
        }

        hv_fuzz_failures = 0;
        (void) d->run(data, len);
        T_OK(hv_fuzz_failures == 0, "%s%s%s", path,
            hv_fuzz_failures ? ": " : "", hv_fuzz_message);
        hv_fuzz_message[0] = '\0';

        free(data);
        n++;
    }

    closedir(dh);

    return n;
}


int
main(void)
{
    const char *src;
    char dir[512];
    size_t i;
    int seeds;

    src = getenv("HIVE_SRC");
    if (src == NULL || src[0] == '\0') {
        src = ".";
    }

    for (i = 0; i < hv_nelems(hv_fuzz_drivers); i++) {
        hv_tap_subtest(hv_fuzz_drivers[i].name);

        snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src,
            hv_fuzz_drivers[i].name);
        seeds = hv_fuzz_replay_dir(&hv_fuzz_drivers[i], dir);
        T_OK(seeds > 0, "%s holds seeds (%d)", dir, seeds);

        snprintf(dir, sizeof(dir), "%s/tests/fuzz/regress/%s", src,
            hv_fuzz_drivers[i].name);
        (void) hv_fuzz_replay_dir(&hv_fuzz_drivers[i], dir);
    }

    return hv_tap_done();
}
