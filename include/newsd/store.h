/*
 * store.h: the state store, one SQLite database (WAL) in state_dir.
 *
 * What it keeps, laid out for how it is used (docs/architecture.md, "The
 * store"):
 *  - sources: each source's state (validators, schedule, last outcome),
 *    one row per source, rewritten in place;
 *  - the journal: every published message with its seq, appended in seq
 *    order (the primary key), read by replay, pruned from its head;
 *  - the seen log: one row per admitted article that brought something new
 *    (its exact keys, the cluster it joined, its version under its guid,
 *    its near-duplicate signature, the verdict), appended in row order.  It
 *    is never looked up by key: the dedupe index (dedupe.h) is rebuilt in
 *    memory from it at start, and grows with it;
 *  - counters: the last seq and each topic's last topic_seq;
 *  - the outbox: journal rows not yet acknowledged by the JetStream sink
 *    (jetstream.h), with the message id each goes out under; a row leaves
 *    it when the stream has stored its message.  Off unless enabled.
 * Everything but the rebuild and replay is an append or a primary-key step:
 * no random-key B-tree is rewritten per article.
 *
 * Writes happen inside a batch (nd_store_begin .. nd_store_commit): what a
 * group commit adds lands together or not at all, with one fsync.  The WAL
 * is checkpointed by a thread of the store's own, so that a checkpoint
 * never holds the caller.  All functions are for one thread (the loop's);
 * they touch the disk, and return 0 or a negative ND_E* code unless said
 * otherwise.  Strings given are copied or used during the call only.
 */
#ifndef NEWSD_STORE_H
#define NEWSD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/util.h"

struct nd_store;

struct nd_source_state {
    char *url; /* the URL the validators belong to */
    char *etag;
    char *last_modified;
    int64_t next_due; /* Unix seconds; 0 = as soon as possible */
    int64_t last_poll;
    int64_t last_ok;
    int64_t errors; /* consecutive failures */
    char *outcome;  /* class of the last poll, or NULL */
    char *error;    /* one line, or NULL */
    int64_t http_status;
    int64_t retry_until; /* Unix seconds the server asked to wait until (Retry-After), or 0 */
};

/* Free the strings of s and zero it. */
void nd_source_state_clear(struct nd_source_state *s);

/*
 * Open (creating if needed) the store in dir, which is created with mode
 * 0750 if missing.  Takes an exclusive lock: a second daemon on the same
 * folder is refused.  An older store is migrated.  On failure writes a
 * reason into err.
 */
int nd_store_open(const char *dir, struct nd_store **out, char *err, size_t errlen) ND_WUR;
/* Checkpoints what is in the WAL, closes, unlocks.  nd_store_free(NULL) does nothing. */
void nd_store_free(struct nd_store *st);
/* The last error: SQLite's own words ("database or disk is full"), kept across a rollback. */
const char *nd_store_errmsg(const struct nd_store *st);

/* A durable batch: its commit is fsynced. */
int nd_store_begin(struct nd_store *st) ND_WUR;
/*
 * A batch whose commit is not fsynced (WAL, synchronous=NORMAL): it
 * survives the process dying (kill -9), not a power cut, and never leaves
 * the store inconsistent.  For state that may be lost at that price (the
 * timing of not-modified polls), never for the journal.
 */
int nd_store_begin_light(struct nd_store *st) ND_WUR;
int nd_store_commit(struct nd_store *st) ND_WUR;
/* Undo the batch, counters included. */
void nd_store_rollback(struct nd_store *st);
/*
 * Can the store take a write?  One durable batch that writes the time
 * into the meta table (I/O: an fsync).  0, or ND_ESTORE with the reason in
 * nd_store_errmsg().  Inside a batch it writes nothing and answers 0.
 */
int nd_store_probe(struct nd_store *st, int64_t now) ND_WUR;

/*
 * A named integer of the daemon's own in the meta table (key: a fixed
 * identifier, no quotes): get answers def when it was never set; set only
 * inside a batch, so that it lands with what it describes.
 */
int64_t nd_store_meta_get(struct nd_store *st, const char *key, int64_t def);
int nd_store_meta_set(struct nd_store *st, const char *key, int64_t v) ND_WUR;

/* Source state: get fills *out (zeroed when unknown: returns ND_ENOTFOUND); caller clears it. */
int nd_store_source_get(struct nd_store *st, const char *id, struct nd_source_state *out);
int nd_store_source_put(struct nd_store *st, const char *id,
                        const struct nd_source_state *s) ND_WUR;

/*
 * A dedupe key: the high 64 bits of XXH3-128 of "type\x1fa\x1fb" (a and b may
 * be NULL).  Types: "g" (source, guid), "u" (canonical URL), "t" (text
 * hash), "i" (article id).  Never 0.  Pure.
 */
uint64_t nd_key(const char *type, const char *a, const char *b);

/* How an admitted article was judged (the seen log's verdict column). */
enum nd_seen_verdict {
    ND_SEEN_NEW = 0,    /* published: a new story */
    ND_SEEN_UPDATE = 1, /* published again as an "update" of its guid's article */
    ND_SEEN_DUP = 2,    /* not published: an exact key of an earlier article */
    ND_SEEN_NEAR = 3,   /* not published: a near-duplicate */
    ND_SEEN_MARKED = 4, /* published with duplicate_of: a near-duplicate, marked */
};

