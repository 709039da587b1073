/*
 * dedupe.c: the dedupe index in memory: exact keys, guid versions, the
 * seen rows and the near-duplicate index, rebuilt from the seen log.
 *
 * Keys are 64-bit hashes already, so the tables are open addressing on the
 * low bits with linear probing; nothing is ever deleted from them but by a
 * rebuild (after a prune, rows below the first live row simply miss).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "newsd/dedupe.h"

#define SHARED_URL_SCORE    0.35 /* a URL whose earlier article scores below this is shared */
#define SHARED_URL_SHINGLES 30   /* ... when both texts have at least this many shingles */

/* An open-addressing table from nonzero 64-bit keys to fixed-size values. */
struct map {
    uint64_t *keys;
    uint8_t *vals;
    size_t vsize, cap, n;
};

struct version {
    uint32_t row;
    uint64_t vhash;
    int64_t updated;
};

struct rowinfo {
    uint8_t id[16];
    uint32_t cluster; /* row of the first copy */
};

struct nd_dedupe {
    struct nd_dedupe_opts o;
    struct map keys;      /* key -> uint32_t row */
    struct map versions;  /* (source, guid) key -> struct version */
    struct rowinfo *rows; /* rows[row - base] */
    size_t n_rows, cap_rows;
    int64_t base; /* the row rows[0] holds */
    struct nd_near_index *near;
};

static void map_init(struct map *m, size_t vsize)
{
    memset(m, 0, sizeof(*m));
    m->vsize = vsize;
}

static void map_free(struct map *m)
{
    free(m->keys);
    free(m->vals);
    map_init(m, m->vsize);
}

static void *map_get(const struct map *m, uint64_t k)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = k & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k)
            return m->vals + i * m->vsize;
        if (m->keys[i] == 0)
            return NULL;
    }
}

static void *map_put(struct map *m, uint64_t k);

static void map_grow(struct map *m)
{
    struct map old = *m;

    m->cap = old.cap ? old.cap * 2 : 1024;
    m->keys = xcalloc(m->cap, sizeof(*m->keys));
    m->vals = xmalloc(m->cap * m->vsize);
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            memcpy(map_put(m, old.keys[i]), old.vals + i * m->vsize, m->vsize);
    free(old.keys);
    free(old.vals);
}

/* The value slot of k, made (zeroed) when k is new. */
static void *map_put(struct map *m, uint64_t k)
{
    size_t i;

    if ((m->n + 1) * 4 > m->cap * 3)
        map_grow(m);
    for (i = k & (m->cap - 1); m->keys[i] != 0 && m->keys[i] != k; i = (i + 1) & (m->cap - 1))
        ;
    if (m->keys[i] == 0) {
        m->keys[i] = k;
        memset(m->vals + i * m->vsize, 0, m->vsize);
        m->n++;
    }
    return m->vals + i * m->vsize;
}

struct nd_dedupe *nd_dedupe_new(const struct nd_dedupe_opts *o)
{
    struct nd_dedupe *d = xcalloc(1, sizeof(*d));

    d->o = *o;
    map_init(&d->keys, sizeof(uint32_t));
    map_init(&d->versions, sizeof(struct version));
    d->near = nd_near_index_new();
    d->base = 1;
    return d;
}

static void reset(struct nd_dedupe *d)
{
    map_free(&d->keys);
    map_free(&d->versions);
    free(d->rows);
    d->rows = NULL;
    d->n_rows = d->cap_rows = 0;
    nd_near_index_free(d->near);
    d->near = nd_near_index_new();
}

void nd_dedupe_free(struct nd_dedupe *d)
{
    if (d == NULL)
        return;
    reset(d);
    nd_near_index_free(d->near);
    free(d);
}

void nd_dedupe_set_opts(struct nd_dedupe *d, const struct nd_dedupe_opts *o)
{
    d->o = *o;
}

struct nd_near_index *nd_dedupe_near(struct nd_dedupe *d)
{
    return d->near;
}

