/*
 * http/virtual_server.c - "listen" and "server_name", the listening
 * sockets they become, and the choice of a server for a request.
 *
 * While the http block is parsed every distinct listen address collects
 * the servers that listen on it (cmcf->ports).  After the block, each
 * address becomes one listening socket whose `servers` is an
 * hv_http_addr_conf_t.  As in nginx, a specific address (127.0.0.1:8080)
 * on a port that also has a wildcard listen (*:8080) is served by the
 * wildcard socket unless it has socket options of its own ("bind"); the
 * connection finds its address with getsockname() when it is accepted
 * (http/request.c).
 *
 * A request's Host picks the server in nginx's order: an exact name, the
 * longest "*.example.com" (or ".example.com") match, the longest
 * "example.*" match, the first "~regex" in file order; else the
 * address's default server.  Names compare without case.
 */
#include "http/http_core_internal.h"
#include "http/request_internal.h"


static char *hv_http_listen_option(
    hv_conf_t *cf, const hv_str_t *v, hv_http_listen_opt_t *opt);
static char *hv_http_add_address(hv_conf_t *cf, hv_http_core_srv_conf_t *cscf,
    const hv_sockaddr_t *sa, socklen_t socklen,
    const hv_http_listen_opt_t *opt);
static hv_http_addr_conf_t *hv_http_addr_conf(
    hv_conf_t *cf, hv_http_conf_addr_t *a);
static void hv_http_check_names(hv_conf_t *cf, hv_http_conf_addr_t *a);
static hv_http_conf_addr_t *hv_http_find_wildcard(
    hv_http_core_main_conf_t *cmcf, const hv_http_conf_addr_t *a);
static hv_http_core_srv_conf_t *hv_http_find_server(
    hv_http_addr_conf_t *ac, const hv_str_t *host, hv_log_t *log);
static void hv_http_server_captures(
    hv_http_request_t *r, hv_http_core_srv_conf_t *cscf, const hv_str_t *host);


/*
 * "listen ADDRESS [default_server] [ssl] [reuseport] [deferred]
 * [backlog=N] ..."
 */
char *
hv_http_core_listen(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_srv_conf_t *cscf = conf;
    hv_str_t *value = cf->args->elts;
    hv_http_listen_opt_t opt;
    hv_sockaddr_t sa;
    socklen_t socklen;
    const char *err;
    hv_uint_t i;
    char *rv;

    (void) cmd;

    err = hv_inet_parse_listen(&value[1], 80, &sa, &socklen);
    if (err != NULL) {
        hv_conf_log_error(HV_LOG_EMERG, cf, 0,
            "%s in \"%.*s\" of the \"listen\" directive", err,
            (int) value[1].len, value[1].data);
        return HV_CONF_ERROR;
    }

    memset(&opt, 0, sizeof(opt));
    opt.backlog = -1;

    for (i = 2; i < cf->args->nelts; i++) {
        rv = hv_http_listen_option(cf, &value[i], &opt);
        if (rv != HV_CONF_OK) {
            return rv;
        }
    }

    cscf->listen = true;

    return hv_http_add_address(cf, cscf, &sa, socklen, &opt);
}


/*
 * One parameter.  Socket options imply "bind" (nginx's rule): the
 * address needs a socket of its own to carry them.
 */
