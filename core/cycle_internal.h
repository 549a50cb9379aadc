/*
 * core/cycle_internal.h - the steps of hv_cycle_init() that live in other
 * files of the process model (shared zones, listening sockets).  Not part
 * of the core's public interface.
 */
#ifndef HV_CYCLE_INTERNAL_H
#define HV_CYCLE_INTERNAL_H

#include "core/core.h"

/*
 * Maps every zone declared in cycle: a zone of old with the same name,
 * size and tag is reused (its mapping and contents survive the reload),
 * any other one is mapped fresh.  Then runs each zone's init.  HV_OK, or
 * HV_ERROR after logging (zones mapped so far stay in cycle->shm_zones for
 * hv_shm_zones_unmap_unused() to undo).
 */
int hv_shm_zones_map(hv_cycle_t *cycle, hv_cycle_t *old);

/* Unmaps the zones of gone whose mapping keep (may be NULL) does not use. */
void hv_shm_zones_unmap_unused(hv_cycle_t *gone, hv_cycle_t *keep);

/*
 * Undoes hv_listening_open() for a cycle that will not run: closes the
 * sockets it created and gives the borrowed ones back to the old cycle.
 */
void hv_listening_undo(hv_cycle_t *cycle);

/* Core modules' main objects exist before the first directive is read:
 * creates them into cycle->conf.  HV_OK, or HV_ERROR after logging. */
int hv_cycle_create_confs(hv_cycle_t *cycle);

/*
 * Parses text (len bytes, named name in messages; none when len is 0) and
 * then file (none when NULL) in the main context, as hv_cycle_init() does
 * with the -g directives first and then the file, nginx's order.  HV_OK,
 * or HV_ERROR after logging.
 */
int hv_cycle_parse_text(hv_cycle_t *cycle, const char *name,
    const unsigned char *text, size_t len, const hv_str_t *file);

/* Runs every core module's init_conf.  HV_OK, or HV_ERROR after logging. */
int hv_cycle_init_confs(hv_cycle_t *cycle);

#endif /* HV_CYCLE_INTERNAL_H */
