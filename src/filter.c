/*
 * filter.c: keep and drop rules compiled with PCRE2, the check of an
 * article against them, and the memory of recent drops for explain.
 *
 * A word list is compiled into one pattern too: the words, escaped, as
 * alternatives between (?<!\w) and (?!\w) with (?i): whole words in any
 * case, Unicode-aware (PCRE2_UCP), a space in a word matching any run of
 * white space.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/filter.h"
#include "newsd/strmap.h"

#define MATCH_LIMIT 1000000 /* backtracking steps: a hostile text cannot hold the loop long */

static const char *const fields[] = {"title", "text", "url", "author", "category", "language"};

int nd_filter_field_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strcmp(name, fields[i]) == 0)
            return (int)i;
    return -1;
}

const char *nd_filter_field_name(enum nd_filter_field f)
{
    return fields[f];
}

struct nd_filters *nd_filters_new(const char *scope)
{
    struct nd_filters *fs = xcalloc(1, sizeof(*fs));

    fs->refs = 1;
    fs->scope = xstrdup(scope);
    return fs;
}

struct nd_filters *nd_filters_ref(struct nd_filters *fs)
{
    if (fs)
        fs->refs++;
    return fs;
}

void nd_filters_unref(struct nd_filters *fs)
{
    if (fs == NULL || --fs->refs > 0)
        return;
    for (size_t i = 0; i < fs->n; i++) {
        struct nd_filter *f = &fs->v[i];
        free(f->match);
        nd_strv_free(&f->words);
        free(f->label);
        free(f->where);
        pcre2_code_free(f->re);
    }
    free(fs->v);
    free(fs->scope);
    free(fs);
}

/* The pattern of a word list (caller frees). */
static char *words_pattern(const char *const *words, size_t n)
{
    struct nd_buf b;
    int rc = 0;

    nd_buf_init(&b, 0);
    rc |= nd_buf_adds(&b, "(?i)(?<!\\w)(?:");
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        if (i)
            rc |= nd_buf_addc(&b, '|');
        while (*w == ' ' || *w == '\t')
            w++;
        for (; *w; w++) {
            unsigned char ch = (unsigned char)*w;
            if (ch == ' ' || ch == '\t') {
                while (w[1] == ' ' || w[1] == '\t')
                    w++;
                if (w[1] != '\0')
                    rc |= nd_buf_adds(&b, "\\s+");
            } else if (ch < 0x80 && !(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
                       !(ch >= 'A' && ch <= 'Z')) {
                rc |= nd_buf_addc(&b, '\\') | nd_buf_addc(&b, (char)ch);
            } else {
                rc |= nd_buf_addc(&b, (char)ch);
            }
        }
    }
    rc |= nd_buf_adds(&b, ")(?!\\w)");
    (void)rc; /* the buffer has no cap */
    return nd_buf_steal(&b);
}

int nd_filters_add(struct nd_filters *fs, enum nd_filter_field field, int keep, const char *match,
                   const char *const *words, size_t n_words, const char *name, const char *where,
                   char *err, size_t errlen)
{
    struct nd_filter f;
    char *pattern = match ? xstrdup(match) : words_pattern(words, n_words);
    int errcode;
    PCRE2_SIZE offset;

    memset(&f, 0, sizeof(f));
    f.re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C,
                         &errcode, &offset, NULL);
    if (f.re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        if (match)
            snprintf(err, errlen, "bad regular expression \"%s\": %s at offset %zu", match,
                     (const char *)msg, (size_t)offset);
        else
            snprintf(err, errlen, "bad word list: %s", (const char *)msg);
        free(pattern);
        return ND_EINVAL;
    }
    free(pattern);
    f.field = field;
    f.keep = keep;
    f.match = match ? xstrdup(match) : NULL;
    for (size_t i = 0; !match && i < n_words; i++)
        nd_strv_push(&f.words, words[i]);
    f.index = (int)fs->n + 1;
    f.label = name ? xstrdup(name) : xasprintf("%s/%d", fs->scope, f.index);
    f.named = name != NULL;
    f.where = xstrdup(where);
    fs->v = xrealloc(fs->v, (fs->n + 1) * sizeof(*fs->v));
    fs->v[fs->n++] = f;
    return ND_OK;
}