static char *
hv_http_listen_option(
    hv_conf_t *cf, const hv_str_t *v, hv_http_listen_opt_t *opt)
{
    hv_str_t arg;
    int64_t n;
    int flag;

    if (hv_str_eq_cstr(v, "default_server") || hv_str_eq_cstr(v, "default")) {
        opt->default_server = 1;
        return HV_CONF_OK;
    }

    if (hv_str_eq_cstr(v, "ssl")) {
        opt->ssl = 1;
        return HV_CONF_OK;
    }

    if (hv_str_eq_cstr(v, "reuseport")) {
        opt->reuseport = 1;
        opt->set = 1;
        opt->bind = 1;
        return HV_CONF_OK;
    }

    if (hv_str_eq_cstr(v, "deferred")) {
        opt->deferred = 1;
        opt->set = 1;
        opt->bind = 1;
        return HV_CONF_OK;
    }

    if (hv_str_eq_cstr(v, "bind")) {
        opt->set = 1;
        opt->bind = 1;
        return HV_CONF_OK;
    }

    if (v->len > 8 && memcmp(v->data, "backlog=", 8) == 0) {
        n = hv_atoi(v->data + 8, v->len - 8, INT32_MAX);
        if (n == HV_ERROR || n == 0) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid backlog \"%.*s\"",
                (int) (v->len - 8), v->data + 8);
            return HV_CONF_ERROR;
        }
        opt->backlog = (int) n;
        opt->set = 1;
        opt->bind = 1;
        return HV_CONF_OK;
    }

    if (v->len > 9 && memcmp(v->data, "ipv6only=", 9) == 0) {
        arg.data = v->data + 9;
        arg.len = v->len - 9;
        flag = hv_conf_parse_flag(&arg);
        if (flag == HV_ERROR) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid ipv6only flags \"%.*s\"", (int) arg.len, arg.data);
            return HV_CONF_ERROR;
        }
        opt->ipv6only = (unsigned) flag;
        opt->ipv6only_set = 1;
        opt->set = 1;
        opt->bind = 1;
        return HV_CONF_OK;
    }

    hv_conf_log_error(HV_LOG_EMERG, cf, 0, "invalid parameter \"%.*s\"",
        (int) v->len, v->data);
    return HV_CONF_ERROR;
}


/* The entry of cmcf->ports for the address, created when new. */
static hv_http_conf_addr_t *
hv_http_conf_addr(hv_conf_t *cf, const hv_sockaddr_t *sa, socklen_t socklen)
{
    hv_http_core_main_conf_t *cmcf = hv_http_conf_main(cf, http_core);
    hv_http_conf_addr_t *a;
    hv_uint_t i;

    a = cmcf->ports.elts;
    for (i = 0; i < cmcf->ports.nelts; i++) {
        if (hv_inet_equal(&a[i].sockaddr.sa, &sa->sa)) {
            return &a[i];
        }
    }

    a = hv_array_push(&cmcf->ports);
    if (a == NULL) {
        return NULL;
    }

    memset(a, 0, sizeof(hv_http_conf_addr_t));
    if (hv_array_init(&a->servers, cf->pool, 2,
            sizeof(hv_http_core_srv_conf_t *)) != HV_OK) {
        return NULL;
    }
    memcpy(&a->sockaddr, sa, hv_min(socklen, sizeof(hv_sockaddr_t)));
    a->socklen = socklen;
    (void) hv_inet_ntop(&sa->sa, true, a->text, sizeof(a->text));
    a->opt.backlog = -1;

    return a;
}


static char *
hv_http_add_address(hv_conf_t *cf, hv_http_core_srv_conf_t *cscf,
    const hv_sockaddr_t *sa, socklen_t socklen, const hv_http_listen_opt_t *opt)
{
    hv_http_core_srv_conf_t **s;
    hv_http_conf_addr_t *a;
    hv_uint_t i;

    a = hv_http_conf_addr(cf, sa, socklen);
    if (a == NULL) {
        return HV_CONF_ERROR;
    }

    s = a->servers.elts;
    for (i = 0; i < a->servers.nelts; i++) {
        if (s[i] == cscf) {
            hv_conf_log_error(
                HV_LOG_EMERG, cf, 0, "a duplicate listen %s", a->text);
            return HV_CONF_ERROR;
        }
    }

    if (opt->default_server) {
        if (a->default_server != NULL) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "a duplicate default server for %s", a->text);
            return HV_CONF_ERROR;
        }
        a->default_server = cscf;
    }

    if (opt->set) {
        if (a->opt.set) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "duplicate listen options for %s", a->text);
            return HV_CONF_ERROR;
        }
        a->opt.set = 1;
        a->opt.bind = 1;
        a->opt.backlog = opt->backlog;
        a->opt.reuseport = opt->reuseport;
        a->opt.deferred = opt->deferred;
        a->opt.ipv6only = opt->ipv6only;
        a->opt.ipv6only_set = opt->ipv6only_set;
    }

    a->opt.ssl |= opt->ssl;

    s = hv_array_push(&a->servers);
    if (s == NULL) {
        return HV_CONF_ERROR;
    }
    *s = cscf;

    return HV_CONF_OK;
}


