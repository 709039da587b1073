/*
 * cluster_view.c: cluster mode's view of the leases bucket, on the lease
 * thread (cluster_int.h).  One watcher over every key, deletions included,
 * stays open for the life of the connection; its initial replay builds the
 * view (per key: the value and the creation time), its updates keep it
 * current.  A round reads the view instead of listing the bucket.
 *
 * Keys that expire leave no marker (the stream's max age drops them), so a
 * key is gone once its creation time plus the TTL has passed by the
 * server's clock.  The server's clock is estimated from this node's own
 * writes: the watcher shows the creation time of the revision the write of
 * the node key returned, stamped by the server before it answered, so
 * "created - local time of the answer" is a lower bound of the offset
 * between the server's clock and the local monotonic one, off by the
 * answer's way back at most.  Every other entry gives a lower bound too
 * (created - local time it was read); the estimate is the largest since
 * the last own write seen.  A lower bound errs one way only: a key is
 * taken for gone late (by the margin), never early, and the clocks of the
 * machines need not agree.  After a reconnect, or when the watcher fails
 * or has not shown this node's own write for CL_STALE_MS, the view is
 * dropped and a new watcher replays the bucket.  Nothing here logs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"
#include "js_int.h"

static void view_clear(struct nd_cluster *c)
{
    for (size_t i = 0; i < c->n_vnodes; i++)
        free(c->vnodes[i].value);
    c->n_vnodes = 0;
    if (c->vslots == NULL)
        c->vslots = xcalloc(c->slots, sizeof(*c->vslots));
    memset(c->vslots, 0, c->slots * sizeof(*c->vslots));
    c->view_ready = 0;
    c->clock_off = INT64_MIN;
    c->own_unseen = 0;
}

void cl_view_drop(struct nd_cluster *c)
{
    if (c->watcher)
        kvWatcher_Destroy(c->watcher);
    c->watcher = NULL;
    view_clear(c);
}

void cl_view_wrote(struct nd_cluster *c, uint64_t rev)
{
    c->own_rev = rev;
    c->own_at = nd_mono_ms();
    if (c->own_unseen == 0)
        c->own_unseen = c->own_at;
}

static uint64_t reconnects(struct nd_cluster *c)
{
    natsStatistics *st = NULL;
    uint64_t n = 0;

    if (natsStatistics_Create(&st) == NATS_OK && natsConnection_GetStats(c->nc, st) == NATS_OK)
        natsStatistics_GetCounts(st, NULL, NULL, NULL, NULL, &n);
    natsStatistics_Destroy(st);
    return n;
}

static void node_entry(struct nd_cluster *c, const char *name, const char *v, int64_t created)
{
    size_t i = 0;

    while (i < c->n_vnodes && strcmp(c->vnodes[i].name, name) != 0)
        i++;
    if (v == NULL) { /* deleted */
        if (i < c->n_vnodes) {
            free(c->vnodes[i].value);
            c->vnodes[i] = c->vnodes[--c->n_vnodes];
        }
        return;
    }
    if (strlen(name) >= sizeof(c->vnodes[i].name))
        return;
    if (i == c->n_vnodes) {
        if (c->n_vnodes == c->cap_vnodes) {
            c->cap_vnodes = c->cap_vnodes ? 2 * c->cap_vnodes : 8;
            c->vnodes = xrealloc(c->vnodes, c->cap_vnodes * sizeof(*c->vnodes));
        }
        memset(&c->vnodes[i], 0, sizeof(c->vnodes[i]));
        snprintf(c->vnodes[i].name, sizeof(c->vnodes[i].name), "%s", name);
        c->n_vnodes++;
    }
    free(c->vnodes[i].value);
    c->vnodes[i].value = xstrdup(v);
    c->vnodes[i].created = created;
}

/* One entry of the watcher into the view (and the server's clock). */
static void view_apply(struct nd_cluster *c, kvEntry *e)
{
    const char *k = kvEntry_Key(e);
    kvOperation op = kvEntry_Operation(e);
    int gone = op == kvOp_Delete || op == kvOp_Purge;
    const char *v = gone ? NULL : kvEntry_ValueString(e);
    int64_t created = kvEntry_Created(e) / 1000000, now = nd_mono_ms();
    uint64_t rev = kvEntry_Revision(e);
    char *end;
    unsigned long n;

    if (created - now > c->clock_off)
        c->clock_off = created - now; /* it was there before it was read */
    if (strncmp(k, "node.", 5) == 0) {
        if (strcmp(k + 5, c->node) == 0 && c->own_rev && rev >= c->own_rev) {
            if (rev == c->own_rev && !gone)
                c->clock_off = created - c->own_at; /* the tightest bound: start again from it */
            c->own_unseen = 0;
        }
        node_entry(c, k + 5, gone ? NULL : (v ? v : ""), created);
    } else if (strncmp(k, "slot.", 5) == 0) {
        n = strtoul(k + 5, &end, 10);
        if (*end != '\0' || end == k + 5 || n >= c->slots)
            return;
        c->vslots[n].created = gone ? 0 : created;
        snprintf(c->vslots[n].holder, sizeof(c->vslots[n].holder), "%s", v ? v : "");
    }
}

/* Apply what the watcher has until nothing comes within wait ms (or, until_ready, the replay ends).
 */
