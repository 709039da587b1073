/*
 * addr.c: the private-address rule (see addr.h for the ranges).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "newsd/addr.h"

static int v4_private(const unsigned char *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
           (a[0] == 192 && a[1] == 168) || (a[0] == 198 && (a[1] & 0xfe) == 18);
}

static int prefix(const unsigned char *a, const char *p, size_t n)
{
    return memcmp(a, p, n) == 0;
}

int nd_addr_is_private(int family, const void *addr)
{
    static const unsigned char zero[16];
    const unsigned char *a = addr;
    unsigned char v4[4];

    if (family == AF_INET)
        return v4_private(a);
    if (family != AF_INET6)
        return 1;
    if (prefix(a, (const char *)zero, 15) && (a[15] == 0 || a[15] == 1))
        return 1; /* :: and ::1 */
    if ((a[0] & 0xfe) == 0xfc || a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0x80) == 0x80))
        return 1; /* unique-local, multicast, link-local and site-local */
    if (prefix(a, "\x01\x00\0\0\0\0\0\0", 8))
        return 1; /* discard-only 100::/64 */
    if (prefix(a, "\x20\x01\x00\x02\x00\x00", 6))
        return 1; /* benchmarking 2001:2::/48 */
    if (prefix(a, "\x00\x64\xff\x9b\x00\x01", 6))
        return 1; /* local-use NAT64 64:ff9b:1::/48 */
    if (prefix(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) || prefix(a, (const char *)zero, 12) ||
        prefix(a, "\x00\x64\xff\x9b\0\0\0\0\0\0\0\0", 12))
        return v4_private(a + 12); /* mapped, compatible, NAT64 */
    if (a[0] == 0x20 && a[1] == 0x02)
        return v4_private(a + 2); /* 6to4 */
    if (prefix(a, "\x20\x01\x00\x00", 4)) {
        for (int i = 0; i < 4; i++)
            v4[i] = (unsigned char)~a[12 + i]; /* Teredo: the client, obfuscated */
        return v4_private(v4) || v4_private(a + 4);
    }
    return 0;
}

int nd_addr_text_is_private(const char *ip)
{
    unsigned char addr[16];
    char buf[64];
    size_t n;

    if (ip == NULL)
        return 1;
    n = strcspn(ip, "%"); /* a zone index */
    if (n >= sizeof(buf))
        return 1;
    memcpy(buf, ip, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1)
        return nd_addr_is_private(AF_INET, addr);
    if (inet_pton(AF_INET6, buf, addr) == 1)
        return nd_addr_is_private(AF_INET6, addr);
    return 1;
}
