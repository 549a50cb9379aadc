/*
 * http/access_log.c - "access_log" and "log_format", and the LOG phase
 * handler that writes one line per request.
 *
 * A format is compiled once into a list of literal pieces and variable
 * references.  A request's line is measured, built in the request pool
 * and written with a single write() on an O_APPEND descriptor, so lines
 * of different workers never interleave and a line costs one system call.
 * The files are the cycle's log files (hv_cycle_log_file), so USR1 reopens
 * them with the error log.
 *
 * The variables here are the access log's own small set; the general
 * variable layer (issue 3 of the HTTP core) will replace this table.
 * Values are escaped as nginx's default escaping does: '"', '\' and bytes
 * outside 0x20..0x7e become \xHH, and an empty value is written "-".
 */
#include "http/http_core_internal.h"


/* Variables of the access log. */
typedef enum {
    HV_LOG_LITERAL = 0,
    HV_LOG_REMOTE_ADDR,
    HV_LOG_REMOTE_PORT,
    HV_LOG_REMOTE_USER,
    HV_LOG_TIME_LOCAL,
    HV_LOG_TIME_ISO8601,
    HV_LOG_MSEC,
    HV_LOG_REQUEST,
    HV_LOG_REQUEST_METHOD,
    HV_LOG_REQUEST_URI,
    HV_LOG_URI,
    HV_LOG_ARGS,
    HV_LOG_PROTOCOL,
    HV_LOG_STATUS,
    HV_LOG_BODY_BYTES_SENT,
    HV_LOG_REQUEST_LENGTH,
    HV_LOG_REQUEST_TIME,
    HV_LOG_HOST,
    HV_LOG_SERVER_NAME,
    HV_LOG_SERVER_PORT,
    HV_LOG_SCHEME,
    HV_LOG_PID,
    HV_LOG_CONNECTION,
    HV_LOG_CONNECTION_REQUESTS,
    HV_LOG_HTTP /* $http_NAME: a request header */
} hv_http_log_var_t;

typedef struct {
    const char *name;
    hv_http_log_var_t var;
} hv_http_log_var_name_t;

static const hv_http_log_var_name_t hv_http_log_vars[] = {
    { "remote_addr", HV_LOG_REMOTE_ADDR },
    { "remote_port", HV_LOG_REMOTE_PORT },
    { "remote_user", HV_LOG_REMOTE_USER },
    { "time_local", HV_LOG_TIME_LOCAL },
    { "time_iso8601", HV_LOG_TIME_ISO8601 },
    { "msec", HV_LOG_MSEC },
    { "request", HV_LOG_REQUEST },
    { "request_method", HV_LOG_REQUEST_METHOD },
    { "request_uri", HV_LOG_REQUEST_URI },
    { "uri", HV_LOG_URI },
    { "document_uri", HV_LOG_URI },
    { "args", HV_LOG_ARGS },
    { "query_string", HV_LOG_ARGS },
    { "server_protocol", HV_LOG_PROTOCOL },
    { "status", HV_LOG_STATUS },
    { "body_bytes_sent", HV_LOG_BODY_BYTES_SENT },
    { "request_length", HV_LOG_REQUEST_LENGTH },
    { "request_time", HV_LOG_REQUEST_TIME },
    { "host", HV_LOG_HOST },
    { "server_name", HV_LOG_SERVER_NAME },
    { "server_port", HV_LOG_SERVER_PORT },
    { "scheme", HV_LOG_SCHEME },
    { "pid", HV_LOG_PID },
    { "connection", HV_LOG_CONNECTION },
    { "connection_requests", HV_LOG_CONNECTION_REQUESTS },
    { NULL, HV_LOG_LITERAL },
};

/* One piece of a compiled format. */
typedef struct {
    hv_http_log_var_t var;
    hv_str_t text; /* literal, or the header name of
                      $http_NAME ('_' read as '-') */
} hv_http_log_op_t;

