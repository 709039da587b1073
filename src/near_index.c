/*
 * near_index.c: the near-duplicate index (near.h): entries, posting lists,
 * per-source boilerplate models.  Comparison, verdict and query: near_score.c.
 *
 * Memory: an entry is one allocation holding its signature in the compact
 * form (near_sig_compact: about 800 bytes for a news article) and the units
 * its source's boilerplate model dropped when it was added; a comparison
 * makes the entry's view from it on the stack (near_entry_view).  An entry is
 * posted under about 14 keys, in a map of 8 bytes a slot kept between 70%
 * and 85% full; a key of two entries or more has a list of 32-bit slots.
 */
#include <stddef.h>
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
#define MAP_MAX_LOAD  85 /* percent of slots used (tombstones too) before a map is rebuilt */
#define MAP_NEW_LOAD  70 /* percent of slots live after */

/* The allocation of an entry whose compact form takes size bytes (and the reader's padding). */
#define ENTRY_BYTES(size) (offsetof(struct near_entry, data) + (size) + NEAR_COMPACT_PAD)

/* --- a uint32 -> uint32 hash map (open addressing, linear probing) ---------------------- */

static uint32_t mkey(uint32_t k)
{
    return k < 2 ? k + 2 : k; /* 0 and 1 mark empty and removed slots */
}

/* The home slot of k: its mixed bits scaled to the capacity (any capacity). */
static size_t slot_of(uint32_t k, size_t cap)
{
    uint32_t h = (uint32_t)(((uint64_t)k * 0x9E3779B97F4A7C15ULL) >> 32);

    return (size_t)(((uint64_t)h * cap) >> 32);
}

static size_t next_slot(size_t i, size_t cap)
{
    return i + 1 == cap ? 0 : i + 1;
}

static void map_rebuild(struct near_map *m, size_t cap);

