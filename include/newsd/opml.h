/*
 * opml.h: subscription lists in OPML (1.0 and 2.0) to and from plain
 * structs, and the ids and topics an import gives them.  Pure: no I/O, no
 * logging.
 *
 * The reader is libxml2 with the feed parser's guards: XML_PARSE_NONET,
 * never XML_PARSE_NOENT or DTDLOAD, and a document that declares entities
 * is refused (OPML has no use for them).  A feed is an outline with an
 * xmlUrl; the outlines around it (folders) are its category, else its own
 * category attribute.  Export writes folders for categories and keeps what
 * OPML has no place for in attributes of its own namespace (ND_OPML_NS):
 * the source's id and, when no folder can say it, its topic.
 */
#ifndef NEWSD_OPML_H
#define NEWSD_OPML_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/util.h"

#define ND_OPML_NS    "https://github.com/newsd/newsd/opml"
#define ND_OPML_DEPTH 32    /* folders deeper than this are not read */
#define ND_OPML_MAX   16384 /* feeds read from one document, at most */

/*
 * One feed of a list.  Every string may be NULL, except xml_url on a parsed
 * feed; read from a document, each is trimmed and valid UTF-8 (bytes a
 * recovered document's encoding did not allow are U+FFFD).
 */
struct nd_opml_feed {
    char *title;    /* the outline's title, else its text */
    char *xml_url;  /* absolute when the document's URL made it so */
    char *html_url; /* the site */
    char *category; /* "Tech/Linux": the folders around it, or its category attribute */
    char *id;       /* newsd:id */
    char *topic;    /* newsd:topic */
    int line;       /* in the document */
};

struct nd_opml {
    char *title; /* head/title, or NULL */
    struct nd_opml_feed *feeds;
    size_t n;
    struct nd_strv ignored; /* "line 12: \"Links\": no xmlUrl", outlines that are no feed */
};

/*
 * Read an OPML document.  base_url (may be NULL) resolves relative xmlUrl
 * and htmlUrl.  0 with *out filled (free with nd_opml_free whatever the
 * result), or ND_EPARSE with one line in err: not XML, not OPML (the root
 * is not <opml>), entity declarations, or no <body>.
 */
int nd_opml_parse(const char *data, size_t len, const char *base_url, struct nd_opml *out,
                  char *err, size_t errlen) ND_WUR;
void nd_opml_free(struct nd_opml *o);

/*
 * An OPML 2.0 document of feeds (title, xml_url, html_url, category, id and
 * topic are written; line is not), in folders by category ("a/b" is folder
 * b inside folder a), the feeds in their order within a folder.  Caller
 * frees.  now: the dateCreated, Unix seconds.
 */
char *nd_opml_write(const char *title, const struct nd_opml_feed *feeds, size_t n, int64_t now);

/*
 * A source id from a title: lower case ASCII letters and digits (accents
 * dropped), other runs as one '-', at most 40 characters, no '-' at
 * either end; "" when nothing is left.  out has room for 41 bytes.
 */
void nd_opml_slug(const char *title, char out[41]);

/*
 * The topic of a source in a category: "news.<slug>.<slug>.<id>" (one slug
 * per folder), or NULL for no category (the source keeps its default,
 * "news.<id>").  Caller frees.
 */
char *nd_opml_topic(const char *category, const char *id);

/*
 * The category a topic says, the reverse of nd_opml_topic(): "a/b" for
 * "news.a.b.<id>", "" for "news.<id>", NULL when the topic has another
 * form (then export keeps it as newsd:topic).  Caller frees.
 */
char *nd_opml_category(const char *topic, const char *id);

#endif