/* One row of the seen log.  Pointers are borrowed (by add) or the store's (by scan). */
struct nd_seen_row {
    int64_t row; /* its number: given by nd_store_seen_add */
    int64_t ts;  /* Unix seconds */
    uint8_t id[16];
    int64_t cluster; /* row of the first copy; 0 on add: this row itself */
    int64_t seq;     /* journal seq when published, else 0 */
    const char *source;
    enum nd_seen_verdict verdict;
    const char *why; /* what matched, one short line, or NULL */
    const uint64_t *keys;
    size_t n_keys;
    uint64_t vkey;       /* the (source, guid) key this row is a version of, or 0 */
    uint64_t vhash;      /* hash of the title and text published under it */
    int64_t vupdated;    /* its updated date, INT64_MIN for none */
    const uint8_t *near; /* packed near-duplicate signature, or NULL */
    size_t near_len;
};

/* Append r (inside a batch); r->row gets its number, r->cluster is resolved. */
int nd_store_seen_add(struct nd_store *st, struct nd_seen_row *r) ND_WUR;
/*
 * Call fn for every row, oldest first; near signatures only for rows at or
 * after near_since (else NULL).  fn returns 0 to go on.  The row is valid
 * during the call only.
 */
typedef int (*nd_seen_fn)(void *arg, const struct nd_seen_row *r);
int nd_store_seen_scan(struct nd_store *st, int64_t near_since, nd_seen_fn fn, void *arg) ND_WUR;
/* One row by number (for explain): fn is called once; ND_ENOTFOUND when pruned. */
int nd_store_seen_get(struct nd_store *st, int64_t row, nd_seen_fn fn, void *arg) ND_WUR;
/* The first row not pruned yet (rows below it are gone), and the next row number. */
int64_t nd_store_seen_first(const struct nd_store *st);
int64_t nd_store_seen_next(const struct nd_store *st);

/* Counters: the last seq given, the journal's size (constant time), the next seq/topic seq. */
int64_t nd_store_last_seq(const struct nd_store *st);
int64_t nd_store_journal_count(const struct nd_store *st);
int nd_store_next_seq(struct nd_store *st, const char *topic, int64_t *seq,
                      int64_t *topic_seq) ND_WUR;
int nd_store_journal_add(struct nd_store *st, int64_t seq, const char *topic, int64_t topic_seq,
                         const char *id, const char *source, int64_t ts, const char *json) ND_WUR;
/* The message journaled under seq: *json is new (caller frees); ND_ENOTFOUND when pruned. */
int nd_store_journal_get(struct nd_store *st, int64_t seq, char **json) ND_WUR;

/*
 * Call fn for journal rows with seq > since, oldest first, whose topic
 * starts with one of prefixes (all when n_prefixes is 0), at most limit.
 * *last is the seq of the last row given, *more whether rows remain.
 */
typedef int (*nd_replay_fn)(void *arg, int64_t seq, const char *topic, const char *json);
int nd_store_replay(struct nd_store *st, int64_t since, int64_t limit, const char *const *prefixes,
                    size_t n_prefixes, nd_replay_fn fn, void *arg, int64_t *last, int *more);

/*
 * The outbox.  With it enabled, nd_store_outbox_add queues a journal row
 * (in the batch that adds the row); disabled, it does nothing and rows
 * left from an earlier run are only pruned with their journal rows.  A
 * journal row still in the enabled outbox is never pruned.
 */
void nd_store_outbox_enable(struct nd_store *st, int on);
int nd_store_outbox_add(struct nd_store *st, int64_t seq, const char *msgid) ND_WUR;
/* The lowest seq in the outbox, or 0 when it is empty (an index look-up). */
int64_t nd_store_outbox_first(struct nd_store *st);
/* Rows in the outbox, committed ones (constant time). */
int64_t nd_store_outbox_count(const struct nd_store *st);
/*
 * Call fn for at most limit outbox rows with seq > after, oldest first,
 * with their journal row's topic and message (valid during the call).  fn
 * returns 0 to go on.  *last is the seq of the last row given (after when
 * none).
 */
typedef int (*nd_outbox_fn)(void *arg, int64_t seq, const char *msgid, const char *topic,
                            const char *json);
int nd_store_outbox_scan(struct nd_store *st, int64_t after, int64_t limit, nd_outbox_fn fn,
                         void *arg, int64_t *last) ND_WUR;
/*
 * Take these rows out of the outbox, in a batch of its own that is not
 * fsynced (a row that comes back after a power cut is sent again, and the
 * stream refuses the copy by its message id).  Not inside a batch.
 */
int nd_store_outbox_done(struct nd_store *st, const int64_t *seqs, size_t n) ND_WUR;
/*
 * Take the row with message id msgid out of the outbox, inside a batch:
 * the stream has that message already, from another node (cluster mode,
 * follow.h).  *gone is the number of rows taken out (0 or 1).
 */
int nd_store_outbox_forget(struct nd_store *st, const char *msgid, int *gone) ND_WUR;

/*
 * Forget journal rows older than now - journal_age and seen rows older
 * than now - seen_age, at most max_rows of each per call (in its own
 * batch), so that a long prune never holds the caller.  Returns the most
 * rows that went from one table (call again while it is max_rows), or an
 * error.
 */
int64_t nd_store_prune(struct nd_store *st, int64_t now, int64_t journal_age, int64_t seen_age,
                       int64_t max_rows);

#endif
