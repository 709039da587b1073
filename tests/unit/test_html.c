/*
 * test_html.c: the sanitizer (allowlist, attributes, URLs, pixels, broken
 * markup) and HTML-to-text.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/html.h"
#include "newsd/text.h"
#include "testutil.h"

#define BASE "https://example.org/news/item.html"

static void check_html(const char *in, const char *base, const char *want_html,
                       const char *want_text)
{
    struct nd_html_out o;

    ck_assert_int_eq(nd_html_clean(in, strlen(in), base, &o), ND_OK);
    ck_assert_msg(strcmp(o.html, want_html) == 0, "html of\n  %s\nis\n  %s\nnot\n  %s", in, o.html,
                  want_html);
    if (want_text)
        ck_assert_msg(strcmp(o.text, want_text) == 0, "text of\n  %s\nis\n  [%s]\nnot\n  [%s]", in,
                      o.text, want_text);
    ck_assert(nd_utf8_valid(o.html, strlen(o.html)));
    ck_assert(nd_utf8_valid(o.text, strlen(o.text)));
    nd_html_out_free(&o);
}

#define SAN(in, want)            check_html(in, BASE, want, NULL)
#define SAN_TEXT(in, want, text) check_html(in, BASE, want, text)

static void check_text(const char *in, unsigned flags, const char *want)
{
    char *t = nd_html_to_text(in, strlen(in), flags);

    ck_assert_msg(strcmp(t, want) == 0, "text of %s is [%s] not [%s]", in, t, want);
    free(t);
}

/* ---- allowlist -------------------------------------------------------------- */

START_TEST(keeps_structure)
{
    SAN("<p>a</p>", "<p>a</p>");
    SAN("text only", "text only");
    SAN("<h1>T</h1><h2>a</h2><h6>b</h6>", "<h1>T</h1><h2>a</h2><h6>b</h6>");
    SAN("<ul><li>one<li>two</ul>", "<ul><li>one</li><li>two</li></ul>");
    SAN("<ol start=3 type=a><li>x</ol>", "<ol start=\"3\"><li>x</li></ol>");
    SAN("<dl><dt>T<dd>D</dl>", "<dl><dt>T</dt><dd>D</dd></dl>");
    SAN("<blockquote cite=\"http://x\">q</blockquote>", "<blockquote>q</blockquote>");
    SAN("<pre><code>x = 1;</code></pre>", "<pre><code>x = 1;</code></pre>");
    SAN("<em>e</em><strong>s</strong><b>b</b><i>i</i><u>u</u><s>s</s><sub>1</sub><sup>2</sup>"
        "<small>m</small><mark>k</mark><cite>c</cite><q>q</q><del>d</del><ins>n</ins>",
        "<em>e</em><strong>s</strong><b>b</b><i>i</i><u>u</u><s>s</s><sub>1</sub><sup>2</sup>"
        "<small>m</small><mark>k</mark><cite>c</cite><q>q</q><del>d</del><ins>n</ins>");
    SAN("<abbr title=\"World Health Organization\" class=z>WHO</abbr>",
        "<abbr title=\"World Health Organization\">WHO</abbr>");
    SAN("<time datetime=\"2020-01-01\">Jan</time>", "<time datetime=\"2020-01-01\">Jan</time>");
    SAN("a<br>b<hr>c<wbr>d", "a<br>b<hr>c<wbr>d");
    SAN("<figure><img src=a.jpg><figcaption>Cap</figcaption></figure>",
        "<figure><img src=\"https://example.org/news/a.jpg\" loading=\"lazy\">"
        "<figcaption>Cap</figcaption></figure>");
    SAN("<table><caption>C</caption><thead><tr><th colspan=2 rowspan=x>H</th></tr></thead>"
        "<tbody><tr><td>1<td rowspan=\"2\">2</tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
        "<table><caption>C</caption><thead><tr><th colspan=\"2\">H</th></tr></thead>"
        "<tbody><tr><td>1</td><td rowspan=\"2\">2</td></tr></tbody><tfoot><tr><td>f</td></tr>"
        "</tfoot></table>");
    SAN("<div id=x class=y>d</div>", "<div>d</div>");
    SAN("<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
        "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>");
}
END_TEST

