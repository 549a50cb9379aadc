/*
 * tests/unit/core_inet.c - core/inet.c: every listen address form, the
 * error messages for bad ones, printing, comparison.
 */
#include "core/core.h"
#include "tests/tap.h"

#include <arpa/inet.h>


/* Parses text and prints the result with its port ("" on error). */
static const char *
hv_test_listen(const char *text, int default_port, char *out, size_t len)
{
    hv_sockaddr_t sa;
    socklen_t socklen;
    hv_str_t s;
    const char *err;

    s.data = (unsigned char *) text;
    s.len = strlen(text);

    memset(&sa, 0xaa, sizeof(sa));
    socklen = 0;

    err = hv_inet_parse_listen(&s, default_port, &sa, &socklen);
    if (err != NULL) {
        return err;
    }

    if ((sa.sa.sa_family == AF_INET && socklen != sizeof(sa.sin)) ||
        (sa.sa.sa_family == AF_INET6 && socklen != sizeof(sa.sin6))) {
        return "bad socklen";
    }

    hv_inet_ntop(&sa.sa, true, out, len);

    return NULL;
}


static void
hv_test_parse_good(void)
{
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        { "8080", "0.0.0.0:8080" },
        { "*:8080", "0.0.0.0:8080" },
        { "*", "0.0.0.0:80" },
        { "127.0.0.1:8080", "127.0.0.1:8080" },
        { "127.0.0.1", "127.0.0.1:80" },
        { "10.1.2.3:65535", "10.1.2.3:65535" },
        { "localhost:8080", "127.0.0.1:8080" },
        { "localhost", "127.0.0.1:80" },
        { "[::1]:8080", "[::1]:8080" },
        { "[::]:443", "[::]:443" },
        { "[::1]", "[::1]:80" },
        { "[2001:db8::7]:1", "[2001:db8::7]:1" },
    };
    char out[HV_SOCKADDR_STRLEN];
    const char *err;
    size_t i;

    hv_tap_subtest("valid listen addresses");

    for (i = 0; i < hv_nelems(cases); i++) {
        out[0] = '\0';
        err = hv_test_listen(cases[i].text, 80, out, sizeof(out));
        T_OK(err == NULL, "\"%s\" parses (%s)", cases[i].text,
            err != NULL ? err : "ok");
        T_IS_STR(out, cases[i].expect, "\"%s\"", cases[i].text);
    }
}


static void
hv_test_parse_bad(void)
{
    static const struct {
        const char *text;
        const char *err;
    } cases[] = {
        { "", "invalid address" },
        { "0", "invalid port" },
        { "65536", "invalid port" },
        { "99999999999999999999999", "invalid port" },
        { "127.0.0.1:", "invalid port" },
        { "127.0.0.1:0", "invalid port" },
        { "127.0.0.1:80x", "invalid port" },
        { "127.0.0.1:-1", "invalid port" },
        { ":80", "invalid address" },
        { "::1", "invalid address" },
        { "[::1", "invalid address" },
        { "[]:80", "invalid address" },
        { "[zz::1]:80", "invalid address" },
        { "[::1]80", "invalid address" },
        { "[::1]:", "invalid port" },
        { "[::1]:70000", "invalid port" },
        { "127.0.0.1.invalid:80", "host not found" },
        { "no-such-host.invalid", "host not found" },
    };
    char out[HV_SOCKADDR_STRLEN];
    const char *err;
    size_t i;

    hv_tap_subtest("invalid listen addresses");

    for (i = 0; i < hv_nelems(cases); i++) {
        err = hv_test_listen(cases[i].text, 80, out, sizeof(out));
        T_IS_STR(err != NULL ? err : "(accepted)", cases[i].err, "\"%s\"",
            cases[i].text);
    }
}