typedef struct {
    hv_str_t name;
    hv_array_t ops; /* hv_http_log_op_t */
} hv_http_log_format_t;

typedef struct {
    hv_log_file_t *file;
    hv_http_log_format_t *format;
} hv_http_log_t;

/* A block's access_log: its logs, or none after "access_log off". */
typedef struct {
    hv_array_t logs; /* hv_http_log_t */
    bool off;
} hv_http_access_log_conf_t;


#define HV_HTTP_COMBINED                                              \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status " \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\""

/* Longest text a number or time variable needs (time_local is 26). */
#define HV_LOG_SCRATCH 48


static hv_array_t *hv_http_log_formats(hv_conf_t *cf);
static int hv_http_log_compile(
    hv_conf_t *cf, hv_http_log_format_t *fmt, const hv_str_t *text);
static hv_http_access_log_conf_t *hv_http_access_log_create(hv_conf_t *cf);
static void hv_http_log_value(hv_http_request_t *r, const hv_http_log_op_t *op,
    unsigned char *scratch, hv_str_t *out);
static size_t hv_http_log_escaped_len(const hv_str_t *v);
static unsigned char *hv_http_log_escape(unsigned char *p, const hv_str_t *v);
static void hv_http_log_write(hv_http_request_t *r, hv_http_log_t *log);


/* The formats of the http block; "combined" is always the first. */
static hv_array_t *
hv_http_log_formats(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_log_format_t *fmt, **fp;
    hv_str_t text;

    if (cmcf->log_formats != NULL) {
        return cmcf->log_formats;
    }

    cmcf->log_formats = hv_array_create(cf->pool, 4, sizeof(void *));
    fmt = hv_pcalloc(cf->pool, sizeof(hv_http_log_format_t));
    if (cmcf->log_formats == NULL || fmt == NULL) {
        return NULL;
    }

    hv_str_set(&fmt->name, "combined");
    hv_str_set(&text, HV_HTTP_COMBINED);
    if (hv_http_log_compile(cf, fmt, &text) != HV_OK) {
        return NULL;
    }

    fp = hv_array_push(cmcf->log_formats);
    if (fp == NULL) {
        return NULL;
    }
    *fp = fmt;

    return cmcf->log_formats;
}


/* "log_format NAME [escape=default] STRING ...": the strings join. */
char *
hv_http_core_log_format(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_str_t *value = cf->args->elts, text;
    hv_http_log_format_t *fmt, **fp;
    hv_array_t *formats;
    hv_uint_t i, first;
    unsigned char *p;
    size_t len;

    (void) cmd;
    (void) conf;

    formats = hv_http_log_formats(cf);
    if (formats == NULL) {
        return HV_CONF_ERROR;
    }

    fp = formats->elts;
    for (i = 0; i < formats->nelts; i++) {
        if (hv_str_eq(&fp[i]->name, &value[1])) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "duplicate \"log_format\" name \"%.*s\"", (int) value[1].len,
                value[1].data);
            return HV_CONF_ERROR;
        }
    }

    first = 2;
    if (hv_str_eq_cstr(&value[2], "escape=default")) {
        first = 3;
    } else if (value[2].len > 7 && memcmp(value[2].data, "escape=", 7) == 0) {
        return "supports only escape=default yet";
    }
    if (first >= cf->args->nelts) {
        return "has no format string";
    }

    len = 0;
    for (i = first; i < cf->args->nelts; i++) {
        len += value[i].len;
    }

    text.data = hv_pnalloc(cf->pool, len + 1);
    fmt = hv_pcalloc(cf->pool, sizeof(hv_http_log_format_t));
    if (text.data == NULL || fmt == NULL) {
        return HV_CONF_ERROR;
    }

    p = text.data;
    for (i = first; i < cf->args->nelts; i++) {
        p = hv_cpymem(p, value[i].data, value[i].len);
    }
    text.len = len;

    fmt->name = value[1];
    if (hv_http_log_compile(cf, fmt, &text) != HV_OK) {
        return HV_CONF_ERROR;
    }

    fp = hv_array_push(formats);
    if (fp == NULL) {
        return HV_CONF_ERROR;
    }
    *fp = fmt;

    return HV_CONF_OK;
}


