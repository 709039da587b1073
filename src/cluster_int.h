/*
 * cluster_int.h: between cluster mode's rounds and loop side
 * (cluster_lease.c), its bucket I/O (cluster_bucket.c), its view of the
 * leases bucket (cluster_view.c) and its poll states (cluster_states.c).
 * Not part of the core library's API.
 *
 * Everything under "the thread's" is touched by the NATS thread only;
 * "under mu" is shared with the loop; "the loop's" is the loop's.
 */
#ifndef NEWSD_CLUSTER_INT_H
#define NEWSD_CLUSTER_INT_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "newsd/cluster.h"
#include "newsd/loop.h"
#include "newsd/strmap.h"

#define CL_RETRY_MS   1000 /* between connection or bucket attempts */
#define CL_REQUEST_MS 2000 /* a key-value request waits this long for its answer */
#define CL_KICK_MS    250  /* a round for a deleted key comes this long after the last at least */
#define CL_PUMP_MS    100  /* between rounds, the watcher is read this often at most */
#define CL_STALE_MS                                                                                \
    4000 /* the watcher has not shown this node's own write for this long: reopen                  \
          */

/* What the thread shows the loop (under mu), and the loop's copy of it. */
struct cl_state {
    int connected;
    uint32_t held;
    size_t live;
    int64_t last_renewal; /* Unix seconds */
    char error[256];
    struct nd_cluster_stream stream;
};

/* A source id with a poll state (JSON) or a slot. */
struct cl_kv {
    char *id;
    char *json;
    uint32_t slot;
};

/* A poll state held back until the journal rows up to seq are in the stream. */
struct cl_held {
    char *id;
    char *json;
    int64_t seq;
};

/* A source's state as this node last queued it for the bucket (nd_cluster_state_due). */
struct cl_written {
    struct nd_source_state st;
    int64_t at; /* Unix seconds */
};

/* The nodes of one listing: their entries, and the slots each announced. */
struct cl_nodes {
    struct nd_cluster_node *v; /* by name; v[i].slots points into bits */
    uint8_t *bits;             /* n * slots */
    size_t n, cap;
};

/* A slot's key as the watcher last showed it (created 0: no key). */
struct cl_vslot {
    char holder[65];
    int64_t created; /* Unix ms, the server's clock */
};

/* A node's key as the watcher last showed it. */
struct cl_vnode {
    char name[65];
    char *value;
    int64_t created; /* Unix ms, the server's clock */
};

struct nd_cluster {
    /* the loop's */
    struct nd_loop *loop;
    struct nd_watch *watch;
    nd_cluster_slots_fn fn;
    void *arg;
    uint8_t *given; /* the held slots as last given to fn */
    uint8_t *next;  /* the thread's, as last taken */
    struct cl_nodes seen_nodes;
    struct cl_state seen;
    struct nd_strmap written; /* source id -> struct cl_written, the last state queued */
    struct cl_held *waiting;  /* states waiting for their articles to be in the stream */
    size_t n_waiting, cap_waiting;
    int64_t sent_upto; /* journal rows up to this seq are in the stream (nd_cluster_sent) */

    /* settings, copied */
    char *node, *bucket, *state_bucket, *stream;
    struct nd_strv servers;
    struct nd_nats_conf files; /* credentials and TLS files only */
    int64_t ttl_ms;
    uint32_t slots;
    int replicas;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int efd;
    int started;
    atomic_int claims_allowed;
    /* under mu */
    uint8_t *shown;     /* the held slots, for the loop */
    struct cl_kv *puts; /* poll states to write, one per source */
    size_t n_puts, cap_puts;
    struct cl_kv *got; /* poll states read at claims, for the loop */
    size_t n_got, cap_got;
    struct cl_kv *sources; /* the configuration's: id and slot (json unused) */
    size_t n_sources;
    struct cl_nodes nodes; /* of the last listing */
    struct cl_state st;
    int quit;
    int kick;     /* a round now (soon: not within CL_KICK_MS of the last) */
    int sub_done; /* the deletes subscription's handler returned for the last time */

