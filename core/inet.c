/*
 * core/inet.c - socket address parsing and printing (see inet.h).
 *
 * Names are resolved once, while the configuration is read, with
 * getaddrinfo(); nothing here runs on the request path except the
 * printing helpers, which run once per accepted connection.
 */
#include "core/core.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/un.h>


/* Longest host name accepted in a listen address (RFC 1035: 253). */
#define HV_INET_HOST_MAX 256

/* Room for the longest text hv_inet_ntop() builds: "unix:" + sun_path. */
#define HV_INET_TEXT_MAX (HV_SOCKADDR_STRLEN + 108)


/* Parses a port 1..65535 from the whole of p..p+n; -1 when invalid. */
static int
hv_inet_parse_port(const unsigned char *p, size_t n)
{
    int64_t port;

    port = hv_atoi(p, n, 65535);
    if (port < 1) {
        return -1;
    }

    return (int) port;
}


static bool
hv_inet_all_digits(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }

    return true;
}


static void
hv_inet_set_v4(hv_sockaddr_t *addr, socklen_t *socklen, in_addr_t a, int port)
{
    memset(addr, 0, sizeof(hv_sockaddr_t));
    addr->sin.sin_family = AF_INET;
    addr->sin.sin_addr.s_addr = a;
    addr->sin.sin_port = htons((uint16_t) port);
    *socklen = sizeof(struct sockaddr_in);
}


/* "[addr]" or "[addr]:port" */
static const char *
hv_inet_parse_v6(const unsigned char *p, size_t n, int default_port,
    hv_sockaddr_t *addr, socklen_t *socklen)
{
    char host[INET6_ADDRSTRLEN];
    const unsigned char *rb;
    struct in6_addr a6;
    size_t hlen, rest;
    int port;

    rb = memchr(p, ']', n);
    if (rb == NULL) {
        return "invalid address";
    }

    hlen = (size_t) (rb - p) - 1;
    if (hlen == 0 || hlen >= sizeof(host)) {
        return "invalid address";
    }

    memcpy(host, p + 1, hlen);
    host[hlen] = '\0';

    if (inet_pton(AF_INET6, host, &a6) != 1) {
        return "invalid address";
    }

    rest = n - (size_t) (rb + 1 - p);
    port = default_port;

    if (rest != 0) {
        if (rb[1] != ':') {
            return "invalid address";
        }
        port = hv_inet_parse_port(rb + 2, rest - 1);
        if (port == -1) {
            return "invalid port";
        }
    }

    memset(addr, 0, sizeof(hv_sockaddr_t));
    addr->sin6.sin6_family = AF_INET6;
    addr->sin6.sin6_addr = a6;
    addr->sin6.sin6_port = htons((uint16_t) port);
    *socklen = sizeof(struct sockaddr_in6);

    return NULL;
}


/* A dotted quad or a name resolved to its first IPv4 address. */
static const char *
hv_inet_resolve_v4(const char *host, in_addr_t *a)
{
    struct addrinfo hints, *res;
    struct in_addr in;

    if (inet_pton(AF_INET, host, &in) == 1) {
        *a = in.s_addr;
        return NULL;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(host, NULL, &hints, &res) != 0) {
        return "host not found";
    }

    if (res == NULL || res->ai_addr == NULL) {
        if (res != NULL) {
            freeaddrinfo(res);
        }
        return "host not found";
    }

    *a = ((struct sockaddr_in *) (void *) res->ai_addr)->sin_addr.s_addr;
    freeaddrinfo(res);

    return NULL;
}


const char *
hv_inet_parse_listen(const hv_str_t *text, int default_port,
    hv_sockaddr_t *addr, socklen_t *socklen)
{
    char host[HV_INET_HOST_MAX];
    const unsigned char *p, *colon;
    const char *rc;
    in_addr_t a;
    size_t n, hlen;
    int port;

    p = text->data;
    n = text->len;

    if (n == 0) {
        return "invalid address";
    }

    if (p[0] == '[') {
        return hv_inet_parse_v6(p, n, default_port, addr, socklen);
    }

    /* All digits: a port on every IPv4 address. */
    if (hv_inet_all_digits(p, n)) {
        port = hv_inet_parse_port(p, n);
        if (port == -1) {
            return "invalid port";
        }
        hv_inet_set_v4(addr, socklen, htonl(INADDR_ANY), port);
        return NULL;
    }

    colon = memchr(p, ':', n);
    port = default_port;
    hlen = n;

    if (colon != NULL) {
        /* IPv6 addresses need brackets: "[::1]:80". */
        if (memchr(colon + 1, ':', n - (size_t) (colon - p) - 1) != NULL) {
            return "invalid address";
        }

        hlen = (size_t) (colon - p);
        port = hv_inet_parse_port(colon + 1, n - hlen - 1);
        if (port == -1) {
            return "invalid port";
        }
    }

    if (hlen == 0 || hlen >= sizeof(host)) {
        return "invalid address";
    }

    if (hlen == 1 && p[0] == '*') {
        hv_inet_set_v4(addr, socklen, htonl(INADDR_ANY), port);
        return NULL;
    }

    memcpy(host, p, hlen);
    host[hlen] = '\0';

    if (strlen(host) != hlen) {
        return "invalid address"; /* an embedded NUL */
    }

    rc = hv_inet_resolve_v4(host, &a);
    if (rc != NULL) {
        return rc;
    }

    hv_inet_set_v4(addr, socklen, a, port);

    return NULL;
}


