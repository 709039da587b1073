/*
 * html_read.c: the SAX events of libxml2's HTML parser, without libxml2, for
 * the fragments that need none of its recovery.
 *
 * The sanitizer (html.c) parses each fragment as "<body>" + fragment with
 * libxml2's HTML parser in SAX mode.  Profiles showed that parser, which
 * makes a function call and a UTF-8 decode per character, taking about half
 * of `newsctl parse`'s time; yet most fragments in feeds are plain markup:
 * tags, quoted attributes, text, character references.  This reader goes
 * through such a fragment in one pass and delivers the events libxml2 2.9
 * would, in the same order, with the same names (lower case), attributes
 * (decoded, later duplicates dropped) and text (cut where libxml2 cuts it:
 * at every reference and after 1,000 bytes, since the sanitizer's
 * whitespace handling sees the pieces).  It follows libxml2's tree rules
 * where they are plain: void elements (libxml2's own table), "<x/>",
 * script and style bodies, end tags that close the elements above them
 * (libxml2's priorities), stray end tags ignored.  Which start tag closes
 * which open element (a <p> closes a <p>, a <li> an <li>...) is asked of
 * libxml2 itself, once per pair of names per thread, by parsing
 * "<body><a><b>".
 *
 * Anything else it leaves to libxml2, returning -1 before or after having
 * delivered some events (the caller starts again): a '<' that opens no tag,
 * an unquoted value or name out of the plain forms, a reference it cannot
 * read exactly as libxml2 does, a control character or a noncharacter, a
 * comment other than "<!--" text "-->", a DOCTYPE, a processing
 * instruction, html/head/body/meta tags, an unterminated tag or script.
 * It runs only with the libxml2 release it was checked against
 * (nd_html_read_enabled()); tests/fuzz/fuzz_html.c compares the two paths'
 * output on every input it makes.
 */
#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/parserInternals.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "html_read.h"
#include "newsd/text.h"
#include "newsd/util.h"

/* The libxml2 release (xmlParserVersion) whose HTML parser this reader follows. */
#define CHECKED_VERSION "20914"

#define NAMES     256  /* names (tags and attributes) known per thread */
#define NAME_LEN  63   /* longer names: left to libxml2 */
#define MAX_DEPTH 200  /* deeper fragments: left to libxml2 */
#define MAX_ATTS  64   /* attributes in one tag */
#define CHUNK     1000 /* libxml2 hands text over in pieces of at least this many bytes */

enum { N_EMPTY = 1, N_RAW = 2, N_BAD = 4 };

struct name {
    char s[NAME_LEN + 1];
    uint8_t len;
    uint8_t used;
    uint8_t flags; /* N_* */
    uint8_t prio;  /* libxml2's end tag priority */
};

/* Interned names: the sanitizer caches its lookups by the address of a name. */
static _Thread_local struct name names[NAMES];
static _Thread_local unsigned n_names;
/* Does a start tag of name b close an open element of name a?  2 bits per
 * pair: 0 not asked yet, 1 no, 2 yes, 3 libxml2 did something else. */
static _Thread_local uint8_t closes[NAMES][NAMES / 4];

enum { C_UNKNOWN, C_NO, C_YES, C_ODD };

/* Entity names to code points (0: not an HTML entity), as htmlEntityLookup() says. */
#define ENTS     512
#define ENT_NAME 31
static _Thread_local struct {
    char name[ENT_NAME + 1];
    uint32_t value;
    uint8_t used;
} ents[ENTS];
static _Thread_local unsigned n_ents;

static int use_reader = -1;

int nd_html_read_enabled(void)
{
    if (use_reader < 0)
        use_reader = strcmp(xmlParserVersion, CHECKED_VERSION) == 0;
    return use_reader;
}

void nd_html_read_use(int on)
{
    use_reader = on ? strcmp(xmlParserVersion, CHECKED_VERSION) == 0 : 0;
}

/* ---- character classes ---------------------------------------------------- */