START_TEST(unwraps_unknown)
{
    SAN("<span style=\"x\">s</span>", "s");
    SAN("<h7>x</h7><custom-el>c</custom-el><font color=red>f</font>", "xc"
                                                                      "f");
    SAN("<section><article><header>h</header>body</article></section>", "hbody");
    SAN("<center>c</center><big>b</big><tt>t</tt>", "cbt");
    SAN("<details><summary>S</summary>D</details>", "SD");
    SAN("<html><head><title>T</title></head><body class=x>B</body></html>", "B");
}
END_TEST

START_TEST(drops_with_content)
{
    static const char *const dropped[] = {
        "<script>alert(1)</script>",
        "<script src=x></script>",
        "<style>p{color:red}</style>",
        "<form action=x>f<input>g</form>",
        "<button>b</button>",
        "<textarea>t</textarea>",
        "<select><option>o</select>",
        "<template><p>t</p></template>",
        "<svg onload=alert(1)><script>x</script></svg>",
        "<svg><style>svg{}</style></svg>",
        "<iframe src=\"https://evil.example/\">fb</iframe>",
        "<noembed>n</noembed>",
        "<noframes>n</noframes>",
        "<title>t</title>",
        "<head><title>t</title></head>",
        "<dialog>d</dialog>",
        "<map><area href=x></map>",
        "<!-- comment -->",
        "<!--[if IE]><script>y</script><![endif]-->",
        "<?php echo 1; ?>",
    };
    char in[256];

    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
        snprintf(in, sizeof(in), "a%sz", dropped[i]);
        SAN_TEXT(in, "az", "az");
    }
}
END_TEST

/* What a reader without scripts and plugins shows: the fallback content, as text. */
START_TEST(keeps_fallback_content)
{
    SAN_TEXT("a<object data=x.swf><param name=movie value=x.swf>Fallback <b>text</b></object>z",
             "aFallback <b>text</b>z", "aFallback textz");
    SAN_TEXT("a<applet code=x.class>Applet fallback</applet>z", "aApplet fallbackz",
             "aApplet fallbackz");
    SAN_TEXT("a<embed src=x.swf>after embed", "aafter embed", "aafter embed");
    SAN_TEXT("<p>a<noscript>Enable scripts, or read on</noscript>b</p>",
             "<p>aEnable scripts, or read onb</p>", "aEnable scripts, or read onb");
    /* an unclosed noscript hides nothing */
    SAN_TEXT("<p>a</p><noscript><p>b</p><p>c</p>", "<p>a</p><p>b</p><p>c</p>", "a\n\nb\n\nc");
    SAN_TEXT("a<canvas>Canvas fallback</canvas>", "aCanvas fallback", "aCanvas fallback");
    /* the lazy-loading pattern: the noscript copy of the image is not shown twice */
    SAN("<img data-src=\"p.jpg\"><noscript><img src=\"p.jpg\"></noscript>",
        "<img src=\"https://example.org/news/p.jpg\" loading=\"lazy\">");
}
END_TEST

/* MathML and SVG: their text is kept, their elements are not; their style and script go. */
START_TEST(math_and_svg_text)
{
    SAN_TEXT("a<math><mi>x</mi><mo>+</mo><mn>1</mn></math>z", "ax+1z", "ax+1z");
    SAN_TEXT("<svg width=10><title>T</title><text x=1>Label</text></svg>after", "Labelafter",
             "Labelafter");
    /* in math, <style> is no style sheet: it does not swallow what follows */
    SAN_TEXT("<math><style>x</math><p>after</p>", "<p>after</p>", "after");
    SAN_TEXT("<math><mi>a</mi><style>unclosed", "a", "a");
    /* a <p> leaves svg content */
    SAN_TEXT("<svg><text>in<p>out</p>", "in<p>out</p>", "in\n\nout");
    SAN_TEXT("<svg><![CDATA[cdata text]]></svg>", "cdata text", "cdata text");
    SAN("<svg><a href=\"javascript:x\">l</a><script>alert(1)</script></svg>", "l");
}
END_TEST

