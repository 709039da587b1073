/*
 * test_strmap.c: the string map against a simple model: puts, gets,
 * deletes (tombstones) and growth over many keys.
 */
#include <check.h>
#include <stdio.h>

#include "newsd/strmap.h"
#include "testutil.h"

START_TEST(model)
{
    enum { N = 5000 };
    static int present[N], vals[N];
    struct nd_strmap m = {0};
    uint64_t x = 7;
    char key[32];

    for (int round = 0; round < 20 * N; round++) {
        int k = (int)(tu_next(&x) % N), op = (int)(tu_next(&x) % 3);
        snprintf(key, sizeof(key), "key-%d", k);
        if (op == 0) {
            vals[k] = round;
            nd_strmap_put(&m, key, &vals[k]);
            present[k] = 1;
        } else if (op == 1) {
            void *v = nd_strmap_del(&m, key);
            ck_assert(present[k] ? v == &vals[k] : v == NULL);
            present[k] = 0;
        } else {
            void *v = nd_strmap_get(&m, key);
            ck_assert(present[k] ? v == &vals[k] : v == NULL);
        }
    }
    size_t n = 0;
    for (int k = 0; k < N; k++)
        n += (size_t)present[k];
    ck_assert_uint_eq(nd_strmap_count(&m), n);
    nd_strmap_free(&m);
    ck_assert_ptr_null(nd_strmap_get(&m, "key-1"));
}
END_TEST

static void count(void *arg, const char *key, void *value)
{
    (*(int *)arg)++;
}

START_TEST(each_and_empty_key)
{
    struct nd_strmap m = {0};
    int a = 1, b = 2, n = 0;

    nd_strmap_put(&m, "", &a); /* "" is a key like any other */
    nd_strmap_put(&m, "b", &b);
    nd_strmap_put(&m, "b", &a); /* replaces */
    ck_assert_ptr_eq(nd_strmap_get(&m, ""), &a);
    ck_assert_ptr_eq(nd_strmap_get(&m, "b"), &a);
    nd_strmap_each(&m, count, &n);
    ck_assert_int_eq(n, 2);
    nd_strmap_free(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, model);
    tcase_add_test(tc, each_and_empty_key);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
