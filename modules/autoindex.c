/*
 * modules/autoindex.c - "autoindex on": an HTML listing of a directory
 * whose URI ends in '/' and that has no index file (the index module,
 * which runs first, declined).
 *
 * Like nginx: names starting with '.' are not listed, directories come
 * first, then files, each group by byte order of name; the date is UTC
 * ("24-Nov-2026 19:05"), the size exact in bytes ("-" for a directory).
 * Every name is percent-encoded in the link (all but unreserved bytes,
 * so no name can become a scheme, a query or markup) and HTML-escaped
 * in the text.
 */
#include "http/http.h"

#include <dirent.h>


typedef struct {
    int enable;
} hv_autoindex_loc_conf_t;

typedef struct {
    hv_str_t name;
    bool is_dir;
    off_t size;
    time_t mtime;
} hv_autoindex_entry_t;


static void *hv_autoindex_create_loc_conf(hv_conf_t *cf);
static char *hv_autoindex_merge_loc_conf(
    hv_conf_t *cf, void *parent, void *child);
static int hv_autoindex_postconfiguration(hv_conf_t *cf);
static int hv_autoindex_handler(hv_http_request_t *r);


#define HV_AUTOINDEX_ANY_CONF \
    (HV_HTTP_MAIN_CONF | HV_HTTP_SRV_CONF | HV_HTTP_LOC_CONF)
/* copies a string literal */
#define HV_AUTOINDEX_CPY(p, lit) hv_cpymem(p, lit, sizeof(lit) - 1)
/* names are padded to this column, as nginx's listing */
#define HV_AUTOINDEX_NAME_COLUMN 50
/* " dd-Mon-yyyy hh:mm" + spaces + a 20-digit size + "\r\n" */
#define HV_AUTOINDEX_TAIL_LEN (1 + 17 + 20 + 20 + 2)

static const hv_command_t hv_autoindex_commands[] = {
    { "autoindex", HV_AUTOINDEX_ANY_CONF | HV_CONF_FLAG, hv_conf_set_flag_slot,
        HV_CONF_LOC, offsetof(hv_autoindex_loc_conf_t, enable), NULL, "off" },
    hv_null_command
};

static const hv_http_module_t hv_autoindex_module_ctx = {
    .postconfiguration = hv_autoindex_postconfiguration,
    .create_loc_conf = hv_autoindex_create_loc_conf,
    .merge_loc_conf = hv_autoindex_merge_loc_conf,
};

const hv_module_t hv_autoindex_module = {
    .name = "autoindex",
    .index = HV_MODULE_autoindex,
    .type = HV_HTTP_MODULE,
    .ctx = &hv_autoindex_module_ctx,
    .commands = hv_autoindex_commands,
};


static void *
hv_autoindex_create_loc_conf(hv_conf_t *cf)
{
    hv_autoindex_loc_conf_t *conf;

    conf = hv_pcalloc(cf->pool, sizeof(hv_autoindex_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }
    conf->enable = HV_CONF_UNSET;

    return conf;
}


static char *
hv_autoindex_merge_loc_conf(hv_conf_t *cf, void *parent, void *child)
{
    hv_autoindex_loc_conf_t *prev = parent, *conf = child;

    (void) cf;

    hv_conf_merge_flag(&conf->enable, prev->enable, 0);

    return HV_CONF_OK;
}


/* Joins CONTENT; auto/modules lists it after index, which runs first. */
static int
hv_autoindex_postconfiguration(hv_conf_t *cf)
{
    return hv_http_add_phase_handler(
        cf, HV_HTTP_CONTENT_PHASE, hv_autoindex_handler);
}


/* Percent-encodes every byte but the unreserved ones (RFC 3986 2.3). */
static unsigned char *
hv_autoindex_url_escape(unsigned char *p, const hv_str_t *s)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char c;
    size_t i;

    for (i = 0; i < s->len; i++) {
        c = s->data[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            *p++ = c;
        } else {
            *p++ = '%';
            *p++ = (unsigned char) hex[c >> 4];
            *p++ = (unsigned char) hex[c & 0xf];
        }
    }

    return p;
}


/* The five characters HTML gives a meaning to, as entities. */
static unsigned char *
hv_autoindex_html_escape(unsigned char *p, const hv_str_t *s)
{
    size_t i;

    for (i = 0; i < s->len; i++) {
        switch (s->data[i]) {
            case '<':
                p = HV_AUTOINDEX_CPY(p, "&lt;");
                break;
            case '>':
                p = HV_AUTOINDEX_CPY(p, "&gt;");
                break;
            case '&':
                p = HV_AUTOINDEX_CPY(p, "&amp;");
                break;
            case '"':
                p = HV_AUTOINDEX_CPY(p, "&quot;");
                break;
            case '\'':
                p = HV_AUTOINDEX_CPY(p, "&#39;");
                break;
            default:
                *p++ = s->data[i];
        }
    }

    return p;
}


/* Directories first, then byte order of name. */
static int
hv_autoindex_cmp(const void *a, const void *b)
{
    const hv_autoindex_entry_t *x = a, *y = b;
    size_t n;
    int rc;

    if (x->is_dir != y->is_dir) {
        return x->is_dir ? -1 : 1;
    }

    n = hv_min(x->name.len, y->name.len);
    rc = memcmp(x->name.data, y->name.data, n);
    if (rc != 0) {
        return rc;
    }

    return (x->name.len > y->name.len) - (x->name.len < y->name.len);
}


