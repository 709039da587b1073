/*
 * daemon.c: the one place where the stages are wired together: start-up,
 * signals, reload, shutdown.  The loop (loop.c) drives everything; the
 * poller (poller.c, poll.c) runs the polls and reports each one here, and
 * this file hands the reports to the control commands (commands.c).
 *
 * Start-up order (freed in reverse): signals, store, JetStream sink, ZeroMQ
 * context, ZAP handler, PUB socket, control socket, fetcher, worker,
 * poller, commands, metrics server.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/cluster.h"
#include "newsd/commands.h"
#include "newsd/control.h"
#include "newsd/curve.h"
#include "newsd/daemon.h"
#include "newsd/follow.h"
#include "newsd/jetstream.h"
#include "newsd/log.h"
#include "newsd/loop.h"
#include "newsd/metrics.h"
#include "newsd/poller.h"
#include "newsd/version.h"
#include "newsd/worker.h"

#define PRUNE_EVERY_MS  (3600 * 1000)
#define STATUS_EVERY_MS 1000 /* sd_notify STATUS= at most this often */
#define PRUNE_ROWS      5000 /* rows of each table a prune step removes (then the loop turns) */
#define SOURCES(n)      nd_plural((long long)(n), "source", "sources")
#define HEALTH_LAG_MS   5000  /* /healthz fails when the loop ran a timer later than this */
#define HEALTH_PROBE_MS 10000 /* /healthz writes to a store that took no write for this long */
#define FILTER_MEMO     10000 /* articles the filters dropped that explain remembers */

struct nd_daemon {
    struct nd_config *cfg;
    struct nd_loop *loop;
    void *zctx;
    struct nd_store *store;
    struct nd_dedupe *dedupe;
    struct nd_zap *zap;
    struct nd_publisher *pub;
    struct nd_jetstream *js;    /* or NULL: no publish.nats */
    struct nd_cluster *cluster; /* or NULL: not in cluster mode */
    struct nd_follow *follow;   /* the stream follower, in cluster mode */
    struct nd_control *ctl;
    struct nd_fetcher *fetcher;
    struct nd_worker *worker;
    struct nd_poller *poller;
    struct nd_commands *commands;
    struct nd_counters counters;
    struct nd_filter_memo *filtered;
    struct nd_metrics_server *metrics;
    int sigfd;
    struct nd_watch *sig_watch, *ctl_watch;
    struct nd_loop_timer prune, watchdog, deadline;
    int stopping;
    int log_level; /* the configured one (SIGUSR2 toggles debug) */
    int notify;    /* started by systemd (NOTIFY_SOCKET) */
    int64_t last_status;
    int64_t started;
    uint64_t watchdog_usec;
};

static const int signals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};

static int setup_signals(struct nd_daemon *d)
{
    sigset_t set;

    sigemptyset(&set);
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        sigaddset(&set, signals[i]);
    /* before zmq_ctx_new(): libzmq's threads inherit the mask */
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return d->sigfd < 0 ? -1 : 0;
}

/* The poller reports a finished poll. */
static void on_report(void *arg, const struct nd_poll_report *r)
{
    struct nd_daemon *d = arg;

    if (d->commands)
        nd_commands_poll_done(d->commands, r);
    sd_notifyf(0, "STATUS=%zu %s, seq %lld, last poll: %s %s", nd_poller_count(d->poller),
               SOURCES(nd_poller_count(d->poller)), (long long)nd_store_last_seq(d->store),
               r->source_id, nd_outcome_name(r->outcome));
}

/* Cluster mode: the slots this node holds changed. */
static void on_slots(void *arg, const uint8_t *held, uint32_t slots,
                     const struct nd_cluster_state *states, size_t n_states)
{
    struct nd_daemon *d = arg;

    for (size_t i = 0; i < n_states; i++)
        nd_poller_import_state(d->poller, states[i].id, &states[i].st);
    nd_poller_hold(d->poller, held, slots);
}

/* Cluster mode: the node knows what the others published; it may poll now. */
static void on_caught_up(void *arg)
{
    struct nd_daemon *d = arg;

    if (d->js)
        nd_jetstream_hold(d->js, 0);
    if (d->cluster)
        nd_cluster_allow_claims(d->cluster);
}

/* Articles were journaled: the JetStream sink sends them at once (its turn hook may have run). */
static void on_committed(void *arg)
{
    struct nd_daemon *d = arg;

    if (d->js)
        nd_jetstream_kick(d->js);
}