static const struct rowinfo *row_info(const struct nd_dedupe *d, int64_t row)
{
    if (row < d->base || row >= d->base + (int64_t)d->n_rows)
        return NULL;
    return &d->rows[row - d->base];
}

/* The live row a key points to, or 0. */
int64_t nd_dedupe_lookup(const struct nd_dedupe *d, uint64_t key)
{
    const uint32_t *row = key ? map_get(&d->keys, key) : NULL;

    return row && row_info(d, *row) ? (int64_t)*row : 0;
}

int64_t nd_dedupe_cluster_of(const struct nd_dedupe *d, int64_t row)
{
    const struct rowinfo *r = row_info(d, row);

    return r ? (int64_t)r->cluster : 0;
}

static void hex_id(const uint8_t id[16], char out[33])
{
    static const char hex[] = "0123456789abcdef";

    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    out[32] = '\0';
}

uint64_t nd_dedupe_guid_key(const char *source_id, const struct nd_article *a)
{
    return nd_str_empty(a->guid) ? 0 : nd_key("g", source_id, a->guid);
}

uint64_t nd_dedupe_version_hash(const struct nd_article *a)
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

/* Set the matched row, its cluster and the cluster's id. */
static void matched(const struct nd_dedupe *d, struct nd_dedupe_verdict *v, int64_t row)
{
    const struct rowinfo *r = row_info(d, row), *c;

    v->row = row;
    v->cluster = r ? r->cluster : row;
    c = row_info(d, v->cluster);
    if (c)
        hex_id(c->id, v->cluster_id);
}

/* Keep the keys of the article that the index does not know. */
static void new_keys(const struct nd_dedupe *d, struct nd_dedupe_verdict *v, const uint64_t *keys,
                     size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (keys[i] && nd_dedupe_lookup(d, keys[i]) == 0 && v->n_keys < ND_DEDUPE_MAX_KEYS)
            v->keys[v->n_keys++] = keys[i];
}

/*
 * Is the URL that matched `row` no identity: is the earlier article behind
 * it clearly another story than this one (a podcast's items all linking to
 * its page, a section page given as every item's link)?  Only two texts
 * of some length say so: an aggregator's one-line blurb under the URL of
 * an article is that article.  Without both texts, the URL stands.
 */
static int url_is_shared(const struct nd_dedupe *d, const struct nd_candidate *c, int64_t row)
{
    struct nd_near_sig *old = NULL;
    struct nd_near_match m;
    int shared = 0;

    if (c->sig == NULL || nd_near_sig_shingles(c->sig) < SHARED_URL_SHINGLES)
        return 0;
    if (nd_near_index_get(d->near, (uint64_t)row, &old) != ND_OK &&
        nd_near_index_get(d->near, (uint64_t)nd_dedupe_cluster_of(d, row), &old) != ND_OK)
        return 0;
    if (nd_near_sig_shingles(old) >= SHARED_URL_SHINGLES) {
        nd_near_compare(c->sig, old, &m);
        shared = m.verdict == ND_NEAR_NEW && m.score < SHARED_URL_SCORE;
    }
    nd_near_sig_free(old);
    return shared;
}

static int is_home(const char *url, const char *home)
{
    const char *p;

    if (home && strcmp(url, home) == 0)
        return 1;
    /* a site's root: scheme://host[:port]/ with nothing after */
    p = strstr(url, "://");
    if (p == NULL)
        return 0;
    p = strchr(p + 3, '/');
    return p == NULL || (p[1] == '\0');
}

static void near_check(const struct nd_dedupe *d, const struct nd_candidate *c,
                       struct nd_dedupe_verdict *v)
{
    struct nd_near_match m;

