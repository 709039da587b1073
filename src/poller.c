/*
 * poller.c: the sources: their records, their timers, the admission queue
 * in front of the fetcher, reconfiguration, manual refresh and status.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/cluster.h"
#include "newsd/log.h"
#include "poller_int.h"

#define FLUSH_EVERY_MS 1000 /* source states kept in memory are written this often */

static char *host_of(const char *url)
{
    CURLU *h = curl_url();
    char *host = NULL, *out;

    if (h == NULL)
        return xstrdup("");
    if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        curl_url_cleanup(h);
        return xstrdup("");
    }
    out = xstrdup(host);
    curl_free(host);
    curl_url_cleanup(h);
    for (char *c = out; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return out;
}

/* --- scheduling --- */

static void due(void *arg)
{
    struct nd_source *s = arg;
    struct nd_poller *p = s->p;

    s->next_wall = 0;
    if (!p->stopping && !s->busy && s->held)
        nd_hostq_push(p->q, &s->qe, s->host, 0, nd_mono_ms());
}

/* Poll s in delay ms (0: now, through the admission queue). */
static void schedule(struct nd_source *s, int64_t delay)
{
    struct nd_poller *p = s->p;

    if (delay < 0)
        delay = 0;
    s->next_wall = nd_now_ms() + delay;
    nd_loop_timer_at(p->env.loop, &s->timer, nd_mono_ms() + delay);
}

static void unschedule(struct nd_source *s)
{
    nd_loop_timer_cancel(s->p->env.loop, &s->timer);
    nd_hostq_remove(s->p->q, &s->qe, nd_mono_ms());
    s->next_wall = 0;
}

/* Has the state in the store been made for this source's present URL? */
static int state_is_current(const struct nd_source *s)
{
    return s->st.url && strcmp(s->st.url, s->conf.url) == 0;
}

/*
 * At start and when a source appears: poll it when its persisted next due
 * time comes, now if it was never polled (or its URL is new).  A gone
 * source waits for a refresh --force or a new URL.
 */
static void schedule_from_state(struct nd_source *s)
{
    int64_t now = nd_now();

    s->gone = state_is_current(s) && s->outcome == ND_OUT_GONE;
    if (!s->conf.enabled || s->gone || s->busy || !s->held)
        return;
    if (!state_is_current(s) || s->st.next_due <= now)
        schedule(s, 0);
    else
        schedule(s, (s->st.next_due - now) * 1000);
}

void nd_poller_source_done(struct nd_poller *p, struct nd_source *s, int64_t delay)
{
    s->forced = 0;
    if (s->removed) {
        for (size_t i = 0; i < p->n_orphans; i++)
            if (p->orphans[i] == s) {
                p->orphans[i] = p->orphans[--p->n_orphans];
                break;
            }
        nd_poll_forget_dirty(p, s);
        nd_source_conf_clear(&s->conf);
        nd_source_state_clear(&s->st);
        free(s->host);
        free(s->redirect);
        free(s);
        return;
    }
    if (delay >= 0 && s->conf.enabled && !s->gone && !p->stopping && s->held)
        schedule(s, delay);
}

/* Turn hook: start what the admission queue lets start. */
static int64_t start_hook(void *arg)
{
    struct nd_poller *p = arg;
    struct nd_hostq_entry *e;
    int64_t wait = -1, now = nd_mono_ms();

    if (p->stopping)
        return -1;
    while ((e = nd_hostq_pop(p->q, now, &wait)) != NULL) {
        struct nd_source *s =
            (struct nd_source *)(void *)((char *)e - offsetof(struct nd_source, qe));
        nd_poll_start(p, s);
    }
    return wait;
}

static void on_flush(void *arg)
{
    struct nd_poller *p = arg;

    nd_poll_flush_states(p);
    nd_loop_timer_at(p->env.loop, &p->flush, nd_mono_ms() + FLUSH_EVERY_MS);
}

/* --- sources --- */

static struct nd_source *source_new(struct nd_poller *p, const struct nd_source_conf *conf)
{
    struct nd_source *s = xcalloc(1, sizeof(*s));
    int rc;

