/*
 * parse_feed.c: what RSS 0.9x/2.0, RSS 1.0/RDF, Atom 0.3/1.0 and CDF
 * elements mean, as one table: a row per element (its vocabulary, its name,
 * what it does in an entry and in the feed, the field it fills, the type of
 * its text and its rank).  Adding an element is adding a row.
 *
 * Every field keeps the rank of the element it came from: lower wins, the
 * first of equal rank stays, so the order of elements in an item does not
 * matter (docs/feed-support.md lists the rows by field).  Element names are
 * matched without regard to case, and namespaces by URI (case, a trailing
 * slash and http/https aside) or, for undeclared prefixes, by the usual
 * prefix, as feedparser does.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"

/* Vocabularies: the namespaces newsd reads, each with its names. */
enum vocab {
    V_NONE, /* no namespace: RSS's names, or Atom's in an Atom feed */
    V_RSS,  /* RSS 0.9x/1.0/2.0 (and CDF, which has no namespace) */
    V_ATOM, /* Atom 1.0, 0.3 and its drafts */
    V_RDF,
    V_CONTENT,
    V_DC, /* dc and dcterms */
    V_MEDIA,
    V_ITUNES,
    V_XHTML,
    V_FEEDBURNER,
    V_OTHER,
};

/* clang-format off */
#define ROW(v, n, k, a, fa, f, ct, r) {v, n, k, a, fa, f, ct, r}
/* a structural element: the driver's business */
#define S(v, n, k)                    ROW(v, n, k, ACT_SKIP, ACT_SKIP, F_NONE, CT_RAW, 0)
/* in an entry only */
#define E(v, n, k, a, f, ct, r)       ROW(v, n, k, a, ACT_SKIP, f, ct, r)
/* in an entry and in the feed */
#define B(v, n, k, a, f, ct, r)       ROW(v, n, k, a, a, f, ct, r)
/* in the feed only */
#define FD(v, n, k, a, f, ct, r)      ROW(v, n, k, ACT_SKIP, a, f, ct, r)

