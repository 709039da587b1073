/*
 * near_index.c: the near-duplicate index (near.h): entries, posting lists,
 * per-source boilerplate models.  Comparison and verdict: near_score.c.
 */
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "near_index.h"
#include "newsd/util.h"

#define POSTING_MAX   32 /* entries per posting list; the oldest goes first */
#define SAMPLE_KEYS   12 /* smallest shingle hashes posted per entry */
#define UNIT_KEYS     3  /* leading units posted per entry */
#define KEY_SAMPLE    1  /* kinds of posting key */
#define KEY_UNIT      2
#define KEY_TITLE     3
#define EMPTY_KEY     0u
#define TOMBSTONE_KEY 1u

/* --- a uint32 -> uint32 hash map (open addressing, linear probing) ---------------------- */

static uint32_t mkey(uint32_t k)
{
    return k < 2 ? k + 2 : k; /* 0 and 1 mark empty and removed slots */
}

static size_t slot_of(uint32_t k, size_t cap)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static void map_grow(struct near_map *m, size_t cap);

uint32_t *near_map_get(const struct near_map *m, uint32_t k)
{
    if (m->cap == 0)
        return NULL;
    k = mkey(k);
    for (size_t i = slot_of(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k)
            return &m->vals[i];
        if (m->keys[i] == EMPTY_KEY)
            return NULL;
    }
}

/* The value slot for k, made (with value 0) when missing. */
uint32_t *near_map_put(struct near_map *m, uint32_t k)
{
    size_t tomb = SIZE_MAX;

    if ((m->used + 1) * 4 >= m->cap * 3)
        map_grow(m, m->live * 2 + 1 > m->cap / 2 ? (m->cap ? m->cap * 2 : 64) : m->cap);
    k = mkey(k);
    for (size_t i = slot_of(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k)
            return &m->vals[i];
        if (m->keys[i] == TOMBSTONE_KEY && tomb == SIZE_MAX)
            tomb = i;
        if (m->keys[i] == EMPTY_KEY) {
            if (tomb != SIZE_MAX)
                i = tomb;
            else
                m->used++;
            m->keys[i] = k;
            m->vals[i] = 0;
            m->live++;
            return &m->vals[i];
        }
    }
}

void near_map_del(struct near_map *m, uint32_t k)
{
    uint32_t *v = near_map_get(m, k);

    if (v == NULL)
        return;
    m->keys[v - m->vals] = TOMBSTONE_KEY;
    m->live--;
}

static void map_grow(struct near_map *m, size_t cap)
{
    struct near_map n = {xcalloc(cap, sizeof(uint32_t)), xcalloc(cap, sizeof(uint32_t)), cap, 0, 0};

    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] > TOMBSTONE_KEY)
            *near_map_put(&n, m->keys[i]) = m->vals[i];
    free(m->keys);
    free(m->vals);
    *m = n;
}

void near_map_free(struct near_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* --- posting lists ----------------------------------------------------------------------- */

static uint32_t post_key(int kind, uint32_t v)
{
    uint64_t x = ((uint64_t)kind << 32) | v;
    return (uint32_t)XXH3_64bits(&x, sizeof(x)); /* hashes the host's bytes: in memory only */
}

/* A posting of one entry is kept in the map's value itself: SINGLE | slot. */
#define SINGLE 0x80000000u

static uint32_t list_new(struct nd_near_index *ix)
{
    uint32_t li;

    if (ix->nfree_lists > 0) {
        li = ix->free_lists[--ix->nfree_lists];
    } else {
        if (ix->nlists + 1 >= ix->lists_cap) {
            ix->lists_cap = ix->lists_cap ? ix->lists_cap * 2 : 1024;
            ix->lists = xrealloc(ix->lists, ix->lists_cap * sizeof(*ix->lists));
        }
        li = (uint32_t)++ix->nlists;
    }
    memset(&ix->lists[li], 0, sizeof(ix->lists[li]));
    return li;
}

static void list_free(struct nd_near_index *ix, uint32_t li)
{
    free(ix->lists[li].slots);
    memset(&ix->lists[li], 0, sizeof(ix->lists[li]));
    if (ix->nfree_lists == ix->free_lists_cap) {
        ix->free_lists_cap = ix->free_lists_cap ? ix->free_lists_cap * 2 : 256;
        ix->free_lists = xrealloc(ix->free_lists, ix->free_lists_cap * sizeof(uint32_t));
    }
    ix->free_lists[ix->nfree_lists++] = li;
}

static void list_push(struct near_plist *pl, uint32_t slot)
{
    for (unsigned i = 0; i < pl->n; i++)
        if (pl->slots[i] == slot)
            return;
    if (pl->n == POSTING_MAX) { /* drop the oldest */
        memmove(pl->slots, pl->slots + 1, (POSTING_MAX - 1) * sizeof(*pl->slots));
        pl->n--;
    }
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 2;
        pl->slots = xrealloc(pl->slots, pl->cap * sizeof(*pl->slots));
    }
    pl->slots[pl->n++] = slot;
}

