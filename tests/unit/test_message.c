/*
 * test_message.c: the JSON encoder: every key of the contract, in order,
 * null or empty where unknown, dates in RFC 3339 UTC.
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "newsd/article.h"
#include "testutil.h"

static const char *const keys[] = {
    "schema",       "event",      "seq",        "topic_seq",    "id",        "source",
    "feed",         "url",        "guid",       "title",        "summary",   "content_html",
    "content_text", "authors",    "categories", "language",     "published", "updated",
    "fetched",      "enclosures", "image",      "duplicate_of",
};

static void empty_article(struct nd_article *a)
{
    memset(a, 0, sizeof(*a));
    memcpy(a->id, "0123456789abcdef0123456789abcdef", 33);
    a->published = ND_TIME_NONE;
    a->updated = ND_TIME_NONE;
    a->fetched = 1764237605; /* 2025-11-27T10:00:05Z */
}

START_TEST(all_keys_in_order)
{
    struct nd_article a;
    struct nd_msg_meta m = {.event = "article",
                            .seq = 42,
                            .topic_seq = 7,
                            .source_id = "ex",
                            .source_url = "https://e.org/feed"};
    char *s;
    json_t *j;
    const char *key;
    json_t *v;
    size_t i = 0;

    empty_article(&a);
    s = nd_message_encode(&a, &m);
    ck_assert_ptr_null(strchr(s, '\n'));
    j = json_loads(s, 0, NULL);
    ck_assert_ptr_nonnull(j);
    json_object_foreach(j, key, v)
    {
        ck_assert_msg(i < sizeof(keys) / sizeof(keys[0]), "extra key %s", key);
        ck_assert_str_eq(key, keys[i]);
        i++;
    }
    ck_assert_int_eq(i, sizeof(keys) / sizeof(keys[0]));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "schema")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "seq")), 42);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "topic_seq")), 7);
    ck_assert(json_is_null(json_object_get(j, "url")));
    ck_assert(json_is_null(json_object_get(j, "guid")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "");
    ck_assert(json_is_array(json_object_get(j, "authors")));
    ck_assert(json_is_null(json_object_get(j, "published")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "fetched")), "2025-11-27T10:00:05Z");
    ck_assert(json_is_null(json_object_get(json_object_get(j, "source"), "title")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "source"), "id")), "ex");
    ck_assert(json_is_null(json_object_get(json_object_get(j, "feed"), "language")));
    json_decref(j);
    free(s);
}
END_TEST

START_TEST(values)
{
    struct nd_article a;
    struct nd_enclosure enc[2] = {{"https://e.org/a.mp3", "audio/mpeg", 123},
                                  {"https://e.org/b", NULL, -1}};
    struct nd_msg_meta m = {.event = "article",
                            .seq = 1,
                            .topic_seq = 1,
                            .source_id = "ex",
                            .source_title = "Ex",
                            .source_url = "https://e.org/feed",
                            .feed_title = "Example",
                            .feed_url = "https://e.org/",
                            .feed_language = "en"};
    char *s;
    json_t *j, *e;

    empty_article(&a);
    a.url = "https://e.org/a/1";
    a.title = "Caf\xc3\xa9 \"quoted\" <b>";
    a.published = 1764237600;
    a.updated = 0;
    nd_strv_push(&a.authors, "Ann");
    nd_strv_push(&a.categories, "World");
    a.enclosures = enc;
    a.n_enclosures = 2;
    s = nd_message_encode(&a, &m);
    j = json_loads(s, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Caf\xc3\xa9 \"quoted\" <b>");
    ck_assert_str_eq(json_string_value(json_object_get(j, "published")), "2025-11-27T10:00:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(j, "updated")), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "authors"), 0)), "Ann");
    e = json_array_get(json_object_get(j, "enclosures"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "length")), 123);
    ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "audio/mpeg");
    e = json_array_get(json_object_get(j, "enclosures"), 1);
    ck_assert(json_is_null(json_object_get(e, "length")));
    ck_assert(json_is_null(json_object_get(e, "type")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "feed"), "language")),
                     "en");
    /* UTF-8 stays UTF-8, not \u escapes */
    ck_assert_ptr_nonnull(strstr(s, "Caf\xc3\xa9"));
    json_decref(j);
    free(s);
    nd_strv_free(&a.authors);
    nd_strv_free(&a.categories);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("message");
    TCase *tc = tcase_create("message");

    tcase_add_test(tc, all_keys_in_order);
    tcase_add_test(tc, values);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
