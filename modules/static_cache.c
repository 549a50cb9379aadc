/*
 * modules/static_cache.c - the open file cache ("open_file_cache"): per
 * worker, a hash table of the files the static module opened, keyed by
 * path, with their stat data and either their descriptor or, for small
 * regular files, their whole content in memory.
 *
 * A hit costs no system call until the entry is older than
 * open_file_cache_valid; then one stat() of the path tells whether the
 * file is still the same (device, inode, size, mtime and ctime to the
 * nanosecond): a file replaced by rename() or rewritten is opened again,
 * a deleted one is dropped and the open() that follows answers 404.
 * An entry also keeps its file's ETag and Last-Modified text, formatted
 * when it is made (snprintf() and the date cost ~1,500 instructions per
 * response): a changed file is a new entry, so the text cannot outlive
 * the version of the file it describes.
 *
 * Content in memory: a file of at most HV_STATIC_CACHE_DATA_MAX bytes is
 * read once and its descriptor closed, so that a hit leaves in a single
 * sendmsg() with its header (no cork, no sendfile) and holds no
 * descriptor.  16 KB is the default socket send buffer's order of
 * magnitude (one write nearly always takes it whole) and bounds the
 * memory at max * 16 KB per worker; bigger files gain little from memory
 * over sendfile(), which copies nothing in user space.
 *
 * Lifetime: a request holds a reference (a pool cleanup drops it), so
 * an entry evicted while a response still uses its descriptor or memory
 * leaves the table at once and is closed when the last user lets go.
 * At most max entries stay in the table; the least recently used one
 * goes first, and a timer closes entries not used for "inactive".
 * Entries are malloc()ed in the worker; the master never fills a cache.
 */
#include "modules/static_internal.h"


#define HV_STATIC_CACHE_DATA_MAX 16384
#define HV_STATIC_CACHE_MAX 1000000
#define HV_STATIC_CACHE_INACTIVE 60000

typedef struct hv_static_entry_s hv_static_entry_t;

struct hv_static_cache_s {
    hv_uint_t max;
    hv_msec_t inactive;
    hv_uint_t n;    /* entries in the table */
    hv_uint_t mask; /* buckets - 1, a power of two less 1 */
    hv_static_entry_t **buckets;
    hv_queue_t lru;    /* least recently used first */
    hv_event_t expire; /* closes inactive entries */
};

struct hv_static_entry_s {
    hv_static_entry_t *next; /* in its bucket */
    hv_queue_t lru;
    hv_static_cache_t *cache;
    uint32_t hash;
    hv_uint_t refs;    /* requests using it */
    bool cached;       /* still in the table */
    hv_msec_t checked; /* last open or stat() */
    hv_msec_t used;
    dev_t dev;
    ino_t ino;
    struct timespec mtim;
    struct timespec ctim;
    hv_static_file_t file;
    /* file's ETag and Last-Modified, formatted once for every response */
    unsigned char validators[HV_STATIC_VALIDATORS_LEN];
    size_t len;
    char path[]; /* NUL-terminated, then the content */
};


static void hv_static_cache_expire(hv_event_t *ev);
static void hv_static_cache_release(void *data);


char *
hv_static_cache_directive(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_static_loc_conf_t *slcf = conf;
    hv_static_main_conf_t *smcf = hv_http_conf_main(cf, static);
    hv_str_t *value = cf->args->elts, v;
    hv_static_cache_t *cache, **slot;
    int64_t max, inactive, n;
    hv_uint_t i;

    (void) cmd;

    if (slcf->cache != HV_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    if (cf->args->nelts == 2 && hv_str_eq_cstr(&value[1], "off")) {
        slcf->cache = NULL;
        return HV_CONF_OK;
    }

    max = -1;
    inactive = HV_STATIC_CACHE_INACTIVE;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len > 4 && memcmp(value[i].data, "max=", 4) == 0) {
            v.data = value[i].data + 4;
            v.len = value[i].len - 4;
            max = hv_atoi(v.data, v.len, HV_STATIC_CACHE_MAX);
            n = (max > 0) ? 0 : HV_ERROR;
        } else if (value[i].len > 9 &&
                   memcmp(value[i].data, "inactive=", 9) == 0) {
            v.data = value[i].data + 9;
            v.len = value[i].len - 9;
            inactive = hv_conf_parse_msec(&v);
            n = (inactive > 0) ? 0 : HV_ERROR;
        } else {
            n = HV_ERROR;
        }

        if (n == HV_ERROR) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid parameter \"%.*s\" in \"open_file_cache\" "
                "directive (max=1..%d, inactive=TIME or off)",
                (int) value[i].len, value[i].data, HV_STATIC_CACHE_MAX);
            return HV_CONF_ERROR;
        }
    }

    if (max == -1) {
        return "needs \"max=N\" or \"off\"";
    }

    cache = hv_pcalloc(cf->pool, sizeof(hv_static_cache_t));
    if (cache == NULL) {
        return HV_CONF_ERROR;
    }

    /* buckets: the power of two at or above max, load factor <= 1 */
    for (n = 1; n < max; n <<= 1) {
        /* next power of two */
    }
    cache->buckets = hv_pcalloc(cf->pool, n * sizeof(hv_static_entry_t *));
    slot = hv_array_push(&smcf->caches);
    if (cache->buckets == NULL || slot == NULL) {
        return HV_CONF_ERROR;
    }
    *slot = cache;

    cache->max = (hv_uint_t) max;
    cache->inactive = (hv_msec_t) inactive;
    cache->mask = (hv_uint_t) n - 1;
    hv_queue_init(&cache->lru);
    cache->expire.data = cache;
    cache->expire.handler = hv_static_cache_expire;

    slcf->cache = cache;

    return HV_CONF_OK;
}