static int is_alpha(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

static int is_digit(unsigned char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Tag names here: a letter, then letters, digits, ':', '-', '_' ('.' is left to
 * libxml2, whose look-ahead for auto-closing reads names without it). */
static int is_tag_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == ':' || c == '-' || c == '_';
}

/* Attribute and entity names: htmlParseHTMLName() and htmlParseName() also take '.'. */
static int is_name_char(unsigned char c)
{
    return is_tag_char(c) || c == '.';
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n'; /* '\r' is left to libxml2 */
}

/*
 * Bytes text, values, comments and script bodies may hold as they are:
 * printable ASCII, tab, newline, and UTF-8 sequences (the input is valid),
 * except EF BF BE and EF BF BF (U+FFFE, U+FFFF), which libxml2 drops.
 */
static int bad_byte(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = *p;

    if (c < 0x20)
        return c != '\t' && c != '\n';
    if (c == 0xEF)
        return p + 2 < end && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF);
    return 0;
}

/* XML's Char production, which libxml2 checks character references against. */
static int is_xml_char(uint32_t v)
{
    return v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
           (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
}

/* ---- names ------------------------------------------------------------------ */

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* libxml2's htmlEndPriority: an end tag closes open elements of lower or equal priority. */
static uint8_t end_priority(const char *s)
{
    static const struct {
        const char *name;
        uint8_t prio;
    } tab[] = {{"div", 150},   {"td", 160},    {"th", 160},    {"tr", 170},
               {"thead", 180}, {"tbody", 180}, {"tfoot", 180}, {"table", 190},
               {"head", 200},  {"body", 200},  {"html", 220}};

    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcmp(s, tab[i].name) == 0)
            return tab[i].prio;
    return 100;
}

/* The id of a name (lower-cased), or -1 when the table is full. */
static int intern(const unsigned char *raw, size_t n)
{
    char low[NAME_LEN + 1];
    uint32_t h;
    struct name *e;

    for (size_t i = 0; i < n; i++)
        low[i] = (char)(raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] | 0x20 : raw[i]);
    low[n] = '\0';
    h = hash(low, n);
    for (unsigned k = 0; k < NAMES; k++) {
        unsigned i = (h + k) & (NAMES - 1);
        e = &names[i];
        if (e->used) {
            if (e->len == n && memcmp(e->s, low, n) == 0)
                return (int)i;
            continue;
        }
        if (n_names >= NAMES * 3 / 4)
            return -1;
        const htmlElemDesc *d = htmlTagLookup((const xmlChar *)low);
        memcpy(e->s, low, n + 1);
        e->len = (uint8_t)n;
        e->used = 1;
        e->flags = 0;
        if (d != NULL && d->empty)
            e->flags |= N_EMPTY;
        if (strcmp(low, "script") == 0 || strcmp(low, "style") == 0)
            e->flags |= N_RAW;
        if (strcmp(low, "html") == 0 || strcmp(low, "head") == 0 || strcmp(low, "body") == 0 ||
            strcmp(low, "meta") == 0)
            e->flags |= N_BAD;
        e->prio = end_priority(low);
        n_names++;
        return (int)i;
    }
    return -1;
}

/* Forget every name (between fragments only: the sanitizer keeps their addresses). */
static void names_reset(void)
{
    memset(names, 0, sizeof(names));
    memset(closes, 0, sizeof(closes));
    n_names = 0;
}

struct probe {
    int starts;
    int closed_at; /* the number of starts seen at the first end event, or -1 */
};

static void probe_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    ((struct probe *)ud)->starts++;
}

static void probe_end(void *ud, const xmlChar *name)
{
    struct probe *p = ud;

    if (p->closed_at < 0)
        p->closed_at = p->starts;
}

/* Ask libxml2 whether a start tag nw closes an open element old (its htmlAutoClose()). */
static int probe_closes(const struct name *old, const struct name *nw, int old_is_root)
{
    char doc[2 * NAME_LEN + 16];
    htmlSAXHandler sax;
    htmlParserCtxtPtr ctxt;
    struct probe p = {0, -1};
    int n, want = old_is_root ? 2 : 3;

    if (old_is_root)
        n = snprintf(doc, sizeof(doc), "<body><%s>", nw->s);
    else
        n = snprintf(doc, sizeof(doc), "<body><%s><%s>", old->s, nw->s);
    if (n < 0 || (size_t)n >= sizeof(doc) || (ctxt = htmlCreateMemoryParserCtxt(doc, n)) == NULL)
        return C_ODD;
    memset(&sax, 0, sizeof(sax));
    sax.startElement = probe_start;
    sax.endElement = probe_end;
    memcpy(ctxt->sax, &sax, sizeof(sax));
    ctxt->userData = &p;
    htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                 HTML_PARSE_NOWARNING | HTML_PARSE_NOIMPLIED | HTML_PARSE_NODEFDTD |
                                 HTML_PARSE_IGNORE_ENC);
    htmlParseDocument(ctxt);
    htmlFreeParserCtxt(ctxt);
    /* "<body><old><new>": the first end comes after the third start, unless
     * <new> closed <old>: then it comes after the second */
    if (p.starts != want)
        return C_ODD;
    if (p.closed_at == want - 1)
        return C_YES;
    return p.closed_at == want ? C_NO : C_ODD;
}

