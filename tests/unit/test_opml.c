/*
 * test_opml.c: OPML read (folders, category attributes, relative URLs,
 * outlines that are no feed, refused documents), written and read back,
 * ids from titles and topics from categories both ways.
 */
#include <check.h>
#include <libxml/parser.h>

#include "newsd/opml.h"
#include "testutil.h"

static const char list[] =
    "<?xml version=\"1.0\"?>\n"
    "<opml version=\"2.0\" xmlns:newsd=\"" ND_OPML_NS "\">\n"
    "<head><title>Mine</title></head>\n"
    "<body>\n"
    "  <outline text=\"Tech\">\n"
    "    <outline text=\"LWN\" type=\"rss\" xmlUrl=\"https://lwn.net/rss\" "
    "htmlUrl=\"https://lwn.net/\"/>\n"
    "    <outline text=\"Lin/ux\"><outline text=\"x\" title=\"Phoronix &amp; co\" "
    "xmlUrl=\"feeds/p.xml\"/></outline>\n"
    "  </outline>\n"
    "  <outline text=\"Caf\xc3\xa9\" xmlUrl=\"https://c.example/f\" category=\"/Biz/EU,/Other\"/>\n"
    "  <outline text=\"a link\" type=\"link\" url=\"https://example.org/\"/>\n"
    "  <outline text=\"k\" xmlUrl=\"https://k.example/\" newsd:id=\"keep\" "
    "newsd:topic=\"custom.topic\"/>\n"
    "</body></opml>\n";

START_TEST(reads_a_list)
{
    struct nd_opml o;
    char err[256];

    ck_assert_int_eq(nd_opml_parse(list, sizeof(list) - 1, "https://lists.example/a/mine.opml", &o,
                                   err, sizeof(err)),
                     ND_OK);
    ck_assert_str_eq(o.title, "Mine");
    ck_assert_uint_eq(o.n, 4);
    ck_assert_str_eq(o.feeds[0].title, "LWN");
    ck_assert_str_eq(o.feeds[0].xml_url, "https://lwn.net/rss");
    ck_assert_str_eq(o.feeds[0].html_url, "https://lwn.net/");
    ck_assert_str_eq(o.feeds[0].category, "Tech");
    ck_assert_int_eq(o.feeds[0].line, 6);
    /* title over text, a relative URL resolved, a '/' in a folder's name is no folder */
    ck_assert_str_eq(o.feeds[1].title, "Phoronix & co");
    ck_assert_str_eq(o.feeds[1].xml_url, "https://lists.example/a/feeds/p.xml");
    ck_assert_str_eq(o.feeds[1].category, "Tech/Lin-ux");
    /* no folder: the first category of the attribute */
    ck_assert_str_eq(o.feeds[2].category, "Biz/EU");
    ck_assert_ptr_null(o.feeds[2].id);
    ck_assert_str_eq(o.feeds[3].id, "keep");
    ck_assert_str_eq(o.feeds[3].topic, "custom.topic");
    ck_assert_ptr_null(o.feeds[3].category);
    ck_assert_uint_eq(o.ignored.n, 1);
    ck_assert_str_eq(o.ignored.v[0], "line 10: \"a link\": no xmlUrl");
    nd_opml_free(&o);
}
END_TEST

START_TEST(refuses)
{
    static const char *const docs[] = {
        "<rss version=\"2.0\"><channel/></rss>",
        "<opml version=\"2.0\"><head/></opml>",
        "not xml at all",
        "<!DOCTYPE opml [<!ENTITY a \"aaaa\">]><opml><body><outline text=\"&a;\" "
        "xmlUrl=\"https://x/\"/></body></opml>",
    };
    static const char *const why[] = {
        "not OPML: the root element is <rss>",
        "not OPML: no <body>",
        "not OPML: no XML element found",
        "not read: the document declares entities",
    };
    struct nd_opml o;
    char err[256];

    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        ck_assert_int_eq(nd_opml_parse(docs[i], strlen(docs[i]), NULL, &o, err, sizeof(err)),
                         ND_EPARSE);
        ck_assert_str_eq(err, why[i]);
        nd_opml_free(&o);
    }
}
END_TEST

START_TEST(bad_bytes_are_replaced)
{
    static const char doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<opml><head><title>T\x94</title></head><body>"
                              "<outline text=\"A\xff\" xmlUrl=\"https://a.example/\x94\"/>"
                              "<outline text=\"B\" xmlUrl=\"https://b.example/\xef\xbf\xbf\"/>"
                              "</body></opml>";
    struct nd_opml o;
    char err[256], *back;

    ck_assert_int_eq(nd_opml_parse(doc, sizeof(doc) - 1, NULL, &o, err, sizeof(err)), ND_OK);
    ck_assert_uint_eq(o.n, 2);
    ck_assert_str_eq(o.feeds[0].title, "A\xef\xbf\xbd");
    /* U+FFFF is no XML character: written as it is, it would cut the URL short */
    ck_assert_str_eq(o.feeds[1].xml_url, "https://b.example/\xef\xbf\xbd");
    ck_assert_str_eq(o.feeds[0].xml_url, "https://a.example/\xef\xbf\xbd");
    ck_assert_str_eq(o.title, "T\xef\xbf\xbd");
    /* and so they are written and read back the same */
    back = nd_opml_write(o.title, o.feeds, o.n, 0);
    nd_opml_free(&o);
    ck_assert_int_eq(nd_opml_parse(back, strlen(back), NULL, &o, err, sizeof(err)), ND_OK);
    ck_assert_str_eq(o.feeds[0].xml_url, "https://a.example/\xef\xbf\xbd");
    ck_assert_str_eq(o.feeds[1].xml_url, "https://b.example/\xef\xbf\xbd");
    nd_opml_free(&o);
    free(back);
}
END_TEST

