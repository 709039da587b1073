/*
 * parse_feed.c: what RSS 0.9x/2.0, RSS 1.0/RDF and Atom 0.3/1.0 elements
 * mean, and which source wins when several carry the same field.
 *
 * Every field keeps the rank of the element it came from (lower wins, the
 * first of equal rank stays), so the order of elements in an item does not
 * matter.  The ranks follow feedparser where it has a rule:
 *   title     title/atom:title (1), dc:title (2), media:title (3)
 *   link      feedburner:origLink (0: the publisher's own URL), RSS link and
 *             Atom rel=alternate of type text/html or no type (1), other
 *             alternates (2); when none: an RSS guid that is a URL and not
 *             isPermaLink="false" or an Atom id that is an http(s) URL, then
 *             rdf:about
 *   summary   description/atom:summary (1), dc:description (2),
 *             itunes:summary (3), media:description (4)
 *   content   content:encoded/atom:content (1; Atom 0.3 text content 2),
 *             xhtml:body (2)
 *   guid      guid/atom:id (1), dc:identifier (2), rdf:about
 *   published pubDate/published/issued (1), dcterms:issued/created (2),
 *             dc:date (3)
 *   updated   updated/modified (1), dcterms:modified (2)
 *   image     media:thumbnail (1), media:content image (2), image enclosure
 *             (3), itunes:image (4)
 * Authors come from author, dc:creator, Atom author and contributor; then
 * itunes:author; then, in Atom, the feed's authors.  Element names are
 * matched without regard to case, and namespaces by URI (case, a trailing
 * slash and http/https aside) or, for undeclared prefixes, by the usual
 * prefix, as feedparser does.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"

enum ns {
    NS_NONE,
    NS_RSS,
    NS_RSS090,
    NS_ATOM,
    NS_ATOM03,
    NS_RDF,
    NS_CONTENT,
    NS_DC,
    NS_DCTERMS,
    NS_MEDIA,
    NS_ITUNES,
    NS_XHTML,
    NS_FEEDBURNER,
    NS_OTHER,
};

struct name_kind {
    const char *name;
    uint8_t kind;
};

/* clang-format off */
static const struct name_kind rss_names[] = {
    {"item", K_ITEM}, {"title", K_TITLE}, {"link", K_LINK}, {"description", K_DESCRIPTION},
    {"guid", K_GUID}, {"pubDate", K_PUBDATE}, {"category", K_CATEGORY}, {"enclosure", K_ENCLOSURE},
    {"author", K_AUTHOR}, {"channel", K_CHANNEL}, {"rss", K_ROOT_RSS}, {"language", K_LANGUAGE},
    {"ttl", K_TTL}, {"image", K_IGNORE}, {"textinput", K_IGNORE}, {"items", K_IGNORE},
    {"source", K_IGNORE},
};
/* clang-format on */

/* clang-format off */
static const struct name_kind atom_names[] = {
    {"entry", K_ENTRY}, {"title", K_TITLE}, {"link", K_ATOM_LINK}, {"id", K_ID},
    {"summary", K_SUMMARY}, {"content", K_CONTENT}, {"published", K_PUBLISHED},
    {"updated", K_UPDATED}, {"author", K_AUTHOR}, {"name", K_NAME}, {"email", K_EMAIL},
    {"uri", K_URI}, {"url", K_URI}, {"category", K_ATOM_CATEGORY}, {"contributor", K_CONTRIBUTOR},
    {"issued", K_ISSUED}, {"modified", K_MODIFIED}, {"created", K_CREATED}, {"feed", K_ROOT_FEED},
    {"source", K_IGNORE},
};
/* clang-format on */

/* clang-format off */
static const struct name_kind dc_names[] = {
    {"creator", K_DC_CREATOR}, {"date", K_DC_DATE}, {"subject", K_DC_SUBJECT},
    {"description", K_DC_DESCRIPTION}, {"title", K_DC_TITLE}, {"language", K_DC_LANGUAGE},
    {"identifier", K_DC_IDENTIFIER}, {"issued", K_DCT_ISSUED}, {"created", K_DCT_CREATED},
    {"modified", K_DCT_MODIFIED},
};
/* clang-format on */

