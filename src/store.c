/*
 * store.c: the SQLite state store.
 *
 * One connection, prepared statements kept for the hot path, WAL with
 * synchronous=FULL: a batch that committed survives a crash or a power
 * cut, and one that did not is fetched again.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "newsd/store.h"

#define SCHEMA_VERSION 2

enum {
    Q_SEEN,
    Q_SEEN_ADD,
    Q_FP_ADD,
    Q_FPB_ADD,
    Q_FP_NEAR,
    Q_FP_SCAN,
    Q_TOPIC_GET,
    Q_TOPIC_PUT,
    Q_META_PUT,
    Q_JOURNAL_ADD,
    Q_SOURCE_GET,
    Q_SOURCE_PUT,
    Q_REPLAY,
    Q_VERSION_GET,
    Q_VERSION_PUT,
    Q_COUNT
};

static const char *const queries[Q_COUNT] = {
    [Q_SEEN] = "SELECT id FROM seen WHERE key = ?1",
    [Q_SEEN_ADD] = "INSERT OR IGNORE INTO seen(key, id, ts) VALUES (?1, ?2, ?3)",
    [Q_FP_ADD] = "INSERT INTO fp(simhash, id, ts) VALUES (?1, ?2, ?3)",
    [Q_FPB_ADD] = "INSERT INTO fpblock(block, simhash, id, ts) VALUES (?1, ?2, ?3, ?4)",
    [Q_FP_NEAR] = "SELECT simhash, id FROM fpblock WHERE block IN (?1, ?2, ?3, ?4) AND ts >= ?5",
    [Q_FP_SCAN] = "SELECT simhash, id FROM fp WHERE ts >= ?1",
    [Q_TOPIC_GET] = "SELECT seq FROM topics WHERE topic = ?1",
    [Q_TOPIC_PUT] = "INSERT INTO topics(topic, seq) VALUES (?1, ?2) "
                    "ON CONFLICT(topic) DO UPDATE SET seq = excluded.seq",
    [Q_META_PUT] = "INSERT INTO meta(k, v) VALUES (?1, ?2) "
                   "ON CONFLICT(k) DO UPDATE SET v = excluded.v",
    [Q_JOURNAL_ADD] = "INSERT INTO journal(seq, ts, topic, topic_seq, id, source, json) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_SOURCE_GET] = "SELECT url, etag, last_modified, next_due, last_poll, last_ok, errors, "
                     "outcome, error, http_status, retry_until FROM sources WHERE id = ?1",
    [Q_SOURCE_PUT] = "INSERT OR REPLACE INTO sources(id, url, etag, last_modified, next_due, "
                     "last_poll, last_ok, errors, outcome, error, http_status, retry_until) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_REPLAY] = "SELECT seq, topic, json FROM journal WHERE seq > ?1 ORDER BY seq",
    [Q_VERSION_GET] = "SELECT id, hash, updated FROM versions WHERE key = ?1",
    [Q_VERSION_PUT] = "INSERT OR REPLACE INTO versions(key, id, hash, updated, ts) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sources(id TEXT PRIMARY KEY, url TEXT, etag TEXT,"
    "  last_modified TEXT, next_due INTEGER, last_poll INTEGER, last_ok INTEGER,"
    "  errors INTEGER, outcome TEXT, error TEXT, http_status INTEGER, retry_until INTEGER);"
    "CREATE TABLE IF NOT EXISTS seen(key BLOB PRIMARY KEY, id TEXT NOT NULL,"
    "  ts INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS seen_ts ON seen(ts);"
    "CREATE TABLE IF NOT EXISTS fp(simhash INTEGER NOT NULL, id TEXT NOT NULL,"
    "  ts INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS fp_ts ON fp(ts);"
    "CREATE TABLE IF NOT EXISTS fpblock(block INTEGER NOT NULL, simhash INTEGER NOT NULL,"
    "  id TEXT NOT NULL, ts INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS fpblock_block ON fpblock(block, ts);"
    "CREATE INDEX IF NOT EXISTS fpblock_ts ON fpblock(ts);"
    "CREATE TABLE IF NOT EXISTS topics(topic TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    "  topic TEXT NOT NULL, topic_seq INTEGER NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,"
    "  json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS journal_ts ON journal(ts);"
    "CREATE TABLE IF NOT EXISTS versions(key BLOB PRIMARY KEY, id TEXT NOT NULL,"
    "  hash INTEGER NOT NULL, updated INTEGER, ts INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS versions_ts ON versions(ts);";

struct nd_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    int lockfd;
    int in_batch;
    int light;     /* the open batch is not fsynced at commit (synchronous=NORMAL) */
    char err[256]; /* the last failure, kept across the rollback that follows it */
    int64_t seq;   /* last seq given (committed, or inside the open batch) */
};

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

