/*
 * near_index.h: the near-duplicate index's insides, shared by near_index.c
 * (entries, posting lists, boilerplate models) and near_score.c (comparison,
 * verdict).  Not a public header.
 */
#ifndef NEWSD_NEAR_INDEX_H
#define NEWSD_NEAR_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "near_int.h"

#define NEAR_LEAD_UNITS    3 /* leading unit hashes a view keeps (posting keys) */
#define NEAR_MIN_TEXT      3 /* fewer shingles than this: a title-only item */
#define NEAR_MIN_SAMPLES   8 /* sampled hashes that make a containment estimate */
#define NEAR_META_LEAD     0x8000
#define NEAR_MAX_POST_KEYS (12 + NEAR_LEAD_UNITS + ND_NEAR_MAX_TITLE)

/* A uint32 -> uint32 hash map; keys 0 and 1 are stored as 2 and 3. */
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
 * is in the lead.  One allocation (the arrays follow the struct).
 */
struct near_view {
    uint32_t n;   /* shingles in the kept units */
    uint32_t tau; /* as in the signature */
    uint16_t nels, nkeys, ntitle, nunits;
    uint8_t nlead_units;
    uint32_t lead_units[NEAR_LEAD_UNITS];
    uint8_t cue[(ND_NEAR_MAX_UNITS + 7) / 8]; /* units of lines that look like boilerplate */
    uint32_t *vals;                           /* ascending */
    uint16_t *meta;                           /* unit | NEAR_META_LEAD */
    struct near_key *keys;
    struct near_tword *title;
    size_t bytes; /* of the allocation */
};

struct near_slot {
    struct near_view *view; /* NULL: a free slot */
    uint64_t ref;
    int64_t time;
};

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
    struct near_slot *slots;
    size_t nslots, slots_cap, count, view_bytes;
    uint32_t *free_slots;
    size_t nfree_slots, free_slots_cap;
    struct near_map posting_of; /* posting key -> list number */
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

/* The view of sig for an item of source (boilerplate dropped).  Caller frees. */
struct near_view *near_view_make(const struct nd_near_index *ix, const struct nd_near_sig *sig,
                                 const char *source);
/* The entries posted under key: *n slots, oldest first (one: room for a single one). */
const uint32_t *near_postings(const struct nd_near_index *ix, uint32_t key, uint32_t *one,
                              unsigned *n);
/* Posting keys of a view; keys has room for NEAR_MAX_POST_KEYS.  Returns the count. */
size_t near_view_keys(const struct near_view *v, uint32_t *keys);

/* How a query compares with one candidate (near_score.c). */
struct near_score {
    double jaccard, contain, title;
    int pass;            /* 0, or 1 with measure/score/threshold set */
    const char *measure; /* "jaccard", "containment", "title" */
    double score, threshold;
    const char *reason;
};

void near_compare(const struct near_view *a, const struct near_view *b, struct near_score *s);

#endif
