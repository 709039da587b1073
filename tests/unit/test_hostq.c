/*
 * test_hostq.c: the admission queue: its three limits, its order, and a
 * randomized check against a simple model of the same rules.
 */
#include <check.h>
#include <stdlib.h>

#include "newsd/hostq.h"
#include "testutil.h"

struct item {
    struct nd_hostq_entry e;
    int id;
    const char *host;
};

static struct item *pop(struct nd_hostq *q, int64_t now, int64_t *wait)
{
    return (struct item *)(void *)nd_hostq_pop(q, now, wait);
}

START_TEST(fifo_across_hosts)
{
    struct nd_hostq_limits lim = {10, 10, 0};
    struct nd_hostq *q = nd_hostq_new(&lim);
    struct item it[6] = {{.id = 0, .host = "a"}, {.id = 1, .host = "b"}, {.id = 2, .host = "a"},
                         {.id = 3, .host = "c"}, {.id = 4, .host = "b"}, {.id = 5, .host = "a"}};
    int64_t wait;

    for (int i = 0; i < 6; i++)
        nd_hostq_push(q, &it[i].e, it[i].host, 0, 0);
    ck_assert_uint_eq(nd_hostq_queued(q), 6);
    for (int i = 0; i < 6; i++) {
        struct item *x = pop(q, 0, &wait);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->id, i);
    }
    ck_assert_ptr_null(pop(q, 0, &wait));
    ck_assert_int_eq(wait, -1);
    ck_assert_uint_eq(nd_hostq_in_flight(q), 6);
    ck_assert_uint_eq(nd_hostq_host_in_flight(q, "a"), 3);
    nd_hostq_free(q);
}
END_TEST

START_TEST(per_host_and_global_caps)
{
    struct nd_hostq_limits lim = {3, 2, 0};
    struct nd_hostq *q = nd_hostq_new(&lim);
    struct item it[5] = {{.id = 0, .host = "a"},
                         {.id = 1, .host = "a"},
                         {.id = 2, .host = "a"},
                         {.id = 3, .host = "b"},
                         {.id = 4, .host = "c"}};
    struct item *x;
    int64_t wait;

    for (int i = 0; i < 5; i++)
        nd_hostq_push(q, &it[i].e, it[i].host, 0, 0);
    ck_assert_int_eq(pop(q, 0, &wait)->id, 0);
    ck_assert_int_eq(pop(q, 0, &wait)->id, 1);
    /* a is at its cap of 2: b goes ahead of a's third */
    ck_assert_int_eq(pop(q, 0, &wait)->id, 3);
    /* three in flight: the global cap */
    ck_assert_ptr_null(pop(q, 0, &wait));
    ck_assert_int_eq(wait, -1);
    nd_hostq_done(q, &it[3].e, 0);
    /* one slot: a is still at its cap, so c */
    ck_assert_int_eq(pop(q, 0, &wait)->id, 4);
    nd_hostq_done(q, &it[0].e, 0);
    x = pop(q, 0, &wait);
    ck_assert_int_eq(x->id, 2);
    ck_assert_uint_eq(nd_hostq_queued(q), 0);
    nd_hostq_free(q);
}
END_TEST

START_TEST(spacing)
{
    struct nd_hostq_limits lim = {10, 10, 250};
    struct nd_hostq *q = nd_hostq_new(&lim);
    struct item it[4] = {{.id = 0, .host = "a"},
                         {.id = 1, .host = "a"},
                         {.id = 2, .host = "b"},
                         {.id = 3, .host = "a"}};
    int64_t wait;

    for (int i = 0; i < 4; i++)
        nd_hostq_push(q, &it[i].e, it[i].host, 0, 1000);
    ck_assert_int_eq(pop(q, 1000, &wait)->id, 0);
    ck_assert_int_eq(pop(q, 1000, &wait)->id, 2); /* a must wait, b need not */
    ck_assert_ptr_null(pop(q, 1000, &wait));
    ck_assert_int_eq(wait, 250);
    ck_assert_ptr_null(pop(q, 1249, &wait));
    ck_assert_int_eq(wait, 1);
    ck_assert_int_eq(pop(q, 1250, &wait)->id, 1);
    ck_assert_ptr_null(pop(q, 1300, &wait));
    ck_assert_int_eq(wait, 200);
    ck_assert_int_eq(pop(q, 1600, &wait)->id, 3);
    nd_hostq_free(q);
}
END_TEST

