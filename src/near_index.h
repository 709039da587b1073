/*
 * near_index.h: the near-duplicate index's insides, shared by near_index.c
 * (entries, posting lists, boilerplate models) and near_score.c (comparison,
 * verdict, query).  Not a public header.
 */
#ifndef NEWSD_NEAR_INDEX_H
#define NEWSD_NEAR_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "near_int.h"

#define NEAR_LEAD_UNITS    3 /* leading unit hashes a view keeps (posting keys) */
#define NEAR_MIN_TEXT      3 /* fewer shingles than this: a title-only item */
#define NEAR_MIN_SAMPLES   8 /* sampled hashes that make a containment estimate */
#define NEAR_MAX_POST_KEYS (12 + NEAR_LEAD_UNITS + ND_NEAR_MAX_TITLE)
#define NEAR_UNIT_BYTES    ((ND_NEAR_MAX_UNITS + 7) / 8) /* a bit per unit */

/*
 * A uint32 -> uint32 hash map (open addressing, linear probing, any
 * capacity); keys 0 and 1 are stored as 2 and 3.
 */
struct near_map {
    uint32_t *keys, *vals;
    size_t cap, used, live;
};

uint32_t *near_map_get(const struct near_map *m, uint32_t k);
uint32_t *near_map_put(struct near_map *m, uint32_t k);
void near_map_del(struct near_map *m, uint32_t k);
void near_map_free(struct near_map *m);

/*
 * A signature as the index compares it: its source's boilerplate units
 * dropped, the kept shingle hashes sorted, each with its unit and whether it
 * is in the lead.  Made afresh for each comparison (near_view_of), on the
 * stack: entries keep only their signature (struct near_entry).
 */
struct near_view {
    uint32_t n;   /* shingles in the kept units */
    uint32_t tau; /* as in the signature */
    uint16_t nels, nkeys, ntitle, nunits;
    uint8_t nlead_units;
    uint32_t lead_units[NEAR_LEAD_UNITS];
    uint8_t cue[NEAR_UNIT_BYTES];                 /* units of lines that look like boilerplate */
    uint32_t vals[ND_NEAR_LEAD + ND_NEAR_SAMPLE]; /* ascending */
    uint16_t meta[ND_NEAR_LEAD + ND_NEAR_SAMPLE]; /* unit | NEAR_META_LEAD */
    struct near_key keys[ND_NEAR_MAX_KEYS];       /* of kept units */
    struct near_tword title[ND_NEAR_MAX_TITLE];
};

/* The view of sig without the units whose bit is set in drop (NULL: none). */
void near_view_of(struct near_view *v, const struct nd_near_sig *sig, const uint8_t *drop);

/* Posting keys of a view; keys has room for NEAR_MAX_POST_KEYS.  Returns the count. */
size_t near_view_keys(const struct near_view *v, uint32_t *keys);

/*
 * An entry: its signature in the compact form (near_sig_compact), with a bit
 * set for each unit its source's boilerplate model dropped when it was
 * added.  One allocation.
 */
struct near_entry {
    uint64_t ref;
    int64_t time;
    uint16_t size; /* of data, at most NEAR_COMPACT_MAX */
    uint8_t data[];
};

/* The view of an entry, as it was when the entry was added. */
void near_entry_view(const struct near_entry *e, struct near_view *v);

struct near_plist {
    uint32_t n, cap;
    uint32_t *slots; /* oldest first */
};

struct near_recent {
    uint32_t *hashes; /* distinct unit hashes of one item, sorted */
    unsigned n;
};

struct near_model {
    char *source;
    struct near_recent recent[ND_NEAR_HISTORY]; /* a ring of the last items */
    unsigned head, count;
    struct near_map seen; /* unit hash -> items of the ring that have it */
};

struct nd_near_index {
    struct near_entry **entries; /* by slot; NULL: a free slot */
    size_t nslots, slots_cap, count, entry_bytes;
    uint32_t *free_slots;
    size_t nfree_slots, free_slots_cap;
    uint32_t *by_ref; /* ref -> slot + 1 (0: empty), open addressing on the ref */
    size_t by_ref_cap, by_ref_live;
    struct near_map posting_of; /* posting key -> SINGLE | slot, or list number */
    struct near_plist *lists;   /* [1..nlists]: postings of two entries or more */
    size_t nlists, lists_cap;
    uint32_t *free_lists;
    size_t nfree_lists, free_lists_cap;
    struct near_model **models;
    size_t nmodels, models_cap;
    struct near_map model_of;             /* hash of the source id -> model number */
    const struct nd_near_sig *const *doc; /* nd_near_index_document(), borrowed */
    size_t ndoc;
    struct near_map doc_units; /* unit hash -> items of the document that have it */
};

/* The units of sig that are boilerplate for an item of source: their bits set in drop. */
void near_boiler(const struct nd_near_index *ix, const struct nd_near_sig *sig, const char *source,
                 uint8_t *drop);

/* The entries posted under key: *n slots, oldest first (one: room for a single one). */
const uint32_t *near_postings(const struct nd_near_index *ix, uint32_t key, uint32_t *one,
                              unsigned *n);

/* How a query compares with one candidate (near_score.c). */
struct near_score {
    double jaccard, contain, title;
    int pass;            /* 0, or 1 with measure/score/threshold set */
    const char *measure; /* "jaccard", "containment", "title" */
    double score, threshold;
    const char *reason;
};

void near_compare(const struct near_view *a, const struct near_view *b, struct near_score *s);

/* How the titles of a and b compare (near_title.c): measure "title". */
void near_title_compare(const struct near_view *a, const struct near_view *b, struct near_score *s);

#endif
