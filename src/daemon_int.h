/*
 * daemon_int.h: the daemon's own state, shared by daemon.c (loop and
 * wiring), poll.c (one poll of one source) and commands.c (control
 * requests).  Not part of the core library's API.
 */
#ifndef NEWSD_DAEMON_INT_H
#define NEWSD_DAEMON_INT_H

#include <jansson.h>
#include <stdint.h>

#include "newsd/config.h"
#include "newsd/control.h"
#include "newsd/daemon.h"
#include "newsd/fetch.h"
#include "newsd/publish.h"
#include "newsd/sched.h"
#include "newsd/store.h"

struct nd_source {
    struct nd_daemon *d;
    struct nd_source_conf conf; /* own copy: survives a reload */
    char *host;                 /* for the per-host limit */
    struct nd_timer timer;
    int in_flight;
    int queued;                /* in the ready queue */
    int removed;               /* dropped by a reload while in flight */
    struct nd_source_state st; /* persisted state */
    /* the last poll */
    enum nd_outcome outcome;
    char error[256];
    size_t items, added, updated, duplicates;
    char *redirect;
    int64_t articles;  /* journaled since start */
    int64_t next_wall; /* wall-clock ms of the next poll, 0 when not scheduled */
};

struct nd_refresh {
    struct nd_client *client;
    struct nd_strv ids;
    json_t **results; /* one per id, NULL until done */
    struct nd_refresh *next;
};

struct nd_daemon {
    struct nd_config *cfg;
    void *zctx;
    struct nd_store *store;
    struct nd_publisher *pub;
    struct nd_control *ctl;
    struct nd_fetcher *fetcher;
    struct nd_sched sched;
    struct nd_source **sources; /* configuration order */
    size_t n_sources;
    struct nd_source **orphans; /* removed by reload, transfer still running */
    size_t n_orphans;
    struct nd_source **ready; /* due, waiting for a transfer slot (FIFO) */
    size_t n_ready, cap_ready;
    struct nd_refresh *refreshes;
    int sigfd;
    int stopping;
    int64_t stop_deadline; /* monotonic ms */
    int64_t started;       /* wall clock */
    int64_t next_prune;    /* monotonic ms */
    uint64_t watchdog_usec;
    int64_t last_watchdog; /* monotonic ms */
};

/* poll.c */
struct nd_source *nd_source_new(struct nd_daemon *d, const struct nd_source_conf *conf);
void nd_source_free(struct nd_source *s);
/* Update a source's settings after a reload. */
void nd_source_reconfigure(struct nd_source *s, const struct nd_source_conf *conf);
/* Put a source in the ready queue (front: ahead of scheduled polls). */
void nd_source_ready(struct nd_daemon *d, struct nd_source *s, int front);
/* Start as many ready polls as the limits allow. */
void nd_poll_start_ready(struct nd_daemon *d);
json_t *nd_source_status(const struct nd_source *s);
struct nd_ingest;
/* A source's entry in a refresh reply (error NULL when it went well). */
json_t *nd_poll_result(const char *id, const char *outcome, long http_status,
                       const struct nd_ingest *in, const char *error, int64_t seq);

/* commands.c */
void nd_commands_handle(struct nd_daemon *d, struct nd_client *client, json_t *req);
/* A poll of s finished: answer the refreshes that waited for it. */
void nd_refresh_done(struct nd_daemon *d, struct nd_source *s, json_t *result);
/* Answer every waiting refresh with an error (shutdown). */
void nd_refresh_abort_all(struct nd_daemon *d, const char *why);
int nd_daemon_reload(struct nd_daemon *d, char *err, size_t errlen);

#endif
