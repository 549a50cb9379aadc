/*
 * http/variables.c - the template compiler and evaluator, and the
 * variables the core knows.  The getters of single values live in
 * http/variables_get.c; this file holds the name table, the compiler,
 * the two-pass evaluation and the end-of-block resolution of names that
 * modules or regex captures define.
 */
#include "http/variables_internal.h"
#include "http/request_internal.h"


/* A variable by name: exact, or a prefix followed by NAME. */
typedef struct {
    hv_str_t name;
    hv_http_variable_get_pt get;
    bool prefix;
} hv_http_variable_t;

/* A part whose name is known only at the end of the http block. */
typedef struct {
    hv_http_template_part_t *part;
    const char *file;
    hv_uint_t line;
} hv_http_var_pending_t;

/* Per http block (cmcf->variables). */
struct hv_http_variables_conf_s {
    hv_array_t added;    /* hv_http_variable_t, from modules */
    hv_array_t captures; /* hv_str_t: names of regex groups */
    hv_array_t pending;  /* hv_http_var_pending_t */
};


#define hv_var(name, get, n)                                 \
    {                                                        \
        { sizeof(name) - 1, (unsigned char *) name }, get, n \
    }

/* n tells apart the variables that share a getter (HV_HTTP_VAR_*). */
typedef struct {
    hv_str_t name;
    hv_http_variable_get_pt get;
    hv_uint_t n;
} hv_http_core_var_t;

static const hv_http_core_var_t hv_http_core_vars[] = {
    hv_var("uri", hv_http_var_uri, 0),
    hv_var("document_uri", hv_http_var_uri, 0),
    hv_var("request_uri", hv_http_var_request_uri, 0),
    hv_var("args", hv_http_var_args, 0),
    hv_var("query_string", hv_http_var_args, 0),
    hv_var("is_args", hv_http_var_is_args, 0),
    hv_var("host", hv_http_var_host, 0),
    hv_var("server_name", hv_http_var_server_name, 0),
    hv_var("remote_addr", hv_http_var_remote_addr, 0),
    hv_var("remote_port", hv_http_var_number, HV_HTTP_VAR_REMOTE_PORT),
    hv_var("remote_user", hv_http_var_empty, 0),
    hv_var("server_addr", hv_http_var_server_addr, 0),
    hv_var("server_port", hv_http_var_number, HV_HTTP_VAR_SERVER_PORT),
    hv_var("scheme", hv_http_var_scheme, 0),
    hv_var("https", hv_http_var_https, 0),
    hv_var("request", hv_http_var_request, 0),
    hv_var("request_method", hv_http_var_request_method, 0),
    hv_var("server_protocol", hv_http_var_protocol, 0),
    hv_var("request_length", hv_http_var_number, HV_HTTP_VAR_REQUEST_LENGTH),
    hv_var("status", hv_http_var_status, 0),
    hv_var("body_bytes_sent", hv_http_var_number, HV_HTTP_VAR_BODY_BYTES_SENT),
    hv_var("bytes_sent", hv_http_var_number, HV_HTTP_VAR_BYTES_SENT),
    hv_var("request_time", hv_http_var_msec_value, HV_HTTP_VAR_REQUEST_TIME),
    hv_var(
        "connection_time", hv_http_var_msec_value, HV_HTTP_VAR_CONNECTION_TIME),
    hv_var("msec", hv_http_var_msec_value, HV_HTTP_VAR_MSEC),
    hv_var("time_local", hv_http_var_time, HV_HTTP_VAR_TIME_LOCAL),
    hv_var("time_iso8601", hv_http_var_time, HV_HTTP_VAR_TIME_ISO8601),
    hv_var("pipe", hv_http_var_pipe, 0),
    hv_var("connection", hv_http_var_number, HV_HTTP_VAR_CONNECTION),
    hv_var("connection_requests", hv_http_var_number,
        HV_HTTP_VAR_CONNECTION_REQUESTS),
    hv_var("pid", hv_http_var_number, HV_HTTP_VAR_PID),
    hv_var("content_length", hv_http_var_header_in, 0),
    hv_var("content_type", hv_http_var_header_in, 0),
    { { 0, NULL }, NULL, 0 },
};

