/*
 * test_url.c: resolution (RFC 3986 section 5.4), canonical form, tracking
 * parameters, schemes, private hosts.
 */
#include <check.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/url.h"
#include "testutil.h"

static void check_eq(const char *what, const char *in, char *got, const char *want)
{
    if (want == NULL)
        ck_assert_msg(got == NULL, "%s(%s) gave %s", what, in ? in : "NULL", got ? got : "NULL");
    else
        ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s(%s) gave %s, not %s", what,
                      in ? in : "NULL", got ? got : "NULL", want);
    free(got);
}

#define CANON_EQ(in, want)          check_eq("canonical", in, nd_url_canonical(in), want)
#define RESOLVE_EQ(base, ref, want) check_eq("resolve", ref, nd_url_resolve(base, ref), want)

/* RFC 3986 5.4.1 and 5.4.2 */
START_TEST(resolve_rfc3986)
{
    static const char *const cases[][2] = {
        {"g:h", "g:h"},
        {"g", "http://a/b/c/g"},
        {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},
        {"//g", "http://g/"},
        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},
        {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"},
        {"g?y#s", "http://a/b/c/g?y#s"},
        {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"},
        {"g;x?y#s", "http://a/b/c/g;x?y#s"},
        {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"},
        {"./", "http://a/b/c/"},
        {"..", "http://a/b/"},
        {"../", "http://a/b/"},
        {"../g", "http://a/b/g"},
        {"../..", "http://a/"},
        {"../../", "http://a/"},
        {"../../g", "http://a/g"},
        {"../../../g", "http://a/g"},
        {"../../../../g", "http://a/g"},
        {"/./g", "http://a/g"},
        {"/../g", "http://a/g"},
        {"g.", "http://a/b/c/g."},
        {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."},
        {"..g", "http://a/b/c/..g"},
        {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"},
        {"g/./h", "http://a/b/c/g/h"},
        {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"},
        {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g#s/./x"},
        {"g#s/../x", "http://a/b/c/g#s/../x"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        RESOLVE_EQ("http://a/b/c/d;p?q", cases[i][0], cases[i][1]);
}
END_TEST

START_TEST(resolve_feed_cases)
{
    RESOLVE_EQ("https://example.org/news/item.html", "../img/a.png",
               "https://example.org/img/a.png");
    RESOLVE_EQ("https://example.org/x/", "//cdn.example.net/p.png",
               "https://cdn.example.net/p.png");
    RESOLVE_EQ("https://example.org/x#frag", "", "https://example.org/x");
    RESOLVE_EQ("https://example.org/x?q=1#frag", "#top", "https://example.org/x?q=1#top");
    RESOLVE_EQ("https://example.org/x/", "  https://other.org/a  ", "https://other.org/a");
    RESOLVE_EQ("https://example.org/x/", "HTTP://Other.org:80/a", "http://other.org/a");
    RESOLVE_EQ("https://Example.org:443/x/", "y", "https://example.org/x/y");
    RESOLVE_EQ("https://example.org/x/", "a b.png", "https://example.org/x/a%20b.png");
    RESOLVE_EQ(NULL, "/relative", NULL);
    RESOLVE_EQ("not/absolute", "x", NULL);
    RESOLVE_EQ(NULL, "https://example.org/a", "https://example.org/a");
    RESOLVE_EQ("https://example.org/", NULL, NULL);
    /* other schemes come back as they are, for the caller to judge */
    RESOLVE_EQ("https://example.org/", "mailto:a@example.org", "mailto:a@example.org");
    RESOLVE_EQ("https://example.org/", "javascript:alert(1)", "javascript:alert(1)");
    RESOLVE_EQ("https://example.org/", "data:image/png;base64,AAA", "data:image/png;base64,AAA");
    /* read as browsers read it (the URL standard drops tabs and line breaks, and controls
     * around): javascript:, which the caller refuses */
    RESOLVE_EQ("https://example.org/", "java\tscript:alert(1)", "javascript:alert(1)");
    RESOLVE_EQ("https://example.org/", "\x01javascript:alert(1)", "javascript:alert(1)");
    RESOLVE_EQ("https://example.org/", "java\nscript:alert(1)", "javascript:alert(1)");
    RESOLVE_EQ("https://example.org/", "http://[bad", NULL);
    /* curl decodes a host's percent-encoding: not UTF-8, not a URL (found by fuzz_parse) */
    RESOLVE_EQ("https://example.org/", "http://example.BB%BBBB.org/a.mp3", NULL);
    RESOLVE_EQ("http://a.%bb.org/x/", "y", NULL);
}
END_TEST

/* ---- resolution against curl alone --------------------------------------------- */

#define REF_FLAGS (CURLU_URLENCODE | CURLU_ALLOW_SPACE | CURLU_NON_SUPPORT_SCHEME)

/* url.c's resolution before its string fast path: everything through curl. */
/*
 * url.c's one rule for characters a URL may not hold, written again: tabs and
 * line breaks dropped, then outside the host every byte that is not printable
 * ASCII or is one of "<>\\^`{|} percent-encoded, and a '%' that starts no
 * escape too.
 */
static char *ref_encode(const char *ref, size_t n, int encode)
{
    char *out = malloc(3 * n + 1), *o = out;
    size_t host = 0, host_end = 0, i = 0;
    const char *scheme_end = strstr(ref, "://");

    if (scheme_end && scheme_end > ref && (size_t)(scheme_end - ref) < n &&
        ((*ref | 0x20) >= 'a' && (*ref | 0x20) <= 'z') &&
        strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") ==
            (size_t)(scheme_end - ref))
        host = (size_t)(scheme_end - ref) + 3;
    else if (n >= 2 && ref[0] == '/' && ref[1] == '/')
        host = 2;
    if (host) {
        host_end = host;
        while (host_end < n && !strchr("/?#", ref[host_end]))
            host_end++;
        for (size_t k = host; k < host_end; k++)
            if (ref[k] == '@')
                host = k + 1; /* the user information follows the rule, the host does not */
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)ref[i];
        int hexes = i + 2 < n && strchr("0123456789abcdefABCDEF", ref[i + 1]) && ref[i + 1] &&
                    strchr("0123456789abcdefABCDEF", ref[i + 2]) && ref[i + 2];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (encode && (i < host || i >= host_end) &&
            (c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c) || (c == '%' && !hexes)))
            o += snprintf(o, 4, "%%%02x", c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static char *ref_resolve(const char *base, const char *ref)
{
    char *r, *s = NULL, *out = NULL, *scheme = NULL, *host = NULL, *port = NULL, sch[32];
    size_t n;
    CURLU *h;

    while (*ref > 0 && *ref <= ' ')
        ref++;
    n = strlen(ref);
    while (n > 0 && ref[n - 1] > 0 && ref[n - 1] <= ' ')
        n--;
    r = ref_encode(ref, n, 0);
    if (nd_url_scheme(r, sch, sizeof(sch)) == 0 && strcmp(sch, "http") != 0 &&
        strcmp(sch, "https") != 0 && strcmp(sch, "file") != 0)
        return r;
    free(r);
    r = ref_encode(ref, n, 1);
    h = curl_url();
    if (nd_url_scheme(r, sch, sizeof(sch)) != 0) {
        if (base == NULL || curl_url_set(h, CURLUPART_URL, base, REF_FLAGS) != CURLUE_OK)
            goto out;
        if (r[0] == '\0' || r[0] == '#') {
            if (curl_url_set(h, CURLUPART_FRAGMENT, r[0] && r[1] ? r + 1 : NULL, 0) != CURLUE_OK)
                goto out;
            goto get;
        }
    }
    if (curl_url_set(h, CURLUPART_URL, r, REF_FLAGS) != CURLUE_OK)
        goto out;
get:
    /* url.c's normalize_http(): lower-case host, no default port */
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
        if (curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
            int upper = 0;
            for (char *c = host; *c; c++)
                if (*c >= 'A' && *c <= 'Z') {
                    *c = (char)(*c + 32);
                    upper = 1;
                }
            if (upper)
                curl_url_set(h, CURLUPART_HOST, host, 0);
        }
        if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
            ((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
             (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
            curl_url_set(h, CURLUPART_PORT, NULL, 0);
    }
    if (curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK)
        out = strdup(s);
out:
    curl_free(s);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(h);
    free(r);
    return out;
}

START_TEST(resolve_matches_curl)
{
    static const char *const bases[] = {
        "https://a.example/",         "https://a.example/x/y",   "https://a.example/x/y/",
        "http://b-c.example/p?q=1",   "https://a.example/x#f/g", "https://a.example/x?y=/z",
        "https://a.example/%7Euser/", "https://a.example/a b/c", "https://a.example",
        "https://a.example/x/../y/z", "http://1.2.3.4/d/",       "https://a.example/x/y?",
    };
    static const char *const pieces[] = {
        "",    "/",   "//",  "x",   "y/", "..",       ".",   "./",  "../", "?",  "#",
        "q=1", "a:b", "%41", "%zz", " ",  "\xc3\xa9", "<",   "~",   "-",   "_",  "=",
        "&",   "B",   "\t",  "\\",  "@",  "1:",       "+x:", "%2F", "%2e", ";p",
    };
    uint64_t x = 0x5DEECE66DULL;

    for (int round = 0; round < 30000; round++) {
        char ref[64] = "";
        const char *base;
        char *got, *want;
        size_t used = 0;
        int n;

        base = TU_PICK(bases, &x);
        n = (int)((x >> 8) % 5);
        for (int i = 0; i < n; i++)
            ck_assert(tu_append(ref, sizeof(ref), &used, TU_PICK(pieces, &x)));
        got = nd_url_resolve(base, ref);
        want = ref_resolve(base, ref);
        ck_assert_msg((got == NULL) == (want == NULL) && (got == NULL || strcmp(got, want) == 0),
                      "resolve(%s, \"%s\") = %s, curl %s", base, ref, got ? got : "NULL",
                      want ? want : "NULL");
        free(got);
        free(want);
    }
}
END_TEST

START_TEST(canonical_basics)
{
    CANON_EQ("HTTP://Example.COM:80/a?utm_source=x&b=1#frag", "http://example.com/a?b=1");
    CANON_EQ("HTTPS://EX.com", "https://ex.com/");
    CANON_EQ("https://example.com:443", "https://example.com/");
    CANON_EQ("https://example.com:8443/x", "https://example.com:8443/x");
    CANON_EQ("http://example.com:443/x", "http://example.com:443/x");
    CANON_EQ("https://example.com/a/./b/../c", "https://example.com/a/c");
    CANON_EQ("https://example.com/?", "https://example.com/");
    CANON_EQ("https://example.com/#", "https://example.com/");
    CANON_EQ("https://[::1]:443/", "https://[::1]/");
    CANON_EQ("https://example.com/Path/Case", "https://example.com/Path/Case");
    /* a host number decoded from percent-escapes is the IPv4 address it reads back as */
    CANON_EQ("https://33%33/x", "https://0.0.1.77/x");
    CANON_EQ("https://3%33.1.2.3/x", "https://33.1.2.3/x");
    CANON_EQ("https://3/x?a", "https://0.0.0.3/x?a");
    CANON_EQ("mailto:a@example.com", NULL);
    CANON_EQ("ftp://example.com/x", NULL);
    CANON_EQ("/relative/path", NULL);
    CANON_EQ("", NULL);
    CANON_EQ(NULL, NULL);
}
END_TEST

START_TEST(canonical_not_utf8)
{
    CANON_EQ("http://example.BB%BBBB.org/a", NULL);
    CANON_EQ("http://example.org/%BB?q=%FF", "http://example.org/%bb?q=%ff");
}
END_TEST

START_TEST(canonical_tracking)
{
    CANON_EQ("https://example.com/a?UTM_Medium=1&a=2&Fbclid=3&z", "https://example.com/a?a=2&z");
    CANON_EQ("https://example.com/a?z=1&y=2&x=3", "https://example.com/a?z=1&y=2&x=3");
    CANON_EQ("https://example.com/a?utm_source=rss&utm_campaign=c", "https://example.com/a");
    CANON_EQ("https://example.com/a?b=1&utm_x", "https://example.com/a?b=1");
    CANON_EQ("https://example.com/a?&&b=1&", "https://example.com/a?b=1");
    CANON_EQ("https://example.com/a?gclid=1&id=7&mc_cid=2&mc_eid=3&_hsenc=4&si=5",
             "https://example.com/a?id=7");
    CANON_EQ("https://example.com/a?utm=1&utmost=2", "https://example.com/a?utm=1&utmost=2");
    /* an encoded name is the same name */
    CANON_EQ("https://example.com/a?utm%5Fsource=x&k=v", "https://example.com/a?k=v");

    ck_assert(nd_url_is_tracking_param("utm_source", 10));
    ck_assert(nd_url_is_tracking_param("UTM_SOURCE", 10));
    ck_assert(nd_url_is_tracking_param("FbClId", 6));
    ck_assert(!nd_url_is_tracking_param("utm_", 4));
    ck_assert(!nd_url_is_tracking_param("id", 2));
    ck_assert(!nd_url_is_tracking_param("page", 4));
}
END_TEST

START_TEST(canonical_encoding)
{
    /* one spelling for the same URL: percent-encoding normalized */
    CANON_EQ("https://example.com/%7euser/a%2Fb", "https://example.com/~user/a%2fb");
    CANON_EQ("https://example.com/%C3%A4", "https://example.com/%c3%a4");
    CANON_EQ("https://example.com/\xC3\xA4", "https://example.com/%c3%a4");
    CANON_EQ("https://example.com/a b?q=a b", "https://example.com/a%20b?q=a+b");
    CANON_EQ("https://example.com/a?x=%41%2D%5f%7E%3d", "https://example.com/a?x=A-_~%3d");
    /* an IDN host stays as it is written */
    CANON_EQ("https://b\xC3\xBC"
             "cher.de/x",
             "https://b\xC3\xBC"
             "cher.de/x");
}
END_TEST

START_TEST(strip_tracking)
{
    char *s;

    s = nd_url_strip_tracking("https://example.com/a?utm_source=x&id=3#c");
    ck_assert_str_eq(s, "https://example.com/a?id=3#c");
    free(s);
    s = nd_url_strip_tracking("https://example.com:8080/a?utm_source=x#c?utm_medium=y");
    ck_assert_str_eq(s, "https://example.com:8080/a#c?utm_medium=y");
    free(s);
    s = nd_url_strip_tracking("https://example.com/a#c");
    ck_assert_str_eq(s, "https://example.com/a#c");
    free(s);
    ck_assert_ptr_null(nd_url_strip_tracking(NULL));
}
END_TEST

START_TEST(scheme)
{
    char s[16];

    ck_assert_int_eq(nd_url_scheme("HTTPS://x", s, sizeof(s)), 0);
    ck_assert_str_eq(s, "https");
    ck_assert_int_eq(nd_url_scheme("JaVaScRiPt:alert(1)", s, sizeof(s)), 0);
    ck_assert_str_eq(s, "javascript");
    ck_assert_int_eq(nd_url_scheme("svn+ssh://x", s, sizeof(s)), 0);
    ck_assert_str_eq(s, "svn+ssh");
    ck_assert_int_eq(nd_url_scheme("/path:x", s, sizeof(s)), -1);
    ck_assert_int_eq(nd_url_scheme("1http://x", s, sizeof(s)), -1);
    ck_assert_int_eq(nd_url_scheme("averyveryverylongscheme:x", s, 8), -1);
}
END_TEST

START_TEST(private_hosts)
{
    ck_assert(nd_url_host_is_private("http://127.0.0.1:8080/feed"));
    ck_assert(nd_url_host_is_private("http://localhost/feed"));
    ck_assert(nd_url_host_is_private("http://10.1.2.3/"));
    ck_assert(nd_url_host_is_private("http://192.168.0.1/"));
    ck_assert(nd_url_host_is_private("http://[::1]/"));
    ck_assert(nd_url_host_is_private("http://[fe80::1]/"));
    ck_assert(!nd_url_host_is_private("https://example.org/"));
    ck_assert(!nd_url_host_is_private("http://8.8.8.8/"));
}
END_TEST

static Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, resolve_rfc3986);
    tcase_add_test(tc, resolve_feed_cases);
    tcase_add_test(tc, resolve_matches_curl);
    tcase_add_test(tc, canonical_not_utf8);
    tcase_add_test(tc, canonical_basics);
    tcase_add_test(tc, canonical_tracking);
    tcase_add_test(tc, canonical_encoding);
    tcase_add_test(tc, strip_tracking);
    tcase_add_test(tc, scheme);
    tcase_add_test(tc, private_hosts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(url_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
