/*
 * feed.c: construction and release of the parser's output.
 */
#include <stdlib.h>
#include <string.h>

#include "newsd/feed.h"
#include "newsd/url.h"

void nd_feed_init(struct nd_feed *f)
{
    memset(f, 0, sizeof(*f));
    f->ttl = -1;
    f->format = "unknown";
}

void nd_entry_free(struct nd_entry *e)
{
    free(e->title.s);
    free(e->summary.s);
    free(e->content.s);
    free(e->link);
    free(e->guid);
    free(e->base);
    free(e->language);
    nd_strv_free(&e->authors);
    nd_strv_free(&e->categories);
    for (size_t i = 0; i < e->n_enclosures; i++) {
        free(e->enclosures[i].url);
        free(e->enclosures[i].type);
    }
    free(e->enclosures);
    free(e->image);
    memset(e, 0, sizeof(*e));
}

void nd_feed_free(struct nd_feed *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n_entries; i++)
        nd_entry_free(&f->entries[i]);
    free(f->entries);
    free(f->title);
    free(f->link);
    free(f->language);
    nd_strv_free(&f->warnings);
    nd_feed_init(f);
}

struct nd_entry *nd_feed_add_entry(struct nd_feed *f)
{
    struct nd_entry *e;

    if (f->n_entries == f->cap_entries) {
        f->cap_entries = f->cap_entries ? f->cap_entries * 2 : 16;
        f->entries = xrealloc(f->entries, f->cap_entries * sizeof(*f->entries));
    }
    e = &f->entries[f->n_entries++];
    memset(e, 0, sizeof(*e));
    e->published = ND_TIME_NONE;
    e->updated = ND_TIME_NONE;
    return e;
}

void nd_entry_add_enclosure(struct nd_entry *e, const char *url, const char *type, int64_t length)
{
    struct nd_enclosure *enc;

    for (size_t i = 0; i < e->n_enclosures; i++)
        if (strcmp(e->enclosures[i].url, url) == 0)
            return;
    e->enclosures = xrealloc(e->enclosures, (e->n_enclosures + 1) * sizeof(*e->enclosures));
    enc = &e->enclosures[e->n_enclosures++];
    enc->url = xstrdup(url);
    enc->type = type && *type ? xstrdup(type) : NULL;
    enc->length = length;
}

struct page_ref {
    char *page;           /* the link without tracking parameters and fragment */
    const char *fragment; /* "" when none */
    size_t entry;
};

static int by_page(const void *a, const void *b)
{
    const struct page_ref *x = a, *y = b;

    return strcmp(x->page, y->page);
}

/* The entries that share their page (refs[i..j)) share their link too when they
 * do not tell themselves apart by fragments; mark which case it is. */
static void mark_group(struct nd_feed *f, struct page_ref *refs, size_t i, size_t j)
{
    int fragments = 0;

    for (size_t k = i; k < j; k++)
        for (size_t l = k + 1; l < j && !fragments; l++)
            fragments = strcmp(refs[k].fragment, refs[l].fragment) != 0;
    for (size_t k = i; k < j; k++) {
        struct nd_entry *e = &f->entries[refs[k].entry];
        int same = 0;
        e->link_fragment = fragments && *refs[k].fragment;
        for (size_t l = i; l < j && !same; l++)
            same = l != k && (!fragments || strcmp(refs[k].fragment, refs[l].fragment) == 0);
        e->link_shared = same;
    }
}

void nd_feed_mark_shared_pages(struct nd_feed *f)
{
    struct page_ref *refs;
    size_t n = 0, i, j;

    refs = xcalloc(f->n_entries + 1, sizeof(*refs));
    for (i = 0; i < f->n_entries; i++) {
        const char *link = f->entries[i].link, *hash;
        char *page;
        if (link == NULL)
            continue;
        hash = strchr(link, '#');
        page = nd_url_strip_tracking(link);
        page[strcspn(page, "#")] = '\0';
        refs[n++] = (struct page_ref){page, hash && hash[1] ? hash : "", i};
    }
    qsort(refs, n, sizeof(*refs), by_page);
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && by_page(&refs[i], &refs[j]) == 0; j++)
            ;
        if (j - i > 1)
            mark_group(f, refs, i, j);
    }
    for (i = 0; i < n; i++)
        free(refs[i].page);
    free(refs);
}