/* Remember what SQLite says went wrong, before a rollback clears it. */
static void keep_error(struct nd_store *st)
{
    if (sqlite3_errcode(st->db) != SQLITE_OK && sqlite3_errcode(st->db) != SQLITE_DONE &&
        sqlite3_errcode(st->db) != SQLITE_ROW)
        snprintf(st->err, sizeof(st->err), "%s", sqlite3_errmsg(st->db));
}

static int exec(struct nd_store *st, const char *sql);

/* Schema 1 had no retry_until. */
static int migrate(struct nd_store *st)
{
    sqlite3_stmt *s;
    int has = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT retry_until FROM sources LIMIT 0", -1, &s, NULL) ==
        SQLITE_OK)
        has = 1;
    sqlite3_finalize(s);
    return has ? ND_OK : exec(st, "ALTER TABLE sources ADD COLUMN retry_until INTEGER");
}

static int exec(struct nd_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? ND_OK : ND_ESTORE;
}

static sqlite3_stmt *stmt(struct nd_store *st, int q)
{
    sqlite3_stmt *s = st->q[q];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int64_t meta_get(struct nd_store *st, const char *k)
{
    sqlite3_stmt *s;
    int64_t v = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT v FROM meta WHERE k = ?1", -1, &s, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int meta_put(struct nd_store *st, const char *k, int64_t v)
{
    sqlite3_stmt *s = stmt(st, Q_META_PUT);

    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_open(const char *dir, struct nd_store **out, char *err, size_t errlen)
{
    struct nd_store *st = xcalloc(1, sizeof(*st));
    char *path = NULL;
    int rc;

    *out = NULL;
    st->lockfd = -1;
    if (nd_mkdir_p(dir, 0750) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        goto fail;
    }
    path = xasprintf("%s/newsd.lock", dir);
    st->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (st->lockfd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(st->lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "%s: in use by another newsd (%s)", dir, strerror(errno));
        goto fail;
    }
    free(path);
    path = xasprintf("%s/newsd.db", dir);
    rc = sqlite3_open_v2(path, &st->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 5000);
    if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;") != ND_OK ||
        exec(st, schema) != ND_OK || migrate(st) != ND_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i],
                               NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
            goto fail;
        }
    if (meta_get(st, "schema") > SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: made by a newer newsd (schema %lld)", path,
                 (long long)meta_get(st, "schema"));
        goto fail;
    }
    if (meta_put(st, "schema", SCHEMA_VERSION) != ND_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    st->seq = meta_get(st, "seq");
    free(path);
    *out = st;
    return ND_OK;
fail:
    free(path);
    nd_store_free(st);
    return ND_ESTORE;
}

void nd_store_free(struct nd_store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->q[i]);
    if (st->db)
        sqlite3_close(st->db);
    if (st->lockfd >= 0)
        close(st->lockfd);
    free(st);
}

int nd_store_begin(struct nd_store *st)
{
    if (st->in_batch)
        return ND_EINVAL;
    st->err[0] = '\0';
    if (exec(st, "BEGIN IMMEDIATE") != ND_OK) {
        keep_error(st);
        return ND_ESTORE;
    }
    st->in_batch = 1;
    return ND_OK;
}

