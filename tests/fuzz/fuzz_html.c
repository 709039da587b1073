/*
 * fuzz_html.c: libFuzzer target for the HTML reader and sanitizer alone:
 * nd_html_clean() with a base URL picked by the first byte, and
 * nd_html_to_text() on one line and not.  Checks that what comes out is
 * valid UTF-8, that one-line text has no line break, that the sanitized
 * HTML is balanced (as many end tags as start tags of elements that have
 * them), and that sanitizing is idempotent: the sanitized HTML sanitized
 * again gives the same HTML, and the same text but for whitespace (an
 * unwrapped block, <section> say, breaks the text, not the HTML).
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

static int is_void(const char *name, size_t n)
{
    static const char *const v[] = {"br", "hr", "img", "source", "wbr"};

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strlen(v[i]) == n && memcmp(v[i], name, n) == 0)
            return 1;
    return 0;
}

/* Every start tag of an element with content has its end tag, in order (a stack). */
static void must_be_balanced(const char *html)
{
    const char *stack[256 + 8];
    size_t len[256 + 8], depth = 0;

    for (const char *p = html; (p = strchr(p, '<')) != NULL; p++) {
        int end = p[1] == '/';
        const char *name = p + 1 + end;
        size_t n = strcspn(name, " >");
        if (!end && is_void(name, n))
            continue;
        if (!end) {
            if (depth >= sizeof(stack) / sizeof(stack[0])) {
                fprintf(stderr, "fuzz_html: deeper than the cap\n%s\n", html);
                abort();
            }
            stack[depth] = name;
            len[depth++] = n;
        } else if (depth == 0 || len[depth - 1] != n || memcmp(stack[depth - 1], name, n) != 0) {
            fprintf(stderr, "fuzz_html: unbalanced at %.40s\n%s\n", p, html);
            abort();
        } else {
            depth--;
        }
    }
    if (depth) {
        fprintf(stderr, "fuzz_html: %zu elements left open\n%s\n", depth, html);
        abort();
    }
}

/* s without whitespace, in NFC (a combining mark after a block break composes once the
 * break is gone).  Caller frees. */
static char *squeezed(const char *s)
{
    char *tmp = malloc(strlen(s) + 1), *o = tmp, *out;

    for (; *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t')
            *o++ = *s;
    *o = '\0';
    out = nd_text_clean(tmp, strlen(tmp), ND_TEXT_ONELINE);
    free(tmp);
    return out;
}

/* Do a and b hold the same characters, whitespace aside? */
static int same_but_space(const char *a, const char *b)
{
    char *x = squeezed(a), *y = squeezed(b);
    int same = strcmp(x, y) == 0;

    free(x);
    free(y);
    return same;
}

/* The sanitized HTML read again: the same HTML, the same text. */
static void must_be_idempotent(const struct nd_html_out *o, const char *base)
{
    struct nd_html_out again;

    if (o->truncated)
        return; /* a cut can fall inside a character reference */
    if (nd_html_clean(o->html, strlen(o->html), base, &again) != ND_OK)
        abort();
    if (strcmp(again.html, o->html) != 0 || !same_but_space(again.text, o->text)) {
        fprintf(stderr,
                "fuzz_html: not idempotent\n--- once:\n%s\n--- twice:\n%s\n--- text once:\n%s\n"
                "--- text twice:\n%s\n",
                o->html, again.html, o->text, again.text);
        abort();
    }
    nd_html_out_free(&again);
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
        must_be_text("html", o.html);
        must_be_text("text", o.text);
        if (o.image)
            must_be_text("image", o.image);
        must_be_balanced(o.html);
        must_be_idempotent(&o, base);
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
