/*
 * fuzz_opml.c: libFuzzer target for the OPML reader: any bytes through
 * nd_opml_parse().  A document it reads has a URL for every feed, and what
 * nd_opml_write() makes of the feeds reads back as OPML with the same
 * feeds and URLs (unless a URL holds control characters, which XML cannot
 * carry and the writer turns into spaces).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/opml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_controls(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nd_opml o, back;
    char err[256], *doc;
    int exact = 1;

    if (nd_opml_parse((const char *)data, size, "https://lists.example/a/b.opml", &o, err,
                      sizeof(err)) != ND_OK) {
        if (err[0] == '\0')
            abort();
        nd_opml_free(&o);
        return 0;
    }
    for (size_t i = 0; i < o.n; i++) {
        if (o.feeds[i].xml_url == NULL || o.feeds[i].xml_url[0] == '\0')
            abort();
        exact &= !has_controls(o.feeds[i].xml_url);
    }
    doc = nd_opml_write(o.title, o.feeds, o.n, 0);
    if (nd_opml_parse(doc, strlen(doc), NULL, &back, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "fuzz_opml: what was written does not read back: %s\n%s\n", err, doc);
        abort();
    }
    if (exact) {
        if (back.n != o.n)
            abort();
        /* written in folders: the order may change, the set of URLs may not */
        for (size_t i = 0; i < o.n; i++) {
            size_t j = 0;
            while (j < back.n && strcmp(back.feeds[j].xml_url, o.feeds[i].xml_url) != 0)
                j++;
            if (j == back.n)
                abort();
        }
    }
    nd_opml_free(&back);
    free(doc);
    nd_opml_free(&o);
    return 0;
}
