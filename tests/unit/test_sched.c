/*
 * test_sched.c: the timer heap and the polling policy.
 */
#include <check.h>
#include <stdlib.h>

#include "newsd/sched.h"
#include "testutil.h"

START_TEST(heap_order)
{
    struct nd_sched s;
    struct nd_timer t[200];

    nd_sched_init(&s);
    srand(7);
    for (int i = 0; i < 200; i++) {
        nd_timer_init(&t[i]);
        nd_sched_add(&s, &t[i], rand() % 1000);
    }
    /* re-queue and remove some */
    for (int i = 0; i < 200; i += 3)
        nd_sched_add(&s, &t[i], rand() % 1000);
    for (int i = 1; i < 200; i += 7)
        nd_sched_remove(&s, &t[i]);
    int64_t last = -1;
    size_t n = 0;
    struct nd_timer *x;
    while ((x = nd_sched_peek(&s)) != NULL) {
        ck_assert_int_ge(x->due, last);
        last = x->due;
        nd_sched_remove(&s, x);
        ck_assert(x->pos == ND_TIMER_IDLE);
        n++;
    }
    ck_assert_int_eq(n, 200 - 29);
    nd_sched_free(&s);
}
END_TEST

START_TEST(jitter)
{
    int64_t j = nd_sched_jitter_ms("bbc-world", 900);

    ck_assert_int_eq(j, nd_sched_jitter_ms("bbc-world", 900)); /* deterministic */
    ck_assert_int_ge(j, 0);
    ck_assert_int_le(j, 90000);
    ck_assert_int_le(nd_sched_jitter_ms("x", 1), 100);
    ck_assert_int_le(nd_sched_jitter_ms("x", 86400), 300000); /* capped at 5 minutes */
    /* different ids spread */
    ck_assert(nd_sched_jitter_ms("a", 900) != nd_sched_jitter_ms("b", 900) ||
              nd_sched_jitter_ms("c", 900) != nd_sched_jitter_ms("d", 900));
}
END_TEST

static int64_t delay(int ok, int64_t errors, int64_t retry_after, int64_t max_age, int64_t ttl,
                     int64_t interval)
{
    struct nd_sched_policy p = {1, 86400};
    struct nd_poll_result r = {ok, errors, retry_after, max_age, ttl};
    return nd_sched_delay_ms(&p, "s", interval, &r);
}

START_TEST(policy)
{
    int64_t d;

    /* success: the interval plus jitter */
    d = delay(1, 0, 0, -1, -1, 300);
    ck_assert_int_ge(d, 300000);
    ck_assert_int_le(d, 330000);
    /* backoff doubles per failure, capped */
    ck_assert_int_ge(delay(0, 1, 0, -1, -1, 300), 300000);
    ck_assert_int_ge(delay(0, 2, 0, -1, -1, 300), 600000);
    ck_assert_int_lt(delay(0, 2, 0, -1, -1, 300), 1200000);
    ck_assert_int_ge(delay(0, 3, 0, -1, -1, 300), 1200000);
    d = delay(0, 40, 0, -1, -1, 300);
    ck_assert_int_ge(d, 86400000);
    ck_assert_int_le(d, 86400000 + 300000);
    /* Retry-After is a floor */
    ck_assert_int_ge(delay(0, 1, 3600, -1, -1, 60), 3600000);
    ck_assert_int_lt(delay(0, 1, 30, -1, -1, 60), 61000 + 6000);
    /* max-age and ttl lengthen a success, never shorten it */
    ck_assert_int_ge(delay(1, 0, 0, 1200, -1, 300), 1200000);
    ck_assert_int_ge(delay(1, 0, 0, -1, 60, 300), 3600000);
    ck_assert_int_lt(delay(1, 0, 0, 10, 1, 300), 331000);
    /* a one-second interval is honoured */
    ck_assert_int_lt(delay(1, 0, 0, -1, -1, 1), 1200);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched");
    TCase *tc = tcase_create("sched");

    tcase_add_test(tc, heap_order);
    tcase_add_test(tc, jitter);
    tcase_add_test(tc, policy);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
