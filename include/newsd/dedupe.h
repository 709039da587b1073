/*
 * dedupe.h: has this article been seen?  Exact keys, checked in order:
 * (source id, guid), canonical URL, hash of the normalized title+text;
 * then, unless near_duplicates is off, a SimHash within the configured
 * distance and window.  The keys live in the store, so the answer holds
 * across restarts.
 */
#ifndef NEWSD_DEDUPE_H
#define NEWSD_DEDUPE_H

#include <stdint.h>

#include "newsd/article.h"
#include "newsd/config.h"
#include "newsd/store.h"

struct nd_dedupe_opts {
    enum nd_near_mode mode;
    int distance;
    int64_t window; /* seconds */
};

enum nd_verdict {
    ND_VERDICT_NEW = 0,
    ND_VERDICT_SAME, /* this source published this guid before (as dup_id): maybe an update */
    ND_VERDICT_DUP,  /* another exact key was seen: never published again */
    ND_VERDICT_NEAR, /* a near-duplicate of dup_id */
};

/* The (source id, guid) key of a; 0 when a has no guid. */
int nd_dedupe_guid_key(const char *source_id, const struct nd_article *a, uint8_t key[ND_KEY_LEN]);

/* Decide for a; dup_id gets the first copy's id unless NEW.  0 or ND_ESTORE. */
int nd_dedupe_check(struct nd_store *st, const char *source_id, const struct nd_article *a,
                    const struct nd_dedupe_opts *o, int64_t now, enum nd_verdict *v,
                    char dup_id[33]) ND_WUR;

/*
 * Remember a's keys as belonging to cluster_id (its own id when it is new,
 * else the first copy's), and its fingerprint when it starts a cluster.
 */
int nd_dedupe_remember(struct nd_store *st, const char *source_id, const struct nd_article *a,
                       const char *cluster_id, int64_t now) ND_WUR;

#endif
