/*
 * tests/unit/null_log.h - a log that writes to /dev/null at debug level,
 * for the unit tests that run code which logs: every line is still
 * formatted, so the formatting runs under the sanitizers too, and then
 * thrown away.
 */
#ifndef HV_TEST_NULL_LOG_H
#define HV_TEST_NULL_LOG_H

#include "core/core.h"

#include <fcntl.h>


/* Points log at file, opened on /dev/null; the test closes file->fd. */
static inline void
hv_test_null_log(hv_log_t *log, hv_log_file_t *file)
{
    file->fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    hv_str_set(&file->name, "/dev/null");
    log->file = file;
    log->level = HV_LOG_DEBUG;
}

#endif /* HV_TEST_NULL_LOG_H */