uint32_t *near_map_get(const struct near_map *m, uint32_t k)
{
    if (m->cap == 0)
        return NULL;
    k = mkey(k);
    for (size_t i = slot_of(k, m->cap);; i = next_slot(i, m->cap)) {
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

    if ((m->used + 1) * 100 > m->cap * MAP_MAX_LOAD)
        map_rebuild(m, (m->live + 1) * 100 / MAP_NEW_LOAD + 16);
    k = mkey(k);
    for (size_t i = slot_of(k, m->cap);; i = next_slot(i, m->cap)) {
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

static void map_rebuild(struct near_map *m, size_t cap)
{
    struct near_map n = {xcalloc(cap, sizeof(uint32_t)), xmalloc(cap * sizeof(uint32_t)), cap, 0,
                         0};

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

static size_t map_bytes(const struct near_map *m)
{
    return m->cap * 2 * sizeof(uint32_t);
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
 * Which units of sig are boilerplate for an item of source (their bits set
 * in drop): seen in ND_NEAR_BOILER_MIN of the source's recent items, or of
 * the other items of the current document.
 */
void near_boiler(const struct nd_near_index *ix, const struct nd_near_sig *sig, const char *source,
                 uint8_t *drop)
{
    const struct near_model *m = model_find(ix, source ? source : "");
    int in_doc = 0;

    memset(drop, 0, NEAR_UNIT_BYTES);
    for (size_t k = 0; k < ix->ndoc && !in_doc; k++)
        in_doc = ix->doc[k] == sig;
    for (unsigned i = 0; i < sig->nunits; i++) {
        const uint32_t *c = m ? near_map_get(&m->seen, sig->units[i].hash) : NULL;
        const uint32_t *d = ix->ndoc ? near_map_get(&ix->doc_units, sig->units[i].hash) : NULL;
        uint32_t others = d ? *d - (uint32_t)in_doc : 0;
        if ((c && *c >= ND_NEAR_BOILER_MIN) || others >= ND_NEAR_BOILER_MIN)
            drop[i / 8] |= (uint8_t)(1u << (i % 8));
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

/* --- views and entries ------------------------------------------------------------------- */

/* The kept units' shingles, cue lines and first units of sig into v (the rest of v untouched). */
static void view_units(struct near_view *v, const struct nd_near_sig *sig, const uint8_t *drop)
{
    v->n = 0;
    v->tau = sig->tau;
    v->nunits = sig->nunits;
    v->nlead_units = 0;
    memset(v->cue, 0, sizeof(v->cue));
    for (unsigned u = 0; u < sig->nunits; u++) {
        unsigned nsh = sig->units[u].nsh & ~NEAR_UNIT_CUE;
        if (drop && ((drop[u / 8] >> (u % 8)) & 1))
            continue;
        v->n += nsh;
        if (sig->units[u].nsh & NEAR_UNIT_CUE)
            v->cue[u / 8] |= (uint8_t)(1u << (u % 8));
        if (nsh >= 2 && v->nlead_units < NEAR_LEAD_UNITS)
            v->lead_units[v->nlead_units++] = sig->units[u].hash;
    }
    v->nkeys = 0;
    for (unsigned k = 0; k < sig->nkeys; k++)
        if (!(drop && ((drop[sig->keys[k].unit / 8] >> (sig->keys[k].unit % 8)) & 1)))
            v->keys[v->nkeys++] = sig->keys[k];
    memcpy(v->title, sig->title, sig->ntitle * sizeof(*sig->title));
    v->ntitle = sig->ntitle;
}

void near_view_of(struct near_view *v, const struct nd_near_sig *sig, const uint8_t *drop)
{
    struct near_el lead[ND_NEAR_LEAD];
    unsigned nl = 0, i = 0, j, nels = (unsigned)sig->nlead + sig->nextra;

#define DROPPED(u) (drop && ((drop[(u) / 8] >> ((u) % 8)) & 1))
    view_units(v, sig, drop);
    /* the kept lead, by hash (its hashes are distinct), merged with the kept others
     * (ascending already) */
    for (unsigned k = 0; k < sig->nlead; k++) {
        const struct near_el *e = &sig->els[k];
        unsigned at = nl;
        if (DROPPED(e->unit))
            continue;
        for (; at > 0 && lead[at - 1].v > e->v; at--)
            lead[at] = lead[at - 1];
        lead[at] = *e;
        nl++;
    }
    v->nels = 0;
    j = sig->nlead;
    for (;;) {
        while (j < nels && DROPPED(sig->els[j].unit))
            j++;
        if (i == nl && j == nels)
            break;
        if (j == nels || (i < nl && lead[i].v < sig->els[j].v)) {
            v->vals[v->nels] = lead[i].v;
            v->meta[v->nels] = (uint16_t)(lead[i].unit | NEAR_META_LEAD);
            i++;
        } else {
            v->vals[v->nels] = sig->els[j].v;
            v->meta[v->nels] = sig->els[j].unit;
            j++;
        }
        v->nels++;
    }
#undef DROPPED
}

void near_entry_view(const struct near_entry *e, struct near_view *v)
{
    struct nd_near_sig sig; /* all but its hashes: those come sorted, into v */
    uint8_t drop[NEAR_UNIT_BYTES], any = 0;
    size_t n = near_sig_expand_sorted(e->data, &sig, drop, v->vals, v->meta);

    view_units(v, &sig, drop);
    for (unsigned i = 0; i < NEAR_UNIT_BYTES; i++)
        any |= drop[i];
    if (!any) {
        v->nels = (uint16_t)n;
        return;
    }
    v->nels = 0;
    for (size_t k = 0; k < n; k++) { /* without the dropped units' hashes */
        unsigned u = v->meta[k] & 0xFF;
        v->vals[v->nels] = v->vals[k];
        v->meta[v->nels] = v->meta[k];
        v->nels += !((drop[u / 8] >> (u % 8)) & 1);
    }
}

/* --- entries by reference ------------------------------------------------------------------ */

static size_t ref_home(uint64_t ref, size_t cap)
{
    uint64_t h = (ref ^ (ref >> 29)) * 0xBF58476D1CE4E5B9ULL;

    return (size_t)(((h >> 32) * cap) >> 32);
}

static void by_ref_put(struct nd_near_index *ix, uint32_t slot);

static void by_ref_grow(struct nd_near_index *ix)
{
    uint32_t *old = ix->by_ref;
    size_t old_cap = ix->by_ref_cap;

    ix->by_ref_cap = ix->by_ref_cap ? ix->by_ref_cap * 2 : 1024;
    ix->by_ref = xcalloc(ix->by_ref_cap, sizeof(uint32_t));
    ix->by_ref_live = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            by_ref_put(ix, old[i] - 1);
    free(old);
}

/* The table index of ref's slot, or SIZE_MAX. */
static size_t by_ref_find(const struct nd_near_index *ix, uint64_t ref)
{
    if (ix->by_ref_cap == 0)
        return SIZE_MAX;
    for (size_t i = ref_home(ref, ix->by_ref_cap);; i = next_slot(i, ix->by_ref_cap)) {
        if (ix->by_ref[i] == 0)
            return SIZE_MAX;
        if (ix->entries[ix->by_ref[i] - 1]->ref == ref)
            return i;
    }
}

/* slot answers for its entry's reference from now on (a later entry of the same one wins). */
static void by_ref_put(struct nd_near_index *ix, uint32_t slot)
{
    uint64_t ref = ix->entries[slot]->ref;
    size_t i;

    if ((ix->by_ref_live + 1) * 4 > ix->by_ref_cap * 3)
        by_ref_grow(ix);
    i = by_ref_find(ix, ref);
    if (i == SIZE_MAX) {
        for (i = ref_home(ref, ix->by_ref_cap); ix->by_ref[i]; i = next_slot(i, ix->by_ref_cap))
            ;
        ix->by_ref_live++;
    }
    ix->by_ref[i] = slot + 1;
}

/* slot's entry goes: its reference forgotten if it answers for it (backward-shift deletion). */
static void by_ref_del(struct nd_near_index *ix, uint32_t slot)
{
    size_t i = by_ref_find(ix, ix->entries[slot]->ref), j;

    if (i == SIZE_MAX || ix->by_ref[i] != slot + 1)
        return;
    ix->by_ref[i] = 0;
    ix->by_ref_live--;
    for (j = next_slot(i, ix->by_ref_cap); ix->by_ref[j]; j = next_slot(j, ix->by_ref_cap)) {
        size_t home = ref_home(ix->entries[ix->by_ref[j] - 1]->ref, ix->by_ref_cap);
        /* may the element at j move to the hole at i (is i between its home and j)? */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            ix->by_ref[i] = ix->by_ref[j];
            ix->by_ref[j] = 0;
            i = j;
        }
    }
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
        free(ix->entries[i]);
    for (size_t i = 1; i <= ix->nlists; i++)
        free(ix->lists[i].slots);
    for (size_t i = 0; i < ix->nmodels; i++)
        model_free(ix->models[i]);
    free(ix->entries);
    free(ix->free_slots);
    free(ix->by_ref);
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
    uint8_t drop[NEAR_UNIT_BYTES], data[NEAR_COMPACT_MAX + NEAR_COMPACT_PAD];
    struct near_view v;
    struct near_entry *e;
    size_t nk, size;
    uint32_t slot;

    if (source == NULL)
        source = "";
    near_boiler(ix, sig, source, drop);
    near_view_of(&v, sig, drop);
    model_learn(model_get(ix, source), sig);
    size = near_sig_compact(sig, drop, data);
    e = xmalloc(ENTRY_BYTES(size));
    e->ref = ref;
    e->time = time;
    e->size = (uint16_t)size;
    memcpy(e->data, data, size + NEAR_COMPACT_PAD);
    if (ix->nfree_slots > 0) {
        slot = ix->free_slots[--ix->nfree_slots];
    } else {
        if (ix->nslots == ix->slots_cap) {
            ix->slots_cap = ix->slots_cap ? ix->slots_cap + ix->slots_cap / 2 : 1024;
            ix->entries = xrealloc(ix->entries, ix->slots_cap * sizeof(*ix->entries));
        }
        slot = (uint32_t)ix->nslots++;
    }
    ix->entries[slot] = e;
    ix->count++;
    ix->entry_bytes += ENTRY_BYTES(size);
    by_ref_put(ix, slot);
    nk = near_view_keys(&v, keys);
    for (size_t i = 0; i < nk; i++)
        post_add(ix, keys[i], slot);
}

size_t nd_near_index_expire(struct nd_near_index *ix, int64_t before)
{
    uint32_t keys[NEAR_MAX_POST_KEYS];
    size_t removed = 0;

    for (size_t s = 0; s < ix->nslots; s++) {
        struct near_entry *e = ix->entries[s];
        struct near_view v;
        size_t nk;
        if (e == NULL || e->time >= before)
            continue;
        near_entry_view(e, &v);
        nk = near_view_keys(&v, keys);
        for (size_t i = 0; i < nk; i++)
            post_del(ix, keys[i], (uint32_t)s);
        by_ref_del(ix, (uint32_t)s);
        ix->entry_bytes -= ENTRY_BYTES(e->size);
        free(e);
        ix->entries[s] = NULL;
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

int nd_near_index_get(const struct nd_near_index *ix, uint64_t ref, struct nd_near_sig **out)
{
    size_t i = by_ref_find(ix, ref);
    const struct near_entry *e;
    uint8_t drop[NEAR_UNIT_BYTES];

    *out = NULL;
    if (i == SIZE_MAX)
        return ND_ENOTFOUND;
    e = ix->entries[ix->by_ref[i] - 1];
    *out = xcalloc(1, sizeof(**out));
    near_sig_expand(e->data, *out, drop);
    return 0;
}

size_t nd_near_index_count(const struct nd_near_index *ix)
{
    return ix->count;
}

size_t nd_near_index_bytes(const struct nd_near_index *ix)
{
    size_t b = sizeof(*ix) + ix->entry_bytes + ix->slots_cap * sizeof(*ix->entries) +
               ix->free_slots_cap * sizeof(uint32_t) + ix->by_ref_cap * sizeof(uint32_t) +
               ix->lists_cap * sizeof(*ix->lists) + ix->free_lists_cap * sizeof(uint32_t) +
               map_bytes(&ix->posting_of) + map_bytes(&ix->model_of) + map_bytes(&ix->doc_units);

    for (size_t i = 1; i <= ix->nlists; i++)
        b += ix->lists[i].cap * sizeof(uint32_t);
    for (size_t i = 0; i < ix->nmodels; i++) {
        const struct near_model *m = ix->models[i];
        b += sizeof(*m) + strlen(m->source) + 1 + map_bytes(&m->seen);
        for (unsigned k = 0; k < ND_NEAR_HISTORY; k++)
            b += m->recent[k].n * sizeof(uint32_t);
    }
    return b;
}