/* Cluster mode: a source's state after a poll goes to the bucket. */
static void on_state(void *arg, const char *id, const struct nd_source_state *st)
{
    struct nd_daemon *d = arg;

    if (d->cluster)
        nd_cluster_put_state(
            d->cluster, id, st,
            d->js && nd_store_outbox_count(d->store) > 0 ? nd_store_last_seq(d->store) : 0);
}

/* Cluster mode: journal rows reached the stream; poll states waiting for them may go. */
static void on_sent(void *arg, int64_t upto)
{
    struct nd_daemon *d = arg;

    if (d->cluster)
        nd_cluster_sent(d->cluster, upto);
}

/* Let the clients listed in the key files in (again: a reload re-reads them). */
static int allow_clients(struct nd_daemon *d, const struct nd_config *cfg, char *err, size_t errlen)
{
    if (d->zap == NULL)
        return ND_OK;
    if (cfg->control_curve.clients &&
        nd_zap_allow(d->zap, "control", cfg->control_curve.clients, err, errlen) != ND_OK)
        return ND_EINVAL;
    if (cfg->publish_curve.clients &&
        nd_zap_allow(d->zap, "publish", cfg->publish_curve.clients, err, errlen) != ND_OK)
        return ND_EINVAL;
    return ND_OK;
}

static int reload(void *arg, char *err, size_t errlen)
{
    struct nd_daemon *d = arg;
    struct nd_config *cfg;
    char changed[512];

    if (nd_config_load(d->cfg->path, &cfg, err, errlen) != ND_OK) {
        log_warnx("reload: %s (the running configuration stays)", err);
        return ND_EINVAL;
    }
    /* settings that live in bound sockets or open files (config.c's RESTART rows) */
    if (nd_config_keep_restart(cfg, d->cfg, changed, sizeof(changed)) > 0)
        log_warnx("reload: %s: changed in the file, kept as they are until a restart", changed);
    if (allow_clients(d, cfg, err, errlen) != ND_OK) {
        log_warnx("reload: %s (the running configuration stays)", err);
        nd_config_free(cfg);
        return ND_EINVAL;
    }
    d->log_level = cfg->log_level;
    log_set_level(cfg->log_level);
    nd_poller_configure(d->poller, cfg);
    if (d->cluster)
        nd_cluster_set_sources(d->cluster, cfg);
    nd_config_free(d->cfg);
    d->cfg = cfg;
    log_info("configuration reloaded: %zu %s", cfg->n_sources, SOURCES(cfg->n_sources));
    return ND_OK;
}

/* One step of the retention: a slice of old rows, then the loop turns. */
static void on_prune(void *arg)
{
    struct nd_daemon *d = arg;
    int64_t now = nd_now(), gone;

    gone = nd_store_prune(d->store, now, d->cfg->journal_retention, d->cfg->seen_retention,
                          PRUNE_ROWS);
    if (gone < 0)
        log_warnx("store: pruning: %s", nd_store_errmsg(d->store));
    nd_dedupe_forget(d->dedupe, nd_store_seen_first(d->store), now - d->cfg->near_window);
    nd_loop_timer_at(d->loop, &d->prune, nd_mono_ms() + (gone >= PRUNE_ROWS ? 0 : PRUNE_EVERY_MS));
}

static void on_watchdog(void *arg)
{
    struct nd_daemon *d = arg;

    /* fired by the loop's own timer: the loop is turning */
    sd_notify(0, "WATCHDOG=1");
    nd_loop_timer_at(d->loop, &d->watchdog, nd_mono_ms() + (int64_t)(d->watchdog_usec / 2000));
}

static void on_deadline(void *arg)
{
    struct nd_daemon *d = arg;

    nd_loop_stop(d->loop);
}

/* Turn hook: once stopping, end the loop when the polls in progress are over. */
static int64_t stop_hook(void *arg)
{
    struct nd_daemon *d = arg;

    if (d->stopping && nd_poller_busy(d->poller) == 0)
        nd_loop_stop(d->loop);
    return -1;
}

static void stop(struct nd_daemon *d, const char *why)
{
    if (d->stopping) {
        log_info("%s again: stopping now", why);
        nd_loop_stop(d->loop);
        return;
    }
    log_info("%s: stopping (%zu %s in progress)", why, nd_poller_busy(d->poller),
             nd_plural((long long)nd_poller_busy(d->poller), "poll", "polls"));
    sd_notify(0, "STOPPING=1");
    d->stopping = 1;
    nd_poller_stop(d->poller);
    nd_commands_stop(d->commands, "newsd is shutting down");
    nd_loop_timer_at(d->loop, &d->deadline, nd_mono_ms() + d->cfg->shutdown_timeout * 1000);
}