/* clang-format off */
static const struct name_kind media_names[] = {
    {"content", K_MEDIA_CONTENT}, {"thumbnail", K_MEDIA_THUMBNAIL}, {"group", K_MEDIA_GROUP},
    {"title", K_MEDIA_TITLE}, {"description", K_MEDIA_DESCRIPTION},
};
/* clang-format on */

/* clang-format off */
static const struct name_kind itunes_names[] = {
    {"author", K_ITUNES_AUTHOR}, {"image", K_ITUNES_IMAGE}, {"summary", K_ITUNES_SUMMARY},
};
/* clang-format on */

static const struct {
    const char *uri; /* lower case, http, no trailing slash or '#' */
    uint8_t ns;
} ns_uris[] = {
    {"http://purl.org/rss/1.0", NS_RSS},
    {"http://my.netscape.com/rdf/simple/0.9", NS_RSS090},
    {"http://www.w3.org/2005/atom", NS_ATOM},
    {"http://purl.org/atom/ns", NS_ATOM03},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns", NS_RDF},
    {"http://purl.org/rss/1.0/modules/content", NS_CONTENT},
    {"http://purl.org/dc/elements/1.1", NS_DC},
    {"http://purl.org/dc/elements/1.0", NS_DC},
    {"http://purl.org/dc/terms", NS_DCTERMS},
    {"http://search.yahoo.com/mrss", NS_MEDIA},
    {"http://search.yahoo.com/rss", NS_MEDIA},
    {"http://video.search.yahoo.com/mrss", NS_MEDIA},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", NS_ITUNES},
    {"http://www.w3.org/1999/xhtml", NS_XHTML},
    {"http://rssnamespace.org/feedburner/ext/1.0", NS_FEEDBURNER},
    {"http://backend.userland.com/rss2", NS_NONE},
    {"http://blogs.law.harvard.edu/tech/rss", NS_NONE},
};

static const struct {
    const char *prefix;
    uint8_t ns;
} ns_prefixes[] = {
    {"dc", NS_DC},       {"dcterms", NS_DCTERMS}, {"content", NS_CONTENT},
    {"media", NS_MEDIA}, {"itunes", NS_ITUNES},   {"atom", NS_ATOM},
    {"rdf", NS_RDF},     {"xhtml", NS_XHTML},     {"feedburner", NS_FEEDBURNER},
};

static int ns_of(const char *uri, const char *prefix)
{
    char norm[96];
    size_t n = 0;

    if (uri == NULL || *uri == '\0') {
        if (prefix == NULL)
            return NS_NONE;
        for (size_t i = 0; i < sizeof(ns_prefixes) / sizeof(ns_prefixes[0]); i++)
            if (strcasecmp(prefix, ns_prefixes[i].prefix) == 0)
                return ns_prefixes[i].ns;
        return NS_OTHER;
    }
    if (strncasecmp(uri, "https://", 8) == 0) {
        memcpy(norm, "http://", 7);
        n = 7;
        uri += 8;
    }
    for (; *uri && n < sizeof(norm) - 1; uri++)
        norm[n++] = (*uri >= 'A' && *uri <= 'Z') ? (char)(*uri + 32) : *uri;
    while (n > 0 && (norm[n - 1] == '/' || norm[n - 1] == '#' || norm[n - 1] == ' '))
        n--;
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof(ns_uris) / sizeof(ns_uris[0]); i++)
        if (strcmp(norm, ns_uris[i].uri) == 0)
            return ns_uris[i].ns;
    return NS_OTHER;
}

static int lookup(const struct name_kind *t, size_t n, const char *local)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(t[i].name, local) == 0)
            return t[i].kind;
    return K_OTHER;
}

#define LOOKUP(t, l) lookup(t, sizeof(t) / sizeof(t[0]), l)