static const hv_http_core_var_t hv_http_core_prefix_vars[] = {
    hv_var("http_", hv_http_var_header_in, 0),
    hv_var("sent_http_", hv_http_var_header_out, 0),
    hv_var("arg_", hv_http_var_arg, 0),
    { { 0, NULL }, NULL, 0 },
};


static struct hv_http_variables_conf_s *hv_http_variables_conf(hv_conf_t *cf);
static int hv_http_template_add_var(
    hv_conf_t *cf, hv_array_t *parts, unsigned char *name, size_t len);
static size_t hv_http_value_len(const hv_str_t *v, unsigned flags);
static unsigned char *hv_http_value_write(
    unsigned char *p, const hv_str_t *v, unsigned flags);


static struct hv_http_variables_conf_s *
hv_http_variables_conf(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    struct hv_http_variables_conf_s *vc;

    if (cmcf->variables != NULL) {
        return cmcf->variables;
    }

    vc = hv_pcalloc(cf->pool, sizeof(struct hv_http_variables_conf_s));
    if (vc == NULL ||
        hv_array_init(&vc->added, cf->pool, 4, sizeof(hv_http_variable_t)) !=
            HV_OK ||
        hv_array_init(&vc->captures, cf->pool, 4, sizeof(hv_str_t)) != HV_OK ||
        hv_array_init(&vc->pending, cf->pool, 4,
            sizeof(hv_http_var_pending_t)) != HV_OK) {
        return NULL;
    }

    cmcf->variables = vc;

    return vc;
}


static bool
hv_http_var_name_char(unsigned char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}


static int
hv_http_template_literal(hv_array_t *parts, unsigned char *p, size_t len)
{
    hv_http_template_part_t *part;

    if (len == 0) {
        return HV_OK;
    }

    part = hv_array_push(parts);
    if (part == NULL) {
        return HV_ERROR;
    }

    part->get = NULL;
    part->text.data = p;
    part->text.len = len;
    part->n = 0;

    return HV_OK;
}


/*
 * Splits "... $name ... ${name}..." into parts.  A name that starts with
 * a digit is one digit, a numbered capture ("$1.html"), as in nginx.
 */
hv_http_template_t *
hv_http_template_compile(hv_conf_t *cf, const hv_str_t *text)
{
    unsigned char *p, *end, *lit, *name;
    hv_http_template_t *t;
    hv_array_t parts;
    hv_uint_t i;
    size_t len;
    bool braces;

    t = hv_pcalloc(cf->pool, sizeof(hv_http_template_t));
    if (t == NULL || hv_array_init(&parts, cf->pool, 4,
                         sizeof(hv_http_template_part_t)) != HV_OK) {
        return NULL;
    }

    t->source = *text;
    p = text->data;
    end = p + text->len;

    while (p < end) {
        lit = p;
        while (p < end && *p != '$') {
            p++;
        }
        if (hv_http_template_literal(&parts, lit, (size_t) (p - lit)) !=
            HV_OK) {
            return NULL;
        }
        if (p == end) {
            break;
        }

        p++;
        braces = (p < end && *p == '{');
        p += braces;
        name = p;
        if (p < end && *p >= '0' && *p <= '9') {
            p++;
        } else {
            while (p < end && hv_http_var_name_char(*p)) {
                p++;
            }
        }
        len = (size_t) (p - name);

        if (len == 0 || (braces && (p == end || *p != '}'))) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid variable name in \"%.*s\"", (int) text->len,
                text->data);
            return NULL;
        }
        p += braces;

        if (hv_http_template_add_var(cf, &parts, name, len) != HV_OK) {
            return NULL;
        }
    }

    t->parts = parts.elts;
    t->nparts = parts.nelts;

    /* the parts are in place now: remember those to resolve later */
    for (i = 0; i < t->nparts; i++) {
        hv_http_var_pending_t *pd;
        struct hv_http_variables_conf_s *vc;

        if (t->parts[i].get != NULL) {
            t->nvars++;
        }
        if (t->parts[i].get != hv_http_var_unresolved) {
            continue;
        }
        vc = hv_http_variables_conf(cf);
        pd = (vc != NULL) ? hv_array_push(&vc->pending) : NULL;
        if (pd == NULL) {
            return NULL;
        }
        pd->part = &t->parts[i];
        pd->file = (cf->lex != NULL) ? (const char *) cf->lex->name.data : "";
        pd->line = (cf->lex != NULL) ? cf->lex->line : 0;
    }

    return t;
}


