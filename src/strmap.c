/*
 * strmap.c: open addressing with linear probing over XXH3 hashes of the
 * keys; deleted slots are tombstones until the next rehash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "newsd/strmap.h"
#include "newsd/util.h"

static char tombstone;

struct nd_strmap_slot {
    char *key; /* NULL: empty; &tombstone: deleted */
    uint64_t hash;
    void *value;
};

void nd_strmap_free(struct nd_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != &tombstone)
            free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static struct nd_strmap_slot *find(const struct nd_strmap *m, const char *key, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct nd_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            return NULL;
        if (s->key != &tombstone && s->hash == h && strcmp(s->key, key) == 0)
            return s;
    }
}

void *nd_strmap_get(const struct nd_strmap *m, const char *key)
{
    struct nd_strmap_slot *s = find(m, key, XXH3_64bits(key, strlen(key)));

    return s ? s->value : NULL;
}

static void rehash(struct nd_strmap *m, size_t cap)
{
    struct nd_strmap_slot *old = m->slots;
    size_t n = m->cap;

    m->slots = xcalloc(cap, sizeof(*m->slots));
    m->cap = cap;
    m->used = 0;
    for (size_t i = 0; i < n; i++) {
        if (old[i].key == NULL || old[i].key == &tombstone)
            continue;
        size_t j = old[i].hash & (cap - 1);
        while (m->slots[j].key)
            j = (j + 1) & (cap - 1);
        m->slots[j] = old[i];
        m->used++;
    }
    free(old);
}

void nd_strmap_put(struct nd_strmap *m, const char *key, void *value)
{
    uint64_t h = XXH3_64bits(key, strlen(key));
    struct nd_strmap_slot *s = find(m, key, h);
    size_t i;

    if (s) {
        s->value = value;
        return;
    }
    if ((m->used + 1) * 4 > m->cap * 3)
        rehash(m, m->cap == 0 ? 16 : (m->n + 1) * 4 > m->cap * 2 ? m->cap * 2 : m->cap);
    for (i = h & (m->cap - 1); m->slots[i].key && m->slots[i].key != &tombstone;
         i = (i + 1) & (m->cap - 1))
        ;
    if (m->slots[i].key == NULL)
        m->used++;
    m->slots[i].key = xstrdup(key);
    m->slots[i].hash = h;
    m->slots[i].value = value;
    m->n++;
}

void *nd_strmap_del(struct nd_strmap *m, const char *key)
{
    struct nd_strmap_slot *s = find(m, key, XXH3_64bits(key, strlen(key)));
    void *v;

    if (s == NULL)
        return NULL;
    v = s->value;
    free(s->key);
    s->key = &tombstone;
    s->value = NULL;
    m->n--;
    return v;
}

void nd_strmap_each(const struct nd_strmap *m, void (*fn)(void *arg, const char *key, void *value),
                    void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != &tombstone)
            fn(arg, m->slots[i].key, m->slots[i].value);
}

size_t nd_strmap_count(const struct nd_strmap *m)
{
    return m->n;
}
