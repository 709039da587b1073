/*
 * parse_fix.c: repairs at the byte level, before libxml2 sees a document.
 *
 * In recovery mode libxml2 drops what it cannot read: "AT&T" becomes "AT",
 * "&nbsp;" vanishes.  Feeds do both all the time, so the references are
 * rewritten first (CDATA sections and the internal DTD subset are left as
 * they are):
 *  - a '&' that does not start a reference libxml2 knows is escaped
 *    ("&amp;"), so the text reads as written, as feedparser keeps it;
 *  - an HTML5 named entity (&eacute; &mdash; &check; ...) becomes its character(s);
 *  - &#128;..&#159; become the windows-1252 characters they always mean;
 *    references to characters XML forbids (&#0; &#xFFFE;) are dropped;
 *  - a reference to an entity declared in the internal subset is expanded
 *    here, within limits (nesting 8, 10000 expansions, 1 MiB in all); past
 *    them references are dropped, so "billion laughs" costs nothing.
 * libxml2 itself then never expands an entity.
 *
 * CDATA sections are cut out too, for speed: libxml2 reads them a character
 * at a time (a third of the parse time of a CDATA-heavy feed), while their
 * bytes are already known to be valid UTF-8 (encoding.c).  Each becomes a
 * processing instruction <?nd-cdata N?> and parse_xml.c appends the text of
 * section N where it meets it.  Nothing is copied when a document has
 * neither a CDATA section nor anything to fix; the scans are memchr().
 */
#include <stdlib.h>
#include <string.h>

#include "newsd/encoding.h"
#include "parse_int.h"

#define MAX_DECLS      64
#define MAX_DEPTH      8
#define MAX_EXPANSIONS 10000
#define MAX_EXPANDED   ((size_t)1 << 20)

struct decl {
    const char *name, *val; /* val NULL: external, not expanded */
    size_t nlen, vlen;
};

struct fixer {
    struct nd_buf out;
    int copying;
    const char *subset, *subset_end;
    struct decl decls[MAX_DECLS];
    size_t ndecls;
    size_t expansions, expanded;
    size_t n_amp, n_html, n_cp1252, n_bad, n_ent, n_lt;
    int over;
    int fix_lt;
    struct nd_cdata_tab *cdata;
};

static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static int is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void out_add(struct fixer *fx, const char *s, size_t n)
{
    if (nd_buf_add(&fx->out, s, n) != ND_OK)
        fx->over = 1;
}

/* <!ENTITY name "value"> declarations of the internal subset [p, end). */
static void read_decls(struct fixer *fx, const char *p, const char *end)
{
    while (fx->ndecls < MAX_DECLS && (p = memmem(p, (size_t)(end - p), "<!ENTITY", 8)) != NULL) {
        struct decl *d = &fx->decls[fx->ndecls];
        p += 8;
        while (p < end && is_ws(*p))
            p++;
        if (p < end && *p == '%')
            continue; /* parameter entity */
        d->name = p;
        while (p < end && is_name_char(*p))
            p++;
        d->nlen = (size_t)(p - d->name);
        while (p < end && is_ws(*p))
            p++;
        if (d->nlen == 0 || p >= end)
            continue;
        d->val = NULL;
        d->vlen = 0;
        if (*p == '"' || *p == '\'') {
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
            if (q == NULL)
                break;
            d->val = p + 1;
            d->vlen = (size_t)(q - p - 1);
            p = q + 1;
        }
        fx->ndecls++;
    }
}

