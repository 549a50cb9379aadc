/*
 * http/request_log.c - what the engine writes to the error log about a
 * client: the context suffix of every line logged for a connection
 * (", client: ..., server: ..., request: "...", host: "...""), and bad
 * input, escaped so that a client cannot forge log lines.
 */
#include "http/request_internal.h"


/*
 * Logs bad client input at info: "MESSAGE: "TEXT"" where TEXT runs from
 * start (when known) to the byte that was refused, escaped, so that the
 * log shows what the client sent without letting it forge lines.
 */
void
hv_http_log_bad_line(
    hv_http_request_t *r, const char *what, const unsigned char *start)
{
    char text[128];
    const unsigned char *end;
    size_t n;

    end = r->header_in->pos < r->header_in->last ? r->header_in->pos + 1
                                                 : r->header_in->pos;

    if (start == NULL || start > end || start < r->header_in->start) {
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0, "%s", what);
        return;
    }

    /* the access log shows the request line as far as it went */
    if (r->request_line.len == 0 && start == r->parser.request_start) {
        if (r->parser.request_end != NULL) {
            end = r->parser.request_end;
        }
        r->request_line.data = (unsigned char *) start;
        r->request_line.len = (size_t) (end - start);
        while (
            r->request_line.len > 0 && (end[-1] == '\r' || end[-1] == '\n')) {
            r->request_line.len--;
            end--;
        }
        hv_log_error(HV_LOG_INFO, &r->connection->log, 0, "%s", what);
        return;
    }

    n = hv_http_log_escape(
        text, sizeof(text) - 4, start, (size_t) (end - start));
    if ((size_t) (end - start) > n) {
        memcpy(text + n, "...", 3);
        n += 3;
    }

    hv_log_error(HV_LOG_INFO, &r->connection->log, 0, "%s: \"%.*s\"", what,
        (int) n, text);
}


/* A byte that goes into a log line as it is. */
static bool
hv_http_log_plain(unsigned char ch)
{
    return ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
}


size_t
hv_http_log_escaped_len(const unsigned char *text, size_t n)
{
    size_t i, len;

    len = n;
    for (i = 0; i < n; i++) {
        if (!hv_http_log_plain(text[i])) {
            len += 3;
        }
    }

    return len;
}


size_t
hv_http_log_escape(char *buf, size_t len, const unsigned char *text, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, w;

    w = 0;

    for (i = 0; i < n; i++) {
        if (hv_http_log_plain(text[i])) {
            if (w + 1 > len) {
                break;
            }
            buf[w++] = (char) text[i];
            continue;
        }

        if (w + 4 > len) {
            break;
        }

        buf[w++] = '\\';
        buf[w++] = 'x';
        buf[w++] = hex[text[i] >> 4];
        buf[w++] = hex[text[i] & 0xf];
    }

    return w;
}


/* Appends "text" to buf within [p, last); returns the new position. */
static char *
hv_http_log_append(char *p, char *last, const char *text, size_t n)
{
    n = hv_min(n, (size_t) (last - p));
    memcpy(p, text, n);
    return p + n;
}


size_t
hv_http_log_context(hv_log_t *log, char *buf, size_t len)
{
    hv_http_connection_t *hc = log->data;
    hv_http_core_srv_conf_t *cscf;
    hv_http_request_t *r;
    hv_connection_t *c;
    hv_str_t *name;
    char *p, *last;

    if (hc == NULL) {
        return 0;
    }

    c = hc->connection;
    r = hc->request;
    p = buf;
    last = buf + len;

    p = hv_http_log_append(p, last, "client: ", 8);
    p = hv_http_log_append(
        p, last, (char *) c->addr_text.data, c->addr_text.len);

    p = hv_http_log_append(p, last, ", server: ", 10);
    cscf = r != NULL ? hv_http_core_srv(r) : hv_http_default_server(hc);
    if (cscf->server_names.nelts > 0 &&
        ((hv_str_t *) cscf->server_names.elts)->len > 0) {
        name = cscf->server_names.elts;
        p = hv_http_log_append(p, last, (char *) name->data, name->len);
    } else {
        p = hv_http_log_append(
            p, last, c->listening->addr_text, strlen(c->listening->addr_text));
    }

    if (r == NULL) {
        return (size_t) (p - buf);
    }

    if (r->request_line.len > 0) {
        p = hv_http_log_append(p, last, ", request: \"", 12);
        p += hv_http_log_escape(
            p, (size_t) (last - p), r->request_line.data, r->request_line.len);
        p = hv_http_log_append(p, last, "\"", 1);
    }

    if (r->headers_in.host != NULL) {
        p = hv_http_log_append(p, last, ", host: \"", 9);
        p += hv_http_log_escape(p, (size_t) (last - p),
            r->headers_in.host->value.data, r->headers_in.host->value.len);
        p = hv_http_log_append(p, last, "\"", 1);
    }

    return (size_t) (p - buf);
}
