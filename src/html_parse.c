/*
 * html_parse.c: an HTML fragment read into balanced start, end and text
 * events for the sanitizer (html.c), in one pass over the bytes.
 *
 * The tokenizer follows the HTML standard's (WHATWG, "Tokenization"): tags
 * with quoted, unquoted and valueless attributes, character references
 * (text.h: nd_text_ref), comments, bogus comments (<!DOCTYPE>, <?php ?>),
 * raw text elements (script, style, textarea, title, xmp, iframe, noembed,
 * noframes), plaintext, and svg and math content, where no element is raw
 * text, "/>" closes an element and CDATA sections are text.  Scripting is
 * off, as in any reader of sanitized HTML: <noscript> holds markup.  Two
 * departures, both so that broken markup does not hide the text after it: a
 * comment also ends at "-- >" and, when it is never closed, at the next
 * ">"; a CDATA section outside svg and math is text too, not a comment.
 *
 * The tree rules are the part of the standard's tree construction that
 * decides where elements end: a block closes an open <p>, <li> the open li,
 * <dd>/<dt> the open dd or dt, rows and cells the open ones, <a> an open a,
 * <option> an open option, a heading an open heading; an end tag closes the
 * nearest open element of its name and whatever is open inside it, and is
 * ignored when none is; html, head and body tags are ignored; a tag that
 * leaves svg or math (<p>, <div>, <b>...) closes it.  What is still open at
 * the end is closed.  Only the elements the sanitizer keeps bound these
 * rules (an unwrapped <section> does not stop an <li> from closing the li
 * before it), so that the tree is the one the sanitized HTML has, and the
 * sanitizer's output read again gives itself.  No tree is built: the
 * sanitizer sees each event once.
 * Text runs are handed over where they lie in the input, so that plain text
 * costs a scan.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "html_int.h"
#include "newsd/text.h"
#include "newsd/util.h"

#define MAX_ATTRS      64
#define MAX_ATTR_VALUE 65536 /* bytes of one value kept (URLs past 16 KB are dropped anyway) */
#define NAME_MAX       32    /* longer tag names are unknown elements */

#define MAX_REOPEN                                                                                 \
    8 /* formatting elements reopened in a block (the standard keeps 3 of a kind)                  \
       */

struct open {
    const struct nd_html_tag *t;
    const char *name; /* as written in the input (any case) */
    size_t nlen;
    size_t aoff, alen; /* a formatting element's attributes in fbuf */
    int kept;          /* in the sanitizer's output (its start() said so) */
};

struct reopen {
    const struct nd_html_tag *t;
    const char *name;
    size_t nlen;
    size_t aoff, alen; /* its attributes in rbuf */
};

struct hp {
    const struct nd_html_sink *sink;
    void *ud;
    const char *end;
    struct open stack[ND_HTML_PARSE_DEPTH];
    size_t depth;
    size_t foreign;     /* index + 1 of the outermost open svg or math, 0 when none */
    struct nd_buf abuf; /* attribute names and values, NUL-terminated, end to end */
    struct nd_buf fbuf; /* the attributes of the open formatting elements */
    struct nd_buf rbuf; /* those of the formatting elements to reopen */
    struct reopen reopen[MAX_REOPEN];
    size_t nreopen;
    size_t aoff[2 * MAX_ATTRS];
    const char *av[2 * MAX_ATTRS + 1];
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int same_name(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

/* ---- text ------------------------------------------------------------------ */

/* The next '<', '&', CR or NUL at or after p, or end. */
static const char *next_special(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), cr = _mm_set1_epi8('\r'),
                  nul = _mm_setzero_si128();
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        int m = _mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, nul))));
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    for (; p < end; p++)
        if (*p == '<' || *p == '&' || *p == '\r' || *p == '\0')
            return p;
    return end;
}

/* Text [p, end) with its references decoded (refs: decode them at all), CR LF as LF. */
static void text(struct hp *h, const char *p, const char *end, int refs)
{
    char enc[8];
    size_t elen, n;

    while (p < end) {
        const char *q = refs ? next_special(p, end) : p;
        if (!refs) {
            while (q < end && *q != '\r' && *q != '\0')
                q++;
        }
        if (q > p)
            h->sink->text(h->ud, p, (size_t)(q - p));
        if (q >= end)
            return;
        if (*q == '&') {
            n = nd_text_ref(q, (size_t)(end - q), ND_REF_TEXT, enc, &elen);
            if (n == 0) {
                h->sink->text(h->ud, "&", 1);
                p = q + 1;
            } else {
                h->sink->text(h->ud, enc, elen);
                p = q + n;
            }
        } else if (*q == '\r') {
            h->sink->text(h->ud, "\n", 1);
            p = q + 1 + (q + 1 < end && q[1] == '\n');
        } else if (*q == '\0') {
            p = q + 1;
        } else { /* '<': the caller's */
            return;
        }
    }
}