/* Find the internal DTD subset in the prolog, if there is one. */
static void read_prolog(struct fixer *fx, const char *p, const char *end)
{
    for (;;) {
        while (p < end && is_ws(*p))
            p++;
        if (end - p < 9 || *p != '<')
            return;
        if (p[1] == '?') {
            p = memmem(p, (size_t)(end - p), "?>", 2);
            if (p == NULL)
                return;
            p += 2;
        } else if (memcmp(p, "<!--", 4) == 0) {
            p = memmem(p, (size_t)(end - p), "-->", 3);
            if (p == NULL)
                return;
            p += 3;
        } else if (memcmp(p, "<!DOCTYPE", 9) == 0) {
            char quote = 0;
            for (p += 9; p < end; p++) {
                if (quote) {
                    if (*p == quote)
                        quote = 0;
                } else if (*p == '"' || *p == '\'') {
                    quote = *p;
                } else if (*p == '>') {
                    return; /* no internal subset */
                } else if (*p == '[') {
                    const char *q = p + 1;
                    const char *close = memmem(q, (size_t)(end - q), "]>", 2);
                    const char *close2 = memmem(q, (size_t)(end - q), "]\n>", 3);
                    if (close2 && (!close || close2 < close))
                        close = close2;
                    if (close == NULL)
                        return;
                    fx->subset = q;
                    fx->subset_end = close;
                    read_decls(fx, q, close);
                    return;
                }
            }
            return;
        } else {
            return;
        }
    }
}

static const struct decl *find_decl(const struct fixer *fx, const char *name, size_t n)
{
    for (size_t i = 0; i < fx->ndecls; i++)
        if (fx->decls[i].nlen == n && memcmp(fx->decls[i].name, name, n) == 0)
            return &fx->decls[i];
    return NULL;
}

static int predefined(const char *name, size_t n)
{
    return (n == 3 && memcmp(name, "amp", 3) == 0) || (n == 2 && memcmp(name, "lt", 2) == 0) ||
           (n == 2 && memcmp(name, "gt", 2) == 0) || (n == 4 && memcmp(name, "quot", 4) == 0) ||
           (n == 4 && memcmp(name, "apos", 4) == 0);
}

static int xml_char(unsigned long v)
{
    return v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) ||
           (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
}

static void fix_range(struct fixer *fx, const char *data, const char *p, const char *end,
                      int depth);

/*
 * The reference at amp: returns where it ends, and in rep/replen what to
 * write instead (rep NULL: keep it as it is; expand != NULL: expand that).
 */
static const char *reference(struct fixer *fx, const char *amp, const char *end, char *rep,
                             size_t *replen, const struct decl **expand)
{
    const char *q = amp + 1, *name;

    *expand = NULL;
    *replen = 0;
    if (q < end && *q == '#') {
        unsigned long v = 0;
        int hex, upper, nd = 0;
        q++;
        hex = q < end && (*q == 'x' || *q == 'X');
        upper = hex && *q == 'X';
        if (hex)
            q++;
        for (; q < end && nd < 9; q++, nd++) {
            int d = (*q >= '0' && *q <= '9')                      ? *q - '0'
                    : hex && (*q | 32) >= 'a' && (*q | 32) <= 'f' ? (*q | 32) - 'a' + 10
                                                                  : -1;
            if (d < 0)
                break;
            v = v * (hex ? 16 : 10) + (unsigned long)d;
        }
        if (nd > 0 && q < end && *q == ';') {
            if (v >= 128 && v <= 159) {
                *replen = (size_t)nd_utf8_encode((int32_t)nd_text_ref_value((uint32_t)v), rep);
                fx->n_cp1252++;
                return q + 1;
            }
            if (xml_char(v) && !upper) {
                *replen = (size_t)-1; /* fine as it is */
                return q + 1;
            }
            if (xml_char(v)) {
                /* "&#X41;": HTML reads it, XML does not */
                *replen = (size_t)nd_utf8_encode((int32_t)v, rep);
                return q + 1;
            }
            fx->n_bad++;
            return q + 1; /* dropped */
        }
    } else if (q < end && is_name_start(*q)) {
        name = q;
        while (q < end && is_name_char(*q) && q - name < 32)
            q++;
        if (q < end && *q == ';') {
            size_t n = (size_t)(q - name);
            unsigned cp[2];
            size_t ncp;
            if (predefined(name, n)) {
                *replen = (size_t)-1;
                return q + 1;
            }
            if ((*expand = find_decl(fx, name, n)) != NULL)
                return q + 1;
            if ((ncp = nd_entity_lookup2(name, n, cp)) != 0) {
                *replen = (size_t)nd_utf8_encode((int32_t)cp[0], rep);
                if (ncp == 2)
                    *replen += (size_t)nd_utf8_encode((int32_t)cp[1], rep + *replen);
                fx->n_html++;
                return q + 1;
            }
        }
    }
    memcpy(rep, "&amp;", 5);
    *replen = 5;
    fx->n_amp++;
    return amp + 1;
}