static int
hv_http_log_add_op(hv_http_log_format_t *fmt, hv_http_log_var_t var,
    unsigned char *data, size_t len)
{
    hv_http_log_op_t *op;

    op = hv_array_push(&fmt->ops);
    if (op == NULL) {
        return HV_ERROR;
    }

    op->var = var;
    op->text.data = data;
    op->text.len = len;

    return HV_OK;
}


/* A variable of the table, or $http_NAME; unknown names are an error. */
static int
hv_http_log_add_var(
    hv_conf_t *cf, hv_http_log_format_t *fmt, unsigned char *name, size_t len)
{
    const hv_http_log_var_name_t *v;
    unsigned char *h;
    size_t i;

    if (len > 5 && memcmp(name, "http_", 5) == 0) {
        h = hv_pstrdup(cf->pool, name + 5, len - 5);
        if (h == NULL) {
            return HV_ERROR;
        }
        for (i = 0; i < len - 5; i++) {
            h[i] = (h[i] == '_') ? '-' : hv_tolower(h[i]);
        }
        return hv_http_log_add_op(fmt, HV_LOG_HTTP, h, len - 5);
    }

    for (v = hv_http_log_vars; v->name != NULL; v++) {
        if (strlen(v->name) == len && memcmp(v->name, name, len) == 0) {
            return hv_http_log_add_op(fmt, v->var, NULL, 0);
        }
    }

    hv_conf_log_error(
        HV_LOG_EMERG, cf, 0, "unknown \"%.*s\" variable", (int) len, name);
    return HV_ERROR;
}


/* Splits "... $name ... ${name}..." into literal and variable pieces. */
static int
hv_http_log_compile(
    hv_conf_t *cf, hv_http_log_format_t *fmt, const hv_str_t *text)
{
    unsigned char *p, *end, *lit, *name;
    size_t len;
    bool braces;

    if (hv_array_init(&fmt->ops, cf->pool, 16, sizeof(hv_http_log_op_t)) !=
        HV_OK) {
        return HV_ERROR;
    }

    p = text->data;
    end = p + text->len;

    while (p < end) {
        lit = p;
        while (p < end && *p != '$') {
            p++;
        }
        if (p > lit && hv_http_log_add_op(fmt, HV_LOG_LITERAL, lit,
                           (size_t) (p - lit)) != HV_OK) {
            return HV_ERROR;
        }
        if (p == end) {
            break;
        }

        p++;
        braces = (p < end && *p == '{');
        p += braces;
        name = p;
        while (p < end &&
               (*p == '_' || (*p >= 'a' && *p <= 'z') ||
                   (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
            p++;
        }
        len = (size_t) (p - name);

        if (len == 0 || (braces && (p == end || *p != '}'))) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid variable name in log format \"%.*s\"", (int) text->len,
                text->data);
            return HV_ERROR;
        }
        p += braces;

        if (hv_http_log_add_var(cf, fmt, name, len) != HV_OK) {
            return HV_ERROR;
        }
    }

    return HV_OK;
}


static hv_http_access_log_conf_t *
hv_http_access_log_create(hv_conf_t *cf)
{
    hv_http_access_log_conf_t *alc;

    alc = hv_pcalloc(cf->pool, sizeof(hv_http_access_log_conf_t));
    if (alc == NULL || hv_array_init(&alc->logs, cf->pool, 1,
                           sizeof(hv_http_log_t)) != HV_OK) {
        return NULL;
    }

    return alc;
}


static int
hv_http_access_log_add(hv_conf_t *cf, hv_http_access_log_conf_t *alc,
    hv_str_t *path, hv_http_log_format_t *fmt)
{
    hv_http_log_t *log;

    log = hv_array_push(&alc->logs);
    if (log == NULL) {
        return HV_ERROR;
    }

    if (hv_conf_full_name(cf->cycle, path, false) != HV_OK) {
        return HV_ERROR;
    }

    log->file = hv_cycle_log_file(cf->cycle, path);
    log->format = fmt;

    return log->file != NULL ? HV_OK : HV_ERROR;
}


