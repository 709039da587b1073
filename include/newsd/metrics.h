/*
 * metrics.h: what the daemon counts, and the HTTP endpoint that shows it
 * (docs/operations.md, "Metrics").
 *
 * The counters live in one struct the daemon owns (struct nd_counters);
 * the modules where things happen (the poller, ingest, the group commit)
 * are handed a pointer to it and add to it.  Everything else the metrics
 * show (the journal, the dedupe index, the sources' states, the loop's
 * lag) is read when a scrape comes.
 *
 * The server is libmicrohttpd in its external-polling mode with epoll: its
 * one epoll descriptor is a watcher of the daemon's loop and a turn hook
 * gives it its timeouts, so a scrape is answered on the loop thread, like
 * a control request, and reads the loop's data without locks.  A loop that
 * does not turn does not answer: a probe of /healthz needs a timeout.
 *
 * All of it is for the loop thread; nd_metrics_render() and
 * nd_metrics_parse_listen() are pure.
 */
#ifndef NEWSD_METRICS_H
#define NEWSD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "newsd/loop.h"
#include "newsd/outcome.h"
#include "newsd/strmap.h"
#include "newsd/util.h"

#define ND_HIST_MAX 16 /* buckets of a histogram, +Inf not counted */

/* A Prometheus histogram: counts per upper bound (seconds), their sum and count. */
struct nd_hist {
    const double *bounds; /* ascending, n of them (static) */
    size_t n;
    uint64_t counts[ND_HIST_MAX]; /* observations <= bounds[i], not cumulative */
    uint64_t count;
    double sum;
};

/* How an item that was not published matched an earlier one (the dedupe verdict's key). */
enum nd_dup_kind {
    ND_DUP_GUID = 0, /* the source's own guid: the same item seen again */
    ND_DUP_URL,      /* its canonical URL */
    ND_DUP_TEXT,     /* its normalized title and text */
    ND_DUP_NEAR,     /* a near-duplicate (dropped or, with "mark", published marked) */
    ND_DUP_KINDS
};

struct nd_counters {
    uint64_t published; /* "article" messages journaled */
    uint64_t updated;   /* "update" messages journaled */
    uint64_t duplicates[ND_DUP_KINDS];
    uint64_t skipped;       /* entries with nothing to publish */
    uint64_t fetch_bytes;   /* response bodies as transferred */
    uint64_t saved_bytes;   /* a 304's worth: the source's last 200 body, as transferred */
    uint64_t commits;       /* durable group commits that succeeded */
    uint64_t commit_errors; /* commits (durable or not) that failed */
    uint64_t publish_errors;
    struct nd_hist fetch_seconds;  /* one transfer, redirects included */
    struct nd_hist commit_seconds; /* one durable group commit (its fsync) */
    struct nd_strmap filtered;     /* filter label -> uint64_t *, items it dropped */
    int store_failing;             /* the last commit (or probe) failed ... */
    char store_error[256];         /* ... with this message */
    int64_t store_checked_ms;      /* when the store last took or refused a write (monotonic) */
};

void nd_counters_init(struct nd_counters *c);
void nd_counters_free(struct nd_counters *c);
void nd_hist_observe(struct nd_hist *h, double v);
/* One more item dropped by the filter of that label. */
void nd_counters_filtered(struct nd_counters *c, const char *label);
/* The outcome of a store commit or probe (err NULL: it went well). */
void nd_counters_store(struct nd_counters *c, const char *err);

/* One source as the metrics show it (borrowed). */
struct nd_metrics_source {
    const char *id;
    const char *state;     /* as status says it */
    const uint64_t *polls; /* ND_OUT_COUNT counters, by outcome */
};

/* Everything a scrape shows (borrowed for the call). */
struct nd_metrics_view {
    const struct nd_counters *c;
    const struct nd_metrics_source *sources;
    size_t n_sources;
    int64_t last_seq, journal;
    int64_t loop_lag_ms;
    size_t dedupe_rows, dedupe_bytes;
    size_t in_flight, queued;
    int64_t started; /* Unix seconds */
    const char *version;
    /* The JetStream sink (publish.nats), as its status says; without it the gauges are left out. */
    int nats_on;
    int nats_connected;   /* connected and the stream is there */
    int64_t nats_backlog; /* journaled articles the stream has not acknowledged yet */
};

/* The Prometheus text format (version 0.0.4) of v, appended to out.  Pure.  0 or ND_ETOOBIG. */
int nd_metrics_render(const struct nd_metrics_view *v, struct nd_buf *out) ND_WUR;

/*
 * "HOST:PORT" ("127.0.0.1:9464", "[::1]:9464", "localhost:9464") into an
 * address; *loopback says whether only this machine can reach it.  0, or
 * ND_EINVAL with a reason in err.  Resolves a host name (getaddrinfo).
 */
int nd_metrics_parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len,
                            int *loopback, char *err, size_t errlen) ND_WUR;

/* Render the metrics into out: 0, or an error (then the scrape gets a 500). */
typedef int (*nd_metrics_fn)(void *arg, struct nd_buf *out);
/* Health: 0 when healthy; else non-zero with the reason in why. */
typedef int (*nd_health_fn)(void *arg, char *why, size_t whylen);

struct nd_metrics_server;

/*
 * Listen on listen ("HOST:PORT") and serve GET /metrics (render) and
 * GET /healthz (health: 200 "ok", or 503 and the reason) from loop.  On
 * failure returns ND_EINVAL with the reason in err.
 */
int nd_metrics_server_new(struct nd_loop *loop, const char *listen, nd_metrics_fn render,
                          nd_health_fn health, void *arg, struct nd_metrics_server **out, char *err,
                          size_t errlen) ND_WUR;
/* Stop listening, close connections.  NULL does nothing. */
void nd_metrics_server_free(struct nd_metrics_server *s);

#endif