static int closes_get(int top, int nw, int top_is_root)
{
    int shift = (nw & 3) * 2, v = (closes[top][nw >> 2] >> shift) & 3;

    if (v == C_UNKNOWN) {
        v = probe_closes(&names[top], &names[nw], top_is_root);
        closes[top][nw >> 2] = (uint8_t)(closes[top][nw >> 2] | (v << shift));
    }
    return v;
}

/* htmlEntityLookup(name)->value, or 0; cached. */
static uint32_t entity(const unsigned char *s, size_t n)
{
    char key[ENT_NAME + 1];
    uint32_t h;

    memcpy(key, s, n);
    key[n] = '\0';
    h = hash(key, n);
    for (unsigned k = 0; k < 8; k++) {
        unsigned i = (h + k) & (ENTS - 1);
        if (ents[i].used) {
            if (strcmp(ents[i].name, key) == 0)
                return ents[i].value;
            continue;
        }
        const htmlEntityDesc *d = htmlEntityLookup((const xmlChar *)key);
        if (n_ents < ENTS * 3 / 4) {
            memcpy(ents[i].name, key, n + 1);
            ents[i].value = d ? d->value : 0;
            ents[i].used = 1;
            n_ents++;
        }
        return d ? d->value : 0;
    }
    const htmlEntityDesc *d = htmlEntityLookup((const xmlChar *)key);
    return d ? d->value : 0;
}

/* ---- the reader ------------------------------------------------------------- */

struct rd {
    const unsigned char *end;
    const htmlSAXHandler *sax;
    void *ud;
    int root;
    int depth;
    uint8_t stack[MAX_DEPTH + 1];
    /* attribute values of the tag being read: offsets into vb */
    char *vb;
    size_t vlen, vcap;
    int heap;
    char small[2048];
};

static void emit_text(struct rd *r, const unsigned char *a, const unsigned char *b)
{
    /* libxml2 hands text over once it holds CHUNK bytes or more, at a code point */
    while (b - a >= CHUNK) {
        const unsigned char *cut = a + CHUNK;
        while (cut < b && (*cut & 0xC0) == 0x80)
            cut++;
        r->sax->characters(r->ud, a, (int)(cut - a));
        a = cut;
    }
    if (b > a)
        r->sax->characters(r->ud, a, (int)(b - a));
}

static void emit_char(struct rd *r, uint32_t c)
{
    char u[4];
    size_t n = (size_t)nd_utf8_encode((int32_t)c, u);

    r->sax->characters(r->ud, (const xmlChar *)u, (int)n);
}

static void emit_start(struct rd *r, int id, const xmlChar **atts)
{
    r->sax->startElement(r->ud, (const xmlChar *)names[id].s, atts);
}

static void emit_end(struct rd *r, int id)
{
    r->sax->endElement(r->ud, (const xmlChar *)names[id].s);
}

/* Room for n more bytes of attribute values. */
static void vb_reserve(struct rd *r, size_t n)
{
    size_t cap = r->vcap;

    if (r->vlen + n <= cap)
        return;
    while (cap < r->vlen + n)
        cap *= 2;
    if (r->heap) {
        r->vb = xrealloc(r->vb, cap);
    } else {
        char *b = xmalloc(cap);
        memcpy(b, r->vb, r->vlen);
        r->vb = b;
        r->heap = 1;
    }
    r->vcap = cap;
}

/*
 * "&#...;" after "&#" at q: its value when libxml2 reads it as one character
 * (digits, a ';', an XML Char), else 0.  *next gets what follows.
 */
