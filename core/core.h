/*
 * core/core.h - the umbrella header of the core layer.
 *
 * Everything in core/ knows nothing of events or HTTP.  Every .c file of
 * hive includes this header first; it pulls in the system headers the
 * whole tree uses, the build configuration written by configure, and the
 * public header of every core unit.
 */
#ifndef HV_CORE_H
#define HV_CORE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "hive_config.h"
#include "hive_modules.h"

#define HIVE_VERSION "0.1.0"
#define HIVE_VER "hive/" HIVE_VERSION

typedef intptr_t hv_int_t;
typedef uintptr_t hv_uint_t;
typedef uint64_t hv_msec_t; /* milliseconds, monotonic clock */
typedef int hv_err_t;       /* an errno value */

/* Return codes shared by every layer (STYLE 20). */
#define HV_OK 0
#define HV_ERROR -1
#define HV_AGAIN -2
#define HV_DONE -3
#define HV_DECLINED -4

/* Forward declarations of the objects every layer passes around. */
typedef struct hv_pool_s hv_pool_t;
typedef struct hv_log_s hv_log_t;
typedef struct hv_cycle_s hv_cycle_t;
typedef struct hv_conf_s hv_conf_t;
typedef struct hv_command_s hv_command_t;
typedef struct hv_module_s hv_module_t;
typedef struct hv_buf_s hv_buf_t;
typedef struct hv_chain_s hv_chain_t;
typedef struct hv_event_s hv_event_t;
typedef struct hv_connection_s hv_connection_t;
typedef struct hv_listening_s hv_listening_t;

#define hv_min(a, b) ((a) < (b) ? (a) : (b))
#define hv_max(a, b) ((a) > (b) ? (a) : (b))
#define hv_nelems(a) (sizeof(a) / sizeof((a)[0]))
#define hv_align(n, a) (((n) + ((a) -1)) & ~((uintptr_t) (a) -1))

#define HV_LIKELY(x) __builtin_expect(!!(x), 1)
#define HV_UNLIKELY(x) __builtin_expect(!!(x), 0)

#include "core/str.h"
#include "core/queue.h"
#include "core/pool.h"
#include "core/array.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/times.h"
#include "core/inet.h"
#include "core/conf.h"
#include "core/module.h"
#include "core/shmem.h"
#include "core/shmtx.h"
#include "core/listening.h"
#include "core/cycle.h"
#include "core/core_module.h"
#include "core/process.h"

#endif /* HV_CORE_H */
