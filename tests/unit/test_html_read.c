/*
 * test_html_read.c: the fast reader of plain fragments (src/html_read.c)
 * against libxml2's HTML parser: the sanitizer's output must be the same
 * byte for byte either way, on hand-picked fragments and on random ones
 * made of the pieces feeds are made of.  The reader must take plain
 * fragments on (or it buys nothing) and leave broken ones to libxml2.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_read.h"
#include "newsd/html.h"
#include "newsd/text.h"
#include "testutil.h"

#define BASE "https://example.org/news/a.html"

/* Counts the events nd_html_read() delivers. */
static int events;

static void count_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    (void)ud, (void)name, (void)atts;
    events++;
}

static void count_end(void *ud, const xmlChar *name)
{
    (void)ud, (void)name;
    events++;
}

static void count_chars(void *ud, const xmlChar *s, int len)
{
    (void)ud, (void)s, (void)len;
    events++;
}

static int reads(const char *html)
{
    htmlSAXHandler sax;

    memset(&sax, 0, sizeof(sax));
    sax.startElement = count_start;
    sax.endElement = count_end;
    sax.characters = count_chars;
    sax.ignorableWhitespace = count_chars;
    sax.cdataBlock = count_chars;
    events = 0;
    return nd_html_read(html, strlen(html), &sax, NULL);
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The fragment gives the same sanitized HTML, text and image with the reader and without. */
static void check_same(const char *html, size_t len)
{
    struct nd_html_out fast, slow;

    nd_html_read_use(1);
    ck_assert_int_eq(nd_html_clean(html, len, BASE, &fast), ND_OK);
    nd_html_read_use(0);
    ck_assert_int_eq(nd_html_clean(html, len, BASE, &slow), ND_OK);
    nd_html_read_use(1);
    ck_assert_msg(same(fast.html, slow.html), "html of [%.*s]:\n  fast [%s]\n  libxml2 [%s]",
                  (int)len, html, fast.html, slow.html);
    ck_assert_msg(same(fast.text, slow.text), "text of [%.*s]:\n  fast [%s]\n  libxml2 [%s]",
                  (int)len, html, fast.text, slow.text);
    ck_assert_msg(same(fast.image, slow.image), "image of [%.*s]", (int)len, html);
    ck_assert_int_eq(fast.truncated, slow.truncated);
    nd_html_out_free(&fast);
    nd_html_out_free(&slow);
}

static const char *const fragments[] = {
    "<p>One <b>bold</b> and <i>it</i>.</p><p>Two</p>",
    "<p>unclosed<p>second<p>third",
    "<ul><li>a<li>b<li>c</ul>after",
    "<table><tr><td>1<td>2<tr><td>3</table>",
    "<div><p>x</div>y</p>z",
    "<a href=\"/rel?utm_source=x&amp;id=2\">link</a> <a href='#f'>f</a>",
    "<img src=\"pic.jpg\" alt=\"A &amp; B\"><br/><hr>",
    "<img src=a.png width=1 height=1><img src=\"b.png\" srcset=\"b2.png 2x, b3.png 3x\">",
    "<p title=\"one\" title=\"two\" class=x>dup attributes</p>",
    "<script>var x = '<p>'; if (a < b) {}</script>text<style>p { color: red }</style>",
    "<!-- a comment --><p>after comment</p>",
    "AT&amp;T &lt;tag&gt; &eacute;&nbsp;&#233;&#xE9; &#x1F600; &copy;2026",
    "&amp &notanentity; &#0; &#xD800; &#99999999;",
    "<pre>  keep\n  this\tspace </pre> and   collapse\n\n  this",
    "<blockquote><p>quoted<br>line</p></blockquote><h2>Head</h2>",
    "<iframe src=\"https://www.youtube.com/embed/x\"></iframe><video src=v.mp4></video>",
    "<b><i>misnested</b></i> text",
    "</p>stray end<p>x</p></div>",
    "<P CLASS=\"Upper\">Upper case <BR> tags</P>",
    "<p>a < b and c > d</p>",
    "<p>unterminated <b",
    "<p data-x=\"1\" onclick=\"evil()\" style=\"x\">attrs</p>",
    "<form><input type=text value=\"v\"><button>b</button></form>",
    "<dl><dt>t<dd>d<dt>t2<dd>d2</dl>",
    "<select><option>a<option>b</select>",
    "<svg><circle r=\"1\"/></svg><math><mi>x</mi></math>",
    "<p>\r\nwindows\r\nlines</p>",
    "<html><head><title>t</title></head><body><p>doc</p></body></html>",
    "<!DOCTYPE html><p>doctype</p>",
    "<?xml version=\"1.0\"?><p>pi</p>",
    "<![CDATA[cdata]]><p>x</p>",
    "<p>\xEF\xBF\xBEnon\xEF\xBF\xBF"
    "characters</p>",
    "<figure><img src=f.jpg><figcaption>cap</figcaption></figure>",
    "<a href=javascript:alert(1)>js</a><a href=\"mailto:x@y\">mail</a>",
    "<p>text with a very long word " /* a text node beyond 1,000 bytes */
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    " &amp; end</p>",
};

START_TEST(same_as_libxml2)
{
    if (!nd_html_read_enabled())
        return; /* another libxml2 release: the reader is off, libxml2 does it all */
    for (size_t i = 0; i < sizeof(fragments) / sizeof(fragments[0]); i++)
        check_same(fragments[i], strlen(fragments[i]));
}
END_TEST

/* Random fragments of the pieces feeds are made of, well-formed or not. */
START_TEST(random_same_as_libxml2)
{
    /* clang-format off */
    static const char *const pieces[] = {
        "<p>", "</p>", "<b>", "</b>", "<i>", "</i>", "<a href=\"x/y?utm_medium=1\">", "</a>",
        "<li>", "</li>", "<ul>", "</ul>", "<div class=\"c\">", "</div>", "<br>", "<br/>",
        "<img src=\"i.png\">", "<table>", "<tr>", "<td>", "</td>", "</table>", "<h1>", "</h1>",
        "<script>s</script>", "<style>x</style>", "<!-- c -->", "<em>", "</em>", "<span>",
        "</span>", "<pre>", "</pre>", "<blockquote>", "</blockquote>", "<dt>", "<dd>", "<option>",
        "<select>", "<font size=2>", "<center>", "<u>", "text ", "more\ntext", "  ", "&amp;",
        "&eacute;", "&#8217;", "&#x2014;", "&nbsp;", "&bogus;", "& ", "<", ">", "\xC3\xA9",
        "\xE2\x80\x9C", "\t", "<p", "=\"", "</", "<x-custom>", "</x-custom>",
    };
    /* clang-format on */
    uint64_t x = 0x2545F4914F6CDD1DULL;
    char in[2048];

    if (!nd_html_read_enabled())
        return;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0, want;

        want = 1 + tu_next(&x) % 40;
        in[0] = '\0';
        for (size_t k = 0; k < want && tu_append(in, sizeof(in), &n, TU_PICK(pieces, &x)); k++)
            ;
        check_same(in, n);
    }
}
END_TEST

