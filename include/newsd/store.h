/*
 * store.h: the state store, one SQLite database (WAL) in state_dir.
 *
 * It holds each source's state (validators, schedule, last outcome), the
 * seen keys and fingerprints of the dedupe, and the journal of every
 * published article with its seq.  Writes happen inside a batch
 * (nd_store_begin .. nd_store_commit): keys, journal rows, counters and
 * source state of one poll land together or not at all.
 */
#ifndef NEWSD_STORE_H
#define NEWSD_STORE_H

#include <stdint.h>

#include "newsd/util.h"

struct nd_store;

#define ND_KEY_LEN 16 /* a seen key: XXH3-128 of the typed key */

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

void nd_source_state_clear(struct nd_source_state *s);

/*
 * Open (creating if needed) the store in dir, which is created with mode
 * 0750 if missing.  Takes an exclusive lock: a second daemon on the same
 * folder is refused.  On failure writes a reason into err.
 */
int nd_store_open(const char *dir, struct nd_store **out, char *err, size_t errlen) ND_WUR;
void nd_store_free(struct nd_store *st);
/* The last error: SQLite's own words ("database or disk is full"), kept across a rollback. */
const char *nd_store_errmsg(const struct nd_store *st);

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

/* Source state: get fills *out (zeroed when unknown: returns ND_ENOTFOUND). */
int nd_store_source_get(struct nd_store *st, const char *id, struct nd_source_state *out);
int nd_store_source_put(struct nd_store *st, const char *id,
                        const struct nd_source_state *s) ND_WUR;

/* Make a seen key of a typed string ("g", source, guid...). */
void nd_store_key(uint8_t key[ND_KEY_LEN], const char *type, const char *a, const char *b);
/* 1 and the first article's id when seen, 0 when not, <0 on error. */
int nd_store_seen(struct nd_store *st, const uint8_t key[ND_KEY_LEN], char id[33]);
/* Remember a key for an article id (no-op when already there). */
int nd_store_seen_add(struct nd_store *st, const uint8_t key[ND_KEY_LEN], const char *id,
                      int64_t ts) ND_WUR;

/* Near-duplicate fingerprints: add, and find one within distance since ts. */
int nd_store_fp_add(struct nd_store *st, uint64_t simhash, const char *id, int64_t ts) ND_WUR;
/* 1 and the id of the closest fingerprint within maxdist (newer than since), 0 if none. */
int nd_store_fp_near(struct nd_store *st, uint64_t simhash, int maxdist, int64_t since,
                     char id[33]);

/*
 * The version a source last published of an item, under its (source, guid)
 * key: the article id, a hash of its title and text, its updated date
 * (INT64_MIN for none).  get: 1 when known, 0 when not, <0 on error.
 */
int nd_store_version_get(struct nd_store *st, const uint8_t key[ND_KEY_LEN], char id[33],
                         uint64_t *hash, int64_t *updated);
int nd_store_version_put(struct nd_store *st, const uint8_t key[ND_KEY_LEN], const char *id,
                         uint64_t hash, int64_t updated, int64_t ts) ND_WUR;

/* Counters: the last seq given, and the next seq/topic seq (inside a batch). */
int64_t nd_store_last_seq(const struct nd_store *st);
int64_t nd_store_journal_count(struct nd_store *st);
int nd_store_next_seq(struct nd_store *st, const char *topic, int64_t *seq,
                      int64_t *topic_seq) ND_WUR;
int nd_store_journal_add(struct nd_store *st, int64_t seq, const char *topic, int64_t topic_seq,
                         const char *id, const char *source, int64_t ts, const char *json) ND_WUR;

/*
 * Call fn for journal rows with seq > since, oldest first, whose topic
 * starts with one of prefixes (all when n_prefixes is 0), at most limit.
 * *last is the seq of the last row given, *more whether rows remain.
 */
typedef int (*nd_replay_fn)(void *arg, int64_t seq, const char *topic, const char *json);
int nd_store_replay(struct nd_store *st, int64_t since, int64_t limit, const char *const *prefixes,
                    size_t n_prefixes, nd_replay_fn fn, void *arg, int64_t *last, int *more);

/* Forget journal rows, seen keys and fingerprints older than the given ages (seconds). */
int nd_store_prune(struct nd_store *st, int64_t now, int64_t journal_age, int64_t seen_age,
                   int64_t fp_age);

#endif
