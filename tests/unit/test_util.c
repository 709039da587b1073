/*
 * test_util.c: the words newsd and newsctl print: the edit distance behind
 * "did you mean" and the singular of one.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "newsd/util.h"
#include "testutil.h"

START_TEST(edit_distance)
{
    char long_word[80];

    ck_assert_uint_eq(nd_edit_distance("", ""), 0);
    ck_assert_uint_eq(nd_edit_distance("status", "status"), 0);
    ck_assert_uint_eq(nd_edit_distance("", "tail"), 4);
    ck_assert_uint_eq(nd_edit_distance("tail", ""), 4);
    ck_assert_uint_eq(nd_edit_distance("stauts", "status"), 2); /* a swap is two edits */
    ck_assert_uint_eq(nd_edit_distance("refersh", "refresh"), 2);
    ck_assert_uint_eq(nd_edit_distance("--jsn", "--json"), 1);     /* one left out */
    ck_assert_uint_eq(nd_edit_distance("--forcee", "--force"), 1); /* one too many */
    ck_assert_uint_eq(nd_edit_distance("kitten", "sitting"), 3);
    ck_assert_uint_eq(nd_edit_distance("sitting", "kitten"), 3); /* symmetric */
    memset(long_word, 'a', sizeof(long_word) - 1);
    long_word[sizeof(long_word) - 1] = '\0';
    ck_assert_uint_eq(nd_edit_distance(long_word, "a"), SIZE_MAX);
    long_word[64] = '\0'; /* 64 bytes: still measured */
    ck_assert_uint_eq(nd_edit_distance(long_word, "a"), 63);
}
END_TEST

START_TEST(plural)
{
    ck_assert_str_eq(nd_plural(1, "item", "items"), "item");
    ck_assert_str_eq(nd_plural(0, "item", "items"), "items");
    ck_assert_str_eq(nd_plural(2, "item", "items"), "items");
    ck_assert_str_eq(nd_plural(-1, "item", "items"), "items");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, edit_distance);
    tcase_add_test(tc, plural);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
