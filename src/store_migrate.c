/*
 * store_migrate.c: stores made by earlier versions of newsd.
 *
 * Schemas 1 and 2 kept one row per seen key (a random-key B-tree), the
 * article versions in a table of their own and SimHash fingerprints.
 * Schema 3 keeps the seen log (store.h).  The keys carry over exactly (a
 * key is the high half of the same XXH3-128, which the old rows hold in
 * full), so an upgraded daemon recognizes everything it saw before; the
 * old fingerprints are dropped (the near-duplicate method changed: old
 * articles are still caught by their exact keys).  Schema 4 adds the
 * outbox of the JetStream sink (an empty table, made by store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void unhex(const char *hex, uint8_t out[16])
{
    memset(out, 0, 16);
    for (int i = 0; i < 32 && hex && hex[i] && hex[i + 1]; i += 2) {
        unsigned v;
        if (sscanf(hex + i, "%2x", &v) != 1)
            break;
        out[i / 2] = (uint8_t)v;
    }
}

static int has_column(struct nd_store *st, const char *table, const char *col)
{
    char *sql = xasprintf("SELECT %s FROM %s LIMIT 0", col, table);
    sqlite3_stmt *s = NULL;
    int ok = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK;

    sqlite3_finalize(s);
    free(sql);
    return ok;
}

static const char create_seen[] =
    "CREATE TABLE seen(row INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    "  id BLOB NOT NULL, cluster INTEGER NOT NULL, seq INTEGER NOT NULL, source TEXT NOT NULL,"
    "  verdict INTEGER NOT NULL, why TEXT, keys BLOB NOT NULL, vkey INTEGER, vhash INTEGER,"
    "  vupdated INTEGER, near BLOB);"
    "CREATE TEMP TABLE cluster_of(id TEXT PRIMARY KEY, row INTEGER NOT NULL);";

/* One v3 row per article id of the old seen table, with all its keys. */
static int carry_keys(struct nd_store *st, sqlite3_stmt *ins, sqlite3_stmt *map, int64_t *row)
{
    sqlite3_stmt *s;
    uint8_t *keys = NULL, id[16];
    size_t n = 0, cap = 0;
    char *cur = NULL;
    int64_t ts = 0;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT id, key, ts FROM seen_v2 ORDER BY id", -1, &s, NULL) !=
        SQLITE_OK)
        return ND_ESTORE;
    for (;;) {
        rc = sqlite3_step(s);
        const char *rid = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
        if (cur && (rid == NULL || strcmp(rid, cur) != 0)) {
            unhex(cur, id);
            sqlite3_reset(ins);
            sqlite3_bind_int64(ins, 1, *row);
            sqlite3_bind_int64(ins, 2, ts);
            sqlite3_bind_blob(ins, 3, id, 16, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 4, *row);
            sqlite3_bind_blob(ins, 5, keys, (int)(n * 8), SQLITE_TRANSIENT);
            sqlite3_reset(map);
            sqlite3_bind_text(map, 1, cur, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(map, 2, *row);
            if (sqlite3_step(ins) != SQLITE_DONE || sqlite3_step(map) != SQLITE_DONE)
                break;
            (*row)++;
            n = 0;
            free(cur);
            cur = NULL;
        }
        if (rc != SQLITE_ROW)
            break;
        if (cur == NULL) {
            cur = xstrdup(rid);
            ts = sqlite3_column_int64(s, 2);
        }
        if (sqlite3_column_bytes(s, 1) == 16) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                keys = xrealloc(keys, cap * 8);
            }
            uint64_t k = be64(sqlite3_column_blob(s, 1));
            for (int i = 0; i < 8; i++) /* little-endian, as store_seen.c packs them */
                keys[n * 8 + (size_t)i] = (uint8_t)(k >> (8 * i));
            n++;
        }
        if (sqlite3_column_int64(s, 2) < ts)
            ts = sqlite3_column_int64(s, 2);
    }
    free(cur);
    free(keys);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

/* One v3 row per old version entry, in the cluster of its article. */
static int carry_versions(struct nd_store *st, int64_t *row)
{
    sqlite3_stmt *s, *ins;
    uint8_t id[16];
    int rc;

    if (sqlite3_prepare_v2(st->db,
                           "SELECT v.key, v.id, v.hash, v.updated, v.ts, c.row FROM versions v"
                           " LEFT JOIN cluster_of c ON c.id = v.id",
                           -1, &s, NULL) != SQLITE_OK)
        return ND_ESTORE;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO seen(row, ts, id, cluster, seq, source, verdict, why, keys,"
                           " vkey, vhash, vupdated) VALUES (?1, ?2, ?3, ?4, 0, '', 2, 'migrated',"
                           " x'', ?5, ?6, ?7)",
                           -1, &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return ND_ESTORE;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != 16)
            continue;
        unhex((const char *)sqlite3_column_text(s, 1), id);
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, *row);
        sqlite3_bind_int64(ins, 2, sqlite3_column_int64(s, 4));
        sqlite3_bind_blob(ins, 3, id, 16, SQLITE_TRANSIENT);
        sqlite3_bind_int64(
            ins, 4, sqlite3_column_type(s, 5) == SQLITE_NULL ? *row : sqlite3_column_int64(s, 5));
        sqlite3_bind_int64(ins, 5, (int64_t)be64(sqlite3_column_blob(s, 0)));
        sqlite3_bind_int64(ins, 6, sqlite3_column_int64(s, 2));
        if (sqlite3_column_type(s, 3) != SQLITE_NULL)
            sqlite3_bind_int64(ins, 7, sqlite3_column_int64(s, 3));
        if (sqlite3_step(ins) != SQLITE_DONE)
            break;
        (*row)++;
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_migrate(struct nd_store *st, int64_t from, char *err, size_t errlen)
{
    sqlite3_stmt *ins = NULL, *map = NULL;
    int64_t row = 1;
    int rc = ND_ESTORE;

    if (from >= 3) /* schema 4 only adds the outbox, which store.c makes */
        return ND_OK;
    if (!has_column(st, "sources", "retry_until") &&
        nd_store_exec(st, "ALTER TABLE sources ADD COLUMN retry_until INTEGER") != ND_OK)
        goto out;
    if (nd_store_exec(st, "ALTER TABLE seen RENAME TO seen_v2") != ND_OK ||
        nd_store_exec(st, create_seen) != ND_OK)
        goto out;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO seen(row, ts, id, cluster, seq, source, verdict, why, keys)"
                           " VALUES (?1, ?2, ?3, ?4, 0, '', 0, 'migrated', ?5)",
                           -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "INSERT INTO cluster_of(id, row) VALUES (?1, ?2)", -1, &map,
                           NULL) != SQLITE_OK)
        goto out;
    if (carry_keys(st, ins, map, &row) != ND_OK)
        goto out;
    if (has_column(st, "versions", "hash") && carry_versions(st, &row) != ND_OK)
        goto out;
    if (nd_store_exec(st, "DROP TABLE seen_v2; DROP TABLE IF EXISTS versions;"
                          " DROP TABLE IF EXISTS fp; DROP TABLE IF EXISTS fpblock;"
                          " DROP TABLE cluster_of; DROP INDEX IF EXISTS journal_ts;") != ND_OK)
        goto out;
    rc = ND_OK;
out:
    if (rc != ND_OK)
        snprintf(err, errlen, "%s: migrating from schema %lld: %s", st->path, (long long)from,
                 sqlite3_errmsg(st->db));
    sqlite3_finalize(ins);
    sqlite3_finalize(map);
    return rc;
}
