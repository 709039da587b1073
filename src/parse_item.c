/*
 * parse_item.c: the values of RSS/RDF/Atom elements, kept by rank (see
 * parse_feed.c for the ranks): captured texts, elements read from their
 * attributes (links, enclosures, media, categories), and what an entry
 * falls back on when it ends.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/date.h"
#include "newsd/html.h"
#include "parse_int.h"

/* ---- setting fields by rank ---- */

static int better(uint8_t *cur, int rank)
{
    if (rank >= *cur)
        return 0;
    *cur = (uint8_t)rank;
    return 1;
}

static int set_text(struct nd_text *t, uint8_t *cur, int rank, const char *s, size_t n, int type)
{
    if (n == 0 || !better(cur, rank))
        return 0;
    free(t->s);
    t->s = xstrndup(s, n);
    t->type = type;
    return 1;
}

static void set_str(char **dst, uint8_t *cur, int rank, char *s)
{
    if (s && better(cur, rank))
        nd_str_take(dst, s);
    else
        free(s);
}

static void set_image(struct xstate *st, int rank, const char *url)
{
    if (st->entry && url && rank < st->er.image) {
        char *abs = nd_xml_resolve(st, url, strlen(url));
        set_str(&st->entry->image, &st->er.image, rank, abs);
    }
}

static int is_image_type(const char *type)
{
    return type && strncasecmp(type, "image/", 6) == 0;
}

static int64_t parse_length(const char *s)
{
    int64_t v;

    if (s == NULL)
        return -1;
    while (*s == ' ')
        s++;
    if (nd_parse_i64(s, &v) != ND_OK || v < 0)
        return -1;
    return v;
}

/* ---- elements that are read from their attributes ---- */

void nd_item_atom_link(struct xstate *st, int nb_attrs, const xmlChar **attrs)
{
    char *rel = nd_xml_attr(attrs, nb_attrs, "rel");
    char *href = nd_xml_attr(attrs, nb_attrs, "href");
    char *type = nd_xml_attr(attrs, nb_attrs, "type");
    char *len = NULL;

    if (href == NULL)
        goto out;
    if (rel == NULL || strcasecmp(rel, "alternate") == 0 ||
        strcasecmp(rel, "http://www.iana.org/assignments/relation/alternate") == 0) {
        int rank = (type == NULL || strcasecmp(type, "text/html") == 0) ? 1 : 2;
        uint8_t *cur = st->entry ? &st->er.link : &st->fr.link;
        if (rank < *cur)
            set_str(st->entry ? &st->entry->link : &st->feed->link, cur, rank,
                    nd_xml_resolve(st, href, strlen(href)));
        if (!st->entry)
            nd_xml_fallback_base(st, st->feed->link, 2);
    } else if (strcasecmp(rel, "self") == 0 && !st->entry) {
        char *url = nd_xml_resolve(st, href, strlen(href));
        nd_xml_fallback_base(st, url, 1);
        free(url);
    } else if (strcasecmp(rel, "enclosure") == 0 && st->entry) {
        char *url = nd_xml_resolve(st, href, strlen(href));
        len = nd_xml_attr(attrs, nb_attrs, "length");
        if (url) {
            nd_entry_add_enclosure(st->entry, url, type, parse_length(len));
            if (is_image_type(type))
                set_image(st, 3, url);
        }
        free(url);
    }
out:
    free(rel);
    free(href);
    free(type);
    free(len);
}

void nd_item_enclosure(struct xstate *st, int nb_attrs, const xmlChar **attrs, int media)
{
    char *href = nd_xml_attr(attrs, nb_attrs, "url");
    char *type = nd_xml_attr(attrs, nb_attrs, "type");
    char *len = nd_xml_attr(attrs, nb_attrs, media ? "fileSize" : "length");
    char *medium = media ? nd_xml_attr(attrs, nb_attrs, "medium") : NULL;
    char *url = href ? nd_xml_resolve(st, href, strlen(href)) : NULL;

    if (url) {
        nd_entry_add_enclosure(st->entry, url, type, parse_length(len));
        if (is_image_type(type) || (medium && strcasecmp(medium, "image") == 0))
            set_image(st, media ? 2 : 3, url);
    }
    free(url);
    free(href);
    free(type);
    free(len);
    free(medium);
}

void nd_item_image(struct xstate *st, int nb_attrs, const xmlChar **attrs, const char *name,
                   int rank)
{
    char *v = nd_xml_attr(attrs, nb_attrs, name);

    set_image(st, rank, v);
    free(v);
}

void nd_item_category(struct xstate *st, int nb_attrs, const xmlChar **attrs)
{
    char *v = nd_xml_attr(attrs, nb_attrs, "label");

    if (v == NULL || *v == '\0') {
        free(v);
        v = nd_xml_attr(attrs, nb_attrs, "term");
    }
    if (v)
        nd_text_add_unique(&st->entry->categories, v, strlen(v));
    free(v);
}

