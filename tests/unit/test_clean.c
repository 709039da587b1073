/*
 * test_clean.c: from a parser entry to an article (nd_clean_entry).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/fingerprint.h"
#include "newsd/text.h"

static const struct nd_clean_ctx ctx = {"example", "en", 1790000000};

static void entry_init(struct nd_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->published = ND_TIME_NONE;
    e->updated = ND_TIME_NONE;
}

static void set_text(struct nd_text *t, const char *s, enum nd_text_type type)
{
    free(t->s);
    t->s = s ? xstrdup(s) : NULL;
    t->type = type;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

START_TEST(rss_item)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.title, "Fish &amp; chips <b>up</b> 10%", ND_TEXT_HTML);
    set_text(&e.summary,
             "<p>Prices <a href=\"/prices?utm_source=rss\">rose</a> again.</p>"
             "<script>x()</script><img src=\"/i/fish.jpg\">",
             ND_TEXT_HTML);
    e.link = xstrdup("HTTPS://Example.org:443/news/1?utm_medium=feed&id=7#top");
    e.guid = xstrdup("  tag:example.org,2026:1");
    e.published = 1789990000;
    nd_strv_push(&e.authors, "  Ana   M\xC3\xBCller ");
    nd_strv_push(&e.authors, "Ana M\xC3\xBCller");
    nd_strv_push(&e.authors, "   ");
    nd_strv_push(&e.categories, "Food");
    nd_strv_push(&e.categories, "Prices\n");

    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "Fish & chips up 10%");
    ck_assert_str_eq(a.url, "https://example.org/news/1?id=7");
    ck_assert_str_eq(a.guid, "  tag:example.org,2026:1"); /* verbatim */
    /* an RSS description is both summary and content */
    ck_assert_str_eq(a.content_html,
                     "<p>Prices <a href=\"https://example.org/prices\" rel=\"noopener "
                     "noreferrer\">rose</a> again.</p><img src=\"https://example.org/i/fish.jpg\" "
                     "loading=\"lazy\">");
    ck_assert_str_eq(a.content_text, "Prices rose again.");
    ck_assert_str_eq(a.summary, "Prices rose again.");
    ck_assert_str_eq(a.image, "https://example.org/i/fish.jpg");
    ck_assert_str_eq(a.language, "en");
    ck_assert_uint_eq(a.authors.n, 1);
    ck_assert_str_eq(a.authors.v[0], "Ana M\xC3\xBCller");
    ck_assert_uint_eq(a.categories.n, 2);
    ck_assert_str_eq(a.categories.v[1], "Prices");
    ck_assert_int_eq(a.published, 1789990000);
    ck_assert_int_eq(a.updated, ND_TIME_NONE);
    ck_assert_int_eq(a.fetched, 1790000000);
    ck_assert_ptr_null(a.duplicate_of);
    ck_assert_uint_eq(strlen(a.id), ND_ID_HEX);
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(id_is_stable)
{
    struct nd_entry e;
    struct nd_article a, b;
    char want[33];

    entry_init(&e);
    set_text(&e.title, "T", ND_TEXT_PLAIN);
    e.link = xstrdup("https://example.org/a/1");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    /* XXH3-128 of "u" 0x1f URL, canonical byte order, lower-case hex */
    ck_assert_str_eq(a.id, "dcf3003ed3a500c40c5f6ac643febf73");
    nd_fp_id128("u\x1fhttps://example.org/a/1", 25, want);
    ck_assert_str_eq(a.id, want);

    /* the same canonical URL, spelled otherwise: the same id */
    free(e.link);
    e.link = xstrdup("HTTPS://EXAMPLE.ORG:443/a/1?utm_source=x#comments");
    e.guid = xstrdup("guid-1");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &b), ND_OK);
    ck_assert_str_eq(a.id, b.id);
    nd_article_free(&a);
    nd_article_free(&b);
    nd_entry_free(&e);
}
END_TEST

START_TEST(id_from_guid_then_text)
{
    struct nd_entry e;
    struct nd_article a, b;
    struct nd_clean_ctx other = {"other", NULL, 0};
    char want[33];

    entry_init(&e);
    set_text(&e.title, "A title", ND_TEXT_PLAIN);
    e.link = xstrdup("tag:not-http");
    e.guid = xstrdup("guid-42");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_ptr_null(a.url);
    nd_fp_id128("g\x1f"
                "example\x1f"
                "guid-42",
                17, want);
    ck_assert_str_eq(a.id, want);
    ck_assert_int_eq(nd_clean_entry(&e, &other, &b), ND_OK);
    ck_assert_str_ne(a.id, b.id); /* guids are per source */
    nd_article_free(&a);
    nd_article_free(&b);

    /* neither URL nor guid: the normalized text */
    free(e.guid);
    e.guid = NULL;
    set_text(&e.content, "Some <b>text</b>.", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    set_text(&e.title, "A  TITLE!", ND_TEXT_PLAIN);
    set_text(&e.content, "<p>some text</p>", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &other, &b), ND_OK);
    ck_assert_str_eq(a.id, b.id);
    nd_fp_id128("t\x1f"
                "a title some text",
                19, want);
    ck_assert_str_eq(a.id, want);
    nd_article_free(&a);
    nd_article_free(&b);
    nd_entry_free(&e);
}
END_TEST

