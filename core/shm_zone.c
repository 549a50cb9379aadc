/*
 * core/shm_zone.c - named shared zones declared by modules while parsing
 * and mapped by the cycle once the configuration is complete.
 *
 * A reload keeps a zone whose name, size and owner are unchanged: the new
 * cycle maps the same memory, so its contents (e.g. TLS sessions) survive
 * and workers of both generations see one zone.  The old cycle never
 * learns about the sharing; whoever frees a cycle unmaps only what the
 * other one does not use.
 */
#include "core/core.h"
#include "core/cycle_internal.h"


hv_shm_zone_t *
hv_shm_zone_add(
    hv_conf_t *cf, const hv_str_t *name, size_t size, const void *tag)
{
    hv_shm_zone_t *zones = cf->cycle->shm_zones.elts;
    hv_shm_zone_t *zone;
    hv_uint_t i;

    for (i = 0; i < cf->cycle->shm_zones.nelts; i++) {
        zone = &zones[i];

        if (!hv_str_eq(&zone->name, name)) {
            continue;
        }

        if (zone->tag != tag) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "the shared memory zone \"%.*s\" is already "
                "declared for a different use",
                (int) name->len, name->data);
            return NULL;
        }

        if (size != 0 && zone->shm.size != 0 && size != zone->shm.size) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "the size %zu of shared memory zone \"%.*s\" "
                "conflicts with already declared size %zu",
                size, (int) name->len, name->data, zone->shm.size);
            return NULL;
        }

        if (zone->shm.size == 0) {
            zone->shm.size = size;
        }

        return zone;
    }

    zone = hv_array_push(&cf->cycle->shm_zones);
    if (zone == NULL) {
        return NULL;
    }

    memset(zone, 0, sizeof(hv_shm_zone_t));

    zone->name.len = name->len;
    zone->name.data = hv_pstrdup(cf->pool, name->data, name->len);
    if (zone->name.data == NULL) {
        return NULL;
    }

    zone->shm.size = size;
    zone->tag = tag;

    return zone;
}


static hv_shm_zone_t *
hv_shm_zone_find(hv_cycle_t *cycle, const hv_shm_zone_t *like)
{
    hv_shm_zone_t *zones;
    hv_uint_t i;

    if (cycle == NULL) {
        return NULL;
    }

    zones = cycle->shm_zones.elts;

    for (i = 0; i < cycle->shm_zones.nelts; i++) {
        if (zones[i].shm.addr != NULL && zones[i].tag == like->tag &&
            zones[i].shm.size == like->shm.size &&
            hv_str_eq(&zones[i].name, &like->name)) {
            return &zones[i];
        }
    }

    return NULL;
}


int
hv_shm_zones_map(hv_cycle_t *cycle, hv_cycle_t *old)
{
    hv_shm_zone_t *zones = cycle->shm_zones.elts;
    hv_shm_zone_t *zone, *prev;
    hv_uint_t i;

    for (i = 0; i < cycle->shm_zones.nelts; i++) {
        zone = &zones[i];

        if (zone->shm.size == 0) {
            hv_log_error(HV_LOG_EMERG, cycle->log, 0,
                "zero size shared memory zone \"%.*s\"", (int) zone->name.len,
                zone->name.data);
            return HV_ERROR;
        }

        prev = hv_shm_zone_find(old, zone);

        if (prev != NULL) {
            zone->shm.addr = prev->shm.addr;

        } else if (hv_shm_alloc(&zone->shm, cycle->log) != HV_OK) {
            return HV_ERROR;
        }

        if (zone->init != NULL &&
            zone->init(zone, prev != NULL ? prev->data : NULL) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


void
hv_shm_zones_unmap_unused(hv_cycle_t *gone, hv_cycle_t *keep)
{
    hv_shm_zone_t *zones = gone->shm_zones.elts;
    hv_shm_zone_t *other;
    hv_uint_t i, j;
    bool used;

    for (i = 0; i < gone->shm_zones.nelts; i++) {
        if (zones[i].shm.addr == NULL) {
            continue;
        }

        used = false;

        if (keep != NULL) {
            other = keep->shm_zones.elts;
            for (j = 0; j < keep->shm_zones.nelts; j++) {
                if (other[j].shm.addr == zones[i].shm.addr) {
                    used = true;
                    break;
                }
            }
        }

        if (!used) {
            hv_shm_free(&zones[i].shm);
        }
        zones[i].shm.addr = NULL;
    }
}
