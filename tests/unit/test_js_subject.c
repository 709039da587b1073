/*
 * test_js_subject.c: NATS subjects made from topics, and the names the
 * JetStream sink's configuration accepts.
 */
#include <check.h>
#include <string.h>

#include "newsd/jetstream.h"
#include "testutil.h"

static void subject_is(const char *prefix, const char *topic, const char *want)
{
    char *got = nd_js_subject(prefix, topic);

    ck_assert_str_eq(got, want);
    ck_assert_msg(nd_js_subject_valid(got), "%s is no valid subject", got);
    free(got);
}

START_TEST(subjects)
{
    subject_is("newsd", "news.example", "newsd.news.example");
    subject_is("a.b", "t", "a.b.t");
    subject_is("p", "", "p._");
    subject_is("p", ".", "p._._");
    subject_is("p", "..x.", "p._._.x._");
    subject_is("p", "news.world affairs", "p.news.world_affairs");
    subject_is("p", "a*.>b\t\x7f", "p.a_._b__");
    subject_is("p", "nouvelles.été", "p.nouvelles.été"); /* UTF-8 stays */
}
END_TEST

START_TEST(valid)
{
    ck_assert(nd_js_subject_valid("newsd"));
    ck_assert(nd_js_subject_valid("a.b-c_d"));
    ck_assert(!nd_js_subject_valid(""));
    ck_assert(!nd_js_subject_valid(".a"));
    ck_assert(!nd_js_subject_valid("a."));
    ck_assert(!nd_js_subject_valid("a..b"));
    ck_assert(!nd_js_subject_valid("a.*"));
    ck_assert(!nd_js_subject_valid("a.>"));
    ck_assert(!nd_js_subject_valid("a b"));
    ck_assert(!nd_js_subject_valid(NULL));
    ck_assert(nd_js_stream_name_valid("NEWS"));
    ck_assert(nd_js_stream_name_valid("news-1_a"));
    ck_assert(!nd_js_stream_name_valid(""));
    ck_assert(!nd_js_stream_name_valid("a.b"));
    ck_assert(!nd_js_stream_name_valid("a b"));
    ck_assert(!nd_js_stream_name_valid("a/b"));
    ck_assert(!nd_js_stream_name_valid("a*"));
    ck_assert(!nd_js_stream_name_valid(
        "0123456789012345678901234567890123456789012345678901234567890123456789"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("js_subject");
    TCase *tc = tcase_create("js_subject");

    tcase_add_test(tc, subjects);
    tcase_add_test(tc, valid);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