static void start_copy(struct fixer *fx, const char *data, const char *upto)
{
    if (fx->copying)
        return;
    fx->copying = 1;
    nd_buf_init(&fx->out, 0);
    out_add(fx, data, (size_t)(upto - data));
}

/* The next "<![CDATA[" at or after p: found through its rare '[' rather than memmem(). */
static const char *find_cdata(const char *p, const char *end)
{
    const char *q = p + 2;

    while (q < end && (q = memchr(q, '[', (size_t)(end - q))) != NULL) {
        if (q - p >= 2 && q[-2] == '<' && q[-1] == '!' && end - q >= 7 &&
            memcmp(q, "[CDATA[", 7) == 0)
            return q - 2;
        q++;
    }
    return NULL;
}

static const char *find_cdata_end(const char *p, const char *end)
{
    while (p < end && (p = memchr(p, ']', (size_t)(end - p))) != NULL) {
        if (end - p >= 3 && p[1] == ']' && p[2] == '>')
            return p;
        p++;
    }
    return NULL;
}

/* Replace a CDATA section by <?nd-cdata N?>; parse_xml.c puts its text back. */
static void cut_cdata(struct fixer *fx, const char *text, size_t n)
{
    char pi[40];
    int len;

    if (fx->cdata->n == fx->cdata->cap) {
        fx->cdata->cap = fx->cdata->cap ? fx->cdata->cap * 2 : 64;
        fx->cdata->v = xrealloc(fx->cdata->v, fx->cdata->cap * sizeof(*fx->cdata->v));
    }
    fx->cdata->v[fx->cdata->n].p = text;
    fx->cdata->v[fx->cdata->n].n = n;
    len = snprintf(pi, sizeof(pi), "<?" ND_CDATA_PI " %zu?>", fx->cdata->n);
    fx->cdata->n++;
    out_add(fx, pi, (size_t)len);
}

/*
 * The next '<' at or after p (before end) that cannot start markup ("3 < 5",
 * "<-"), or end.  libxml2 would drop it; it is escaped instead, as the text
 * reads.  One memchr() per tag, so only done when libxml2 complained of
 * one (parse.c parses again).
 */
static const char *find_bad_lt(const char *p, const char *end)
{
    while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        unsigned char c;
        if (end - p < 2)
            return end; /* a truncated document: nothing to read anyway */
        c = (unsigned char)p[1];
        if (!(is_name_start((char)c) || c == '/' || c == '!' || c == '?' || c >= 0x80))
            return p;
        p++;
    }
    return end;
}