int
hv_http_add_default_listen(hv_conf_t *cf, hv_http_core_srv_conf_t *cscf)
{
    hv_http_listen_opt_t opt;
    hv_sockaddr_t sa;

    memset(&sa, 0, sizeof(sa));
    sa.sin.sin_family = AF_INET;
    sa.sin.sin_port = htons(80);
    sa.sin.sin_addr.s_addr = htonl(INADDR_ANY);

    memset(&opt, 0, sizeof(opt));
    opt.backlog = -1;

    cscf->listen = true;

    return hv_http_add_address(
               cf, cscf, &sa, sizeof(struct sockaddr_in), &opt) == HV_CONF_OK
               ? HV_OK
               : HV_ERROR;
}


/*
 * "server_name NAME ...": exact names and wildcards are kept lower-case
 * in server_names; "~regex" names are compiled into regex_names.
 */
char *
hv_http_core_server_name(hv_conf_t *cf, const hv_command_t *cmd, void *conf)
{
    hv_http_core_srv_conf_t *cscf = conf;
    hv_str_t *value = cf->args->elts, *name, *v, pattern;
    hv_http_regex_name_t *rn;
    unsigned char *star;
    hv_uint_t i;

    (void) cmd;

    for (i = 1; i < cf->args->nelts; i++) {
        v = &value[i];

        if (v->len > 1 && v->data[0] == '~') {
            if (cscf->regex_names == NULL) {
                cscf->regex_names =
                    hv_array_create(cf->pool, 2, sizeof(hv_http_regex_name_t));
                if (cscf->regex_names == NULL) {
                    return HV_CONF_ERROR;
                }
            }
            rn = hv_array_push(cscf->regex_names);
            if (rn == NULL) {
                return HV_CONF_ERROR;
            }
            pattern.data = v->data + 1;
            pattern.len = v->len - 1;
            rn->name = *v;
            rn->code = hv_http_regex_compile(cf, &pattern, true);
            if (rn->code == NULL) {
                return HV_CONF_ERROR;
            }
            continue;
        }

        /* '*' only as "*.rest" or "rest.*" */
        star = memchr(v->data, '*', v->len);
        if (star != NULL &&
            !(star == v->data && v->len > 2 && v->data[1] == '.' &&
                memchr(v->data + 1, '*', v->len - 1) == NULL) &&
            !(star == v->data + v->len - 1 && v->len > 2 &&
                v->data[v->len - 2] == '.')) {
            hv_conf_log_error(HV_LOG_EMERG, cf, 0,
                "invalid server name or wildcard \"%.*s\"", (int) v->len,
                v->data);
            return HV_CONF_ERROR;
        }

        name = hv_array_push(&cscf->server_names);
        if (name == NULL) {
            return HV_CONF_ERROR;
        }
        name->len = v->len;
        name->data = hv_pstrdup(cf->pool, v->data, v->len);
        if (name->data == NULL) {
            return HV_CONF_ERROR;
        }
        hv_strlow(name->data, name->data, name->len);
    }

    return HV_CONF_OK;
}


/*
 * After the http block: one listening socket per address that needs one,
 * each pointing at the servers of its address.
 */
