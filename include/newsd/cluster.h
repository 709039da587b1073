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
 * Balance: a node that holds fewer than its share of live nodes claims
 * free slots (not taken by anyone) in its order, up to its share; one that
 * holds more releases the excess, its least preferred first.  held[s] and
 * taken[s] (held by anyone, this node included) are 0 or 1 for each of
 * slots; live counts the live nodes, this one included.  Pure.
 */
void nd_cluster_balance(const uint32_t *order, uint32_t slots, const uint8_t *held,
                        const uint8_t *taken, size_t live, struct nd_cluster_moves *out);

#endif