/* ---- the open elements ------------------------------------------------------ */

static void buf_add(struct nd_buf *b, const char *s, size_t n)
{
    if (b->len + n < b->cap) { /* the common case, without a call */
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    if (nd_buf_add(b, s, n) != ND_OK)
        b->limit = b->len; /* cannot happen: the buffers have no cap */
}

static void pop(struct hp *h)
{
    struct open *o = &h->stack[--h->depth];

    if (h->foreign > h->depth)
        h->foreign = 0;
    if (o->t->parse & HP_FORMAT) {
        h->fbuf.len = o->aoff;
        if (h->fbuf.data)
            h->fbuf.data[h->fbuf.len] = '\0';
    }
    h->sink->end(h->ud, o->t);
}

static void pop_to(struct hp *h, size_t depth)
{
    while (h->depth > depth)
        pop(h);
}

static int push(struct hp *h, const struct nd_html_tag *t, const char *name, size_t nlen)
{
    struct open *o;

    if (h->depth >= ND_HTML_PARSE_DEPTH)
        return -1;
    o = &h->stack[h->depth++];
    o->t = t;
    o->name = name;
    o->nlen = nlen;
    o->aoff = o->alen = 0;
    o->kept = 0;
    if (t->parse & HP_FORMAT) { /* its attributes, in case a block cuts it short */
        o->aoff = h->fbuf.len;
        for (size_t i = 0; h->av[i]; i++)
            buf_add(&h->fbuf, h->av[i], strlen(h->av[i]) + 1);
        o->alen = h->fbuf.len - o->aoff;
    }
    return 0;
}

/* The attributes in buf[off, off + len) (name, value, ... NUL-terminated) into h->av. */
static void restore_attrs(struct hp *h, const struct nd_buf *buf, size_t off, size_t len)
{
    size_t n = 0;

    for (size_t i = off; i < off + len && n < 2 * MAX_ATTRS; i += strlen(buf->data + i) + 1)
        h->av[n++] = buf->data + i;
    h->av[n & ~(size_t)1] = NULL;
}

/* Reopen the formatting elements a block cut short (the standard's reconstruction). */
static void reopen(struct hp *h)
{
    size_t n = h->nreopen;

    h->nreopen = 0;
    for (size_t i = 0; i < n; i++) {
        const struct reopen *r = &h->reopen[i];
        restore_attrs(h, &h->rbuf, r->aoff, r->alen);
        if (push(h, r->t, r->name, r->nlen) != 0)
            break;
        h->stack[h->depth - 1].kept = h->sink->start(h->ud, r->t, h->av);
    }
    nd_buf_reset(&h->rbuf);
}

/*
 * The index of the nearest open element with id (HT_*), looking down from
 * the top and no further than a scope boundary (or, with stop_special, an
 * element of the "special" category other than address, div and p); -1.
 */
static long find_open(const struct hp *h, int id, int stop_special)
{
    for (size_t i = h->depth; i-- > 0;) {
        const struct nd_html_tag *t = h->stack[i].t;
        if (t->id == id)
            return (long)i;
        if (!h->stack[i].kept)
            continue; /* not in the sanitized HTML: it decides nothing */
        if (t->parse & HP_SCOPE)
            return -1;
        if (stop_special && (t->parse & HP_SPECIAL) && t->id != HT_ADDRESS_DIV && t->id != HT_P)
            return -1;
        if (h->foreign && i + 1 == h->foreign)
            return -1;
    }
    return -1;
}

static void close_id(struct hp *h, int id, int stop_special)
{
    long i = find_open(h, id, stop_special);

    if (i >= 0)
        pop_to(h, (size_t)i);
}

/*
 * A block ends an open <p>, and whatever is open inside it.  The formatting
 * elements among those (a link, bold...) are noted, to be reopened inside
 * the block (a heading inside a link inside a paragraph stays a link).
 */
static void close_p(struct hp *h)
{
    size_t i;
    int found = 0;

    for (i = h->depth; i-- > 0;) {
        const struct nd_html_tag *t = h->stack[i].t;
        if (t->id == HT_P) {
            found = 1;
            break;
        }
        if (((t->parse & HP_SCOPE) && h->stack[i].kept) || (h->foreign && i + 1 == h->foreign))
            return;
    }
    if (!found)
        return;
    nd_buf_reset(&h->rbuf);
    h->nreopen = 0;
    for (size_t j = i + 1; j < h->depth && h->nreopen < MAX_REOPEN; j++) {
        const struct open *o = &h->stack[j];
        struct reopen *r;
        if (!(o->t->parse & HP_FORMAT))
            continue;
        r = &h->reopen[h->nreopen++];
        r->t = o->t;
        r->name = o->name;
        r->nlen = o->nlen;
        r->aoff = h->rbuf.len;
        if (o->alen)
            buf_add(&h->rbuf, h->fbuf.data + o->aoff, o->alen);
        r->alen = o->alen;
    }
    pop_to(h, i);
}

/* The index of the innermost open element the sanitizer keeps (the sanitized HTML's current
 * node), or -1. */
static long current_kept(const struct hp *h)
{
    for (size_t i = h->depth; i-- > 0;)
        if (h->stack[i].kept)
            return (long)i;
    return -1;
}

/* What a start tag ends before it starts (the standard's implied end tags). */
static void implied_ends(struct hp *h, const struct nd_html_tag *t)
{
    long cur;

    if (t->parse & HP_CLOSE_P)
        close_p(h);
    cur = current_kept(h);
    if ((t->parse & HP_HEADING) && cur >= 0 && (h->stack[cur].t->parse & HP_HEADING))
        pop_to(h, (size_t)cur); /* a heading in a heading */
    switch (t->id) {
    case HT_LI:
        close_id(h, HT_LI, 1);
        break;
    case HT_DD:
    case HT_DT: {
        long dd = find_open(h, HT_DD, 1), dt = find_open(h, HT_DT, 1);
        long i = dd > dt ? dd : dt;
        if (i >= 0)
            pop_to(h, (size_t)i);
        break;
    }
    case HT_A:
        close_id(h, HT_A, 0);
        break;
    case HT_OPTION:
        if (h->depth && h->stack[h->depth - 1].t->id == HT_OPTION)
            pop(h);
        break;
    case HT_OPTGROUP:
        if (h->depth && h->stack[h->depth - 1].t->id == HT_OPTION)
            pop(h);
        if (h->depth && h->stack[h->depth - 1].t->id == HT_OPTGROUP)
            pop(h);
        break;
    case HT_TCELL:
        close_id(h, HT_TCELL, 0);
        break;
    case HT_TR:
        close_id(h, HT_TCELL, 0);
        close_id(h, HT_TR, 0);
        break;
    case HT_TSECTION:
        close_id(h, HT_TCELL, 0);
        close_id(h, HT_TR, 0);
        close_id(h, HT_TSECTION, 0);
        break;
    case HT_TABLE:
        break;
    default:
        break;
    }
}

/* ---- markup ------------------------------------------------------------------ */

/* The '>' that ends a bogus comment, DOCTYPE or PI at p, or end. */
static const char *to_gt(const char *p, const char *end)
{
    const char *gt = memchr(p, '>', (size_t)(end - p));

    return gt ? gt + 1 : end;
}

/* A comment whose text starts at p (after "<!--"): returns what follows it. */
static const char *comment(const char *p, const char *end)
{
    const char *q = p;

    if (q < end && *q == '>')
        return q + 1; /* <!--> */
    if (end - q >= 2 && q[0] == '-' && q[1] == '>')
        return q + 2; /* <!---> */
    while ((q = memchr(q, '-', (size_t)(end - q))) != NULL) {
        const char *r = q;
        if (end - q < 2 || q[1] != '-') {
            q++;
            continue;
        }
        r = q + 2;
        while (r < end && *r == '-')
            r++; /* "--->" */
        while (r < end && is_space(*r))
            r++; /* "-- >" (sgmllib's reading, and what such a writer meant) */
        if (r < end && *r == '!')
            r++; /* "--!>" */
        if (r < end && *r == '>')
            return r + 1;
        q += 2;
    }
    /* never closed: up to the next '>', not the end of the fragment */
    return to_gt(p, end);
}

static void ab_add(struct hp *h, const char *s, size_t n)
{
    buf_add(&h->abuf, s, n);
}

/* Copy a decoded attribute value into the buffer. */
static void attr_value(struct hp *h, const char *v, size_t n)
{
    const char *amp, *end = v + (n > MAX_ATTR_VALUE ? MAX_ATTR_VALUE : n);
    char enc[8];
    size_t elen, k;

    while (v < end && (amp = memchr(v, '&', (size_t)(end - v))) != NULL) {
        ab_add(h, v, (size_t)(amp - v));
        k = nd_text_ref(amp, (size_t)(end - amp), ND_REF_ATTR, enc, &elen);
        if (k == 0) {
            ab_add(h, "&", 1);
            v = amp + 1;
        } else {
            ab_add(h, enc, elen);
            v = amp + k;
        }
    }
    while (v < end) { /* NUL is U+FFFD in a value; CR LF and CR are LF */
        const char *run = v;
        while (v < end && *v != '\0' && *v != '\r')
            v++;
        ab_add(h, run, (size_t)(v - run));
        if (v >= end)
            break;
        if (*v == '\0')
            ab_add(h, "\xEF\xBF\xBD", 3);
        else if (v + 1 >= end || v[1] != '\n')
            ab_add(h, "\n", 1);
        v++;
    }
    ab_add(h, "", 1);
}

/*
 * The attributes of a start tag from p (after the name): into h->av.
 * Returns what follows the tag's '>' (end when the tag never ends: it is
 * then no tag) and sets *self_closing.
 */
static const char *attributes(struct hp *h, const char *p, const char *end, int *self_closing,
                              int *complete)
{
    size_t n = 0;

    nd_buf_reset(&h->abuf);
    *self_closing = 0;
    *complete = 0;
    for (;;) {
        const char *name, *v;
        size_t nlen, vlen, i;
        int dup = 0;

        while (p < end && (is_space(*p) || *p == '/')) {
            *self_closing = *p == '/';
            p++;
        }
        if (p >= end)
            return end;
        if (*p == '>') {
            *complete = 1;
            p++;
            break;
        }
        *self_closing = 0;
        name = p++; /* the first character may be '=' */
        while (p < end && !is_space(*p) && *p != '/' && *p != '>' && *p != '=')
            p++;
        nlen = (size_t)(p - name);
        while (p < end && is_space(*p))
            p++;
        v = NULL;
        vlen = 0;
        if (p < end && *p == '=') {
            p++;
            while (p < end && is_space(*p))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
                if (close == NULL)
                    return end;
                v = p + 1;
                vlen = (size_t)(close - v);
                p = close + 1;
            } else {
                v = p;
                while (p < end && !is_space(*p) && *p != '>')
                    p++;
                vlen = (size_t)(p - v);
            }
        }
        if (n >= MAX_ATTRS)
            continue;
        /* a repeated attribute: the first one counts */
        for (i = 0; i < n && !dup; i++) {
            const char *old = h->abuf.data + h->aoff[2 * i];
            dup =
                h->aoff[2 * i + 1] - h->aoff[2 * i] == nlen + 1 && same_name(old, nlen, name, nlen);
        }
        if (dup)
            continue;
        h->aoff[2 * n] = h->abuf.len;
        ab_add(h, name, nlen);
        ab_add(h, "", 1);
        for (i = 0; i < nlen; i++) { /* lower case, in place */
            char *c = h->abuf.data + h->aoff[2 * n] + i;
            *c = *c == '\0' ? '?' : lower(*c);
        }
        h->aoff[2 * n + 1] = h->abuf.len;
        attr_value(h, v ? v : "", vlen);
        n++;
    }
    for (size_t i = 0; i < 2 * n; i++)
        h->av[i] = h->abuf.data + h->aoff[i];
    h->av[2 * n] = NULL;
    return p;
}