static natsStatus view_read(struct nd_cluster *c, int64_t wait, int until_ready)
{
    kvEntry *e;
    natsStatus s;

    for (;;) {
        e = NULL;
        s = kvWatcher_Next(&e, c->watcher, wait);
        if (s != NATS_OK)
            return s;
        if (e == NULL) { /* the initial replay is over */
            c->view_ready = 1;
            if (until_ready)
                return NATS_OK;
            continue;
        }
        view_apply(c, e);
        kvEntry_Destroy(e);
    }
}

void cl_view_pump(struct nd_cluster *c)
{
    kvWatchOptions wo;
    natsStatus s;
    int connected = c->kv && natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED;

    if (c->watcher && (!connected || reconnects(c) != c->watch_reconnects))
        cl_view_drop(c); /* keys may have expired or gone unseen meanwhile: replay */
    if (c->watcher == NULL) {
        if (!connected)
            return;
        view_clear(c);
        c->watch_reconnects = reconnects(c);
        kvWatchOptions_Init(&wo); /* deletions and purges too */
        s = kvStore_WatchAll(&c->watcher, c->kv, &wo);
        if (s != NATS_OK) {
            c->watcher = NULL;
            cl_fail(c, "watching the keys", s);
            return;
        }
    }
    s = view_read(c, 1, 0);
    if (s != NATS_TIMEOUT) {
        cl_fail(c, "watching the keys", s);
        cl_view_drop(c);
    }
}

static int expired(const struct nd_cluster *c, int64_t created, int64_t now)
{
    return c->clock_off != INT64_MIN && now + c->clock_off >= created + c->ttl_ms;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct nd_cluster_node *)a)->name,
                  ((const struct nd_cluster_node *)b)->name);
}

/* The live nodes of the view into c->found, sorted by name. */
static void find_nodes(struct nd_cluster *c, int64_t now)
{
    struct cl_nodes *f = &c->found;

    f->n = 0;
    cl_nodes_reserve(f, c->n_vnodes, c->slots);
    for (size_t i = 0; i < c->n_vnodes; i++) {
        const struct cl_vnode *vn = &c->vnodes[i];
        struct nd_cluster_node *node = memset(&f->v[f->n], 0, sizeof(*node));
        if (expired(c, vn->created, now))
            continue;
        if (nd_cluster_node_decode(vn->value, c->slots, f->bits + f->n * (size_t)c->slots,
                                   &node->held, &node->claims) != ND_OK)
            continue; /* not a value this version reads: not counted */
        snprintf(node->name, sizeof(node->name), "%s", vn->name);
        node->last_seen = vn->created;
        f->n++;
    }
    for (size_t i = 0; i < f->n; i++)
        f->v[i].slots = f->bits + i * (size_t)c->slots;
    qsort(f->v, f->n, sizeof(*f->v), by_name);
}

int cl_view(struct nd_cluster *c, size_t *live)
{
    struct nd_cluster_node key, *n;
    struct cl_nodes *f = &c->found;
    int64_t now;
    natsStatus s;

    *live = 0;
    cl_view_pump(c);
    if (c->watcher && c->own_unseen && nd_mono_ms() - c->own_unseen > CL_STALE_MS) {
        cl_view_drop(c); /* it shows nothing new: the consumer behind it may be gone */
        cl_view_pump(c);
    }
    if (c->watcher == NULL)
        return -1;
    if (!c->view_ready) {
        s = view_read(c, CL_REQUEST_MS, 1);
        if (s == NATS_OK && view_read(c, 1, 0) != NATS_TIMEOUT) /* what came after it */
            s = NATS_ERR;
        if (s != NATS_OK) {
            cl_fail(c, "reading the keys", s);
            cl_view_drop(c);
            return -1;
        }
    }
    now = nd_mono_ms();
    find_nodes(c, now);
    for (uint32_t sl = 0; sl < c->slots; sl++) {
        const struct cl_vslot *v = &c->vslots[sl];
        c->taken[sl] = v->created && !expired(c, v->created, now);
        if (!c->taken[sl] || !v->holder[0])
            continue;
        memcpy(key.name, v->holder, sizeof(key.name));
        n = bsearch(&key, f->v, f->n, sizeof(*f->v), by_name);
        if (n == NULL)
            continue;
        if (n->lease_oldest == 0 || v->created < n->lease_oldest)
            n->lease_oldest = v->created;
        if (v->created > n->lease_newest)
            n->lease_newest = v->created;
    }
    c->loads = xrealloc(c->loads, (f->n ? f->n : 1) * sizeof(*c->loads));
    c->n_loads = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].claims) {
            c->loads[c->n_loads++] = f->v[i].held;
            (*live)++;
        }
    pthread_mutex_lock(&c->mu);
    cl_nodes_copy(&c->nodes, f, c->slots);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

int64_t cl_view_next_expiry(struct nd_cluster *c)
{
    int64_t best = INT64_MAX, now = nd_mono_ms(), t;

    if (!c->view_ready || c->clock_off == INT64_MIN)
        return best;
    for (uint32_t s = 0; s < c->slots; s++) {
        const struct cl_vslot *v = &c->vslots[s];
        if (!v->created || strcmp(v->holder, c->node) == 0)
            continue;
        t = v->created + c->ttl_ms - c->clock_off;
        if (t > now && t < best)
            best = t;
    }
    return best;
}