/* "access_log off" | "access_log PATH [FORMAT [buffer=SIZE] [flush=T]]" */
char *
hv_http_core_access_log(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_loc_conf_t *clcf = conf;
    hv_str_t *value = cf->args->elts, path;
    hv_http_access_log_conf_t *alc;
    hv_http_log_format_t **fp, *fmt;
    hv_array_t *formats;
    hv_uint_t i;

    (void) cmd;

    alc = clcf->access_log;
    if (alc == NULL) {
        alc = hv_http_access_log_create(cf);
        if (alc == NULL) {
            return HV_CONF_ERROR;
        }
        clcf->access_log = alc;
    }

    if (hv_str_eq_cstr(&value[1], "off")) {
        if (cf->args->nelts != 2) {
            return "has parameters after \"off\"";
        }
        alc->off = true;
        return HV_CONF_OK;
    }

    formats = hv_http_log_formats(cf);
    if (formats == NULL) {
        return HV_CONF_ERROR;
    }

    fp = formats->elts;
    fmt = fp[0];

    if (cf->args->nelts >= 3) {
        for (i = 0; i < formats->nelts; i++) {
            if (hv_str_eq(&fp[i]->name, &value[2])) {
                break;
            }
        }
        if (i == formats->nelts) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "unknown log format \"%.*s\"", (int) value[2].len,
                value[2].data);
            return HV_CONF_ERROR;
        }
        fmt = fp[i];
    }

    /* buffering comes with the HTTP core's issue 3; writes are direct */
    for (i = 3; i < cf->args->nelts; i++) {
        if ((value[i].len > 7 && memcmp(value[i].data, "buffer=", 7) == 0) ||
            (value[i].len > 6 && memcmp(value[i].data, "flush=", 6) == 0)) {
            continue;
        }
        hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
            (int) value[i].len, value[i].data);
        return HV_CONF_ERROR;
    }

    path = value[1];
    if (hv_http_access_log_add(cf, alc, &path, fmt) != HV_OK) {
        return HV_CONF_ERROR;
    }

    return HV_CONF_OK;
}


int
hv_http_access_log_merge(
    hv_conf_t *cf, hv_http_core_loc_conf_t *prev, hv_http_core_loc_conf_t *conf)
{
    hv_http_access_log_conf_t *alc;
    hv_http_log_format_t **fp;
    hv_array_t *formats;
    hv_str_t path;

    if (conf->access_log != NULL) {
        return HV_OK;
    }

    if (prev->access_log == NULL) {
        /* nginx's default: logs/access.log in combined, for everything */
        formats = hv_http_log_formats(cf);
        alc = hv_http_access_log_create(cf);
        if (formats == NULL || alc == NULL) {
            return HV_ERROR;
        }
        fp = formats->elts;
        hv_str_set(&path, HV_HTTP_LOG_PATH);
        if (hv_http_access_log_add(cf, alc, &path, fp[0]) != HV_OK) {
            return HV_ERROR;
        }
        prev->access_log = alc;
    }

    conf->access_log = prev->access_log;

    return HV_OK;
}


int
hv_http_access_log_handler(hv_http_request_t *r)
{
    hv_http_access_log_conf_t *alc;
    hv_http_log_t *log;
    hv_uint_t i;

    if (r->loc_conf == NULL) {
        return HV_OK;
    }

    alc = hv_http_core_loc(r)->access_log;
    if (alc == NULL || alc->off) {
        return HV_OK;
    }

    log = alc->logs.elts;
    for (i = 0; i < alc->logs.nelts; i++) {
        hv_http_log_write(r, &log[i]);
    }

    return HV_OK;
}