/* The end of the raw text of element name[0..nlen) from p: its "</name" or end. */
static const char *raw_end(const char *p, const char *end, const char *name, size_t nlen)
{
    const char *q = p;

    while ((q = memchr(q, '<', (size_t)(end - q))) != NULL) {
        if ((size_t)(end - q) >= nlen + 2 && q[1] == '/' && same_name(q + 2, nlen, name, nlen) &&
            ((size_t)(end - q) == nlen + 2 || is_space(q[nlen + 2]) || q[nlen + 2] == '/' ||
             q[nlen + 2] == '>'))
            return q;
        q++;
    }
    return end;
}

/* A start tag: 1 when it opened an element that raw text or plaintext follows in. */
static int start_element(struct hp *h, const struct nd_html_tag *t, const char *name, size_t nlen,
                         int self_closing)
{
    if (h->foreign) {
        if (t->parse & HP_BREAKOUT || (t->id == HT_FONT && h->av[0] != NULL)) {
            pop_to(h, h->foreign - 1); /* <p> and the like leave svg and math */
        } else {
            if (push(h, t, name, nlen) != 0)
                return 0;
            h->stack[h->depth - 1].kept = h->sink->start(h->ud, t, h->av);
            if (self_closing)
                pop(h);
            return 0;
        }
    }
    if (t->id == HT_HTML || t->id == HT_HEAD || t->id == HT_BODY)
        return 0;
    implied_ends(h, t);
    if (t->parse & HP_VOID) {
        (void)h->sink->start(h->ud, t, h->av);
        h->sink->end(h->ud, t);
        if (h->nreopen)
            reopen(h);
        return 0;
    }
    if (push(h, t, name, nlen) != 0)
        return (t->parse & (HP_RAW | HP_PLAIN)) ? -1 : 0; /* too deep: its text still is raw */
    h->stack[h->depth - 1].kept = h->sink->start(h->ud, t, h->av);
    if (h->nreopen && !(t->parse & (HP_RAW | HP_PLAIN | HP_FOREIGN)))
        reopen(h);
    h->nreopen = 0;
    if (t->parse & HP_FOREIGN) {
        if (self_closing)
            pop(h);
        else if (!h->foreign)
            h->foreign = h->depth;
    }
    return (t->parse & (HP_RAW | HP_PLAIN)) ? 1 : 0;
}

