/*
 * dedupe.c: exact keys and near-duplicate fingerprints against the store.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "newsd/dedupe.h"

#define MAX_KEYS 3

int nd_dedupe_guid_key(const char *source_id, const struct nd_article *a, uint8_t key[ND_KEY_LEN])
{
    if (nd_str_empty(a->guid))
        return 0;
    nd_store_key(key, "g", source_id, a->guid);
    return 1;
}

/* The article's exact keys, in the order they are checked. */
static int keys_of(const char *source_id, const struct nd_article *a,
                   uint8_t keys[MAX_KEYS][ND_KEY_LEN])
{
    char hex[17];
    int n = 0;

    n += nd_dedupe_guid_key(source_id, a, keys[n]);
    if (!nd_str_empty(a->url) && !a->url_shared)
        nd_store_key(keys[n++], "u", a->url, NULL);
    if (a->text_hash != 0) {
        snprintf(hex, sizeof(hex), "%016" PRIx64, a->text_hash);
        nd_store_key(keys[n++], "t", hex, NULL);
    }
    return n;
}

int nd_dedupe_check(struct nd_store *st, const char *source_id, const struct nd_article *a,
                    const struct nd_dedupe_opts *o, int64_t now, enum nd_verdict *v,
                    char dup_id[33])
{
    uint8_t keys[MAX_KEYS][ND_KEY_LEN];
    int n = keys_of(source_id, a, keys), rc;

    *v = ND_VERDICT_NEW;
    dup_id[0] = '\0';
    for (int i = 0; i < n; i++) {
        rc = nd_store_seen(st, keys[i], dup_id);
        if (rc < 0)
            return ND_ESTORE;
        if (rc == 1) {
            /* the first key, when there is a guid, is (source, guid) */
            *v = i == 0 && !nd_str_empty(a->guid) ? ND_VERDICT_SAME : ND_VERDICT_DUP;
            return ND_OK;
        }
    }
    if (o->mode == ND_NEAR_OFF || a->simhash == 0)
        return ND_OK;
    rc = nd_store_fp_near(st, a->simhash, o->distance, now - o->window, dup_id);
    if (rc < 0)
        return ND_ESTORE;
    if (rc == 1)
        *v = ND_VERDICT_NEAR;
    return ND_OK;
}

int nd_dedupe_remember(struct nd_store *st, const char *source_id, const struct nd_article *a,
                       const char *cluster_id, int64_t now)
{
    uint8_t keys[MAX_KEYS][ND_KEY_LEN];
    int n = keys_of(source_id, a, keys);

    for (int i = 0; i < n; i++)
        if (nd_store_seen_add(st, keys[i], cluster_id, now) != ND_OK)
            return ND_ESTORE;
    if (a->simhash != 0 && strcmp(cluster_id, a->id) == 0)
        return nd_store_fp_add(st, a->simhash, a->id, now);
    return ND_OK;
}