static int classify_slow(struct xstate *st, const char *local, const char *prefix, const char *uri)
{
    int ns = ns_of(uri, prefix), k;

    switch (ns) {
    case NS_NONE:
        if (st->family == FAM_ATOM)
            return (k = LOOKUP(atom_names, local)) != K_OTHER ? k : LOOKUP(rss_names, local);
        if ((k = LOOKUP(rss_names, local)) == K_OTHER)
            k = LOOKUP(atom_names, local);
        return k == K_OTHER && st->family == FAM_RSS ? K_PLAIN_OTHER : k;
    case NS_RSS090:
        if (st->family == FAM_RDF)
            st->feed->format = "rss0.90";
        return LOOKUP(rss_names, local);
    case NS_RSS:
        return LOOKUP(rss_names, local);
    case NS_ATOM:
    case NS_ATOM03:
        return LOOKUP(atom_names, local);
    case NS_RDF:
        return strcmp(local, "RDF") == 0 ? K_ROOT_RDF : K_OTHER;
    case NS_CONTENT:
        return strcmp(local, "encoded") == 0 ? K_ENCODED : K_OTHER;
    case NS_DC:
    case NS_DCTERMS:
        return LOOKUP(dc_names, local);
    case NS_MEDIA:
        return LOOKUP(media_names, local);
    case NS_ITUNES:
        return LOOKUP(itunes_names, local);
    case NS_XHTML:
        return strcmp(local, "body") == 0  ? K_XHTML_BODY
               : strcmp(local, "div") == 0 ? K_XHTML_DIV
                                           : K_OTHER;
    case NS_FEEDBURNER:
        return strcasecmp(local, "origLink") == 0 ? K_ORIGLINK : K_OTHER;
    default:
        return K_OTHER;
    }
}

int nd_feed_classify(struct xstate *st, const xmlChar *local, const xmlChar *prefix,
                     const xmlChar *uri)
{
    unsigned h = (unsigned)(((uintptr_t)local >> 4) ^ ((uintptr_t)uri >> 3)) & 63;

    if (st->cache[h].local == local && st->cache[h].uri == uri && st->cache[h].prefix == prefix)
        return st->cache[h].kind;
    st->cache[h].local = local;
    st->cache[h].uri = uri;
    st->cache[h].prefix = prefix;
    st->cache[h].kind =
        (uint8_t)classify_slow(st, (const char *)local, (const char *)prefix, (const char *)uri);
    return st->cache[h].kind;
}
static int text_type(struct xstate *st, int nb_attrs, const xmlChar **attrs, int dflt,
                     int *html_inner)
{
    char *type = nd_xml_attr(attrs, nb_attrs, "type");
    char *mode = nd_xml_attr(attrs, nb_attrs, "mode");
    int ct = dflt;

    *html_inner = 0;
    if (type) {
        size_t n = strlen(type);
        if (strcasecmp(type, "text") == 0 || strcasecmp(type, "text/plain") == 0 ||
            strcasecmp(type, "plain") == 0)
            ct = CT_TEXT;
        else if (strcasecmp(type, "html") == 0 || strcasecmp(type, "text/html") == 0)
            ct = CT_HTML;
        else if (strcasecmp(type, "xhtml") == 0 || strcasecmp(type, "application/xhtml+xml") == 0)
            ct = CT_XHTML;
        else if (strncasecmp(type, "text/", 5) == 0)
            ct = CT_TEXT;
        else if ((n > 4 && strcasecmp(type + n - 4, "+xml") == 0) ||
                 (n > 4 && strcasecmp(type + n - 4, "/xml") == 0))
            ct = CT_XHTML;
        else
            ct = -1; /* binary content: not text */
    }
    if (mode && ct >= 0) {
        if (strcasecmp(mode, "base64") == 0) {
            *html_inner = ct == CT_HTML || ct == CT_XHTML;
            ct = CT_B64;
        } else if (strcasecmp(mode, "xml") == 0 && ct == CT_HTML) {
            ct = CT_XHTML;
        }
    }
    free(type);
    free(mode);
    (void)st;
    return ct;
}