static uint32_t char_ref(const unsigned char *q, const unsigned char *end,
                         const unsigned char **next)
{
    uint32_t v = 0;
    int digits = 0;

    if (q < end && (*q == 'x' || *q == 'X')) {
        for (q++; q < end && digits <= 6; q++, digits++) {
            unsigned char c = *q;
            if (is_digit(c))
                v = v * 16 + (c - '0');
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = v * 16 + ((c | 0x20) - 'a' + 10);
            else
                break;
        }
    } else {
        for (; q < end && digits <= 7 && is_digit(*q); q++, digits++)
            v = v * 10 + (*q - '0');
    }
    if (digits == 0 || digits > 7 || q >= end || *q != ';' || v == 0 || !is_xml_char(v))
        return 0;
    *next = q + 1;
    return v;
}

/*
 * An entity name after '&' at q: its end, or NULL when libxml2 might read it
 * otherwise (a non-ASCII character in or after it, the end of the input, a long one).
 */
static const unsigned char *entity_name(const unsigned char *q, const unsigned char *end)
{
    const unsigned char *n = q;

    while (q < end && is_name_char(*q))
        q++;
    if (q >= end || *q >= 0x80 || q - n > ENT_NAME)
        return NULL;
    return q;
}

/* A reference in text at p ('&'), delivered as libxml2's htmlParseReference() does. */
static const unsigned char *text_ref(struct rd *r, const unsigned char *p)
{
    const unsigned char *q = p + 1, *end = r->end, *n;
    uint32_t v;

    if (q < end && *q == '#') {
        v = char_ref(q + 1, end, &q);
        if (v == 0)
            return NULL;
        emit_char(r, v);
        return q;
    }
    if (q >= end || *q >= 0x80)
        return NULL;
    if (!(is_alpha(*q) || *q == '_' || *q == ':')) {
        r->sax->characters(r->ud, (const xmlChar *)"&", 1); /* no name: a '&' */
        return q;
    }
    n = q;
    if ((q = entity_name(q, end)) == NULL)
        return NULL;
    if (*q == ';' && (v = entity(n, (size_t)(q - n))) != 0) {
        emit_char(r, v);
        return q + 1;
    }
    /* not an entity, or no ';': the '&' and the name as text (a ';' stays text) */
    r->sax->characters(r->ud, (const xmlChar *)"&", 1);
    r->sax->characters(r->ud, n, (int)(q - n));
    return q;
}

/*
 * An attribute value from p (after '=' and blanks) as htmlParseAttValue()
 * reads it, decoded into vb.  Returns what follows it, or NULL.
 */
static const unsigned char *attr_value(struct rd *r, const unsigned char *p)
{
    const unsigned char *end = r->end, *q, *n;
    unsigned char quote = 0;
    uint32_t v;
    char *o;

    if (p < end && (*p == '"' || *p == '\'')) {
        quote = *p++;
        q = memchr(p, quote, (size_t)(end - p));
        if (q == NULL)
            return NULL; /* unterminated */
    } else {
        for (q = p; q < end && !is_blank(*q) && *q != '>'; q++)
            ;
        if (q >= end)
            return NULL;
    }
    /* decoded, a value is never longer than its source */
    vb_reserve(r, (size_t)(q - p) + 1);
    o = r->vb + r->vlen;
    end = q;
    while (p < end) {
        if (*p != '&') {
            if (bad_byte(p, r->end) || *p == '\r')
                return NULL;
            *o++ = (char)*p++;
            continue;
        }
        q = p + 1;
        if (q < end && *q == '#') {
            if ((v = char_ref(q + 1, end, &q)) == 0)
                return NULL;
            o += nd_utf8_encode((int32_t)v, o);
            p = q;
            continue;
        }
        /* (the value ends at an ASCII character: its quote, a blank or '>') */
        if (q < end && *q >= 0x80)
            return NULL;
        if (q >= end || !(is_alpha(*q) || *q == '_' || *q == ':')) {
            *o++ = '&'; /* no name: a '&' */
            p = q;
            continue;
        }
        n = q;
        while (q < end && is_name_char(*q))
            q++;
        if ((q < end && *q >= 0x80) || q - n > ENT_NAME)
            return NULL;
        if (q < end && *q == ';' && (v = entity(n, (size_t)(q - n))) != 0) {
            o += nd_utf8_encode((int32_t)v, o);
            p = q + 1;
            continue;
        }
        *o++ = '&';
        memcpy(o, n, (size_t)(q - n));
        o += q - n;
        p = q;
    }
    *o++ = '\0';
    r->vlen = (size_t)(o - r->vb);
    return quote ? end + 1 : end;
}