/* A block cuts the inline elements open in a paragraph short; the formatting ones go on in it. */
START_TEST(blocks_in_paragraphs)
{
    SAN("<p><a href=\"/x\"><h2>Title</h2></a></p>",
        "<h2><a href=\"https://example.org/x\" rel=\"noopener noreferrer\">Title</a></h2>");
    SAN("<p>a <b>bold <div>block</div> after</b></p>",
        "<p>a <b>bold </b></p><div><b>block</b></div> after");
    SAN("<p><i>x</i></p><p><b>", "<p><i>x</i></p>"); /* empty: not written */
    SAN("<p><b>a<hr>b</b>", "<p><b>a</b></p><hr><b>b</b>");
    SAN("<p><span>a<ul><li>b</ul>c", "<p>a</p><ul><li>b</li></ul>c");
    /* an iframe or script written as XML's empty element ends there */
    SAN_TEXT("a<iframe src=\"https://evil.example/\" />b<script src=x />c", "abc", "abc");
}
END_TEST

/* Comments: broken ones do not swallow the text after them. */
START_TEST(comments)
{
    SAN_TEXT("a<!-- c -->b", "ab", "ab");
    SAN_TEXT("a<!-- c -- >b", "ab", "ab");
    SAN_TEXT("a<!-- c --!>b", "ab", "ab");
    SAN_TEXT("a<!-- c --->b", "ab", "ab");
    SAN_TEXT("a<!-->b", "ab", "ab");
    SAN_TEXT("a<!--->b", "ab", "ab");
    SAN_TEXT("a<!-- never closed> b", "a b", "a b");
    SAN_TEXT("a<!-- never closed at all", "a", "a");
    SAN_TEXT("a<!-- <!-- nested --> b -->c", "a b --&gt;c", "a b -->c");
    SAN_TEXT("a<!-- x -- y -->b", "ab", "ab");
    SAN_TEXT("a<!DOCTYPE html>b<?php x ?>c</ x>d", "abcd", "abcd");
    SAN_TEXT("a<![CDATA[<b>not a tag</b>]]>z", "a&lt;b&gt;not a tag&lt;/b&gt;z",
             "a<b>not a tag</b>z");
}
END_TEST

START_TEST(drops_void)
{
    SAN("a<embed src=x>b", "ab");
    SAN("a<input value=x>b", "ab");
    SAN("a<meta http-equiv=refresh content=\"0;url=http://evil\">b", "ab");
    SAN("a<link rel=stylesheet href=x>b", "ab");
    SAN("<base href=\"http://evil.example/\"><a href=\"x\">x</a>",
        "<a href=\"https://example.org/news/x\" rel=\"noopener noreferrer\">x</a>");
    /* libxml2 does not know <track>: what follows must survive it */
    SAN("<video><track src=t.vtt><source src=v.mp4>fallback</video>after",
        "<video controls=\"\" preload=\"none\"><source src=\"https://example.org/news/v.mp4\">"
        "fallback</video>after");
}
END_TEST

START_TEST(drops_attributes)
{
    SAN("<p class=x style=\"color:red\" id=i onclick=\"evil()\" title=t>a</p>", "<p>a</p>");
    SAN("<img src=x.png onerror=\"alert(1)\" style=a class=b id=c>",
        "<img src=\"https://example.org/news/x.png\" loading=\"lazy\">");
    SAN("<a href=x onmouseover=y target=_self rel=opener>l</a>",
        "<a href=\"https://example.org/news/x\" rel=\"noopener noreferrer\">l</a>");
    SAN("<td bgcolor=red>x</td>", "<td>x</td>");
    SAN("<img src=x width=\"100%\" height=\"12px\">",
        "<img src=\"https://example.org/news/x\" height=\"12\" loading=\"lazy\">");
}
END_TEST

/* ---- URLs -------------------------------------------------------------------- */

START_TEST(link_schemes)
{
    SAN("<a href=\"javascript:alert(1)\">1</a>", "1");
    SAN("<a href=\"  javascript:alert(1)\">1</a>", "1");
    SAN("<a href=\"JaVaScRiPt:alert(1)\">1</a>", "1");
    SAN("<a href=\"jav&#x09;ascript:alert(1)\">2</a>", "2");
    SAN("<a href=\"&#106;avascript:alert(1)\">3</a>", "3");
    SAN("<a href=\"vbscript:x\">4</a>", "4");
    SAN("<a href=\"data:text/html,x\">5</a>", "5");
    SAN("<a href=\"ftp://x.example/\">6</a>", "6");
    SAN("<a href=\"tel:123\">7</a>", "7");
    SAN("<a>no href</a>", "no href");
    SAN("<a href=\"mailto:me@example.org\">m</a>",
        "<a href=\"mailto:me@example.org\" rel=\"noopener noreferrer\">m</a>");
    SAN("<a href=\"HTTPS://Example.org/A\">h</a>",
        "<a href=\"https://example.org/A\" rel=\"noopener noreferrer\">h</a>");
}
END_TEST

