/*
 * explain.c: why an article was published, dropped or marked, from the
 * seen log (the verdict and what matched, as they were decided) and the
 * journal (the titles and seqs of the articles involved); or what would
 * happen to an article that was not seen yet.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/explain.h"
#include "newsd/url.h"

static const char *const verdicts[] = {
    [ND_SEEN_NEW] = "published",
    [ND_SEEN_UPDATE] = "published as an update",
    [ND_SEEN_DUP] = "dropped: a duplicate",
    [ND_SEEN_NEAR] = "dropped: a near-duplicate",
    [ND_SEEN_MARKED] = "published, marked as a near-duplicate",
};

struct rowcopy {
    int found;
    int64_t row, ts, cluster, seq;
    char id[33];
    char source[128];
    char why[200];
    enum nd_seen_verdict verdict;
};

static int copy_row(void *arg, const struct nd_seen_row *r)
{
    static const char hex[] = "0123456789abcdef";
    struct rowcopy *c = arg;

    c->found = 1;
    c->row = r->row;
    c->ts = r->ts;
    c->cluster = r->cluster;
    c->seq = r->seq;
    c->verdict = r->verdict;
    for (int i = 0; i < 16; i++) {
        c->id[2 * i] = hex[r->id[i] >> 4];
        c->id[2 * i + 1] = hex[r->id[i] & 15];
    }
    c->id[32] = '\0';
    snprintf(c->source, sizeof(c->source), "%s", r->source ? r->source : "");
    snprintf(c->why, sizeof(c->why), "%s", r->why ? r->why : "");
    return 0;
}

/* The title of the message journaled under seq, or NULL. */
static json_t *title_of(struct nd_store *st, int64_t seq)
{
    json_t *j, *t = NULL;
    char *json;

    if (seq <= 0 || nd_store_journal_get(st, seq, &json) != ND_OK)
        return json_null();
    j = json_loads(json, 0, NULL);
    free(json);
    if (j)
        t = json_incref(json_object_get(j, "title"));
    json_decref(j);
    return t ? t : json_null();
}

static json_t *time_of(int64_t t)
{
    char buf[32];

    nd_time_rfc3339(t, buf);
    return json_string(buf);
}

/* An article of the seen log as explain shows it. */
static json_t *describe(struct nd_store *st, const struct rowcopy *c)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "id", c->id, "source", c->source,
                     "seen", time_of(c->ts), "seq", c->seq ? json_integer(c->seq) : json_null(),
                     "title", title_of(st, c->seq), "verdict", verdicts[c->verdict], "why",
                     c->why[0] ? json_string(c->why) : json_null());
}

static json_t *explain_row(struct nd_store *st, int64_t row, char *err, size_t errlen)
{
    struct rowcopy c = {0}, first = {0};
    json_t *out;

    if (nd_store_seen_get(st, row, copy_row, &c) != ND_OK || !c.found) {
        snprintf(err, errlen, "store: %s", nd_store_errmsg(st));
        return NULL;
    }
    out = json_pack("{s:b, s:b, s:o}", "ok", 1, "known", 1, "article", describe(st, &c));
    if (c.cluster != c.row && nd_store_seen_get(st, c.cluster, copy_row, &first) == ND_OK &&
        first.found)
        json_object_set_new(out, "first", describe(st, &first));
    else
        json_object_set_new(out, "first", json_null());
    return out;
}

/* What would happen to an article that comes with the request. */
static json_t *explain_item(const struct nd_dedupe *d, struct nd_store *st,
                            const struct nd_request_item *it, char *err, size_t errlen)
{
    static const char *const would[] = {
        [ND_SEEN_NEW] = "would be published",
        [ND_SEEN_UPDATE] = "would be published as an update",
        [ND_SEEN_DUP] = "would be dropped: a duplicate",
        [ND_SEEN_NEAR] = "would be dropped: a near-duplicate",
        [ND_SEEN_MARKED] = "would be published, marked as a near-duplicate",
    };
    struct nd_near_sig *sig = NULL;
    struct nd_article a;
    struct nd_candidate c;
    struct nd_dedupe_verdict v;
    struct rowcopy first = {0};
    json_t *out;

    if (it->sig && nd_near_sig_unpack(it->sig, it->sig_len, &sig) != ND_OK) {
        snprintf(err, errlen, "the item's signature cannot be read (another newsd version?)");
        return NULL;
    }
    memset(&a, 0, sizeof(a));
    snprintf(a.id, sizeof(a.id), "%s", it->id);
    a.title = it->title ? it->title : (char *)"";
    a.content_text = it->text ? it->text : (char *)"";
    a.url = it->url;
    a.guid = it->guid;
    a.updated = it->updated;
    a.text_hash = it->text_hash;
    c = (struct nd_candidate){&a, sig, it->source ? it->source : "", NULL};
    nd_dedupe_check(d, &c, &v);
    nd_near_sig_free(sig);
    out = json_pack("{s:b, s:b, s:s, s:o}", "ok", 1, "known", 0, "verdict", would[v.verdict], "why",
                    v.why[0] ? json_string(v.why) : json_null());
    if (v.cluster && nd_store_seen_get(st, v.cluster, copy_row, &first) == ND_OK && first.found)
        json_object_set_new(out, "first", describe(st, &first));
    else
        json_object_set_new(out, "first", json_null());
    return out;
}

/* An article a filter dropped (it has no seen row). */
static json_t *explain_drop(const struct nd_filter_drop *f)
{
    json_t *a = json_pack("{s:s, s:s, s:o, s:n, s:s, s:s, s:s}", "id", f->id, "source", f->source,
                          "seen", time_of(f->seen), "seq", "title", f->title, "verdict",
                          "dropped by a filter", "why", f->why);

    return json_pack("{s:b, s:b, s:o, s:n}", "ok", 1, "known", 1, "article", a, "first");
}

json_t *nd_explain(const struct nd_dedupe *d, struct nd_store *st,
                   const struct nd_filter_memo *filtered, const struct nd_request *req, char *err,
                   size_t errlen)
{
    const struct nd_filter_drop *drop;
    int64_t row = 0;
    char *canon = NULL;

    if (req->item)
        return explain_item(d, st, req->item, err, errlen);
    if (req->id) {
        row = nd_dedupe_lookup(d, nd_key("i", req->id, NULL));
    } else {
        canon = nd_url_canonical(req->url);
        row = nd_dedupe_lookup(d, nd_key("u", canon ? canon : req->url, NULL));
    }
    drop = row ? NULL : nd_filter_memo_find(filtered, req->id, canon ? canon : req->url);
    free(canon);
    if (drop)
        return explain_drop(drop);
    if (row == 0)
        return json_pack("{s:b, s:b, s:s, s:s}", "ok", 1, "known", 0, "verdict", "not seen", "why",
                         req->id ? "no article with this id is remembered"
                                 : "no article with this URL is remembered: it would be "
                                   "published unless its text matches an earlier one "
                                   "(explain --text FILE tests a document)");
    return explain_row(st, row, err, errlen);
}