/* Close the open elements down to (not including) depth d. */
static void pop_to(struct rd *r, int d)
{
    while (r->depth > d)
        emit_end(r, r->stack[--r->depth]);
}

/* The body of a <script> or <style> from p, skipped: returns what follows its end tag. */
static const unsigned char *raw_body(struct rd *r, const unsigned char *p, int id)
{
    const unsigned char *end = r->end, *q;
    const struct name *nm = &names[id];

    /* the first "</" must be the end tag: libxml2 releases read others differently */
    for (q = p; q < end; q++) {
        if (*q == '<' && q + 1 < end && q[1] == '/')
            break;
        if (bad_byte(q, end) || *q == '\r')
            return NULL;
    }
    if ((size_t)(end - q) < 2u + nm->len || strncasecmp((const char *)q + 2, nm->s, nm->len) != 0)
        return NULL;
    q += 2 + nm->len;
    if (q < end && is_name_char(*q))
        return NULL; /* "</scripts": libxml2 stops there too, but reads on */
    while (q < end && is_blank(*q))
        q++;
    if (q >= end || *q != '>')
        return NULL;
    return q + 1;
}

/* A start tag at p ('<' and a letter). */
static const unsigned char *start_tag(struct rd *r, const unsigned char *p)
{
    const unsigned char *end = r->end, *q = p + 1, *a;
    const xmlChar *atts[2 * MAX_ATTS + 2];
    size_t voff[MAX_ATTS];
    int id, aid, nat = 0, self_close = 0, v;

    while (q < end && is_tag_char(*q))
        q++;
    if (q >= end || *q == '.' || q - p - 1 > NAME_LEN)
        return NULL;
    if ((id = intern(p + 1, (size_t)(q - p - 1))) < 0 || (names[id].flags & N_BAD))
        return NULL;
    r->vlen = 0;
    for (;;) {
        while (q < end && is_blank(*q))
            q++;
        if (q >= end)
            return NULL;
        if (*q == '>') {
            q++;
            break;
        }
        if (*q == '/' && q + 1 < end && q[1] == '>') {
            q += 2;
            self_close = 1;
            break;
        }
        if (!(is_alpha(*q) || *q == '_' || *q == ':' || *q == '.'))
            return NULL;
        for (a = q; q < end && is_name_char(*q); q++)
            ;
        if (q - a > NAME_LEN || q >= end || (aid = intern(a, (size_t)(q - a))) < 0)
            return NULL;
        while (q < end && is_blank(*q))
            q++;
        size_t off = SIZE_MAX;
        if (q < end && *q == '=') {
            q++;
            while (q < end && is_blank(*q))
                q++;
            off = r->vlen;
            if ((q = attr_value(r, q)) == NULL)
                return NULL;
        }
        for (v = 0; v < nat; v++)
            if (atts[2 * v] == (const xmlChar *)names[aid].s)
                break;
        if (v < nat)
            continue; /* a repeated attribute: libxml2 keeps the first */
        if (nat == MAX_ATTS)
            return NULL;
        atts[2 * nat] = (const xmlChar *)names[aid].s;
        voff[nat++] = off;
    }
    for (v = 0; v < nat; v++)
        atts[2 * v + 1] = voff[v] == SIZE_MAX ? NULL : (const xmlChar *)r->vb + voff[v];
    atts[2 * nat] = atts[2 * nat + 1] = NULL;

    /* the open elements this one closes (htmlAutoClose) */
    while (r->depth > 0) {
        int top = r->stack[r->depth - 1], c = closes_get(top, id, r->depth == 1);
        if (c == C_NO)
            break;
        if (c != C_YES || r->depth == 1)
            return NULL;
        emit_end(r, top);
        r->depth--;
    }
    emit_start(r, id, nat ? atts : NULL);
    if (self_close || (names[id].flags & N_EMPTY)) {
        emit_end(r, id);
        return q;
    }
    if (r->depth >= MAX_DEPTH)
        return NULL;
    r->stack[r->depth++] = (uint8_t)id;
    if (names[id].flags & N_RAW) {
        if ((q = raw_body(r, q, id)) == NULL)
            return NULL;
        emit_end(r, id);
        r->depth--;
    }
    return q;
}