START_TEST(relative_urls)
{
    SAN("<a href=\"../a?x=1&amp;utm_source=rss&amp;y=2#c\">l</a>",
        "<a href=\"https://example.org/a?x=1&amp;y=2#c\" rel=\"noopener noreferrer\">l</a>");
    SAN("<a href=\"#fn1\">fn</a>",
        "<a href=\"https://example.org/news/item.html#fn1\" rel=\"noopener noreferrer\">fn</a>");
    SAN("<img src=\"/img/a b.png\">",
        "<img src=\"https://example.org/img/a%20b.png\" loading=\"lazy\">");
    SAN("<img src=\"//cdn.example.net/a.png\">",
        "<img src=\"https://cdn.example.net/a.png\" loading=\"lazy\">");
    SAN("<video src=v.mp4 poster=\"javascript:x\" width=640 autoplay loop>x</video>",
        "<video src=\"https://example.org/news/v.mp4\" width=\"640\" controls=\"\" "
        "preload=\"none\">x</video>");
    /* without a base, relative URLs cannot be kept; protocol-relative ones are https */
    check_html("<a href=\"/x\">x</a><img src=\"a.png\"><img src=\"//cdn.example.net/b.png\">", NULL,
               "x<img src=\"https://cdn.example.net/b.png\" loading=\"lazy\">", NULL);
}
END_TEST

START_TEST(srcset)
{
    SAN("<img src=a.jpg srcset=\"a-300.jpg 300w, a-600.jpg 600w, javascript:x 2x, b.jpg bogus\" "
        "sizes=\"(max-width: 600px) 100vw\">",
        "<img src=\"https://example.org/news/a.jpg\" srcset=\"https://example.org/news/a-300.jpg "
        "300w, https://example.org/news/a-600.jpg 600w\" sizes=\"(max-width: 600px) 100vw\" "
        "loading=\"lazy\">");
    SAN("<img srcset=\"a.jpg, b.jpg 1.5x\">",
        "<img src=\"https://example.org/news/a.jpg\" srcset=\"https://example.org/news/a.jpg, "
        "https://example.org/news/b.jpg 1.5x\" loading=\"lazy\">");
    SAN("<img srcset=\"javascript:x 1x\">", "");
    SAN("<picture><source srcset=\"a.webp 1x,a2.webp 2x\" type=\"image/webp\">"
        "<source srcset=\"javascript:x\"><img src=\"a.jpg\"></picture>",
        "<picture><source srcset=\"https://example.org/news/a.webp 1x, "
        "https://example.org/news/a2.webp 2x\" type=\"image/webp\">"
        "<img src=\"https://example.org/news/a.jpg\" loading=\"lazy\"></picture>");
}
END_TEST

START_TEST(images)
{
    SAN("<img src=\"javascript:alert(1)\">", "");
    SAN("<img src=\"data:image/png;base64,AAAA\">", "");
    SAN("<img>", "");
    SAN("<img src=\"x:alert(1)\">", "");
    /* lazy-loading placeholders */
    SAN("<img data-src=\"/lazy.jpg\" src=\"data:image/gif;base64,R0l\">",
        "<img src=\"https://example.org/lazy.jpg\" loading=\"lazy\">");
    SAN("<img data-lazy-src=\"l.jpg\">", "<img src=\"https://example.org/news/l.jpg\" "
                                         "loading=\"lazy\">");
    SAN("<img src=x alt=\"a&quot;b<c>&amp;\" title=\"  t  \">",
        "<img src=\"https://example.org/news/x\" alt=\"a&quot;b&lt;c&gt;&amp;\" title=\"t\" "
        "loading=\"lazy\">");
    SAN("<img src=x alt=\"\">", "<img src=\"https://example.org/news/x\" alt=\"\" "
                                "loading=\"lazy\">");
    SAN("<img src=\"http://example.org/a.jpg?utm_source=x&amp;w=1\">",
        "<img src=\"http://example.org/a.jpg?w=1\" loading=\"lazy\">");
}
END_TEST

