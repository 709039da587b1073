/*
 * test_discover.c: web pages told from feeds, the feed links a page
 * advertises (rel and type rules, <base>, duplicates), and the usual paths
 * tried when it advertises none.
 */
#include <check.h>
#include <libxml/parser.h>

#include "newsd/discover.h"
#include "testutil.h"

static const char page[] =
    "<!DOCTYPE html>\n<html><head>\n"
    "<link rel=\"stylesheet\" href=\"/s.css\">\n"
    "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"All\" href=\"/feed.xml\">\n"
    "<LINK REL=\"Alternate Home\" TYPE=\"Application/Atom+XML; charset=utf-8\" "
    "HREF=\"atom.xml\">\n"
    "<link rel=\"alternate\" type=\"application/json\" href=\"/wp-json/wp/v2/pages/1\">\n"
    "<link rel=\"alternate\" type=\"text/html\" hreflang=\"fr\" href=\"/fr/\">\n"
    "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"https://ex.example/feed.xml\">\n"
    "<link rel=\"alternate\" type=\"application/feed+json\" href=\"feed.json\">\n"
    "</head><body><p>Hello</body></html>\n";

START_TEST(links)
{
    struct nd_feed_link *l;
    size_t n = nd_discover_links(page, sizeof(page) - 1, "https://ex.example/blog/post", &l);

    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(l[0].url, "https://ex.example/feed.xml");
    ck_assert_str_eq(l[0].title, "All");
    ck_assert_str_eq(l[0].type, "application/rss+xml");
    ck_assert_str_eq(l[1].url, "https://ex.example/blog/atom.xml");
    ck_assert_ptr_null(l[1].title);
    ck_assert_str_eq(l[1].type, "application/atom+xml");
    ck_assert_str_eq(l[2].url, "https://ex.example/blog/feed.json");
    nd_feed_links_free(l, n);

    /* <base href> moves relative links */
    static const char based[] = "<html><head><base href=\"https://cdn.example/x/\">"
                                "<link rel=alternate type=application/atom+xml href=a.xml>"
                                "</head></html>";
    n = nd_discover_links(based, sizeof(based) - 1, "https://ex.example/", &l);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(l[0].url, "https://cdn.example/x/a.xml");
    nd_feed_links_free(l, n);

    n = nd_discover_links("<p>nothing", 10, "https://ex.example/", &l);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(l);
}
END_TEST

START_TEST(is_html)
{
    ck_assert(nd_discover_is_html(page, sizeof(page) - 1, NULL));
    ck_assert(nd_discover_is_html("\xef\xbb\xbf  <!-- x --> <HTML lang=en>", 30, NULL));
    ck_assert(nd_discover_is_html("<p>", 3, "text/html; charset=utf-8"));
    ck_assert(nd_discover_is_html("<p>", 3, "application/xhtml+xml"));
    ck_assert(!nd_discover_is_html("<?xml version=\"1.0\"?><rss/>", 27, "text/xml"));
    ck_assert(!nd_discover_is_html("<htmlx>", 7, NULL));
    ck_assert(!nd_discover_is_html("<!-- never closed <html>", 24, NULL));
    ck_assert(!nd_discover_is_html("{\"version\": 1}", 14, "application/json"));
}
END_TEST

START_TEST(guesses)
{
    struct nd_strv v = {0};

    nd_discover_guesses("https://ex.example/blog/post?x=1", &v);
    ck_assert_uint_eq(v.n, 16);
    ck_assert_str_eq(v.v[0], "https://ex.example/blog/feed");
    ck_assert_str_eq(v.v[8], "https://ex.example/feed");
    ck_assert(nd_strv_contains(&v, "https://ex.example/atom.xml"));
    nd_strv_free(&v);

    /* at the root, each path once */
    nd_discover_guesses("https://ex.example/", &v);
    ck_assert_uint_eq(v.n, 8);
    ck_assert_str_eq(v.v[0], "https://ex.example/feed");
    nd_strv_free(&v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("discover");
    TCase *tc = tcase_create("core");

    xmlInitParser();
    tcase_add_test(tc, links);
    tcase_add_test(tc, is_html);
    tcase_add_test(tc, guesses);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
