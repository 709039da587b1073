/*
 * test_store_outbox.c: the store's outbox for the JetStream sink: rows
 * queued with their journal rows (and undone with them), scanned in seq
 * order after a cursor, taken out when acknowledged, kept across a reopen,
 * never pruned while unsent, and a schema 3 store upgraded to carry one.
 */
#include <check.h>
#include <sqlite3.h>
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

static struct nd_store *open_store(int outbox)
{
    struct nd_store *st;
    char err[512];

    ck_assert_msg(nd_store_open(dir, &st, err, sizeof(err)) == ND_OK, "%s", err);
    nd_store_outbox_enable(st, outbox);
    return st;
}

/* Journal one article and queue it, in one batch; returns its seq. */
static int64_t journal(struct nd_store *st, const char *topic, const char *id, int64_t ts)
{
    int64_t seq, tseq;
    char json[128];

    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_next_seq(st, topic, &seq, &tseq), ND_OK);
    snprintf(json, sizeof(json), "{\"seq\":%lld,\"id\":\"%s\"}", (long long)seq, id);
    ck_assert_int_eq(nd_store_journal_add(st, seq, topic, tseq, id, "src", ts, json), ND_OK);
    ck_assert_int_eq(nd_store_outbox_add(st, seq, id), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    return seq;
}

struct rows {
    int64_t seqs[16];
    char ids[16][32], topics[16][32];
    int json_ok[16];
    int n;
};

static int collect(void *arg, int64_t seq, const char *msgid, const char *topic, const char *json)
{
    struct rows *r = arg;
    char want[64];

    ck_assert_int_lt(r->n, 16);
    r->seqs[r->n] = seq;
    snprintf(r->ids[r->n], sizeof(r->ids[0]), "%s", msgid);
    snprintf(r->topics[r->n], sizeof(r->topics[0]), "%s", topic);
    snprintf(want, sizeof(want), "\"seq\":%lld", (long long)seq);
    r->json_ok[r->n] = strstr(json, want) != NULL;
    r->n++;
    return 0;
}

static struct rows scan(struct nd_store *st, int64_t after, int64_t limit, int64_t *last)
{
    struct rows r;

    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_outbox_scan(st, after, limit, collect, &r, last), ND_OK);
    return r;
}

START_TEST(disabled_queues_nothing)
{
    struct nd_store *st = open_store(0);
    int64_t last;
    struct rows r;

    journal(st, "news.a", "a1", 100);
    journal(st, "news.a", "a2", 100);
    ck_assert_int_eq(nd_store_outbox_count(st), 0);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 0);
    ck_assert_int_eq(last, 0);
    nd_store_free(st);
}
END_TEST

START_TEST(queue_scan_done)
{
    struct nd_store *st = open_store(1);
    int64_t last, seqs[2];
    struct rows r;

    journal(st, "news.a", "a1", 100);
    journal(st, "news.b", "b1", 100);
    journal(st, "news.a", "a2", 100);
    ck_assert_int_eq(nd_store_outbox_count(st), 3);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(last, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r.seqs[i], i + 1);
        ck_assert(r.json_ok[i]);
    }
    ck_assert_str_eq(r.ids[1], "b1");
    ck_assert_str_eq(r.topics[1], "news.b");
    /* a cursor and a limit */
    r = scan(st, 1, 1, &last);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 2);
    ck_assert_int_eq(last, 2);
    r = scan(st, 3, 10, &last);
    ck_assert_int_eq(r.n, 0);
    ck_assert_int_eq(last, 3);
    /* acknowledged rows leave, out of order too; an unknown seq changes nothing */
    seqs[0] = 3;
    seqs[1] = 1;
    ck_assert_int_eq(nd_store_outbox_done(st, seqs, 2), ND_OK);
    ck_assert_int_eq(nd_store_outbox_count(st), 1);
    seqs[0] = 99;
    ck_assert_int_eq(nd_store_outbox_done(st, seqs, 1), ND_OK);
    ck_assert_int_eq(nd_store_outbox_count(st), 1);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 2);
    nd_store_free(st);

    /* what was not acknowledged is there after a restart */
    st = open_store(1);
    ck_assert_int_eq(nd_store_outbox_count(st), 1);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 2);
    ck_assert_str_eq(r.ids[0], "b1");
    nd_store_free(st);
}
END_TEST

START_TEST(rollback_undoes_queue)
{
    struct nd_store *st = open_store(1);
    int64_t seq, tseq, last;
    struct rows r;

    journal(st, "t", "a1", 100);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_next_seq(st, "t", &seq, &tseq), ND_OK);
    ck_assert_int_eq(nd_store_journal_add(st, seq, "t", tseq, "a2", "src", 100, "{}"), ND_OK);
    ck_assert_int_eq(nd_store_outbox_add(st, seq, "a2"), ND_OK);
    nd_store_rollback(st);
    ck_assert_int_eq(nd_store_outbox_count(st), 1);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 1);
    /* outside a batch a row cannot be queued */
    ck_assert_int_eq(nd_store_outbox_add(st, 7, "x"), ND_EINVAL);
    nd_store_free(st);
}
END_TEST

START_TEST(prune_keeps_unsent)
{
    struct nd_store *st = open_store(1);
    int64_t seqs[3] = {1, 2, 3}, last;
    struct rows r;

    for (int i = 0; i < 6; i++)
        journal(st, "t", "old", 100 + i);
    ck_assert_int_eq(nd_store_outbox_done(st, seqs, 3), ND_OK);
    /* rows 4..6 are unsent: the journal keeps them however old */
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 100), 3);
    ck_assert_int_eq(nd_store_journal_count(st), 3);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 100), 0);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.seqs[0], 4);
    nd_store_free(st);

    /* with the sink gone from the configuration, they go with their journal rows */
    st = open_store(0);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 100), 3);
    ck_assert_int_eq(nd_store_journal_count(st), 0);
    ck_assert_int_eq(nd_store_outbox_count(st), 0);
    nd_store_free(st);
}
END_TEST

/* A store made before the outbox (schema 3) gets one and keeps its journal. */
START_TEST(upgrade_schema_3)
{
    struct nd_store *st = open_store(0);
    char *path = NULL;
    sqlite3 *db;
    int64_t last;
    struct rows r;

    journal(st, "t", "a1", 100);
    nd_store_free(st);
    ck_assert_int_ge(asprintf(&path, "%s/newsd.db", dir), 0);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "DROP TABLE outbox; UPDATE meta SET v = 3 WHERE k = 'schema';",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    free(path);

    st = open_store(1);
    ck_assert_int_eq(nd_store_last_seq(st), 1);
    ck_assert_int_eq(nd_store_outbox_count(st), 0);
    ck_assert_int_eq(journal(st, "t", "a2", 100), 2);
    r = scan(st, 0, 10, &last);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 2);
    nd_store_free(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store_outbox");
    TCase *tc = tcase_create("store_outbox");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, disabled_queues_nothing);
    tcase_add_test(tc, queue_scan_done);
    tcase_add_test(tc, rollback_undoes_queue);
    tcase_add_test(tc, prune_keeps_unsent);
    tcase_add_test(tc, upgrade_schema_3);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