static void end_element(struct hp *h, const struct nd_html_tag *t, const char *name, size_t nlen)
{
    if (t->id == HT_HTML || t->id == HT_HEAD || t->id == HT_BODY)
        return;
    if (t->id == HT_BR && !h->foreign) { /* </br> is <br> */
        h->av[0] = NULL;
        start_element(h, t, name, nlen, 0);
        return;
    }
    for (size_t i = h->depth; i-- > 0;) {
        const struct open *o = &h->stack[i];
        if (o->t == t && (t->name[0] != '\0' || same_name(o->name, o->nlen, name, nlen))) {
            pop_to(h, i);
            return;
        }
    }
}

/* Markup at p (*p == '<'): returns what follows it, or NULL when the '<' is text. */
static const char *markup(struct hp *h, const char *p, const char *end)
{
    const char *q = p + 1, *name;
    char low[NAME_MAX];
    size_t nlen;
    int end_tag = 0, self_closing, complete, raw;
    const struct nd_html_tag *t;

    if (q >= end)
        return NULL;
    if (*q == '!') {
        if (end - q >= 3 && q[1] == '-' && q[2] == '-')
            return comment(q + 3, end);
        if (end - q >= 8 && memcmp(q, "![CDATA[", 8) == 0) {
            const char *close = memmem(q + 8, (size_t)(end - q - 8), "]]>", 3);
            text(h, q + 8, close ? close : end, 0);
            return close ? close + 3 : end;
        }
        return to_gt(q, end); /* <!DOCTYPE ...> and other bogus comments */
    }
    if (*q == '?')
        return to_gt(q, end);
    if (*q == '/') {
        end_tag = 1;
        q++;
        if (q < end && *q == '>')
            return q + 1; /* </> */
        if (q < end && !is_alpha(*q))
            return to_gt(q, end); /* </ x>, </3>: a bogus comment */
    }
    if (q >= end || !is_alpha(*q))
        return NULL; /* "3 < 5": text */
    name = q;
    while (q < end && !is_space(*q) && *q != '/' && *q != '>')
        q++;
    nlen = (size_t)(q - name);
    if (nlen < NAME_MAX) {
        for (size_t i = 0; i < nlen; i++)
            low[i] = lower(name[i]);
        t = nd_html_tag_lookup(low, nlen);
    } else {
        t = nd_html_tag_lookup("", 0);
    }
    q = attributes(h, q, end, &self_closing, &complete);
    if (!complete)
        return end; /* the fragment ends inside the tag: no tag */
    if (end_tag) {
        end_element(h, t, name, nlen);
        return q;
    }
    raw = start_element(h, t, name, nlen, self_closing);
    if (raw == 0)
        return q; /* void, ignored, an ordinary element, or in svg/math: no raw text */
    if (self_closing && (t->parse & HP_RAW)) {
        /* "<iframe ... />", "<script src=x />": XHTML's empty element, written as such;
         * the standard would take all that follows as its text */
        if (raw > 0)
            pop(h);
        return q;
    }
    if (t->parse & HP_RAW) {
        const char *close = raw_end(q, end, name, nlen);
        if (raw > 0) {
            text(h, q, close, 0);
            pop(h);
        }
        return close < end ? to_gt(close, end) : end;
    }
    if (raw > 0)
        text(h, q, end, 0);
    return end;
}