START_TEST(content_and_summary)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.title, "T", ND_TEXT_PLAIN);
    set_text(&e.summary, "<p>Short\n summary</p><p>second</p>", ND_TEXT_HTML);
    set_text(&e.content, "<p>Full <em>content</em></p><p>More.</p>", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.summary, "Short summary second");
    ck_assert_str_eq(a.content_html, "<p>Full <em>content</em></p><p>More.</p>");
    ck_assert_str_eq(a.content_text, "Full content\n\nMore.");
    nd_article_free(&a);

    /* an empty summary: derived from the content, on one line */
    set_text(&e.summary, "<p> </p>", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.summary, "Full content More.");
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(summary_truncated)
{
    struct nd_entry e;
    struct nd_article a;
    struct nd_buf b;

    nd_buf_init(&b, 0);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(nd_buf_adds(&b, "<p>Caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9.</p>"),
                         ND_OK);
    entry_init(&e);
    set_text(&e.title, "T", ND_TEXT_PLAIN);
    set_text(&e.content, b.data, ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_uint_le(nd_utf8_len(a.summary), 300);
    ck_assert_uint_ge(nd_utf8_len(a.summary), 250);
    ck_assert(ends_with(a.summary, "na\xC3\xAFve\xE2\x80\xA6"));
    ck_assert(strchr(a.summary, '\n') == NULL);
    nd_article_free(&a);
    nd_entry_free(&e);
    nd_buf_free(&b);
}
END_TEST

START_TEST(title_fallback)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.content,
             "<p>A title-less post that goes on for quite a while, longer than the hundred "
             "characters a title may take from it, as microblog items do.</p>",
             ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "A title-less post that goes on for quite a while, longer than the "
                              "hundred characters a title may\xE2\x80\xA6");
    ck_assert_uint_le(nd_utf8_len(a.title), 100);
    nd_article_free(&a);

    set_text(&e.content, "<p>Short post.</p>", ND_TEXT_HTML);
    set_text(&e.title, "<b> </b>", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "Short post.");
    nd_article_free(&a);

    /* no text at all: "" (the link or guid still identify it) */
    set_text(&e.content, NULL, ND_TEXT_NONE);
    e.link = xstrdup("https://example.org/x");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "");
    ck_assert_str_eq(a.summary, "");
    ck_assert_str_eq(a.content_html, "");
    ck_assert_str_eq(a.content_text, "");
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(plain_text)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.title, "A &amp; B <i>", ND_TEXT_PLAIN);
    set_text(&e.content, "Line one\nline <two>\n\n\n\nSecond & last   paragraph. ", ND_TEXT_PLAIN);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "A &amp; B <i>"); /* plain text stays as it is */
    ck_assert_str_eq(a.content_text, "Line one\nline <two>\n\nSecond & last paragraph.");
    ck_assert_str_eq(a.content_html,
                     "<p>Line one<br>line &lt;two&gt;</p><p>Second &amp; last paragraph.</p>");
    ck_assert_str_eq(a.summary, "Line one line <two> Second & last paragraph.");
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(links_and_base)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.title, "T", ND_TEXT_PLAIN);
    set_text(&e.content, "<a href=\"rel\">r</a>", ND_TEXT_HTML);
    e.link = xstrdup("https://example.org/posts/1");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.content_html,
                     "<a href=\"https://example.org/posts/rel\" rel=\"noopener noreferrer\">r</a>");
    nd_article_free(&a);
    e.base = xstrdup("https://cdn.example.net/base/");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.content_html, "<a href=\"https://cdn.example.net/base/rel\" "
                                     "rel=\"noopener noreferrer\">r</a>");
    nd_article_free(&a);
    /* a link that is not http(s): no url */
    free(e.link);
    e.link = xstrdup("javascript:alert(1)");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_ptr_null(a.url);
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(enclosures_image_language)
{
    struct nd_entry e;
    struct nd_article a;
    struct nd_clean_ctx noctx = {"", NULL, 5};

    entry_init(&e);
    set_text(&e.title, "T", ND_TEXT_PLAIN);
    set_text(&e.content, "<img src=p.gif width=1 height=1><img src=\"/lead.jpg\">", ND_TEXT_HTML);
    e.link = xstrdup("https://example.org/1");
    nd_entry_add_enclosure(&e, "https://example.org/a.mp3", "audio/mpeg", 123);
    nd_entry_add_enclosure(&e, "ftp://example.org/a.mp3", "audio/mpeg", 1);
    nd_entry_add_enclosure(&e, "http://example.org/b.ogg", NULL, -1);
    e.image = xstrdup("data:image/png;base64,AAAA");
    ck_assert_int_eq(nd_clean_entry(&e, &noctx, &a), ND_OK);
    ck_assert_uint_eq(a.n_enclosures, 2);
    ck_assert_str_eq(a.enclosures[0].url, "https://example.org/a.mp3");
    ck_assert_str_eq(a.enclosures[0].type, "audio/mpeg");
    ck_assert_int_eq(a.enclosures[0].length, 123);
    ck_assert_ptr_null(a.enclosures[1].type);
    ck_assert_int_eq(a.enclosures[1].length, -1);
    ck_assert_str_eq(a.image, "https://example.org/lead.jpg"); /* not the pixel */
    ck_assert_ptr_null(a.language);
    ck_assert_int_eq(a.fetched, 5);
    nd_article_free(&a);

    free(e.image);
    e.image = xstrdup("https://example.org/thumb.jpg");
    e.language = xstrdup("de");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.image, "https://example.org/thumb.jpg");
    ck_assert_str_eq(a.language, "de");
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

