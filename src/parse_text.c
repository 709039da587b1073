/*
 * parse_text.c: small text helpers of the parser: warnings, authors, the
 * "does this RSS text look like HTML" rule, double-escaped HTML, base64.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/encoding.h"
#include "newsd/html.h"
#include "parse_int.h"

void nd_parse_warn(struct nd_feed *f, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (f->warnings.n >= PARSE_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s)
        nd_strv_take(&f->warnings, s);
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void nd_text_trim(const char **s, size_t *n)
{
    const char *p = *s;
    size_t len = *n;

    while (len > 0 && is_ws(*p)) {
        p++;
        len--;
    }
    while (len > 0 && is_ws(p[len - 1]))
        len--;
    /* U+00A0 at either end too (common in hand-made titles) */
    while (len >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
        p += 2;
        len -= 2;
    }
    while (len >= 2 && (unsigned char)p[len - 2] == 0xC2 && (unsigned char)p[len - 1] == 0xA0)
        len -= 2;
    *s = p;
    *n = len;
}

/* A copy on one line: the text layer's whitespace folding (trimmed, runs made one space). */
static char *collapse(const char *s, size_t n)
{
    return nd_text_clean(s, n, ND_TEXT_ONELINE);
}

int nd_text_add_unique(struct nd_strv *v, const char *s, size_t n)
{
    char *c;

    nd_text_trim(&s, &n);
    if (n == 0)
        return 0;
    c = collapse(s, n);
    if (*c == '\0' || nd_strv_contains(v, c)) {
        free(c);
        return 0;
    }
    nd_strv_take(v, c);
    return 1;
}

static int email_char(char c)
{
    return is_word(c) || c == '.' || c == '-' || c == '+';
}

/*
 * "jdoe@example.com (John Doe)" -> "John Doe"; "John Doe <jdoe@example.com>"
 * -> "John Doe"; a bare address stays.  feedparser's rule: remove the
 * address, then empty brackets, then one pair of outer brackets.
 */
char *nd_text_author(const char *s, size_t n)
{
    char *buf, *at, *email, *out;
    size_t a, b, len;

    nd_text_trim(&s, &n);
    if (n == 0)
        return NULL;
    buf = collapse(s, n);
    len = strlen(buf);
    at = strchr(buf, '@');
    if (at == NULL)
        return buf;
    a = (size_t)(at - buf);
    b = a + 1;
    while (a > 0 && email_char(buf[a - 1]))
        a--;
    while (buf[b] && (email_char(buf[b]) || buf[b] == '[' || buf[b] == ']'))
        b++;
    email = xstrndup(buf + a, b - a);
    if (a >= 7 && strncasecmp(buf + a - 7, "mailto:", 7) == 0)
        a -= 7;
    if (a == 0 && b == len) {
        free(email);
        return buf; /* only an address */
    }
    memmove(buf + a, buf + b, len - b + 1);
    for (char *p; (p = strstr(buf, "()")) || (p = strstr(buf, "<>")) || (p = strstr(buf, "[]"));)
        memmove(p, p + 2, strlen(p + 2) + 1);
    s = buf;
    n = strlen(buf);
    nd_text_trim(&s, &n);
    if (n && (*s == '(' || *s == '<')) {
        s++;
        n--;
    }
    if (n && (s[n - 1] == ')' || s[n - 1] == '>'))
        n--;
    nd_text_trim(&s, &n);
    if (n == 0) {
        free(buf);
        return email;
    }
    out = collapse(s, n);
    free(buf);
    free(email);
    return out;
}

/* feedparser's _HTMLSanitizer.acceptable_elements, sorted. */
static const char *const html_elements[] = {
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    /* not feedparser's: a closed script or style element makes a text HTML, so that it is
     * dropped with its content as in any other HTML, not shown */
    "script",
    "style",
};

static int known_element(const char *s, size_t n)
{
    char low[16];

    if (n == 0 || n >= sizeof(low))
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(html_elements) / sizeof(html_elements[0]); i++)
        if (strcmp(html_elements[i], low) == 0)
            return 1;
    return 0;
}

/*
 * feedparser's lookslikehtml(): a close tag or an entity reference, every
 * tag a known HTML element and every named entity a known one.
 */