/* ---- element starts ---- */

static int capture_typed(struct xstate *st, int field, int rank, int nb_attrs,
                         const xmlChar **attrs, int dflt)
{
    int inner, ct = text_type(st, nb_attrs, attrs, dflt, &inner);

    if (ct < 0)
        return 1;
    nd_xml_capture(st, field, ct, rank, inner);
    return 0;
}

static int has_attr(int nb_attrs, const xmlChar **attrs, const char *name)
{
    for (int i = 0; i < nb_attrs; i++)
        if (attrs[i * 5 + 1] == NULL && strcmp((const char *)attrs[i * 5], name) == 0)
            return 1;
    return 0;
}

static int entry_start(struct xstate *st, int kind, int nb_attrs, const xmlChar **attrs)
{
    int atom = st->family == FAM_ATOM;
    char *v;

    switch (kind) {
    case K_TITLE:
        return capture_typed(st, F_TITLE, 1, nb_attrs, attrs, atom ? CT_TEXT : CT_RSSTEXT);
    case K_DC_TITLE:
        nd_xml_capture(st, F_TITLE, CT_RSSTEXT, 2, 0);
        return 0;
    case K_MEDIA_TITLE:
        return capture_typed(st, F_TITLE, 3, nb_attrs, attrs, CT_TEXT);
    case K_LINK:
        if (has_attr(nb_attrs, attrs, "href")) {
            nd_item_atom_link(st, nb_attrs, attrs);
            return 1;
        }
        nd_xml_capture(st, F_LINK, CT_RAW, 1, 0);
        return 0;
    case K_ORIGLINK:
        nd_xml_capture(st, F_LINK, CT_RAW, 0, 0);
        return 0;
    case K_ATOM_LINK:
        nd_item_atom_link(st, nb_attrs, attrs);
        return 1;
    case K_DESCRIPTION:
        nd_xml_capture(st, F_SUMMARY, CT_HTML, 1, 0);
        return 0;
    case K_SUMMARY:
        return capture_typed(st, F_SUMMARY, 1, nb_attrs, attrs, CT_TEXT);
    case K_DC_DESCRIPTION:
        nd_xml_capture(st, F_SUMMARY, CT_HTML, 2, 0);
        return 0;
    case K_ITUNES_SUMMARY:
        nd_xml_capture(st, F_SUMMARY, CT_RSSTEXT, 3, 0);
        return 0;
    case K_MEDIA_DESCRIPTION:
        return capture_typed(st, F_SUMMARY, 4, nb_attrs, attrs, CT_TEXT);
    case K_ENCODED:
        nd_xml_capture(st, F_CONTENT, CT_HTML, 1, 0);
        return 0;
    case K_CONTENT: {
        int inner, ct;
        if (has_attr(nb_attrs, attrs, "src"))
            return 1; /* out-of-line content */
        ct = text_type(st, nb_attrs, attrs, CT_TEXT, &inner);
        if (ct < 0)
            return 1;
        nd_xml_capture(st, F_CONTENT, ct, ct == CT_TEXT ? 2 : 1, inner);
        return 0;
    }
    case K_XHTML_BODY:
        nd_xml_capture(st, F_CONTENT, CT_XHTML, 2, 0);
        st->cap_skip_div = 0;
        return 0;
    case K_GUID:
        v = nd_xml_attr(attrs, nb_attrs, "isPermaLink");
        st->guid_permalink = v == NULL || strcasecmp(v, "false") != 0;
        free(v);
        nd_xml_capture(st, F_GUID, CT_RAW, 1, 0);
        return 0;
    case K_ID:
        nd_xml_capture(st, F_GUID, CT_RAW, 1, 0);
        return 0;
    case K_DC_IDENTIFIER:
        nd_xml_capture(st, F_GUID, CT_RAW, 2, 0);
        return 0;
    case K_PUBDATE:
    case K_PUBLISHED:
    case K_ISSUED:
        nd_xml_capture(st, F_PUBLISHED, CT_RAW, 1, 0);
        return 0;
    case K_DCT_ISSUED:
    case K_DCT_CREATED:
    case K_CREATED:
        nd_xml_capture(st, F_PUBLISHED, CT_RAW, 2, 0);
        return 0;
    case K_DC_DATE:
        nd_xml_capture(st, F_PUBLISHED, CT_RAW, 3, 0);
        return 0;
    case K_UPDATED:
    case K_MODIFIED:
        nd_xml_capture(st, F_UPDATED, CT_RAW, 1, 0);
        return 0;
    case K_DCT_MODIFIED:
        nd_xml_capture(st, F_UPDATED, CT_RAW, 2, 0);
        return 0;
    case K_AUTHOR:
    case K_CONTRIBUTOR:
    case K_DC_CREATOR:
        nd_xml_capture(st, F_AUTHOR, CT_RAW, 0, 0);
        return 0;
    case K_ITUNES_AUTHOR:
        nd_xml_capture(st, F_AUTHOR2, CT_RAW, 0, 0);
        return 0;
    case K_CATEGORY:
    case K_DC_SUBJECT:
        if (has_attr(nb_attrs, attrs, "term")) {
            nd_item_category(st, nb_attrs, attrs);
            return 1;
        }
        nd_xml_capture(st, F_CATEGORY, CT_RAW, 0, 0);
        return 0;
    case K_ATOM_CATEGORY:
        if (!has_attr(nb_attrs, attrs, "term") && !has_attr(nb_attrs, attrs, "label")) {
            nd_xml_capture(st, F_CATEGORY, CT_RAW, 0, 0); /* <category>text</category> */
            return 0;
        }
        nd_item_category(st, nb_attrs, attrs);
        return 1;
    case K_ENCLOSURE:
        nd_item_enclosure(st, nb_attrs, attrs, 0);
        return 1;
    case K_MEDIA_CONTENT:
        nd_item_enclosure(st, nb_attrs, attrs, 1);
        return 0; /* may hold media:thumbnail, media:title */
    case K_MEDIA_THUMBNAIL:
        nd_item_image(st, nb_attrs, attrs, "url", 1);
        return 1;
    case K_ITUNES_IMAGE:
        nd_item_image(st, nb_attrs, attrs, "href", 4);
        return 1;
    case K_LANGUAGE:
    case K_DC_LANGUAGE:
        nd_xml_capture(st, F_LANGUAGE, CT_RAW, 1, 0);
        return 0;
    case K_MEDIA_GROUP:
    case K_PLAIN_OTHER: /* <categories><category>..</category></categories> */
        return 0;
    default:
        return 1;
    }
}