/*
 * The reader's state (its stack is 20 KB), kept from one fragment to the next
 * on each thread: an allocation per fragment cost more than reading a short
 * summary.  Freed when its thread ends (the daemon's worker) through a
 * thread-specific key, and at exit for the thread that calls exit() (whose
 * keys are not destroyed then).
 */
static _Thread_local struct hp *reuse;
static _Thread_local int reuse_registered;
static pthread_once_t reuse_once = PTHREAD_ONCE_INIT;
static pthread_key_t reuse_key;

static void hp_free(void *p)
{
    struct hp *h = p;

    if (h == NULL)
        return;
    nd_buf_free(&h->abuf);
    nd_buf_free(&h->fbuf);
    nd_buf_free(&h->rbuf);
    free(h);
}

static void free_reused(void)
{
    hp_free(reuse);
    reuse = NULL;
}

static void make_key(void)
{
    if (pthread_key_create(&reuse_key, hp_free) == 0)
        atexit(free_reused);
}

void nd_html_parse(const char *html, size_t len, const struct nd_html_sink *sink, void *ud)
{
    struct hp *h = reuse;
    const char *p = html, *end = html + len, *q;

    if (h == NULL) {
        h = xmalloc(sizeof(*h));
        nd_buf_init(&h->abuf, 0);
        nd_buf_init(&h->fbuf, 0);
        nd_buf_init(&h->rbuf, 0);
    }
    reuse = NULL; /* not re-entered while in use */
    if (reuse_registered)
        (void)pthread_setspecific(reuse_key, NULL);
    nd_buf_reset(&h->abuf);
    nd_buf_reset(&h->fbuf);
    nd_buf_reset(&h->rbuf);

    h->sink = sink;
    h->ud = ud;
    h->end = end;
    h->depth = 0;
    h->foreign = 0;
    h->av[0] = NULL;
    h->nreopen = 0;
    while (p < end) {
        q = next_special(p, end);
        if (q > p)
            sink->text(ud, p, (size_t)(q - p));
        if (q >= end)
            break;
        if (*q == '<') {
            const char *after = markup(h, q, end);
            if (after == NULL) {
                sink->text(ud, "<", 1);
                p = q + 1;
            } else {
                p = after;
            }
        } else {
            /* a reference, CR or NUL: one step of text() */
            const char *stop = q + 1;
            if (*q == '&') {
                char enc[8];
                size_t elen, n = nd_text_ref(q, (size_t)(end - q), ND_REF_TEXT, enc, &elen);
                if (n)
                    sink->text(ud, enc, elen);
                else
                    sink->text(ud, "&", 1);
                stop = q + (n ? n : 1);
            } else if (*q == '\r') {
                sink->text(ud, "\n", 1);
                stop = q + 1 + (q + 1 < end && q[1] == '\n');
            }
            p = stop;
        }
    }
    pop_to(h, 0);
    if (h->abuf.cap > 65536 || h->fbuf.cap > 65536 || h->rbuf.cap > 65536) {
        /* a huge fragment: do not keep its buffers */
        nd_buf_free(&h->abuf);
        nd_buf_free(&h->fbuf);
        nd_buf_free(&h->rbuf);
    }
    if (reuse == NULL) {
        reuse = h;
        if (!reuse_registered) {
            reuse_registered = 1;
            (void)pthread_once(&reuse_once, make_key);
        }
        (void)pthread_setspecific(reuse_key, h); /* freed when this thread ends */
    } else {
        hp_free(h);
    }
}