int
hv_http_init_listening(hv_conf_t *cf, hv_http_core_main_conf_t *cmcf)
{
    hv_http_addr_conf_t **acs, *ac, **sp, *wac;
    hv_http_conf_addr_t *a, *w;
    hv_listening_t *ls;
    hv_uint_t i;

    a = cmcf->ports.elts;

    acs = hv_pcalloc(cf->pool, (cmcf->ports.nelts + 1) * sizeof(void *));
    if (acs == NULL) {
        return HV_ERROR;
    }

    for (i = 0; i < cmcf->ports.nelts; i++) {
        hv_http_check_names(cf, &a[i]);
        acs[i] = hv_http_addr_conf(cf, &a[i]);
        if (acs[i] == NULL) {
            return HV_ERROR;
        }
    }

    for (i = 0; i < cmcf->ports.nelts; i++) {
        ac = acs[i];
        w = a[i].opt.bind ? NULL : hv_http_find_wildcard(cmcf, &a[i]);

        if (w != NULL) {
            wac = acs[w - a];
            if (wac->specific == NULL) {
                wac->specific = hv_array_create(cf->pool, 2, sizeof(void *));
                if (wac->specific == NULL) {
                    return HV_ERROR;
                }
            }
            sp = hv_array_push(wac->specific);
            if (sp == NULL) {
                return HV_ERROR;
            }
            *sp = ac;
            continue;
        }

        ls = hv_listening_add(cf->cycle, &a[i].sockaddr, a[i].socklen);
        if (ls == NULL) {
            return HV_ERROR;
        }

        ls->handler = hv_http_init_connection;
        ls->servers = ac;
        if (a[i].opt.backlog > 0) {
            ls->backlog = a[i].opt.backlog;
        }
        ls->reuseport = a[i].opt.reuseport;
        ls->deferred = a[i].opt.deferred;
        if (a[i].opt.ipv6only_set) {
            ls->ipv6only = a[i].opt.ipv6only;
        }
    }

    return HV_OK;
}


static hv_http_addr_conf_t *
hv_http_addr_conf(hv_conf_t *cf, hv_http_conf_addr_t *a)
{
    hv_http_core_srv_conf_t **src, **dst;
    hv_http_addr_conf_t *ac;

    ac = hv_pcalloc(cf->pool, sizeof(hv_http_addr_conf_t));
    if (ac == NULL) {
        return NULL;
    }

    if (hv_array_init(&ac->servers, cf->pool, a->servers.nelts,
            sizeof(hv_http_core_srv_conf_t *)) != HV_OK) {
        return NULL;
    }

    dst = hv_array_push_n(&ac->servers, a->servers.nelts);
    if (dst == NULL) {
        return NULL;
    }

    src = a->servers.elts;
    memcpy(dst, src, a->servers.nelts * sizeof(*src));

    ac->default_server =
        (a->default_server != NULL) ? a->default_server : src[0];
    ac->sockaddr = a->sockaddr;
    ac->socklen = a->socklen;
    ac->ssl = a->opt.ssl;

    return ac;
}


/* nginx warns and keeps the first server when two claim a name. */
static void
hv_http_check_names(hv_conf_t *cf, hv_http_conf_addr_t *a)
{
    hv_http_core_srv_conf_t **s;
    hv_str_t *n, *m;
    hv_uint_t i, j, k, l;

    s = a->servers.elts;

    for (i = 1; i < a->servers.nelts; i++) {
        n = s[i]->server_names.elts;

        /* "" too: two servers without server_name conflict in nginx */
        for (k = 0; k < s[i]->server_names.nelts; k++) {
            for (j = 0; j < i; j++) {
                m = s[j]->server_names.elts;
                for (l = 0; l < s[j]->server_names.nelts; l++) {
                    if (hv_str_eq(&n[k], &m[l])) {
                        hv_log_error(HV_LOG_WARN, cf->log, 0,
                            "conflicting server name \"%.*s\" on %s, "
                            "ignored",
                            (int) n[k].len, n[k].data, a->text);
                        goto next;
                    }
                }
            }
        next:
            continue;
        }
    }
}


