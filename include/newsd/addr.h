/*
 * addr.h: which network addresses a source may not reach unless it is
 * allowed private addresses (pure).
 *
 * Refused: everything that leads into the machine or a private network,
 * for IPv4 and IPv6 alike: "this network" 0/8, 10/8, CGNAT 100.64/10,
 * loopback 127/8, link-local 169.254/16, 172.16/12, IETF 192.0.0/24,
 * 192.168/16, benchmarking 198.18/15, multicast and reserved 224/3 and
 * broadcast; ::, ::1, unique-local fc00::/7, link-local fe80::/10,
 * site-local fec0::/10, multicast ff00::/8, discard 100::/64,
 * benchmarking 2001:2::/48, local-use NAT64 64:ff9b:1::/48.  IPv6 forms
 * that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) are judged by that
 * IPv4 address.  Documentation ranges (192.0.2/24, 198.51.100/24,
 * 203.0.113/24, 2001:db8::/32) are not refused: nothing routes them.
 */
#ifndef NEWSD_ADDR_H
#define NEWSD_ADDR_H

/* Is this address (AF_INET or AF_INET6, network byte order) refused?  Other families are. */
int nd_addr_is_private(int family, const void *addr);

/* The same for an address in text form ("127.0.0.1", "::1", "fe80::1%eth0"); 1 when unparsable. */
int nd_addr_text_is_private(const char *ip);

#endif