int nd_store_begin_light(struct nd_store *st)
{
    if (st->in_batch)
        return ND_EINVAL;
    if (exec(st, "PRAGMA synchronous=NORMAL") != ND_OK)
        return ND_ESTORE;
    st->light = 1;
    if (nd_store_begin(st) != ND_OK) {
        (void)exec(st, "PRAGMA synchronous=FULL");
        st->light = 0;
        return ND_ESTORE;
    }
    return ND_OK;
}

/* Back to durable commits after a light batch. */
static void end_light(struct nd_store *st)
{
    if (st->light) {
        (void)exec(st, "PRAGMA synchronous=FULL");
        st->light = 0;
    }
}

int nd_store_commit(struct nd_store *st)
{
    if (!st->in_batch)
        return ND_EINVAL;
    if (meta_put(st, "seq", st->seq) != ND_OK || exec(st, "COMMIT") != ND_OK) {
        keep_error(st);
        nd_store_rollback(st);
        return ND_ESTORE;
    }
    st->in_batch = 0;
    end_light(st);
    return ND_OK;
}

void nd_store_rollback(struct nd_store *st)
{
    if (!st->in_batch)
        return;
    if (st->err[0] == '\0')
        keep_error(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_reset(st->q[i]);
    exec(st, "ROLLBACK");
    st->in_batch = 0;
    end_light(st);
    st->seq = meta_get(st, "seq");
}

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
    sqlite3_stmt *s = stmt(st, Q_SOURCE_GET);
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
    sqlite3_stmt *s = stmt(st, Q_SOURCE_PUT);

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

void nd_store_key(uint8_t key[ND_KEY_LEN], const char *type, const char *a, const char *b)
{
    char *k = xasprintf("%s\x1f%s\x1f%s", type, a ? a : "", b ? b : "");
    XXH128_canonical_t c;

    XXH128_canonicalFromHash(&c, XXH3_128bits(k, strlen(k)));
    memcpy(key, c.digest, ND_KEY_LEN);
    free(k);
}

static void copy_id(char id[33], sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(id, 33, "%s", t ? (const char *)t : "");
}

int nd_store_seen(struct nd_store *st, const uint8_t key[ND_KEY_LEN], char id[33])
{
    sqlite3_stmt *s = stmt(st, Q_SEEN);
    int rc;

    sqlite3_bind_blob(s, 1, key, ND_KEY_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        copy_id(id, s, 0);
        sqlite3_reset(s);
        return 1;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : ND_ESTORE;
}

int nd_store_seen_add(struct nd_store *st, const uint8_t key[ND_KEY_LEN], const char *id,
                      int64_t ts)
{
    sqlite3_stmt *s = stmt(st, Q_SEEN_ADD);

    sqlite3_bind_blob(s, 1, key, ND_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, ts);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

/* The four 16-bit blocks of a fingerprint, tagged with their position. */
static int64_t block_of(uint64_t h, int i)
{
    return (int64_t)(((uint64_t)i << 16) | ((h >> (16 * i)) & 0xffff));
}

int nd_store_fp_add(struct nd_store *st, uint64_t simhash, const char *id, int64_t ts)
{
    sqlite3_stmt *s = stmt(st, Q_FP_ADD);

    sqlite3_bind_int64(s, 1, (int64_t)simhash);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, ts);
    if (sqlite3_step(s) != SQLITE_DONE)
        return ND_ESTORE;
    for (int i = 0; i < 4; i++) {
        s = stmt(st, Q_FPB_ADD);
        sqlite3_bind_int64(s, 1, block_of(simhash, i));
        sqlite3_bind_int64(s, 2, (int64_t)simhash);
        sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, ts);
        if (sqlite3_step(s) != SQLITE_DONE)
            return ND_ESTORE;
    }
    return ND_OK;
}

int nd_store_fp_near(struct nd_store *st, uint64_t simhash, int maxdist, int64_t since, char id[33])
{
    sqlite3_stmt *s;
    int best = maxdist + 1, rc;

    /* With at most 3 bits apart, one of four 16-bit blocks is equal (pigeonhole). */
    if (maxdist <= 3) {
        s = stmt(st, Q_FP_NEAR);
        for (int i = 0; i < 4; i++)
            sqlite3_bind_int64(s, i + 1, block_of(simhash, i));
        sqlite3_bind_int64(s, 5, since);
    } else {
        s = stmt(st, Q_FP_SCAN);
        sqlite3_bind_int64(s, 1, since);
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int d = __builtin_popcountll((uint64_t)sqlite3_column_int64(s, 0) ^ simhash);
        if (d < best) {
            best = d;
            copy_id(id, s, 1);
        }
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return ND_ESTORE;
    return best <= maxdist;
}

int64_t nd_store_last_seq(const struct nd_store *st)
{
    return st->seq;
}

int64_t nd_store_journal_count(struct nd_store *st)
{
    sqlite3_stmt *s;
    int64_t n = -1;

    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM journal", -1, &s, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int nd_store_next_seq(struct nd_store *st, const char *topic, int64_t *seq, int64_t *topic_seq)
{
    sqlite3_stmt *s = stmt(st, Q_TOPIC_GET);
    int64_t t = 0;
    int rc;

    if (!st->in_batch)
        return ND_EINVAL;
    sqlite3_bind_text(s, 1, topic, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        t = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE)
        return ND_ESTORE;
    sqlite3_reset(s);
    s = stmt(st, Q_TOPIC_PUT);
    sqlite3_bind_text(s, 1, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t + 1);
    if (sqlite3_step(s) != SQLITE_DONE)
        return ND_ESTORE;
    *seq = ++st->seq;
    *topic_seq = t + 1;
    return ND_OK;
}

int nd_store_journal_add(struct nd_store *st, int64_t seq, const char *topic, int64_t topic_seq,
                         const char *id, const char *source, int64_t ts, const char *json)
{
    sqlite3_stmt *s = stmt(st, Q_JOURNAL_ADD);

    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, ts);
    sqlite3_bind_text(s, 3, topic, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, topic_seq);
    sqlite3_bind_text(s, 5, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, json, -1, SQLITE_STATIC);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_version_get(struct nd_store *st, const uint8_t key[ND_KEY_LEN], char id[33],
                         uint64_t *hash, int64_t *updated)
{
    sqlite3_stmt *s = stmt(st, Q_VERSION_GET);
    int rc;

    sqlite3_bind_blob(s, 1, key, ND_KEY_LEN, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        copy_id(id, s, 0);
        *hash = (uint64_t)sqlite3_column_int64(s, 1);
        *updated =
            sqlite3_column_type(s, 2) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : ND_ESTORE;
}

int nd_store_version_put(struct nd_store *st, const uint8_t key[ND_KEY_LEN], const char *id,
                         uint64_t hash, int64_t updated, int64_t ts)
{
    sqlite3_stmt *s = stmt(st, Q_VERSION_PUT);

    sqlite3_bind_blob(s, 1, key, ND_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (int64_t)hash);
    if (updated == INT64_MIN)
        sqlite3_bind_null(s, 4);
    else
        sqlite3_bind_int64(s, 4, updated);
    sqlite3_bind_int64(s, 5, ts);
    return sqlite3_step(s) == SQLITE_DONE ? ND_OK : ND_ESTORE;
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
    sqlite3_stmt *s = stmt(st, Q_REPLAY);
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

int nd_store_prune(struct nd_store *st, int64_t now, int64_t journal_age, int64_t seen_age,
                   int64_t fp_age)
{
    char sql[512];

    snprintf(sql, sizeof(sql),
             "BEGIN; DELETE FROM journal WHERE ts < %lld; DELETE FROM seen WHERE ts < %lld;"
             " DELETE FROM fp WHERE ts < %lld; DELETE FROM fpblock WHERE ts < %lld; COMMIT;",
             (long long)(now - journal_age), (long long)(now - seen_age), (long long)(now - fp_age),
             (long long)(now - fp_age));
    if (exec(st, sql) != ND_OK) {
        exec(st, "ROLLBACK");
        return ND_ESTORE;
    }
    return ND_OK;
}