    /* the thread's */
    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
    kvStore *state_kv;         /* "<bucket>-state": poll states, no TTL */
    natsSubscription *deletes; /* of the bucket's keys: a round at once (under mu: sub_done) */
    int up;                    /* the last write to the bucket went through */
    uint64_t node_rev;         /* of this node's key as it last wrote it, 0 before */
    uint64_t found_rev;        /* of a key with this node's name found at start, 0 if none */
    int64_t found_at;          /* nd_mono_ms() it was found at */
    int adopt;                 /* take back the slots a killed run of this node held */
    int was_down;              /* the last round could not write */
    int64_t quiet_until;       /* nd_mono_ms(): no balance before (after an outage) */
    uint8_t *held, *taken;
    uint8_t *announced;   /* held as the node key last said */
    int announced_claims; /* and whether it claimed */
    uint64_t *rev;        /* of each held slot's key */
    uint32_t *order;      /* this node's preference */
    uint32_t *claim, *release;
    uint32_t *loads; /* the slot counts the live nodes that claim announced, n_loads of them */
    size_t n_loads;
    struct cl_nodes found; /* the nodes of the view, for the round */
    /* the view of the leases bucket (cluster_view.c) */
    kvWatcher *watcher;        /* every key, deletions included, open while connected */
    int view_ready;            /* its initial replay is over */
    uint64_t watch_reconnects; /* the connection's reconnect count when it was opened */
    struct cl_vslot *vslots;   /* by slot */
    struct cl_vnode *vnodes;
    size_t n_vnodes, cap_vnodes;
    int64_t clock_off;  /* server Unix ms - nd_mono_ms(): a lower bound; INT64_MIN: none yet */
    uint64_t own_rev;   /* this node's key as last written: its revision */
    int64_t own_at;     /* and nd_mono_ms() when the write was answered */
    int64_t own_unseen; /* nd_mono_ms() of the oldest such write the watcher has not shown, 0 */
};

/* --- cluster_bucket.c: the bucket I/O, on the thread --- */

void cl_kv_free(struct cl_kv *v, size_t n);
void cl_nodes_reserve(struct cl_nodes *ns, size_t n, uint32_t slots);
void cl_kv_push(struct cl_kv **v, size_t *n, size_t *cap, char *id, char *json);
/* Copy src into dst (dst's arrays grow; the slots pointers are set). */
void cl_nodes_copy(struct cl_nodes *dst, const struct cl_nodes *src, uint32_t slots);
void cl_nodes_free(struct cl_nodes *n);
/* c->st.error = what: the library's text for s.  Under mu. */
void cl_set_error(struct nd_cluster *c, const char *what, natsStatus s);
/* The same, taking mu. */
void cl_fail(struct nd_cluster *c, const char *what, natsStatus s);
/* Connect, then find the buckets or make them.  0, or -1 with the error set. */
int cl_get_bucket(struct nd_cluster *c);
void cl_drop_connection(struct nd_cluster *c);
/* Did this failure say the key is not as we left it (not a timeout or a lost connection)? */
int cl_refused(natsStatus s);
void cl_slot_key(char *key, size_t len, uint32_t s);
/* The stream's state for status (c->st.stream), when publish.nats names one. */
void cl_stream_info(struct nd_cluster *c);
/* Read the poll states of the sources of the slots came[s] from the state bucket, for the loop. */
void cl_read_states(struct nd_cluster *c, const uint8_t *came);
/* Write the poll states queued; after a failure the rest are dropped (the next polls write). */
void cl_write_states(struct nd_cluster *c);

/* --- cluster_states.c: the poll states, on the loop --- */

/* Forget the states written (the held slots changed: another node may have written since). */
void cl_forget_written(struct nd_cluster *c);

/* --- cluster_view.c: the view of the leases bucket, on the thread --- */

/* Close the watcher and forget the view. */
void cl_view_drop(struct nd_cluster *c);
/* Open the watcher if need be (reopen it after a reconnect) and apply what it has shown. */
void cl_view_pump(struct nd_cluster *c);
/* This node's key was written at revision rev (for the server's clock). */
void cl_view_wrote(struct nd_cluster *c, uint64_t rev);
/*
 * The view, up to date, for a round: c->taken, the nodes (c->found, then
 * c->nodes for the loop), the loads and the live count of the nodes that
 * claim; keys past their TTL by the server's clock are gone.  -1 when the
 * watcher cannot give it (the error is set).
 */
int cl_view(struct nd_cluster *c, size_t *live);
/* nd_mono_ms() when the first slot held by another node expires, INT64_MAX if none. */
int64_t cl_view_next_expiry(struct nd_cluster *c);

#endif