static hv_http_conf_addr_t *
hv_http_find_wildcard(
    hv_http_core_main_conf_t *cmcf, const hv_http_conf_addr_t *a)
{
    hv_http_conf_addr_t *w;
    hv_uint_t i;

    if (hv_inet_is_wildcard(&a->sockaddr.sa)) {
        return NULL;
    }

    w = cmcf->ports.elts;
    for (i = 0; i < cmcf->ports.nelts; i++) {
        if (w[i].sockaddr.sa.sa_family == a->sockaddr.sa.sa_family &&
            hv_inet_is_wildcard(&w[i].sockaddr.sa) &&
            hv_inet_port(&w[i].sockaddr.sa) == hv_inet_port(&a->sockaddr.sa)) {
            return &w[i];
        }
    }

    return NULL;
}


/*
 * The servers of the connection's local address were found once, when it
 * was accepted (hv_http_connection_t.addr_conf): a wildcard socket that
 * also serves specific addresses no longer costs a getsockname() per
 * request, and the others ~25 instructions (callgrind, /pid).
 */
void
hv_http_set_virtual_server(hv_http_request_t *r, const hv_str_t *host)
{
    hv_connection_t *c = r->connection;
    hv_http_connection_t *hc = c->data;
    hv_http_core_main_conf_t *cmcf;
    hv_http_core_srv_conf_t *cscf;
    hv_str_t sni;

    /* no Host (HTTP/1.0) on TLS: the server SNI chose for the handshake */
    if (host->len == 0 && c->ssl != NULL) {
        cmcf = hv_http_default_server(hc)->ctx_main_conf[HV_MODULE_http_core];
        if (cmcf->ssl_server_name != NULL) {
            cmcf->ssl_server_name(c, &sni);
            if (sni.len > 0) {
                host = &sni;
            }
        }
    }

    cscf = hv_http_find_virtual_server(hc->addr_conf, host, &c->log);
    hv_http_server_captures(r, cscf, host);

    r->main_conf = cscf->ctx_main_conf;
    r->srv_conf = cscf->ctx_srv_conf;
    r->loc_conf = cscf->ctx_loc_conf;
}


/*
 * A server chosen by a "~regex" name gives its captures to the request
 * ($1, $name): the regex that matched runs once more, with the request.
 * A server chosen by another of its names may set them too; they are
 * only read by templates of that server.
 */
static void
hv_http_server_captures(
    hv_http_request_t *r, hv_http_core_srv_conf_t *cscf, const hv_str_t *host)
{
    hv_http_regex_name_t *rn;
    hv_uint_t k;

    if (cscf->regex_names == NULL || host->len == 0) {
        return;
    }

    rn = cscf->regex_names->elts;
    for (k = 0; k < cscf->regex_names->nelts; k++) {
        if (hv_http_regex_exec(r, rn[k].code, host)) {
            return;
        }
    }
}


hv_http_core_srv_conf_t *
hv_http_find_virtual_server(
    hv_http_addr_conf_t *ac, const hv_str_t *host, hv_log_t *log)
{
    hv_http_core_srv_conf_t *cscf = NULL;

    if (ac->servers.nelts > 1 || ac->specific != NULL) {
        cscf = hv_http_find_server(ac, host, log);
    }

    return (cscf != NULL) ? cscf : ac->default_server;
}


/* The most specific wildcard match, by the length of its fixed part. */
static bool
hv_http_wildcard_match(
    const hv_str_t *name, const hv_str_t *host, size_t *score)
{
    const unsigned char *fixed;
    size_t n;

    if (name->len > 1 && name->data[0] == '*') {
        /* "*.example.com": any host ending in ".example.com" */
        fixed = name->data + 1;
        n = name->len - 1;
    } else if (name->len > 1 && name->data[0] == '.') {
        /* ".example.com": also "example.com" itself */
        if (host->len == name->len - 1 &&
            hv_strncasecmp(host->data, name->data + 1, host->len) == 0) {
            *score = name->len;
            return true;
        }
        fixed = name->data;
        n = name->len;
    } else if (name->len > 1 && name->data[name->len - 1] == '*') {
        /* "www.example.*": any host starting with "www.example." */
        n = name->len - 1;
        if (host->len > n && hv_strncasecmp(host->data, name->data, n) == 0) {
            *score = n;
            return true;
        }
        return false;
    } else {
        return false;
    }

    if (host->len > n &&
        hv_strncasecmp(host->data + host->len - n, fixed, n) == 0) {
        *score = n;
        return true;
    }

    return false;
}