    if (d->o.mode == ND_NEAR_OFF || c->sig == NULL || nd_near_sig_empty(c->sig))
        return;
    nd_near_index_query(d->near, c->sig, c->source_id, &m);
    if (m.verdict == ND_NEAR_DUP && row_info(d, (int64_t)m.ref)) {
        v->verdict = d->o.mode == ND_NEAR_MARK ? ND_SEEN_MARKED : ND_SEEN_NEAR;
        matched(d, v, (int64_t)m.ref);
        v->score = m.score;
        v->threshold = m.threshold;
        v->measure = m.measure;
        snprintf(v->why, sizeof(v->why), "%s %.2f >= %.2f: %s", m.measure, m.score, m.threshold,
                 m.reason);
    } else if (m.has_nearest) {
        v->score = m.nearest_score;
        v->threshold = m.threshold;
        v->measure = m.measure;
        snprintf(v->why, sizeof(v->why), "nearest row %" PRIu64 ": %s %.2f < %.2f: %s",
                 m.nearest_ref, m.measure, m.nearest_score, m.threshold, m.reason);
    }
}

void nd_dedupe_check(const struct nd_dedupe *d, const struct nd_candidate *c,
                     struct nd_dedupe_verdict *v)
{
    const struct nd_article *a = c->a;
    uint64_t g = nd_dedupe_guid_key(c->source_id, a), u = 0, t = 0, k[4];
    int url_no_id = 0;
    const struct version *ver;
    char hex[17];
    int64_t row;

    memset(v, 0, sizeof(*v));
    v->verdict = ND_SEEN_NEW;
    v->vkey = g;
    v->vhash = nd_dedupe_version_hash(a);
    if (!nd_str_empty(a->url) && !a->url_shared) {
        if (!is_home(a->url, c->home))
            u = nd_key("u", a->url, NULL);
        else
            url_no_id = 1;
    }
    if (a->text_hash) {
        snprintf(hex, sizeof(hex), "%016" PRIx64, a->text_hash);
        t = nd_key("t", hex, NULL);
    }
    if (url_no_id) /* the id the article would have had without its URL */
        nd_article_id_without_url(a, c->source_id, v->own_id);
    k[0] = g, k[1] = u, k[2] = t, k[3] = nd_key("i", v->own_id[0] ? v->own_id : a->id, NULL);

    /* 1. the source's own guid: the same item, maybe a new version of it */
    if (g && (row = nd_dedupe_lookup(d, g)) != 0) {
        ver = map_get(&d->versions, g);
        if (ver && row_info(d, ver->row) && ver->vhash != v->vhash && a->updated != ND_TIME_NONE &&
            (ver->updated == ND_TIME_NONE || a->updated > ver->updated)) {
            const struct rowinfo *first = row_info(d, ver->row);
            v->verdict = ND_SEEN_UPDATE;
            matched(d, v, ver->row);
            hex_id(first->id, v->cluster_id); /* the same article: its id stays */
            snprintf(v->why, sizeof(v->why), "guid: a new version (text changed, updated later)");
            new_keys(d, v, k + 1, 2);
            return;
        }
        v->verdict = ND_SEEN_DUP;
        v->repeat = 1; /* a repeated sighting adds nothing */
        matched(d, v, row);
        snprintf(v->why, sizeof(v->why), "guid");
        return;
    }
    /* 2. the canonical URL, when it names one story */
    if (u && (row = nd_dedupe_lookup(d, u)) != 0) {
        if (!url_is_shared(d, c, row)) {
            v->verdict = ND_SEEN_DUP;
            matched(d, v, row);
            snprintf(v->why, sizeof(v->why), "url");
            new_keys(d, v, k, 4);
            v->repeat = v->n_keys == 0;
            return;
        }
        k[1] = 0; /* several stories share it: it identifies none of them */
        nd_article_id_without_url(a, c->source_id, v->own_id);
        k[3] = nd_key("i", v->own_id, NULL);
    }
    /* 3. the same title and text */
    if (t && (row = nd_dedupe_lookup(d, t)) != 0) {
        v->verdict = ND_SEEN_DUP;
        matched(d, v, row);
        snprintf(v->why, sizeof(v->why), "text");
        new_keys(d, v, k, 4);
        v->repeat = v->n_keys == 0;
        return;
    }
    /* 4. a near-duplicate */
    near_check(d, c, v);
    new_keys(d, v, k, 4);
}

