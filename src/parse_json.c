/*
 * parse_json.c: JSON Feed 1.0 and 1.1 (https://jsonfeed.org) with jansson.
 *
 * Relative URLs are resolved against the document URL, else feed_url, else
 * home_page_url; relative links inside the content against the item's url.
 * content_html is the content (HTML), content_text only when there is no
 * HTML; summary is plain text, as the spec says.  An item without authors
 * takes the feed's (1.1 "authors", 1.0 "author").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/date.h"
#include "newsd/url.h"
#include "newsd/html.h"
#include "parse_int.h"

static const char *str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A trimmed copy, NULL when empty. */
static char *dup_trim(const char *s)
{
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    nd_text_trim(&s, &n);
    return n ? xstrndup(s, n) : NULL;
}

static void set_text(struct nd_text *t, const char *s, int type)
{
    char *v = dup_trim(s);

    if (v == NULL)
        return;
    v[nd_text_fix_mojibake(v, strlen(v))] = '\0'; /* UTF-8 encoded twice */
    free(t->s);
    t->s = v;
    t->type = type;
}

static int64_t date(struct nd_feed *f, const json_t *item, const char *key)
{
    const char *s = str(item, key);
    int64_t t;

    if (s == NULL)
        return ND_TIME_NONE;
    t = nd_date_parse(s);
    if (t == ND_TIME_NONE)
        nd_parse_warn(f, "unparseable date \"%.40s\"", s);
    return t;
}

/* Add s to v, UTF-8 encoded twice repaired (nd_text_fix_mojibake). */
static void add_fixed(struct nd_strv *v, const char *s)
{
    char *copy = xstrdup(s);

    nd_text_add_unique(v, copy, nd_text_fix_mojibake(copy, strlen(copy)));
    free(copy);
}

/* Names of "authors" (1.1) or "author" (1.0) into out. */
static void authors(const json_t *obj, struct nd_strv *out)
{
    const json_t *list = json_object_get(obj, "authors"), *a;
    size_t i;

    if (json_is_array(list)) {
        json_array_foreach(list, i, a)
        {
            const char *name = json_is_object(a) ? str(a, "name") : NULL;
            if (name)
                add_fixed(out, name);
        }
    }
    a = json_object_get(obj, "author");
    if (out->n == 0 && json_is_object(a) && str(a, "name"))
        add_fixed(out, str(a, "name"));
}

static void attachments(struct nd_entry *e, const json_t *item, const char *base)
{
    const json_t *list = json_object_get(item, "attachments"), *a;
    size_t i;

    if (!json_is_array(list))
        return;
    json_array_foreach(list, i, a)
    {
        const json_t *size;
        char *url;
        if (!json_is_object(a) || (url = nd_url_resolve(base, str(a, "url"))) == NULL)
            continue;
        size = json_object_get(a, "size_in_bytes");
        nd_entry_add_enclosure(e, url, str(a, "mime_type"),
                               json_is_integer(size) && json_integer_value(size) >= 0
                                   ? (int64_t)json_integer_value(size)
                                   : -1);
        free(url);
    }
}

static void item(struct nd_feed *f, const json_t *it, const char *doc_url, const char *base,
                 const struct nd_strv *feed_authors)
{
    struct nd_entry *e = nd_feed_add_entry(f);
    const json_t *id = json_object_get(it, "id"), *tags = json_object_get(it, "tags"), *t;
    size_t i;

    if (json_is_string(id))
        e->guid = dup_trim(json_string_value(id));
    else if (json_is_integer(id))
        e->guid = xasprintf("%lld", (long long)json_integer_value(id));
    else if (json_is_real(id))
        e->guid = xasprintf("%.17g", json_real_value(id));
    e->link = nd_url_resolve(base, str(it, "url"));
    if (e->link == NULL)
        e->link = nd_url_resolve(base, str(it, "external_url"));
    /* plain text by the spec, but WordPress and others write "&#8217;" and "&amp;" */
    set_text(&e->title, str(it, "title"), ND_TEXT_PLAIN);
    if (e->title.s && nd_text_looks_like_html(e->title.s, strlen(e->title.s)))
        e->title.type = ND_TEXT_HTML;
    set_text(&e->content, str(it, "content_html"), ND_TEXT_HTML);
    if (e->content.s == NULL)
        set_text(&e->content, str(it, "content_text"), ND_TEXT_PLAIN);
    set_text(&e->summary, str(it, "summary"), ND_TEXT_PLAIN);
    e->image = nd_url_resolve(base, str(it, "image"));
    if (e->image == NULL)
        e->image = nd_url_resolve(base, str(it, "banner_image"));
    e->published = date(f, it, "date_published");
    e->updated = date(f, it, "date_modified");
    authors(it, &e->authors);
    if (e->authors.n == 0)
        for (i = 0; i < feed_authors->n; i++)
            nd_strv_push(&e->authors, feed_authors->v[i]);
    if (json_is_array(tags)) {
        json_array_foreach(tags, i, t)
        {
            if (json_is_string(t))
                add_fixed(&e->categories, json_string_value(t));
        }
    }
    e->language = dup_trim(str(it, "language"));
    attachments(e, it, base);
    /* relative links in the content: the document URL, else the item's (see parse_item.c) */
    if (e->link || base)
        e->base = xstrdup(doc_url ? doc_url : e->link ? e->link : base);
}

