/*
 * ingest.c: the dedupe verdict, seq, journal and seen row of each article
 * of one document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/fingerprint.h"
#include "newsd/ingest.h"
#include "newsd/log.h"

#define FUTURE_SLACK 86400 /* clocks and time zones differ; past a day a date is wrong */

static void unhex(const char *hex, uint8_t out[16])
{
    memset(out, 0, 16);
    for (int i = 0; i < 16 && hex[2 * i] && hex[2 * i + 1]; i++) {
        int hi = hex[2 * i], lo = hex[2 * i + 1];
        hi = hi <= '9' ? hi - '0' : (hi | 0x20) - 'a' + 10;
        lo = lo <= '9' ? lo - '0' : (lo | 0x20) - 'a' + 10;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
}

/*
 * Queue the journal row for the JetStream sink (when it is on), under the
 * message id "<article id>.<hash of its title and text>": the id alone
 * names more than one journal row (an update keeps its article's id),
 * while id and text name one version, the same on every node and at every
 * resend, which the stream takes once.
 */
static int outbox_add(struct nd_ingest *in, const struct nd_article *a,
                      const struct nd_dedupe_verdict *v, int64_t seq)
{
    char msgid[64];

    snprintf(msgid, sizeof(msgid), "%s.%016llx", a->id, (unsigned long long)v->vhash);
    return nd_store_outbox_add(in->store, seq, msgid);
}

/* Append what the index learns from a to the seen log, then teach the index. */
static int remember(struct nd_ingest *in, const struct nd_article *a,
                    const struct nd_dedupe_verdict *v, int64_t seq, const struct nd_near_sig *sig,
                    const uint8_t *blob, size_t blob_len)
{
    int published =
        v->verdict == ND_SEEN_NEW || v->verdict == ND_SEEN_UPDATE || v->verdict == ND_SEEN_MARKED;
    int near = v->verdict != ND_SEEN_DUP && sig && blob;
    struct nd_seen_row r = {
        .ts = in->now,
        .cluster = v->verdict == ND_SEEN_NEW ? 0 : v->cluster,
        .seq = seq,
        .source = in->source_id,
        .verdict = v->verdict,
        .why = v->why[0] ? v->why : NULL,
        .keys = v->keys,
        .n_keys = v->n_keys,
        .vkey = published ? v->vkey : 0,
        .vhash = v->vhash,
        .vupdated = a->updated,
        .near = near ? blob : NULL,
        .near_len = near ? blob_len : 0,
    };

    unhex(a->id, r.id);
    if (nd_store_seen_add(in->store, &r) != ND_OK)
        return ND_ESTORE;
    nd_dedupe_learn(in->dedupe, &r, near ? sig : NULL);
    return ND_OK;
}

/* Does a filter drop a?  Then it is counted, remembered and named in the debug log. */
static int filtered(struct nd_ingest *in, const struct nd_article *a)
{
    const struct nd_filter *f = nd_filters_check(in->filters, in->global_filters, a);
    const struct nd_filters *fs;
    char why[768];

    if (f == NULL || f->keep)
        return 0;
    fs = in->filters && f >= in->filters->v && f < in->filters->v + in->filters->n
             ? in->filters
             : in->global_filters;
    nd_filter_describe(fs, f, why, sizeof(why));
    in->filtered++;
    if (in->counters)
        nd_counters_filtered(in->counters, f->label);
    if (in->memo)
        nd_filter_memo_add(in->memo, a, in->source_id, why, in->now);
    log_debug("source %s: \"%s\" dropped by %s", in->source_id, a->title, why);
    return 1;
}

/* What matched an item that was not published (the verdict's key). */
static enum nd_dup_kind dup_kind(const struct nd_dedupe_verdict *v)
{
    if (v->verdict == ND_SEEN_NEAR || v->verdict == ND_SEEN_MARKED)
        return ND_DUP_NEAR;
    if (strncmp(v->why, "url", 3) == 0)
        return ND_DUP_URL;
    if (strncmp(v->why, "text", 4) == 0)
        return ND_DUP_TEXT;
    return ND_DUP_GUID;
}

int nd_ingest_article(struct nd_ingest *in, const struct nd_feed *feed, struct nd_article *a,
                      const struct nd_near_sig *sig, const uint8_t *blob, size_t blob_len)
{
    struct nd_candidate c = {a, sig, in->source_id, in->home};
    struct nd_dedupe_verdict v;
    struct nd_msg_meta m;
    char *json;
    int rc;

    in->items++;
    if ((in->filters || in->global_filters) && filtered(in, a))
        return ND_OK;
    nd_dedupe_check(in->dedupe, &c, &v);
    if (v.own_id[0] && v.verdict != ND_SEEN_UPDATE)
        memcpy(a->id, v.own_id, sizeof(a->id)); /* its URL is no identity */
    if (in->counters && v.verdict != ND_SEEN_NEW && v.verdict != ND_SEEN_UPDATE)
        in->counters->duplicates[dup_kind(&v)]++;
    if (v.verdict == ND_SEEN_DUP || v.verdict == ND_SEEN_NEAR) {
        in->duplicates++;
        if (v.repeat)
            return ND_OK; /* seen as it is: nothing new to remember */
        return remember(in, a, &v, 0, sig, blob, blob_len);
    }
    if (v.verdict == ND_SEEN_UPDATE)
        memcpy(a->id, v.cluster_id, sizeof(a->id)); /* the same article, another version */
    if (v.verdict == ND_SEEN_MARKED)
        nd_str_set(&a->duplicate_of, v.cluster_id);

    memset(&m, 0, sizeof(m));
    m.event = v.verdict == ND_SEEN_UPDATE ? "update" : "article";
    rc = nd_store_next_seq(in->store, in->topic, &m.seq, &m.topic_seq);
    if (rc != ND_OK)
        return rc;
    m.source_id = in->source_id;
    m.source_title = in->source_title ? in->source_title : feed->title;
    m.source_url = in->source_url;
    m.feed_title = feed->title;
    m.feed_url = feed->link;
    m.feed_language = feed->language;
    json = nd_message_encode(a, &m);
    rc = nd_store_journal_add(in->store, m.seq, in->topic, m.topic_seq, a->id, in->source_id,
                              in->now, json);
    if (rc == ND_OK)
        rc = outbox_add(in, a, &v, m.seq);
    if (rc == ND_OK)
        rc = remember(in, a, &v, m.seq, sig, blob, blob_len);
    if (rc != ND_OK) {
        free(json);
        return rc;
    }
    if (in->messages.n == 0)
        in->first_seq = m.seq;
    in->last_seq = m.seq;
    if (v.verdict == ND_SEEN_UPDATE)
        in->updated++;
    else
        in->added++;
    if (in->counters) {
        if (v.verdict == ND_SEEN_UPDATE)
            in->counters->updated++;
        else
            in->counters->published++;
    }
    if ((a->published != ND_TIME_NONE && a->published > in->now + FUTURE_SLACK) ||
        (a->updated != ND_TIME_NONE && a->updated > in->now + FUTURE_SLACK))
        in->future++;
    nd_strv_take(&in->messages, json);
    nd_strv_take(&in->titles, v.verdict == ND_SEEN_UPDATE ? xasprintf("%s (update)", a->title)
                                                          : xstrdup(a->title));
    return ND_OK;
}

int nd_ingest_remote(struct nd_ingest *in, struct nd_article *a, const char *from, int *learned)
{
    struct nd_candidate c = {a, NULL, in->source_id, in->home};
    struct nd_dedupe_verdict v;
    struct nd_near_sig *sig = NULL;
    uint8_t blob[ND_NEAR_BLOB_MAX];
    char why[sizeof(v.why) + 64];
    struct nd_fp fp;
    int n = 0, rc;

    *learned = 0;
    if (a->text_hash == 0) {
        nd_fp_compute(a->title, a->content_text, &fp, NULL);
        a->text_hash = fp.text_hash;
    }
    nd_dedupe_check(in->dedupe, &c, &v); /* the exact keys first: most messages stop here */
    if (v.verdict == ND_SEEN_DUP && v.repeat)
        return ND_OK;
    if (v.verdict != ND_SEEN_DUP) {
        sig = nd_near_sig_new(a->title, a->content_text);
        c.sig = sig;
        nd_dedupe_check(in->dedupe, &c, &v);
        n = nd_near_sig_pack(sig, blob, sizeof(blob));
    }
    snprintf(why, sizeof(why), "%s%s%s", from, v.why[0] ? ": " : "", v.why);
    why[sizeof(v.why) - 1] = '\0'; /* cut when long: it is one line of explain */
    memcpy(v.why, why, sizeof(v.why));
    rc = remember(in, a, &v, 0, sig, n > 0 ? blob : NULL, n > 0 ? (size_t)n : 0);
    nd_near_sig_free(sig);
    *learned = rc == ND_OK;
    return rc;
}

void nd_ingest_clear(struct nd_ingest *in)
{
    nd_strv_free(&in->messages);
    nd_strv_free(&in->titles);
    in->items = in->added = in->updated = in->duplicates = in->skipped = in->filtered = 0;
    in->future = 0;
    in->first_seq = in->last_seq = 0;
}
