/*
 * prepare.h: the pure half of ingesting a document: bytes -> feed ->
 * clean articles (parse, sanitize, canonical URLs, ids, fingerprints).  It
 * touches no store and no socket, so the daemon runs it on its worker
 * thread, and `newsctl parse` runs it as it is.
 */
#ifndef NEWSD_PREPARE_H
#define NEWSD_PREPARE_H

#include <stdatomic.h>
#include <stddef.h>

#include "newsd/article.h"
#include "newsd/feed.h"
#include "newsd/near.h"
#include "newsd/parse.h"

struct nd_prepared {
    int rc;              /* ND_OK, or ND_EPARSE with error */
    char error[256];     /* one line */
    struct nd_feed feed; /* the document: title, link, language, ttl, warnings; no entries */
    struct nd_article *articles; /* in document order */
    size_t n_articles;
    /* with ND_PREPARE_NEAR, per article: */
    struct nd_near_sig **sigs; /* its near-duplicate signature */
    uint8_t **blobs;           /* ... packed (store.h keeps it) */
    size_t *blob_lens;
    char *home;                /* the canonical URL of the feed's site (its link), or NULL */
    size_t skipped;            /* entries with nothing to publish */
    struct nd_strv skip_notes; /* "entry N: why", one per skipped entry (the first 100) */
    int cancelled;             /* stopped early by *cancel */
};

#define ND_PREPARE_NEAR 0x1 /* also make near-duplicate signatures (the daemon's dedupe) */
#define ND_PREPARE_ALL  0x2 /* keep entries with nothing to publish too (article.skipped set) */

/*
 * Parse data (with what the transfer says of it, as nd_parse_doc() takes it) and clean
 * every entry with ctx (its feed_language is the document's when NULL).
 * flags: ND_PREPARE_*.  cancel may be NULL; when it becomes non-zero the
 * work stops between two entries and out->cancelled is set.  The caller
 * frees out with nd_prepared_free() whatever happened.
 */
void nd_prepare(const char *data, size_t len, const struct nd_parse_in *in,
                const struct nd_clean_ctx *ctx, unsigned flags, const atomic_int *cancel,
                struct nd_prepared *out);
void nd_prepared_free(struct nd_prepared *p);

#endif