/* SIGUSR1: one line per state, and the counters. */
static void log_status(struct nd_daemon *d)
{
    static const char *const states[] = {"pending", "queued",  "polling", "ok",
                                         "backoff", "waiting", "gone",    "disabled"};
    size_t counts[sizeof(states) / sizeof(states[0])] = {0};
    struct nd_source_info info;
    char line[512];
    size_t off;

    for (size_t i = 0; i < nd_poller_count(d->poller); i++) {
        nd_poller_info(d->poller, i, &info);
        for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++)
            if (strcmp(info.state, states[k]) == 0)
                counts[k]++;
    }
    off = (size_t)snprintf(line, sizeof(line),
                           "status: seq %lld, %zu %s:", (long long)nd_store_last_seq(d->store),
                           nd_poller_count(d->poller), SOURCES(nd_poller_count(d->poller)));
    for (size_t k = 0; k < sizeof(states) / sizeof(states[0]) && off < sizeof(line); k++)
        if (counts[k])
            off +=
                (size_t)snprintf(line + off, sizeof(line) - off, " %zu %s", counts[k], states[k]);
    log_info("%s; %zu %s, %zu queued, loop lag %lld ms", line, nd_fetch_in_flight(d->fetcher),
             nd_plural((long long)nd_fetch_in_flight(d->fetcher), "transfer", "transfers"),
             nd_poller_queued(d->poller), (long long)nd_loop_lag_ms(d->loop));
}

static void on_signal(void *arg, int revents)
{
    struct nd_daemon *d = arg;
    struct signalfd_siginfo si;
    char err[1024];

    while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGHUP:
            log_info("SIGHUP: reloading %s", d->cfg->path);
            sd_notify(0, "RELOADING=1");
            (void)reload(d, err, sizeof(err));
            sd_notify(0, "READY=1");
            break;
        case SIGUSR1:
            log_status(d);
            break;
        case SIGUSR2:
            log_set_level(log_get_level() == ND_LOG_DEBUG ? d->log_level : ND_LOG_DEBUG);
            log_notice("SIGUSR2: log level %s",
                       log_get_level() == ND_LOG_DEBUG ? "debug" : "as configured");
            break;
        case SIGTERM:
        case SIGINT:
            stop(d, strsignal((int)si.ssi_signo));
            break;
        }
    }
}

static void on_control(void *arg, int revents)
{
    struct nd_daemon *d = arg;
    struct nd_client *client;
    struct nd_request req;

    while (nd_control_recv(d->ctl, &client, &req) == 1) {
        nd_commands_handle(d->commands, client, &req);
        nd_request_clear(&req);
    }
}

/* A scrape of /metrics: the counters, and what the loop's modules hold now. */
static int render_metrics(void *arg, struct nd_buf *out)
{
    struct nd_daemon *d = arg;
    size_t n = nd_poller_count(d->poller);
    struct nd_metrics_source *src = xcalloc(n + 1, sizeof(*src));
    struct nd_source_info info;
    struct nd_metrics_view v = {
        .c = &d->counters,
        .sources = src,
        .n_sources = n,
        .last_seq = nd_store_last_seq(d->store),
        .journal = nd_store_journal_count(d->store),
        .loop_lag_ms = nd_loop_lag_ms(d->loop),
        .dedupe_rows = nd_dedupe_rows(d->dedupe),
        .dedupe_bytes = nd_dedupe_bytes(d->dedupe),
        .in_flight = nd_fetch_in_flight(d->fetcher),
        .queued = nd_poller_queued(d->poller),
        .started = d->started,
        .version = NEWSD_VERSION,
    };
    struct nd_js_status js;
    int rc;

    if (d->js) {
        nd_jetstream_status(d->js, &js);
        v.nats_on = 1;
        v.nats_connected = js.connected;
        v.nats_backlog = js.backlog;
    }
    for (size_t i = 0; i < n; i++) {
        nd_poller_info(d->poller, i, &info);
        src[i] = (struct nd_metrics_source){info.conf->id, info.state, info.polls};
    }
    rc = nd_metrics_render(&v, out);
    free(src);
    return rc;
}

/*
 * /healthz: the loop turns on time, the store takes commits, newsd is not
 * stopping.  A store that took or refused no write for HEALTH_PROBE_MS is
 * asked to take one (an idle daemon on a disk that became read-only or
 * full is found out; one that failed is found well again).
 */