int nd_text_looks_like_html(const char *s, size_t n)
{
    const char *end = s + n, *p;
    int evidence = 0;

    for (p = s; p < end; p++) {
        if (*p == '<') {
            const char *q = p + 1, *name;
            int close = q < end && *q == '/';
            if (close)
                q++;
            name = q;
            while (q < end && is_word(*q))
                q++;
            if (q == name)
                continue;
            if (!known_element(name, (size_t)(q - name)))
                return 0;
            if (close && q < end && *q == '>')
                evidence = 1;
        } else if (*p == '&') {
            const char *q = p + 1, *name;
            int num = q < end && *q == '#';
            if (num)
                q++;
            name = q;
            while (q < end && is_word(*q))
                q++;
            if (q == name || q >= end || *q != ';')
                continue;
            if (!num && nd_entity_lookup(name, (size_t)(q - name)) == 0)
                return 0;
            evidence = 1;
        }
    }
    return evidence;
}

/* Does s (n bytes) start with an escaped tag of a known element or comment? */
static int starts_escaped_tag(const char *s, size_t n)
{
    const char *q, *name, *end = s + n;

    while (s < end && is_ws(*s))
        s++;
    q = s + 4;
    if (end - s < 6 || memcmp(s, "&lt;", 4) != 0)
        return 0;
    if (end - q >= 3 && memcmp(q, "!--", 3) == 0)
        return 1;
    name = q;
    while (q < end && is_word(*q))
        q++;
    return q > name && known_element(name, (size_t)(q - name)) &&
           (q == end || *q == '&' || *q == ' ' || *q == '/');
}

/*
 * HTML escaped twice: no tag at all, but escaped tags of known elements
 * ("&lt;p&gt;", "&lt;/a&gt;", "&lt;br /&gt;").  Or escaped twice and then
 * a real tail appended (reddit: "&lt;div&gt;..&lt;/div&gt; submitted by
 * <a href=..>"): it starts with an escaped tag and closes an escaped one.
 */
int nd_text_double_escaped(const char *s, size_t n)
{
    const char *end = s + n, *p = s;
    int found = 0, closes = 0, mixed = memchr(s, '<', n) != NULL;

    if (mixed && !starts_escaped_tag(s, n))
        return 0;
    while ((p = memchr(p, '&', (size_t)(end - p))) != NULL) {
        const char *q = p + 4, *name;
        int close;
        if (end - p < 6 || memcmp(p, "&lt;", 4) != 0) {
            p++;
            continue;
        }
        close = *q == '/';
        if (close)
            q++;
        name = q;
        while (q < end && is_word(*q))
            q++;
        if (q > name && known_element(name, (size_t)(q - name)) &&
            (q == end || *q == '&' || *q == ' ' || *q == '/')) {
            found++;
            closes += close;
        }
        p = q;
    }
    return mixed ? closes > 0 : found > 0;
}

/* Decode one level of &lt; &gt; &amp; &quot; &apos; and numeric references in place. */
size_t nd_text_unescape_once(char *s, size_t n)
{
    static const struct {
        const char *e;
        char c;
    } basic[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    char *o = s, *p = s, *end = s + n;

    while (p < end) {
        size_t i;
        if (*p != '&') {
            *o++ = *p++;
            continue;
        }
        for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
            size_t l = strlen(basic[i].e);
            if ((size_t)(end - p) >= l && memcmp(p, basic[i].e, l) == 0) {
                *o++ = basic[i].c;
                p += l;
                break;
            }
        }
        if (i < sizeof(basic) / sizeof(basic[0]))
            continue;
        if (p + 2 < end && p[1] == '#') {
            char enc[8];
            size_t elen, l = nd_text_ref(p, (size_t)(end - p), ND_REF_XML, enc, &elen);
            if (l && elen && elen <= l) {
                memcpy(o, enc, elen); /* never longer than the reference */
                o += elen;
                p += l;
                continue;
            }
        }
        *o++ = *p++;
    }
    *o = '\0';
    return (size_t)(o - s);
}

size_t nd_text_base64(char *s, size_t n)
{
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+' || c == '-')
            v = 62;
        else if (c == '/' || c == '_')
            v = 63;
        else if (c == '=')
            break;
        else
            continue; /* whitespace */
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            s[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    /* the result must be UTF-8 text like everything else */
    return nd_utf8_clean_prefix(s, o);
}

/* "&#38;" is how libxml2 hands over an &amp; in an attribute value. */
size_t nd_text_decode_amp(char *s, size_t n)
{
    char *o, *p, *end = s + n;

    p = memchr(s, '&', n);
    if (p == NULL)
        return n;
    o = p;
    while (p < end) {
        if (*p == '&' && end - p >= 5 && memcmp(p, "&#38;", 5) == 0) {
            *o++ = '&';
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    return (size_t)(o - s);
}

int nd_text_is_abs_url(const char *s)
{
    if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0)
        return 0;
    for (; *s; s++)
        if (is_ws(*s))
            return 0;
    return 1;
}
