/*
 * daemon.c: start-up, the main loop, reload and shutdown.
 *
 * One thread waits in zmq_poll() on a signalfd, the control socket and the
 * sockets curl asks for; the timeout is the soonest of curl's timer, the
 * next source due, the shutdown deadline and the watchdog.
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

#include "daemon_int.h"
#include "newsd/ingest.h"
#include "newsd/log.h"

#define MAX_POLLITEMS  1024
#define PRUNE_EVERY_MS (3600 * 1000)

static int setup_signals(struct nd_daemon *d)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* before zmq_ctx_new(): libzmq's threads inherit the mask */
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return d->sigfd < 0 ? -1 : 0;
}

static void add_source(struct nd_daemon *d, const struct nd_source_conf *conf)
{
    struct nd_source *s = nd_source_new(d, conf);

    d->sources = xrealloc(d->sources, (d->n_sources + 1) * sizeof(*d->sources));
    d->sources[d->n_sources++] = s;
    if (conf->enabled)
        nd_source_ready(d, s, 0); /* every source is polled right after start */
}

int nd_daemon_new(struct nd_config *cfg, struct nd_daemon **out, char *err, size_t errlen)
{
    struct nd_daemon *d = xcalloc(1, sizeof(*d));
    char why[512];

    *out = NULL;
    d->cfg = cfg;
    d->sigfd = -1;
    d->started = nd_now();
    nd_sched_init(&d->sched);
    if (setup_signals(d) != 0) {
        snprintf(err, errlen, "signals: %s", strerror(errno));
        goto fail;
    }
    if (nd_store_open(cfg->state_dir, &d->store, why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "store: %s", why);
        goto fail;
    }
    d->zctx = zmq_ctx_new();
    if (d->zctx == NULL) {
        snprintf(err, errlen, "zmq: %s", zmq_strerror(errno));
        goto fail;
    }
    if (nd_publisher_new(d->zctx, &cfg->publish_endpoints, (int)cfg->publish_hwm, &d->pub, err,
                         errlen) != ND_OK)
        goto fail;
    if (nd_control_new(d->zctx, cfg->control_endpoint, &d->ctl, err, errlen) != ND_OK)
        goto fail;
    d->fetcher = nd_fetcher_new();
    if (d->fetcher == NULL) {
        snprintf(err, errlen, "curl: cannot create a multi handle");
        goto fail;
    }
    for (size_t i = 0; i < cfg->n_sources; i++)
        add_source(d, &cfg->sources[i]);
    d->watchdog_usec = 0;
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
    nd_fetcher_free(d->fetcher); /* aborts transfers in flight: they are fetched again */
    nd_sched_free(&d->sched);    /* before the sources that hold its timers */
    for (size_t i = 0; i < d->n_sources; i++)
        nd_source_free(d->sources[i]);
    for (size_t i = 0; i < d->n_orphans; i++)
        nd_source_free(d->orphans[i]);
    free(d->sources);
    free(d->orphans);
    free(d->ready);
    nd_control_free(d->ctl);
    nd_publisher_free(d->pub);
    if (d->zctx)
        zmq_ctx_term(d->zctx);
    nd_store_free(d->store);
    if (d->sigfd >= 0)
        close(d->sigfd);
    nd_config_free(d->cfg);
    free(d);
}

static void drop_from_ready(struct nd_daemon *d, struct nd_source *s)
{
    for (size_t i = 0; i < d->n_ready; i++)
        if (d->ready[i] == s) {
            memmove(&d->ready[i], &d->ready[i + 1], (d->n_ready - i - 1) * sizeof(s));
            d->n_ready--;
            break;
        }
    s->queued = 0;
}

