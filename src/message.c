/*
 * message.c: encode an article as the contract's JSON object (jansson).
 * Pure; every key is present, null or empty where unknown.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"

/* A JSON string, or null for NULL.  Invalid UTF-8 (which the cleaner never
 * produces) becomes an empty string rather than a broken document. */
static json_t *str_or_null(const char *s)
{
    json_t *j;

    if (s == NULL)
        return json_null();
    j = json_string(s);
    return j ? j : json_string("");
}

static json_t *str(const char *s)
{
    return str_or_null(s ? s : "");
}

static json_t *date_or_null(int64_t t)
{
    char buf[32];

    if (t == ND_TIME_NONE)
        return json_null();
    nd_time_rfc3339(t, buf);
    return json_string(buf);
}

static json_t *strv(const struct nd_strv *sv)
{
    json_t *a = json_array();

    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, str(sv->v[i]));
    return a;
}

static json_t *enclosures(const struct nd_article *a)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < a->n_enclosures; i++) {
        const struct nd_enclosure *e = &a->enclosures[i];
        json_array_append_new(
            arr, json_pack("{s:o, s:o, s:o}", "url", str(e->url), "type", str_or_null(e->type),
                           "length", e->length >= 0 ? json_integer(e->length) : json_null()));
    }
    return arr;
}

char *nd_message_encode(const struct nd_article *a, const struct nd_msg_meta *m)
{
    json_t *o = json_object();
    char *out;

    json_object_set_new(o, "schema", json_integer(1));
    json_object_set_new(o, "event", json_string(m->event ? m->event : "article"));
    json_object_set_new(o, "seq", json_integer(m->seq));
    json_object_set_new(o, "topic_seq", json_integer(m->topic_seq));
    json_object_set_new(o, "id", json_string(a->id));
    json_object_set_new(o, "source",
                        json_pack("{s:o, s:o, s:o}", "id", str(m->source_id), "title",
                                  str_or_null(m->source_title), "url", str(m->source_url)));
    json_object_set_new(o, "feed",
                        json_pack("{s:o, s:o, s:o}", "title", str_or_null(m->feed_title), "url",
                                  str_or_null(m->feed_url), "language",
                                  str_or_null(m->feed_language)));
    json_object_set_new(o, "url", str_or_null(a->url));
    json_object_set_new(o, "guid", str_or_null(a->guid));
    json_object_set_new(o, "title", str(a->title));
    json_object_set_new(o, "summary", str(a->summary));
    json_object_set_new(o, "content_html", str(a->content_html));
    json_object_set_new(o, "content_text", str(a->content_text));
    json_object_set_new(o, "authors", strv(&a->authors));
    json_object_set_new(o, "categories", strv(&a->categories));
    json_object_set_new(o, "language", str_or_null(a->language));
    json_object_set_new(o, "published", date_or_null(a->published));
    json_object_set_new(o, "updated", date_or_null(a->updated));
    json_object_set_new(o, "fetched", date_or_null(a->fetched));
    json_object_set_new(o, "enclosures", enclosures(a));
    json_object_set_new(o, "image", str_or_null(a->image));
    json_object_set_new(o, "duplicate_of", str_or_null(a->duplicate_of));
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (out == NULL)
        abort(); /* only on allocation failure */
    return out;
}