static const struct elem rows[] = {
    /* RSS 0.9x, 1.0 and 2.0; CDF (Microsoft's Channel Definition Format) */
    S(V_RSS, "rss", K_ROOT_RSS),
    ROW(V_RSS, "channel", K_CHANNEL, ACT_SKIP, ACT_CDF, F_NONE, CT_RAW, 0),
    ROW(V_RSS, "item", K_ITEM, ACT_SKIP, ACT_SKIP, F_NONE, CT_RAW, 0),
    S(V_RSS, "image", K_IGNORE), S(V_RSS, "textinput", K_IGNORE), S(V_RSS, "items", K_IGNORE),
    S(V_RSS, "source", K_IGNORE),
    B(V_RSS, "title", K_ITEMFIELD, ACT_TYPED, F_TITLE, CT_FAMILY, 1),
    B(V_RSS, "link", K_ITEMFIELD, ACT_LINK, F_LINK, CT_RAW, 1),
    E(V_RSS, "description", K_ITEMFIELD, ACT_TEXT, F_SUMMARY, CT_HTML, 1),
    E(V_RSS, "abstract", K_ITEMFIELD, ACT_TEXT, F_SUMMARY, CT_RSSTEXT, 1),   /* CDF */
    E(V_RSS, "guid", K_GUID, ACT_GUID, F_GUID, CT_RAW, 1),
    E(V_RSS, "pubDate", K_ITEMFIELD, ACT_TEXT, F_PUBLISHED, CT_RAW, 1),
    E(V_RSS, "category", K_ITEMFIELD, ACT_CATEGORY, F_CATEGORY, CT_RAW, 0),
    E(V_RSS, "enclosure", K_ITEMFIELD, ACT_ENCLOSURE, F_NONE, CT_RAW, 0),
    E(V_RSS, "author", K_OTHER, ACT_AUTHOR, F_AUTHOR, CT_RAW, 0),
    B(V_RSS, "language", K_OTHER, ACT_TEXT, F_LANGUAGE, CT_RAW, 1),
    FD(V_RSS, "ttl", K_OTHER, ACT_TEXT, F_TTL, CT_RAW, 0),
    E(V_RSS, "body", K_OTHER, ACT_BODY, F_CONTENT, CT_XHTML, 2),  /* <body> without a namespace */
    E(V_RSS, "fullitem", K_OTHER, ACT_TEXT, F_CONTENT, CT_HTML, 1),

    /* Atom 1.0, 0.3 and the drafts before them */
    S(V_ATOM, "feed", K_ROOT_FEED), S(V_ATOM, "entry", K_ENTRY), S(V_ATOM, "source", K_IGNORE),
    B(V_ATOM, "title", K_OTHER, ACT_TYPED, F_TITLE, CT_TEXT, 1),
    B(V_ATOM, "link", K_OTHER, ACT_ATOMLINK, F_LINK, CT_RAW, 1),
    E(V_ATOM, "id", K_OTHER, ACT_TEXT, F_GUID, CT_RAW, 1),
    E(V_ATOM, "summary", K_OTHER, ACT_TYPED, F_SUMMARY, CT_TEXT, 1),
    E(V_ATOM, "content", K_OTHER, ACT_CONTENT, F_CONTENT, CT_TEXT, 1),
    E(V_ATOM, "published", K_OTHER, ACT_TEXT, F_PUBLISHED, CT_RAW, 1),
    E(V_ATOM, "issued", K_OTHER, ACT_TEXT, F_PUBLISHED, CT_RAW, 1),        /* 0.3 */
    E(V_ATOM, "created", K_OTHER, ACT_TEXT, F_PUBLISHED, CT_RAW, 2),       /* 0.3 */
    E(V_ATOM, "updated", K_OTHER, ACT_TEXT, F_UPDATED, CT_RAW, 1),
    E(V_ATOM, "modified", K_OTHER, ACT_TEXT, F_UPDATED, CT_RAW, 1),        /* 0.3 */
    B(V_ATOM, "author", K_OTHER, ACT_AUTHOR, F_AUTHOR, CT_RAW, 0),
    B(V_ATOM, "contributor", K_OTHER, ACT_AUTHOR, F_AUTHOR, CT_RAW, 0),
    S(V_ATOM, "name", K_NAME), S(V_ATOM, "email", K_EMAIL),
    S(V_ATOM, "uri", K_OTHER), S(V_ATOM, "url", K_OTHER),
    E(V_ATOM, "category", K_OTHER, ACT_ATOMCAT, F_CATEGORY, CT_RAW, 0),

    S(V_RDF, "RDF", K_ROOT_RDF),
    E(V_CONTENT, "encoded", K_ITEMFIELD, ACT_TEXT, F_CONTENT, CT_HTML, 1),

    /* Dublin Core, elements and terms */
    E(V_DC, "creator", K_ITEMFIELD, ACT_AUTHOR, F_AUTHOR, CT_RAW, 0),
    E(V_DC, "author", K_OTHER, ACT_AUTHOR, F_AUTHOR, CT_RAW, 0),   /* not Dublin Core's, used */
    E(V_DC, "date", K_ITEMFIELD, ACT_TEXT, F_PUBLISHED, CT_RAW, 3),
    E(V_DC, "subject", K_OTHER, ACT_CATEGORY, F_CATEGORY, CT_RAW, 0),
    E(V_DC, "description", K_OTHER, ACT_TEXT, F_SUMMARY, CT_HTML, 2),
    B(V_DC, "title", K_OTHER, ACT_TEXT, F_TITLE, CT_RSSTEXT, 2),
    B(V_DC, "language", K_OTHER, ACT_TEXT, F_LANGUAGE, CT_RAW, 1),
    E(V_DC, "identifier", K_OTHER, ACT_TEXT, F_GUID, CT_RAW, 2),
    E(V_DC, "issued", K_OTHER, ACT_TEXT, F_PUBLISHED, CT_RAW, 2),
    E(V_DC, "created", K_OTHER, ACT_TEXT, F_PUBLISHED, CT_RAW, 2),
    E(V_DC, "modified", K_OTHER, ACT_TEXT, F_UPDATED, CT_RAW, 2),

    /* Media RSS */
    E(V_MEDIA, "content", K_OTHER, ACT_MEDIA, F_NONE, CT_RAW, 2),
    E(V_MEDIA, "thumbnail", K_OTHER, ACT_THUMBNAIL, F_NONE, CT_RAW, 1),
    E(V_MEDIA, "group", K_OTHER, ACT_INSIDE, F_NONE, CT_RAW, 0),
    E(V_MEDIA, "title", K_OTHER, ACT_TYPED, F_TITLE, CT_TEXT, 3),
    E(V_MEDIA, "description", K_OTHER, ACT_TYPED, F_SUMMARY, CT_TEXT, 4),
    E(V_MEDIA, "category", K_OTHER, ACT_TEXT, F_CATEGORY, CT_RAW, 0),
    E(V_MEDIA, "keywords", K_OTHER, ACT_TEXT, F_KEYWORDS, CT_RAW, 0),

    /* iTunes podcasts */
    E(V_ITUNES, "author", K_OTHER, ACT_TEXT, F_AUTHOR2, CT_RAW, 0),
    E(V_ITUNES, "image", K_OTHER, ACT_ITUNESIMG, F_NONE, CT_RAW, 4),
    E(V_ITUNES, "summary", K_OTHER, ACT_TEXT, F_SUMMARY, CT_RSSTEXT, 3),
    E(V_ITUNES, "category", K_OTHER, ACT_ITUNESCAT, F_CATEGORY, CT_RAW, 0),
    E(V_ITUNES, "keywords", K_OTHER, ACT_TEXT, F_KEYWORDS, CT_RAW, 0),

    E(V_XHTML, "body", K_OTHER, ACT_BODY, F_CONTENT, CT_XHTML, 2),
    S(V_XHTML, "div", K_XHTML_DIV),
    E(V_FEEDBURNER, "origLink", K_OTHER, ACT_TEXT, F_LINK, CT_RAW, 0),
};
/* clang-format on */

