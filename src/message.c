/*
 * message.c: encode an article as the contract's JSON object.  Pure; every
 * key is present, null or empty where unknown.
 *
 * Written directly into one buffer rather than built as a jansson tree and
 * dumped: with jansson, encoding was a third of `newsctl parse` (docs/benchmarks.md).
 * The output is byte for byte what json_dumps(JSON_COMPACT) gives for the
 * same object (tests/unit/test_message.c checks it against jansson): keys in
 * this order, no spaces, '"' '\\' and the controls below U+0020 escaped
 * (\b \f \n \r \t, else \u00XX in upper case), everything else as UTF-8.
 */
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/date.h"
#include "newsd/text.h"

/* The message under construction; grows as needed (allocation failure aborts). */
struct jw {
    char *p;
    size_t len, cap;
};

static inline void room(struct jw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return;
    while (w->len + n + 1 > w->cap)
        w->cap *= 2;
    w->p = xrealloc(w->p, w->cap);
}

static inline void raw(struct jw *w, const char *s, size_t n)
{
    room(w, n);
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

#define RAW(w, lit) raw((w), (lit), sizeof(lit) - 1)

/* Bytes that end a plain run: the controls, '"', '\\' (escaped) and 0x80 and
 * up (a UTF-8 sequence to check). */
static const unsigned char special[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1};

/* The position of the next special byte in s[j..len), or len. */
static inline size_t next_special(const char *s, size_t j, size_t len)
{
#ifdef __SSE2__
    const __m128i ctl = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');

    for (; j + 16 <= len; j += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        /* signed: bytes 0x80 and up are negative, so below 0x20 too */
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(x, ctl),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
        int bits = _mm_movemask_epi8(m);
        if (bits)
            return j + (size_t)__builtin_ctz((unsigned)bits);
    }
#endif
    while (j < len && !special[(unsigned char)s[j]])
        j++;
    return j;
}

/* A JSON string.  Malformed UTF-8 (which the cleaner never produces) gives "",
 * as jansson refuses such a string. */
static void str_n(struct jw *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = w->len, i = 0, j = 0;
    int32_t cp;
    int n;

    room(w, len + 2);
    w->p[w->len++] = '"';
    for (;;) {
        j = next_special(s, j, len);
        if (j >= len)
            break;
        if ((unsigned char)s[j] >= 0x80) {
            const unsigned char *u = (const unsigned char *)s + j;
            /* the common two- and three-byte sequences without a call */
            if (u[0] >= 0xC2 && u[0] <= 0xDF && j + 1 < len && (u[1] & 0xC0) == 0x80) {
                j += 2;
                continue;
            }
            if (((u[0] >= 0xE1 && u[0] <= 0xEC) || u[0] == 0xEE || u[0] == 0xEF) && j + 2 < len &&
                (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
                j += 3;
                continue;
            }
            n = nd_utf8_decode(s + j, len - j, &cp);
            if (cp < 0) {
                w->len = start;
                RAW(w, "\"\"");
                return;
            }
            j += (size_t)n;
            continue;
        }
        raw(w, s + i, j - i);
        switch (s[j]) {
        case '"':
            RAW(w, "\\\"");
            break;
        case '\\':
            RAW(w, "\\\\");
            break;
        case '\b':
            RAW(w, "\\b");
            break;
        case '\f':
            RAW(w, "\\f");
            break;
        case '\n':
            RAW(w, "\\n");
            break;
        case '\r':
            RAW(w, "\\r");
            break;
        case '\t':
            RAW(w, "\\t");
            break;
        default: {
            char u[6] = {'\\',
                         'u',
                         '0',
                         '0',
                         hex[((unsigned char)s[j] >> 4) & 0xF],
                         hex[(unsigned char)s[j] & 0xF]};
            raw(w, u, sizeof(u));
            break;
        }
        }
        i = ++j;
    }
    raw(w, s + i, len - i);
    RAW(w, "\"");
}

/* A string, or "" for NULL. */
static void str(struct jw *w, const char *s)
{
    if (s == NULL)
        s = "";
    str_n(w, s, strlen(s));
}

/* A string, or null for NULL. */
static void str_or_null(struct jw *w, const char *s)
{
    if (s == NULL)
        RAW(w, "null");
    else
        str_n(w, s, strlen(s));
}

static void integer(struct jw *w, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%" PRId64, v);

    raw(w, num, (size_t)n);
}

static void date_or_null(struct jw *w, int64_t t)
{
    char buf[32];

    /* a date with no RFC 3339 form (before year 1, after 9999) is no date */
    if (nd_date_format(t, buf) != 0) {
        RAW(w, "null");
        return;
    }
    str(w, buf);
}

static void strv(struct jw *w, const struct nd_strv *sv)
{
    RAW(w, "[");
    for (size_t i = 0; i < sv->n; i++) {
        if (i)
            RAW(w, ",");
        str(w, sv->v[i]);
    }
    RAW(w, "]");
}

static void enclosures(struct jw *w, const struct nd_article *a)
{
    RAW(w, "[");
    for (size_t i = 0; i < a->n_enclosures; i++) {
        const struct nd_enclosure *e = &a->enclosures[i];
        if (i)
            RAW(w, ",");
        RAW(w, "{\"url\":");
        str(w, e->url);
        RAW(w, ",\"type\":");
        str_or_null(w, e->type);
        RAW(w, ",\"length\":");
        if (e->length >= 0)
            integer(w, e->length);
        else
            RAW(w, "null");
        RAW(w, "}");
    }
    RAW(w, "]");
}

char *nd_message_encode(const struct nd_article *a, const struct nd_msg_meta *m)
{
    struct jw w;
    size_t guess = 1024;

    /* the long fields, so that one allocation is usually enough */
    if (a->content_html)
        guess += strlen(a->content_html);
    if (a->content_text)
        guess += strlen(a->content_text);
    w.cap = guess + guess / 16;
    w.len = 0;
    w.p = xmalloc(w.cap);

    RAW(&w, "{\"schema\":1,\"event\":");
    str(&w, m->event ? m->event : "article");
    RAW(&w, ",\"seq\":");
    integer(&w, m->seq);
    RAW(&w, ",\"topic_seq\":");
    integer(&w, m->topic_seq);
    RAW(&w, ",\"id\":");
    str(&w, a->id);
    RAW(&w, ",\"source\":{\"id\":");
    str(&w, m->source_id);
    RAW(&w, ",\"title\":");
    str_or_null(&w, m->source_title);
    RAW(&w, ",\"url\":");
    str(&w, m->source_url);
    RAW(&w, "},\"feed\":{\"title\":");
    str_or_null(&w, m->feed_title);
    RAW(&w, ",\"url\":");
    str_or_null(&w, m->feed_url);
    RAW(&w, ",\"language\":");
    str_or_null(&w, m->feed_language);
    RAW(&w, "},\"url\":");
    str_or_null(&w, a->url);
    RAW(&w, ",\"guid\":");
    str_or_null(&w, a->guid);
    RAW(&w, ",\"title\":");
    str(&w, a->title);
    RAW(&w, ",\"summary\":");
    str(&w, a->summary);
    RAW(&w, ",\"content_html\":");
    str(&w, a->content_html);
    RAW(&w, ",\"content_text\":");
    str(&w, a->content_text);
    RAW(&w, ",\"authors\":");
    strv(&w, &a->authors);
    RAW(&w, ",\"categories\":");
    strv(&w, &a->categories);
    RAW(&w, ",\"language\":");
    str_or_null(&w, a->language);
    RAW(&w, ",\"published\":");
    date_or_null(&w, a->published);
    RAW(&w, ",\"updated\":");
    date_or_null(&w, a->updated);
    RAW(&w, ",\"fetched\":");
    date_or_null(&w, a->fetched);
    RAW(&w, ",\"enclosures\":");
    enclosures(&w, a);
    RAW(&w, ",\"image\":");
    str_or_null(&w, a->image);
    RAW(&w, ",\"duplicate_of\":");
    str_or_null(&w, a->duplicate_of);
    RAW(&w, "}");
    w.p[w.len] = '\0';
    return w.p;
}
