/*
 * http/variables_get.c - the getters of the core's variables.  Each reads
 * the request as it is now and allocates nothing: numbers and times go
 * into the caller's scratch, strings point where they already live.  So a
 * template's length pass and write pass see the same values.
 *
 * Every getter copes with a request that failed early (no server or
 * location chosen yet, no request line): the access log still runs for
 * those.
 */
#include "http/variables_internal.h"
#include "http/request_internal.h"


#define HV_HTTP_VAR_UNUSED \
    (void) r;              \
    (void) arg;            \
    (void) n;              \
    (void) scratch


static void
hv_http_var_set(hv_str_t *out, const char *text)
{
    out->data = (unsigned char *) text;
    out->len = strlen(text);
}


HV_HTTP_VAR_GETTER(hv_http_var_unresolved)
{
    /* only between compile and hv_http_variables_init() */
    HV_HTTP_VAR_UNUSED;
    out->len = 0;
}


HV_HTTP_VAR_GETTER(hv_http_var_empty)
{
    HV_HTTP_VAR_UNUSED;
    out->len = 0;
}


HV_HTTP_VAR_GETTER(hv_http_var_uri)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->uri;
}


HV_HTTP_VAR_GETTER(hv_http_var_request_uri)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->unparsed_uri;
}


HV_HTTP_VAR_GETTER(hv_http_var_args)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->args;
}


HV_HTTP_VAR_GETTER(hv_http_var_is_args)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_set(out, r->args.len > 0 ? "?" : "");
}


/* $arg_NAME: the first NAME=value of the query, undecoded; the name is
 * compared case-insensitively, as nginx does. */
HV_HTTP_VAR_GETTER(hv_http_var_arg)
{
    unsigned char *p, *end, *next;

    HV_HTTP_VAR_UNUSED;

    p = r->args.data;
    end = p + r->args.len;

    while (p != NULL && p < end) {
        next = memchr(p, '&', (size_t) (end - p));
        if (next == NULL) {
            next = end;
        }
        if ((size_t) (next - p) > arg->len && p[arg->len] == '=' &&
            hv_strncasecmp(p, arg->data, arg->len) == 0) {
            out->data = p + arg->len + 1;
            out->len = (size_t) (next - out->data);
            return;
        }
        p = next + 1;
    }
}


/* The first server name, or empty before a server was chosen. */
static void
hv_http_var_first_name(hv_http_request_t *r, hv_str_t *out)
{
    hv_http_core_srv_conf_t *cscf;

    if (r->srv_conf == NULL) {
        return;
    }

    cscf = hv_http_core_srv(r);
    if (cscf->server_names.nelts > 0) {
        *out = *(hv_str_t *) cscf->server_names.elts;
    }
}


HV_HTTP_VAR_GETTER(hv_http_var_host)
{
    HV_HTTP_VAR_UNUSED;

    if (r->headers_in.server.len > 0) {
        *out = r->headers_in.server;
        return;
    }
    hv_http_var_first_name(r, out);
}


HV_HTTP_VAR_GETTER(hv_http_var_server_name)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_first_name(r, out);
}


HV_HTTP_VAR_GETTER(hv_http_var_remote_addr)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->connection->addr_text;
}


/* The local address the client connected to (a wildcard socket asks the
 * kernel: one getsockname() per evaluation pass). */
HV_HTTP_VAR_GETTER(hv_http_var_server_addr)
{
    hv_connection_t *c = r->connection;
    hv_sockaddr_t sa;
    socklen_t len;

    HV_HTTP_VAR_UNUSED;

    len = sizeof(sa);
    if (c->fd == -1 || getsockname(c->fd, &sa.sa, &len) == -1) {
        sa = c->listening->sockaddr;
    }

    out->data = scratch;
    out->len =
        hv_inet_ntop(&sa.sa, false, (char *) scratch, HV_HTTP_VAR_SCRATCH);
}


HV_HTTP_VAR_GETTER(hv_http_var_scheme)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_set(out, r->connection->ssl != NULL ? "https" : "http");
}


HV_HTTP_VAR_GETTER(hv_http_var_https)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_set(out, r->connection->ssl != NULL ? "on" : "");
}


HV_HTTP_VAR_GETTER(hv_http_var_request)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->request_line;
}


HV_HTTP_VAR_GETTER(hv_http_var_request_method)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->method_name;
}


HV_HTTP_VAR_GETTER(hv_http_var_protocol)
{
    HV_HTTP_VAR_UNUSED;
    *out = r->http_protocol;
}


/* nginx's "000" when no response was sent. */
HV_HTTP_VAR_GETTER(hv_http_var_status)
{
    hv_uint_t s = r->headers_out.status % 1000;

    HV_HTTP_VAR_UNUSED;

    scratch[0] = (unsigned char) ('0' + s / 100);
    scratch[1] = (unsigned char) ('0' + s / 10 % 10);
    scratch[2] = (unsigned char) ('0' + s % 10);
    out->data = scratch;
    out->len = 3;
}


