/*
 * ingest.c: clean, dedupe and journal the entries of one document.
 *
 * Entries go in reverse document order: feeds list the newest first, so
 * the oldest new article gets the lowest seq.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "newsd/article.h"
#include "newsd/ingest.h"

#define FUTURE_SLACK 86400 /* clocks and time zones differ; past a day a date is wrong */

/* What identifies a version of an article: its title and its text. */
static uint64_t version_hash(const struct nd_article *a)
{
    XXH3_state_t *st = XXH3_createState();
    uint64_t h;

    if (st == NULL)
        abort();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, a->title, strlen(a->title));
    XXH3_64bits_update(st, "\x1f", 1);
    XXH3_64bits_update(st, a->content_text, strlen(a->content_text));
    h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/*
 * Is a an update of what this source published under the same guid?  Its
 * text changed, and the feed says so with an updated date later than the
 * one published (so that feeds whose text changes at every fetch, with
 * counters or ads, do not flood the topic).  Fills id with the article's id.
 */
static int is_update(struct nd_ingest *in, const struct nd_article *a, uint64_t hash, char id[33],
                     int *err)
{
    uint8_t key[ND_KEY_LEN];
    uint64_t old_hash;
    int64_t old_updated;
    int rc;

    *err = 0;
    if (!nd_dedupe_guid_key(in->source_id, a, key))
        return 0;
    rc = nd_store_version_get(in->store, key, id, &old_hash, &old_updated);
    *err = rc < 0;
    if (rc != 1 || old_hash == hash || a->updated == ND_TIME_NONE)
        return 0;
    return old_updated == ND_TIME_NONE || a->updated > old_updated;
}

/* Remember what was published of a under its guid. */
static int remember_version(struct nd_ingest *in, const struct nd_article *a, uint64_t hash)
{
    uint8_t key[ND_KEY_LEN];

    if (!nd_dedupe_guid_key(in->source_id, a, key))
        return ND_OK;
    return nd_store_version_put(in->store, key, a->id, hash, a->updated, in->now);
}

int nd_ingest_article(struct nd_ingest *in, const struct nd_feed *feed, struct nd_article *ap)
{
    struct nd_article a = *ap;
    struct nd_msg_meta m;
    enum nd_verdict v;
    char dup[33];
    char *json;
    uint64_t hash;
    int rc, update = 0, err;

    in->items++;
    rc = nd_dedupe_check(in->store, in->source_id, &a, &in->dedupe, in->now, &v, dup);
    if (rc != ND_OK)
        goto out;
    hash = version_hash(&a);
    if (v == ND_VERDICT_SAME) {
        char id[33];
        update = is_update(in, &a, hash, id, &err);
        if (err) {
            rc = ND_ESTORE;
            goto out;
        }
        if (update)
            memcpy(a.id, id, sizeof(a.id)); /* the same article, another version */
    }
    if ((v == ND_VERDICT_SAME && !update) || v == ND_VERDICT_DUP ||
        (v == ND_VERDICT_NEAR && in->dedupe.mode == ND_NEAR_DROP)) {
        in->duplicates++;
        rc = nd_dedupe_remember(in->store, in->source_id, &a, dup, in->now);
        goto out;
    }
    if (v == ND_VERDICT_NEAR)
        nd_str_set(&a.duplicate_of, dup);

    memset(&m, 0, sizeof(m));
    m.event = update ? "update" : "article";
    rc = nd_store_next_seq(in->store, in->topic, &m.seq, &m.topic_seq);
    if (rc != ND_OK)
        goto out;
    m.source_id = in->source_id;
    m.source_title = in->source_title ? in->source_title : feed->title;
    m.source_url = in->source_url;
    m.feed_title = feed->title;
    m.feed_url = feed->link;
    m.feed_language = feed->language;
    json = nd_message_encode(&a, &m);
    rc = nd_store_journal_add(in->store, m.seq, in->topic, m.topic_seq, a.id, in->source_id,
                              in->now, json);
    if (rc == ND_OK)
        rc = nd_dedupe_remember(in->store, in->source_id, &a,
                                a.duplicate_of ? a.duplicate_of : a.id, in->now);
    if (rc == ND_OK)
        rc = remember_version(in, &a, hash);
    if (rc != ND_OK) {
        free(json);
        goto out;
    }
    if (in->added + in->updated == 0)
        in->first_seq = m.seq;
    in->last_seq = m.seq;
    if (update)
        in->updated++;
    else
        in->added++;
    if ((a.published != ND_TIME_NONE && a.published > in->now + FUTURE_SLACK) ||
        (a.updated != ND_TIME_NONE && a.updated > in->now + FUTURE_SLACK))
        in->future++;
    nd_strv_take(&in->messages, json);
    nd_strv_take(&in->titles, update ? xasprintf("%s (update)", a.title) : xstrdup(a.title));
out:
    *ap = a; /* its id or duplicate_of may have changed */
    return rc;
}

static int ingest_entry(struct nd_ingest *in, const struct nd_feed *feed, const struct nd_entry *e)
{
    struct nd_clean_ctx cctx = {in->source_id, feed->language, in->now};
    struct nd_article a;
    int rc = ND_OK;

    memset(&a, 0, sizeof(a));
    if (nd_clean_entry(e, &cctx, &a) == ND_OK)
        rc = nd_ingest_article(in, feed, &a);
    else
        in->skipped++;
    nd_article_free(&a);
    return rc;
}

int nd_ingest_feed(struct nd_ingest *in, const struct nd_feed *feed)
{
    for (size_t i = feed->n_entries; i-- > 0;) {
        int rc = ingest_entry(in, feed, &feed->entries[i]);
        if (rc != ND_OK)
            return rc;
    }
    return ND_OK;
}

void nd_ingest_clear(struct nd_ingest *in)
{
    nd_strv_free(&in->messages);
    nd_strv_free(&in->titles);
    in->items = in->added = in->updated = in->duplicates = in->skipped = in->future = 0;
    in->first_seq = in->last_seq = 0;
}