static int health(void *arg, char *why, size_t whylen)
{
    struct nd_daemon *d = arg;

    if (!d->stopping && nd_mono_ms() - d->counters.store_checked_ms >= HEALTH_PROBE_MS)
        nd_counters_store(&d->counters, nd_store_probe(d->store, nd_now()) == ND_OK
                                            ? NULL
                                            : nd_store_errmsg(d->store));
    if (d->stopping)
        snprintf(why, whylen, "stopping");
    else if (d->counters.store_failing)
        snprintf(why, whylen, "store: the last commit failed: %s", d->counters.store_error);
    else if (nd_loop_lag_ms(d->loop) > HEALTH_LAG_MS)
        snprintf(why, whylen, "loop: its last timer ran %lld ms late",
                 (long long)nd_loop_lag_ms(d->loop));
    else
        return 0;
    return 1;
}

/* The dedupe index, read from the store's seen log. */
static int load_dedupe(struct nd_daemon *d, char *err, size_t errlen)
{
    struct nd_dedupe_opts o = {d->cfg->near_mode, d->cfg->near_window};
    int64_t t0 = nd_mono_ms();

    d->dedupe = nd_dedupe_new(&o);
    if (nd_dedupe_load(d->dedupe, d->store, nd_now()) != ND_OK) {
        snprintf(err, errlen, "store: reading the seen log: %s", nd_store_errmsg(d->store));
        return ND_ESTORE;
    }
    log_info("dedupe: %zu %s remembered, %zu MB in memory, read in %lld ms",
             nd_dedupe_rows(d->dedupe),
             nd_plural((long long)nd_dedupe_rows(d->dedupe), "article", "articles"),
             nd_dedupe_bytes(d->dedupe) >> 20, (long long)(nd_mono_ms() - t0));
    return ND_OK;
}

static int open_sockets(struct nd_daemon *d, char *err, size_t errlen)
{
    struct nd_config *cfg = d->cfg;

    if (cfg->control_curve.secret_key || cfg->publish_curve.secret_key) {
        /* before the sockets it guards: libzmq lets everybody in when no handler is bound */
        if (nd_zap_new(d->zctx, d->loop, &d->zap, err, errlen) != ND_OK ||
            allow_clients(d, cfg, err, errlen) != ND_OK)
            return ND_EINVAL;
    }
    if (nd_publisher_new(d->zctx, &cfg->publish_endpoints, (int)cfg->publish_hwm,
                         cfg->publish_curve.secret_key, &d->pub, err, errlen) != ND_OK)
        return ND_EINVAL;
    if (nd_control_new(d->zctx, cfg->control_endpoint, cfg->control_group,
                       cfg->control_curve.secret_key, &d->ctl, err, errlen) != ND_OK)
        return ND_EINVAL;
    d->ctl_watch = nd_loop_watch(d->loop, -1, nd_control_socket(d->ctl), ND_EV_IN, on_control, d);
    return ND_OK;
}

