/*
 * store.c: the SQLite state store: the connection, batches, source state,
 * counters, the journal, replay and pruning.  store_seen.c has the seen
 * log, store_ckpt.c the checkpoints, store_migrate.c older schemas.
 *
 * One connection, prepared statements for the hot path, WAL with
 * synchronous=FULL: a batch that committed survives a crash or a power
 * cut, and one that did not is fetched again.  Counters live in memory and
 * are written with the batch that moves them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "store_int.h"

#define CACHE_KIB  (64 * 1024)   /* page cache: 64 MiB at most, used as the store grows */
#define MMAP_BYTES (256LL << 20) /* memory-mapped reads of the first 256 MiB */
#define WAL_LIMIT  (64LL << 20)  /* the WAL file is cut back to this after a checkpoint */

static const char *const queries[Q_COUNT] = {
    [Q_META_PUT] = "INSERT INTO meta(k, v) VALUES (?1, ?2) "
                   "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    [Q_TOPIC_PUT] = "INSERT INTO topics(topic, seq) VALUES (?1, ?2) "
                    "ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq",
    [Q_JOURNAL_ADD] = "INSERT INTO journal(seq, ts, topic, topic_seq, id, source, json) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_JOURNAL_GET] = "SELECT json FROM journal WHERE seq = ?1",
    [Q_SOURCE_GET] = "SELECT url, etag, last_modified, next_due, last_poll, last_ok, errors, "
                     "outcome, error, http_status, retry_until FROM sources WHERE id = ?1",
    [Q_SOURCE_PUT] = "INSERT OR REPLACE INTO sources(id, url, etag, last_modified, next_due, "
                     "last_poll, last_ok, errors, outcome, error, http_status, retry_until) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_REPLAY] = "SELECT seq, topic, json FROM journal WHERE seq > ?1 ORDER BY seq",
    [Q_SEEN_ADD] = "INSERT INTO seen(row, ts, id, cluster, seq, source, verdict, why, keys, "
                   "vkey, vhash, vupdated, near) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [Q_SEEN_SCAN] = "SELECT row, ts, id, cluster, seq, source, verdict, why, keys, vkey, vhash, "
                    "vupdated, CASE WHEN ts >= ?1 THEN near END FROM seen ORDER BY row",
    [Q_SEEN_GET] = "SELECT row, ts, id, cluster, seq, source, verdict, why, keys, vkey, vhash, "
                   "vupdated, near FROM seen WHERE row = ?1",
    [Q_OUTBOX_ADD] = "INSERT INTO outbox(seq, msgid) VALUES (?1, ?2)",
    [Q_OUTBOX_SCAN] = "SELECT o.seq, o.msgid, j.topic, j.json FROM outbox o "
                      "JOIN journal j ON j.seq = o.seq WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
    [Q_OUTBOX_DEL] = "DELETE FROM outbox WHERE seq = ?1",
    [Q_OUTBOX_FORGET] = "DELETE FROM outbox WHERE msgid = ?1",
};

/*
 * Columns are in the order they are read: a prune reads ts and stops
 * before the message or the signature (SQLite leaves overflow pages alone).
 */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sources(id TEXT PRIMARY KEY, url TEXT, etag TEXT,"
    "  last_modified TEXT, next_due INTEGER, last_poll INTEGER, last_ok INTEGER,"
    "  errors INTEGER, outcome TEXT, error TEXT, http_status INTEGER, retry_until INTEGER);"
    "CREATE TABLE IF NOT EXISTS topics(topic TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    "  topic TEXT NOT NULL, topic_seq INTEGER NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,"
    "  json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS seen(row INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    "  id BLOB NOT NULL, cluster INTEGER NOT NULL, seq INTEGER NOT NULL, source TEXT NOT NULL,"
    "  verdict INTEGER NOT NULL, why TEXT, keys BLOB NOT NULL, vkey INTEGER, vhash INTEGER,"
    "  vupdated INTEGER, near BLOB);"
    "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, msgid TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS outbox_msgid ON outbox(msgid);";

void nd_source_state_clear(struct nd_source_state *s)
{
    free(s->url);
    free(s->etag);
    free(s->last_modified);
    free(s->outcome);
    free(s->error);
    memset(s, 0, sizeof(*s));
}

const char *nd_store_errmsg(const struct nd_store *st)
{
    return st->err[0] ? st->err : sqlite3_errmsg(st->db);
}

void nd_store_keep_error(struct nd_store *st)
{
    int rc = sqlite3_errcode(st->db);

    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(st->db));
}

