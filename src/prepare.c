/*
 * prepare.c: parse, then clean each entry, releasing each entry as soon as
 * its article is made (a large document is not held twice).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/parse.h"
#include "newsd/prepare.h"

void nd_prepare(const char *data, size_t len, const char *doc_url, const char *http_charset,
                const struct nd_clean_ctx *ctx, const atomic_int *cancel, struct nd_prepared *out)
{
    struct nd_feed *f = &out->feed;

    memset(out, 0, sizeof(*out));
    nd_feed_init(f);
    out->rc = nd_parse(data, len, doc_url, http_charset, f, out->error, sizeof(out->error));
    if (out->rc != ND_OK)
        return;
    out->articles = xcalloc(f->n_entries ? f->n_entries : 1, sizeof(*out->articles));
    for (size_t i = 0; i < f->n_entries; i++) {
        struct nd_article *a = &out->articles[out->n_articles];
        if (cancel && atomic_load_explicit(cancel, memory_order_relaxed)) {
            out->cancelled = 1;
            break;
        }
        memset(a, 0, sizeof(*a));
        if (nd_clean_entry(&f->entries[i], ctx, a) == ND_OK) {
            out->n_articles++;
        } else {
            nd_article_free(a);
            out->skipped++;
        }
        nd_entry_free(&f->entries[i]);
    }
    for (size_t i = 0; i < f->n_entries; i++)
        nd_entry_free(&f->entries[i]); /* those not reached when cancelled */
    free(f->entries);
    f->entries = NULL;
    f->n_entries = f->cap_entries = 0;
}

void nd_prepared_free(struct nd_prepared *p)
{
    for (size_t i = 0; i < p->n_articles; i++)
        nd_article_free(&p->articles[i]);
    free(p->articles);
    nd_feed_free(&p->feed);
    memset(p, 0, sizeof(*p));
}
