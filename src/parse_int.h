/*
 * parse_int.h: what the parser's files share (not a public header).
 *
 * parse.c       entry point: encoding, format detection, result checks
 * parse_fix.c   byte-level repairs libxml2 cannot recover from by itself
 * parse_xml.c   the SAX2 driver: element stack, xml:base/xml:lang, captures
 * parse_feed.c  what RSS/RDF/Atom/CDF elements mean: one table, a row per element
 * parse_item.c  their values: captured text, attributes, entry fallbacks
 * parse_text.c  text helpers: authors, HTML sniffing, double escapes, base64
 * parse_json.c  JSON Feed
 * parse_rssjson.c  RSS in JSON
 */
#ifndef NEWSD_PARSE_INT_H
#define NEWSD_PARSE_INT_H

#include <libxml/parser.h>
#include <stddef.h>
#include <stdint.h>

#include "newsd/feed.h"
#include "newsd/text.h"
#include "newsd/util.h"

#define PARSE_MAX_WARNINGS 20
#define PARSE_TEXT_MAX     ((size_t)8 << 20) /* one text field */

/* parse_text.c */
void nd_parse_warn(struct nd_feed *f, const char *fmt, ...) ND_PRINTF(2, 3);
char *nd_text_author(const char *s, size_t n);
int nd_text_looks_like_html(const char *s, size_t n);
size_t nd_text_unescape_once(char *s, size_t n);
int nd_text_double_escaped(const char *s, size_t n);
size_t nd_text_base64(char *s, size_t n);
size_t nd_text_decode_amp(char *s, size_t n);
int nd_text_is_abs_url(const char *s);
void nd_text_trim(const char **s, size_t *n);
int nd_text_add_unique(struct nd_strv *v, const char *s, size_t n);

/* CDATA sections cut out of a document by nd_xml_fix(): pointers into its input. */
#define ND_CDATA_PI "nd-cdata"
struct nd_cdata_tab {
    struct {
        const char *p;
        size_t n;
    } * v;
    size_t n, cap;
};

/*
 * parse_fix.c: a repaired copy (caller frees) or NULL when nothing needed
 * fixing; the CDATA sections of the copy are in *cd (caller frees cd->v).
 * fix_lt: also escape each '<' that starts no markup ("3 < 5").
 */
char *nd_xml_fix(const char *data, size_t len, size_t *outlen, struct nd_cdata_tab *cd, int fix_lt,
                 struct nd_feed *f);

/* nd_parse_xml() result: libxml2 met a '<' that starts no markup (worth a nd_xml_fix(fix_lt)). */
#define ND_XML_BAD_LT 1

/* parse_xml.c / parse_json.c: 0 (or ND_XML_BAD_LT) or ND_EPARSE with a reason in err. */
int nd_parse_xml(const char *data, size_t len, const char *doc_url, const struct nd_cdata_tab *cd,
                 struct nd_feed *f, char *err, size_t errlen);

int nd_parse_json(const char *data, size_t len, const char *doc_url, struct nd_feed *f, char *err,
                  size_t errlen);

/* parse_rssjson.c: RSS in JSON ({"rss": {"channel": ...}}, a jansson object); 0 or ND_EPARSE. */
struct json_t;
int nd_parse_rssjson(const struct json_t *root, const char *doc_url, struct nd_feed *f);

/* ---- shared by parse_xml.c and parse_feed.c ---- */

enum family { FAM_NONE, FAM_RSS, FAM_RDF, FAM_ATOM };

/* What the SAX driver (parse_xml.c) needs to know of an element. */
enum {
    K_OTHER = 0,
    K_ROOT_RSS,
    K_ROOT_RDF,
    K_ROOT_FEED,
    K_CHANNEL,
    K_ITEM,
    K_ENTRY,
    K_IGNORE,    /* image, textinput, items, source: ignore the subtree */
    K_ITEMFIELD, /* an RSS item element that no HTML fragment holds: ends an unclosed one */
    K_GUID,
    K_NAME, /* in a person construct */
    K_EMAIL,
    K_XHTML_DIV,
};