static void fix_range(struct fixer *fx, const char *data, const char *p, const char *end, int depth)
{
    const char *run = p, *cdata, *amp, *next, *limit, *lt;
    char rep[12];
    size_t replen;
    const struct decl *d;

    cdata = depth == 0 ? find_cdata(p, end) : NULL;
    lt = depth == 0 && fx->fix_lt ? find_bad_lt(p, cdata ? cdata : end) : end;
    while (p < end) {
        limit = cdata ? cdata : end;
        if (lt < p && fx->fix_lt)
            lt = find_bad_lt(p, limit);
        if (lt < limit && !(fx->subset && lt >= fx->subset && lt < fx->subset_end)) {
            amp = memchr(p, '&', (size_t)(lt - p));
            if (amp == NULL) {
                start_copy(fx, data, run);
                out_add(fx, run, (size_t)(lt - run));
                out_add(fx, "&lt;", 4);
                fx->n_lt++;
                run = p = lt + 1;
                continue;
            }
        } else if (lt < limit) {
            lt = find_bad_lt(fx->subset_end, limit); /* inside the DTD: not text */
            continue;
        } else {
            amp = memchr(p, '&', (size_t)(limit - p));
        }
        if (amp == NULL) {
            const char *close, *text;
            if (cdata == NULL)
                break;
            /* a CDATA section: its text goes around libxml2 */
            text = cdata + 9;
            close = find_cdata_end(text, end);
            start_copy(fx, data, run);
            out_add(fx, run, (size_t)(cdata - run));
            cut_cdata(fx, text, (size_t)((close ? close : end) - text));
            run = p = close ? close + 3 : end;
            cdata = find_cdata(p, end);
            lt = fx->fix_lt ? find_bad_lt(p, cdata ? cdata : end) : end;
            continue;
        }
        if (depth == 0 && fx->subset && amp >= fx->subset && amp < fx->subset_end) {
            p = fx->subset_end;
            if (cdata && cdata < p)
                cdata = find_cdata(p, end);
            continue;
        }
        next = reference(fx, amp, end, rep, &replen, &d);
        if (replen == (size_t)-1) {
            p = next;
            continue;
        }
        start_copy(fx, data, run);
        out_add(fx, run, (size_t)(amp - run));
        if (d) {
            fx->n_ent++;
            if (d->val && depth < MAX_DEPTH && fx->expansions < MAX_EXPANSIONS &&
                fx->expanded < MAX_EXPANDED) {
                size_t before = fx->out.len;
                fx->expansions++;
                fix_range(fx, data, d->val, d->val + d->vlen, depth + 1);
                fx->expanded += fx->out.len - before;
            } else if (d->val) {
                fx->over = 1;
            }
        } else {
            out_add(fx, rep, replen);
        }
        run = p = next;
    }
    if (fx->copying)
        out_add(fx, run, (size_t)(end - run));
}

char *nd_xml_fix(const char *data, size_t len, size_t *outlen, struct nd_cdata_tab *cd, int fix_lt,
                 struct nd_feed *f)
{
    struct fixer fx;

    memset(&fx, 0, sizeof(fx));
    fx.cdata = cd;
    fx.fix_lt = fix_lt;
    read_prolog(&fx, data, data + len);
    fix_range(&fx, data, data, data + len, 0);
    if (fx.n_amp)
        nd_parse_warn(f, "%zu unescaped '&' kept as text", fx.n_amp);
    if (fx.n_lt)
        nd_parse_warn(f, "%zu '<' that start no tag kept as text", fx.n_lt);
    if (fx.n_html)
        nd_parse_warn(f, "%zu HTML %s not declared in XML", fx.n_html,
                      nd_plural((long long)fx.n_html, "entity", "entities"));
    if (fx.n_cp1252)
        nd_parse_warn(f, "%zu character %s read as windows-1252", fx.n_cp1252,
                      nd_plural((long long)fx.n_cp1252, "reference", "references"));
    if (fx.n_bad)
        nd_parse_warn(f, "%zu %s to characters XML forbids dropped", fx.n_bad,
                      nd_plural((long long)fx.n_bad, "reference", "references"));
    if (fx.n_ent)
        nd_parse_warn(f, "%zu %s to entities of the internal subset", fx.n_ent,
                      nd_plural((long long)fx.n_ent, "reference", "references"));
    if (fx.over)
        nd_parse_warn(f, "entity expansion limit reached: the rest dropped");
    if (!fx.copying)
        return NULL;
    *outlen = fx.out.len;
    return nd_buf_steal(&fx.out);
}
