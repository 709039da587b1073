/*
 * parse_xml.c: the SAX2 driver for RSS, RDF and Atom.
 *
 * libxml2 calls back for each element start and end and for text; no tree
 * is built.  This file keeps the element stack (with the xml:base and
 * xml:lang in effect), hands each element to parse_feed.c, which decides
 * what it means, and captures the text of the elements it asks for: plain
 * text, or, when a captured element holds child elements (Atom xhtml, HTML
 * left unescaped in an RSS description), those children serialized as HTML.
 *
 * libxml2 runs with XML_PARSE_RECOVER | XML_PARSE_NONET and without
 * XML_PARSE_NOENT, DTDLOAD or DTDATTR: it loads nothing and expands no
 * entity (parse_fix.c has already turned the entities feeds use into
 * characters).  One quirk needs help: after its first error libxml2 2.9
 * silently drops every later &amp;, &lt;... unless the SAX getEntity hook
 * answers them, so XML_PARSE_OLDSAX routes them through entity_get() below,
 * which resets the flag that makes libxml2 drop them.
 */
#include <libxml/entities.h>
#include <libxml/parserInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/url.h"
#include "parse_int.h"

#define MAX_ERRORS_SHOWN 3

static int is_void_element(const char *n)
{
    static const char *const v[] = {"br",    "img",    "hr",    "meta",  "link",
                                    "input", "source", "wbr",   "area",  "base",
                                    "col",   "embed",  "param", "track", "keygen"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strcmp(v[i], n) == 0)
            return 1;
    return 0;
}

/* RSS item elements that no HTML fragment holds (they end an unclosed one). */
static int item_field(int kind)
{
    return kind == K_ITEMFIELD || kind == K_GUID;
}

static int is_url_attr(const char *n)
{
    return strcmp(n, "href") == 0 || strcmp(n, "src") == 0 || strcmp(n, "poster") == 0 ||
           strcmp(n, "cite") == 0;
}

const char *nd_xml_base(const struct xstate *st)
{
    const char *b = st->depth ? st->stack[st->depth - 1].base : st->doc_url;

    return b ? b : st->fallback_base;
}

int nd_xml_base_explicit(const struct xstate *st, const char *base)
{
    return base != NULL && base != st->doc_url && base != st->fallback_base;
}

void nd_xml_fallback_base(struct xstate *st, const char *url, int rank)
{
    if (st->doc_url || url == NULL || rank >= st->fallback_rank || !nd_text_is_abs_url(url))
        return;
    free(st->fallback_base);
    st->fallback_base = xstrdup(url);
    st->fallback_rank = (uint8_t)rank;
}

char *nd_xml_resolve(struct xstate *st, const char *ref, size_t n)
{
    char *tmp, *url;

    if (ref == NULL)
        return NULL;
    nd_text_trim(&ref, &n);
    if (n == 0)
        return NULL;
    tmp = xstrndup(ref, n);
    url = nd_url_resolve(nd_xml_base(st), tmp);
    free(tmp);
    return url;
}

static char *attr(const xmlChar **attrs, int nb_attrs, const char *name, int ci)
{
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + i * 5;
        if (a[1] == NULL &&
            (ci ? strcasecmp((const char *)a[0], name) : strcmp((const char *)a[0], name)) == 0) {
            size_t n = (size_t)(a[4] - a[3]);
            char *v = xstrndup((const char *)a[3], n);
            n = nd_text_decode_amp(v, n);
            v[n] = '\0';
            return v;
        }
    }
    return NULL;
}

/* The value of an unprefixed attribute, decoded; caller frees.  NULL if absent. */
char *nd_xml_attr(const xmlChar **attrs, int nb_attrs, const char *name)
{
    return attr(attrs, nb_attrs, name, 0);
}

char *nd_xml_attr_ci(const xmlChar **attrs, int nb_attrs, const char *name)
{
    return attr(attrs, nb_attrs, name, 1);
}

/* ---- text capture ---- */