static void post_add(struct nd_near_index *ix, uint32_t key, uint32_t slot)
{
    uint32_t *v = near_map_put(&ix->posting_of, key);
    uint32_t li;

    if (*v == 0) {
        *v = SINGLE | slot;
        return;
    }
    if (*v & SINGLE) {
        uint32_t old = *v & ~SINGLE;
        if (old == slot)
            return;
        li = list_new(ix);
        list_push(&ix->lists[li], old);
        *v = li;
    }
    list_push(&ix->lists[*v], slot);
}

static void post_del(struct nd_near_index *ix, uint32_t key, uint32_t slot)
{
    uint32_t *v = near_map_get(&ix->posting_of, key);
    struct near_plist *pl;

    if (v == NULL)
        return;
    if (*v & SINGLE) {
        if ((*v & ~SINGLE) == slot)
            near_map_del(&ix->posting_of, key);
        return;
    }
    pl = &ix->lists[*v];
    for (unsigned i = 0; i < pl->n; i++) {
        if (pl->slots[i] == slot) {
            memmove(pl->slots + i, pl->slots + i + 1, (pl->n - i - 1) * sizeof(*pl->slots));
            pl->n--;
            break;
        }
    }
    if (pl->n == 1) { /* back to a single posting */
        uint32_t last = pl->slots[0];
        list_free(ix, *v);
        *v = SINGLE | last;
    } else if (pl->n == 0) {
        list_free(ix, *v);
        near_map_del(&ix->posting_of, key);
    }
}

/* The entries posted under key: *n of them at the returned array (oldest first). */
const uint32_t *near_postings(const struct nd_near_index *ix, uint32_t key, uint32_t *one,
                              unsigned *n)
{
    const uint32_t *v = near_map_get(&ix->posting_of, key);

    *n = 0;
    if (v == NULL)
        return NULL;
    if (*v & SINGLE) {
        *one = *v & ~SINGLE;
        *n = 1;
        return one;
    }
    *n = ix->lists[*v].n;
    return ix->lists[*v].slots;
}

/*
 * The posting keys of a view: its smallest shingle hashes, its first units of
 * six words or more, and, for a title-only item, its title words.  Returns
 * the number written to keys (room for near_view_max_keys).
 */
size_t near_view_keys(const struct near_view *v, uint32_t *keys)
{
    size_t n = 0;

    for (unsigned i = 0; i < v->nels && i < SAMPLE_KEYS; i++)
        if (v->vals[i] <= v->tau)
            keys[n++] = post_key(KEY_SAMPLE, v->vals[i]);
    for (unsigned i = 0; i < v->nlead_units && i < UNIT_KEYS; i++)
        keys[n++] = post_key(KEY_UNIT, v->lead_units[i]);
    if (v->n < NEAR_MIN_TEXT)
        for (unsigned i = 0; i < v->ntitle; i++)
            keys[n++] = post_key(KEY_TITLE, v->title[i].h);
    return n;
}

/* --- per-source boilerplate models ------------------------------------------------------ */