/* Unknown elements: in no namespace in RSS, a wrapper looked into ("<categories>");
 * anywhere else, ignored with what they hold. */
static const struct elem plain_other =
    ROW(V_NONE, "", K_OTHER, ACT_INSIDE, ACT_INSIDE, F_NONE, CT_RAW, 0);
static const struct elem other = ROW(V_OTHER, "", K_OTHER, ACT_SKIP, ACT_INSIDE, F_NONE, CT_RAW, 0);

/* Namespace URIs, lower case, http, without a trailing slash or '#'. */
static const struct {
    const char *uri;
    uint8_t vocab;
    uint8_t atom03; /* Atom before 1.0 */
} ns_uris[] = {
    {"http://purl.org/rss/1.0", V_RSS, 0},
    {"http://my.netscape.com/rdf/simple/0.9", V_RSS, 0},
    {"http://purl.org/rss/1.0/modules/rss091", V_RSS, 0},
    {"http://backend.userland.com/rss2", V_NONE, 0},
    {"http://backend.userland.com/rss", V_NONE, 0},
    {"http://blogs.law.harvard.edu/tech/rss", V_NONE, 0},
    {"http://www.w3.org/2005/atom", V_ATOM, 0},
    {"http://purl.org/atom/ns", V_ATOM, 1},
    /* the drafts before Atom 0.3 ("Echo", "Pie", "Necho"), still in feeds */
    {"http://purl.org/echo", V_ATOM, 1},
    {"http://purl.org/pie", V_ATOM, 1},
    {"http://example.com/necho", V_ATOM, 1},
    {"http://example.com/newformat", V_ATOM, 1},
    {"uri/of/echo/namespace", V_ATOM, 1},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns", V_RDF, 0},
    {"http://purl.org/rss/1.0/modules/content", V_CONTENT, 0},
    {"http://purl.org/dc/elements/1.1", V_DC, 0},
    {"http://purl.org/dc/elements/1.0", V_DC, 0},
    {"http://purl.org/dc/terms", V_DC, 0},
    {"http://search.yahoo.com/mrss", V_MEDIA, 0},
    {"http://search.yahoo.com/rss", V_MEDIA, 0},
    {"http://video.search.yahoo.com/mrss", V_MEDIA, 0},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", V_ITUNES, 0},
    {"http://example.com/dtds/podcast-1.0.dtd", V_ITUNES, 0},
    {"http://www.w3.org/1999/xhtml", V_XHTML, 0},
    {"http://rssnamespace.org/feedburner/ext/1.0", V_FEEDBURNER, 0},
};

/* Undeclared prefixes read by their usual meaning. */
static const struct {
    const char *prefix;
    uint8_t vocab;
} ns_prefixes[] = {
    {"dc", V_DC},       {"dcterms", V_DC},    {"content", V_CONTENT},
    {"media", V_MEDIA}, {"itunes", V_ITUNES}, {"atom", V_ATOM},
    {"rdf", V_RDF},     {"xhtml", V_XHTML},   {"feedburner", V_FEEDBURNER},
};