/* An end tag at p ("</" and a letter), as htmlParseEndTag() takes it. */
static const unsigned char *end_tag(struct rd *r, const unsigned char *p)
{
    const unsigned char *end = r->end, *q = p + 2;
    int id, i;

    while (q < end && is_tag_char(*q))
        q++;
    if (q >= end || *q == '.' || q - p - 2 > NAME_LEN)
        return NULL;
    if ((id = intern(p + 2, (size_t)(q - p - 2))) < 0 || (names[id].flags & N_BAD))
        return NULL;
    while (q < end && is_blank(*q))
        q++;
    if (q >= end || *q != '>')
        return NULL;
    q++;
    /* htmlAutoCloseOnClose: the nearest open element of that name, unless an
     * element of higher priority is open above it; else the tag is ignored */
    for (i = r->depth - 1; i >= 0; i--) {
        if (r->stack[i] == id)
            break;
        if (names[r->stack[i]].prio > names[id].prio)
            return q;
    }
    if (i <= 0)
        return q; /* not open (the root is never closed here) */
    pop_to(r, i);
    return q;
}

/* A comment at p ("<!--"): the plain form only. */
static const unsigned char *comment(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *q = p + 4;

    if (q < end && (*q == '>' || (*q == '-' && q + 1 < end && q[1] == '>')))
        return NULL; /* "<!-->", "<!--->": read differently by libxml2 releases */
    for (; q < end; q++) {
        if (*q == '-' && q + 1 < end && q[1] == '-')
            return q + 2 < end && q[2] == '>' ? q + 3 : NULL;
        if (bad_byte(q, end) || *q == '\r')
            return NULL;
    }
    return NULL;
}

/* The next byte of text at or after p that is not plain text (or end). */
static const unsigned char *scan_text(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), ef = _mm_set1_epi8((char)0xEF);
    const __m128i ctl = _mm_set1_epi8(0x1F);
#endif
    for (;;) {
#ifdef __SSE2__
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, amp)),
                _mm_or_si128(_mm_cmpeq_epi8(x, ef), _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x)));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                p += __builtin_ctz(mask);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '<' && *p != '&' && *p >= 0x20 && *p != 0xEF)
            p++;
        if (p >= end)
            return end;
        if (*p == '\t' || *p == '\n' || (*p == 0xEF && !bad_byte(p, end))) {
            p++;
            continue;
        }
        return p;
    }
}

int nd_html_read(const char *html, size_t len, const htmlSAXHandler *sax, void *ud)
{
    const unsigned char *p = (const unsigned char *)html, *end = p + len, *q;
    struct rd r;
    int rc = -1, body;

    if (n_names > NAMES / 2)
        names_reset();
    if ((body = intern((const unsigned char *)"body", 4)) < 0)
        return -1;
    r.end = end;
    r.sax = sax;
    r.ud = ud;
    r.vb = r.small;
    r.vcap = sizeof(r.small);
    r.vlen = 0;
    r.heap = 0;
    r.depth = 1;
    r.stack[0] = (uint8_t)body;
    emit_start(&r, body, NULL);
    while (p < end) {
        q = scan_text(p, end);
        emit_text(&r, p, q);
        if (q >= end)
            break;
        if (*q == '&') {
            p = text_ref(&r, q);
        } else if (*q != '<' || q + 1 >= end) {
            p = NULL; /* a control character, a noncharacter, a '<' at the end */
        } else if (is_alpha(q[1])) {
            p = start_tag(&r, q);
        } else if (q[1] == '/' && q + 2 < end && is_alpha(q[2])) {
            p = end_tag(&r, q);
        } else if (q[1] == '!' && end - q >= 4 && q[2] == '-' && q[3] == '-') {
            p = comment(q, end);
        } else {
            p = NULL;
        }
        if (p == NULL)
            goto out;
    }
    pop_to(&r, 0); /* htmlAutoCloseOnEnd */
    rc = 0;
out:
    if (r.heap)
        free(r.vb);
    return rc;
}