/* A core variable, a capture number, or a name to resolve later. */
static int
hv_http_template_add_var(
    hv_conf_t *cf, hv_array_t *parts, unsigned char *name, size_t len)
{
    const hv_http_core_var_t *v;
    hv_http_template_part_t *part;
    unsigned char *arg;
    size_t i, plen;

    part = hv_array_push(parts);
    if (part == NULL) {
        return HV_ERROR;
    }

    part->text.data = name;
    part->text.len = len;
    part->n = 0;
    part->get = hv_http_var_unresolved;

    if (name[0] >= '0' && name[0] <= '9') {
        part->get = hv_http_var_capture;
        part->n = (hv_uint_t) (name[0] - '0');
        return HV_OK;
    }

    for (v = hv_http_core_vars; v->get != NULL; v++) {
        if (v->name.len == len && memcmp(v->name.data, name, len) == 0) {
            part->get = v->get;
            part->n = v->n;
            return HV_OK;
        }
    }

    for (v = hv_http_core_prefix_vars; v->get != NULL; v++) {
        plen = v->name.len;
        if (len <= plen || memcmp(v->name.data, name, plen) != 0) {
            continue;
        }

        /* header names: lower case, '_' read as '-' */
        arg = hv_pstrdup(cf->pool, name + plen, len - plen);
        if (arg == NULL) {
            return HV_ERROR;
        }
        for (i = 0; i < len - plen && v->get != hv_http_var_arg; i++) {
            arg[i] = (arg[i] == '_') ? '-' : hv_tolower(arg[i]);
        }
        part->get = v->get;
        part->text.data = arg;
        part->text.len = len - plen;
        return HV_OK;
    }

    return HV_OK;
}


int
hv_http_variable_add(
    hv_conf_t *cf, const char *name, bool prefix, hv_http_variable_get_pt get)
{
    struct hv_http_variables_conf_s *vc;
    hv_http_variable_t *v;

    vc = hv_http_variables_conf(cf);
    v = (vc != NULL) ? hv_array_push(&vc->added) : NULL;
    if (v == NULL) {
        return HV_ERROR;
    }

    v->name.data = (unsigned char *) name;
    v->name.len = strlen(name);
    v->get = get;
    v->prefix = prefix;

    return HV_OK;
}


int
hv_http_variables_add_capture(hv_conf_t *cf, const unsigned char *name)
{
    struct hv_http_variables_conf_s *vc;
    hv_str_t *s;

    vc = hv_http_variables_conf(cf);
    s = (vc != NULL) ? hv_array_push(&vc->captures) : NULL;
    if (s == NULL) {
        return HV_ERROR;
    }

    s->len = strlen((const char *) name);
    s->data = hv_pstrdup(cf->pool, name, s->len);

    return s->data != NULL ? HV_OK : HV_ERROR;
}


/* A module's variable or a capture name for one open part. */
static bool
hv_http_variable_resolve(
    struct hv_http_variables_conf_s *vc, hv_http_template_part_t *part)
{
    hv_http_variable_t *v = vc->added.elts;
    hv_str_t *cap = vc->captures.elts;
    hv_uint_t i;

    for (i = 0; i < vc->added.nelts; i++) {
        if (!v[i].prefix && hv_str_eq(&v[i].name, &part->text)) {
            part->get = v[i].get;
            return true;
        }
        if (v[i].prefix && part->text.len > v[i].name.len &&
            memcmp(v[i].name.data, part->text.data, v[i].name.len) == 0) {
            part->get = v[i].get;
            part->text.data += v[i].name.len;
            part->text.len -= v[i].name.len;
            return true;
        }
    }

    for (i = 0; i < vc->captures.nelts; i++) {
        if (hv_str_eq(&cap[i], &part->text)) {
            part->get = hv_http_var_named_capture;
            return true;
        }
    }

    return false;
}