/* itunes:category text="..." (nested ones are subcategories: categories too). */
void nd_item_itunes_category(struct xstate *st, int nb_attrs, const xmlChar **attrs)
{
    char *v = nd_xml_attr(attrs, nb_attrs, "text");

    if (v && st->entry)
        nd_text_add_unique(&st->entry->categories, v, strlen(v));
    free(v);
}

/* A CDF CHANNEL or ITEM: HREF is its link, an item's LASTMOD its last change. */
void nd_item_cdf(struct xstate *st, int nb_attrs, const xmlChar **attrs)
{
    char *href = nd_xml_attr_ci(attrs, nb_attrs, "href");
    char *lastmod = st->entry ? nd_xml_attr_ci(attrs, nb_attrs, "lastmod") : NULL;
    int64_t t;

    if (href && *href) {
        uint8_t *cur = st->entry ? &st->er.link : &st->fr.link;
        if (1 < *cur)
            set_str(st->entry ? &st->entry->link : &st->feed->link, cur, 1,
                    nd_xml_resolve(st, href, strlen(href)));
        if (!st->entry)
            nd_xml_fallback_base(st, st->feed->link, 2);
    }
    if (lastmod && (t = nd_date_parse(lastmod)) != ND_TIME_NONE && better(&st->er.updated, 1))
        st->entry->updated = t;
    free(href);
    free(lastmod);
}

void nd_item_feed_language(struct xstate *st, int rank, const char *s, size_t n)
{
    if (n && better(&st->fr.language, rank))
        nd_str_take(&st->feed->language, xstrndup(s, n));
}

/* ---- captured text ---- */

void nd_item_field(struct xstate *st, const char *s, size_t n, int type)
{
    struct nd_entry *e = st->cap_in_entry ? st->entry : NULL;
    struct nd_feed *f = st->feed;
    int rank = st->cap_rank;
    char *tmp;
    int64_t t;

    if (st->cap_in_entry && e == NULL)
        return;
    switch (st->cap_field) {
    case F_TITLE:
        if (e) {
            set_text(&e->title, &st->er.title, rank, s, n, type);
        } else if (n && better(&st->fr.title, rank)) {
            tmp = xstrndup(s, n);
            if (type == ND_TEXT_HTML) {
                char *plain = nd_html_to_text(tmp, strlen(tmp), ND_TEXT_ONELINE);
                free(tmp);
                tmp = plain;
            }
            nd_str_take(&f->title, tmp);
        }
        break;
    case F_LINK:
        if (n && rank < (e ? st->er.link : st->fr.link))
            set_str(e ? &e->link : &f->link, e ? &st->er.link : &st->fr.link, rank,
                    nd_xml_resolve(st, s, n));
        if (!e)
            nd_xml_fallback_base(st, f->link, 2);
        break;
    case F_SUMMARY:
        if (e && set_text(&e->summary, &st->er.summary, rank, s, n, type) &&
            !st->entry_base_from_content)
            nd_str_set(&e->base, nd_xml_base_explicit(st, st->cap_base) ? st->cap_base : NULL);
        break;
    case F_CONTENT:
        if (e && set_text(&e->content, &st->er.content, rank, s, n, type)) {
            nd_str_set(&e->base, nd_xml_base_explicit(st, st->cap_base) ? st->cap_base : NULL);
            st->entry_base_from_content = 1;
        }
        break;
    case F_GUID:
        if (e && n && better(&st->er.guid, rank)) {
            nd_str_take(&e->guid, xstrndup(s, n));
            st->guid_is_rss = st->cap_kind == K_GUID;
        }
        break;
    case F_PUBLISHED:
    case F_UPDATED:
        if (e == NULL || n == 0)
            break;
        tmp = xstrndup(s, n);
        t = nd_date_parse(tmp);
        if (t == ND_TIME_NONE)
            nd_parse_warn(f, "unparseable date \"%.40s\"", tmp);
        else if (st->cap_field == F_PUBLISHED && better(&st->er.published, rank))
            e->published = t;
        else if (st->cap_field == F_UPDATED && better(&st->er.updated, rank))
            e->updated = t;
        free(tmp);
        break;
    case F_AUTHOR:
        tmp = nd_text_author(s, n);
        if (tmp && e)
            nd_text_add_unique(&e->authors, tmp, strlen(tmp));
        else if (tmp)
            nd_text_add_unique(&st->feed_authors, tmp, strlen(tmp));
        free(tmp);
        break;
    case F_AUTHOR2:
        if (e && n && st->itunes_author == NULL)
            st->itunes_author = nd_text_author(s, n);
        break;
    case F_CATEGORY:
        if (e && n)
            nd_text_add_unique(&e->categories, s, n);
        break;
    case F_KEYWORDS: /* itunes:keywords, media:keywords: "a, b, c" */
        for (const char *p = s, *end = s + n, *comma; e && p < end; p = comma + 1) {
            comma = memchr(p, ',', (size_t)(end - p));
            if (comma == NULL)
                comma = end;
            nd_text_add_unique(&e->categories, p, (size_t)(comma - p));
        }
        break;
    case F_LANGUAGE:
        if (e && n && better(&st->er.language, rank))
            nd_str_take(&e->language, xstrndup(s, n));
        else if (!e)
            nd_item_feed_language(st, rank, s, n);
        break;
    case F_TTL:
        if (!e && n) {
            int64_t v;
            tmp = xstrndup(s, n);
            if (nd_parse_i64(tmp, &v) == ND_OK && v >= 0)
                f->ttl = v;
            free(tmp);
        }
        break;
    case F_PNAME:
        if (n && st->pname == NULL)
            st->pname = xstrndup(s, n);
        break;
    case F_PEMAIL:
        if (n && st->pemail == NULL)
            st->pemail = xstrndup(s, n);
        break;
    }
}