static int matches(const struct nd_filter *f, const char *s)
{
    pcre2_match_data *md;
    pcre2_match_context *mc;
    int rc;

    if (s == NULL || *s == '\0')
        return 0;
    md = pcre2_match_data_create(1, NULL);
    mc = pcre2_match_context_create(NULL);
    if (md == NULL || mc == NULL)
        abort(); /* allocation failure aborts, as xmalloc does */
    pcre2_set_match_limit(mc, MATCH_LIMIT);
    rc = pcre2_match(f->re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, mc);
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static int rule_matches(const struct nd_filter *f, const struct nd_article *a)
{
    const struct nd_strv *list = NULL;

    switch (f->field) {
    case ND_FILTER_TITLE:
        return matches(f, a->title);
    case ND_FILTER_TEXT:
        return matches(f, nd_str_empty(a->content_text) ? a->summary : a->content_text);
    case ND_FILTER_URL:
        return matches(f, a->url);
    case ND_FILTER_LANGUAGE:
        return matches(f, a->language);
    case ND_FILTER_AUTHOR:
        list = &a->authors;
        break;
    case ND_FILTER_CATEGORY:
        list = &a->categories;
        break;
    }
    for (size_t i = 0; i < list->n; i++)
        if (matches(f, list->v[i]))
            return 1;
    return 0;
}

const struct nd_filter *nd_filters_check(const struct nd_filters *first,
                                         const struct nd_filters *then, const struct nd_article *a)
{
    const struct nd_filters *lists[2] = {first, then};

    for (int l = 0; l < 2; l++)
        for (size_t i = 0; lists[l] && i < lists[l]->n; i++)
            if (rule_matches(&lists[l]->v[i], a))
                return &lists[l]->v[i];
    return NULL;
}

void nd_filter_describe(const struct nd_filters *fs, const struct nd_filter *f, char *out,
                        size_t outlen)
{
    char scope[160], what[512];
    size_t o = 0;

    if (strcmp(fs->scope, "global") == 0)
        snprintf(scope, sizeof(scope), "global filter %d", f->index);
    else
        snprintf(scope, sizeof(scope), "filter %d of source %s", f->index, fs->scope);
    if (f->match) {
        snprintf(what, sizeof(what), "matches \"%s\"", f->match);
    } else {
        o = (size_t)snprintf(what, sizeof(what), "has the word");
        for (size_t i = 0; i < f->words.n && o < sizeof(what); i++)
            o += (size_t)snprintf(what + o, sizeof(what) - o, "%s \"%s\"",
                                  i == 0                ? ""
                                  : i + 1 == f->words.n ? " or"
                                                        : ",",
                                  f->words.v[i]);
    }
    snprintf(out, outlen, "%s%s%s%s (%s): %s when %s %s", scope, f->named ? " \"" : "",
             f->named ? f->label : "", f->named ? "\"" : "", f->where, f->keep ? "keep" : "drop",
             fields[f->field], what);
}

/* --- recent drops --- */

struct nd_filter_memo {
    struct nd_filter_drop *ring;
    size_t cap, next;
    struct nd_strmap by_id, by_url;
};

struct nd_filter_memo *nd_filter_memo_new(size_t cap)
{
    struct nd_filter_memo *m = xcalloc(1, sizeof(*m));

    m->cap = cap ? cap : 1;
    m->ring = xcalloc(m->cap, sizeof(*m->ring));
    return m;
}

static void drop_clear(struct nd_filter_drop *d)
{
    free(d->url);
    free(d->source);
    free(d->title);
    free(d->why);
    memset(d, 0, sizeof(*d));
}

void nd_filter_memo_free(struct nd_filter_memo *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++)
        drop_clear(&m->ring[i]);
    free(m->ring);
    nd_strmap_free(&m->by_id);
    nd_strmap_free(&m->by_url);
    free(m);
}

void nd_filter_memo_add(struct nd_filter_memo *m, const struct nd_article *a, const char *source,
                        const char *why, int64_t now)
{
    struct nd_filter_drop *d = nd_strmap_get(&m->by_id, a->id);

    if (d == NULL) {
        d = &m->ring[m->next];
        m->next = (m->next + 1) % m->cap;
        if (d->id[0]) {
            /* the oldest goes; its URL may name a newer drop by now */
            nd_strmap_del(&m->by_id, d->id);
            if (d->url && nd_strmap_get(&m->by_url, d->url) == d)
                nd_strmap_del(&m->by_url, d->url);
            drop_clear(d);
        }
        snprintf(d->id, sizeof(d->id), "%s", a->id);
        nd_strmap_put(&m->by_id, d->id, d);
    } else if (d->url && nd_strmap_get(&m->by_url, d->url) == d) {
        nd_strmap_del(&m->by_url, d->url);
    }
    nd_str_set(&d->url, nd_str_empty(a->url) ? NULL : a->url);
    nd_str_set(&d->source, source);
    nd_str_set(&d->title, a->title ? a->title : "");
    nd_str_set(&d->why, why);
    d->seen = now;
    if (d->url)
        nd_strmap_put(&m->by_url, d->url, d);
}

const struct nd_filter_drop *nd_filter_memo_find(const struct nd_filter_memo *m, const char *id,
                                                 const char *url)
{
    const struct nd_filter_drop *d = NULL;

    if (m == NULL)
        return NULL;
    if (id)
        d = nd_strmap_get(&m->by_id, id);
    if (d == NULL && url)
        d = nd_strmap_get(&m->by_url, url);
    return d;
}