START_TEST(fingerprints_filled)
{
    struct nd_entry e;
    struct nd_article a, b;
    const char *body = "<p>The regional court ruled on Thursday that the new airport runway "
                       "may be built, rejecting an appeal by residents and environmental "
                       "groups.</p>";

    entry_init(&e);
    set_text(&e.title, "Court clears runway", ND_TEXT_PLAIN);
    set_text(&e.content, body, ND_TEXT_HTML);
    e.link = xstrdup("https://one.example/a?utm_source=x");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    free(e.link);
    e.link = xstrdup("https://two.example/b");
    set_text(&e.content,
             "<div class=x><p>The regional court ruled on <b>Thursday</b> that the new airport "
             "runway may be built, rejecting an appeal by residents and environmental "
             "groups.</p></div>",
             ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &b), ND_OK);
    ck_assert_str_eq(a.content_text, b.content_text); /* what the dedupe fingerprints read */
    ck_assert_str_ne(a.id, b.id);
    nd_article_free(&a);
    nd_article_free(&b);

    nd_entry_free(&e);
}
END_TEST

START_TEST(nothing_to_publish)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_EINVAL);
    nd_article_free(&a);
    set_text(&e.title, "  ", ND_TEXT_PLAIN);
    set_text(&e.content, "<script>only()</script>", ND_TEXT_HTML);
    e.authors.n = 0;
    nd_strv_push(&e.authors, "Only an author");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_EINVAL);
    ck_assert_ptr_nonnull(a.title);
    ck_assert_ptr_nonnull(a.content_html);
    ck_assert_str_eq(a.skipped, "only an author: no title, link, guid, text, image or enclosure");
    nd_article_free(&a);
    /* any link the feed gives makes an article, even one that is not http(s) */
    e.link = xstrdup("mailto:x@example.org");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_ptr_null(a.skipped);
    nd_article_free(&a);
    free(e.link);
    e.link = NULL;
    /* an enclosure alone, an image alone */
    nd_entry_add_enclosure(&e, "https://example.org/1.mp3", "audio/mpeg", 10);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    nd_article_free(&a);
    e.guid = xstrdup("g");
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    nd_article_free(&a);
    nd_article_free(&a); /* freed articles are empty */
    nd_article_free(NULL);
    nd_entry_free(&e);
}
END_TEST

START_TEST(invalid_utf8_and_controls)
{
    struct nd_entry e;
    struct nd_article a;

    entry_init(&e);
    set_text(&e.title, "Bad \xFF byte\x01 and\xC2\x85 C1", ND_TEXT_PLAIN);
    set_text(&e.content, "<p>x\xC3</p>", ND_TEXT_HTML);
    ck_assert_int_eq(nd_clean_entry(&e, &ctx, &a), ND_OK);
    ck_assert_str_eq(a.title, "Bad \xEF\xBF\xBD byte and\xE2\x80\xA6 C1"); /* C1 0x85: "…" */
    ck_assert(nd_utf8_valid(a.content_html, strlen(a.content_html)));
    ck_assert(nd_utf8_valid(a.content_text, strlen(a.content_text)));
    nd_article_free(&a);
    nd_entry_free(&e);
}
END_TEST

static Suite *clean_suite(void)
{
    Suite *s = suite_create("clean");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, rss_item);
    tcase_add_test(tc, id_is_stable);
    tcase_add_test(tc, id_from_guid_then_text);
    tcase_add_test(tc, content_and_summary);
    tcase_add_test(tc, summary_truncated);
    tcase_add_test(tc, title_fallback);
    tcase_add_test(tc, plain_text);
    tcase_add_test(tc, links_and_base);
    tcase_add_test(tc, enclosures_image_language);
    tcase_add_test(tc, fingerprints_filled);
    tcase_add_test(tc, nothing_to_publish);
    tcase_add_test(tc, invalid_utf8_and_controls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(clean_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