int
hv_http_variables_init(hv_conf_t *cf)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    struct hv_http_variables_conf_s *vc = cmcf->variables;
    hv_http_var_pending_t *pd;
    hv_uint_t i;

    if (vc == NULL) {
        return HV_OK;
    }

    pd = vc->pending.elts;
    for (i = 0; i < vc->pending.nelts; i++) {
        if (!hv_http_variable_resolve(vc, pd[i].part)) {
            hv_log_error(HV_LOG_EMERG, cf->log, 0,
                "unknown \"%.*s\" variable in %s:%u",
                (int) pd[i].part->text.len, pd[i].part->text.data, pd[i].file,
                (unsigned) pd[i].line);
            return HV_ERROR;
        }
    }
    vc->pending.nelts = 0;

    return HV_OK;
}


size_t
hv_http_template_len(
    hv_http_request_t *r, const hv_http_template_t *t, unsigned flags)
{
    unsigned char scratch[HV_HTTP_VAR_SCRATCH];
    const hv_http_template_part_t *part;
    hv_str_t v;
    size_t len;
    hv_uint_t i;

    len = 0;
    for (i = 0; i < t->nparts; i++) {
        part = &t->parts[i];
        if (part->get == NULL) {
            len += part->text.len;
            continue;
        }
        v.len = 0;
        v.data = NULL;
        part->get(r, &part->text, part->n, scratch, &v);
        len += hv_http_value_len(&v, flags);
    }

    return len;
}


unsigned char *
hv_http_template_write(hv_http_request_t *r, const hv_http_template_t *t,
    unsigned flags, unsigned char *p)
{
    unsigned char scratch[HV_HTTP_VAR_SCRATCH];
    const hv_http_template_part_t *part;
    hv_str_t v;
    hv_uint_t i;

    for (i = 0; i < t->nparts; i++) {
        part = &t->parts[i];
        if (part->get == NULL) {
            p = hv_cpymem(p, part->text.data, part->text.len);
            continue;
        }
        v.len = 0;
        v.data = NULL;
        part->get(r, &part->text, part->n, scratch, &v);
        p = hv_http_value_write(p, &v, flags);
    }

    return p;
}


int
hv_http_template_eval(hv_http_request_t *r, const hv_http_template_t *t,
    unsigned flags, hv_str_t *out)
{
    unsigned char *p;
    size_t len;

    if (t->nvars == 0) {
        *out = t->source;
        return HV_OK;
    }

    len = hv_http_template_len(r, t, flags);

    out->data = hv_pnalloc(r->pool, len + 1);
    if (out->data == NULL) {
        return HV_ERROR;
    }

    p = hv_http_template_write(r, t, flags, out->data);
    *p = '\0';
    out->len = (size_t) (p - out->data);

    return HV_OK;
}


static bool
hv_http_header_must_escape(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}


static size_t
hv_http_value_len(const hv_str_t *v, unsigned flags)
{
    size_t i, len;

    if (flags & HV_HTTP_TPL_LOG) {
        return v->len == 0 ? 1 : hv_http_log_escaped_len(v->data, v->len);
    }

    len = v->len;
    if (flags & HV_HTTP_TPL_HEADER) {
        for (i = 0; i < v->len; i++) {
            if (hv_http_header_must_escape(v->data[i])) {
                len += 2;
            }
        }
    }

    return len;
}


static unsigned char *
hv_http_value_write(unsigned char *p, const hv_str_t *v, unsigned flags)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    if (flags & HV_HTTP_TPL_LOG) {
        if (v->len == 0) {
            *p++ = '-';
            return p;
        }
        return p + hv_http_log_escape((char *) p, SIZE_MAX, v->data, v->len);
    }

    if (!(flags & HV_HTTP_TPL_HEADER)) {
        return (v->len > 0) ? hv_cpymem(p, v->data, v->len) : p;
    }

    for (i = 0; i < v->len; i++) {
        if (hv_http_header_must_escape(v->data[i])) {
            *p++ = '%';
            *p++ = (unsigned char) hex[v->data[i] >> 4];
            *p++ = (unsigned char) hex[v->data[i] & 0x0f];
        } else {
            *p++ = v->data[i];
        }
    }

    return p;
}
