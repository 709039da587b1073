/*
 * parse_rssjson.c: RSS in JSON (Dave Winer's 2012 format): an RSS 2.0
 * document written as {"rss": {"channel": {..., "item": [...]}}}, with the
 * RSS element names as keys ("content:encoded", "dc:creator" too).  Read
 * with RSS's rules: description is HTML and both summary and content,
 * content:encoded the content, a guid that is a URL and not
 * isPermaLink="false" stands in for a missing link.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/date.h"
#include "newsd/url.h"
#include "newsd/html.h"
#include "parse_int.h"

/* A string value, or the text of {"value": ...} / {"#value": ...} / {"#text": ...}. */
static const char *text(const json_t *v)
{
    static const char *const keys[] = {"value", "#value", "#text", "text", "content"};

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_object(v))
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (json_is_string(json_object_get(v, keys[i])))
                return json_string_value(json_object_get(v, keys[i]));
    return NULL;
}

static const char *field(const json_t *obj, const char *key)
{
    return text(json_object_get(obj, key));
}

static void set_text(struct nd_text *t, const char *s, int html)
{
    size_t n;

    if (s == NULL)
        return;
    n = strlen(s);
    nd_text_trim(&s, &n);
    if (n == 0)
        return;
    free(t->s);
    t->s = xstrndup(s, n);
    t->type = html || nd_text_looks_like_html(s, n) ? ND_TEXT_HTML : ND_TEXT_PLAIN;
}

static int64_t date(struct nd_feed *f, const char *s)
{
    int64_t t;

    if (s == NULL || *s == '\0')
        return ND_TIME_NONE;
    t = nd_date_parse(s);
    if (t == ND_TIME_NONE)
        nd_parse_warn(f, "unparseable date \"%.40s\"", s);
    return t;
}

/* x is v, or each element of v when it is an array (a NULL v: no round). */
#define EACH(v, i, x)                                                                              \
    for (size_t i = 0, n_##i = json_is_array(v) ? json_array_size(v) : 1;                          \
         i < n_##i && ((x) = json_is_array(v) ? json_array_get(v, i) : (v)) != NULL; i++)

static void enclosures(struct nd_entry *e, const json_t *v, const char *base)
{
    const json_t *x;

    EACH(v, i, x)
    {
        const json_t *len = json_object_get(x, "length");
        int64_t n = -1;
        char *url;
        if (!json_is_object(x) || (url = nd_url_resolve(base, field(x, "url"))) == NULL)
            continue;
        if (json_is_integer(len))
            n = json_integer_value(len);
        else if (json_is_string(len) && nd_parse_i64(json_string_value(len), &n) != ND_OK)
            n = -1;
        nd_entry_add_enclosure(e, url, field(x, "type"), n < 0 ? -1 : n);
        if (e->image == NULL && field(x, "type") && strncasecmp(field(x, "type"), "image/", 6) == 0)
            e->image = xstrdup(url);
        free(url);
    }
}

static void item(struct nd_feed *f, const json_t *it, const char *doc_url, const char *base)
{
    struct nd_entry *e = nd_feed_add_entry(f);
    const json_t *guid = json_object_get(it, "guid"), *x;
    const char *s;
    size_t n;

    e->link = nd_url_resolve(base, field(it, "link"));
    if ((s = text(guid)) != NULL && (n = strlen(s)) > 0) {
        const char *perma = json_is_object(guid) ? field(guid, "isPermaLink") : NULL;
        nd_text_trim(&s, &n);
        if (n)
            e->guid = xstrndup(s, n);
        if (e->link == NULL && e->guid && nd_text_is_abs_url(e->guid) &&
            !(perma && strcasecmp(perma, "false") == 0))
            e->link = xstrdup(e->guid);
    }
    set_text(&e->title, field(it, "title"), 0);
    set_text(&e->summary, field(it, "description"), 1);
    set_text(&e->content, field(it, "content:encoded"), 1);
    e->published = date(f, field(it, "pubDate"));
    if (e->published == ND_TIME_NONE)
        e->published = date(f, field(it, "dc:date"));
    EACH(json_object_get(it, "author"), i, x)
    {
        char *a = text(x) ? nd_text_author(text(x), strlen(text(x))) : NULL;
        if (a)
            nd_text_add_unique(&e->authors, a, strlen(a));
        free(a);
    }
    EACH(json_object_get(it, "dc:creator"), i, x)
    {
        if (text(x))
            nd_text_add_unique(&e->authors, text(x), strlen(text(x)));
    }
    EACH(json_object_get(it, "category"), i, x)
    {
        if (text(x))
            nd_text_add_unique(&e->categories, text(x), strlen(text(x)));
    }
    enclosures(e, json_object_get(it, "enclosure"), base);
    if (e->link || base)
        e->base = xstrdup(doc_url ? doc_url : e->link ? e->link : base);
}

int nd_parse_rssjson(const struct json_t *root, const char *doc_url, struct nd_feed *f)
{
    const json_t *rss = json_object_get(root, "rss");
    const json_t *ch = json_object_get(rss, "channel"), *items, *it;
    char *link;

    if (!json_is_object(ch))
        return ND_EPARSE;
    f->format = "rss-json";
    link = nd_url_resolve(doc_url, field(ch, "link"));
    f->link = link;
    if (field(ch, "title")) {
        char *t = xstrdup(field(ch, "title"));
        f->title = nd_text_looks_like_html(t, strlen(t))
                       ? nd_html_to_text(t, strlen(t), ND_TEXT_ONELINE)
                       : xstrdup(t);
        free(t);
    }
    if (field(ch, "language") && *field(ch, "language"))
        f->language = xstrdup(field(ch, "language"));
    items = json_object_get(ch, "item");
    if (items == NULL)
        return ND_OK;
    EACH(items, i, it)
    {
        if (json_is_object(it))
            item(f, it, doc_url, doc_url ? doc_url : f->link);
    }
    return ND_OK;
}