/* The vocabulary of a namespace (URI, or an undeclared prefix); *atom03 for Atom's drafts. */
static int ns_of(const char *uri, const char *prefix, int *atom03)
{
    char norm[96];
    size_t n = 0;

    if (atom03)
        *atom03 = 0;
    if (uri == NULL || *uri == '\0') {
        if (prefix == NULL)
            return V_NONE;
        for (size_t i = 0; i < sizeof(ns_prefixes) / sizeof(ns_prefixes[0]); i++)
            if (strcasecmp(prefix, ns_prefixes[i].prefix) == 0)
                return ns_prefixes[i].vocab;
        return V_OTHER;
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
        if (strcmp(norm, ns_uris[i].uri) == 0) {
            if (atom03)
                *atom03 = ns_uris[i].atom03;
            return ns_uris[i].vocab;
        }
    return V_OTHER;
}

static const struct elem *lookup(int vocab, const char *local)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].vocab == vocab && strcasecmp(rows[i].name, local) == 0)
            return &rows[i];
    return NULL;
}

static const struct elem *classify_slow(struct xstate *st, const char *local, const char *prefix,
                                        const char *uri)
{
    int vocab = ns_of(uri, prefix, NULL);
    const struct elem *e;

    if (vocab == V_NONE) {
        /* no namespace: Atom's names in an Atom feed, RSS's (and CDF's) elsewhere */
        int first = st->family == FAM_ATOM ? V_ATOM : V_RSS;
        if ((e = lookup(first, local)) || (e = lookup(first == V_ATOM ? V_RSS : V_ATOM, local)))
            return e;
        return st->family == FAM_RSS ? &plain_other : &other;
    }
    if (vocab == V_RSS && st->family == FAM_RDF && uri &&
        strstr(uri, "my.netscape.com/rdf/simple/0.9"))
        st->feed->format = "rss0.90";
    if (vocab == V_RDF)
        return strcmp(local, "RDF") == 0 ? lookup(V_RDF, "RDF") : &other;
    e = vocab == V_OTHER ? NULL : lookup(vocab, local);
    return e ? e : &other;
}

