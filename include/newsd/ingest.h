/*
 * ingest.h: the admitting half of the pipeline for one polled document
 * (prepare.h is the other): each prepared article gets its dedupe verdict
 * (dedupe.h), then, when it is to be published, its seq and topic_seq and
 * its journal row; whatever the index learns is appended to the seen log,
 * all inside the caller's open store batch.  The messages to publish are
 * collected; the caller sends them only after the batch committed.
 *
 * A failed store call leaves the index ahead of the store: the caller
 * rolls the batch back and reloads the index (nd_dedupe_load).
 */
#ifndef NEWSD_INGEST_H
#define NEWSD_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/dedupe.h"
#include "newsd/feed.h"
#include "newsd/filter.h"
#include "newsd/metrics.h"
#include "newsd/store.h"

struct nd_ingest {
    /* in */
    struct nd_store *store;
    struct nd_dedupe *dedupe;
    const char *source_id;
    const char *source_title; /* configured title, or NULL for the feed's */
    const char *source_url;
    const char *topic;
    const char *home; /* canonical URL of the feed's site, or NULL */
    int64_t now;
    /* the source's keep/drop rules, then the global ones (each may be NULL) */
    const struct nd_filters *filters, *global_filters;
    struct nd_counters *counters; /* may be NULL */
    struct nd_filter_memo *memo;  /* remembers what the filters dropped; may be NULL */
    /* out: messages[i] to publish after commit, seq first_seq + i */
    struct nd_strv messages;
    struct nd_strv titles; /* for the log */
    int64_t first_seq, last_seq;
    size_t items, added, updated, duplicates, skipped, filtered;
    size_t future; /* new articles dated more than a day after now (kept, but worth a log line) */
};

/*
 * One clean article with its near-duplicate signature (sig and its packed
 * form blob, or NULL) through the filters, dedupe, seq and journal; its id
 * and duplicate_of may be changed (an update keeps the first version's id).
 * An article a filter drops is counted (filtered), remembered in memo and
 * goes no further: it is not seen, and is checked again at the next poll.
 * The article stays the caller's.  0, or ND_ESTORE.
 */
int nd_ingest_article(struct nd_ingest *in, const struct nd_feed *feed, struct nd_article *a,
                      const struct nd_near_sig *sig, const uint8_t *blob, size_t blob_len) ND_WUR;
/*
 * An article another node published (cluster mode, follow.h), from the
 * stream: its verdict, and what it brings the index appended to the seen
 * log with seq 0 (it is not in this node's journal) and why starting with
 * from.  No filter, no journal, no message.  in needs store, dedupe,
 * source_id (the article's source), home (its feed's site, or NULL) and
 * now.  *learned is 1 when a row was added, 0 when the index knew it all.
 * 0, or ND_ESTORE (the caller rolls back and reloads the index).
 */
int nd_ingest_remote(struct nd_ingest *in, struct nd_article *a, const char *from,
                     int *learned) ND_WUR;
void nd_ingest_clear(struct nd_ingest *in);

#endif