START_TEST(pixels)
{
    SAN("a<img src=p.gif width=1 height=1>b", "ab");
    SAN("a<img src=p.gif width=\"0\" height=\"0\">b", "ab");
    SAN("a<img src=p.gif width=\"1px\" height=\"1\">b", "ab");
    SAN("a<img src=\"https://pixel.wp.com/g.gif?x=1\">b", "ab");
    SAN("a<img src=\"http://feeds.feedburner.com/~r/foo/~4/bar\">b", "ab");
    SAN("a<img src=\"https://stats.wordpress.com/b.gif\">b", "ab");
    SAN("a<img src=\"https://www.google-analytics.com/collect?x\">b", "ab");
    SAN("<a href=\"http://feeds.feedburner.com/~ff/X?a=1\"><img "
        "src=\"http://feeds.feedburner.com/~ff/X?d=2\"></a>ok",
        "ok");
    SAN("<p>See <a href=\"http://feeds.feedburner.com/~r/Blog/~3/xyz/story.html\">this story</a>"
        "</p>",
        "<p>See this story</p>");
    /* one dimension of 1 is a thin rule, not a pixel */
    SAN("<img src=r.gif width=1>",
        "<img src=\"https://example.org/news/r.gif\" width=\"1\" loading=\"lazy\">");
    SAN("<img src=\"https://feeds.feedburner.com/images/logo.png\">",
        "<img src=\"https://feeds.feedburner.com/images/logo.png\" loading=\"lazy\">");
}
END_TEST

START_TEST(first_image)
{
    struct nd_html_out o;
    const char *in = "<img src=p.gif width=1 height=1><p>x<img src=\"javascript:x\">"
                     "<img src=\"/a.jpg\"><img src=\"/b.jpg\"></p>";

    ck_assert_int_eq(nd_html_clean(in, strlen(in), BASE, &o), ND_OK);
    ck_assert_str_eq(o.image, "https://example.org/a.jpg");
    nd_html_out_free(&o);
    ck_assert_int_eq(nd_html_clean("<p>none</p>", 11, BASE, &o), ND_OK);
    ck_assert_ptr_null(o.image);
    nd_html_out_free(&o);
}
END_TEST

START_TEST(iframes)
{
    const char *sandbox = " sandbox=\"allow-scripts allow-same-origin allow-popups "
                          "allow-popups-to-escape-sandbox\" loading=\"lazy\"></iframe>";
    char want[512];

    snprintf(want, sizeof(want),
             "<iframe src=\"https://www.youtube.com/embed/xyz\" width=\"560\" height=\"315\" "
             "allowfullscreen=\"\"%s",
             sandbox);
    SAN("<iframe src=\"https://www.youtube.com/embed/xyz\" width=560 height=315 allowfullscreen "
        "frameborder=0 onload=x>fallback</iframe>",
        want);
    snprintf(want, sizeof(want), "<iframe src=\"https://player.vimeo.com/video/1\"%s", sandbox);
    SAN("<iframe src=\"http://player.vimeo.com/video/1\"></iframe>", want);
    snprintf(want, sizeof(want), "<iframe src=\"https://www.youtube.com/embed/a?rel=0\"%s",
             sandbox);
    SAN("<iframe src=\"//www.youtube.com/embed/a?rel=0\"></iframe>", want);
    SAN("<iframe src=\"https://www.youtube.com.evil.example/\"></iframe>", "");
    SAN("<iframe src=\"https://user@www.youtube.com/\"></iframe>", "");
    SAN("<iframe srcdoc=\"<script>x</script>\"></iframe>", "");
    SAN("<p>before<iframe src=\"https://evil.example\">fb</iframe>after</p>", "<p>beforeafter</p>");
}
END_TEST

START_TEST(media)
{
    SAN_TEXT("<video src=\"v.mp4\" poster=\"p.jpg\" autoplay width=640>Your browser <b>cannot</b>"
             "</video>",
             "<video src=\"https://example.org/news/v.mp4\" width=\"640\" "
             "poster=\"https://example.org/news/p.jpg\" controls=\"\" preload=\"none\">"
             "Your browser <b>cannot</b></video>",
             "");
    SAN("<audio src=\"javascript:x\" controls><source src=\"a.mp3\" type=\"audio/mpeg\">"
        "fb</audio>",
        "<audio controls=\"\" preload=\"none\"><source src=\"https://example.org/news/a.mp3\" "
        "type=\"audio/mpeg\">fb</audio>");
    SAN("<source src=\"javascript:x\">x", "x");
}
END_TEST