    s->p = p;
    nd_source_conf_copy(&s->conf, conf);
    s->host = host_of(conf->url);
    nd_loop_timer_init(&s->timer, due, s);
    s->slot = p->slots ? nd_cluster_slot(conf->id, p->slots) : 0;
    s->held = p->slots ? p->held_slots[s->slot] : 1;
    rc = nd_store_source_get(p->env.store, conf->id, &s->st);
    if (rc != ND_OK && rc != ND_ENOTFOUND)
        log_warnx("source %s: cannot read its state: %s", conf->id, nd_store_errmsg(p->env.store));
    if (s->st.outcome) {
        /* what the last run saw, until this run polls it */
        s->outcome = nd_outcome_parse(s->st.outcome);
        snprintf(s->error, sizeof(s->error), "%s", s->st.error ? s->st.error : "");
    }
    return s;
}

static void source_free(struct nd_source *s)
{
    if (s == NULL)
        return;
    unschedule(s);
    nd_source_conf_clear(&s->conf);
    nd_source_state_clear(&s->st);
    free(s->host);
    free(s->redirect);
    free(s);
}

static void copy_settings(struct nd_poller *p, const struct nd_config *cfg)
{
    struct nd_hostq_limits lim = {(size_t)cfg->max_in_flight, (size_t)cfg->max_per_host,
                                  cfg->host_spacing_ms};

    nd_str_set(&p->user_agent, cfg->user_agent);
    nd_filters_unref(p->filters);
    p->filters = nd_filters_ref(cfg->filters);
    p->dedupe.mode = cfg->near_mode;
    p->dedupe.window = cfg->near_window;
    nd_dedupe_set_opts(p->env.dedupe, &p->dedupe);
    p->policy.min_interval = cfg->min_interval;
    p->policy.max_backoff = cfg->max_backoff;
    if (p->q == NULL)
        p->q = nd_hostq_new(&lim);
    else
        nd_hostq_set_limits(p->q, &lim, nd_mono_ms());
}

struct nd_poller *nd_poller_new(const struct nd_poller_env *env, const struct nd_config *cfg,
                                nd_poll_report_fn fn, void *arg)
{
    struct nd_poller *p = xcalloc(1, sizeof(*p));

    p->env = *env;
    p->report = fn;
    p->report_arg = arg;
    if (cfg->cluster.on) {
        p->slots = (uint32_t)cfg->cluster.slots;
        p->held_slots = xcalloc(p->slots, 1); /* none until the leases say */
    }
    copy_settings(p, cfg);
    nd_loop_on_turn(env->loop, start_hook, p);
    nd_loop_on_turn(env->loop, nd_poll_admit_hook, p);
    nd_loop_timer_init(&p->flush, on_flush, p);
    nd_loop_timer_at(env->loop, &p->flush, nd_mono_ms() + FLUSH_EVERY_MS);
    nd_poller_configure(p, cfg);
    return p;
}

void nd_poller_free(struct nd_poller *p)
{
    struct nd_poll *poll, *next;

    if (p == NULL)
        return;
    nd_loop_timer_cancel(p->env.loop, &p->flush);
    for (poll = p->admit_head; poll; poll = next) {
        next = poll->next;
        nd_poll_free(poll);
    }
    nd_poll_flush_states(p);
    for (size_t i = 0; i < p->n_sources; i++)
        source_free(p->sources[i]);
    for (size_t i = 0; i < p->n_orphans; i++)
        source_free(p->orphans[i]);
    free(p->sources);
    free(p->orphans);
    free(p->dirty);
    free(p->held_slots);
    nd_strmap_free(&p->by_id);
    nd_hostq_free(p->q);
    free(p->user_agent);
    nd_filters_unref(p->filters);
    free(p);
}

/* The source of the running configuration with this id, taken out of old. */
static struct nd_source *take(struct nd_poller *p, struct nd_source **old, const char *id)
{
    struct nd_source *s = nd_strmap_get(&p->by_id, id);

    if (s == NULL || old[s->index] != s)
        return NULL;
    old[s->index] = NULL;
    return s;
}

/* Settings of an existing source changed (a reload). */
static void reconfigure(struct nd_source *s, const struct nd_source_conf *conf)
{
    int url_changed = strcmp(s->conf.url, conf->url) != 0;
    int was_enabled = s->conf.enabled;

    nd_source_conf_clear(&s->conf);
    nd_source_conf_copy(&s->conf, conf);
    if (url_changed) {
        free(s->host);
        s->host = host_of(conf->url);
        if (s->qe.queued) /* queued under the old host */
            nd_hostq_push(s->p->q, &s->qe, s->host, 0, nd_mono_ms());
    }
    if (!conf->enabled) {
        unschedule(s);
    } else if (url_changed || !was_enabled) {
        /* a new URL is a new feed: poll it now, gone or not */
        if (url_changed)
            s->gone = 0;
        if (!s->busy && !s->qe.queued)
            schedule_from_state(s);
    }
}