/* Raw control characters inside strings (JSON wants them escaped): escape them. */
static char *escape_controls(const char *data, size_t len, size_t *outlen)
{
    struct nd_buf b;
    int in_str = 0;

    nd_buf_init(&b, 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        int rc = ND_OK;
        if (in_str && c == '\\' && i + 1 < len) {
            rc = nd_buf_add(&b, data + i, 2);
            i++;
        } else if (in_str && c < 0x20) {
            rc = nd_buf_printf(&b, "\\u%04x", c);
        } else {
            if (c == '"')
                in_str = !in_str;
            rc = nd_buf_addc(&b, (char)c);
        }
        if (rc != ND_OK)
            break;
    }
    *outlen = b.len;
    return nd_buf_steal(&b);
}

#define JSON_MAX_DEPTH 256 /* deeper values are replaced by null (jansson stops at 2048) */

/* Is [p, end) a JSON number jansson reads (a double that does not overflow, an integer that
 * fits json_int_t)?  Its syntax is checked by the caller's tokenizer. */
static int number_fits(const char *p, size_t n)
{
    char buf[400];
    double d;
    int real = memchr(p, '.', n) || memchr(p, 'e', n) || memchr(p, 'E', n);

    if (!real) {
        size_t digits = n - (*p == '-');
        return digits <= 18; /* below 2^63 whatever the digits */
    }
    if (n >= sizeof(buf))
        return 0;
    memcpy(buf, p, n);
    buf[n] = '\0';
    d = strtod(buf, NULL);
    return d < 1e308 && d > -1e308;
}

/*
 * A copy of a JSON document without what jansson refuses although the
 * document is otherwise sound: a number it cannot hold (1e999999, an integer
 * past 2^63) becomes a string of its digits, a value nested deeper than
 * JSON_MAX_DEPTH becomes null.  Anything else is copied as it is.  NULL
 * when nothing was changed.  Caller frees.
 */
static char *tame(const char *data, size_t len, size_t *outlen, int *changed_numbers,
                  int *changed_depth)
{
    struct nd_buf b;
    const char *p = data, *end = data + len, *run = data;
    size_t depth = 0;
    int changed = 0;

    nd_buf_init(&b, 0);
    *changed_numbers = *changed_depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\' && p + 1 < end)
                    p++;
            p++;
        } else if (c == '[' || c == '{') {
            if (++depth > JSON_MAX_DEPTH) {
                /* skip the whole value, strings included */
                const char *start = p;
                size_t d = 0;
                for (; p < end; p++) {
                    if (*p == '"') {
                        for (p++; p < end && *p != '"'; p++)
                            if (*p == '\\' && p + 1 < end)
                                p++;
                    } else if (*p == '[' || *p == '{') {
                        d++;
                    } else if ((*p == ']' || *p == '}') && --d == 0) {
                        p++;
                        break;
                    }
                }
                if (nd_buf_add(&b, run, (size_t)(start - run)) != ND_OK ||
                    nd_buf_adds(&b, "null") != ND_OK)
                    break;
                run = p;
                depth--;
                changed = *changed_depth = 1;
                continue;
            }
            p++;
        } else if (c == ']' || c == '}') {
            if (depth)
                depth--;
            p++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            const char *q = p + 1;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' ||
                               *q == '+' || *q == '-'))
                q++;
            if (!number_fits(p, (size_t)(q - p))) {
                if (nd_buf_add(&b, run, (size_t)(p - run)) != ND_OK ||
                    nd_buf_addc(&b, '"') != ND_OK || nd_buf_add(&b, p, (size_t)(q - p)) != ND_OK ||
                    nd_buf_addc(&b, '"') != ND_OK)
                    break;
                run = q;
                changed = *changed_numbers = 1;
            }
            p = q;
        } else {
            p++;
        }
    }
    if (!changed) {
        nd_buf_free(&b);
        return NULL;
    }
    if (p > end)
        p = end;
    if (nd_buf_add(&b, run, (size_t)(end - run)) != ND_OK) {
        nd_buf_free(&b);
        return NULL;
    }
    *outlen = b.len;
    return nd_buf_steal(&b);
}

/*
 * A document jansson refuses (typically cut short): the object up to
 * "items", then every item that parses on its own.
 */
static json_t *salvage(const char *data, size_t len, json_t **items_out)
{
    const char *key = NULL, *p, *end = data + len;
    json_t *root = NULL, *items = json_array(), *it;
    json_error_t je;
    char *head;

    for (p = data; (p = memmem(p, (size_t)(end - p), "\"items\"", 7)) != NULL; p += 7)
        key = p; /* the last one: JSON Feed puts items last, nested "items" are rare */
    *items_out = items;
    if (key == NULL)
        return NULL;
    /* the feed object without its items */
    p = key;
    while (p > data &&
           (p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\r' || p[-1] == '\t' || p[-1] == ','))
        p--;
    head = xasprintf("%.*s}", (int)(p - data), data);
    root = json_loads(head, 0, &je);
    free(head);
    /* the items, one by one */
    p = key + 7;
    while (p < end && *p != '[')
        p++;
    for (p++; p < end;) {
        while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ','))
            p++;
        if (p >= end || *p == ']')
            break;
        it = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK, &je);
        if (it == NULL)
            break;
        json_array_append_new(items, it);
        p += je.position;
    }
    return root;
}