START_TEST(writes_and_reads_back)
{
    struct nd_opml_feed in[] = {
        {.title = "A \"quoted\" <title> & more",
         .xml_url = "https://a.example/?x=1&y=2",
         .category = "tech/linux",
         .id = "a"},
        {.title = NULL, .xml_url = "https://b.example/", .id = "b", .topic = "odd topic"},
        {.title = "C",
         .xml_url = "https://c.example/",
         .category = "tech",
         .id = "c",
         .html_url = "https://c.example/site"},
        {.title = "Ctl\x01"
                  "char",
         .xml_url = "https://d.example/",
         .id = "d"},
    };
    struct nd_opml o;
    char err[256], *doc = nd_opml_write("T", in, 4, 1764979200);

    ck_assert_msg(strstr(doc, "<dateCreated>Sat, 06 Dec 2025 00:00:00 GMT</dateCreated>"), "%s",
                  doc);
    ck_assert_msg(strstr(doc, "version=\"2.0\""), "%s", doc);
    ck_assert_int_eq(nd_opml_parse(doc, strlen(doc), NULL, &o, err, sizeof(err)), ND_OK);
    ck_assert_uint_eq(o.n, 4);
    ck_assert_str_eq(o.title, "T");
    /* folders group by category: a and c in tech, a in tech/linux */
    ck_assert_str_eq(o.feeds[0].xml_url, "https://a.example/?x=1&y=2");
    ck_assert_str_eq(o.feeds[0].title, "A \"quoted\" <title> & more");
    ck_assert_str_eq(o.feeds[0].category, "tech/linux");
    ck_assert_str_eq(o.feeds[0].id, "a");
    ck_assert_str_eq(o.feeds[1].id, "c");
    ck_assert_str_eq(o.feeds[1].category, "tech");
    ck_assert_str_eq(o.feeds[1].html_url, "https://c.example/site");
    /* no title: the id is the text, and reads back as no title */
    ck_assert_str_eq(o.feeds[2].id, "b");
    ck_assert_ptr_null(o.feeds[2].title);
    ck_assert_str_eq(o.feeds[2].topic, "odd topic");
    ck_assert_ptr_null(o.feeds[2].category);
    ck_assert_str_eq(o.feeds[3].title, "Ctl char");
    nd_opml_free(&o);
    free(doc);
}
END_TEST

START_TEST(slugs)
{
    static const char *const cases[][2] = {
        {"LWN.net", "lwn-net"},
        {"  Caf\xc3\xa9 \xc3\x89\x63onomie!! ", "cafe-economie"},
        {"\xe6\x97\xa5\xe6\x9c\xac", ""},
        {"---", ""},
        {"Ars Technica - All content", "ars-technica-all-content"},
        {"a very long title that goes on and on past forty characters",
         "a-very-long-title-that-goes-on-and-on-pa"},
        {"\xef\xbc\xa1\xef\xbc\xa2", "ab"}, /* fullwidth, by compatibility */
    };
    char out[41];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        nd_opml_slug(cases[i][0], out);
        ck_assert_str_eq(out, cases[i][1]);
    }
    nd_opml_slug(NULL, out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(topics_and_categories)
{
    char *t;

    t = nd_opml_topic("Tech News/Linux", "lwn");
    ck_assert_str_eq(t, "news.tech-news.linux.lwn");
    free(t);
    ck_assert_ptr_null(nd_opml_topic(NULL, "lwn"));
    ck_assert_ptr_null(nd_opml_topic("//\xe6\x97\xa5/", "lwn"));

    t = nd_opml_category("news.tech-news.linux.lwn", "lwn");
    ck_assert_str_eq(t, "tech-news/linux");
    free(t);
    t = nd_opml_category("news.lwn", "lwn");
    ck_assert_str_eq(t, "");
    free(t);
    ck_assert_ptr_null(nd_opml_category("custom.lwn", "lwn"));
    ck_assert_ptr_null(nd_opml_category("news.Tech.lwn", "lwn"));
    ck_assert_ptr_null(nd_opml_category("news..lwn", "lwn"));
    ck_assert_ptr_null(nd_opml_category("news.xlwn", "lwn"));
    ck_assert_ptr_null(nd_opml_category("news.a.lwn.x", "lwn"));
    ck_assert_ptr_null(nd_opml_category(NULL, "lwn"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("opml");
    TCase *tc = tcase_create("core");

    xmlInitParser();
    tcase_add_test(tc, reads_a_list);
    tcase_add_test(tc, refuses);
    tcase_add_test(tc, bad_bytes_are_replaced);
    tcase_add_test(tc, writes_and_reads_back);
    tcase_add_test(tc, slugs);
    tcase_add_test(tc, topics_and_categories);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