void nd_poller_configure(struct nd_poller *p, const struct nd_config *cfg)
{
    struct nd_source **old = p->sources;
    size_t n_old = p->n_sources;
    struct nd_poll_report r;

    copy_settings(p, cfg);
    p->sources = xcalloc(cfg->n_sources ? cfg->n_sources : 1, sizeof(*p->sources));
    p->n_sources = 0;
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const struct nd_source_conf *sc = &cfg->sources[i];
        struct nd_source *s = take(p, old, sc->id);
        if (s) {
            reconfigure(s, sc);
        } else {
            s = source_new(p, sc);
            schedule_from_state(s);
        }
        p->sources[p->n_sources++] = s;
    }
    nd_strmap_free(&p->by_id);
    for (size_t i = 0; i < p->n_sources; i++) {
        p->sources[i]->index = i;
        nd_strmap_put(&p->by_id, p->sources[i]->conf.id, p->sources[i]);
    }
    for (size_t j = 0; j < n_old; j++) {
        struct nd_source *s = old[j];
        if (s == NULL)
            continue;
        unschedule(s);
        memset(&r, 0, sizeof(r));
        r.source_id = s->conf.id;
        r.outcome = ND_OUT_ERROR;
        r.error = "removed from the configuration";
        r.seq = nd_store_last_seq(p->env.store);
        p->report(p->report_arg, &r);
        if (s->busy) {
            s->removed = 1;
            p->orphans = xrealloc(p->orphans, (p->n_orphans + 1) * sizeof(*p->orphans));
            p->orphans[p->n_orphans++] = s;
        } else {
            if (s->dirty && nd_store_begin(p->env.store) == ND_OK) {
                if (nd_store_source_put(p->env.store, s->conf.id, &s->st) != ND_OK ||
                    nd_store_commit(p->env.store) != ND_OK)
                    nd_store_rollback(p->env.store);
            }
            nd_poll_forget_dirty(p, s);
            source_free(s);
        }
    }
    free(old);
}

/* --- refresh, status --- */

long nd_poller_find(const struct nd_poller *p, const char *id)
{
    const struct nd_source *s = nd_strmap_get(&p->by_id, id);

    return s ? (long)s->index : -1;
}

/* Why a refresh without --force leaves s alone, or NULL. */
static const char *holds(const struct nd_source *s, char *why, size_t len)
{
    int64_t now = nd_now();
    char when[32];

    if (!s->conf.enabled)
        return "disabled in the configuration (enabled = false)";
    if (s->gone) {
        snprintf(why, len, "gone: %s answered 410 Gone; remove it from the configuration",
                 s->conf.url);
        return why;
    }
    if (s->st.retry_until > now && s->st.next_due > now) {
        nd_time_rfc3339(s->st.next_due, when);
        snprintf(why, len, "the server asked to wait (Retry-After): next poll at %s", when);
        return why;
    }
    if (s->st.errors > 0 && s->st.next_due > now) {
        nd_time_rfc3339(s->st.next_due, when);
        snprintf(why, len, "backing off after %lld %s (%s): next poll at %s",
                 (long long)s->st.errors, nd_plural(s->st.errors, "failure", "failures"),
                 s->outcome ? nd_outcome_name(s->outcome) : "error", when);
        return why;
    }
    return NULL;
}

int nd_poller_refresh(struct nd_poller *p, const char *id, int force, char *why, size_t whylen)
{
    long i = nd_poller_find(p, id);
    struct nd_source *s;
    const char *reason;

    if (i < 0)
        return ND_ENOTFOUND;
    s = p->sources[i];
    if (s->busy)
        return ND_OK; /* the poll on its way answers */
    if (!s->held) {   /* even forced: two nodes would poll it */
        snprintf(why, whylen, "polled by another node of the cluster (slot %u)", (unsigned)s->slot);
        return ND_EEXIST;
    }
    if (!force && (reason = holds(s, why, whylen)) != NULL) {
        if (reason != why)
            snprintf(why, whylen, "%s", reason);
        return ND_EEXIST;
    }
    nd_loop_timer_cancel(p->env.loop, &s->timer);
    s->next_wall = 0;
    s->forced = force;
    nd_hostq_push(p->q, &s->qe, s->host, 1, nd_mono_ms());
    return ND_OK;
}

