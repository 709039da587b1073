/*
 * fuzz_html.c: libFuzzer target for the HTML sanitizer alone:
 * nd_html_clean() with a base URL picked by the first byte, and
 * nd_html_to_text() on one line and not.  Checks that what comes out is
 * valid UTF-8 and that one-line text has no line break.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const bases[] = {NULL, "https://example.org/a/b.html",
                                        "http://Example.org:8080/x/?q=1#f", "mailto:x@y"};
    const char *html = (const char *)data;
    struct nd_html_out o;
    char *t;

    if (nd_html_clean(html, size, bases[size ? data[0] % 4 : 0], &o) == ND_OK) {
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