int nd_store_exec(struct nd_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? ND_OK : ND_ESTORE;
}

sqlite3_stmt *nd_store_stmt(struct nd_store *st, int q)
{
    sqlite3_stmt *s = st->q[q];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int64_t one_int(struct nd_store *st, const char *sql, int64_t def)
{
    sqlite3_stmt *s;
    int64_t v = def;

    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return def;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int meta_put(struct nd_store *st, const char *k, int64_t v)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_META_PUT);

    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int64_t nd_store_meta_get(struct nd_store *st, const char *key, int64_t def)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "SELECT v FROM meta WHERE k = '%s'", key);
    return one_int(st, sql, def);
}

int nd_store_meta_set(struct nd_store *st, const char *key, int64_t v)
{
    if (!st->in_batch)
        return ND_EINVAL;
    if (meta_put(st, key, v) != ND_OK) {
        nd_store_keep_error(st);
        return ND_ESTORE;
    }
    return ND_OK;
}

/* --- topic counters, in memory --- */

static struct topic *topic_get(struct nd_store *st, const char *name)
{
    struct topic *t = nd_strmap_get(&st->topics, name);

    if (t == NULL) {
        t = xcalloc(1, sizeof(*t));
        t->name = xstrdup(name);
        nd_strmap_put(&st->topics, name, t);
    }
    return t;
}

static int load_topics(struct nd_store *st)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT topic, seq FROM topics", -1, &s, NULL) != SQLITE_OK)
        return ND_ESTORE;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct topic *t = topic_get(st, (const char *)sqlite3_column_text(s, 0));
        t->seq = t->committed = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

static void free_topic(void *arg, const char *key, void *value)
{
    struct topic *t = value;

    free(t->name);
    free(t);
}

static void free_topics(struct nd_store *st)
{
    nd_strmap_each(&st->topics, free_topic, NULL);
    nd_strmap_free(&st->topics);
    free(st->dirty);
}

static void mark_dirty(struct nd_store *st, struct topic *t)
{
    if (t->dirty)
        return;
    if (st->n_dirty == st->cap_dirty) {
        st->cap_dirty = st->cap_dirty ? st->cap_dirty * 2 : 64;
        st->dirty = xrealloc(st->dirty, st->cap_dirty * sizeof(*st->dirty));
    }
    st->dirty[st->n_dirty++] = t;
    t->dirty = 1;
}

static int write_topics(struct nd_store *st)
{
    for (size_t i = 0; i < st->n_dirty; i++) {
        sqlite3_stmt *s = nd_store_stmt(st, Q_TOPIC_PUT);
        sqlite3_bind_text(s, 1, st->dirty[i]->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, st->dirty[i]->seq);
        if (sqlite3_step(s) != SQLITE_DONE)
            return ND_ESTORE;
    }
    return ND_OK;
}

/* The batch ended: keep (commit) or forget (rollback) what it did to the counters. */
static void settle_topics(struct nd_store *st, int keep)
{
    for (size_t i = 0; i < st->n_dirty; i++) {
        struct topic *t = st->dirty[i];
        if (keep)
            t->committed = t->seq;
        else
            t->seq = t->committed;
        t->dirty = 0;
    }
    st->n_dirty = 0;
}

/* --- open and close --- */

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct nd_store *st = arg;

    if (st->ckpt)
        nd_store_ckpt_poke(st->ckpt, pages);
    return SQLITE_OK;
}