/* ---- text, escaping, broken markup ------------------------------------------- */

START_TEST(entities_and_escaping)
{
    SAN_TEXT("<p>Fish &amp; chips &lt;3 &copy; &#8364; &bogus; a&nbsp;b &quot;q&quot;</p>",
             "<p>Fish &amp; chips &lt;3 \xC2\xA9 \xE2\x82\xAC &amp;bogus; a\xC2\xA0"
             "b \"q\"</p>",
             "Fish & chips <3 \xC2\xA9 \xE2\x82\xAC &bogus; a b \"q\"");
    SAN("a > b", "a &gt; b");
    SAN("e&#x301; caf&#233;", "\xC3\xA9 caf\xC3\xA9"); /* NFC */
    SAN("ctl\x01\x7f\xC2\x81 x", "ctl x");
    SAN("c1\xC2\x85 x", "c1\xE2\x80\xA6 x"); /* windows-1252 read as ISO-8859-1 */
    SAN("<p>bad \xFF byte</p>", "<p>bad \xEF\xBF\xBD byte</p>");
    SAN("<meta charset=\"iso-8859-1\">\xC3\xA9", "\xC3\xA9"); /* the input is UTF-8, always */
}
END_TEST

START_TEST(whitespace)
{
    SAN_TEXT("<p>a   \n\n  b</p>\n\n\n<p>c</p>", "<p>a\nb</p>\n<p>c</p>", "a b\n\nc");
    SAN_TEXT("  <p> a </p>  ", "<p> a </p>", "a");
    SAN_TEXT("<pre>  a\n    b\n\n\n\nc  </pre>x", "<pre>  a\n    b\n\n\n\nc  </pre>x",
             "a\n    b\n\nc\n\nx");
    SAN_TEXT("<p>Up<br>per<br><br><br>x</p>", "<p>Up<br>per<br><br><br>x</p>", "Up\nper\n\nx");
    SAN_TEXT("<ul><li>one</li><li>two</li></ul><p>after</p>",
             "<ul><li>one</li><li>two</li></ul><p>after</p>", "one\ntwo\n\nafter");
    SAN_TEXT("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>",
             "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3");
    SAN_TEXT("<div><p>a</p></div><div>b<blockquote>q</blockquote>c</div>",
             "<div><p>a</p></div><div>b<blockquote>q</blockquote>c</div>", "a\n\nb\n\nq\n\nc");
}
END_TEST

START_TEST(broken_markup)
{
    SAN("<b><i>unclosed", "<b><i>unclosed</i></b>");
    SAN("</p></div>stray</b>", "stray");
    SAN("<p title=\"x\">a<p>b", "<p>a</p><p>b</p>");
    SAN("<b>bold <i>both</b> italic</i>", "<b>bold <i>both</i></b> italic");
    SAN("<p>a <a href=x>link <b>bold</p> after", "<p>a <a href=\"https://example.org/news/x\" "
                                                 "rel=\"noopener noreferrer\">link <b>bold</b></a>"
                                                 "</p> after");
    SAN("<a href=\"http://x.example/1\">l <a href=\"http://y.example/\">nested</a></a>",
        "<a href=\"http://x.example/1\" rel=\"noopener noreferrer\">l </a>"
        "<a href=\"http://y.example/\" rel=\"noopener noreferrer\">nested</a>");
    SAN("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)");
    SAN("<p <b>x", "<p>x</p>");
    SAN("<<<>>>", "&lt;&lt;&lt;&gt;&gt;&gt;");
    SAN("<img src=\"a.jpg", ""); /* a tag the fragment ends in is no tag (HTML) */
    {
        /* a NUL in a tag name (found by fuzz_html) */
        static const char nul[] = "<p>x</a\0\0\0b>y</p>";
        struct nd_html_out o;
        ck_assert_int_eq(nd_html_clean(nul, sizeof(nul) - 1, BASE, &o), ND_OK);
        ck_assert_str_eq(o.html, "<p>xy</p>");
        nd_html_out_free(&o);
    }
    SAN("a<b", "a");
    SAN("<", "&lt;");
    SAN("", "");
    SAN("</html></body>x", "x");
}
END_TEST