size_t nd_poller_count(const struct nd_poller *p)
{
    return p->n_sources;
}

static const char *state_of(const struct nd_source *s)
{
    if (s->busy)
        return "polling";
    if (s->qe.queued)
        return "queued";
    if (!s->held)
        return "elsewhere";
    if (!s->conf.enabled)
        return "disabled";
    if (s->gone)
        return "gone";
    if (s->st.retry_until > nd_now() && s->st.next_due > nd_now())
        return "waiting";
    if (s->st.errors > 0)
        return "backoff";
    if (s->outcome == ND_OUT_NONE)
        return "pending";
    return "ok";
}

void nd_poller_info(const struct nd_poller *p, size_t i, struct nd_source_info *out)
{
    const struct nd_source *s = p->sources[i];

    memset(out, 0, sizeof(*out));
    out->conf = &s->conf;
    out->state = state_of(s);
    out->last_poll = s->st.last_poll;
    out->last_ok = s->st.last_ok;
    out->next_poll = s->next_wall / 1000;
    out->retry_until = s->st.retry_until > nd_now() ? s->st.retry_until : 0;
    out->http_status = (long)s->st.http_status;
    out->outcome = s->outcome;
    out->error = s->error;
    out->errors = s->st.errors;
    out->items = s->items;
    out->added = s->added;
    out->updated = s->updated;
    out->duplicates = s->duplicates;
    out->skipped = s->skipped;
    out->filtered = s->filtered;
    out->articles = s->articles;
    out->polls = s->polls;
    out->redirect = s->redirect;
}

void nd_poller_hold(struct nd_poller *p, const uint8_t *held, uint32_t slots)
{
    size_t came = 0, went = 0;

    if (p->slots == 0 || slots != p->slots)
        return;
    memcpy(p->held_slots, held, slots);
    for (size_t i = 0; i < p->n_sources; i++) {
        struct nd_source *s = p->sources[i];
        int now_held = held[s->slot] != 0;
        if (now_held == s->held)
            continue;
        s->held = now_held;
        if (now_held) {
            came++;
            schedule_from_state(s);
        } else {
            went++;
            unschedule(s);
        }
    }
    if (came || went)
        log_info("cluster: %zu %s to poll here, %zu to another node", came,
                 nd_plural((long long)came, "source comes", "sources come"), went);
}

void nd_poller_import_state(struct nd_poller *p, const char *id, const struct nd_source_state *st)
{
    struct nd_source *s = nd_strmap_get(&p->by_id, id);

    if (s == NULL || s->held || s->busy || !nd_cluster_state_newer(&s->st, st))
        return;
    nd_source_state_clear(&s->st);
    s->st = *st;
    s->st.url = st->url ? xstrdup(st->url) : NULL;
    s->st.etag = st->etag ? xstrdup(st->etag) : NULL;
    s->st.last_modified = st->last_modified ? xstrdup(st->last_modified) : NULL;
    s->st.outcome = st->outcome ? xstrdup(st->outcome) : NULL;
    s->st.error = st->error ? xstrdup(st->error) : NULL;
    s->outcome = s->st.outcome ? nd_outcome_parse(s->st.outcome) : ND_OUT_NONE;
    snprintf(s->error, sizeof(s->error), "%s", s->st.error ? s->st.error : "");
    nd_poll_mark_dirty(p, s); /* into this node's store with the next write */
    log_debug("source %s: state from the cluster (last polled at %lld, next due at %lld)", id,
              (long long)st->last_poll, (long long)st->next_due);
}

void nd_poller_stop(struct nd_poller *p)
{
    p->stopping = 1;
    for (size_t i = 0; i < p->n_sources; i++)
        unschedule(p->sources[i]);
}

size_t nd_poller_busy(const struct nd_poller *p)
{
    return p->busy;
}

size_t nd_poller_queued(const struct nd_poller *p)
{
    return nd_hostq_queued(p->q);
}