void nd_item_person_end(struct xstate *st)
{
    const char *name = st->pname ? st->pname : st->pemail;

    if (name) {
        char *clean = nd_text_author(name, strlen(name));
        if (clean && st->person_in_entry && st->entry)
            nd_text_add_unique(&st->entry->authors, clean, strlen(clean));
        else if (clean && !st->person_in_entry)
            nd_text_add_unique(&st->feed_authors, clean, strlen(clean));
        free(clean);
    }
    free(st->pname);
    free(st->pemail);
    st->pname = st->pemail = NULL;
    st->person_depth = 0;
}

/* ---- entries ---- */

void nd_item_begin(struct xstate *st, int nb_attrs, const xmlChar **attrs)
{
    const char *lang = st->stack[st->depth - 1].lang;

    st->entry = nd_feed_add_entry(st->feed);
    st->entry_depth = st->depth;
    memset(&st->er, 0xff, sizeof(st->er));
    st->guid_permalink = 1;
    st->guid_is_rss = 0;
    st->entry_base_from_content = 0;
    free(st->about);
    st->about = NULL;
    free(st->itunes_author);
    st->itunes_author = NULL;
    if (lang && *lang) {
        st->entry->language = xstrdup(lang);
        /* inherited from the feed: the feed's language element may say better */
        st->er.language = lang == st->feed_lang ? 3 : 2;
    }
    if (st->family == FAM_RSS && nb_attrs)
        nd_item_cdf(st, nb_attrs, attrs);
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + i * 5;
        if (strcmp((const char *)a[0], "about") == 0 && st->about == NULL) {
            size_t n = (size_t)(a[4] - a[3]);
            st->about = xstrndup((const char *)a[3], n);
            st->about[nd_text_decode_amp(st->about, n)] = '\0';
        }
    }
}

/* Is s a relative reference that is a path: no scheme, no space, a '/' in it? */
static int is_path(const char *s)
{
    size_t colon = strcspn(s, ":/?#");

    if (s[colon] == ':' || strchr(s, '/') == NULL)
        return 0; /* a scheme ("urn:", "tag:"), or a bare word ("12345") */
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            return 0;
    return 1;
}

void nd_item_end(struct xstate *st)
{
    struct nd_entry *e = st->entry;

    if (e == NULL) {
        st->entry_depth = 0;
        return;
    }
    /* an RSS guid not isPermaLink="false", or an Atom id, that is an http(s) URL or a
     * path ("/2003/12/31/item"), resolved like a link */
    if (e->link == NULL && e->guid && (nd_text_is_abs_url(e->guid) || is_path(e->guid)) &&
        ((st->guid_is_rss && st->guid_permalink) || st->family == FAM_ATOM))
        e->link = nd_xml_resolve(st, e->guid, strlen(e->guid));
    if (st->about) {
        if (e->link == NULL)
            e->link = nd_xml_resolve(st, st->about, strlen(st->about));
        if (e->guid == NULL && *st->about)
            e->guid = xstrdup(st->about);
    }
    if (st->er.language == 3 && st->feed->language)
        nd_str_set(&e->language, st->feed->language);
    if (e->authors.n == 0 && st->itunes_author)
        nd_strv_push(&e->authors, st->itunes_author);
    if (e->authors.n == 0 && st->family == FAM_ATOM)
        for (size_t i = 0; i < st->feed_authors.n; i++)
            nd_strv_push(&e->authors, st->feed_authors.v[i]);
    /*
     * The base of relative links in the content, as feedparser has it: an
     * xml:base in effect, else the document URL (after redirects).  Without a
     * document URL (a file), the item's own link, else the feed's self or site
     * link.
     */
    if (e->base == NULL) {
        const char *b = st->depth >= st->entry_depth && st->entry_depth
                            ? st->stack[st->entry_depth - 1].base
                            : st->doc_url;
        if (b == NULL)
            b = e->link;
        if (b == NULL)
            b = st->fallback_base;
        if (b)
            e->base = xstrdup(b);
    }
    st->entry = NULL;
    st->entry_depth = 0;
}
