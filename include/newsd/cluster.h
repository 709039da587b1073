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
 * node expire.  A node that cannot write to the bucket (no server, no
 * quorum) keeps polling the slots it holds: nobody can claim them without
 * a write either.  The loop learns which slots it holds through an eventfd
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
#include "newsd/store.h"
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

/*
 * A source's poll state as the bucket holds it: a JSON object (url, etag,
 * last_modified, next_due, last_poll, last_ok, errors, outcome, error,
 * http_status, retry_until; absent strings are null).  Caller frees.  Pure.
 */
char *nd_cluster_state_encode(const struct nd_source_state *st);
/* The other way; out is new (nd_source_state_clear).  0, or ND_EINVAL for bad JSON.  Pure. */
int nd_cluster_state_decode(const char *json, struct nd_source_state *out) ND_WUR;
/*
 * Should a node that takes a source over use remote (from the bucket)
 * rather than the state it has itself (from an earlier time it held the
 * source)?  When remote was polled later, or local never was.  Pure.
 */
int nd_cluster_state_newer(const struct nd_source_state *local,
                           const struct nd_source_state *remote);

/*
 * A node's key in the bucket: a JSON object with the number of slots it
 * holds, the slots as ranges ("0-3,7,9-12") and whether it claims slots
 * (nd_cluster_allow_claims).  Caller frees.  Pure.
 */
char *nd_cluster_node_encode(const uint8_t *held, uint32_t slots, int claims);
/*
 * The other way: *n_held, held[s] for each of slots (zeroed first) and
 * *claims.  A bare number (an older node's value) gives the count, no
 * slots, and claims.  0, or ND_EINVAL when it cannot be read or names a
 * slot out of range.  Pure.
 */
int nd_cluster_node_decode(const char *value, uint32_t slots, uint8_t *held, uint32_t *n_held,
                           int *claims) ND_WUR;

/* A source's state changed in its timing only is written at most this often (seconds). */
#define ND_CLUSTER_STATE_EVERY 60

/*
 * Should st go to the bucket, when last is the state this node last wrote
 * for the source at last_at (Unix seconds), or NULL?  Yes when anything but
 * the timing (next_due, last_poll, last_ok) changed, or when
 * ND_CLUSTER_STATE_EVERY seconds passed since: after a 304 a source's state
 * is written once a minute at most, so a node that takes it over may poll
 * it up to a minute early (never before a Retry-After: that is written at
 * once).  Pure.
 */
int nd_cluster_state_due(const struct nd_source_state *last, int64_t last_at,
                         const struct nd_source_state *st, int64_t now);

/* --- the lease module (cluster_lease.c, cluster_bucket.c) --- */

struct nd_cluster;

/* The poll state of a source, read from the bucket when its slot was claimed. */
struct nd_cluster_state {
    const char *id;
    struct nd_source_state st;
};

/*
 * The slots this node holds changed (held[s] for each of slots), or states
 * of sources of slots just claimed came (n_states of them, to be taken
 * before the sources are scheduled); all borrowed for the call.
 */
typedef void (*nd_cluster_slots_fn)(void *arg, const uint8_t *held, uint32_t slots,
                                    const struct nd_cluster_state *states, size_t n_states);

/* A live node as its key says at the last listing. */
struct nd_cluster_node {
    char name[65];
    uint32_t held;        /* the slots it said it holds at its last round */
    int claims;           /* it claims slots (0: waits for nd_cluster_allow_claims) */
    int64_t last_seen;    /* Unix ms its key was last written (the server's clock) */
    int64_t lease_oldest; /* Unix ms of the least recently renewed of its slot keys, or 0 */
    int64_t lease_newest; /* and of the most recently renewed one */
    const uint8_t *slots; /* slots[s] for each slot it said it holds */
};

/* The stream of publish.nats, read once a round by the lease thread. */
struct nd_cluster_stream {
    int known; /* read at least once */
    uint64_t messages, bytes, first_seq, last_seq;
    int64_t consumers;
};

/* What status shows (strings borrowed until the module changes). */
struct nd_cluster_status {
    const char *node;
    const char *bucket;
    int connected;        /* connected and the bucket is there */
    uint32_t slots;       /* in all */
    uint32_t held;        /* by this node */
    size_t live;          /* nodes seen alive (and claiming) at the last round */
    int64_t last_renewal; /* Unix seconds of the last round that renewed every lease, or 0 */
    const char *error;    /* the last failure, or "" */
    const struct nd_cluster_node *nodes; /* the live nodes seen at the last round, by name */
    size_t n_nodes;
    const char *stream_name;
    struct nd_cluster_stream stream;
};

/*
 * Start leasing for cfg->cluster (cluster.on must be set; publish.nats gives
 * the credentials and TLS files; the sources are copied, so that the poll
 * state of a slot's sources is read when the slot is claimed) on a thread
 * of its own; fn is called on the loop whenever the held slots change
 * (first with none).  It claims nothing until nd_cluster_allow_claims.
 * loop is borrowed.  Fails (err says why) only when the
 * thread or the eventfd cannot be made.
 */
int nd_cluster_new(struct nd_loop *loop, const struct nd_config *cfg, nd_cluster_slots_fn fn,
                   void *arg, struct nd_cluster **out, char *err, size_t errlen) ND_WUR;
/*
 * Let the lease thread claim slots.  Until this is called it connects,
 * writes this node's key (saying it does not claim, so that the others do
 * not count it in their shares) and holds nothing: it neither claims free
 * slots nor takes back the slots of an earlier run.  Callable from any
 * thread, once or more; nd_cluster_allow_claims(NULL) does nothing.
 */
void nd_cluster_allow_claims(struct nd_cluster *c);
/* A reload: the sources of cfg (copied). */
void nd_cluster_set_sources(struct nd_cluster *c, const struct nd_config *cfg);
/*
 * Write source id's poll state to the state bucket ("<bucket>-state", key
 * "state.<id>"), soon, on the thread, when nd_cluster_state_due says so
 * (against the last state this node wrote since its slots last changed);
 * a later state of the same source not yet written replaces it.  st is
 * read during the call only.  seq: the journal seq the poll's articles
 * reach, or 0 when every journaled article is in the stream: the state is
 * held until nd_cluster_sent() says the rows up to seq are there, so that
 * a node taking the source over after this one died fetches what this one
 * journaled and never sent, instead of a 304.
 */
void nd_cluster_put_state(struct nd_cluster *c, const char *id, const struct nd_source_state *st,
                          int64_t seq);
/* Journal rows up to upto are in the stream: the states held for them go to the bucket. */
void nd_cluster_sent(struct nd_cluster *c, int64_t upto);
/*
 * Release every lease (so the other nodes take over at once), stop the
 * thread and close the connection.  fn is not called again.
 * nd_cluster_free(NULL) does nothing.
 */
void nd_cluster_free(struct nd_cluster *c);
void nd_cluster_status(const struct nd_cluster *c, struct nd_cluster_status *out);

#endif
