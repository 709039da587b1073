/*
 * message_decode.c: the fields of a published message that the dedupe
 * index needs, read back (article.h): how a cluster node learns the
 * articles another node published.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/date.h"

/* A string member, copied, or NULL when absent, null or not a string. */
static char *opt_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? xstrdup(s) : NULL;
}

static int64_t opt_date(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? nd_date_parse(s) : ND_TIME_NONE;
}

static int is_id(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == ND_ID_HEX;
}

int nd_message_decode(const char *json, size_t len, struct nd_message_in *out)
{
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    const char *id, *event, *source;

    memset(out, 0, sizeof(*out));
    if (root == NULL)
        return ND_EINVAL;
    id = json_string_value(json_object_get(root, "id"));
    event = json_string_value(json_object_get(root, "event"));
    source = json_string_value(json_object_get(json_object_get(root, "source"), "id"));
    if (id == NULL || !is_id(id) || source == NULL || event == NULL ||
        (strcmp(event, "article") != 0 && strcmp(event, "update") != 0)) {
        json_decref(root);
        return ND_EINVAL;
    }
    memcpy(out->a.id, id, ND_ID_HEX + 1);
    out->update = strcmp(event, "update") == 0;
    out->source_id = xstrdup(source);
    out->feed_url = opt_str(json_object_get(root, "feed"), "url");
    out->a.url = opt_str(root, "url");
    out->a.guid = opt_str(root, "guid");
    out->a.title = opt_str(root, "title");
    out->a.summary = opt_str(root, "summary");
    out->a.content_text = opt_str(root, "content_text");
    out->a.duplicate_of = opt_str(root, "duplicate_of");
    if (out->a.title == NULL)
        out->a.title = xstrdup("");
    if (out->a.summary == NULL)
        out->a.summary = xstrdup("");
    if (out->a.content_text == NULL)
        out->a.content_text = xstrdup("");
    out->a.content_html = xstrdup("");
    out->a.published = opt_date(root, "published");
    out->a.updated = opt_date(root, "updated");
    out->a.fetched = opt_date(root, "fetched");
    json_decref(root);
    return ND_OK;
}

void nd_message_in_free(struct nd_message_in *m)
{
    if (m == NULL)
        return;
    nd_article_free(&m->a);
    free(m->source_id);
    free(m->feed_url);
    memset(m, 0, sizeof(*m));
}