static void
hv_test_print(void)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    char buf[HV_SOCKADDR_STRLEN];
    size_t n;

    hv_tap_subtest("ntop and port");

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(8080);
    inet_pton(AF_INET, "192.168.1.20", &sin.sin_addr);

    n = hv_inet_ntop((struct sockaddr *) &sin, true, buf, sizeof(buf));
    T_IS_STR(buf, "192.168.1.20:8080", "IPv4 with port");
    T_IS_INT(n, 17, "length returned");
    n = hv_inet_ntop((struct sockaddr *) &sin, false, buf, sizeof(buf));
    T_IS_STR(buf, "192.168.1.20", "IPv4 without port");
    T_IS_INT(n, 12, "length returned");

    memset(buf, '#', sizeof(buf));
    n = hv_inet_ntop((struct sockaddr *) &sin, true, buf, 5);
    T_IS_INT(n, 5, "truncated to the buffer");
    T_IS_MEM(buf, "192.1#", 6, "no byte written past len");
    T_IS_INT(hv_inet_ntop((struct sockaddr *) &sin, true, buf, 0), 0,
        "len 0 writes nothing");
    T_IS_INT(hv_inet_port((struct sockaddr *) &sin), 8080, "IPv4 port");

    /* hive formats IPv4 itself: every octet width, and ports 1 and 65535 */
    {
        static const char *const addrs[] = { "0.0.0.0", "255.255.255.255",
            "9.10.99.100", "127.0.0.1", "10.200.1.249" };
        static const unsigned ports[] = { 1, 65535, 80, 10000, 443 };
        char want[HV_SOCKADDR_STRLEN];
        size_t i;

        for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
            inet_pton(AF_INET, addrs[i], &sin.sin_addr);
            sin.sin_port = htons((uint16_t) ports[i]);
            snprintf(want, sizeof(want), "%s:%u", addrs[i], ports[i]);
            n = hv_inet_ntop((struct sockaddr *) &sin, true, buf, sizeof(buf));
            T_IS_STR(buf, want, "IPv4 %s with port", addrs[i]);
            T_IS_INT(n, strlen(want), "its length");
            hv_inet_ntop((struct sockaddr *) &sin, false, buf, sizeof(buf));
            T_IS_STR(buf, addrs[i], "IPv4 %s without port", addrs[i]);
        }
        inet_pton(AF_INET, "192.168.1.20", &sin.sin_addr);
        sin.sin_port = htons(8080);
    }

    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(443);
    inet_pton(AF_INET6, "::1", &sin6.sin6_addr);

    hv_inet_ntop((struct sockaddr *) &sin6, true, buf, sizeof(buf));
    T_IS_STR(buf, "[::1]:443", "IPv6 with port in brackets");
    hv_inet_ntop((struct sockaddr *) &sin6, false, buf, sizeof(buf));
    T_IS_STR(buf, "::1", "IPv6 without port, no brackets");
    T_IS_INT(hv_inet_port((struct sockaddr *) &sin6), 443, "IPv6 port");
}


static void
hv_test_compare(void)
{
    struct sockaddr_in a, b;
    struct sockaddr_in6 c, d;

    hv_tap_subtest("equal and wildcard");

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(80);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b = a;

    T_OK(hv_inet_equal((struct sockaddr *) &a, (struct sockaddr *) &b),
        "same address and port");
    b.sin_port = htons(81);
    T_OK(!hv_inet_equal((struct sockaddr *) &a, (struct sockaddr *) &b),
        "another port");
    b.sin_port = a.sin_port;
    b.sin_addr.s_addr = htonl(INADDR_ANY);
    T_OK(!hv_inet_equal((struct sockaddr *) &a, (struct sockaddr *) &b),
        "another address");

    T_OK(!hv_inet_is_wildcard((struct sockaddr *) &a), "127.0.0.1");
    T_OK(hv_inet_is_wildcard((struct sockaddr *) &b), "0.0.0.0");

    memset(&c, 0, sizeof(c));
    c.sin6_family = AF_INET6;
    c.sin6_port = htons(80);
    d = c;
    T_OK(hv_inet_is_wildcard((struct sockaddr *) &c), "::");
    T_OK(hv_inet_equal((struct sockaddr *) &c, (struct sockaddr *) &d),
        "IPv6 equal");
    d.sin6_addr.s6_addr[15] = 1;
    T_OK(!hv_inet_is_wildcard((struct sockaddr *) &d), "::1");
    T_OK(!hv_inet_equal((struct sockaddr *) &c, (struct sockaddr *) &d),
        "IPv6 differs");
    T_OK(!hv_inet_equal((struct sockaddr *) &a, (struct sockaddr *) &c),
        "different families are never equal");
}


int
main(void)
{
    hv_test_parse_good();
    hv_test_parse_bad();
    hv_test_print();
    hv_test_compare();

    return hv_tap_done();
}
