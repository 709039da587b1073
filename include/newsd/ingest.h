/*
 * ingest.h: the middle of the pipeline for one polled document:
 * entries -> clean -> dedupe -> seq -> journal, inside an open store
 * batch.  An item this source published before under the same guid is
 * published again as an "update" (same id) when its text changed and its
 * updated date moved forward; otherwise a seen item is a duplicate.  The messages to publish are
 * collected; the caller sends them only after the batch committed.
 */
#ifndef NEWSD_INGEST_H
#define NEWSD_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/dedupe.h"
#include "newsd/feed.h"
#include "newsd/store.h"

struct nd_ingest {
    /* in */
    struct nd_store *store;
    struct nd_dedupe_opts dedupe;
    const char *source_id;
    const char *source_title; /* configured title, or NULL for the feed's */
    const char *source_url;
    const char *topic;
    int64_t now;
    /* out: topics[i] and messages[i] to publish after commit */
    struct nd_strv messages;
    struct nd_strv titles; /* for the log */
    int64_t first_seq, last_seq;
    size_t items, added, updated, duplicates, skipped;
    size_t future; /* new articles dated more than a day after now (kept, but worth a log line) */
};

/*
 * One clean article (prepare.h) through dedupe, seq and journal; its id and
 * duplicate_of may be changed (an update keeps the first version's id).
 * The article stays the caller's.  0, or ND_ESTORE (then roll the batch back).
 */
int nd_ingest_article(struct nd_ingest *in, const struct nd_feed *feed,
                      struct nd_article *a) ND_WUR;
/* Clean every entry of feed and ingest it, newest last; 0, or ND_ESTORE. */
int nd_ingest_feed(struct nd_ingest *in, const struct nd_feed *feed) ND_WUR;
void nd_ingest_clear(struct nd_ingest *in);

#endif
