/*
 * cluster.h: cluster mode (the cluster group): several nodes with the same
 * sources, each source polled by one live node.
 *
 * Sources are hashed into slots (nd_cluster_slot); a node leases slots in
 * a JetStream key-value bucket and polls the sources of the slots it
 * holds.  The leases live on a NATS thread of their own (cluster_lease.c):
 * claim (create-if-absent), renew (update at the last revision, every
 * third of the TTL), release (delete) at a clean stop or when the node
 * holds more than its share; the bucket's TTL makes the leases of a dead
 * node expire.  The loop learns which slots it holds through an eventfd
 * and a callback; it never calls libnats.
 *
 * The decisions (which slot a source is in, a node's share, which slots
 * to claim or release) are pure functions below, tested on their own.
 */
#ifndef NEWSD_CLUSTER_H
#define NEWSD_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"
#include "newsd/loop.h"
#include "newsd/util.h"

/* The slot of a source: XXH3 of its id, modulo slots (> 0).  Pure. */
uint32_t nd_cluster_slot(const char *source_id, uint32_t slots);

/* How many slots one of live nodes should hold: ceil(slots / live), all when live is 0.  Pure. */
uint32_t nd_cluster_share(uint32_t slots, size_t live);

/*
 * The order in which node claims slots (and keeps them: it releases from
 * the end): slots sorted by XXH3 of node and slot, so each node prefers
 * different slots and the same ones at every start (rendezvous hashing).
 * order has room for slots entries.  Pure.
 */
void nd_cluster_order(const char *node, uint32_t slots, uint32_t *order);

/* What one round of the lease loop should do (nd_cluster_balance). */
struct nd_cluster_moves {
    uint32_t *claim; /* slots to try to claim, best first (caller's array of slots) */
    size_t n_claim;
    uint32_t *release; /* slots to release (caller's array of slots) */
    size_t n_release;
};

/*
 * Balance.  The live nodes (this one included) should each hold
 * floor(slots / live) slots or one more.  held[s] and taken[s] (held by
 * anyone, this node included) are 0 or 1 for each of slots.  loads are the
 * slot counts the live nodes announced at their last round (this node's
 * among them), n_loads of them, or NULL when unknown.  This node:
 *   - above ceil(slots / live) releases down to it;
 *   - above the floor releases one slot when a node announced fewer than the
 *     floor (all slots taken, a node joined late);
 *   - below the floor claims free slots (taken by nobody) up to the floor;
 *   - at the floor claims one free slot when no node announced fewer than
 *     the floor (the remainder goes to whoever gets it first).
 * Claims go in this node's order, releases from its end.  Pure.
 */
void nd_cluster_balance(const uint32_t *order, uint32_t slots, const uint8_t *held,
                        const uint8_t *taken, size_t live, const uint32_t *loads, size_t n_loads,
                        struct nd_cluster_moves *out);

/* --- the lease module (cluster_lease.c) --- */

struct nd_cluster;

/* The slots this node holds changed: held[s] for each of slots (borrowed for the call). */
typedef void (*nd_cluster_slots_fn)(void *arg, const uint8_t *held, uint32_t slots);

/* What status shows (strings borrowed until the module changes). */
struct nd_cluster_status {
    const char *node;
    const char *bucket;
    int connected;        /* connected and the bucket is there */
    uint32_t slots;       /* in all */
    uint32_t held;        /* by this node */
    size_t live;          /* nodes seen alive at the last round */
    int64_t last_renewal; /* Unix seconds of the last round that renewed every lease, or 0 */
    const char *error;    /* the last failure, or "" */
};

/*
 * Start leasing for cfg (copied; cluster.on must be set; nats gives the
 * credentials and TLS files) on a thread of its own; fn is called on the
 * loop whenever the held slots change (first with none).  loop is
 * borrowed.  Fails (err says why) only when the thread or the eventfd
 * cannot be made.
 */
int nd_cluster_new(struct nd_loop *loop, const struct nd_cluster_conf *cfg,
                   const struct nd_nats_conf *nats, nd_cluster_slots_fn fn, void *arg,
                   struct nd_cluster **out, char *err, size_t errlen) ND_WUR;
/*
 * Release every lease (so the other nodes take over at once), stop the
 * thread and close the connection.  fn is not called again.
 * nd_cluster_free(NULL) does nothing.
 */
void nd_cluster_free(struct nd_cluster *c);
void nd_cluster_status(const struct nd_cluster *c, struct nd_cluster_status *out);

#endif