/* Settings that live in bound sockets or open files wait for a restart. */
static void keep_fixed_settings(struct nd_config *old, struct nd_config *new)
{
    int differ = strcmp(old->state_dir, new->state_dir) != 0 ||
                 strcmp(old->control_endpoint, new->control_endpoint) != 0 ||
                 old->publish_endpoints.n != new->publish_endpoints.n ||
                 old->publish_hwm != new->publish_hwm;

    for (size_t i = 0; !differ && i < old->publish_endpoints.n; i++)
        differ = strcmp(old->publish_endpoints.v[i], new->publish_endpoints.v[i]) != 0;
    if (differ)
        log_warnx("reload: state_dir, publish and control settings change only at restart");
    nd_str_set(&new->state_dir, old->state_dir);
    nd_str_set(&new->control_endpoint, old->control_endpoint);
    nd_strv_free(&new->publish_endpoints);
    for (size_t i = 0; i < old->publish_endpoints.n; i++)
        nd_strv_push(&new->publish_endpoints, old->publish_endpoints.v[i]);
    new->publish_hwm = old->publish_hwm;
}

int nd_daemon_reload(struct nd_daemon *d, char *err, size_t errlen)
{
    struct nd_config *cfg;
    struct nd_source **old = d->sources;
    size_t n_old = d->n_sources, added = 0;

    if (nd_config_load(d->cfg->path, &cfg, err, errlen) != ND_OK) {
        log_warnx("reload: %s (the running configuration stays)", err);
        return ND_EINVAL;
    }
    keep_fixed_settings(d->cfg, cfg);
    log_set_level(cfg->log_level);
    d->sources = NULL;
    d->n_sources = 0;
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const struct nd_source_conf *sc = &cfg->sources[i];
        struct nd_source *s = NULL;
        for (size_t j = 0; j < n_old; j++)
            if (old[j] && strcmp(old[j]->conf.id, sc->id) == 0) {
                s = old[j];
                old[j] = NULL;
                break;
            }
        if (s == NULL) {
            add_source(d, sc);
            added++;
            continue;
        }
        int was_enabled = s->conf.enabled;
        nd_source_reconfigure(s, sc);
        d->sources = xrealloc(d->sources, (d->n_sources + 1) * sizeof(*d->sources));
        d->sources[d->n_sources++] = s;
        if (!sc->enabled) {
            nd_sched_remove(&d->sched, &s->timer);
            drop_from_ready(d, s);
            s->next_wall = 0;
        } else if (!was_enabled && !s->in_flight) {
            nd_source_ready(d, s, 0);
        }
    }
    for (size_t j = 0; j < n_old; j++) {
        struct nd_source *s = old[j];
        if (s == NULL)
            continue;
        nd_sched_remove(&d->sched, &s->timer);
        drop_from_ready(d, s);
        struct nd_ingest none = {0};
        nd_refresh_done(d, s,
                        nd_poll_result(s->conf.id, "error", 0, &none,
                                       "removed from the configuration",
                                       nd_store_last_seq(d->store)));
        if (s->in_flight) {
            s->removed = 1;
            d->orphans = xrealloc(d->orphans, (d->n_orphans + 1) * sizeof(*d->orphans));
            d->orphans[d->n_orphans++] = s;
        } else {
            nd_source_free(s);
        }
    }
    free(old);
    nd_config_free(d->cfg);
    d->cfg = cfg;
    log_info("configuration reloaded: %zu sources (%zu new)", d->n_sources, added);
    nd_poll_start_ready(d);
    return ND_OK;
}

static void handle_signals(struct nd_daemon *d)
{
    struct signalfd_siginfo si;
    char err[1024];

    while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGHUP:
            log_info("SIGHUP: reloading %s", d->cfg->path);
            sd_notify(0, "RELOADING=1");
            (void)nd_daemon_reload(d, err, sizeof(err));
            sd_notify(0, "READY=1");
            break;
        case SIGTERM:
        case SIGINT:
            if (!d->stopping) {
                log_info("%s: stopping (%zu transfers in flight)", strsignal((int)si.ssi_signo),
                         nd_fetch_in_flight(d->fetcher));
                sd_notify(0, "STOPPING=1");
                d->stopping = 1;
                d->stop_deadline = nd_mono_ms() + d->cfg->shutdown_timeout * 1000;
                for (size_t i = 0; i < d->n_ready; i++)
                    d->ready[i]->queued = 0;
                d->n_ready = 0;
            } else {
                log_info("second %s: stopping now", strsignal((int)si.ssi_signo));
                d->stop_deadline = 0;
            }
            break;
        }
    }
}

