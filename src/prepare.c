/*
 * prepare.c: parse, then clean each entry, releasing each entry as soon as
 * its article is made (a large document is not held twice), and sign each
 * article for the near-duplicate index when asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/fingerprint.h"
#include "newsd/near.h"
#include "newsd/parse.h"
#include "newsd/prepare.h"
#include "newsd/url.h"

/* The dedupe fingerprints of article i: its text hash, its near-duplicate signature packed. */
static void sign(struct nd_prepared *out, size_t i)
{
    struct nd_article *a = &out->articles[i];
    uint8_t buf[ND_NEAR_BLOB_MAX];
    struct nd_fp fp;
    int n;

    if (a->text_hash == 0) {
        nd_fp_compute(a->title, a->content_text, &fp, NULL);
        a->text_hash = fp.text_hash;
    }
    out->sigs[i] = nd_near_sig_new(a->title, a->content_text);
    n = nd_near_sig_pack(out->sigs[i], buf, sizeof(buf));
    if (n > 0) {
        out->blobs[i] = xmalloc((size_t)n);
        memcpy(out->blobs[i], buf, (size_t)n);
        out->blob_lens[i] = (size_t)n;
    }
}

void nd_prepare(const char *data, size_t len, const struct nd_parse_in *in,
                const struct nd_clean_ctx *ctx, unsigned flags, const atomic_int *cancel,
                struct nd_prepared *out)
{
    struct nd_feed *f = &out->feed;
    struct nd_clean_ctx cctx = *ctx;
    size_t n;

    memset(out, 0, sizeof(*out));
    nd_feed_init(f);
    out->rc = nd_parse_doc(data, len, in, f, out->error, sizeof(out->error));
    if (out->rc != ND_OK)
        return;
    if (cctx.feed_language == NULL)
        cctx.feed_language = f->language;
    if (f->link)
        out->home = nd_url_canonical(f->link);
    n = f->n_entries ? f->n_entries : 1;
    out->articles = xcalloc(n, sizeof(*out->articles));
    if (flags & ND_PREPARE_NEAR) {
        out->sigs = xcalloc(n, sizeof(*out->sigs));
        out->blobs = xcalloc(n, sizeof(*out->blobs));
        out->blob_lens = xcalloc(n, sizeof(*out->blob_lens));
    }
    for (size_t i = 0; i < f->n_entries; i++) {
        struct nd_article *a = &out->articles[out->n_articles];
        if (cancel && atomic_load_explicit(cancel, memory_order_relaxed)) {
            out->cancelled = 1;
            break;
        }
        memset(a, 0, sizeof(*a));
        if (nd_clean_entry(&f->entries[i], &cctx, a) == ND_OK) {
            if (out->sigs)
                sign(out, out->n_articles);
            out->n_articles++;
        } else if (flags & ND_PREPARE_ALL) {
            out->n_articles++; /* kept for `newsctl parse --all`: a->skipped says why */
            out->skipped++;
        } else {
            if (out->skip_notes.n < 100)
                nd_strv_take(&out->skip_notes,
                             xasprintf("entry %zu: %s", i + 1,
                                       a->skipped ? a->skipped : "nothing to publish"));
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
    for (size_t i = 0; i < p->n_articles; i++) {
        nd_article_free(&p->articles[i]);
        if (p->sigs) {
            nd_near_sig_free(p->sigs[i]);
            free(p->blobs[i]);
        }
    }
    free(p->articles);
    free(p->sigs);
    free(p->blobs);
    free(p->blob_lens);
    free(p->home);
    nd_strv_free(&p->skip_notes);
    nd_feed_free(&p->feed);
    memset(p, 0, sizeof(*p));
}