/* Where a captured text goes. */
enum field {
    F_NONE,
    F_TITLE,
    F_LINK,
    F_SUMMARY,
    F_CONTENT,
    F_GUID,
    F_PUBLISHED,
    F_UPDATED,
    F_AUTHOR,
    F_AUTHOR2, /* itunes:author: used only when nothing else names one */
    F_CATEGORY,
    F_KEYWORDS, /* categories, separated by commas */
    F_LANGUAGE,
    F_TTL,
    F_PNAME, /* inside a person construct */
    F_PEMAIL,
};

/* How a captured text is typed. */
enum ctype {
    CT_RAW,     /* identifiers, dates, links: text only, child markup dropped */
    CT_TEXT,    /* plain text (Atom type="text") */
    CT_HTML,    /* escaped or CDATA HTML */
    CT_XHTML,   /* inline markup, serialized as HTML */
    CT_RSSTEXT, /* RSS text: plain unless it looks like HTML (feedparser's rule) */
    CT_B64,     /* Atom 0.3 mode="base64" */
    CT_FAMILY,  /* CT_TEXT in Atom, CT_RSSTEXT in RSS (a row's default only) */
};

/* What an element does, in an entry or in the feed (struct elem). */
enum act {
    ACT_SKIP = 0,  /* nothing: its subtree is ignored */
    ACT_INSIDE,    /* nothing itself, its children are looked at (media:group, wrappers) */
    ACT_TEXT,      /* its text, of the row's type, fills the row's field at the row's rank */
    ACT_TYPED,     /* the same, typed by its type and mode attributes (Atom text constructs) */
    ACT_CONTENT,   /* Atom content: typed; out of line (src) or binary is none; text ranks lower */
    ACT_BODY,      /* an XHTML body: markup content, no wrapper div */
    ACT_LINK,      /* RSS link: its text, or an Atom link when it has href */
    ACT_ATOMLINK,  /* Atom link: rel, type and href */
    ACT_GUID,      /* RSS guid: isPermaLink, then its text */
    ACT_AUTHOR,    /* a name, or a person construct (name, email) */
    ACT_CATEGORY,  /* RSS category, dc:subject: a term attribute, else its text */
    ACT_ATOMCAT,   /* Atom category: label, else term, else its text */
    ACT_ITUNESCAT, /* itunes:category: its text attribute; nested ones are categories too */
    ACT_ENCLOSURE, /* RSS enclosure */
    ACT_MEDIA,     /* media:content: an enclosure, maybe the image; may hold a thumbnail */
    ACT_THUMBNAIL, /* media:thumbnail */
    ACT_ITUNESIMG, /* itunes:image */
    ACT_CDF,       /* a CDF channel or item: HREF is its link, LASTMOD its update */
};

/* One row of the element map (parse_feed.c). */
struct elem {
    uint8_t vocab; /* V_* (parse_feed.c) */
    const char *name;
    uint8_t kind;     /* K_* */
    uint8_t act;      /* ACT_* in an entry */
    uint8_t feed_act; /* ACT_* in the feed (channel) */
    uint8_t field;    /* F_* */
    uint8_t ctype;    /* CT_* */
    uint8_t rank;     /* lower wins; the first of equal rank stays */
};

#define FR_BASE_OWNED 0x01
#define FR_LANG_OWNED 0x02
#define FR_NOSER      0x04 /* in a capture: the element's tags are not serialized */
#define FR_VOID       0x08 /* serialized as an HTML void element: no end tag */

struct frame {
    uint8_t kind;
    uint8_t flags;
    const char *base; /* effective xml:base (or doc URL), may be NULL */
    const char *lang; /* effective xml:lang, may be NULL */
};

/* Which source a field came from: lower is better, 255 is unset. */
struct ranks {
    uint8_t title, link, summary, content, guid, published, updated, image, language;
};

struct xstate {
    xmlParserCtxtPtr ctxt;
    const struct nd_cdata_tab *cdata;
    struct nd_feed *feed;
    const char *doc_url;
    char *fallback_base;   /* no doc_url: the feed's rel=self, else its link (owned) */
    uint8_t fallback_rank; /* 1 rel=self, 2 the feed's link, 255 none */
    const char *feed_lang; /* xml:lang in effect on the channel/feed element */
    int family;
    int stopped;
    unsigned nerrors;
    int bad_lt; /* libxml2 dropped a '<' that starts no tag */