/* One line: measure, build in the request pool, one write(). */
static void
hv_http_log_write(hv_http_request_t *r, hv_http_log_t *log)
{
    unsigned char scratch[HV_LOG_SCRATCH], *line, *p;
    hv_http_log_op_t *op;
    hv_str_t *values;
    hv_uint_t i, n;
    size_t len;
    ssize_t w;

    if (log->file->fd == -1) {
        return;
    }

    op = log->format->ops.elts;
    n = log->format->ops.nelts;

    values = hv_palloc(r->pool, n * sizeof(hv_str_t));
    if (values == NULL) {
        return;
    }

    /* numbers go through scratch and are measured and copied at once */
    len = 1;
    for (i = 0; i < n; i++) {
        if (op[i].var == HV_LOG_LITERAL) {
            len += op[i].text.len;
            continue;
        }
        hv_http_log_value(r, &op[i], scratch, &values[i]);
        if (values[i].data == scratch) {
            values[i].data = hv_pstrdup(r->pool, scratch, values[i].len);
            if (values[i].data == NULL) {
                return;
            }
        }
        len += hv_http_log_escaped_len(&values[i]);
    }

    line = hv_pnalloc(r->pool, len);
    if (line == NULL) {
        return;
    }

    p = line;
    for (i = 0; i < n; i++) {
        if (op[i].var == HV_LOG_LITERAL) {
            p = hv_cpymem(p, op[i].text.data, op[i].text.len);
        } else {
            p = hv_http_log_escape(p, &values[i]);
        }
    }
    *p++ = '\n';

    w = write(log->file->fd, line, (size_t) (p - line));
    if (w == -1) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, errno,
            "write() to \"%s\" failed", (char *) log->file->name.data);
    } else if (w != p - line) {
        hv_log_error(HV_LOG_ERR, &r->connection->log, 0,
            "write() to \"%s\" was incomplete: %zd of %zu",
            (char *) log->file->name.data, w, (size_t) (p - line));
    }
}


/* A request header by lower-case name ('-' for '_'). */
static void
hv_http_log_header(hv_http_request_t *r, const hv_str_t *name, hv_str_t *out)
{
    hv_http_header_t *h;
    hv_uint_t i;

    if (r->headers_in.headers.elts == NULL) {
        return;
    }

    h = r->headers_in.headers.elts;
    for (i = 0; i < r->headers_in.headers.nelts; i++) {
        if (h[i].key.len == name->len &&
            hv_strncasecmp(h[i].key.data, name->data, name->len) == 0) {
            *out = h[i].value;
            return;
        }
    }
}


/* The numeric variables, printed into scratch; false for the others. */
static bool
hv_http_log_number_value(hv_http_request_t *r, hv_http_log_var_t var,
    unsigned char *scratch, hv_str_t *out)
{
    hv_connection_t *c = r->connection;
    hv_msec_t ms;
    uint64_t v;
    int n;

    switch (var) {
        case HV_LOG_REMOTE_PORT:
            v = (uint64_t) hv_inet_port(&c->sockaddr.sa);
            break;
        case HV_LOG_SERVER_PORT:
            v = (uint64_t) hv_inet_port(&c->listening->sockaddr.sa);
            break;
        case HV_LOG_BODY_BYTES_SENT:
            v = (uint64_t) r->body_bytes_sent;
            break;
        case HV_LOG_REQUEST_LENGTH:
            v = (uint64_t) r->request_length;
            break;
        case HV_LOG_PID:
            v = (uint64_t) hv_process.pid;
            break;
        case HV_LOG_CONNECTION:
            v = c->number;
            break;
        case HV_LOG_CONNECTION_REQUESTS:
            v = (uint64_t) c->requests;
            break;
        case HV_LOG_STATUS:
            /* nginx's "000" when no response was sent */
            n = snprintf((char *) scratch, HV_LOG_SCRATCH, "%03u",
                (unsigned) r->headers_out.status);
            goto printed;
        case HV_LOG_MSEC:
            n = snprintf((char *) scratch, HV_LOG_SCRATCH, "%llu.%03u",
                (unsigned long long) (hv_cached_time.wall_msec / 1000),
                (unsigned) (hv_cached_time.wall_msec % 1000));
            goto printed;
        case HV_LOG_REQUEST_TIME:
            ms = hv_current_msec - r->start_msec;
            n = snprintf((char *) scratch, HV_LOG_SCRATCH, "%llu.%03u",
                (unsigned long long) (ms / 1000), (unsigned) (ms % 1000));
            goto printed;
        default:
            return false;
    }

    out->data = scratch;
    out->len = (size_t) (hv_sprint_uint(scratch, v) - scratch);
    return true;

printed:
    out->data = scratch;
    out->len = (n > 0) ? (size_t) n : 0;
    return true;
}