/* Reads the directory's visible entries into a; HV_OK or a status. */
static int
hv_autoindex_read(hv_http_request_t *r, const char *path, hv_array_t *a)
{
    hv_autoindex_entry_t *e;
    struct dirent *de;
    struct stat st;
    int rc = HV_OK;
    DIR *dir;

    dir = opendir(path);
    if (dir == NULL) {
        rc = (errno == ENOENT || errno == ENOTDIR) ? 404
             : (errno == EACCES)                   ? 403
                                                   : 500;
        hv_log_error(rc == 500 ? HV_LOG_CRIT : HV_LOG_ERR, &r->connection->log,
            errno, "opendir() \"%s\" failed", path);
        return rc;
    }

    for (;;) {
        errno = 0;
        de = readdir(dir);
        if (de == NULL) {
            if (errno != 0) {
                hv_log_error(HV_LOG_CRIT, &r->connection->log, errno,
                    "readdir() \"%s\" failed", path);
                rc = 500;
            }
            break;
        }

        if (de->d_name[0] == '.') {
            continue;
        }

        /* a name that vanished meanwhile is simply not listed */
        if (fstatat(dirfd(dir), de->d_name, &st, 0) == -1) {
            continue;
        }

        e = hv_array_push(a);
        if (e == NULL) {
            rc = 500;
            break;
        }
        e->name.len = strlen(de->d_name);
        e->name.data = hv_pnalloc(r->pool, e->name.len);
        if (e->name.data == NULL) {
            rc = 500;
            break;
        }
        memcpy(e->name.data, de->d_name, e->name.len);
        e->is_dir = S_ISDIR(st.st_mode);
        e->size = st.st_size;
        e->mtime = st.st_mtime;
    }

    (void) closedir(dir);

    return rc;
}


/* One line: link, padding, date, size. */
static unsigned char *
hv_autoindex_line(unsigned char *p, const hv_autoindex_entry_t *e)
{
    struct tm tm;
    size_t pad;
    int n;

    p = HV_AUTOINDEX_CPY(p, "<a href=\"");
    p = hv_autoindex_url_escape(p, &e->name);
    if (e->is_dir) {
        *p++ = '/';
    }
    p = HV_AUTOINDEX_CPY(p, "\">");
    p = hv_autoindex_html_escape(p, &e->name);
    if (e->is_dir) {
        *p++ = '/';
    }
    p = HV_AUTOINDEX_CPY(p, "</a>");

    pad = e->name.len + e->is_dir;
    pad = (pad < HV_AUTOINDEX_NAME_COLUMN) ? HV_AUTOINDEX_NAME_COLUMN - pad : 0;
    memset(p, ' ', pad + 1);
    p += pad + 1;

    (void) gmtime_r(&e->mtime, &tm);
    p += strftime((char *) p, 18, "%d-%b-%Y %H:%M", &tm);

    if (e->is_dir) {
        n = snprintf((char *) p, 22, "%20s", "-");
    } else {
        n = snprintf((char *) p, 22, "%20lld", (long long) e->size);
    }
    p += n;

    return HV_AUTOINDEX_CPY(p, "\r\n");
}


static int
hv_autoindex_handler(hv_http_request_t *r)
{
    static const hv_str_t html = hv_string("text/html");
    hv_autoindex_loc_conf_t *conf = hv_http_loc_conf(r, autoindex);
    hv_autoindex_entry_t *e;
    hv_str_t path, body;
    hv_array_t entries;
    unsigned char *p;
    size_t len;
    hv_uint_t i;
    int rc;

    if (!conf->enable || r->uri.len == 0 ||
        r->uri.data[r->uri.len - 1] != '/' ||
        !(r->method & (HV_HTTP_GET | HV_HTTP_HEAD))) {
        return HV_DECLINED;
    }

    rc = hv_http_map_uri_to_path(r, &path, 0);
    if (rc == HV_DECLINED) {
        return 404;
    }
    if (rc != HV_OK) {
        return 500;
    }

    if (hv_array_init(&entries, r->pool, 32, sizeof(hv_autoindex_entry_t)) !=
        HV_OK) {
        return 500;
    }

    rc = hv_autoindex_read(r, (char *) path.data, &entries);
    if (rc != HV_OK) {
        return rc;
    }

    e = entries.elts;
    qsort(e, entries.nelts, sizeof(hv_autoindex_entry_t), hv_autoindex_cmp);

    /* the worst case: every byte escaped to 6 in the text, 3 in the link */
    len = 128 + 2 * 6 * r->uri.len;
    for (i = 0; i < entries.nelts; i++) {
        len += 32 + 9 * e[i].name.len + HV_AUTOINDEX_NAME_COLUMN +
               HV_AUTOINDEX_TAIL_LEN;
    }

    body.data = hv_pnalloc(r->pool, len);
    if (body.data == NULL) {
        return 500;
    }

    p = HV_AUTOINDEX_CPY(body.data, "<html>\r\n<head><title>Index of ");
    p = hv_autoindex_html_escape(p, &r->uri);
    p = HV_AUTOINDEX_CPY(p, "</title></head>\r\n<body>\r\n<h1>Index of ");
    p = hv_autoindex_html_escape(p, &r->uri);
    p = HV_AUTOINDEX_CPY(p, "</h1><hr><pre><a href=\"../\">../</a>\r\n");

    for (i = 0; i < entries.nelts; i++) {
        p = hv_autoindex_line(p, &e[i]);
    }

    p = HV_AUTOINDEX_CPY(p, "</pre><hr></body>\r\n</html>\r\n");
    body.len = (size_t) (p - body.data);

    return (int) hv_http_send_response(r, 200, &html, &body);
}