static int lock_dir(struct nd_store *st, const char *dir, char *err, size_t errlen)
{
    char *path = xasprintf("%s/newsd.lock", dir);
    int rc = ND_ESTORE;

    st->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (st->lockfd < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    else if (flock(st->lockfd, LOCK_EX | LOCK_NB) == 0)
        rc = ND_OK;
    else if (errno == EWOULDBLOCK)
        snprintf(err, errlen, "%s: in use by another newsd", dir);
    else
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    free(path);
    return rc;
}

static int setup_db(struct nd_store *st, char *err, size_t errlen)
{
    char pragmas[256];
    int64_t version;

    sqlite3_busy_timeout(st->db, 5000);
    snprintf(pragmas, sizeof(pragmas),
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;"
             " PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld; PRAGMA journal_size_limit=%lld;",
             CACHE_KIB, (long long)MMAP_BYTES, (long long)WAL_LIMIT);
    if (nd_store_exec(st, pragmas) != ND_OK || nd_store_exec(st, "BEGIN IMMEDIATE") != ND_OK)
        goto sqlerr;
    version = one_int(st, "SELECT v FROM meta WHERE k = 'schema'", 0);
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: made by a newer newsd (schema %lld)", st->path,
                 (long long)version);
        nd_store_exec(st, "ROLLBACK");
        return ND_ESTORE;
    }
    if (version > 0 && version < SCHEMA_VERSION &&
        nd_store_migrate(st, version, err, errlen) != ND_OK) {
        nd_store_exec(st, "ROLLBACK");
        return ND_ESTORE;
    }
    /* what a migration did not make is made here (tables new in this schema) */
    snprintf(pragmas, sizeof(pragmas),
             "INSERT INTO meta(k, v) VALUES ('schema', %d) "
             "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
             SCHEMA_VERSION);
    if (nd_store_exec(st, schema) != ND_OK || nd_store_exec(st, pragmas) != ND_OK ||
        nd_store_exec(st, "COMMIT") != ND_OK)
        goto sqlerr;
    return ND_OK;
sqlerr:
    snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
    nd_store_exec(st, "ROLLBACK");
    return ND_ESTORE;
}

int nd_store_open(const char *dir, struct nd_store **out, char *err, size_t errlen)
{
    struct nd_store *st = xcalloc(1, sizeof(*st));

    *out = NULL;
    st->lockfd = -1;
    if (nd_mkdir_p(dir, 0750) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        goto fail;
    }
    if (lock_dir(st, dir, err, errlen) != ND_OK)
        goto fail;
    st->path = xasprintf("%s/newsd.db", dir);
    if (sqlite3_open_v2(st->path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", st->path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
        goto fail;
    }
    if (setup_db(st, err, errlen) != ND_OK)
        goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i],
                               NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
            goto fail;
        }
    if (load_topics(st) != ND_OK) {
        snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
        goto fail;
    }
    st->seq = st->seq_committed = one_int(st, "SELECT v FROM meta WHERE k = 'seq'", 0);
    st->journal_first = one_int(st, "SELECT min(seq) FROM journal", st->seq + 1);
    st->seen_next = st->seen_next_committed = one_int(st, "SELECT max(row) FROM seen", 0) + 1;
    st->seen_first = one_int(st, "SELECT min(row) FROM seen", st->seen_next);
    if (nd_store_outbox_load(st) != ND_OK) {
        snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
        goto fail;
    }
    st->ckpt = nd_store_ckpt_start(st->path);
    sqlite3_wal_hook(st->db, wal_hook, st);
    *out = st;
    return ND_OK;
fail:
    nd_store_free(st);
    return ND_ESTORE;
}

void nd_store_free(struct nd_store *st)
{
    if (st == NULL)
        return;
    nd_store_ckpt_stop(st->ckpt);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->q[i]);
    if (st->db) {
        /* the last connection to close checkpoints the WAL into the database */
        sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(st->db);
    }
    if (st->lockfd >= 0)
        close(st->lockfd);
    free_topics(st);
    free(st->path);
    free(st);
}

/* --- batches --- */

int nd_store_begin(struct nd_store *st)
{
    if (st->in_batch)
        return ND_EINVAL;
    st->err[0] = '\0';
    if (nd_store_exec(st, "BEGIN IMMEDIATE") != ND_OK) {
        nd_store_keep_error(st);
        return ND_ESTORE;
    }
    st->in_batch = 1;
    return ND_OK;
}

int nd_store_begin_light(struct nd_store *st)
{
    if (st->in_batch)
        return ND_EINVAL;
    if (nd_store_exec(st, "PRAGMA synchronous=NORMAL") != ND_OK)
        return ND_ESTORE;
    st->light = 1;
    if (nd_store_begin(st) != ND_OK) {
        (void)nd_store_exec(st, "PRAGMA synchronous=FULL");
        st->light = 0;
        return ND_ESTORE;
    }
    return ND_OK;
}

