/*
 * fuzz_html.c: libFuzzer target for the HTML sanitizer alone:
 * nd_html_clean() with a base URL picked by the first byte, and
 * nd_html_to_text() on one line and not.  Checks that what comes out is
 * valid UTF-8, that one-line text has no line break, and that the fast
 * reader of plain fragments (src/html_read.c) gives exactly what libxml2's
 * HTML parser gives, whenever it takes a fragment on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_read.h"
#include "newsd/html.h"
#include "newsd/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_text(const char *what, const char *s)
{
    if (s == NULL || !nd_utf8_valid(s, strlen(s))) {
        fprintf(stderr, "fuzz_html: %s is not valid UTF-8\n", what);
        abort();
    }
}

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The same fragment through libxml2 alone: the output must not change. */
static void must_match_libxml2(const char *html, size_t size, const char *base,
                               const struct nd_html_out *fast)
{
    struct nd_html_out slow;
    int rc;

    if (!nd_html_read_enabled())
        return;
    nd_html_read_use(0);
    rc = nd_html_clean(html, size, base, &slow);
    nd_html_read_use(1);
    if (rc != ND_OK || !same(fast->html, slow.html) || !same(fast->text, slow.text) ||
        !same(fast->image, slow.image) || fast->truncated != slow.truncated) {
        fprintf(stderr,
                "fuzz_html: the fast reader and libxml2 disagree\n--- fast:\n%s\n"
                "--- libxml2:\n%s\n",
                fast->html, rc == ND_OK ? slow.html : "(error)");
        abort();
    }
    nd_html_out_free(&slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const bases[] = {NULL, "https://example.org/a/b.html",
                                        "http://Example.org:8080/x/?q=1#f", "mailto:x@y"};
    const char *html = (const char *)data;
    struct nd_html_out o;
    char *t;

    const char *base = bases[size ? data[0] % 4 : 0];

    if (nd_html_clean(html, size, base, &o) == ND_OK) {
        must_match_libxml2(html, size, base, &o);
        must_be_text("html", o.html);
        must_be_text("text", o.text);
        if (o.image)
            must_be_text("image", o.image);
        nd_html_out_free(&o);
    }
    t = nd_html_to_text(html, size, ND_TEXT_ONELINE);
    must_be_text("one-line text", t);
    if (strchr(t, '\n') != NULL) {
        fprintf(stderr, "fuzz_html: one-line text has a line break\n");
        abort();
    }
    free(t);
    t = nd_html_to_text(html, size, 0);
    must_be_text("text", t);
    free(t);
    return 0;
}