int nd_daemon_new(struct nd_config *cfg, struct nd_daemon **out, char *err, size_t errlen)
{
    struct nd_daemon *d = xcalloc(1, sizeof(*d));
    struct nd_poller_env penv;
    struct nd_commands_env cenv;
    char why[512];

    *out = NULL;
    d->cfg = cfg;
    d->sigfd = -1;
    d->started = nd_now();
    d->log_level = cfg->log_level;
    d->notify = getenv("NOTIFY_SOCKET") != NULL;
    nd_counters_init(&d->counters);
    d->loop = nd_loop_new();
    nd_loop_timer_init(&d->prune, on_prune, d);
    nd_loop_timer_init(&d->watchdog, on_watchdog, d);
    nd_loop_timer_init(&d->deadline, on_deadline, d);
    if (setup_signals(d) != 0) {
        snprintf(err, errlen, "signals: %s", strerror(errno));
        goto fail;
    }
    d->sig_watch = nd_loop_watch(d->loop, d->sigfd, NULL, ND_EV_IN, on_signal, d);
    if (nd_store_open(cfg->state_dir, &d->store, why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "store: %s", why);
        goto fail;
    }
    if (load_dedupe(d, err, errlen) != ND_OK)
        goto fail;
    if (cfg->nats.on &&
        nd_jetstream_new(d->loop, d->store, &cfg->nats, &d->js, err, errlen) != ND_OK)
        goto fail;
    if (d->js && cfg->cluster.on)
        nd_jetstream_hold(d->js, 1); /* until the follower caught up (on_caught_up) */
    d->zctx = zmq_ctx_new();
    if (d->zctx == NULL) {
        snprintf(err, errlen, "zmq: %s", zmq_strerror(errno));
        goto fail;
    }
    if (open_sockets(d, err, errlen) != ND_OK)
        goto fail;
    d->fetcher = nd_fetcher_new(d->loop);
    if (d->fetcher == NULL) {
        snprintf(err, errlen, "curl: cannot create a multi handle");
        goto fail;
    }
    if (nd_worker_new(d->zctx, d->loop, &d->worker, err, errlen) != ND_OK)
        goto fail;
    d->filtered = nd_filter_memo_new(FILTER_MEMO);
    penv = (struct nd_poller_env){d->loop,   d->store,  d->pub,       d->fetcher,
                                  d->worker, d->dedupe, &d->counters, d->filtered,
                                  on_state,  d,         on_committed};
    d->poller = nd_poller_new(&penv, cfg, on_report, d);
    if (cfg->cluster.on &&
        nd_cluster_new(d->loop, cfg, on_slots, d, &d->cluster, err, errlen) != ND_OK)
        goto fail;
    if (d->cluster && d->js)
        nd_jetstream_on_sent(d->js, on_sent, d);
    if (cfg->cluster.on && nd_follow_new(d->loop, d->store, d->dedupe, cfg, on_caught_up, d,
                                         &d->follow, err, errlen) != ND_OK)
        goto fail;
    cenv = (struct nd_commands_env){d->loop,    d->ctl, d->poller,  d->store,    d->fetcher,
                                    d->dedupe,  d->js,  d->cluster, d->filtered, cfg->path,
                                    d->started, reload, d,          d->follow};
    d->commands = nd_commands_new(&cenv);
    if (cfg->metrics_listen && nd_metrics_server_new(d->loop, cfg->metrics_listen, render_metrics,
                                                     health, d, &d->metrics, err, errlen) != ND_OK)
        goto fail;
    nd_loop_on_turn(d->loop, stop_hook, d);
    if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
        d->watchdog_usec = 0;
    *out = d;
    return ND_OK;
fail:
    nd_daemon_free(d);
    return ND_EINVAL;
}

void nd_daemon_free(struct nd_daemon *d)
{
    if (d == NULL)
        return;
    nd_metrics_server_free(d->metrics);
    nd_commands_free(d->commands);
    d->commands = NULL;
    nd_fetcher_free(d->fetcher); /* aborts transfers in flight: they are fetched again */
    d->fetcher = NULL;
    nd_worker_free(d->worker); /* documents in preparation are dropped (fetched again) */
    nd_poller_free(d->poller); /* writes the source states kept in memory */
    if (d->js) /* acknowledgements taken at the sink's stop find no cluster to tell */
        nd_jetstream_on_sent(d->js, NULL, NULL);
    nd_cluster_free(d->cluster); /* releases the leases: other nodes take over at once */
    d->cluster = NULL;
    nd_follow_free(d->follow); /* what it learned is in the store */
    d->follow = NULL;
    nd_loop_unwatch(d->loop, d->ctl_watch);
    nd_control_free(d->ctl);
    nd_publisher_free(d->pub);
    nd_zap_free(d->zap);
    if (d->zctx)
        zmq_ctx_term(d->zctx);
    nd_dedupe_free(d->dedupe);
    nd_jetstream_free(d->js); /* writes the acknowledgements that came to the store */
    nd_store_free(d->store);
    nd_loop_unwatch(d->loop, d->sig_watch);
    if (d->sigfd >= 0)
        close(d->sigfd);
    nd_loop_free(d->loop);
    nd_filter_memo_free(d->filtered);
    nd_counters_free(&d->counters);
    nd_config_free(d->cfg);
    free(d);
}

int nd_daemon_run(struct nd_daemon *d)
{
    on_prune(d);
    sd_notifyf(0, "READY=1\nSTATUS=%zu %s, seq %lld", nd_poller_count(d->poller),
               SOURCES(nd_poller_count(d->poller)), (long long)nd_store_last_seq(d->store));
    log_info("newsd started: %zu %s, seq %lld, publishing on %s", nd_poller_count(d->poller),
             SOURCES(nd_poller_count(d->poller)), (long long)nd_store_last_seq(d->store),
             d->cfg->publish_endpoints.v[0]);
    if (d->metrics)
        log_info("metrics: http://%s/metrics and /healthz", d->cfg->metrics_listen);
    if (d->watchdog_usec)
        on_watchdog(d);
    nd_loop_run(d->loop);
    if (nd_poller_busy(d->poller))
        log_info("%zu %s not finish in time: they will be fetched again", nd_poller_busy(d->poller),
                 nd_plural((long long)nd_poller_busy(d->poller), "poll did", "polls did"));
    log_info("stopped at seq %lld", (long long)nd_store_last_seq(d->store));
    return 0;
}