static void
hv_http_log_value(hv_http_request_t *r, const hv_http_log_op_t *op,
    unsigned char *scratch, hv_str_t *out)
{
    hv_connection_t *c = r->connection;
    hv_http_core_srv_conf_t *cscf;

    out->len = 0;
    out->data = NULL;

    if (hv_http_log_number_value(r, op->var, scratch, out)) {
        return;
    }

    switch (op->var) {
        case HV_LOG_REMOTE_ADDR:
            *out = c->addr_text;
            break;
        case HV_LOG_TIME_LOCAL:
            out->data = (unsigned char *) hv_cached_time.http_log_time;
            out->len = strlen(hv_cached_time.http_log_time);
            break;
        case HV_LOG_TIME_ISO8601:
            out->data = (unsigned char *) hv_cached_time.iso8601;
            out->len = strlen(hv_cached_time.iso8601);
            break;
        case HV_LOG_REQUEST:
            *out = r->request_line;
            break;
        case HV_LOG_REQUEST_METHOD:
            *out = r->method_name;
            break;
        case HV_LOG_REQUEST_URI:
            *out = r->unparsed_uri;
            break;
        case HV_LOG_URI:
            *out = r->uri;
            break;
        case HV_LOG_ARGS:
            *out = r->args;
            break;
        case HV_LOG_PROTOCOL:
            *out = r->http_protocol;
            break;
        case HV_LOG_HOST:
        case HV_LOG_SERVER_NAME:
            if (op->var == HV_LOG_HOST && r->headers_in.server.len > 0) {
                *out = r->headers_in.server;
            } else if (r->srv_conf != NULL) {
                cscf = hv_http_core_srv(r);
                if (cscf->server_names.nelts > 0) {
                    *out = *(hv_str_t *) cscf->server_names.elts;
                }
            }
            break;
        case HV_LOG_SCHEME:
            out->data = (unsigned char *) (c->ssl != NULL ? "https" : "http");
            out->len = (c->ssl != NULL) ? 5 : 4;
            break;
        case HV_LOG_HTTP:
            hv_http_log_header(r, &op->text, out);
            break;
        default:
            /* $remote_user: no authentication yet, always "-" */
            break;
    }
}


static bool
hv_http_log_must_escape(unsigned char ch)
{
    return ch == '"' || ch == '\\' || ch < 0x20 || ch > 0x7e;
}


static size_t
hv_http_log_escaped_len(const hv_str_t *v)
{
    size_t i, len;

    if (v->len == 0) {
        return 1;
    }

    len = v->len;
    for (i = 0; i < v->len; i++) {
        if (hv_http_log_must_escape(v->data[i])) {
            len += 3;
        }
    }

    return len;
}


static unsigned char *
hv_http_log_escape(unsigned char *p, const hv_str_t *v)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    if (v->len == 0) {
        *p++ = '-';
        return p;
    }

    for (i = 0; i < v->len; i++) {
        if (hv_http_log_must_escape(v->data[i])) {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = (unsigned char) hex[v->data[i] >> 4];
            *p++ = (unsigned char) hex[v->data[i] & 0x0f];
        } else {
            *p++ = v->data[i];
        }
    }

    return p;
}
