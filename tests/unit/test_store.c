/*
 * test_store.c: the SQLite store on a real file: batches, counters that
 * survive reopening, the seen log, replay, the lock, pruning in steps, and
 * the migration of a schema 2 store.
 */
#include <check.h>
#include <string.h>

#include "newsd/store.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

static struct nd_store *open_store(void)
{
    struct nd_store *st;
    char err[512];

    ck_assert_msg(nd_store_open(dir, &st, err, sizeof(err)) == ND_OK, "%s", err);
    return st;
}

/* Journal one message in its own batch; returns its seq. */
static int64_t journal(struct nd_store *st, const char *topic, const char *id, int64_t ts,
                       int64_t *topic_seq)
{
    int64_t seq, tseq;
    char json[128];

    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_next_seq(st, topic, &seq, &tseq), ND_OK);
    snprintf(json, sizeof(json), "{\"seq\":%lld,\"id\":\"%s\"}", (long long)seq, id);
    ck_assert_int_eq(nd_store_journal_add(st, seq, topic, tseq, id, "src", ts, json), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    if (topic_seq)
        *topic_seq = tseq;
    return seq;
}

START_TEST(seq_survives_reopen)
{
    struct nd_store *st = open_store();
    int64_t tseq;

    ck_assert_int_eq(nd_store_last_seq(st), 0);
    ck_assert_int_eq(journal(st, "news.a", "a1", 100, &tseq), 1);
    ck_assert_int_eq(tseq, 1);
    ck_assert_int_eq(journal(st, "news.b", "b1", 100, &tseq), 2);
    ck_assert_int_eq(tseq, 1);
    ck_assert_int_eq(journal(st, "news.a", "a2", 100, &tseq), 3);
    ck_assert_int_eq(tseq, 2);
    nd_store_free(st);

    st = open_store();
    ck_assert_int_eq(nd_store_last_seq(st), 3);
    ck_assert_int_eq(journal(st, "news.a", "a3", 100, &tseq), 4);
    ck_assert_int_eq(tseq, 3);
    ck_assert_int_eq(nd_store_journal_count(st), 4);
    nd_store_free(st);
}
END_TEST

/* Append one seen row in its own batch; returns its number. */
static int64_t seen(struct nd_store *st, int64_t ts, uint8_t idbyte, int64_t cluster,
                    const uint64_t *keys, size_t n, const char *near)
{
    struct nd_seen_row r = {0};

    memset(r.id, idbyte, 16);
    r.ts = ts;
    r.cluster = cluster;
    r.source = "src";
    r.verdict = cluster ? ND_SEEN_DUP : ND_SEEN_NEW;
    r.why = cluster ? "url" : NULL;
    r.keys = keys;
    r.n_keys = n;
    r.vupdated = INT64_MIN;
    if (near) {
        r.near = (const uint8_t *)near;
        r.near_len = strlen(near);
    }
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_seen_add(st, &r), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    return r.row;
}

START_TEST(rollback_restores_counters)
{
    struct nd_store *st = open_store();
    int64_t seq, tseq;
    uint64_t k = nd_key("u", "https://e.org/x", NULL);
    struct nd_seen_row r = {0};

    journal(st, "news.a", "a1", 100, NULL);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_next_seq(st, "news.a", &seq, &tseq), ND_OK);
    ck_assert_int_eq(seq, 2);
    r.keys = &k;
    r.n_keys = 1;
    ck_assert_int_eq(nd_store_seen_add(st, &r), ND_OK);
    ck_assert_int_eq(r.row, 1);
    nd_store_rollback(st);
    ck_assert_int_eq(nd_store_last_seq(st), 1);
    ck_assert_int_eq(nd_store_seen_next(st), 1); /* the row number is given again */
    ck_assert_int_eq(journal(st, "news.a", "a2", 100, &tseq), 2);
    ck_assert_int_eq(tseq, 2);
    nd_store_free(st);
}
END_TEST

struct scan {
    int64_t rows[16];
    uint64_t keys[16];
    int near[16];
    int n;
};

static int scan_row(void *arg, const struct nd_seen_row *r)
{
    struct scan *sc = arg;

    sc->rows[sc->n] = r->cluster;
    sc->keys[sc->n] = r->n_keys ? r->keys[r->n_keys - 1] : 0;
    sc->near[sc->n] = r->near != NULL;
    sc->n++;
    return 0;
}