static void add_row(struct nd_dedupe *d, const struct nd_seen_row *r)
{
    struct rowinfo *ri;

    if (d->n_rows == 0)
        d->base = r->row;
    if (r->row != d->base + (int64_t)d->n_rows)
        return; /* out of order: cannot happen with the store's numbering */
    if (d->n_rows == d->cap_rows) {
        d->cap_rows = d->cap_rows ? d->cap_rows * 2 : 1024;
        d->rows = xrealloc(d->rows, d->cap_rows * sizeof(*d->rows));
    }
    ri = &d->rows[d->n_rows++];
    memcpy(ri->id, r->id, 16);
    ri->cluster = (uint32_t)(r->cluster ? r->cluster : r->row);
}

void nd_dedupe_learn(struct nd_dedupe *d, const struct nd_seen_row *r,
                     const struct nd_near_sig *sig)
{
    add_row(d, r);
    for (size_t i = 0; i < r->n_keys; i++) {
        uint32_t *row = map_put(&d->keys, r->keys[i]);
        if (*row == 0 || !row_info(d, *row))
            *row = (uint32_t)r->row;
    }
    if (r->vkey) {
        struct version *v = map_put(&d->versions, r->vkey);
        v->row = (uint32_t)r->row;
        v->vhash = r->vhash;
        v->updated = r->vupdated;
    }
    if (sig)
        nd_near_index_add(d->near, sig, (uint64_t)r->row, r->source ? r->source : "", r->ts);
}

struct loader {
    struct nd_dedupe *d;
};

static int load_row(void *arg, const struct nd_seen_row *r)
{
    struct nd_dedupe *d = arg;
    struct nd_near_sig *sig = NULL;

    if (r->near && nd_near_sig_unpack(r->near, r->near_len, &sig) != ND_OK)
        sig = NULL; /* a row this version cannot read is compared by its keys only */
    nd_dedupe_learn(d, r, sig);
    nd_near_sig_free(sig);
    return 0;
}

int nd_dedupe_load(struct nd_dedupe *d, struct nd_store *st, int64_t now)
{
    reset(d);
    d->base = nd_store_seen_first(st);
    return nd_store_seen_scan(st, now - d->o.window, load_row, d);
}

void nd_dedupe_forget(struct nd_dedupe *d, int64_t first_row, int64_t near_before)
{
    struct map keys, versions;

    nd_near_index_expire(d->near, near_before);
    if (first_row <= d->base)
        return;
    if (first_row >= d->base + (int64_t)d->n_rows) {
        d->n_rows = 0;
    } else {
        size_t drop = (size_t)(first_row - d->base);
        memmove(d->rows, d->rows + drop, (d->n_rows - drop) * sizeof(*d->rows));
        d->n_rows -= drop;
    }
    d->base = first_row;
    /* the tables keep only what points at live rows */
    map_init(&keys, d->keys.vsize);
    map_init(&versions, d->versions.vsize);
    for (size_t i = 0; i < d->keys.cap; i++) {
        uint32_t row;
        memcpy(&row, d->keys.vals + i * d->keys.vsize, sizeof(row));
        if (d->keys.keys[i] && row_info(d, row))
            memcpy(map_put(&keys, d->keys.keys[i]), &row, sizeof(row));
    }
    for (size_t i = 0; i < d->versions.cap; i++) {
        struct version v;
        memcpy(&v, d->versions.vals + i * d->versions.vsize, sizeof(v));
        if (d->versions.keys[i] && row_info(d, v.row))
            memcpy(map_put(&versions, d->versions.keys[i]), &v, sizeof(v));
    }
    map_free(&d->keys);
    map_free(&d->versions);
    d->keys = keys;
    d->versions = versions;
}

size_t nd_dedupe_rows(const struct nd_dedupe *d)
{
    return d->n_rows;
}

size_t nd_dedupe_bytes(const struct nd_dedupe *d)
{
    return d->cap_rows * sizeof(*d->rows) + d->keys.cap * (8 + d->keys.vsize) +
           d->versions.cap * (8 + d->versions.vsize) + nd_near_index_bytes(d->near);
}