static void cap_add(struct xstate *st, const char *s, size_t n)
{
    if (nd_buf_add(&st->text, s, n) != ND_OK)
        st->cap_truncated = 1;
}

/*
 * Append text, escaped for HTML when serializing markup, except in an HTML
 * capture (RSS description, Atom type="html"): there the text is HTML
 * source already and the child elements around it are more of the same
 * (feedparser's reading of "&lt;b&gt;x&lt;/b&gt; and <i>y</i>").
 */
static void cap_text(struct xstate *st, const char *s, size_t n)
{
    const char *p = s, *end = s + n, *run = s;

    if (!st->cap_markup || st->cap_ctype == CT_HTML) {
        cap_add(st, s, n);
        return;
    }
    for (; p < end; p++) {
        const char *rep;
        if (*p == '&')
            rep = "&amp;";
        else if (*p == '<')
            rep = "&lt;";
        else if (*p == '>')
            rep = "&gt;";
        else
            continue;
        cap_add(st, run, (size_t)(p - run));
        cap_add(st, rep, strlen(rep));
        run = p + 1;
    }
    cap_add(st, run, (size_t)(end - run));
}

/* Switch a capture to markup: the text so far becomes escaped text. */
static void cap_to_markup(struct xstate *st)
{
    char *old;
    size_t n;

    if (st->cap_markup)
        return;
    if (st->cap_ctype == CT_HTML) {
        st->cap_markup = 1; /* the text so far is HTML source: kept as it is */
        return;
    }
    n = st->text.len;
    old = n ? xstrndup(st->text.data, n) : NULL;
    nd_buf_reset(&st->text);
    st->cap_markup = 1;
    if (old)
        cap_text(st, old, n);
    free(old);
}

void nd_xml_capture(struct xstate *st, int field, int ctype, int rank, int html_inner)
{
    nd_buf_reset(&st->text);
    st->cap_depth = st->depth;
    st->cap_field = (uint8_t)field;
    st->cap_ctype = (uint8_t)ctype;
    st->cap_rank = (uint8_t)rank;
    st->cap_html_inner = (uint8_t)html_inner;
    st->cap_in_entry = st->entry_depth != 0;
    st->cap_markup = ctype == CT_XHTML;
    st->cap_skip_div = ctype == CT_XHTML;
    st->cap_person = field == F_AUTHOR;
    st->cap_truncated = 0;
    st->cap_base = nd_xml_base(st);
    st->cap_kind = st->depth ? st->stack[st->depth - 1].kind : K_OTHER;
}

static void cap_start_tag(struct xstate *st, struct frame *fr, const xmlChar *local,
                          const xmlChar *uri, int nb_attrs, const xmlChar **attrs)
{
    const char *name = (const char *)local;

    if (st->cap_ctype == CT_RAW) {
        fr->flags |= FR_NOSER;
        return;
    }
    cap_to_markup(st);
    if (st->cap_skip_div) {
        st->cap_skip_div = 0;
        if (st->depth == st->cap_depth + 1 && strcmp(name, "div") == 0 && uri &&
            strcmp((const char *)uri, "http://www.w3.org/1999/xhtml") == 0) {
            fr->flags |= FR_NOSER;
            return;
        }
    }
    cap_add(st, "<", 1);
    cap_add(st, name, strlen(name));
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + i * 5;
        size_t n = (size_t)(a[4] - a[3]);
        char *v;
        if (a[1] && strcmp((const char *)a[1], "xml") == 0)
            continue;
        v = xstrndup((const char *)a[3], n);
        n = nd_text_decode_amp(v, n);
        v[n] = '\0';
        if (fr->base != st->cap_base && fr->base && is_url_attr((const char *)a[0])) {
            /* under an xml:base of its own: resolved here, the cleaner has one base */
            char *abs = nd_url_resolve(fr->base, v);
            if (abs) {
                free(v);
                v = abs;
                n = strlen(v);
            }
        }
        cap_add(st, " ", 1);
        cap_add(st, (const char *)a[0], strlen((const char *)a[0]));
        cap_add(st, "=\"", 2);
        for (size_t j = 0; j < n; j++) {
            if (v[j] == '&')
                cap_add(st, "&amp;", 5);
            else if (v[j] == '"')
                cap_add(st, "&quot;", 6);
            else if (v[j] == '<')
                cap_add(st, "&lt;", 4);
            else
                cap_add(st, v + j, 1);
        }
        cap_add(st, "\"", 1);
        free(v);
    }
    cap_add(st, ">", 1);
    if (is_void_element(name))
        fr->flags |= FR_VOID;
}