START_TEST(deep_nesting)
{
    size_t n = 100000;
    struct nd_buf b;
    struct nd_html_out o;

    nd_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_buf_adds(&b, i % 2 ? "<div>" : "<b>"), ND_OK);
    ck_assert_int_eq(nd_buf_adds(&b, "deep<script>x</script>"), ND_OK);
    ck_assert_int_eq(nd_html_clean(b.data, b.len, BASE, &o), ND_OK);
    ck_assert(strstr(o.html, "deep") != NULL);
    ck_assert(strstr(o.html, "script") == NULL);
    ck_assert_str_eq(o.text, "deep");
    /* balanced: as many closing tags as opening ones */
    {
        size_t opens = 0, closes = 0;
        for (const char *p = o.html; (p = strchr(p, '<')) != NULL; p++)
            p[1] == '/' ? closes++ : opens++;
        ck_assert_uint_eq(opens, closes);
        ck_assert_uint_le(opens, ND_HTML_MAX_DEPTH);
    }
    nd_html_out_free(&o);
    nd_buf_free(&b);
}
END_TEST

START_TEST(deep_dropped_nesting)
{
    struct nd_buf b;
    struct nd_html_out o;

    nd_buf_init(&b, 0);
    ck_assert_int_eq(nd_buf_adds(&b, "<p>a</p><form>"), ND_OK);
    for (size_t i = 0; i < 20000; i++)
        ck_assert_int_eq(nd_buf_adds(&b, "<g>"), ND_OK);
    ck_assert_int_eq(nd_buf_adds(&b, "hidden"), ND_OK);
    ck_assert_int_eq(nd_html_clean(b.data, b.len, BASE, &o), ND_OK);
    ck_assert_str_eq(o.html, "<p>a</p>");
    nd_html_out_free(&o);
    nd_buf_free(&b);
}
END_TEST

START_TEST(output_cap)
{
    size_t n = ND_HTML_MAX_OUT / 4 + 10;
    struct nd_buf b;
    struct nd_html_out o;

    nd_buf_init(&b, 0);
    ck_assert_int_eq(nd_buf_adds(&b, "<div><p>"), ND_OK);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_buf_adds(&b, "&lt;"), ND_OK); /* 4 in, 4 out, 1 char of text */
    ck_assert_int_eq(nd_buf_adds(&b, "<b>x</b></p></div>"), ND_OK);
    ck_assert_int_eq(nd_html_clean(b.data, b.len, BASE, &o), ND_OK);
    ck_assert(o.truncated);
    ck_assert_uint_le(strlen(o.html), ND_HTML_MAX_OUT + 64);
    ck_assert(strcmp(o.html + strlen(o.html) - 10, "</p></div>") == 0);
    nd_html_out_free(&o);
    nd_buf_free(&b);
}
END_TEST

START_TEST(nul_and_lengths)
{
    struct nd_html_out o;

    /* only len bytes are read */
    ck_assert_int_eq(nd_html_clean("<p>abc</p>trailing", 10, BASE, &o), ND_OK);
    ck_assert_str_eq(o.html, "<p>abc</p>");
    nd_html_out_free(&o);
    ck_assert_int_eq(nd_html_clean("<p>a\0b</p>", 10, BASE, &o), ND_OK);
    ck_assert(nd_utf8_valid(o.html, strlen(o.html)));
    nd_html_out_free(&o);
    ck_assert_int_eq(nd_html_clean(NULL, 0, BASE, &o), ND_OK);
    ck_assert_str_eq(o.html, "");
    nd_html_out_free(&o);
    nd_html_out_free(NULL);
}
END_TEST

