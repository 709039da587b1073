/*
 * dedupe.h: has this article been seen?  The index behind the answer lives
 * in memory and is rebuilt at start from the store's seen log (store.h),
 * which only ever appends what the index learns: the two never disagree,
 * whatever moment newsd was killed at.
 *
 * The verdict, in order (docs/architecture.md, "Identity and dedupe"):
 *  1. the source's own guid seen before: the same item again, or an
 *     "update" when its text changed and its updated date moved forward;
 *  2. its canonical URL seen before (unless the URL is no identity: shared
 *     by several items of its document, the site's home page, or carried
 *     by an earlier article whose text is clearly another story);
 *  3. its normalized title and text seen before (exact text hash);
 *  4. unless near_duplicates is off, a near-duplicate (near.h) of an
 *     article of the last `window` seconds;
 *  5. else it is new.
 * A duplicate joins the cluster of the article it matched, so the verdict
 * on a later copy does not depend on which copy came first.
 *
 * Memory: about 24 bytes per seen row, 17 per exact key (4 keys an
 * article at most) and 34 per guid version, plus the near-duplicate index
 * (near.h) over the window.  All of it is for the loop thread.
 */
#ifndef NEWSD_DEDUPE_H
#define NEWSD_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/article.h"
#include "newsd/config.h"
#include "newsd/near.h"
#include "newsd/store.h"

#define ND_DEDUPE_MAX_KEYS 4

struct nd_dedupe_opts {
    enum nd_near_mode mode;
    int64_t window; /* seconds a near-duplicate signature is compared against */
};

/* An article about to be admitted (borrowed). */
struct nd_candidate {
    const struct nd_article *a;
    const struct nd_near_sig *sig; /* or NULL */
    const char *source_id;
    const char *home; /* the canonical URL of the feed's site: no article's identity */
};

struct nd_dedupe_verdict {
    enum nd_seen_verdict verdict;
    int64_t row;         /* the seen row it matched (DUP, NEAR, MARKED, UPDATE), else 0 */
    int64_t cluster;     /* that row's cluster (its first copy's row) */
    char cluster_id[33]; /* the first copy's article id (hex), else "" */
    char why[160];       /* what matched: "guid", "url", "text" or the near measure and scores */
    double score, threshold;
    const char *measure;               /* near: "jaccard", "containment", "title"; else NULL */
    int repeat;                        /* DUP that brings nothing new: no seen row to add */
    uint64_t keys[ND_DEDUPE_MAX_KEYS]; /* its keys the index does not have yet */
    size_t n_keys;
    uint64_t vkey, vhash; /* its (source, guid) key and version hash, vkey 0 without guid */
    char own_id[33];      /* NEW or MARKED with a URL that is no identity: the id to publish
                           * under (nd_article_id_without_url), else "" */
};

struct nd_dedupe;

struct nd_dedupe *nd_dedupe_new(const struct nd_dedupe_opts *o);
void nd_dedupe_free(struct nd_dedupe *d);
void nd_dedupe_set_opts(struct nd_dedupe *d, const struct nd_dedupe_opts *o);

/* Forget everything and read the store's seen log again (at start, and after a failed commit). */
int nd_dedupe_load(struct nd_dedupe *d, struct nd_store *st, int64_t now) ND_WUR;

/*
 * The (source, guid) key of a, its version hash (title and text), and the
 * other keys; pure.  0 when a has no guid.
 */
uint64_t nd_dedupe_guid_key(const char *source_id, const struct nd_article *a);
uint64_t nd_dedupe_version_hash(const struct nd_article *a);

/* Decide for c (reads the index only). */
void nd_dedupe_check(const struct nd_dedupe *d, const struct nd_candidate *c,
                     struct nd_dedupe_verdict *v);
/*
 * Learn a row just appended to the seen log (r->row set), with its
 * signature (or NULL); the per-document context of near.h is the caller's.
 */
void nd_dedupe_learn(struct nd_dedupe *d, const struct nd_seen_row *r,
                     const struct nd_near_sig *sig);
/* The near index, for the per-document context (nd_near_index_document). */
struct nd_near_index *nd_dedupe_near(struct nd_dedupe *d);

/* Rows below first_row were pruned; signatures before near_before leave the near index. */
void nd_dedupe_forget(struct nd_dedupe *d, int64_t first_row, int64_t near_before);

/* The row a key points to, or 0 (for explain). */
int64_t nd_dedupe_lookup(const struct nd_dedupe *d, uint64_t key);
/* The cluster row of a row, or 0 when unknown. */
int64_t nd_dedupe_cluster_of(const struct nd_dedupe *d, int64_t row);

/* Rows and keys held, and the bytes of memory the index uses (near index included). */
size_t nd_dedupe_rows(const struct nd_dedupe *d);
size_t nd_dedupe_bytes(const struct nd_dedupe *d);

#endif