static void cap_finish(struct xstate *st)
{
    const char *s = st->text.data ? st->text.data : "";
    size_t n = st->text.len;
    int type = ND_TEXT_PLAIN;
    char *tmp = NULL;

    st->cap_depth = 0;
    if (st->cap_truncated)
        nd_parse_warn(st->feed, "a text longer than %zu bytes was cut", (size_t)PARSE_TEXT_MAX);
    switch (st->cap_ctype) {
    case CT_B64:
        tmp = xstrndup(s, n);
        n = nd_text_base64(tmp, n);
        tmp[n] = '\0';
        s = tmp;
        type = st->cap_html_inner ? ND_TEXT_HTML : ND_TEXT_PLAIN;
        break;
    case CT_TEXT:
    case CT_RAW:
        type = st->cap_markup ? ND_TEXT_HTML : ND_TEXT_PLAIN;
        break;
    case CT_HTML:
        type = ND_TEXT_HTML;
        if (nd_text_double_escaped(s, n)) {
            n = nd_text_unescape_once(st->text.data, n);
            st->text.len = n;
        }
        break;
    case CT_XHTML:
        type = ND_TEXT_HTML;
        break;
    case CT_RSSTEXT:
        type = st->cap_markup || nd_text_looks_like_html(s, n) ? ND_TEXT_HTML : ND_TEXT_PLAIN;
        break;
    }
    if (st->cap_field != F_LINK && st->cap_field != F_GUID && st->cap_field != F_PUBLISHED &&
        st->cap_field != F_UPDATED && st->cap_field != F_LANGUAGE && st->cap_field != F_TTL) {
        /* "cafÃ©": UTF-8 read as windows-1252 and encoded again (s is writable here) */
        size_t fixed = nd_text_fix_mojibake((char *)(uintptr_t)s, n);
        if (fixed != n) {
            n = fixed;
            nd_parse_warn(st->feed, "UTF-8 encoded twice repaired");
        }
    }
    nd_text_trim(&s, &n);
    nd_item_field(st, s, n, type);
    free(tmp);
    nd_buf_reset(&st->text);
}

/* ---- SAX callbacks ---- */

static void push_frame(struct xstate *st)
{
    struct frame *fr;

    if (st->depth == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 32;
        st->stack = xrealloc(st->stack, st->cap * sizeof(*st->stack));
    }
    fr = &st->stack[st->depth];
    if (st->depth) {
        fr->base = fr[-1].base;
        fr->lang = fr[-1].lang;
    } else {
        fr->base = st->doc_url;
        fr->lang = NULL;
    }
    fr->kind = K_OTHER;
    fr->flags = 0;
    st->depth++;
}

static void pop_frame(struct xstate *st)
{
    struct frame *fr = &st->stack[--st->depth];

    if (fr->flags & FR_BASE_OWNED)
        free((char *)(uintptr_t)fr->base);
    if (fr->flags & FR_LANG_OWNED)
        free((char *)(uintptr_t)fr->lang);
}