START_TEST(takes_plain_fragments)
{
    if (!nd_html_read_enabled())
        return;
    ck_assert_int_eq(reads("<p>One <b>bold</b> &amp; <a href=\"/x\">link</a></p><p>two"), 0);
    ck_assert_int_gt(events, 8);
    ck_assert_int_eq(reads("<ul><li>a<li>b</ul><img src=\"x.png\"><br/>"), 0);
    ck_assert_int_eq(reads("plain text only"), 0);
}
END_TEST

START_TEST(leaves_recovery_to_libxml2)
{
    if (!nd_html_read_enabled())
        return;
    ck_assert_int_eq(reads("<p>a < b</p>"), -1);
    ck_assert_int_eq(reads("<p>unterminated <b"), -1);
    ck_assert_int_eq(reads("<!DOCTYPE html><p>x</p>"), -1);
    ck_assert_int_eq(reads("<html><body>x</body></html>"), -1);
    ck_assert_int_eq(reads("<script>never closed"), -1);
}
END_TEST

START_TEST(off_when_asked)
{
    nd_html_read_use(0);
    ck_assert_int_eq(nd_html_read_enabled(), 0);
    nd_html_read_use(1);
}
END_TEST

static Suite *html_read_suite(void)
{
    Suite *s = suite_create("html_read");
    TCase *tc = tcase_create("reader");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, same_as_libxml2);
    tcase_add_test(tc, random_same_as_libxml2);
    tcase_add_test(tc, takes_plain_fragments);
    tcase_add_test(tc, leaves_recovery_to_libxml2);
    tcase_add_test(tc, off_when_asked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(html_read_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
