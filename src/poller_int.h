/*
 * poller_int.h: the poller's own state, shared by poller.c (sources,
 * schedule, admission, refresh) and poll.c (one poll from its transfer to
 * its report).  Not part of the core library's API.
 */
#ifndef NEWSD_POLLER_INT_H
#define NEWSD_POLLER_INT_H

#include "newsd/hostq.h"
#include "newsd/ingest.h"
#include "newsd/poller.h"
#include "newsd/prepare.h"
#include "newsd/strmap.h"

struct nd_source {
    struct nd_poller *p;
    size_t index;               /* in p->sources */
    struct nd_source_conf conf; /* own copy: survives a reload */
    char *host;                 /* for the admission queue */
    struct nd_loop_timer timer; /* the next poll */
    struct nd_hostq_entry qe;
    int busy;                  /* a poll runs: transfer, prepare or admit */
    int removed;               /* dropped by a reload while busy: freed when the poll ends */
    int gone;                  /* 410 Gone: not polled until forced or its URL changes */
    int forced;                /* the running poll was forced */
    int dirty;                 /* st changed and is not in the store yet */
    struct nd_source_state st; /* as persisted */
    /* the last poll */
    enum nd_outcome outcome;
    char error[256];
    size_t items, added, updated, duplicates, skipped, filtered;
    char *redirect;
    uint64_t polls[ND_OUT_COUNT]; /* since start, by outcome */
    uint64_t body_bytes;          /* the last 200's body as transferred: what a 304 saves */
    int64_t articles;             /* journaled since start */
    int64_t next_wall;            /* Unix ms of the next poll, 0 when not scheduled */
    uint32_t slot;                /* cluster mode: the slot of its id */
    int held;                     /* this node polls it (always, outside cluster mode) */
};

/* One poll, from the end of its transfer to its report. */
struct nd_poll {
    struct nd_job job; /* prepare, on the worker */
    struct nd_poller *p;
    struct nd_source *s;
    char *source_id; /* own copies: a reload may change s->conf meanwhile */
    char *topic, *source_title, *source_url;
    struct nd_filters *filters, *global_filters; /* references, held while the poll runs */
    int64_t now;                                 /* Unix seconds the transfer ended */
    struct nd_fetch_result res;
    enum nd_outcome outcome;
    char error[256];
    struct nd_prepared prep;
    size_t left; /* articles still to admit: prep.articles[0 .. left) */
    struct nd_ingest in;
    struct nd_source_state ns; /* the source's state after this poll */
    int64_t delay;             /* ms until the next poll */
    int64_t queued_at;         /* nd_mono_ms() it joined the admit queue */
    struct nd_poll *next;      /* in the admit queue */
};

struct nd_poller {
    struct nd_poller_env env;
    nd_poll_report_fn report;
    void *report_arg;
    struct nd_source **sources; /* configuration order */
    size_t n_sources;
    struct nd_strmap by_id;     /* id -> struct nd_source */
    struct nd_source **orphans; /* removed by a reload while busy */
    size_t n_orphans;
    struct nd_hostq *q;
    /* settings, copied from the configuration */
    char *user_agent;
    struct nd_filters *filters; /* the global rules (a reference) */
    struct nd_dedupe_opts dedupe;
    int64_t near_window;
    struct nd_sched_policy policy;
    int stopping;
    size_t busy;
    struct nd_poll *admit_head, *admit_tail; /* waiting for a group commit, in order */
    size_t n_admit;
    struct nd_poll *doc;      /* the poll whose document is the near index's context */
    struct nd_source **dirty; /* sources whose state is not in the store yet */
    size_t n_dirty, cap_dirty;
    struct nd_loop_timer flush; /* writes dirty source states */
    /* cluster mode: only the sources of the slots held are polled */
    uint32_t slots;      /* 0: not in cluster mode */
    uint8_t *held_slots; /* [slots], as the leases last said */
};

/* poll.c */
/* Start a transfer for s (popped from the admission queue). */
void nd_poll_start(struct nd_poller *p, struct nd_source *s);
/* The loop hook that admits waiting polls in one group commit. */
int64_t nd_poll_admit_hook(void *arg);
/* Write the states of sources that changed without a commit (304s). */
void nd_poll_flush_states(struct nd_poller *p);
/* s's state changed in memory only: write it with the next commit. */
void nd_poll_mark_dirty(struct nd_poller *p, struct nd_source *s);
/* s goes away: forget that it was dirty. */
void nd_poll_forget_dirty(struct nd_poller *p, struct nd_source *s);
/* A source's state after poll's outcome; fills poll->ns and poll->delay. */
void nd_poll_next_state(struct nd_poll *poll, const struct nd_fetch_result *r, int64_t ttl);

void nd_poll_free(struct nd_poll *poll);

/* poller.c */
/* The poll of s ended: schedule the next one in delay ms (-1: none), or free an orphan. */
void nd_poller_source_done(struct nd_poller *p, struct nd_source *s, int64_t delay);

#endif
