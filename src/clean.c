/*
 * clean.c: a parser entry in, a clean article out.
 *
 * Titles and summaries become plain text, the content is sanitized (html.c)
 * with its text extracted in the same pass, the link canonicalized (url.c),
 * fingerprints and the id computed (fingerprint.c).  Pure: no I/O, no log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/fingerprint.h"
#include "newsd/html.h"
#include "newsd/text.h"
#include "newsd/url.h"

#define TITLE_FALLBACK_MAX 100 /* characters of text standing in for a missing title */
#define SUMMARY_MAX        300 /* characters of summary */
#define NAME_MAX_CHARS     200 /* an author or a category */
#define LIST_MAX           64  /* authors, categories, enclosures kept */

static int has_text(const struct nd_text *t)
{
    return t->s != NULL && t->s[0] != '\0';
}

/* Plain text of a text construct, ONELINE or not. */
static char *text_of(const struct nd_text *t, unsigned flags)
{
    if (!has_text(t))
        return xstrdup("");
    if (t->type == ND_TEXT_HTML)
        return nd_html_to_text(t->s, strlen(t->s), flags);
    return nd_text_clean(t->s, strlen(t->s), flags);
}

/* The first max characters of text, on one line, cut at a word with "…". */
static char *excerpt(const char *text, size_t max)
{
    size_t len = strlen(text), take = max * 2, cut;
    char *line, *out;

    /* clean a prefix only, longer until it holds more than max characters */
    for (;;) {
        cut = take < len ? take : len;
        while (cut < len && cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
            cut--;
        line = nd_text_clean(text, cut, ND_TEXT_ONELINE);
        if (cut == len || nd_utf8_len(line) > max)
            break;
        free(line);
        take *= 4;
    }
    out = nd_text_truncate(line, max);
    free(line);
    return out;
}

/* Plain text as HTML: paragraphs on blank lines, <br> on single newlines. */
static char *plain_to_html(const char *text)
{
    struct nd_buf b;
    const char *p = text, *nl;
    int open = 0, rc = ND_OK;

    nd_buf_init(&b, 0);
    while (*p && rc == ND_OK) {
        if (!open) {
            rc = nd_buf_adds(&b, "<p>");
            open = 1;
        }
        nl = strchr(p, '\n');
        if (nl == NULL) {
            rc = nd_text_escape_html(&b, p, strlen(p), 0);
            break;
        }
        if (rc == ND_OK)
            rc = nd_text_escape_html(&b, p, (size_t)(nl - p), 0);
        if (nl[1] == '\n') {
            if (rc == ND_OK)
                rc = nd_buf_adds(&b, "</p>");
            open = 0;
            p = nl + 2;
        } else {
            if (rc == ND_OK)
                rc = nd_buf_adds(&b, "<br>");
            p = nl + 1;
        }
    }
    if (open && rc == ND_OK && nd_buf_adds(&b, "</p>") != ND_OK)
        rc = ND_ENOMEM;
    return nd_buf_steal(&b);
}

static int is_http(const char *url)
{
    char scheme[8];

    return url != NULL && nd_url_scheme(url, scheme, sizeof(scheme)) == 0 &&
           (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
}

/* Clean names into dst: one line, trimmed, capped, empty and repeated ones dropped. */
static void clean_names(struct nd_strv *dst, const struct nd_strv *src)
{
    char *line, *name;

    for (size_t i = 0; i < src->n && dst->n < LIST_MAX; i++) {
        line = nd_text_clean(src->v[i], strlen(src->v[i]), ND_TEXT_ONELINE);
        name = nd_text_truncate(line, NAME_MAX_CHARS);
        free(line);
        if (*name == '\0' || nd_strv_contains(dst, name))
            free(name);
        else
            nd_strv_take(dst, name);
    }
}

static void copy_enclosures(struct nd_article *a, const struct nd_entry *e)
{
    size_t n = 0;

    if (e->n_enclosures == 0)
        return;
    a->enclosures =
        xcalloc(e->n_enclosures < LIST_MAX ? e->n_enclosures : LIST_MAX, sizeof(*a->enclosures));
    for (size_t i = 0; i < e->n_enclosures && n < LIST_MAX; i++) {
        const struct nd_enclosure *src = &e->enclosures[i];
        if (!is_http(src->url))
            continue;
        a->enclosures[n].url = xstrdup(src->url);
        a->enclosures[n].type = src->type && *src->type ? xstrdup(src->type) : NULL;
        a->enclosures[n].length = src->length;
        n++;
    }
    a->n_enclosures = n;
}

/* The id of an article without URL, guid or text: of its markup, image and enclosures. */
static void media_id(const struct nd_article *a, char out[ND_ID_HEX + 1])
{
    struct nd_buf b;

    nd_buf_init(&b, 0);
    if (nd_buf_printf(&b, "m\x1f%s\x1f%s", a->content_html, a->image ? a->image : "") != ND_OK)
        b.len = 0;
    for (size_t i = 0; i < a->n_enclosures; i++)
        if (nd_buf_printf(&b, "\x1f%s", a->enclosures[i].url) != ND_OK)
            break;
    nd_fp_id128(b.data ? b.data : "", b.len, out);
    nd_buf_free(&b);
}

/*
 * The article id: of the canonical URL (unless use_url is 0 or other items
 * of the document share it), else of (source, guid), else of the text
 * (norm: the normalized text, or NULL to make it here when needed).
 */
static void make_id(const struct nd_article *a, const char *source, const char *norm, int use_url,
                    char out[ND_ID_HEX + 1])
{
    char small[512], *key = small, *made = NULL, type = 't';
    const char *x, *sep = "", *y = "";
    struct nd_fp fp;
    int n;

    if (use_url && a->url && !a->url_shared) {
        type = 'u', x = a->url;
    } else if (!nd_str_empty(a->guid)) {
        type = 'g', x = source, sep = "\x1f", y = a->guid;
    } else {
        if (norm == NULL) {
            nd_fp_compute(a->title, a->content_text, &fp, &made);
            norm = made;
        }
        if (!nd_str_empty(norm)) {
            x = norm;
        } else if (a->title[0] || a->content_text[0]) {
            x = a->title, sep = "\x1f", y = a->content_text;
        } else {
            free(made);
            media_id(a, out); /* an image, a video, an enclosure: what it shows */
            return;
        }
    }
    /* most keys are a URL: on the stack */
    n = snprintf(small, sizeof(small), "%c\x1f%s%s%s", type, x, sep, y);
    if (n < 0 || (size_t)n >= sizeof(small)) {
        key = xasprintf("%c\x1f%s%s%s", type, x, sep, y);
        n = (int)strlen(key);
    }
    nd_fp_id128(key, (size_t)n, out);
    if (key != small)
        free(key);
    free(made);
}

void nd_article_id_without_url(const struct nd_article *a, const char *source,
                               char out[ND_ID_HEX + 1])
{
    make_id(a, source ? source : "", NULL, 0, out);
}

/* What an entry that is no article has: the reason it is skipped. */
static const char *skip_reason(const struct nd_entry *e)
{
    /* clang-format off */
    static const char *const reasons[8] = {
        "empty: no title, link, guid, text, image or enclosure",
        "only an author: no title, link, guid, text, image or enclosure",
        "only categories: no title, link, guid, text, image or enclosure",
        "only an author and categories: no title, link, guid, text, image or enclosure",
        "only a date: no title, link, guid, text, image or enclosure",
        "only an author and a date: no title, link, guid, text, image or enclosure",
        "only categories and a date: no title, link, guid, text, image or enclosure",
        "only an author, categories and a date: no title, link, guid, text, image or enclosure",
    };
    /* clang-format on */
    int k = (e->authors.n > 0) | (e->categories.n > 0) << 1 |
            (e->published != ND_TIME_NONE || e->updated != ND_TIME_NONE) << 2;

    return reasons[k];
}

int nd_clean_entry(const struct nd_entry *e, const struct nd_clean_ctx *ctx, struct nd_article *a)
{
    const char *source = ctx && ctx->source_id ? ctx->source_id : "";
    const char *base = e->base ? e->base : e->link;
    const struct nd_text *body = NULL;
    struct nd_html_out h = {0};
    struct nd_fp fp;
    char *norm = NULL, *s;

    memset(a, 0, sizeof(*a));
    a->published = e->published;
    a->updated = e->updated;
    a->fetched = ctx ? ctx->fetched : 0;

    /* content: the entry's content, else its summary (an RSS description is both) */
    if (has_text(&e->content))
        body = &e->content;
    else if (has_text(&e->summary))
        body = &e->summary;
    if (body && body->type == ND_TEXT_HTML &&
        nd_html_clean(body->s, strlen(body->s), base, &h) == ND_OK) {
        a->content_html = h.html;
        a->content_text = h.text;
        h.html = h.text = NULL;
    } else if (body) {
        a->content_text = nd_text_clean(body->s, strlen(body->s), ND_TEXT_KEEP_LINES);
        a->content_html = plain_to_html(a->content_text);
    } else {
        a->content_text = xstrdup("");
        a->content_html = xstrdup("");
    }

    /* title: plain text, else the start of the text */
    a->title = text_of(&e->title, ND_TEXT_ONELINE);
    if (a->title[0] == '\0') {
        free(a->title);
        a->title = NULL;
        if (has_text(&e->summary) && body != &e->summary) {
            s = text_of(&e->summary, ND_TEXT_ONELINE);
            if (*s)
                a->title = nd_text_truncate(s, TITLE_FALLBACK_MAX);
            free(s);
        }
        if (a->title == NULL)
            a->title = excerpt(a->content_text, TITLE_FALLBACK_MAX);
    }

    /* summary: the entry's own when it has content besides, else from the content */
    s = NULL;
    if (has_text(&e->summary) && body != &e->summary) {
        s = text_of(&e->summary, ND_TEXT_ONELINE);
        if (*s) {
            a->summary = nd_text_truncate(s, SUMMARY_MAX);
        }
        free(s);
    }
    if (a->summary == NULL)
        a->summary = excerpt(a->content_text, SUMMARY_MAX);

    a->url = nd_url_canonical(e->link);
    a->url_shared = e->link_shared;
    if (a->url && e->link_fragment) {
        /* items that are anchors on one shared page: the fragment tells them apart */
        const char *frag = strchr(e->link, '#');
        if (frag && frag[1])
            nd_str_take(&a->url, xasprintf("%s%s", a->url, frag));
    }
    a->guid = nd_str_empty(e->guid) ? NULL : xstrdup(e->guid);
    if (!nd_str_empty(e->language))
        a->language = xstrdup(e->language);
    else if (ctx && !nd_str_empty(ctx->feed_language))
        a->language = xstrdup(ctx->feed_language);
    clean_names(&a->authors, &e->authors);
    clean_names(&a->categories, &e->categories);
    copy_enclosures(a, e);
    if (is_http(e->image)) {
        a->image = xstrdup(e->image);
    } else {
        a->image = h.image;
        h.image = NULL;
    }
    nd_html_out_free(&h);

    /* the id needs the normalized text only when the article has neither URL nor guid
     * (the dedupe keys are prepare.c's) */
    if (a->url == NULL && nd_str_empty(a->guid)) {
        nd_fp_compute(a->title, a->content_text, &fp, &norm);
        a->text_hash = fp.text_hash;
    }
    make_id(a, source, norm ? norm : "", 1, a->id);
    free(norm);

    if (a->title[0] == '\0' && e->link == NULL && a->guid == NULL && a->content_text[0] == '\0' &&
        a->summary[0] == '\0' && a->content_html[0] == '\0' && a->image == NULL &&
        e->n_enclosures == 0 && e->image == NULL) {
        a->skipped = skip_reason(e);
        return ND_EINVAL;
    }
    return ND_OK;
}

void nd_article_free(struct nd_article *a)
{
    if (a == NULL)
        return;
    free(a->url);
    free(a->guid);
    free(a->title);
    free(a->summary);
    free(a->content_html);
    free(a->content_text);
    free(a->language);
    nd_strv_free(&a->authors);
    nd_strv_free(&a->categories);
    for (size_t i = 0; i < a->n_enclosures; i++) {
        free(a->enclosures[i].url);
        free(a->enclosures[i].type);
    }
    free(a->enclosures);
    free(a->image);
    free(a->duplicate_of);
    memset(a, 0, sizeof(*a));
}