/* xml:base and xml:lang of the element just pushed. */
static void xml_attrs(struct xstate *st, struct frame *fr, int nb_attrs, const xmlChar **attrs)
{
    for (int i = 0; i < nb_attrs; i++) {
        const xmlChar **a = attrs + i * 5;
        const char *local = (const char *)a[0];
        size_t n = (size_t)(a[4] - a[3]);
        if (a[1] == NULL || strcmp((const char *)a[1], "xml") != 0)
            continue;
        if (strcmp(local, "base") == 0) {
            char *v = xstrndup((const char *)a[3], n), *abs;
            n = nd_text_decode_amp(v, n);
            v[n] = '\0';
            abs = nd_url_resolve(fr->base ? fr->base : st->fallback_base, v);
            free(v);
            if (abs) {
                /* a repeated xml:base (recovered markup): the last one wins */
                if (fr->flags & FR_BASE_OWNED)
                    free((char *)(uintptr_t)fr->base);
                fr->base = abs;
                fr->flags |= FR_BASE_OWNED;
            }
        } else if (strcmp(local, "lang") == 0) {
            const char *v = (const char *)a[3];
            nd_text_trim(&v, &n);
            if (fr->flags & FR_LANG_OWNED)
                free((char *)(uintptr_t)fr->lang);
            fr->lang = n ? xstrndup(v, n) : NULL;
            fr->flags |= FR_LANG_OWNED;
        }
    }
}

static void on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs)
{
    struct xstate *st = ud;
    struct frame *fr;
    const struct elem *e;
    int kind;

    if (st->stopped)
        return;
    push_frame(st);
    fr = &st->stack[st->depth - 1];
    if (st->skip_depth)
        return;
    if (st->cap_depth) {
        kind = nd_feed_classify(st, local, prefix, uri)->kind;
        if (st->cap_ctype != CT_XHTML &&
            (kind == K_ITEM || kind == K_ENTRY || (st->family != FAM_ATOM && item_field(kind)))) {
            /* An unclosed element (or one libxml2's recovery left open:
             * "<title>a <b>b</title>") swallowing what follows: end it here. */
            cap_finish(st);
        } else if (st->cap_person) {
            /* <author><name>..</name></author>: a person construct. */
            st->person_depth = st->cap_depth;
            st->person_field = st->cap_field;
            st->person_in_entry = st->cap_in_entry;
            st->cap_depth = 0;
            nd_buf_reset(&st->text);
        } else {
            if (nb_attrs)
                xml_attrs(st, fr, nb_attrs, attrs); /* an xml:base inside the content */
            cap_start_tag(st, fr, local, uri, nb_attrs, attrs);
            return;
        }
    }
    if (nb_attrs)
        xml_attrs(st, fr, nb_attrs, attrs);
    e = nd_feed_classify(st, local, prefix, uri);
    fr->kind = e->kind;
    if (st->depth == 1) {
        if (nd_feed_root(st, e, uri, nb_attrs, attrs) != 0) {
            st->stopped = 1;
            xmlStopParser(st->ctxt);
        }
        return;
    }
    if (nd_feed_start(st, e, nb_attrs, attrs))
        st->skip_depth = st->depth;
}

static void on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    struct xstate *st = ud;
    struct frame *fr;
    size_t d = st->depth;

    if (d == 0)
        return;
    fr = &st->stack[d - 1];
    if (st->skip_depth) {
        if (d == st->skip_depth)
            st->skip_depth = 0;
    } else if (st->cap_depth) {
        if (d == st->cap_depth) {
            cap_finish(st);
        } else if (d > st->cap_depth && st->cap_markup && !(fr->flags & (FR_NOSER | FR_VOID))) {
            const char *n = (const char *)local;
            cap_add(st, "</", 2);
            cap_add(st, n, strlen(n));
            cap_add(st, ">", 1);
        }
    }
    if (st->nested_item && d <= st->nested_item)
        st->nested_item = 0; /* an empty item inside an item: nothing */
    if (st->person_depth && d <= st->person_depth)
        nd_item_person_end(st);
    if (st->entry_depth && d <= st->entry_depth)
        nd_item_end(st);
    pop_frame(st);
}

static void on_chars(void *ud, const xmlChar *s, int n)
{
    struct xstate *st = ud;

    if (st->cap_depth && !st->skip_depth)
        cap_text(st, (const char *)s, (size_t)n);
}