/*
 * "a.b.c.d" into p (room for 15 bytes); returns the end.  glibc's
 * inet_ntop() formats IPv4 with sprintf(): with snprintf() for the port
 * that was ~1,900 instructions per accepted connection, a fifth of a
 * connection-per-request 1 KB response (callgrind).
 */
static char *
hv_inet_ntop4(const unsigned char *octet, char *p)
{
    unsigned i, v;

    for (i = 0; i < 4; i++) {
        v = octet[i];

        if (v >= 100) {
            *p++ = (char) ('0' + v / 100);
            v %= 100;
            *p++ = (char) ('0' + v / 10);
        } else if (v >= 10) {
            *p++ = (char) ('0' + v / 10);
        }

        *p++ = (char) ('0' + v % 10);

        if (i < 3) {
            *p++ = '.';
        }
    }

    return p;
}


size_t
hv_inet_ntop(const struct sockaddr *sa, bool with_port, char *buf, size_t len)
{
    char text[HV_INET_TEXT_MAX];
    char a[INET6_ADDRSTRLEN];
    const struct sockaddr_in *sin;
    const struct sockaddr_in6 *sin6;
    const struct sockaddr_un *sun;
    char *p;
    int n;

    switch (sa->sa_family) {
        case AF_INET:
            sin = (const struct sockaddr_in *) (const void *) sa;
            p = hv_inet_ntop4(
                (const unsigned char *) &sin->sin_addr.s_addr, text);
            if (with_port) {
                *p++ = ':';
                p = (char *) hv_sprint_uint(
                    (unsigned char *) p, ntohs(sin->sin_port));
            }
            n = (int) (p - text);
            break;

        case AF_INET6:
            sin6 = (const struct sockaddr_in6 *) (const void *) sa;
            inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
            n = with_port ? snprintf(text, sizeof(text), "[%s]:%u", a,
                                (unsigned) ntohs(sin6->sin6_port))
                          : snprintf(text, sizeof(text), "%s", a);
            break;

        case AF_UNIX:
            sun = (const struct sockaddr_un *) (const void *) sa;
            n = snprintf(text, sizeof(text), "unix:%.*s",
                (int) sizeof(sun->sun_path), sun->sun_path);
            break;

        default:
            n = snprintf(text, sizeof(text), "unknown address family %d",
                (int) sa->sa_family);
            break;
    }

    if (n < 0 || len == 0) {
        return 0;
    }

    n = hv_min((size_t) n, sizeof(text) - 1);
    if ((size_t) n > len) {
        n = (int) len;
    }

    memcpy(buf, text, (size_t) n);
    if ((size_t) n < len) {
        buf[n] = '\0';
    }

    return (size_t) n;
}


int
hv_inet_port(const struct sockaddr *sa)
{
    switch (sa->sa_family) {
        case AF_INET:
            return ntohs(
                ((const struct sockaddr_in *) (const void *) sa)->sin_port);

        case AF_INET6:
            return ntohs(
                ((const struct sockaddr_in6 *) (const void *) sa)->sin6_port);

        default:
            return 0;
    }
}


bool
hv_inet_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    const struct sockaddr_in *a4, *b4;
    const struct sockaddr_in6 *a6, *b6;

    if (a->sa_family != b->sa_family) {
        return false;
    }

    switch (a->sa_family) {
        case AF_INET:
            a4 = (const struct sockaddr_in *) (const void *) a;
            b4 = (const struct sockaddr_in *) (const void *) b;
            return a4->sin_port == b4->sin_port &&
                   a4->sin_addr.s_addr == b4->sin_addr.s_addr;

        case AF_INET6:
            a6 = (const struct sockaddr_in6 *) (const void *) a;
            b6 = (const struct sockaddr_in6 *) (const void *) b;
            return a6->sin6_port == b6->sin6_port &&
                   memcmp(&a6->sin6_addr, &b6->sin6_addr,
                       sizeof(struct in6_addr)) == 0;

        default:
            return false;
    }
}


bool
hv_inet_is_wildcard(const struct sockaddr *sa)
{
    const struct sockaddr_in *sin;
    const struct sockaddr_in6 *sin6;

    switch (sa->sa_family) {
        case AF_INET:
            sin = (const struct sockaddr_in *) (const void *) sa;
            return sin->sin_addr.s_addr == htonl(INADDR_ANY);

        case AF_INET6:
            sin6 = (const struct sockaddr_in6 *) (const void *) sa;
            return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);

        default:
            return false;
    }
}