    struct frame *stack;
    size_t depth, cap; /* depth: number of open elements */
    size_t skip_depth; /* non-zero: ignoring the subtree of the element at this depth */

    /* the entry being read */
    struct nd_entry *entry;
    size_t entry_depth; /* 0: not in an entry */
    size_t nested_item; /* depth of an item start inside an entry, not yet begun (0: none) */
    struct ranks er;
    int guid_permalink; /* RSS guid isPermaLink not "false" */
    int guid_is_rss;
    char *about; /* rdf:about of an RSS 1.0 item */
    char *itunes_author;
    int entry_base_from_content;

    /* the feed itself */
    struct ranks fr;
    struct nd_strv feed_authors; /* Atom: inherited by entries without one */

    /* the text being captured */
    struct nd_buf text;
    size_t cap_depth; /* 0: no capture */
    uint8_t cap_field, cap_kind, cap_ctype, cap_rank, cap_html_inner, cap_in_entry;
    uint8_t cap_markup;   /* serializing child markup; text is escaped */
    uint8_t cap_person;   /* an author element: may turn into a person construct */
    uint8_t cap_skip_div; /* xhtml: the wrapper div is not part of the content */
    uint8_t cap_truncated;
    const char *cap_base;
    const struct elem *cap_elem;

    /* a person construct (author/contributor with name/email children) */
    size_t person_depth;
    uint8_t person_field, person_in_entry;
    char *pname, *pemail;

    /* element classification, keyed by libxml2's interned name pointers */
    struct {
        const xmlChar *local, *uri, *prefix;
        const struct elem *e;
    } cache[64];
};

/* parse_feed.c: classification (the row of an element, never NULL), the root, starts */
const struct elem *nd_feed_classify(struct xstate *st, const xmlChar *local, const xmlChar *prefix,
                                    const xmlChar *uri);
int nd_feed_root(struct xstate *st, const struct elem *e, const xmlChar *uri, int nb_attrs,
                 const xmlChar **attrs);
/* Returns 1 when the element's subtree is to be ignored. */
int nd_feed_start(struct xstate *st, const struct elem *e, int nb_attrs, const xmlChar **attrs);
/* parse_item.c: captured text, person constructs, entries */
void nd_item_field(struct xstate *st, const char *s, size_t n, int type);
void nd_item_begin(struct xstate *st, int nb_attrs, const xmlChar **attrs);
void nd_item_end(struct xstate *st);
void nd_item_person_end(struct xstate *st);

/* parse_item.c: elements read from their attributes, for parse_feed.c */
void nd_item_atom_link(struct xstate *st, int nb_attrs, const xmlChar **attrs);
void nd_item_enclosure(struct xstate *st, int nb_attrs, const xmlChar **attrs, int media);
void nd_item_image(struct xstate *st, int nb_attrs, const xmlChar **attrs, const char *name,
                   int rank);
void nd_item_category(struct xstate *st, int nb_attrs, const xmlChar **attrs);
void nd_item_itunes_category(struct xstate *st, int nb_attrs, const xmlChar **attrs);
void nd_item_cdf(struct xstate *st, int nb_attrs, const xmlChar **attrs);
void nd_item_feed_language(struct xstate *st, int rank, const char *s, size_t n);

/* parse_xml.c, for parse_feed.c */
void nd_xml_capture(struct xstate *st, int field, int ctype, int rank, int html_inner);
char *nd_xml_attr(const xmlChar **attrs, int nb_attrs, const char *name);
/* The same with the name matched without regard to case (CDF's HREF, LASTMOD). */
char *nd_xml_attr_ci(const xmlChar **attrs, int nb_attrs, const char *name);
char *nd_xml_resolve(struct xstate *st, const char *ref, size_t n);
const char *nd_xml_base(const struct xstate *st);
/* Is base an xml:base of the document (not its URL or the fallback)? */
int nd_xml_base_explicit(const struct xstate *st, const char *base);
/* No document URL: url (absolute) from the feed's rel=self (rank 1) or link (2) is the base. */
void nd_xml_fallback_base(struct xstate *st, const char *url, int rank);

#endif