static void handle_control(struct nd_daemon *d)
{
    struct nd_client *client;
    json_t *req;

    while (nd_control_recv(d->ctl, &client, &req) == 1) {
        nd_commands_handle(d, client, req);
        json_decref(req);
    }
}

static long min_timeout(long a, int64_t b)
{
    if (b < 0)
        return a;
    if (a < 0 || b < a)
        return (long)b;
    return a;
}

int nd_daemon_run(struct nd_daemon *d)
{
    zmq_pollitem_t items[MAX_POLLITEMS];
    struct nd_timer *t;
    int64_t now;
    long timeout;
    size_t n;

    (void)nd_store_prune(d->store, nd_now(), d->cfg->journal_retention, d->cfg->seen_retention,
                         d->cfg->near_window);
    d->next_prune = nd_mono_ms() + PRUNE_EVERY_MS;
    sd_notifyf(0, "READY=1\nSTATUS=%zu sources, seq %lld", d->n_sources,
               (long long)nd_store_last_seq(d->store));
    log_info("newsd started: %zu sources, seq %lld, publishing on %s", d->n_sources,
             (long long)nd_store_last_seq(d->store), d->cfg->publish_endpoints.v[0]);

    for (;;) {
        now = nd_mono_ms();
        if (d->stopping && (nd_fetch_in_flight(d->fetcher) == 0 || now >= d->stop_deadline))
            break;
        while (!d->stopping && (t = nd_sched_peek(&d->sched)) != NULL && t->due <= now) {
            struct nd_source *s =
                (struct nd_source *)((char *)t - offsetof(struct nd_source, timer));
            nd_source_ready(d, s, 0);
        }
        nd_poll_start_ready(d);
        if (!d->stopping && now >= d->next_prune) {
            (void)nd_store_prune(d->store, nd_now(), d->cfg->journal_retention,
                                 d->cfg->seen_retention, d->cfg->near_window);
            d->next_prune = now + PRUNE_EVERY_MS;
        }
        if (d->watchdog_usec && now - d->last_watchdog >= (int64_t)(d->watchdog_usec / 2000)) {
            sd_notify(0, "WATCHDOG=1");
            d->last_watchdog = now;
        }

        items[0] = (zmq_pollitem_t){.socket = NULL, .fd = d->sigfd, .events = ZMQ_POLLIN};
        items[1] = (zmq_pollitem_t){.socket = nd_control_socket(d->ctl), .events = ZMQ_POLLIN};
        n = 2 + nd_fetch_pollitems(d->fetcher, items + 2, MAX_POLLITEMS - 2);
        timeout = nd_fetch_timeout_ms(d->fetcher);
        if (!d->stopping && (t = nd_sched_peek(&d->sched)) != NULL)
            timeout = min_timeout(timeout, t->due > now ? t->due - now : 0);
        if (d->stopping)
            timeout = min_timeout(timeout, d->stop_deadline > now ? d->stop_deadline - now : 0);
        if (!d->stopping)
            timeout = min_timeout(timeout, d->next_prune - now);
        if (d->watchdog_usec)
            timeout = min_timeout(timeout, (int64_t)(d->watchdog_usec / 2000));
        if (zmq_poll(items, (int)n, timeout) < 0 && errno != EINTR) {
            log_warnx("zmq_poll: %s", zmq_strerror(errno));
            continue;
        }
        if (items[0].revents)
            handle_signals(d);
        if (items[1].revents)
            handle_control(d);
        nd_fetch_process(d->fetcher, items + 2, n - 2);
    }
    if (nd_fetch_in_flight(d->fetcher))
        log_info("%zu transfers did not finish in time: they will be fetched again",
                 nd_fetch_in_flight(d->fetcher));
    nd_refresh_abort_all(d, "newsd is shutting down");
    log_info("stopped at seq %lld", (long long)nd_store_last_seq(d->store));
    return 0;
}