/*
 * Case-sensitive, as file names are.  Every hit hashes the whole path, so
 * FNV-1a takes eight bytes a step (byte by byte it cost ~190 instructions
 * for a 31-byte path); a multiply carries bits only upwards, so a final
 * mix spreads every byte into the low bits that pick the bucket.
 */
static uint32_t
hv_static_cache_hash(const unsigned char *p, size_t len)
{
    const uint64_t prime = 1099511628211u;
    uint64_t h = 14695981039346656037u, w;
    size_t i;

    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * prime;
    }
    for (; i < len; i++) {
        h = (h ^ p[i]) * prime;
    }

    /* MurmurHash3's 64-bit finalizer */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;

    return (uint32_t) h;
}


static void
hv_static_entry_destroy(hv_static_entry_t *e)
{
    if (e->file.fd != -1) {
        (void) close(e->file.fd);
    }
    free(e);
}


/* Takes e out of the table; it is freed now or by its last user. */
static void
hv_static_cache_remove(hv_static_entry_t *e)
{
    hv_static_cache_t *cache = e->cache;
    hv_static_entry_t **pp;

    for (pp = &cache->buckets[e->hash & cache->mask]; *pp != e;
         pp = &(*pp)->next) {
        /* find the link to e */
    }
    *pp = e->next;
    hv_queue_remove(&e->lru);
    cache->n--;
    e->cached = false;

    if (e->refs == 0) {
        hv_static_entry_destroy(e);
    }
}


static void
hv_static_cache_release(void *data)
{
    hv_static_entry_t *e = data;

    if (--e->refs == 0 && !e->cached) {
        hv_static_entry_destroy(e);
    }
}


/* Closes what was not used for "inactive", oldest first. */
static void
hv_static_cache_expire(hv_event_t *ev)
{
    hv_static_cache_t *cache = ev->data;
    hv_static_entry_t *e;

    while (!hv_queue_empty(&cache->lru)) {
        e = hv_queue_data(cache->lru.next, hv_static_entry_t, lru);
        if (hv_current_msec - e->used < cache->inactive) {
            hv_event_add_timer(
                ev, e->used + cache->inactive - hv_current_msec + 1);
            return;
        }
        hv_static_cache_remove(e);
    }
}


/*
 * A new entry for the open file fd: content in memory when small, read
 * with one byte more than fstat() said so that a file that grew or
 * shrank meanwhile keeps its descriptor instead (the writer then sends
 * exactly size bytes or closes the connection).
 */
