/*
 * discover.c: feeds advertised by a web page (discover.h).
 */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/discover.h"
#include "newsd/url.h"

/* What the common sites, blog engines and static site generators publish feeds as. */
static const char *const well_known[] = {
    "feed", "rss", "feed.xml", "rss.xml", "atom.xml", "index.xml", "feed.json", "index.rss",
};

static const char *const feed_types[] = {
    "application/rss+xml",   "application/atom+xml",
    "application/rdf+xml",   "application/feed+json",
    "application/x-rss+xml", "application/x-atom+xml",
    "application/xml",       "text/xml",
};

int nd_discover_is_html(const char *data, size_t len, const char *content_type)
{
    const char *p = data, *end = data + len;

    if (content_type) {
        size_t l = strcspn(content_type, "; \t");
        if ((l == 9 && strncasecmp(content_type, "text/html", 9) == 0) ||
            (l == 21 && strncasecmp(content_type, "application/xhtml+xml", 21) == 0))
            return 1;
    }
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *close = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
            if (close == NULL)
                return 0;
            p = close + 3;
            continue;
        }
        break;
    }
    return (end - p >= 14 && strncasecmp(p, "<!doctype html", 14) == 0) ||
           (end - p >= 5 && strncasecmp(p, "<html", 5) == 0 &&
            (end - p == 5 || strchr(" \t\r\n>", p[5]) != NULL));
}

/* Does the space-separated list have the word (ASCII case ignored)? */
static int has_word(const char *list, const char *word)
{
    size_t wl = strlen(word);

    for (const char *p = list; *p;) {
        size_t l;
        p += strspn(p, " \t\r\n\f");
        l = strcspn(p, " \t\r\n\f");
        if (l == wl && strncasecmp(p, word, l) == 0)
            return 1;
        p += l;
    }
    return 0;
}

/* The type without parameters, lower case, when it is a feed type; else NULL.  Caller frees. */
static char *feed_type(const char *type)
{
    char *t;
    size_t l;

    type += strspn(type, " \t");
    l = strcspn(type, "; \t");
    for (size_t i = 0; i < sizeof(feed_types) / sizeof(feed_types[0]); i++)
        if (strlen(feed_types[i]) == l && strncasecmp(type, feed_types[i], l) == 0) {
            t = xstrndup(type, l);
            for (char *p = t; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            return t;
        }
    return NULL;
}

struct walk {
    char *base; /* the page's URL, or <base href> resolved against it */
    int base_seen;
    struct nd_feed_link *links;
    size_t n;
};

static char *prop(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? xstrdup((const char *)v) : NULL;

    xmlFree(v);
    return s;
}

static void on_link(struct walk *w, const xmlNode *n)
{
    char *rel = prop(n, "rel"), *type = prop(n, "type"), *href = prop(n, "href");
    char *ft = NULL, *url = NULL;

    if (rel == NULL || type == NULL || href == NULL || !has_word(rel, "alternate") ||
        (ft = feed_type(type)) == NULL || w->n >= ND_DISCOVER_MAX)
        goto out;
    url = w->base ? nd_url_resolve(w->base, href) : NULL;
    if (url == NULL)
        url = xstrdup(href);
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->links[i].url, url) == 0)
            goto out;
    w->links = xrealloc(w->links, (w->n + 1) * sizeof(*w->links));
    w->links[w->n].url = url;
    w->links[w->n].type = ft;
    w->links[w->n].title = prop(n, "title");
    w->n++;
    url = ft = NULL;
out:
    free(url);
    free(ft);
    free(rel);
    free(type);
    free(href);
}

static void walk(struct walk *w, const xmlNode *n, int depth)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcasecmp((const char *)n->name, "link") == 0) {
            on_link(w, n);
        } else if (strcasecmp((const char *)n->name, "base") == 0 && !w->base_seen) {
            char *href = prop(n, "href"), *abs;
            w->base_seen = 1;
            if (href && (abs = w->base ? nd_url_resolve(w->base, href) : NULL) != NULL)
                nd_str_take(&w->base, abs);
            free(href);
        }
        if (depth < 64)
            walk(w, n->children, depth + 1);
    }
}

size_t nd_discover_links(const char *html, size_t len, const char *page_url,
                         struct nd_feed_link **out)
{
    struct walk w = {page_url ? xstrdup(page_url) : NULL, 0, NULL, 0};
    htmlDocPtr doc = NULL;

    *out = NULL;
    if (len <= INT32_MAX)
        doc = htmlReadMemory(html, (int)len, page_url, NULL,
                             HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING);
    if (doc)
        walk(&w, xmlDocGetRootElement(doc), 0);
    xmlFreeDoc(doc);
    free(w.base);
    *out = w.links;
    return w.n;
}

void nd_feed_links_free(struct nd_feed_link *links, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(links[i].url);
        free(links[i].title);
        free(links[i].type);
    }
    free(links);
}

void nd_discover_guesses(const char *page_url, struct nd_strv *out)
{
    for (int root = 0; root < 2; root++)
        for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++) {
            char *rel = root ? xasprintf("/%s", well_known[i]) : xstrdup(well_known[i]);
            char *url = nd_url_resolve(page_url, rel);
            if (url && !nd_strv_contains(out, url))
                nd_strv_take(out, url);
            else
                free(url);
            free(rel);
        }
}