START_TEST(seen_log)
{
    struct nd_store *st = open_store();
    uint64_t k1[2] = {nd_key("g", "src", "guid-1"), nd_key("u", "https://e.org/1", NULL)};
    uint64_t k2[1] = {nd_key("g", "src2", "guid-1")};
    struct scan sc = {0};

    ck_assert(k1[0] != k2[0]);
    ck_assert(k1[0] == nd_key("g", "src", "guid-1"));
    ck_assert_int_eq(seen(st, 100, 1, 0, k1, 2, "sig-1"), 1);
    ck_assert_int_eq(seen(st, 200, 2, 1, k2, 1, NULL), 2);
    ck_assert_int_eq(seen(st, 300, 3, 0, NULL, 0, "sig-3"), 3);
    nd_store_free(st);
    st = open_store();
    ck_assert_int_eq(nd_store_seen_first(st), 1);
    ck_assert_int_eq(nd_store_seen_next(st), 4);
    /* near signatures from time 250 on only */
    ck_assert_int_eq(nd_store_seen_scan(st, 250, scan_row, &sc), ND_OK);
    ck_assert_int_eq(sc.n, 3);
    ck_assert_int_eq(sc.rows[0], 1); /* a new row is its own cluster */
    ck_assert_int_eq(sc.rows[1], 1);
    ck_assert_int_eq(sc.rows[2], 3);
    ck_assert(sc.keys[0] == k1[1] && sc.keys[1] == k2[0] && sc.keys[2] == 0);
    ck_assert_int_eq(sc.near[0], 0);
    ck_assert_int_eq(sc.near[2], 1);
    memset(&sc, 0, sizeof(sc));
    ck_assert_int_eq(nd_store_seen_get(st, 2, scan_row, &sc), ND_OK);
    ck_assert_int_eq(sc.n, 1);
    ck_assert_int_eq(nd_store_seen_get(st, 9, scan_row, &sc), ND_ENOTFOUND);
    nd_store_free(st);
}
END_TEST

struct rows {
    int64_t seqs[16];
    int n;
};

static int collect(void *arg, int64_t seq, const char *topic, const char *json)
{
    struct rows *r = arg;
    r->seqs[r->n++] = seq;
    ck_assert_ptr_nonnull(strstr(json, "\"seq\":"));
    return 0;
}

START_TEST(replay)
{
    struct nd_store *st = open_store();
    const char *prefixes[] = {"news.b"};
    struct rows r;
    int64_t last;
    int more;

    for (int i = 0; i < 10; i++)
        journal(st, i % 2 ? "news.b.x" : "news.a", "x", 100, NULL);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_replay(st, 0, 4, NULL, 0, collect, &r, &last, &more), ND_OK);
    ck_assert_int_eq(r.n, 4);
    ck_assert_int_eq(r.seqs[0], 1);
    ck_assert_int_eq(last, 4);
    ck_assert_int_eq(more, 1);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_replay(st, 4, 100, NULL, 0, collect, &r, &last, &more), ND_OK);
    ck_assert_int_eq(r.n, 6);
    ck_assert_int_eq(last, 10);
    ck_assert_int_eq(more, 0);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_replay(st, 0, 100, prefixes, 1, collect, &r, &last, &more), ND_OK);
    ck_assert_int_eq(r.n, 5);
    ck_assert_int_eq(r.seqs[0], 2);
    ck_assert_int_eq(r.seqs[4], 10);
    nd_store_free(st);
}
END_TEST

