/*
 * test_message.c: the JSON encoder: every key of the contract, in order,
 * null or empty where unknown, dates in RFC 3339 UTC.
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
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
    /* read back: what the dedupe index needs (a cluster node learning another's article) */
    {
        struct nd_message_in in;
        ck_assert_int_eq(nd_message_decode(s, strlen(s), &in), ND_OK);
        ck_assert_str_eq(in.a.id, a.id);
        ck_assert_str_eq(in.a.url, "https://e.org/a/1");
        ck_assert_ptr_null(in.a.guid);
        ck_assert_str_eq(in.a.title, a.title);
        ck_assert_str_eq(in.a.content_text, "");
        ck_assert_int_eq(in.a.published, 1764237600);
        ck_assert_int_eq(in.a.updated, 0);
        ck_assert_str_eq(in.source_id, m.source_id);
        ck_assert_int_eq(in.update, 0);
        nd_message_in_free(&in);
        ck_assert_int_eq(nd_message_decode(s, strlen(s) - 1, &in), ND_EINVAL); /* cut short */
        nd_message_in_free(&in);
    }
    free(s);
    nd_strv_free(&a.authors);
    nd_strv_free(&a.categories);
}
END_TEST

/* ---- the encoder against jansson's json_dumps(JSON_COMPACT) ---------------- */

/* The encoder as it was written with jansson: the reference for the output. */
static json_t *ref_str_or_null(const char *s)
{
    json_t *j;

    if (s == NULL)
        return json_null();
    j = json_string(s);
    return j ? j : json_string("");
}

static json_t *ref_str(const char *s)
{
    return ref_str_or_null(s ? s : "");
}

static json_t *ref_date(int64_t t)
{
    char buf[32];

    if (t == ND_TIME_NONE)
        return json_null();
    nd_time_rfc3339(t, buf);
    return json_string(buf);
}

static json_t *ref_strv(const struct nd_strv *sv)
{
    json_t *a = json_array();

    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, ref_str(sv->v[i]));
    return a;
}

static char *ref_encode(const struct nd_article *a, const struct nd_msg_meta *m)
{
    json_t *o = json_object(), *arr = json_array();
    char *out;

    for (size_t i = 0; i < a->n_enclosures; i++) {
        const struct nd_enclosure *e = &a->enclosures[i];
        json_array_append_new(arr,
                              json_pack("{s:o, s:o, s:o}", "url", ref_str(e->url), "type",
                                        ref_str_or_null(e->type), "length",
                                        e->length >= 0 ? json_integer(e->length) : json_null()));
    }
    json_object_set_new(o, "schema", json_integer(1));
    json_object_set_new(o, "event", json_string(m->event ? m->event : "article"));
    json_object_set_new(o, "seq", json_integer(m->seq));
    json_object_set_new(o, "topic_seq", json_integer(m->topic_seq));
    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "source",
                        json_pack("{s:o, s:o, s:o}", "id", ref_str(m->source_id), "title",
                                  ref_str_or_null(m->source_title), "url", ref_str(m->source_url)));
    json_object_set_new(o, "feed",
                        json_pack("{s:o, s:o, s:o}", "title", ref_str_or_null(m->feed_title), "url",
                                  ref_str_or_null(m->feed_url), "language",
                                  ref_str_or_null(m->feed_language)));
    json_object_set_new(o, "url", ref_str_or_null(a->url));
    json_object_set_new(o, "guid", ref_str_or_null(a->guid));
    json_object_set_new(o, "title", ref_str(a->title));
    json_object_set_new(o, "summary", ref_str(a->summary));
    json_object_set_new(o, "content_html", ref_str(a->content_html));
    json_object_set_new(o, "content_text", ref_str(a->content_text));
    json_object_set_new(o, "authors", ref_strv(&a->authors));
    json_object_set_new(o, "categories", ref_strv(&a->categories));
    json_object_set_new(o, "language", ref_str_or_null(a->language));
    json_object_set_new(o, "published", ref_date(a->published));
    json_object_set_new(o, "updated", ref_date(a->updated));
    json_object_set_new(o, "fetched", ref_date(a->fetched));
    json_object_set_new(o, "enclosures", arr);
    json_object_set_new(o, "image", ref_str_or_null(a->image));
    json_object_set_new(o, "duplicate_of", ref_str_or_null(a->duplicate_of));
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

static void same_as_jansson(const struct nd_article *a, const struct nd_msg_meta *m)
{
    char *ours = nd_message_encode(a, m), *ref = ref_encode(a, m);

    ck_assert_ptr_nonnull(ref);
    ck_assert_str_eq(ours, ref);
    free(ours);
    free(ref);
}

