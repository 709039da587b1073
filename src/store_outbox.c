/*
 * store_outbox.c: the outbox of the JetStream sink (store.h).
 *
 * One row per journal row that the stream has not acknowledged yet: its
 * seq and the message id it goes out under.  A row is added in the batch
 * that journals the article, and taken out when the stream's
 * acknowledgement comes, so a crash at any point leaves either the row
 * (sent again, the stream refuses a copy by its id) or nothing to send.
 */
#include <stdio.h>

#include "store_int.h"

int nd_store_outbox_load(struct nd_store *st)
{
    sqlite3_stmt *s;
    int rc;

    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM outbox", -1, &s, NULL) != SQLITE_OK)
        return ND_ESTORE;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        st->outbox_n = st->outbox_n_committed = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? ND_OK : ND_ESTORE;
}

void nd_store_outbox_enable(struct nd_store *st, int on)
{
    st->outbox_on = on;
}

int64_t nd_store_outbox_count(const struct nd_store *st)
{
    return st->outbox_n_committed;
}

int nd_store_outbox_add(struct nd_store *st, int64_t seq, const char *msgid)
{
    sqlite3_stmt *s;

    if (!st->outbox_on)
        return ND_OK;
    if (!st->in_batch)
        return ND_EINVAL;
    s = nd_store_stmt(st, Q_OUTBOX_ADD);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_text(s, 2, msgid, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return ND_ESTORE;
    st->outbox_n++;
    return ND_OK;
}

int nd_store_outbox_scan(struct nd_store *st, int64_t after, int64_t limit, nd_outbox_fn fn,
                         void *arg, int64_t *last)
{
    sqlite3_stmt *s = nd_store_stmt(st, Q_OUTBOX_SCAN);
    int rc;

    *last = after;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *last = sqlite3_column_int64(s, 0);
        if (fn(arg, *last, (const char *)sqlite3_column_text(s, 1),
               (const char *)sqlite3_column_text(s, 2),
               (const char *)sqlite3_column_text(s, 3)) != 0)
            break;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ND_OK : ND_ESTORE;
}

int nd_store_outbox_done(struct nd_store *st, const int64_t *seqs, size_t n)
{
    int64_t gone = 0;

    if (n == 0)
        return ND_OK;
    if (nd_store_begin_light(st) != ND_OK)
        return ND_ESTORE;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *s = nd_store_stmt(st, Q_OUTBOX_DEL);
        sqlite3_bind_int64(s, 1, seqs[i]);
        if (sqlite3_step(s) != SQLITE_DONE) {
            nd_store_rollback(st);
            return ND_ESTORE;
        }
        gone += sqlite3_changes(st->db);
    }
    st->outbox_n -= gone;
    return nd_store_commit(st);
}

int64_t nd_store_outbox_first(struct nd_store *st)
{
    sqlite3_stmt *s;
    int64_t first = 0;

    if (st->outbox_n == 0 ||
        sqlite3_prepare_v2(st->db, "SELECT min(seq) FROM outbox", -1, &s, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        first = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return first;
}

int nd_store_outbox_forget(struct nd_store *st, const char *msgid, int *gone)
{
    sqlite3_stmt *s;

    *gone = 0;
    if (st->outbox_n == 0)
        return ND_OK;
    if (!st->in_batch)
        return ND_EINVAL;
    s = nd_store_stmt(st, Q_OUTBOX_FORGET);
    sqlite3_bind_text(s, 1, msgid, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        return ND_ESTORE;
    *gone = sqlite3_changes(st->db);
    st->outbox_n -= *gone;
    return ND_OK;
}

/*
 * A journal prune up to *jlast: rows still to be sent stay (the prune stops
 * below the first of them); with the outbox disabled, rows left in it go
 * with their journal rows.
 */
int nd_store_outbox_prune(struct nd_store *st, int64_t *jlast)
{
    char sql[96];
    sqlite3_stmt *s;
    int64_t first = -1;

    if (st->outbox_n == 0)
        return ND_OK;
    if (st->outbox_on) {
        if (sqlite3_prepare_v2(st->db, "SELECT min(seq) FROM outbox", -1, &s, NULL) != SQLITE_OK)
            return ND_ESTORE;
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
            first = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        if (first >= 0 && *jlast >= first)
            *jlast = first - 1;
        return ND_OK;
    }
    snprintf(sql, sizeof(sql), "DELETE FROM outbox WHERE seq <= %lld", (long long)*jlast);
    if (nd_store_exec(st, sql) != ND_OK)
        return ND_ESTORE;
    st->outbox_n -= sqlite3_changes(st->db);
    return ND_OK;
}