START_TEST(source_state)
{
    struct nd_store *st = open_store();
    struct nd_source_state s = {0}, g;

    ck_assert_int_eq(nd_store_source_get(st, "a", &g), ND_ENOTFOUND);
    s.url = "http://e.org/f";
    s.etag = "\"abc\"";
    s.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    s.next_due = 1234;
    s.errors = 2;
    s.outcome = "http-5xx";
    s.error = "HTTP 503";
    s.http_status = 503;
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_source_put(st, "a", &s), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    nd_store_free(st);
    st = open_store();
    ck_assert_int_eq(nd_store_source_get(st, "a", &g), ND_OK);
    ck_assert_str_eq(g.etag, "\"abc\"");
    ck_assert_str_eq(g.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    ck_assert_str_eq(g.outcome, "http-5xx");
    ck_assert_int_eq(g.errors, 2);
    ck_assert_int_eq(g.http_status, 503);
    nd_source_state_clear(&g);
    nd_store_free(st);
}
END_TEST

START_TEST(exclusive_lock)
{
    struct nd_store *st = open_store(), *second;
    char err[512];

    ck_assert_int_ne(nd_store_open(dir, &second, err, sizeof(err)), ND_OK);
    ck_assert_ptr_nonnull(strstr(err, "in use"));
    nd_store_free(st);
}
END_TEST

START_TEST(prune)
{
    struct nd_store *st = open_store();
    struct rows r;
    char *json;
    int64_t last;
    int more;

    for (int i = 0; i < 7; i++)
        journal(st, "t", "old", 100 + i, NULL);
    journal(st, "t", "new", 5000, NULL);
    for (int i = 0; i < 5; i++)
        seen(st, 100 + i, 1, 0, NULL, 0, NULL);
    seen(st, 5000, 2, 0, NULL, 0, NULL);
    ck_assert_int_eq(nd_store_journal_count(st), 8);
    /* at most 3 rows of each table a step */
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 3), 3);
    ck_assert_int_eq(nd_store_journal_count(st), 5);
    ck_assert_int_eq(nd_store_seen_first(st), 4);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 3), 3);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 3), 1);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 3), 0);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_replay(st, 0, 100, NULL, 0, collect, &r, &last, &more), ND_OK);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 8);
    ck_assert_int_eq(nd_store_journal_count(st), 1);
    ck_assert_int_eq(nd_store_seen_first(st), 6);
    ck_assert_int_eq(nd_store_journal_get(st, 8, &json), ND_OK);
    ck_assert_ptr_nonnull(strstr(json, "\"seq\":8"));
    free(json);
    ck_assert_int_eq(nd_store_journal_get(st, 1, &json), ND_ENOTFOUND);
    ck_assert_int_eq(nd_store_last_seq(st), 8); /* seq never goes back */
    nd_store_free(st);
    st = open_store();
    ck_assert_int_eq(nd_store_journal_count(st), 1);
    ck_assert_int_eq(nd_store_seen_first(st), 6);
    nd_store_free(st);
}
END_TEST

/* A schema 2 store (one row per seen key, a versions table) is carried over. */
START_TEST(migrate_schema_2)
{
    char *path = NULL, cmd[4096];
    struct nd_store *st;
    struct scan sc = {0};
    uint64_t want = nd_key("u", "https://e.org/a", NULL);

    if (asprintf(&path, "%s/newsd.db", dir) < 0)
        abort();
    /* the keys are XXH3-128 of the typed string, big-endian: their first 8 bytes are nd_key() */
    snprintf(cmd, sizeof(cmd),
             "sqlite3 %s \"CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
             " INSERT INTO meta VALUES ('schema', 2), ('seq', 5);"
             " CREATE TABLE sources(id TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT,"
             " next_due INTEGER, last_poll INTEGER, last_ok INTEGER, errors INTEGER, outcome TEXT,"
             " error TEXT, http_status INTEGER, retry_until INTEGER);"
             " CREATE TABLE seen(key BLOB PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL)"
             " WITHOUT ROWID;"
             " INSERT INTO seen VALUES (x'%016llx0000000000000000', "
             "'00112233445566778899aabbccddeeff', 100);"
             " CREATE TABLE versions(key BLOB PRIMARY KEY, id TEXT NOT NULL, hash INTEGER NOT NULL,"
             " updated INTEGER, ts INTEGER NOT NULL) WITHOUT ROWID;"
             " INSERT INTO versions VALUES (x'0102030405060708090a0b0c0d0e0f10',"
             " '00112233445566778899aabbccddeeff', 42, NULL, 100);"
             " CREATE TABLE fp(simhash INTEGER NOT NULL, id TEXT NOT NULL, ts INTEGER NOT NULL);"
             " CREATE TABLE topics(topic TEXT PRIMARY KEY, seq INTEGER NOT NULL);"
             " INSERT INTO topics VALUES ('t', 5);"
             " CREATE TABLE journal(seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, topic TEXT NOT"
             " NULL, topic_seq INTEGER NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL,"
             " json TEXT NOT NULL);\"",
             path, (unsigned long long)want);
    if (system(cmd) != 0) {
        free(path);
        return; /* no sqlite3 command on this machine: nothing to build the old store with */
    }
    st = open_store();
    ck_assert_int_eq(nd_store_last_seq(st), 5);
    ck_assert_int_eq(nd_store_seen_scan(st, 0, scan_row, &sc), ND_OK);
    ck_assert_int_eq(sc.n, 2);
    ck_assert(sc.keys[0] == want);
    ck_assert_int_eq(sc.rows[1], 1); /* the version joined its article's row */
    ck_assert_int_eq(journal(st, "t", "x", 100, NULL), 6);
    nd_store_free(st);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, seq_survives_reopen);
    tcase_add_test(tc, rollback_restores_counters);
    tcase_add_test(tc, seen_log);
    tcase_add_test(tc, replay);
    tcase_add_test(tc, source_state);
    tcase_add_test(tc, exclusive_lock);
    tcase_add_test(tc, prune);
    tcase_add_test(tc, migrate_schema_2);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
