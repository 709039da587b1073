/*
 * store_int.h: the store's own state, shared by store.c (connection,
 * batches, sources, counters, journal, prune), store_seen.c (the seen log),
 * store_ckpt.c (the checkpoint thread) and store_migrate.c (older schemas).
 * Not part of the core library's API.
 */
#ifndef NEWSD_STORE_INT_H
#define NEWSD_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "newsd/store.h"
#include "newsd/strmap.h"

#define SCHEMA_VERSION 4

enum {
    Q_META_PUT,
    Q_TOPIC_PUT,
    Q_JOURNAL_ADD,
    Q_JOURNAL_GET,
    Q_SOURCE_GET,
    Q_SOURCE_PUT,
    Q_REPLAY,
    Q_SEEN_ADD,
    Q_SEEN_SCAN,
    Q_SEEN_GET,
    Q_OUTBOX_ADD,
    Q_OUTBOX_SCAN,
    Q_OUTBOX_DEL,
    Q_OUTBOX_FORGET,
    Q_COUNT
};

struct topic {
    char *name;
    int64_t seq;       /* the last topic_seq given, in the open batch too */
    int64_t committed; /* ... as committed */
    int dirty;         /* in the open batch's list of changed topics */
};

struct ckpt; /* store_ckpt.c */

struct nd_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *q[Q_COUNT];
    int lockfd;
    int in_batch;
    int light;     /* the open batch is not fsynced at commit (synchronous=NORMAL) */
    char err[256]; /* the last failure, kept across the rollback that follows it */
    int64_t seq;   /* last seq given (committed, or inside the open batch) */
    int64_t seq_committed;
    int64_t journal_first; /* the lowest seq in the journal (seq + 1 when empty) */
    int64_t seen_first, seen_next, seen_next_committed;
    struct nd_strmap topics; /* name -> struct topic */
    struct topic **dirty;    /* topics the open batch changed */
    size_t n_dirty, cap_dirty;
    struct ckpt *ckpt;
    int outbox_on;    /* journal rows are queued in the outbox (store_outbox.c) */
    int64_t outbox_n; /* rows in the outbox (in the open batch too) */
    int64_t outbox_n_committed;
};

int nd_store_exec(struct nd_store *st, const char *sql);
/* A prepared statement of the hot path, reset and unbound. */
sqlite3_stmt *nd_store_stmt(struct nd_store *st, int q);
/* Remember what SQLite says went wrong, before a rollback clears it. */
void nd_store_keep_error(struct nd_store *st);

/* store_migrate.c: bring a schema 1, 2 or 3 store to SCHEMA_VERSION (inside a transaction). */
int nd_store_migrate(struct nd_store *st, int64_t from, char *err, size_t errlen);

/* store_outbox.c: load the outbox's size at open; clamp a journal prune to what was sent. */
int nd_store_outbox_load(struct nd_store *st);
int nd_store_outbox_prune(struct nd_store *st, int64_t *jlast);

/* store_ckpt.c: checkpoints on a thread of their own, with their own connection. */
struct ckpt *nd_store_ckpt_start(const char *path);
void nd_store_ckpt_stop(struct ckpt *c);
/* The WAL has grown by a commit (called from SQLite's WAL hook). */
void nd_store_ckpt_poke(struct ckpt *c, int wal_pages);

#endif
