/*
 * core/times.h - the cached clock.
 *
 * Reading the clock for every log line and response header would cost a
 * system call (or a vDSO call) each time.  Instead every event-loop
 * iteration calls hv_time_update() once and everything else reads the
 * cache.  The cache is the only process-wide mutable state outside the
 * signal flags: it describes the process's clock, not a configuration,
 * so it does not belong to a cycle.
 */
#ifndef HV_TIMES_H
#define HV_TIMES_H

typedef struct {
    time_t sec;         /* wall clock, seconds since the epoch */
    hv_msec_t msec;     /* monotonic clock, milliseconds */
    uint64_t wall_msec; /* wall clock, milliseconds since epoch */
    /* "Tue, 24 Nov 2026 17:31:00 GMT" (29 bytes + NUL) */
    char http_date[32];
    /* "2026/11/24 17:31:00" (19 bytes + NUL), local time */
    char err_log_time[24];
    /* "24/Nov/2026:17:31:00 +0000" (26 bytes + NUL), local time */
    char http_log_time[32];
    /* "2026-11-24T17:31:00+00:00" (25 bytes + NUL), local time */
    char iso8601[32];
} hv_time_cache_t;

/* The cache; read-only outside times.c. */
extern hv_time_cache_t hv_cached_time;

/* Refreshes the cache from the clocks; the string forms only when the
 * second changed.  Async-signal-unsafe; call from the loop only. */
void hv_time_update(void);

/* Shorthand for the monotonic milliseconds of the last update. */
#define hv_current_msec (hv_cached_time.msec)

/*
 * Formats t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") into buf,
 * which must hold 30 bytes; returns the length (29).
 */
size_t hv_http_time(char *buf, time_t t);

/*
 * Parses an HTTP date (IMF-fixdate, and RFC 850 and asctime forms as RFC
 * 9110 section 5.6.7 requires recipients to accept); returns the time or
 * -1 when the text is not a valid date.
 */
time_t hv_parse_http_time(const unsigned char *p, size_t len);

#endif /* HV_TIMES_H */
