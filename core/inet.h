/*
 * core/inet.h - socket addresses: parsing "listen" arguments and printing
 * addresses for logs and variables.
 */
#ifndef HV_INET_H
#define HV_INET_H

#include <netinet/in.h>
#include <sys/socket.h>

typedef union {
    struct sockaddr sa;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr_storage ss;
} hv_sockaddr_t;

/* Longest text form: "[ffff:...:255.255.255.255]:65535" plus NUL. */
#define HV_SOCKADDR_STRLEN 64

/*
 * Parses a listen address: "8080", "127.0.0.1:8080", "*:8080",
 * "localhost:8080" (resolved with getaddrinfo to its first IPv4 address),
 * "[::1]:8080", "[::]:8080".  A bare address without a port gets
 * default_port.  Fills *addr and *socklen; returns NULL on success or a
 * static message ("invalid port", "invalid address", "host not found").
 */
const char *hv_inet_parse_listen(const hv_str_t *text, int default_port,
    hv_sockaddr_t *addr, socklen_t *socklen);

/*
 * Prints the address (and ":port" when with_port) into buf of len bytes:
 * "127.0.0.1:8080", "[::1]:8080".  Returns the length written (without a
 * NUL; the text is NUL-terminated when room allows).
 */
size_t hv_inet_ntop(
    const struct sockaddr *sa, bool with_port, char *buf, size_t len);

/* The port of an IPv4 or IPv6 address, in host order. */
int hv_inet_port(const struct sockaddr *sa);

/* true when both addresses have the same family, address and port. */
bool hv_inet_equal(const struct sockaddr *a, const struct sockaddr *b);

/* true for the wildcard address (0.0.0.0 or ::). */
bool hv_inet_is_wildcard(const struct sockaddr *sa);

#endif /* HV_INET_H */