START_TEST(front_and_remove)
{
    struct nd_hostq_limits lim = {1, 1, 0};
    struct nd_hostq *q = nd_hostq_new(&lim);
    struct item it[5] = {0};
    int64_t wait;

    for (int i = 0; i < 5; i++) {
        it[i].id = i;
        nd_hostq_push(q, &it[i].e, i % 2 ? "b" : "a", 0, 0);
    }
    /* refresh of 3 then 1, asked in that order: pushed in front in reverse */
    nd_hostq_push(q, &it[1].e, "b", 1, 0);
    nd_hostq_push(q, &it[3].e, "b", 1, 0);
    nd_hostq_remove(q, &it[2].e, 0);
    nd_hostq_remove(q, &it[2].e, 0); /* twice is harmless */
    ck_assert_uint_eq(nd_hostq_queued(q), 4);
    int order[] = {3, 1, 0, 4};
    for (int i = 0; i < 4; i++) {
        struct item *x = pop(q, 0, &wait);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(x->id, order[i]);
        nd_hostq_done(q, &x->e, 0);
    }
    /* a pushed entry moves to another host */
    nd_hostq_push(q, &it[0].e, "a", 0, 0);
    nd_hostq_push(q, &it[0].e, "z", 0, 0);
    ck_assert_uint_eq(nd_hostq_queued(q), 1);
    ck_assert_int_eq(pop(q, 0, &wait)->id, 0);
    ck_assert_uint_eq(nd_hostq_host_in_flight(q, "z"), 1);
    ck_assert_uint_eq(nd_hostq_host_in_flight(q, "a"), 0);
    nd_hostq_free(q);
}
END_TEST

/*
 * Random pushes, pops and dones over many hosts, checked against the rules:
 * never over a cap, never two starts of one host closer than the spacing,
 * and every entry starts in the end.
 */
START_TEST(randomized_rules)
{
    enum { N = 400, HOSTS = 37 };
    static const char *names[HOSTS];
    static char buf[HOSTS][8];
    struct nd_hostq_limits lim = {12, 3, 40};
    struct nd_hostq *q = nd_hostq_new(&lim);
    static struct item it[N];
    int64_t last_start[HOSTS], now = 0, wait;
    int busy[HOSTS] = {0}, in_flight = 0, started = 0;
    int running[N] = {0};
    uint64_t x = 99;

    for (int h = 0; h < HOSTS; h++) {
        snprintf(buf[h], sizeof(buf[h]), "h%d", h);
        names[h] = buf[h];
        last_start[h] = -1000000;
    }
    for (int i = 0; i < N; i++) {
        it[i].id = i;
        it[i].host = names[tu_next(&x) % HOSTS];
        nd_hostq_push(q, &it[i].e, it[i].host, 0, now);
    }
    while (started < N) {
        struct item *s;
        now += (int64_t)(tu_next(&x) % 15);
        while ((s = pop(q, now, &wait)) != NULL) {
            int h = atoi(s->host + 1);
            ck_assert_int_lt(busy[h], 3);
            ck_assert_int_lt(in_flight, 12);
            ck_assert_int_ge(now - last_start[h], 40);
            last_start[h] = now;
            busy[h]++;
            in_flight++;
            running[s->id] = 1;
            started++;
        }
        /* end some transfers */
        for (int i = 0; i < N; i++)
            if (running[i] && tu_next(&x) % 4 == 0) {
                int h = atoi(it[i].host + 1);
                running[i] = 0;
                busy[h]--;
                in_flight--;
                nd_hostq_done(q, &it[i].e, now);
            }
    }
    ck_assert_uint_eq(nd_hostq_queued(q), 0);
    nd_hostq_free(q);
}
END_TEST

/* 10,000 entries on one host drain with O(log) work: this finishes at once. */
START_TEST(one_host_many)
{
    enum { N = 10000 };
    struct nd_hostq_limits lim = {16, 2, 0};
    struct nd_hostq *q = nd_hostq_new(&lim);
    struct item *it = calloc(N, sizeof(*it));
    int64_t wait;
    int n = 0;

    for (int i = 0; i < N; i++)
        nd_hostq_push(q, &it[i].e, "one.example", 0, 0);
    while (n < N) {
        struct item *a = pop(q, 0, &wait), *b = pop(q, 0, &wait);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_ptr_null(pop(q, 0, &wait));
        nd_hostq_done(q, &a->e, 0);
        nd_hostq_done(q, &b->e, 0);
        n += 2;
    }
    nd_hostq_free(q);
    free(it);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hostq");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, fifo_across_hosts);
    tcase_add_test(tc, per_host_and_global_caps);
    tcase_add_test(tc, spacing);
    tcase_add_test(tc, front_and_remove);
    tcase_add_test(tc, randomized_rules);
    tcase_add_test(tc, one_host_many);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
