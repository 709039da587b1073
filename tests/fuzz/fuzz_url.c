/*
 * fuzz_url.c: libFuzzer target for the URL resolver and canonicalizer: the
 * input is a base URL, a newline, and a reference.  Checks that a resolved
 * or canonical URL is valid UTF-8 without spaces or controls (the one rule
 * for characters a URL may not hold), that resolving an absolute http(s)
 * URL again and canonicalizing a canonical URL change nothing, and that
 * removing tracking parameters twice is removing them once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/text.h"
#include "newsd/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *in, const char *a, const char *b)
{
    fprintf(stderr, "fuzz_url: %s\n  in:  %s\n  got: %s\n  then: %s\n", what, in ? in : "(null)",
            a ? a : "(null)", b ? b : "(null)");
    abort();
}

/* valid UTF-8, nothing a URL may not hold outside its host */
static void must_be_clean(const char *in, const char *url)
{
    if (!nd_utf8_valid(url, strlen(url)))
        fail("not UTF-8", in, url, NULL);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            fail("a space or control", in, url, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *nl, *base = NULL, *ref;
    char scheme[16];

    memcpy(buf, data, size);
    buf[size] = '\0';
    nl = memchr(buf, '\n', size);
    ref = buf;
    if (nl) {
        *nl = '\0';
        base = buf;
        ref = nl + 1;
    }
    char *r = nd_url_resolve(base, ref);
    if (r && nd_url_scheme(r, scheme, sizeof(scheme)) == 0 &&
        (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
        char *again = nd_url_resolve(NULL, r), *c, *c2, *t, *t2;
        must_be_clean(ref, r);
        if (again == NULL || strcmp(again, r) != 0)
            fail("resolving a resolved URL changes it", ref, r, again);
        c = nd_url_canonical(r);
        if (c) {
            must_be_clean(r, c);
            c2 = nd_url_canonical(c);
            if (c2 == NULL || strcmp(c, c2) != 0)
                fail("canonical form not stable", r, c, c2);
            free(c2);
        }
        t = nd_url_strip_tracking(r);
        t2 = nd_url_strip_tracking(t);
        if (strcmp(t, t2) != 0)
            fail("tracking removal not stable", r, t, t2);
        free(t);
        free(t2);
        free(c);
        free(again);
    }
    free(r);
    free(nd_url_canonical(ref));
    free(buf);
    return 0;
}