static int feed_start(struct xstate *st, int kind, int nb_attrs, const xmlChar **attrs)
{
    switch (kind) {
    case K_TITLE:
        return capture_typed(st, F_TITLE, 1, nb_attrs, attrs,
                             st->family == FAM_ATOM ? CT_TEXT : CT_RSSTEXT);
    case K_DC_TITLE:
        nd_xml_capture(st, F_TITLE, CT_RSSTEXT, 2, 0);
        return 0;
    case K_LINK:
        if (has_attr(nb_attrs, attrs, "href")) {
            nd_item_atom_link(st, nb_attrs, attrs);
            return 1;
        }
        nd_xml_capture(st, F_LINK, CT_RAW, 1, 0);
        return 0;
    case K_ATOM_LINK:
        nd_item_atom_link(st, nb_attrs, attrs);
        return 1;
    case K_LANGUAGE:
    case K_DC_LANGUAGE:
        nd_xml_capture(st, F_LANGUAGE, CT_RAW, 1, 0);
        return 0;
    case K_TTL:
        nd_xml_capture(st, F_TTL, CT_RAW, 0, 0);
        return 0;
    case K_AUTHOR:
        if (st->family != FAM_ATOM)
            return 1;
        nd_xml_capture(st, F_AUTHOR, CT_RAW, 0, 0);
        return 0;
    case K_OTHER:
    case K_PLAIN_OTHER:
        return st->depth > 2; /* unknown wrappers right under the root are looked into */
    default:
        return 1;
    }
}

