/*
 * core/conf_internal.h - what the three configuration files share with
 * each other and with their unit tests; not part of the core's public
 * interface.
 */
#ifndef HV_CONF_INTERNAL_H
#define HV_CONF_INTERNAL_H

#include "core/core.h"

/*
 * Nesting limits.  nginx has none; hive bounds both so that an include
 * loop or a fuzzer's "{{{{..." ends in a message instead of a stack
 * overflow.  Real files use 2-3 levels of each.
 */
#define HV_CONF_MAX_INCLUDE_DEPTH 16
#define HV_CONF_MAX_BLOCK_DEPTH 64

/* A configuration file is read whole; anything bigger is a mistake. */
#define HV_CONF_MAX_FILE_SIZE (64 * 1024 * 1024)

/* The input name whose errors carry no line number (hv_conf_parse_buffer). */
#define HV_CONF_COMMAND_LINE "command line"

/*
 * Points lx at len bytes of buf (which must outlive the lexing) called
 * name (NUL-terminated, kept by reference), positioned at line 1.
 */
void hv_conf_lex_init(hv_conf_lex_t *lx, const hv_str_t *name,
    const unsigned char *buf, size_t len);

/*
 * The known directive name nearest to the unknown name (NUL-terminated)
 * for "did you mean", or NULL when none is near: every directive of
 * cf->modules (hv_modules when NULL) whatever its context, "include", and
 * the NULL-terminated extra list (may be NULL).  Returns a pointer into
 * those tables; allocates nothing.
 */
const char *hv_conf_suggest(
    hv_conf_t *cf, const hv_str_t *name, const char *const *extra);

#endif /* HV_CONF_INTERNAL_H */