START_TEST(to_text)
{
    check_text("AT&amp;T &amp; co", ND_TEXT_ONELINE, "AT&T & co");
    check_text("plain   title\n", ND_TEXT_ONELINE, "plain title");
    check_text("<b>Bold</b> title <script>x</script>", ND_TEXT_ONELINE, "Bold title");
    check_text("<p>one</p><p>two</p>", ND_TEXT_ONELINE, "one two");
    check_text("<p>one</p><p>two</p>", 0, "one\n\ntwo");
    check_text("a\n\nb", 0, "a b"); /* newlines are spaces in HTML */
    check_text("caf&eacute; &#x1F600; e&#x301;", ND_TEXT_ONELINE,
               "caf\xC3\xA9 \xF0\x9F\x98\x80 \xC3\xA9");
    check_text("&lt;b&gt;not a tag&lt;/b&gt;", ND_TEXT_ONELINE, "<b>not a tag</b>");
    check_text("x &nbsp; y\xC2\xA0z", ND_TEXT_ONELINE, "x y z");
    check_text("", ND_TEXT_ONELINE, "");
    check_text("<img src=x alt=\"alt text\">", ND_TEXT_ONELINE, "");
    check_text("<iframe src=\"https://www.youtube.com/embed/x\">fb</iframe>t", ND_TEXT_ONELINE,
               "t");
}
END_TEST

/* A summary "<p>text</p>" skips the parser: the text must be what the parser gives.
 * "<p>text</p><b></b>" has the same text and goes through the parser. */
START_TEST(paragraph_text_as_parsed)
{
    static const char *const pieces[] = {
        "a",        "Word",         " ",        "  ",       "\t",        "\n",   "\r",
        "\f",       "\x01",         "\x7f",     "&amp;",    "&lt;",      "&gt;", "&quot;",
        "&nbsp;",   "&eacute;",     "&Eacute;", "&bogus;",  "&amp",      "&",    "&#65;",
        "&#x41;",   "&#X2019;",     "&#150;",   "&#0;",     "&#;",       "&#x;", "&#1114112;",
        "&#xD800;", "&#65",         "&#9;",     "&#13;",    "&a-b;",     "&1a;", "&nbsp\xc3\xa9;",
        "\xc3\xa9", "\xe2\x80\x8b", "\xc2\x85", "\xc2\xa0", "e\xcc\x81", "\xff", "\xef\xbf\xbe",
        ">",        "]]>",          ";",        "#",        "/p",
    };
    uint64_t x = 0xD1B54A32D192ED03ULL;
    char in[300], in2[320];

    for (int round = 0; round < 20000; round++) {
        size_t n = 0, want = (size_t)(round % 12);

        memcpy(in, "<p>", 3);
        n = 3;
        for (size_t k = 0; k < want; k++)
            ck_assert(tu_append(in, sizeof(in) - 4, &n, TU_PICK(pieces, &x)));
        memcpy(in + n, "</p>", 5);
        n += 4;
        memcpy(in2, in, n);
        memcpy(in2 + n, "<b></b>", 8);
        for (unsigned flags = 0; flags <= ND_TEXT_ONELINE; flags += ND_TEXT_ONELINE) {
            char *fast = nd_html_to_text(in, n, flags),
                 *parsed = nd_html_to_text(in2, n + 7, flags);
            ck_assert_msg(strcmp(fast, parsed) == 0, "text of %s: [%s], parsed [%s]", in, fast,
                          parsed);
            free(fast);
            free(parsed);
        }
    }
}
END_TEST

static Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("sanitize");

    tcase_add_test(tc, keeps_structure);
    tcase_add_test(tc, unwraps_unknown);
    tcase_add_test(tc, drops_with_content);
    tcase_add_test(tc, drops_void);
    tcase_add_test(tc, drops_attributes);
    tcase_add_test(tc, link_schemes);
    tcase_add_test(tc, relative_urls);
    tcase_add_test(tc, srcset);
    tcase_add_test(tc, images);
    tcase_add_test(tc, pixels);
    tcase_add_test(tc, first_image);
    tcase_add_test(tc, iframes);
    tcase_add_test(tc, media);
    tcase_add_test(tc, entities_and_escaping);
    tcase_add_test(tc, whitespace);
    tcase_add_test(tc, broken_markup);
    tcase_add_test(tc, keeps_fallback_content);
    tcase_add_test(tc, math_and_svg_text);
    tcase_add_test(tc, comments);
    tcase_add_test(tc, blocks_in_paragraphs);
    tcase_add_test(tc, nul_and_lengths);
    tcase_add_test(tc, to_text);
    tcase_add_test(tc, paragraph_text_as_parsed);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, deep_nesting);
    tcase_add_test(tc, deep_dropped_nesting);
    tcase_add_test(tc, output_cap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(html_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
