/*
 * discover.h: the feeds a web page advertises (<link rel="alternate"> of a
 * feed type), and the well-known paths to try when it advertises none.
 * Pure: no I/O, no logging.  The page is read with libxml2's HTML parser
 * (HTML_PARSE_NONET, nothing loaded).
 */
#ifndef NEWSD_DISCOVER_H
#define NEWSD_DISCOVER_H

#include <stddef.h>

#include "newsd/util.h"

#define ND_DISCOVER_MAX 64 /* links read from one page, at most */

/* A feed a page advertises. */
struct nd_feed_link {
    char *url;   /* absolute: resolved against <base href> or the page's URL */
    char *title; /* the link's title attribute, or NULL */
    char *type;  /* its type, lower case, without parameters ("application/rss+xml") */
};

/*
 * Does this document look like a web page rather than a feed?  Yes when
 * content_type (the HTTP Content-Type, may be NULL) is text/html or
 * application/xhtml+xml, or when the text starts (after a BOM, blanks and
 * comments) with <!DOCTYPE html or <html.
 */
int nd_discover_is_html(const char *data, size_t len, const char *content_type);

/*
 * The feeds the page advertises, in document order, each URL once:
 * <link> elements whose rel has the word "alternate" and whose type is a
 * feed type (RSS, Atom, RDF, JSON Feed, or XML).  *out is an array of the
 * returned count (caller frees with nd_feed_links_free; NULL when 0).
 */
size_t nd_discover_links(const char *html, size_t len, const char *page_url,
                         struct nd_feed_link **out);
void nd_feed_links_free(struct nd_feed_link *links, size_t n);

/*
 * The URLs to try when a page advertises no feed: the well-known feed
 * paths ("feed", "rss.xml", "atom.xml", ...) below the page's folder, then
 * at the site's root, each once, in that order.  Appended to out.
 */
void nd_discover_guesses(const char *page_url, struct nd_strv *out);

#endif