static struct near_model *model_find(const struct nd_near_index *ix, const char *source)
{
    uint32_t h = (uint32_t)XXH3_64bits(source, strlen(source));

    for (;; h++) {
        const uint32_t *i = near_map_get(&ix->model_of, h);
        if (i == NULL)
            return NULL;
        if (strcmp(ix->models[*i]->source, source) == 0)
            return ix->models[*i];
    }
}

static struct near_model *model_get(struct nd_near_index *ix, const char *source)
{
    struct near_model *m = model_find(ix, source);
    uint32_t h = (uint32_t)XXH3_64bits(source, strlen(source));

    if (m)
        return m;
    while (near_map_get(&ix->model_of, h))
        h++;
    if (ix->nmodels == ix->models_cap) {
        ix->models_cap = ix->models_cap ? ix->models_cap * 2 : 16;
        ix->models = xrealloc(ix->models, ix->models_cap * sizeof(*ix->models));
    }
    m = xcalloc(1, sizeof(*m));
    m->source = xstrdup(source);
    ix->models[ix->nmodels] = m;
    *near_map_put(&ix->model_of, h) = (uint32_t)ix->nmodels++;
    return m;
}

static int cmp_el(const void *a, const void *b)
{
    const struct near_el *x = a, *y = b;

    return x->v < y->v ? -1 : x->v > y->v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static unsigned distinct_units(const struct nd_near_sig *sig, uint32_t *out);

/* Teach the model the units of one more item (the oldest it remembers is forgotten). */
static void model_learn(struct near_model *m, const struct nd_near_sig *sig)
{
    struct near_recent *r = &m->recent[m->head];
    unsigned n = 0;

    if (m->count == ND_NEAR_HISTORY) {
        for (unsigned i = 0; i < r->n; i++) {
            uint32_t *c = near_map_get(&m->seen, r->hashes[i]);
            if (c && --*c == 0)
                near_map_del(&m->seen, r->hashes[i]);
        }
    } else {
        m->count++;
    }
    r->hashes = xrealloc(r->hashes, (sig->nunits ? sig->nunits : 1) * sizeof(uint32_t));
    n = distinct_units(sig, r->hashes);
    r->n = n;
    for (unsigned i = 0; i < n; i++)
        ++*near_map_put(&m->seen, r->hashes[i]);
    m->head = (m->head + 1) % ND_NEAR_HISTORY;
}

static void model_free(struct near_model *m)
{
    for (unsigned i = 0; i < ND_NEAR_HISTORY; i++)
        free(m->recent[i].hashes);
    near_map_free(&m->seen);
    free(m->source);
    free(m);
}

/*
 * Which units of sig are boilerplate (drop[i] = 1): seen in ND_NEAR_BOILER_MIN
 * of the source's recent items, or of the other items of the current document.
 */
static void find_boiler(const struct nd_near_index *ix, const struct near_model *m,
                        const struct nd_near_sig *sig, uint8_t *drop)
{
    int in_doc = 0;

    memset(drop, 0, ND_NEAR_MAX_UNITS);
    for (size_t k = 0; k < ix->ndoc && !in_doc; k++)
        in_doc = ix->doc[k] == sig;
    for (unsigned i = 0; i < sig->nunits; i++) {
        const uint32_t *c = m ? near_map_get(&m->seen, sig->units[i].hash) : NULL;
        const uint32_t *d = ix->ndoc ? near_map_get(&ix->doc_units, sig->units[i].hash) : NULL;
        uint32_t others = d ? *d - (uint32_t)in_doc : 0;
        drop[i] = (c && *c >= ND_NEAR_BOILER_MIN) || others >= ND_NEAR_BOILER_MIN;
    }
}

/* Distinct unit hashes of sig into out (room for nunits); returns how many. */
static unsigned distinct_units(const struct nd_near_sig *sig, uint32_t *out)
{
    unsigned n = 0;

    for (unsigned i = 0; i < sig->nunits; i++)
        out[i] = sig->units[i].hash;
    qsort(out, sig->nunits, sizeof(uint32_t), cmp_u32);
    for (unsigned i = 0; i < sig->nunits; i++)
        if (i == 0 || out[i] != out[i - 1])
            out[n++] = out[i];
    return n;
}

void nd_near_index_document(struct nd_near_index *ix, const struct nd_near_sig *const *sigs,
                            size_t n)
{
    uint32_t hashes[ND_NEAR_MAX_UNITS];

    near_map_free(&ix->doc_units);
    ix->doc = n ? sigs : NULL;
    ix->ndoc = n;
    for (size_t k = 0; k < n; k++) {
        unsigned d = distinct_units(sigs[k], hashes);
        for (unsigned i = 0; i < d; i++)
            ++*near_map_put(&ix->doc_units, hashes[i]);
    }
}

/* --- views: a signature without its source's boilerplate -------------------------------- */

struct near_view *near_view_make(const struct nd_near_index *ix, const struct nd_near_sig *sig,
                                 const char *source)
{
    uint8_t drop[ND_NEAR_MAX_UNITS];
    struct near_view *v;
    struct near_el tmp[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    unsigned nels = 0, nkeys = 0;
    size_t bytes;
    char *p;

    find_boiler(ix, model_find(ix, source ? source : ""), sig, drop);
    for (unsigned i = 0; i < (unsigned)sig->nlead + sig->nextra; i++)
        if (!drop[sig->els[i].unit])
            tmp[nels++] = sig->els[i];
    for (unsigned i = 0; i < sig->nkeys; i++)
        if (!drop[sig->keys[i].unit])
            nkeys++;
    bytes = sizeof(*v) + nels * (sizeof(uint32_t) + sizeof(uint16_t)) +
            nkeys * sizeof(struct near_key) + sig->ntitle * sizeof(struct near_tword);
    v = xcalloc(1, bytes);
    p = (char *)(v + 1);
    v->vals = (uint32_t *)p;
    p += nels * sizeof(uint32_t);
    v->keys = (struct near_key *)p;
    p += nkeys * sizeof(struct near_key);
    v->meta = (uint16_t *)p;
    p += nels * sizeof(uint16_t);
    v->title = (struct near_tword *)p;
    v->tau = sig->tau;
    v->nunits = sig->nunits;
    for (unsigned i = 0; i < sig->nunits; i++) {
        if (drop[i])
            continue;
        unsigned nsh = sig->units[i].nsh & ~NEAR_UNIT_CUE;
        v->n += nsh;
        if (sig->units[i].nsh & NEAR_UNIT_CUE)
            v->cue[i / 8] |= (uint8_t)(1u << (i % 8));
        if (nsh >= 2 && v->nlead_units < NEAR_LEAD_UNITS)
            v->lead_units[v->nlead_units++] = sig->units[i].hash;
    }
    /* elements sorted by hash, each with its unit and whether it is in the lead: the kept
     * lead (text order) is sorted, then merged with the kept extras (already ascending) */
    {
        unsigned nl = 0, i = 0, j;
        for (unsigned k = 0; k < sig->nlead; k++)
            if (!drop[sig->els[k].unit])
                nl++;
        qsort(tmp, nl, sizeof(*tmp), cmp_el);
        j = nl;
        while (i < nl || j < nels) {
            int from_lead = j >= nels || (i < nl && tmp[i].v < tmp[j].v);
            const struct near_el *e = from_lead ? &tmp[i++] : &tmp[j++];
            v->vals[v->nels] = e->v;
            v->meta[v->nels] = (uint16_t)(e->unit | (from_lead ? NEAR_META_LEAD : 0));
            v->nels++;
        }
    }
    for (unsigned i = 0; i < sig->nkeys; i++)
        if (!drop[sig->keys[i].unit])
            v->keys[v->nkeys++] = sig->keys[i];
    memcpy(v->title, sig->title, sig->ntitle * sizeof(*sig->title));
    v->ntitle = sig->ntitle;
    v->bytes = bytes;
    return v;
}

/* --- the index ---------------------------------------------------------------------------- */

struct nd_near_index *nd_near_index_new(void)
{
    struct nd_near_index *ix = xcalloc(1, sizeof(*ix));

    return ix;
}

void nd_near_index_free(struct nd_near_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->nslots; i++)
        free(ix->slots[i].view);
    for (size_t i = 1; i <= ix->nlists; i++)
        free(ix->lists[i].slots);
    for (size_t i = 0; i < ix->nmodels; i++)
        model_free(ix->models[i]);
    free(ix->slots);
    free(ix->free_slots);
    free(ix->lists);
    free(ix->free_lists);
    free(ix->models);
    near_map_free(&ix->posting_of);
    near_map_free(&ix->model_of);
    near_map_free(&ix->doc_units);
    free(ix);
}

void nd_near_index_add(struct nd_near_index *ix, const struct nd_near_sig *sig, uint64_t ref,
                       const char *source, int64_t time)
{
    uint32_t keys[NEAR_MAX_POST_KEYS];
    struct near_view *v;
    uint32_t slot;
    size_t nk;

    if (source == NULL)
        source = "";
    v = near_view_make(ix, sig, source);
    model_learn(model_get(ix, source), sig);
    if (ix->nfree_slots > 0) {
        slot = ix->free_slots[--ix->nfree_slots];
    } else {
        if (ix->nslots == ix->slots_cap) {
            ix->slots_cap = ix->slots_cap ? ix->slots_cap * 2 : 1024;
            ix->slots = xrealloc(ix->slots, ix->slots_cap * sizeof(*ix->slots));
        }
        slot = (uint32_t)ix->nslots++;
    }
    ix->slots[slot].view = v;
    ix->slots[slot].ref = ref;
    ix->slots[slot].time = time;
    ix->count++;
    ix->view_bytes += v->bytes;
    nk = near_view_keys(v, keys);
    for (size_t i = 0; i < nk; i++)
        post_add(ix, keys[i], slot);
}

size_t nd_near_index_expire(struct nd_near_index *ix, int64_t before)
{
    uint32_t keys[NEAR_MAX_POST_KEYS];
    size_t removed = 0;

    for (size_t s = 0; s < ix->nslots; s++) {
        struct near_slot *e = &ix->slots[s];
        size_t nk;
        if (e->view == NULL || e->time >= before)
            continue;
        nk = near_view_keys(e->view, keys);
        for (size_t i = 0; i < nk; i++)
            post_del(ix, keys[i], (uint32_t)s);
        ix->view_bytes -= e->view->bytes;
        free(e->view);
        e->view = NULL;
        if (ix->nfree_slots == ix->free_slots_cap) {
            ix->free_slots_cap = ix->free_slots_cap ? ix->free_slots_cap * 2 : 256;
            ix->free_slots = xrealloc(ix->free_slots, ix->free_slots_cap * sizeof(uint32_t));
        }
        ix->free_slots[ix->nfree_slots++] = (uint32_t)s;
        ix->count--;
        removed++;
    }
    return removed;
}

size_t nd_near_index_count(const struct nd_near_index *ix)
{
    return ix->count;
}

size_t nd_near_index_bytes(const struct nd_near_index *ix)
{
    size_t b = sizeof(*ix) + ix->view_bytes + ix->slots_cap * sizeof(*ix->slots) +
               ix->free_slots_cap * sizeof(uint32_t) + ix->lists_cap * sizeof(*ix->lists) +
               ix->free_lists_cap * sizeof(uint32_t) + ix->posting_of.cap * 2 * sizeof(uint32_t) +
               ix->model_of.cap * 2 * sizeof(uint32_t);

    for (size_t i = 1; i <= ix->nlists; i++)
        b += ix->lists[i].cap * sizeof(uint32_t);
    for (size_t i = 0; i < ix->nmodels; i++) {
        const struct near_model *m = ix->models[i];
        b += sizeof(*m) + strlen(m->source) + 1 + m->seen.cap * 2 * sizeof(uint32_t);
        for (unsigned k = 0; k < ND_NEAR_HISTORY; k++)
            b += m->recent[k].n * sizeof(uint32_t);
    }
    return b;
}
