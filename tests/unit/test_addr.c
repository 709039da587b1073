/*
 * test_addr.c: the private-address rule, IPv4 and IPv6 (addr.h).
 */
#include <check.h>

#include "newsd/addr.h"
#include "newsd/url.h"
#include "testutil.h"

static const char *const refused[] = {
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.8.9.10",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.8",
    "192.0.0.170",
    "192.168.1.1",
    "198.18.0.1",
    "198.19.255.254",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "fec0::1",
    "feff::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::10.0.0.1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::10.0.0.1",
    "64:ff9b::192.168.0.1",
    "64:ff9b:1::1",
    "64:ff9b:1:ffff::1",
    "2002:7f00:0001::",
    "2002:0a00:0001::1",
    "2002:c0a8:0101::",
    "2002:c612:0001::",                     /* 6to4 of 198.18.0.1 */
    "2001:0:4136:e378:8000:63bf:80ff:fffe", /* Teredo client 127.0.0.1 */
    "2001:0:4136:e378:8000:63bf:f5ff:fffe", /* Teredo client 10.0.0.1 */
    "100::1",
    "100::ffff:1",
    "2001:2::1",
    "2001:2:0:ffff::1",
    "not an address",
    "",
    "1.2.3",
    "::g",
};

static const char *const allowed[] = {
    "8.8.8.8",          "1.1.1.1",
    "93.184.216.34",    "100.63.255.255",
    "100.128.0.0",      "172.15.255.255",
    "172.32.0.1",       "192.0.1.1",
    "192.0.2.1",        "198.17.255.255",
    "198.20.0.1",       "198.51.100.7",
    "203.0.113.9",      "223.255.255.255",
    "11.0.0.1",         "2001:db8::1",
    "2606:4700::1",     "2a00:1450::1",
    "::ffff:8.8.8.8",   "64:ff9b::8.8.8.8",
    "2002:0808:0808::", "2001:0:4136:e378:8000:63bf:f7f7:f7f7", /* Teredo client 8.8.8.8 */
    "101::1",           "fbff::1",
};

START_TEST(refused_addresses)
{
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        ck_assert_msg(nd_addr_text_is_private(refused[i]), "%s must be refused", refused[i]);
}
END_TEST

START_TEST(allowed_addresses)
{
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        ck_assert_msg(!nd_addr_text_is_private(allowed[i]), "%s must be allowed", allowed[i]);
}
END_TEST

START_TEST(other_families)
{
    unsigned char a[16] = {0};
    ck_assert(nd_addr_is_private(1 /* AF_UNIX */, a));
}
END_TEST

START_TEST(url_hosts)
{
    ck_assert(nd_url_host_is_private("http://127.0.0.1:8080/feed"));
    ck_assert(nd_url_host_is_private("http://LOCALHOST/feed"));
    ck_assert(nd_url_host_is_private("http://a.localhost/feed"));
    ck_assert(nd_url_host_is_private("http://100.64.1.1/"));
    ck_assert(nd_url_host_is_private("http://198.18.0.1/"));
    ck_assert(nd_url_host_is_private("http://[fd00::1]/"));
    ck_assert(nd_url_host_is_private("http://[::ffff:127.0.0.1]/"));
    ck_assert(!nd_url_host_is_private("http://192.0.2.1/"));
    ck_assert(!nd_url_host_is_private("https://example.org/"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("addr");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, refused_addresses);
    tcase_add_test(tc, allowed_addresses);
    tcase_add_test(tc, other_families);
    tcase_add_test(tc, url_hosts);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
