/*
 * near.h: near-duplicate detection: signatures of an article's text, and an
 * in-memory index that answers "is this a copy of something seen before?".
 * Pure: no I/O, no logging, no clock (times are passed in).
 *
 * The method (docs/architecture.md, "Near-duplicates"):
 *  - The body text (never the title) is cut into units, one per sentence of
 *    each line, and each unit into word 5-shingles (a unit shorter than five
 *    words is one shingle).  Words are case-folded and spelled one way
 *    (British and American spellings meet: colour/color, centre/center,
 *    organise/organize, travelled/traveled...).
 *  - A signature keeps, for every unit, a hash of its words and its number of
 *    shingles; the first ND_NEAR_LEAD distinct shingle hashes exactly (the lead, for teasers
 *    and truncated copies); the ND_NEAR_SAMPLE smallest shingle hashes of the
 *    whole text (a bottom-k sketch, for Jaccard and containment); the numbers
 *    and capitalized names of the first units; and the title's words (a
 *    separate signal, used only when neither item has text).
 *  - Boilerplate: the index remembers, per source, the units of its last
 *    ND_NEAR_HISTORY items; a unit seen in ND_NEAR_BOILER_MIN of them is that
 *    source's boilerplate (newsletter footers, sponsor reads, templates) and
 *    is dropped from an item of that source before it is compared or indexed.
 *    The bottom-k sketch stays valid when units are dropped.  The items of
 *    one fetched document can serve as evidence too (nd_near_index_document).
 *  - Look-up: candidates come from posting lists keyed by the smallest
 *    shingle hashes, the hashes of the first units and (title-only items)
 *    the title's words; each list and the candidates per query are capped, so
 *    a query costs little more at 10^6 entries than at 10^4 (docs/benchmarks.md).
 *  - Verdict: a candidate is the same story when the Jaccard similarity of
 *    the texts reaches ND_NEAR_JACCARD and the shorter text is contained in
 *    the other at ND_NEAR_CONTAIN; or when the shorter text's lead is
 *    contained at ND_NEAR_CONTAIN (teasers, copies with a footer), or the
 *    shorter text, covering half of the other, is (updates); or, for
 *    title-only items, when the titles agree at ND_NEAR_TITLE, the words of
 *    one all being words of the other (near_title.c).  Short texts (fewer
 *    than ND_NEAR_SHORT shingles) need the _SHORT thresholds and must agree
 *    on the numbers, and not swap one name for another, in the units they
 *    share.
 *
 * Memory: about 1.0 KB per indexed article of 400 words (nd_near_index_bytes;
 * docs/benchmarks.md): its signature in a compact form (about 810 bytes:
 * hashes Elias-Fano coded, small numbers in as few bits as they need), its
 * posting keys (about 14, in a map kept 70-85% full: about 140 bytes), and
 * its slot and reference (about 20); about 8 KB per source for its
 * boilerplate model.  Comparing with an entry decodes it on the stack.
 *
 * Signatures are deterministic on every machine: hashes are XXH3 of UTF-8
 * bytes, and the packed form is little-endian whatever the host.
 */
#ifndef NEWSD_NEAR_H
#define NEWSD_NEAR_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/util.h"

#define ND_NEAR_SHINGLE       5    /* words per shingle */
#define ND_NEAR_LEAD          64   /* leading shingles kept exactly */
#define ND_NEAR_SAMPLE        96   /* smallest shingle hashes kept (bottom-k) */
#define ND_NEAR_MAX_UNITS     160  /* units (sentences) described; the rest join the last */
#define ND_NEAR_MAX_KEYS      48   /* numbers and names kept, in text order */
#define ND_NEAR_MAX_TITLE     24   /* title words kept */
#define ND_NEAR_HISTORY       24   /* items per source the boilerplate model remembers */
#define ND_NEAR_BOILER_MIN    2    /* a unit in this many of them is boilerplate */
#define ND_NEAR_SHORT         40   /* texts with fewer shingles get the short-item rules */
#define ND_NEAR_JACCARD       0.50 /* thresholds, see above */
#define ND_NEAR_CONTAIN       0.80
#define ND_NEAR_TITLE         0.60
#define ND_NEAR_JACCARD_SHORT 0.80 /* the same, for short texts */
#define ND_NEAR_CONTAIN_SHORT 0.90
#define ND_NEAR_BLOB_MAX      2048 /* upper bound of a packed signature, bytes */

struct nd_near_sig;
struct nd_near_index;

/*
 * The signature of an article: title and text are plain UTF-8 (either may be
 * NULL), text as the cleaner gives it, paragraphs separated by newlines.
 * Returns a new signature; caller frees with nd_near_sig_free().  Input past
 * ND_TEXT_MAX bytes (and past 20,000 shingles) is ignored.  Pure; about 20 µs
 * for a news article of 400 words (docs/benchmarks.md).
 */
struct nd_near_sig *nd_near_sig_new(const char *title, const char *text);
void nd_near_sig_free(struct nd_near_sig *sig);