/* Back to durable commits after a light batch. */
static void end_light(struct nd_store *st)
{
    if (st->light) {
        (void)nd_store_exec(st, "PRAGMA synchronous=FULL");
        st->light = 0;
    }
}

int nd_store_commit(struct nd_store *st)
{
    if (!st->in_batch)
        return ND_EINVAL;
    if ((st->seq != st->seq_committed && meta_put(st, "seq", st->seq) != ND_OK) ||
        write_topics(st) != ND_OK || nd_store_exec(st, "COMMIT") != ND_OK) {
        nd_store_keep_error(st);
        nd_store_rollback(st);
        return ND_ESTORE;
    }
    st->in_batch = 0;
    end_light(st);
    st->seq_committed = st->seq;
    st->seen_next_committed = st->seen_next;
    st->outbox_n_committed = st->outbox_n;
    settle_topics(st, 1);
    return ND_OK;
}

int nd_store_probe(struct nd_store *st, int64_t now)
{
    if (st->in_batch)
        return ND_OK; /* a batch is being written: its commit will tell */
    if (nd_store_begin(st) != ND_OK)
        return ND_ESTORE;
    if (meta_put(st, "probe", now) != ND_OK) {
        nd_store_keep_error(st);
        nd_store_rollback(st);
        return ND_ESTORE;
    }
    return nd_store_commit(st);
}

void nd_store_rollback(struct nd_store *st)
{
    if (!st->in_batch)
        return;
    if (st->err[0] == '\0')
        nd_store_keep_error(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_reset(st->q[i]);
    nd_store_exec(st, "ROLLBACK");
    st->in_batch = 0;
    end_light(st);
    st->seq = st->seq_committed;
    st->seen_next = st->seen_next_committed;
    st->outbox_n = st->outbox_n_committed;
    settle_topics(st, 0);
}

/* --- sources --- */

static char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? xstrdup((const char *)t) : NULL;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

int nd_store_source_get(struct nd_store *st, const char *id, struct nd_source_state *out)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_SOURCE_GET);
    int rc;

    memset(out, 0, sizeof(*out));
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        return ND_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return ND_ESTORE;
    out->url = col_text(s, 0);
    out->etag = col_text(s, 1);
    out->last_modified = col_text(s, 2);
    out->next_due = sqlite3_column_int64(s, 3);
    out->last_poll = sqlite3_column_int64(s, 4);
    out->last_ok = sqlite3_column_int64(s, 5);
    out->errors = sqlite3_column_int64(s, 6);
    out->outcome = col_text(s, 7);
    out->error = col_text(s, 8);
    out->http_status = sqlite3_column_int64(s, 9);
    out->retry_until = sqlite3_column_int64(s, 10);
    sqlite3_reset(s);
    return ND_OK;
}

int nd_store_source_put(struct nd_store *st, const char *id, const struct nd_source_state *v)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_SOURCE_PUT);

    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    bind_text_or_null(s, 2, v->url);
    bind_text_or_null(s, 3, v->etag);
    bind_text_or_null(s, 4, v->last_modified);
    sqlite3_bind_int64(s, 5, v->next_due);
    sqlite3_bind_int64(s, 6, v->last_poll);
    sqlite3_bind_int64(s, 7, v->last_ok);
    sqlite3_bind_int64(s, 8, v->errors);
    bind_text_or_null(s, 9, v->outcome);
    bind_text_or_null(s, 10, v->error);
    sqlite3_bind_int64(s, 11, v->http_status);
    sqlite3_bind_int64(s, 12, v->retry_until);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

uint64_t nd_key(const char *type, const char *a, const char *b)
{
    char *k = xasprintf("%s\x1f%s\x1f%s", type, a ? a : "", b ? b : "");
    XXH128_hash_t h = XXH3_128bits(k, strlen(k));

    free(k);
    return h.high64 ? h.high64 : 1;
}

/* --- counters and the journal --- */

int64_t nd_store_last_seq(const struct nd_store *st)
{
    return st->seq;
}

int64_t nd_store_journal_count(const struct nd_store *st)
{
    return st->seq_committed >= st->journal_first ? st->seq_committed - st->journal_first + 1 : 0;
}

