/*
 * poller.h: the sources and their polls.
 *
 * The poller owns one record per configured source: its persisted state,
 * its timer and its place in the admission queue (hostq.h).  A poll goes
 *   due -> admission queue -> transfer (fetch.h) -> prepare on the worker
 *   (prepare.h) -> admit in a group commit (ingest.h, store.h) -> publish
 * and ends with a report to the callback given to nd_poller_new(): the
 * poller calls nothing above it.
 *
 * Politeness: a source is polled when its persisted next due time comes
 * (a restart polls only what is due or was never polled); a 410 Gone stops
 * it; Retry-After and backoff hold it, also against a manual refresh unless
 * forced.  All of it runs on the loop thread.
 *
 * In cluster mode (cfg->cluster.on) a source is polled only while this node
 * holds its slot (nd_poller_hold); until then, and after, it is "elsewhere".
 */
#ifndef NEWSD_POLLER_H
#define NEWSD_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"
#include "newsd/dedupe.h"
#include "newsd/fetch.h"
#include "newsd/filter.h"
#include "newsd/loop.h"
#include "newsd/metrics.h"
#include "newsd/outcome.h"
#include "newsd/publish.h"
#include "newsd/store.h"
#include "newsd/worker.h"

struct nd_poller;

/* What the poller works with; borrowed, they must outlive it. */
struct nd_poller_env {
    struct nd_loop *loop;
    struct nd_store *store;
    struct nd_publisher *pub;
    struct nd_fetcher *fetcher;
    struct nd_worker *worker;
    struct nd_dedupe *dedupe;
    struct nd_counters *counters;    /* what happened is counted here (may be NULL) */
    struct nd_filter_memo *filtered; /* articles the filters dropped, for explain (may be NULL) */
    /* cluster mode: a source's state after each poll, to share (may be NULL; st borrowed) */
    void (*state_out)(void *arg, const char *id, const struct nd_source_state *st);
    void *state_arg; /* for state_out and committed */
    /* articles were journaled (a group commit): the JetStream sink sends them now (may be NULL) */
    void (*committed)(void *arg);
};

/* A finished poll (borrowed for the callback). */
struct nd_poll_report {
    const char *source_id;
    enum nd_outcome outcome;
    long http_status;
    size_t items, added, updated, duplicates, skipped, filtered;
    const char *error; /* one line, or NULL when the poll went well */
    int64_t seq;       /* the daemon's last seq after the poll */
};
typedef void (*nd_poll_report_fn)(void *arg, const struct nd_poll_report *r);

/* A source as status shows it (borrowed: valid until the poller changes). */
struct nd_source_info {
    const struct nd_source_conf *conf;
    const char *state;   /* pending, queued, polling, ok, backoff, waiting, gone, disabled,
                            elsewhere (cluster mode: another node polls it) */
    int64_t last_poll;   /* Unix seconds, 0 never */
    int64_t last_ok;     /* Unix seconds, 0 never */
    int64_t next_poll;   /* Unix seconds, 0 when not scheduled */
    int64_t retry_until; /* Unix seconds the server asked to wait until (Retry-After), or 0 */
    long http_status;
    enum nd_outcome outcome;                           /* ND_OUT_NONE before the first poll */
    const char *error;                                 /* "" when none */
    int64_t errors;                                    /* consecutive failures */
    size_t items, added, updated, duplicates, skipped; /* the last poll */
    size_t filtered;                                   /* ... items a filter dropped */
    int64_t articles;                                  /* journaled since start */
    const uint64_t *polls; /* polls since start, by outcome (ND_OUT_COUNT of them) */
    const char *redirect;  /* a permanent redirect seen, or NULL */
};

struct nd_poller *nd_poller_new(const struct nd_poller_env *env, const struct nd_config *cfg,
                                nd_poll_report_fn fn, void *arg);
/* Polls still running are abandoned (fetched again at the next start). */
void nd_poller_free(struct nd_poller *p);

/*
 * Take a configuration (the first one, or a reload): sources added, changed
 * or removed, limits.  cfg is read during the call only.  A source removed
 * while its poll runs is reported with an error when the poll ends.
 */
void nd_poller_configure(struct nd_poller *p, const struct nd_config *cfg);

/*
 * Poll source id now, ahead of scheduled polls.  Returns 0 when it is (or
 * already was) on its way, ND_ENOTFOUND for an unknown id, or ND_EEXIST when
 * it is skipped: disabled, gone, asked to wait or backing off, with the
 * reason in why.  force polls it whatever its state.
 */
int nd_poller_refresh(struct nd_poller *p, const char *id, int force, char *why, size_t whylen);

size_t nd_poller_count(const struct nd_poller *p);
/* Source i, in configuration order. */
void nd_poller_info(const struct nd_poller *p, size_t i, struct nd_source_info *out);
/* The index of source id, or -1. */
long nd_poller_find(const struct nd_poller *p, const char *id);

/*
 * Cluster mode: this node now holds the slots s with held[s] (slots of
 * them, the cluster.slots the poller was made with).  A source whose slot
 * came is scheduled from its state (polled now if due); one whose slot went
 * is polled no more (a poll on its way finishes).  held is read during the
 * call only.
 */
void nd_poller_hold(struct nd_poller *p, const uint8_t *held, uint32_t slots);
/*
 * Cluster mode: the state another node left for source id (read when its
 * slot came), taken (copied) when the source is not polled here yet and
 * st is more recent than the state this node has: the next poll then sends
 * its validators and waits for its next due time (Retry-After, backoff).
 */
void nd_poller_import_state(struct nd_poller *p, const char *id, const struct nd_source_state *st);

/* Start no more polls (shutdown).  Work in progress goes on. */
void nd_poller_stop(struct nd_poller *p);
/* Polls started and not finished: transfers, documents being prepared or admitted. */
size_t nd_poller_busy(const struct nd_poller *p);
size_t nd_poller_queued(const struct nd_poller *p);

#endif
