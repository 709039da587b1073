/*
 * follow.h: global dedupe in cluster mode.  Every node follows the stream
 * (an ordered JetStream consumer, from the stream sequence after the last
 * one it learned) and teaches its dedupe index the keys and near-duplicate
 * signatures of every article in it: what another node published is then
 * a duplicate here too, whichever node polls its copy later (a takeover, a
 * restart that moves slots, a syndicated copy on a source of its own).
 *
 * Each message goes through the same verdict as a polled article
 * (dedupe.h) and, when it brings something the index lacks, is appended to
 * the node's seen log as a row of its own (seq 0: not in this node's
 * journal); the stream sequence reached is written in the same batch.
 * Whatever moment the node dies at, it resumes where its store says and
 * learns nothing twice.  The node's own messages come back as repeats and
 * add nothing.  A message whose id is in the node's outbox (journaled, not
 * sent: the node was down while another took its source over) leaves the
 * outbox: the stream has it.
 *
 * Until it has caught up (read the stream up to its last message at the
 * time it subscribed) the node claims no slot: a node that starts knows
 * what the others published before it polls anything, and sends its outbox
 * only then (the ready callback).
 */
#ifndef NEWSD_FOLLOW_H
#define NEWSD_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"
#include "newsd/dedupe.h"
#include "newsd/loop.h"
#include "newsd/store.h"
#include "newsd/util.h"

struct nd_follow;

/* What status shows. */
struct nd_follow_status {
    int connected;
    int caught_up;
    uint64_t seq;       /* the last stream sequence learned (and kept in the store) */
    uint64_t target;    /* the stream's last sequence when the node subscribed */
    int64_t learned;    /* messages that taught the index something, since start */
    int64_t repeats;    /* messages it knew already (this node's own among them) */
    int64_t unreadable; /* messages that are no article message */
    int64_t not_sent;   /* outbox rows found in the stream at start: not sent again */
    const char *error;  /* the last failure, or "" */
};

/* Called once, on the loop, when the node has caught up with the stream. */
typedef void (*nd_follow_ready_fn)(void *arg);

/*
 * Follow cfg->nats's stream (cluster mode: cfg->cluster.node names the
 * connection), teaching dedupe and appending to store's seen log.  loop,
 * store and dedupe are borrowed and must outlive it.  Fails (err says why)
 * only when the thread or the eventfd cannot be made.
 */
int nd_follow_new(struct nd_loop *loop, struct nd_store *store, struct nd_dedupe *dedupe,
                  const struct nd_config *cfg, nd_follow_ready_fn ready, void *arg,
                  struct nd_follow **out, char *err, size_t errlen) ND_WUR;
/* Stop following; what was learned is in the store.  NULL does nothing. */
void nd_follow_free(struct nd_follow *f);
void nd_follow_status(const struct nd_follow *f, struct nd_follow_status *out);

#endif