int nd_store_next_seq(struct nd_store *st, const char *topic, int64_t *seq, int64_t *topic_seq)
{
    struct topic *t;

    if (!st->in_batch)
        return ND_EINVAL;
    t = topic_get(st, topic);
    mark_dirty(st, t);
    *topic_seq = ++t->seq;
    *seq = ++st->seq;
    return ND_OK;
}

int nd_store_journal_add(struct nd_store *st, int64_t seq, const char *topic, int64_t topic_seq,
                         const char *id, const char *source, int64_t ts, const char *json)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_JOURNAL_ADD);

    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, ts);
    sqlite3_bind_text(s, 3, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, topic_seq);
    sqlite3_bind_text(s, 5, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, json, -1, SQLITE_STATIC);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_journal_get(struct nd_store *st, int64_t seq, char **json)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_JOURNAL_GET);
    int rc;

    *json = NULL;
    sqlite3_bind_int64(s, 1, seq);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *json = col_text(s, 0);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return ND_OK;
    return rc == SQLITE_DONE ? ND_ENOTFOUND : ND_ESTORE;
}

static int has_prefix(const char *topic, const char *const *prefixes, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (strncmp(topic, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

int nd_store_replay(struct nd_store *st, int64_t since, int64_t limit, const char *const *prefixes,
                    size_t n_prefixes, nd_replay_fn fn, void *arg, int64_t *last, int *more)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_REPLAY);
    int64_t given = 0;
    int rc;

    *last = since;
    *more = 0;
    sqlite3_bind_int64(s, 1, since);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *topic = (const char *)sqlite3_column_text(s, 1);
        if (!has_prefix(topic, prefixes, n_prefixes))
            continue;
        if (given == limit) {
            *more = 1;
            break;
        }
        *last = sqlite3_column_int64(s, 0);
        if (fn(arg, *last, topic, (const char *)sqlite3_column_text(s, 2)) != 0)
            break;
        given++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

/* --- pruning --- */

/*
 * The last key among the first max rows of table (ordered by key) whose ts
 * is before cutoff: rows are appended in time order, so the old ones are a
 * prefix, found by reading at most max rows (their ts, not their bodies).
 */
static int64_t prune_upto(struct nd_store *st, const char *table, const char *key, int64_t cutoff,
                          int64_t max)
{
    char *sql = xasprintf("SELECT max(k) FROM (SELECT %s AS k, ts FROM %s ORDER BY %s LIMIT %lld)"
                          " WHERE ts < %lld",
                          key, table, key, (long long)max, (long long)cutoff);
    int64_t v = one_int(st, sql, -1);

    free(sql);
    return v;
}

int64_t nd_store_prune(struct nd_store *st, int64_t now, int64_t journal_age, int64_t seen_age,
                       int64_t max_rows)
{
    int64_t jlast = prune_upto(st, "journal", "seq", now - journal_age, max_rows);
    int64_t slast = prune_upto(st, "seen", "row", now - seen_age, max_rows);
    int64_t gone = 0, n;
    char sql[128];

    if (jlast < 0 && slast < 0)
        return 0;
    if (nd_store_begin(st) != ND_OK)
        return ND_ESTORE;
    if (jlast >= 0 && nd_store_outbox_prune(st, &jlast) != ND_OK)
        goto fail;
    if (jlast >= 0) {
        snprintf(sql, sizeof(sql), "DELETE FROM journal WHERE seq <= %lld", (long long)jlast);
        if (nd_store_exec(st, sql) != ND_OK)
            goto fail;
        gone = sqlite3_changes(st->db);
    }
    if (slast >= 0) {
        snprintf(sql, sizeof(sql), "DELETE FROM seen WHERE row <= %lld", (long long)slast);
        if (nd_store_exec(st, sql) != ND_OK)
            goto fail;
        n = sqlite3_changes(st->db);
        gone = n > gone ? n : gone;
    }
    if (nd_store_commit(st) != ND_OK)
        return ND_ESTORE;
    if (jlast >= 0)
        st->journal_first = jlast + 1;
    if (slast >= 0)
        st->seen_first = slast + 1;
    return gone;
fail:
    nd_store_rollback(st);
    return ND_ESTORE;
}