const struct elem *nd_feed_classify(struct xstate *st, const xmlChar *local, const xmlChar *prefix,
                                    const xmlChar *uri)
{
    unsigned h = (unsigned)(((uintptr_t)local >> 4) ^ ((uintptr_t)uri >> 3)) & 63;

    if (st->cache[h].e && st->cache[h].local == local && st->cache[h].uri == uri &&
        st->cache[h].prefix == prefix)
        return st->cache[h].e;
    st->cache[h].local = local;
    st->cache[h].uri = uri;
    st->cache[h].prefix = prefix;
    st->cache[h].e =
        classify_slow(st, (const char *)local, (const char *)prefix, (const char *)uri);
    return st->cache[h].e;
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

static int has_attr(int nb_attrs, const xmlChar **attrs, const char *name)
{
    for (int i = 0; i < nb_attrs; i++)
        if (attrs[i * 5 + 1] == NULL && strcmp((const char *)attrs[i * 5], name) == 0)
            return 1;
    return 0;
}

/* What an element does where it is (a: its row's act there); 1: its subtree is ignored. */
static int act(struct xstate *st, const struct elem *e, int a, int nb_attrs, const xmlChar **attrs)
{
    int inner,
        ct = e->ctype == CT_FAMILY ? (st->family == FAM_ATOM ? CT_TEXT : CT_RSSTEXT) : e->ctype;
    char *v;

    switch (a) {
    case ACT_INSIDE:
        return 0;
    case ACT_TEXT:
        nd_xml_capture(st, e->field, ct, e->rank, 0);
        return 0;
    case ACT_CONTENT:
        if (has_attr(nb_attrs, attrs, "src"))
            return 1; /* out-of-line content */
        /* fall through */
    case ACT_TYPED:
        ct = text_type(st, nb_attrs, attrs, ct, &inner);
        if (ct < 0)
            return 1; /* binary content: not text */
        /* Atom content of type text ranks below HTML content */
        nd_xml_capture(st, e->field, ct, e->rank + (a == ACT_CONTENT && ct == CT_TEXT), inner);
        return 0;
    case ACT_BODY:
        nd_xml_capture(st, e->field, CT_XHTML, e->rank, 0);
        st->cap_skip_div = 0; /* the body is the wrapper */
        return 0;
    case ACT_LINK:
        if (has_attr(nb_attrs, attrs, "href")) {
            nd_item_atom_link(st, nb_attrs, attrs);
            return 1;
        }
        nd_xml_capture(st, e->field, CT_RAW, e->rank, 0);
        return 0;
    case ACT_ATOMLINK:
        nd_item_atom_link(st, nb_attrs, attrs);
        return 1;
    case ACT_GUID:
        v = nd_xml_attr(attrs, nb_attrs, "isPermaLink");
        st->guid_permalink = v == NULL || strcasecmp(v, "false") != 0;
        free(v);
        nd_xml_capture(st, e->field, CT_RAW, e->rank, 0);
        return 0;
    case ACT_AUTHOR:
        if (!st->entry_depth && st->family != FAM_ATOM)
            return 1; /* RSS channel editors are not the items' authors */
        nd_xml_capture(st, F_AUTHOR, CT_RAW, 0, 0);
        return 0;
    case ACT_CATEGORY:
        if (has_attr(nb_attrs, attrs, "term")) {
            nd_item_category(st, nb_attrs, attrs);
            return 1;
        }
        nd_xml_capture(st, F_CATEGORY, CT_RAW, 0, 0);
        return 0;
    case ACT_ATOMCAT:
        if (!has_attr(nb_attrs, attrs, "term") && !has_attr(nb_attrs, attrs, "label")) {
            nd_xml_capture(st, F_CATEGORY, CT_RAW, 0, 0); /* <category>text</category> */
            return 0;
        }
        nd_item_category(st, nb_attrs, attrs);
        return 1;
    case ACT_ITUNESCAT:
        nd_item_itunes_category(st, nb_attrs, attrs);
        return 0; /* a subcategory inside */
    case ACT_ENCLOSURE:
        nd_item_enclosure(st, nb_attrs, attrs, 0);
        return 1;
    case ACT_MEDIA:
        nd_item_enclosure(st, nb_attrs, attrs, 1);
        return 0; /* may hold media:thumbnail, media:title */
    case ACT_THUMBNAIL:
        nd_item_image(st, nb_attrs, attrs, "url", e->rank);
        return 1;
    case ACT_ITUNESIMG:
        nd_item_image(st, nb_attrs, attrs, "href", e->rank);
        return 1;
    case ACT_CDF:
        nd_item_cdf(st, nb_attrs, attrs);
        return 0;
    default:
        return 1;
    }
}

int nd_feed_start(struct xstate *st, const struct elem *e, int nb_attrs, const xmlChar **attrs)
{
    const char *lang = st->stack[st->depth - 1].lang;

    if (st->person_depth) {
        if (e->kind == K_NAME || e->kind == K_EMAIL) {
            nd_xml_capture(st, e->kind == K_NAME ? F_PNAME : F_PEMAIL, CT_RAW, 0, 0);
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
    switch (e->kind) {
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
        return act(st, e, e->feed_act, nb_attrs, attrs);
    case K_IGNORE:
    case K_ROOT_RSS:
    case K_ROOT_RDF:
    case K_ROOT_FEED:
        return 1;
    default:
        break;
    }
    if (st->entry_depth)
        return act(st, e, e->act, nb_attrs, attrs);
    if (e == &other || e == &plain_other)
        return st->depth > 2; /* unknown wrappers right under the root are looked into */
    return act(st, e, e->feed_act, nb_attrs, attrs);
}

int nd_feed_root(struct xstate *st, const struct elem *e, const xmlChar *uri, int nb_attrs,
                 const xmlChar **attrs)
{
    struct nd_feed *f = st->feed;
    const char *lang = st->stack[0].lang;
    char *version = nd_xml_attr(attrs, nb_attrs, "version");
    char *href = NULL;
    int atom03 = 0, vocab = ns_of((const char *)uri, NULL, &atom03);

    switch (e->kind) {
    case K_ROOT_RSS:
    case K_CHANNEL:
        st->family = FAM_RSS;
        f->format = "rss";
        if (e->kind == K_CHANNEL && version == NULL &&
            (href = nd_xml_attr_ci(attrs, nb_attrs, "href")) != NULL)
            f->format = "cdf"; /* Microsoft's Channel Definition Format */
        free(href);
        if (version == NULL || e->kind == K_CHANNEL)
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
        if (version && strcmp(version, "0.3") == 0)
            f->format = "atom0.3";
        else if (vocab == V_ATOM && atom03)
            f->format = strstr((const char *)uri, "purl.org/atom/ns") ? "atom0.3" : "atom";
        else if (vocab == V_ATOM)
            f->format = "atom1.0";
        else
            f->format = "atom";
        break;
    default:
        free(version);
        return -1;
    }
    free(version);
    memset(st->cache, 0, sizeof(st->cache)); /* rows depend on the family */
    st->feed_lang = lang;
    if (lang)
        nd_item_feed_language(st, 2, lang, strlen(lang));
    if (e->kind == K_ENTRY)
        nd_item_begin(st, nb_attrs, attrs);
    else if (e->kind == K_CHANNEL)
        (void)act(st, e, e->feed_act, nb_attrs, attrs);
    return 0;
}
