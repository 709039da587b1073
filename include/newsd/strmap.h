/*
 * strmap.h: a hash map from strings (copied) to pointers (borrowed), for
 * the look-ups by name: sources by id, topics, hosts, refreshes waiting on
 * a source.  Open addressing, O(1) expected per operation.  Pure.
 */
#ifndef NEWSD_STRMAP_H
#define NEWSD_STRMAP_H

#include <stddef.h>

struct nd_strmap {
    struct nd_strmap_slot *slots;
    size_t cap, n, used; /* used: live and deleted slots */
};

/* A zeroed struct is an empty map. */
void nd_strmap_free(struct nd_strmap *m);
/* The value of key, or NULL. */
void *nd_strmap_get(const struct nd_strmap *m, const char *key);
/* Set key's value (the key is copied; value may not be NULL). */
void nd_strmap_put(struct nd_strmap *m, const char *key, void *value);
/* Remove key; returns its value, or NULL. */
void *nd_strmap_del(struct nd_strmap *m, const char *key);
/* Call fn for every entry (in no order); fn must not change the map. */
void nd_strmap_each(const struct nd_strmap *m, void (*fn)(void *arg, const char *key, void *value),
                    void *arg);
size_t nd_strmap_count(const struct nd_strmap *m);

#endif
