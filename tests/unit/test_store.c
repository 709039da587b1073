/*
 * test_store.c: the SQLite store on a real file: batches, counters that
 * survive reopening, seen keys, fingerprints, replay, the lock, pruning.
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

START_TEST(rollback_restores_counters)
{
    struct nd_store *st = open_store();
    int64_t seq, tseq;
    uint8_t key[ND_KEY_LEN];
    char id[33];

    journal(st, "news.a", "a1", 100, NULL);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_next_seq(st, "news.a", &seq, &tseq), ND_OK);
    ck_assert_int_eq(seq, 2);
    nd_store_key(key, "u", "https://e.org/x", NULL);
    ck_assert_int_eq(nd_store_seen_add(st, key, "x", 100), ND_OK);
    nd_store_rollback(st);
    ck_assert_int_eq(nd_store_last_seq(st), 1);
    ck_assert_int_eq(nd_store_seen(st, key, id), 0);
    ck_assert_int_eq(journal(st, "news.a", "a2", 100, &tseq), 2);
    ck_assert_int_eq(tseq, 2);
    nd_store_free(st);
}
END_TEST

START_TEST(seen_keys)
{
    struct nd_store *st = open_store();
    uint8_t k1[ND_KEY_LEN], k2[ND_KEY_LEN], k3[ND_KEY_LEN];
    char id[33];

    nd_store_key(k1, "g", "src", "guid-1");
    nd_store_key(k2, "g", "src2", "guid-1");
    nd_store_key(k3, "g", "src", "guid-1");
    ck_assert(memcmp(k1, k2, ND_KEY_LEN) != 0);
    ck_assert(memcmp(k1, k3, ND_KEY_LEN) == 0);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_seen_add(st, k1, "first", 100), ND_OK);
    ck_assert_int_eq(nd_store_seen_add(st, k1, "second", 100), ND_OK); /* ignored */
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    nd_store_free(st);
    st = open_store();
    ck_assert_int_eq(nd_store_seen(st, k1, id), 1);
    ck_assert_str_eq(id, "first");
    ck_assert_int_eq(nd_store_seen(st, k2, id), 0);
    nd_store_free(st);
}
END_TEST

START_TEST(fingerprints)
{
    struct nd_store *st = open_store();
    char id[33];
    uint64_t h = 0x0123456789abcdefULL;

    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_store_fp_add(st, h, "orig", 1000), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    /* 3 bits apart, spread over three blocks */
    ck_assert_int_eq(nd_store_fp_near(st, h ^ 0x0001000100010000ULL, 3, 0, id), 1);
    ck_assert_str_eq(id, "orig");
    /* 4 bits apart: too far at distance 3, found at 4 (scan) */
    ck_assert_int_eq(nd_store_fp_near(st, h ^ 0x0001000100010001ULL, 3, 0, id), 0);
    ck_assert_int_eq(nd_store_fp_near(st, h ^ 0x0001000100010001ULL, 4, 0, id), 1);
    /* outside the window */
    ck_assert_int_eq(nd_store_fp_near(st, h, 3, 2000, id), 0);
    ck_assert_int_eq(nd_store_fp_near(st, ~h, 3, 0, id), 0);
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
    uint8_t key[ND_KEY_LEN];
    char id[33];
    struct rows r;
    int64_t last;
    int more;

    journal(st, "t", "old", 100, NULL);
    journal(st, "t", "new", 5000, NULL);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    nd_store_key(key, "u", "old", NULL);
    ck_assert_int_eq(nd_store_seen_add(st, key, "old", 100), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    ck_assert_int_eq(nd_store_prune(st, 6000, 2000, 2000, 2000), ND_OK);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(nd_store_replay(st, 0, 100, NULL, 0, collect, &r, &last, &more), ND_OK);
    ck_assert_int_eq(r.n, 1);
    ck_assert_int_eq(r.seqs[0], 2);
    ck_assert_int_eq(nd_store_seen(st, key, id), 0);
    ck_assert_int_eq(nd_store_last_seq(st), 2); /* seq never goes back */
    nd_store_free(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, seq_survives_reopen);
    tcase_add_test(tc, rollback_restores_counters);
    tcase_add_test(tc, seen_keys);
    tcase_add_test(tc, fingerprints);
    tcase_add_test(tc, replay);
    tcase_add_test(tc, source_state);
    tcase_add_test(tc, exclusive_lock);
    tcase_add_test(tc, prune);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