/* A CDATA section cut out by parse_fix.c. */
static void on_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
    struct xstate *st = ud;
    size_t i = 0;

    if (!st->cap_depth || st->skip_depth || strcmp((const char *)target, ND_CDATA_PI) != 0 ||
        st->cdata == NULL || data == NULL)
        return;
    for (const xmlChar *p = data; *p >= '0' && *p <= '9' && i < st->cdata->n; p++)
        i = i * 10 + (size_t)(*p - '0');
    if (i < st->cdata->n) {
        /* XML line-end handling, which libxml2 would have done: CR LF and CR are LF */
        const char *p = st->cdata->v[i].p, *end = p + st->cdata->v[i].n, *cr;
        while ((cr = memchr(p, '\r', (size_t)(end - p))) != NULL) {
            cap_text(st, p, (size_t)(cr - p));
            if (cr + 1 == end || cr[1] != '\n')
                cap_text(st, "\n", 1);
            p = cr + 1;
        }
        cap_text(st, p, (size_t)(end - p));
    }
}

/* See the top of the file: keeps &amp; and friends alive after an error. */
static xmlEntityPtr entity_get(void *ud, const xmlChar *name)
{
    struct xstate *st = ud;

    st->ctxt->wellFormed = 1;
    return xmlGetPredefinedEntity(name);
}

static void on_error(void *ud, xmlErrorPtr e)
{
    struct xstate *st = ud;
    char msg[120];
    size_t n;

    if (e == NULL || e->level == XML_ERR_WARNING)
        return;
    if (e->code == XML_ERR_NAME_REQUIRED)
        st->bad_lt = 1;
    if (++st->nerrors > MAX_ERRORS_SHOWN)
        return;
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    nd_parse_warn(st->feed, "XML line %d: %s", e->line, msg);
}

int nd_parse_xml(const char *data, size_t len, const char *doc_url, const struct nd_cdata_tab *cd,
                 struct nd_feed *f, char *err, size_t errlen)
{
    xmlSAXHandler sax;
    xmlSAXHandlerPtr old;
    xmlParserCtxtPtr ctxt;
    struct xstate st;

    if (len > INT32_MAX) {
        snprintf(err, errlen, "document too large");
        return ND_EPARSE;
    }
    memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.getEntity = entity_get;
    sax.processingInstruction = on_pi;
    sax.serror = on_error;

    ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
    if (ctxt == NULL) {
        snprintf(err, errlen, "cannot create an XML parser");
        return ND_EPARSE;
    }
    memset(&st, 0, sizeof(st));
    st.ctxt = ctxt;
    st.feed = f;
    st.doc_url = doc_url;
    st.cdata = cd;
    memset(&st.fr, 0xff, sizeof(st.fr));
    st.fallback_rank = 255;
    nd_buf_init(&st.text, PARSE_TEXT_MAX);

    old = ctxt->sax;
    ctxt->sax = &sax;
    ctxt->userData = &st;
    xmlCtxtUseOptions(ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_IGNORE_ENC |
                                XML_PARSE_OLDSAX | XML_PARSE_NOWARNING);
    xmlParseDocument(ctxt);
    ctxt->sax = old;
    /* libxml2 builds a document for <!ENTITY> declarations even in SAX mode */
    if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);

    /* A truncated document: keep what was open. */
    if (st.cap_depth && !st.skip_depth)
        cap_finish(&st);
    if (st.person_depth)
        nd_item_person_end(&st);
    if (st.entry_depth)
        nd_item_end(&st);
    while (st.depth)
        pop_frame(&st);
    if (st.nerrors > MAX_ERRORS_SHOWN)
        nd_parse_warn(f, "%u more XML errors", st.nerrors - MAX_ERRORS_SHOWN);

    free(st.stack);
    nd_buf_free(&st.text);
    free(st.about);
    free(st.fallback_base);
    free(st.itunes_author);
    free(st.pname);
    free(st.pemail);
    nd_strv_free(&st.feed_authors);
    if (st.family == FAM_NONE) {
        snprintf(err, errlen, "%s",
                 st.stopped ? "not a feed: unknown root element"
                            : "not a feed: no XML element found");
        return ND_EPARSE;
    }
    return st.bad_lt ? ND_XML_BAD_LT : ND_OK;
}