HV_HTTP_VAR_GETTER(hv_http_var_number)
{
    hv_connection_t *c = r->connection;
    uint64_t v;

    HV_HTTP_VAR_UNUSED;

    switch (n) {
        case HV_HTTP_VAR_REMOTE_PORT:
            v = (uint64_t) hv_inet_port(&c->sockaddr.sa);
            break;
        case HV_HTTP_VAR_SERVER_PORT:
            v = (uint64_t) hv_inet_port(&c->listening->sockaddr.sa);
            break;
        case HV_HTTP_VAR_REQUEST_LENGTH:
            v = (uint64_t) r->request_length;
            break;
        case HV_HTTP_VAR_BODY_BYTES_SENT:
            v = (uint64_t) r->body_bytes_sent;
            break;
        case HV_HTTP_VAR_BYTES_SENT:
            v = (uint64_t) r->bytes_sent;
            break;
        case HV_HTTP_VAR_CONNECTION:
            v = c->number;
            break;
        case HV_HTTP_VAR_CONNECTION_REQUESTS:
            v = (uint64_t) c->requests;
            break;
        default:
            v = (uint64_t) hv_process.pid;
            break;
    }

    out->data = scratch;
    out->len = (size_t) (hv_sprint_uint(scratch, v) - scratch);
}


/* Seconds with milliseconds, "1.005". */
HV_HTTP_VAR_GETTER(hv_http_var_msec_value)
{
    unsigned char *p;
    hv_msec_t ms;

    HV_HTTP_VAR_UNUSED;

    switch (n) {
        case HV_HTTP_VAR_REQUEST_TIME:
            ms = hv_current_msec - r->start_msec;
            break;
        case HV_HTTP_VAR_CONNECTION_TIME:
            ms = hv_current_msec - r->connection->start_msec;
            break;
        default:
            ms = hv_cached_time.wall_msec;
            break;
    }

    p = hv_sprint_uint(scratch, (uint64_t) (ms / 1000));
    *p++ = '.';
    *p++ = (unsigned char) ('0' + ms % 1000 / 100);
    *p++ = (unsigned char) ('0' + ms % 100 / 10);
    *p++ = (unsigned char) ('0' + ms % 10);

    out->data = scratch;
    out->len = (size_t) (p - scratch);
}


HV_HTTP_VAR_GETTER(hv_http_var_time)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_set(out, n == HV_HTTP_VAR_TIME_LOCAL
                             ? hv_cached_time.http_log_time
                             : hv_cached_time.iso8601);
}


HV_HTTP_VAR_GETTER(hv_http_var_pipe)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_set(out, r->pipeline ? "p" : ".");
}


/* A header name as the variable spells it: any case, '_' for '-'. */
static bool
hv_http_var_header_eq(const hv_str_t *key, const hv_str_t *name)
{
    size_t i;
    unsigned char a, b;

    if (key->len != name->len) {
        return false;
    }

    for (i = 0; i < key->len; i++) {
        a = hv_tolower(key->data[i]);
        b = hv_tolower(name->data[i]);
        if (a != b && !(a == '-' && b == '_')) {
            return false;
        }
    }

    return true;
}


static void
hv_http_var_find_header(
    const hv_array_t *headers, const hv_str_t *name, hv_str_t *out)
{
    hv_http_header_t *h = headers->elts;
    hv_uint_t i;

    for (i = 0; h != NULL && i < headers->nelts; i++) {
        if (!h[i].hidden && hv_http_var_header_eq(&h[i].key, name)) {
            *out = h[i].value;
            return;
        }
    }
}


HV_HTTP_VAR_GETTER(hv_http_var_header_in)
{
    HV_HTTP_VAR_UNUSED;
    hv_http_var_find_header(&r->headers_in.headers, arg, out);
}


/* Content-Type and Content-Length are fields of headers_out, not array
 * entries, until the header writer formats them. */
HV_HTTP_VAR_GETTER(hv_http_var_header_out)
{
    hv_http_headers_out_t *ho = &r->headers_out;

    HV_HTTP_VAR_UNUSED;

    if (hv_str_eq_cstr(arg, "content-type")) {
        *out = ho->content_type;
        return;
    }

    if (hv_str_eq_cstr(arg, "content-length")) {
        if (ho->content_length_n >= 0) {
            out->data = scratch;
            out->len = (size_t) (hv_sprint_uint(
                                     scratch, (uint64_t) ho->content_length_n) -
                                 scratch);
        }
        return;
    }

    hv_http_var_find_header(&ho->headers, arg, out);
}


HV_HTTP_VAR_GETTER(hv_http_var_capture)
{
    HV_HTTP_VAR_UNUSED;

    if (n < r->ncaptures) {
        *out = r->captures[n];
    }
}


HV_HTTP_VAR_GETTER(hv_http_var_named_capture)
{
    hv_keyval_t *kv;
    hv_uint_t i;

    HV_HTTP_VAR_UNUSED;

    if (r->named_captures == NULL) {
        return;
    }

    /* the latest match of a name wins: search from the end */
    kv = r->named_captures->elts;
    for (i = r->named_captures->nelts; i > 0; i--) {
        if (hv_str_eq(&kv[i - 1].key, arg)) {
            *out = kv[i - 1].value;
            return;
        }
    }
}