static hv_http_core_srv_conf_t *
hv_http_find_server(
    hv_http_addr_conf_t *ac, const hv_str_t *host, hv_log_t *log)
{
    hv_http_core_srv_conf_t **s, *head, *tail;
    hv_http_regex_name_t *rn;
    size_t score, head_score, tail_score;
    hv_str_t *n;
    hv_uint_t i, k;

    s = ac->servers.elts;
    head = NULL;
    tail = NULL;
    head_score = 0;
    tail_score = 0;

    for (i = 0; i < ac->servers.nelts; i++) {
        n = s[i]->server_names.elts;

        for (k = 0; k < s[i]->server_names.nelts; k++) {
            if (n[k].len == host->len &&
                hv_strncasecmp(n[k].data, host->data, host->len) == 0) {
                return s[i];
            }

            if (host->len == 0 ||
                !hv_http_wildcard_match(&n[k], host, &score)) {
                continue;
            }

            if (n[k].data[n[k].len - 1] == '*') {
                if (score > tail_score) {
                    tail = s[i];
                    tail_score = score;
                }
            } else if (score > head_score) {
                head = s[i];
                head_score = score;
            }
        }
    }

    if (head != NULL) {
        return head;
    }
    if (tail != NULL) {
        return tail;
    }
    if (host->len == 0) {
        return NULL;
    }

    for (i = 0; i < ac->servers.nelts; i++) {
        if (s[i]->regex_names == NULL) {
            continue;
        }
        rn = s[i]->regex_names->elts;
        for (k = 0; k < s[i]->regex_names->nelts; k++) {
            if (hv_http_regex_match(rn[k].code, host, log)) {
                return s[i];
            }
        }
    }

    return NULL;
}


int
hv_http_set_location(hv_http_request_t *r, const hv_str_t *uri)
{
    hv_http_core_loc_conf_t *clcf = hv_http_core_loc(r);
    hv_http_core_srv_conf_t *cscf = hv_http_core_srv(r);
    const hv_str_t *host;
    unsigned char *p;
    hv_str_t value, *names;
    char local[HV_SOCKADDR_STRLEN];
    hv_str_t addr;
    int port;

    value = *uri;

    if (uri->len == 0 || uri->data[0] != '/' || !clcf->absolute_redirect) {
        goto done;
    }

    /* the request's host, else the server's first name, else its address */
    names = cscf->server_names.elts;
    host = &r->headers_in.server;
    if (host->len == 0 && cscf->server_names.nelts > 0 && names[0].len > 0 &&
        names[0].data[0] != '*' && names[0].data[0] != '.') {
        host = &names[0];
    }
    if (host->len == 0) {
        addr.len = hv_inet_ntop(&r->connection->listening->sockaddr.sa, false,
            local, sizeof(local));
        addr.data = (unsigned char *) local;
        host = &addr;
    }

    port = hv_inet_port(&r->connection->listening->sockaddr.sa);
    if (!clcf->port_in_redirect ||
        port == (r->connection->ssl != NULL ? 443 : 80)) {
        port = 0;
    }

    value.data =
        hv_pnalloc(r->pool, sizeof("https://:65535") + host->len + uri->len);
    if (value.data == NULL) {
        return HV_ERROR;
    }

    p = hv_cpymem(value.data,
        r->connection->ssl != NULL ? "https://" : "http://",
        r->connection->ssl != NULL ? 8 : 7);
    p = hv_cpymem(p, host->data, host->len);
    if (port != 0) {
        *p++ = ':';
        p = hv_sprint_uint(p, (uint64_t) port);
    }
    p = hv_cpymem(p, uri->data, uri->len);
    value.len = (size_t) (p - value.data);

done:
    r->headers_out.location = hv_http_add_header_out(r, "Location", &value);
    return r->headers_out.location != NULL ? HV_OK : HV_ERROR;
}
