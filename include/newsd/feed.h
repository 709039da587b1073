/*
 * feed.h: a feed document as the parser found it.
 *
 * This is the plain data the parser hands to the cleaner.  Every string is
 * valid UTF-8 (the parser converts), owned by the struct, and may be NULL
 * when the document does not carry it.  URLs (link, enclosure and image
 * URLs) are already resolved to absolute form against xml:base or the
 * document URL; markup inside text constructs is not, the cleaner does that
 * with the entry's base.
 */
#ifndef NEWSD_FEED_H
#define NEWSD_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/util.h"

#define ND_TIME_NONE INT64_MIN

enum nd_text_type {
    ND_TEXT_NONE = 0, /* absent */
    ND_TEXT_PLAIN,    /* plain text, entities already decoded */
    ND_TEXT_HTML,     /* an HTML fragment (escaped HTML, CDATA, Atom html or xhtml) */
};

struct nd_text {
    char *s;
    enum nd_text_type type;
};

struct nd_enclosure {
    char *url;      /* absolute */
    char *type;     /* MIME type or NULL */
    int64_t length; /* bytes, or -1 when unknown */
};

struct nd_entry {
    struct nd_text title;
    struct nd_text summary; /* description, Atom summary, dc:description */
    struct nd_text content; /* content:encoded, Atom content, JSON content_html/text */
    char *link;             /* absolute URL of the item, or NULL */
    int link_fragment;      /* the link's #fragment tells this item from others (see below) */
    int link_shared;        /* other items of the document have the same link (see below) */
    char *guid;             /* the feed's own id, verbatim (trimmed), or NULL */
    char *base;             /* base URL for relative links inside summary/content */
    char *language;         /* item language (xml:lang, JSON language), or NULL */
    struct nd_strv authors;
    struct nd_strv categories;
    int64_t published; /* Unix seconds UTC, or ND_TIME_NONE */
    int64_t updated;   /* Unix seconds UTC, or ND_TIME_NONE */
    struct nd_enclosure *enclosures;
    size_t n_enclosures;
    char *image; /* lead image URL, absolute, or NULL */
};

struct nd_feed {
    const char *format; /* static: "rss", "rss1.0", "atom1.0", "atom0.3", "json1.1", ... */
    char *title;        /* plain text */
    char *link;         /* absolute URL of the site, or NULL */
    char *language;
    int64_t ttl; /* RSS <ttl> in minutes, or -1 */
    struct nd_entry *entries;
    size_t n_entries;
    size_t cap_entries;
    struct nd_strv warnings; /* what was recovered from, one short line each (capped) */
};

void nd_feed_init(struct nd_feed *f);
void nd_feed_free(struct nd_feed *f);
/*
 * A link identifies an item only when no other item of the document has it.
 * Some feeds give every item an anchor on one shared page (a daily page of a
 * weblog, a comment feed: page#a1, page#a2): there the fragment tells the
 * items apart, and link_fragment is set on them so that canonical URLs keep
 * it.  Others give every item the same link (a podcast's home page, a
 * sponsor's site): link_shared is set on those, so that their ids and
 * dedupe keys come from the guid instead.  Tracking parameters do not count.
 * Called by nd_parse().
 */
void nd_feed_mark_shared_pages(struct nd_feed *f);

/* Append a zeroed entry (dates ND_TIME_NONE) and return it; owned by the feed. */
struct nd_entry *nd_feed_add_entry(struct nd_feed *f);
void nd_entry_free(struct nd_entry *e);
void nd_entry_add_enclosure(struct nd_entry *e, const char *url, const char *type, int64_t length);

#endif