int nd_feed_start(struct xstate *st, int kind, int nb_attrs, const xmlChar **attrs)
{
    const char *lang = st->stack[st->depth - 1].lang;

    if (st->person_depth) {
        if (kind == K_NAME || kind == K_EMAIL) {
            nd_xml_capture(st, kind == K_NAME ? F_PNAME : F_PEMAIL, CT_RAW, 0, 0);
            return 0;
        }
        return 1;
    }
    if (st->nested_item && st->depth == st->nested_item + 1) {
        /* the nested item has content: a new item after one left unclosed */
        size_t d = st->nested_item;
        st->nested_item = 0;
        nd_item_end(st);
        nd_item_begin(st, 0, NULL);
        st->entry_depth = d;
    }
    switch (kind) {
    case K_ITEM:
    case K_ENTRY:
        if (st->entry_depth && st->depth > st->entry_depth && !st->nested_item) {
            /* "<item>..<item/>..</item>" or an unclosed item: which one shows
             * at its first child; an empty one is ignored */
            st->nested_item = st->depth;
            return 0;
        }
        if (st->entry_depth)
            nd_item_end(st);
        nd_item_begin(st, nb_attrs, attrs);
        return 0;
    case K_CHANNEL:
        if (st->entry_depth)
            return 1;
        st->feed_lang = lang;
        if (lang)
            nd_item_feed_language(st, 2, lang, strlen(lang));
        return 0;
    case K_IGNORE:
    case K_ROOT_RSS:
    case K_ROOT_RDF:
    case K_ROOT_FEED:
        return 1;
    }
    return st->entry_depth ? entry_start(st, kind, nb_attrs, attrs)
                           : feed_start(st, kind, nb_attrs, attrs);
}

int nd_feed_root(struct xstate *st, int kind, const xmlChar *local, const xmlChar *uri,
                 int nb_attrs, const xmlChar **attrs)
{
    struct nd_feed *f = st->feed;
    const char *lang = st->stack[0].lang;
    char *version = nd_xml_attr(attrs, nb_attrs, "version");
    int ns = ns_of((const char *)uri, NULL);

    switch (kind) {
    case K_ROOT_RSS:
    case K_CHANNEL:
        st->family = FAM_RSS;
        f->format = "rss";
        if (version == NULL || kind == K_CHANNEL)
            break;
        if (strncmp(version, "2.", 2) == 0 || strcmp(version, "2") == 0)
            f->format = "rss2.0";
        else if (strcmp(version, "0.91") == 0)
            f->format = "rss0.91";
        else if (strcmp(version, "0.92") == 0)
            f->format = "rss0.92";
        else if (strcmp(version, "0.93") == 0)
            f->format = "rss0.93";
        else if (strcmp(version, "0.94") == 0)
            f->format = "rss0.94";
        else if (strcmp(version, "0.90") == 0)
            f->format = "rss0.90";
        break;
    case K_ROOT_RDF:
        st->family = FAM_RDF;
        f->format = "rss1.0";
        break;
    case K_ROOT_FEED:
    case K_ENTRY:
        st->family = FAM_ATOM;
        if (ns == NS_ATOM03 || (version && strcmp(version, "0.3") == 0))
            f->format = "atom0.3";
        else if (ns == NS_ATOM)
            f->format = "atom1.0";
        else
            f->format = "atom";
        break;
    default:
        free(version);
        return -1;
    }
    free(version);
    memset(st->cache, 0, sizeof(st->cache)); /* kinds depend on the family */
    st->feed_lang = lang;
    if (lang)
        nd_item_feed_language(st, 2, lang, strlen(lang));
    if (kind == K_ENTRY)
        nd_item_begin(st, nb_attrs, attrs);
    (void)local;
    return 0;
}