static hv_static_entry_t *
hv_static_entry_create(
    hv_http_request_t *r, const hv_str_t *path, int fd, const struct stat *st)
{
    hv_static_entry_t *e;
    size_t data_len;
    ssize_t n;

    data_len = (S_ISREG(st->st_mode) && st->st_size <= HV_STATIC_CACHE_DATA_MAX)
                   ? (size_t) st->st_size + 1
                   : 0;

    e = malloc(sizeof(hv_static_entry_t) + path->len + 1 + data_len);
    if (e == NULL) {
        hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
            "malloc() of an open file cache entry failed");
        return NULL;
    }
    memset(e, 0, sizeof(hv_static_entry_t));

    e->len = path->len;
    memcpy(e->path, path->data, path->len);
    e->path[path->len] = '\0';
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->mtim = st->st_mtim;
    e->ctim = st->st_ctim;
    e->file.fd = fd;
    e->file.size = st->st_size;
    e->file.mtime = st->st_mtime;
    e->file.is_dir = S_ISDIR(st->st_mode);
    e->file.is_file = S_ISREG(st->st_mode);
    hv_static_validators(&e->file, e->validators);

    if (data_len > 0) {
        n = pread(fd, e->path + path->len + 1, data_len, 0);
        if (n == st->st_size) {
            e->file.data = (unsigned char *) e->path + path->len + 1;
            (void) close(fd);
            e->file.fd = -1;
        } else if (n == -1) {
            hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
                "pread() \"%s\" failed", e->path);
        }
    }

    return e;
}


/* true when the entry still describes the file at its path. */
static bool
hv_static_entry_valid(hv_static_entry_t *e, hv_msec_t valid)
{
    struct stat st;

    if (hv_current_msec - e->checked < valid) {
        return true;
    }

    if (stat(e->path, &st) == -1 || st.st_dev != e->dev ||
        st.st_ino != e->ino || st.st_size != e->file.size ||
        st.st_mtim.tv_sec != e->mtim.tv_sec ||
        st.st_mtim.tv_nsec != e->mtim.tv_nsec ||
        st.st_ctim.tv_sec != e->ctim.tv_sec ||
        st.st_ctim.tv_nsec != e->ctim.tv_nsec) {
        return false;
    }

    e->checked = hv_current_msec;

    return true;
}


static hv_static_entry_t *
hv_static_cache_find(
    hv_static_cache_t *cache, const hv_str_t *path, uint32_t hash)
{
    hv_static_entry_t *e;

    for (e = cache->buckets[hash & cache->mask]; e != NULL; e = e->next) {
        if (e->hash == hash && e->len == path->len &&
            memcmp(e->path, path->data, path->len) == 0) {
            return e;
        }
    }

    return NULL;
}


static void
hv_static_cache_insert(hv_static_cache_t *cache, hv_static_entry_t *e)
{
    hv_uint_t slot = e->hash & cache->mask;

    if (cache->n == cache->max) {
        hv_static_cache_remove(
            hv_queue_data(cache->lru.next, hv_static_entry_t, lru));
    }

    e->cache = cache;
    e->cached = true;
    e->checked = hv_current_msec;
    e->next = cache->buckets[slot];
    cache->buckets[slot] = e;
    hv_queue_insert_tail(&cache->lru, &e->lru);
    cache->n++;

    if (!cache->expire.timer_set) {
        hv_event_add_timer(&cache->expire, cache->inactive);
    }
}


int
hv_static_cache_get(hv_http_request_t *r, hv_static_cache_t *cache,
    hv_msec_t valid, const hv_str_t *path, hv_static_file_t *f)
{
    hv_pool_cleanup_t *cln;
    hv_static_entry_t *e;
    struct stat st;
    uint32_t hash;
    int fd, rc;

    /* the reference's cleanup first, so that no failure leaks it */
    cln = hv_pool_cleanup_add(r->pool, NULL, NULL);
    if (cln == NULL) {
        return 500;
    }

    hash = hv_static_cache_hash(path->data, path->len);
    e = hv_static_cache_find(cache, path, hash);

    if (e != NULL && !hv_static_entry_valid(e, valid)) {
        hv_static_cache_remove(e);
        e = NULL;
    }

    if (e == NULL) {
        rc = hv_static_open_file(r, path, &fd, &st);
        e = (rc == HV_OK) ? hv_static_entry_create(r, path, fd, &st) : NULL;
        if (e == NULL) {
            if (fd != -1) {
                (void) close(fd);
            }
            return (rc == HV_OK) ? 500 : rc;
        }
        e->hash = hash;
        hv_static_cache_insert(cache, e);
    } else {
        hv_queue_remove(&e->lru);
        hv_queue_insert_tail(&cache->lru, &e->lru);
    }

    e->used = hv_current_msec;
    e->refs++;
    cln->handler = hv_static_cache_release;
    cln->data = e;

    *f = e->file;

    return HV_OK;
}


void
hv_static_cache_free(hv_static_cache_t *cache)
{
    hv_event_del_timer(&cache->expire);

    while (!hv_queue_empty(&cache->lru)) {
        hv_static_cache_remove(
            hv_queue_data(cache->lru.next, hv_static_entry_t, lru));
    }
}