/*
 * The compact, machine-independent form of a signature: writes at most
 * ND_NEAR_BLOB_MAX bytes to out (cap bytes available) and returns the length,
 * or ND_ETOOBIG when cap is too small.  A news article of 400 words packs to
 * about 900 bytes: 6 per unit, 5 per kept shingle hash (160 at most), 4 per
 * number or name, 3 per title word, and a 12-byte header.  Pure.
 */
int nd_near_sig_pack(const struct nd_near_sig *sig, uint8_t *out, size_t cap) ND_WUR;

/*
 * The signature packed in blob[0..len); *out gets a new one (caller frees).
 * ND_EINVAL for a blob that is not one (wrong version, truncated, counts out
 * of range); nothing is allocated then.
 */
int nd_near_sig_unpack(const uint8_t *blob, size_t len, struct nd_near_sig **out) ND_WUR;

/* Is there any text or title to compare?  (An empty item never matches.) */
int nd_near_sig_empty(const struct nd_near_sig *sig);
/* How many word shingles its text has (how much evidence it is). */
size_t nd_near_sig_shingles(const struct nd_near_sig *sig);

/* The index.  nd_near_index_free(NULL) does nothing. */
struct nd_near_index *nd_near_index_new(void);
void nd_near_index_free(struct nd_near_index *ix);

/*
 * Remember an article: its signature (copied: the caller keeps sig), the
 * caller's reference for it (an id of the caller's choosing, returned by
 * queries), its source id (any string; boilerplate is learned per source) and
 * its time (Unix seconds, used by nd_near_index_expire).  The source's
 * boilerplate model learns from it, after its own boilerplate was dropped
 * with the model as it was.  To rebuild an index, add the stored signatures
 * again in the order they were first added: the result is the same.
 * nd_near_index_get() gives the signature back by ref.
 */
void nd_near_index_add(struct nd_near_index *ix, const struct nd_near_sig *sig, uint64_t ref,
                       const char *source, int64_t time);

/* A query's answer. */
enum nd_near_verdict { ND_NEAR_NEW = 0, ND_NEAR_DUP = 1 };

struct nd_near_match {
    enum nd_near_verdict verdict;
    uint64_t ref;        /* ND_NEAR_DUP: the matched entry's reference */
    double score;        /* the measure's value for that entry, 0..1 */
    double threshold;    /* the measure's threshold */
    const char *measure; /* "jaccard", "containment" or "title" (static strings) */
    const char *reason;  /* one line for `newsctl explain` (static string) */
    /* with ND_NEAR_NEW: the best candidate that failed (when has_nearest), for explain;
     * score, threshold, measure and reason above are then that candidate's */
    int has_nearest;
    uint64_t nearest_ref;
    double nearest_score;
    unsigned candidates; /* entries compared */
};

/*
 * Is the article with this signature, from this source, a copy of an indexed
 * one?  Fills *m: ND_NEAR_DUP with the best match, or ND_NEAR_NEW.  Does not
 * change the index (the source's boilerplate model is read, not taught: add
 * the article afterwards).  At most ND_NEAR_MAX_CANDIDATES entries are compared.
 */
#define ND_NEAR_MAX_CANDIDATES 512
void nd_near_index_query(const struct nd_near_index *ix, const struct nd_near_sig *sig,
                         const char *source, struct nd_near_match *m);

/*
 * The entries of one fetched document of one source, for the verdicts and
 * adds that follow, until the next call: a unit found in ND_NEAR_BOILER_MIN
 * other items of the document is boilerplate there too, so the first
 * episodes of a new podcast feed are not tied by their shared sponsor reads
 * before the source's model has learned them.  The pointers are borrowed:
 * keep the signatures until nd_near_index_document(ix, NULL, 0) clears them.
 * A signature is "of the document" when it is one of these pointers.
 */
void nd_near_index_document(struct nd_near_index *ix, const struct nd_near_sig *const *sigs,
                            size_t n);

/*
 * Is b a copy of a, by the rules of a query (the same thresholds, measures
 * and reasons) for this one pair, with no boilerplate model: for two items
 * the caller has already paired (an exact key that points to an earlier
 * article: the same story, or a URL several different items share?).  Fills
 * *m as a query would with b as its only candidate (m->ref and
 * m->nearest_ref are 0); an empty signature on either side is ND_NEAR_NEW
 * with no candidate.  Pure.
 */
void nd_near_compare(const struct nd_near_sig *a, const struct nd_near_sig *b,
                     struct nd_near_match *m);

/*
 * The signature of the entry last added under ref: *out gets a copy (caller
 * frees), the same signature that was added (nd_near_sig_pack() gives the
 * same bytes).  ND_ENOTFOUND when there is none (never added, or that entry
 * expired: an earlier entry under the same ref does not answer for it); *out
 * is NULL then.
 */
int nd_near_index_get(const struct nd_near_index *ix, uint64_t ref,
                      struct nd_near_sig **out) ND_WUR;

/* Forget every entry whose time is before `before`; returns how many were removed. */
size_t nd_near_index_expire(struct nd_near_index *ix, int64_t before);

/* Entries held, and the bytes of memory the index uses (entries, lists, models). */
size_t nd_near_index_count(const struct nd_near_index *ix);
size_t nd_near_index_bytes(const struct nd_near_index *ix);

#endif