/* Strings the escaper must get right: every control, quotes, backslashes,
 * slashes, DEL, 2-, 3- and 4-byte UTF-8, and malformed UTF-8 (which jansson
 * refuses: "" then), at the start, the middle and the end, in and across
 * 8-byte words. */
static char tricky[][64] = {
    "",
    "plain ascii text that is longer than one word",
    "\"",
    "\\",
    "a/b</script>",
    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
    "\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f",
    "tab\there, newline\nthere, cr\r, ff\f, bs\b, \"q\" and \\ end\\",
    "caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80!",
    "12345678\xc3\xa9\x22\x5c\x01"
    "abcdefgh",
    "\xef\xbf\xbe\xef\xbf\xbf\xc2\x80\xc2\x9f", /* noncharacters and C1: valid */
    "bad \xc3 cut",                             /* truncated sequence */
    "overlong \xc0\xaf",                        /* overlong '/' */
    "surrogate \xed\xa0\x80",                   /* U+D800 */
    "too big \xf4\x90\x80\x80",                 /* past U+10FFFF */
    "lone continuation \x80 byte",
    "\xff\xfe",
    "abcdefg\xe2\x82", /* cut at the end */
};

START_TEST(matches_jansson)
{
    size_t n = sizeof(tricky) / sizeof(tricky[0]);

    for (size_t i = 0; i < n; i++) {
        struct nd_article a;
        struct nd_enclosure enc[2] = {{tricky[i], tricky[(i + 1) % n], 0},
                                      {tricky[(i + 2) % n], NULL, -1}};
        struct nd_msg_meta m = {.event = i % 2 ? "update" : NULL,
                                .seq = i % 3 ? (int64_t)i * 1000003 : INT64_MAX,
                                .topic_seq = -(int64_t)i,
                                .source_id = i % 4 ? tricky[i] : NULL,
                                .source_title = tricky[(i + 1) % n],
                                .source_url = tricky[(i + 2) % n],
                                .feed_title = i % 2 ? tricky[(i + 3) % n] : NULL,
                                .feed_url = tricky[(i + 4) % n],
                                .feed_language = i % 3 ? NULL : tricky[i]};

        empty_article(&a);
        a.url = tricky[i];
        a.guid = i % 2 ? NULL : tricky[(i + 5) % n];
        a.title = tricky[(i + 6) % n];
        a.summary = i % 5 ? tricky[(i + 7) % n] : NULL;
        a.content_html = tricky[(i + 8) % n];
        a.content_text = tricky[(i + 9) % n];
        a.language = tricky[(i + 10) % n];
        a.image = i % 2 ? tricky[(i + 11) % n] : NULL;
        a.duplicate_of = i % 3 ? NULL : tricky[(i + 12) % n];
        a.published = i % 2 ? (int64_t)i * 86400 * 365 : ND_TIME_NONE;
        a.updated = -(int64_t)i * 86400;
        nd_strv_push(&a.authors, tricky[i]);
        nd_strv_push(&a.authors, tricky[(i + 13) % n]);
        nd_strv_push(&a.categories, tricky[(i + 14) % n]);
        a.enclosures = enc;
        a.n_enclosures = i % 3;
        same_as_jansson(&a, &m);
        nd_strv_free(&a.authors);
        nd_strv_free(&a.categories);
    }
}
END_TEST

/* Random strings over the bytes that matter, at every length up to 40. */
START_TEST(matches_jansson_random)
{
    static const char alphabet[] = "ab /\"\\\x01\x1f\x7f\x80\xbf\xc2\xc3\xa9\xe2\x82\xac\xed\xa0"
                                   "\xf0\x9f\x98\xf4\x90\xff";
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char s[48];

    for (int round = 0; round < 20000; round++) {
        struct nd_article a;
        struct nd_msg_meta m = {.event = "article"};
        size_t len = (size_t)(round % 41);

        for (size_t i = 0; i < len; i++) {
            s[i] = alphabet[tu_next(&x) % (sizeof(alphabet) - 1)];
        }
        s[len] = '\0';
        empty_article(&a);
        a.title = s;
        a.content_html = s;
        same_as_jansson(&a, &m);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("message");
    TCase *tc = tcase_create("message");

    tcase_add_test(tc, all_keys_in_order);
    tcase_add_test(tc, values);
    tcase_add_test(tc, matches_jansson);
    tcase_add_test(tc, matches_jansson_random);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