int nd_parse_json(const char *data, size_t len, const char *doc_url, struct nd_feed *f, char *err,
                  size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je), *items_salvaged = NULL;
    const json_t *items, *it;
    const char *version;
    char *feed_url = NULL, *escaped = NULL;
    const char *base = doc_url;
    struct nd_strv fa = {0};
    size_t i;

    if (root == NULL &&
        (strstr(je.text, "control character") || strstr(je.text, "unexpected newline"))) {
        size_t n;
        escaped = escape_controls(data, len, &n);
        root = json_loadb(escaped, n, 0, &je);
        if (root)
            nd_parse_warn(f, "control characters in JSON strings escaped");
        else {
            data = escaped;
            len = n;
        }
    }
    if (root == NULL &&
        (strstr(je.text, "overflow") || strstr(je.text, "too big") || strstr(je.text, "depth"))) {
        size_t n = 0;
        int nums, deep;
        char *tamed = tame(data, len, &n, &nums, &deep);
        if (tamed) {
            json_error_t je2;
            root = json_loadb(tamed, n, 0, &je2);
            if (root) {
                if (nums)
                    nd_parse_warn(f, "numbers too large for JSON parsers read as strings");
                if (deep)
                    nd_parse_warn(f, "values nested deeper than %d levels dropped", JSON_MAX_DEPTH);
            }
            free(escaped);
            escaped = tamed;
            if (root == NULL) {
                data = tamed;
                len = n;
                je = je2;
            }
        }
    }
    if (root == NULL) {
        size_t n;
        char msg[200];
        snprintf(msg, sizeof(msg), "JSON line %d: %s", je.line, je.text);
        root = salvage(data, len, &items_salvaged);
        n = json_array_size(items_salvaged);
        if (root == NULL || !json_is_object(root)) {
            json_decref(root);
            root = json_object();
        }
        if (n == 0 && (json_object_size(root) == 0 || memmem(data, len, "\"items\"", 7))) {
            /* nothing, or a feed whose items could not be read at all */
            snprintf(err, errlen, "%s", msg);
            json_decref(root);
            json_decref(items_salvaged);
            free(escaped);
            return ND_EPARSE;
        }
        nd_parse_warn(f, "%s: %zu %s recovered", msg, n, nd_plural((long long)n, "item", "items"));
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "not a feed: JSON but not an object");
        json_decref(root);
        free(escaped);
        return ND_EPARSE;
    }
    version = str(root, "version");
    items = items_salvaged ? items_salvaged : json_object_get(root, "items");
    if (version == NULL && items == NULL && json_is_object(json_object_get(root, "rss")) &&
        nd_parse_rssjson(root, doc_url, f) == ND_OK) {
        json_decref(root);
        free(escaped);
        return ND_OK;
    }
    if (version && (strstr(version, "jsonfeed.org/version/1.1") || strcmp(version, "1.1") == 0))
        f->format = "json1.1";
    else if (version && (strstr(version, "jsonfeed.org/version/1") || strcmp(version, "1") == 0 ||
                         strcmp(version, "1.0") == 0))
        f->format = "json1.0";
    else if (json_is_array(items)) {
        f->format = "json";
        nd_parse_warn(f, "no JSON Feed version");
    } else {
        snprintf(err, errlen, "not a feed: JSON without a JSON Feed version or items");
        json_decref(root);
        free(escaped);
        return ND_EPARSE;
    }
    if (base == NULL) {
        feed_url = nd_url_resolve(NULL, str(root, "feed_url"));
        if (feed_url == NULL)
            feed_url = nd_url_resolve(NULL, str(root, "home_page_url"));
        base = feed_url;
    }
    f->title = dup_trim(str(root, "title"));
    if (f->title && nd_text_looks_like_html(f->title, strlen(f->title))) {
        char *plain = nd_html_to_text(f->title, strlen(f->title), ND_TEXT_ONELINE);
        free(f->title);
        f->title = plain;
    }
    f->link = nd_url_resolve(base, str(root, "home_page_url"));
    f->language = dup_trim(str(root, "language"));
    authors(root, &fa);
    if (json_is_array(items)) {
        json_array_foreach(items, i, it)
        {
            if (json_is_object(it))
                item(f, it, doc_url, base, &fa);
            else
                nd_parse_warn(f, "item %zu is not an object", i);
        }
    } else if (items) {
        nd_parse_warn(f, "\"items\" is not an array");
    }
    nd_strv_free(&fa);
    free(feed_url);
    json_decref(items_salvaged);
    json_decref(root);
    free(escaped);
    return ND_OK;
}
