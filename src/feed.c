/*
 * feed.c: construction and release of the parser's output.
 */
#include <stdlib.h>
#include <string.h>

#include "newsd/feed.h"

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
