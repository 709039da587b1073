/*
 * store_seen.c: the seen log: one appended row per admitted article that
 * brought something new.  Keys are stored as 8-byte little-endian values
 * packed in one blob.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define MAX_KEYS 64

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int nd_store_seen_add(struct nd_store *st, struct nd_seen_row *r)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_SEEN_ADD);
    uint8_t keys[MAX_KEYS * 8];
    size_t n = r->n_keys < MAX_KEYS ? r->n_keys : MAX_KEYS;

    if (!st->in_batch)
        return ND_EINVAL;
    r->row = st->seen_next;
    if (r->cluster == 0)
        r->cluster = r->row;
    for (size_t i = 0; i < n; i++)
        put_le64(keys + 8 * i, r->keys[i]);
    sqlite3_bind_int64(s, 1, r->row);
    sqlite3_bind_int64(s, 2, r->ts);
    sqlite3_bind_blob(s, 3, r->id, 16, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, r->cluster);
    sqlite3_bind_int64(s, 5, r->seq);
    sqlite3_bind_text(s, 6, r->source ? r->source : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, (int)r->verdict);
    if (r->why)
        sqlite3_bind_text(s, 8, r->why, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 9, keys, (int)(n * 8), SQLITE_STATIC);
    if (r->vkey) {
        sqlite3_bind_int64(s, 10, (int64_t)r->vkey);
        sqlite3_bind_int64(s, 11, (int64_t)r->vhash);
        if (r->vupdated != INT64_MIN)
            sqlite3_bind_int64(s, 12, r->vupdated);
    }
    if (r->near)
        sqlite3_bind_blob(s, 13, r->near, (int)r->near_len, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return ND_ESTORE;
    st->seen_next++;
    return ND_OK;
}

/* Give one result row of Q_SEEN_SCAN/Q_SEEN_GET to fn. */
static int deliver(sqlite3_stmt *s, nd_seen_fn fn, void *arg)
{
    uint64_t keys[MAX_KEYS];
    struct nd_seen_row r;
    const uint8_t *kb = sqlite3_column_blob(s, 8), *id = sqlite3_column_blob(s, 2);
    size_t kl = (size_t)sqlite3_column_bytes(s, 8);

    memset(&r, 0, sizeof(r));
    r.row = sqlite3_column_int64(s, 0);
    r.ts = sqlite3_column_int64(s, 1);
    if (id && sqlite3_column_bytes(s, 2) == 16)
        memcpy(r.id, id, 16);
    r.cluster = sqlite3_column_int64(s, 3);
    r.seq = sqlite3_column_int64(s, 4);
    r.source = (const char *)sqlite3_column_text(s, 5);
    r.verdict = (enum nd_seen_verdict)sqlite3_column_int(s, 6);
    r.why = (const char *)sqlite3_column_text(s, 7);
    r.n_keys = kl / 8 < MAX_KEYS ? kl / 8 : MAX_KEYS;
    for (size_t i = 0; i < r.n_keys; i++)
        keys[i] = get_le64(kb + 8 * i);
    r.keys = keys;
    if (sqlite3_column_type(s, 9) != SQLITE_NULL) {
        r.vkey = (uint64_t)sqlite3_column_int64(s, 9);
        r.vhash = (uint64_t)sqlite3_column_int64(s, 10);
        r.vupdated =
            sqlite3_column_type(s, 11) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, 11);
    }
    r.near = sqlite3_column_blob(s, 12);
    r.near_len = r.near ? (size_t)sqlite3_column_bytes(s, 12) : 0;
    return fn(arg, &r);
}

int nd_store_seen_scan(struct nd_store *st, int64_t near_since, nd_seen_fn fn, void *arg)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_SEEN_SCAN);
    int rc;

    sqlite3_bind_int64(s, 1, near_since);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (deliver(s, fn, arg) != 0)
            break;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_seen_get(struct nd_store *st, int64_t row, nd_seen_fn fn, void *arg)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_SEEN_GET);
    int rc;

    sqlite3_bind_int64(s, 1, row);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        deliver(s, fn, arg);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return ND_OK;
    return rc == SQLITE_DONE ? ND_ENOTFOUND : ND_ESTORE;
}

int64_t nd_store_seen_first(const struct nd_store *st)
{
    return st->seen_first;
}

int64_t nd_store_seen_next(const struct nd_store *st)
{
    return st->seen_next;
}
