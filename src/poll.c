/*
 * poll.c: one poll of one source, from the ready queue to the published
 * messages: fetch -> parse -> ingest (clean, dedupe, journal) -> commit
 * -> publish -> reschedule.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon_int.h"
#include "newsd/ingest.h"
#include "newsd/log.h"
#include "newsd/parse.h"

#define STORE_RETRY_MS 60000 /* after a failed commit */

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
    return out;
}

struct nd_source *nd_source_new(struct nd_daemon *d, const struct nd_source_conf *conf)
{
    struct nd_source *s = xcalloc(1, sizeof(*s));
    int rc;

    s->d = d;
    nd_source_conf_copy(&s->conf, conf);
    s->host = host_of(conf->url);
    nd_timer_init(&s->timer);
    rc = nd_store_source_get(d->store, conf->id, &s->st);
    if (rc != ND_OK && rc != ND_ENOTFOUND)
        log_warnx("source %s: cannot read its state: %s", conf->id, nd_store_errmsg(d->store));
    if (s->st.outcome) {
        /* what the last run saw, until this run polls it */
        for (int o = ND_OUT_OK; o <= ND_OUT_ERROR; o++)
            if (strcmp(s->st.outcome, nd_outcome_name((enum nd_outcome)o)) == 0)
                s->outcome = (enum nd_outcome)o;
        snprintf(s->error, sizeof(s->error), "%s", s->st.error ? s->st.error : "");
    }
    return s;
}

void nd_source_free(struct nd_source *s)
{
    if (s == NULL)
        return;
    nd_source_conf_clear(&s->conf);
    nd_source_state_clear(&s->st);
    free(s->host);
    free(s->redirect);
    free(s);
}

void nd_source_reconfigure(struct nd_source *s, const struct nd_source_conf *conf)
{
    if (strcmp(s->conf.url, conf->url) != 0) {
        free(s->host);
        s->host = host_of(conf->url);
    }
    nd_source_conf_clear(&s->conf);
    nd_source_conf_copy(&s->conf, conf);
}

void nd_source_ready(struct nd_daemon *d, struct nd_source *s, int front)
{
    nd_sched_remove(&d->sched, &s->timer);
    s->next_wall = 0;
    if (s->queued) {
        if (!front)
            return;
        for (size_t i = 0; i < d->n_ready; i++)
            if (d->ready[i] == s) {
                memmove(&d->ready[i], &d->ready[i + 1], (d->n_ready - i - 1) * sizeof(s));
                d->n_ready--;
                break;
            }
    }
    if (d->n_ready == d->cap_ready) {
        d->cap_ready = d->cap_ready ? d->cap_ready * 2 : 16;
        d->ready = xrealloc(d->ready, d->cap_ready * sizeof(*d->ready));
    }
    if (front) {
        memmove(&d->ready[1], &d->ready[0], d->n_ready * sizeof(s));
        d->ready[0] = s;
    } else {
        d->ready[d->n_ready] = s;
    }
    d->n_ready++;
    s->queued = 1;
}

static size_t host_in_flight(const struct nd_daemon *d, const char *host)
{
    size_t n = 0;

    for (size_t i = 0; i < d->n_sources; i++)
        if (d->sources[i]->in_flight && strcmp(d->sources[i]->host, host) == 0)
            n++;
    for (size_t i = 0; i < d->n_orphans; i++)
        if (strcmp(d->orphans[i]->host, host) == 0)
            n++;
    return n;
}

static void poll_done(void *arg, struct nd_fetch_result *res);

static void poll_start(struct nd_daemon *d, struct nd_source *s)
{
    int same_url = s->st.url && strcmp(s->st.url, s->conf.url) == 0;
    struct nd_fetch_req req = {
        .url = s->conf.url,
        .etag = same_url ? s->st.etag : NULL,
        .last_modified = same_url ? s->st.last_modified : NULL,
        .timeout = s->conf.timeout,
        .connect_timeout = s->conf.connect_timeout,
        .max_body = s->conf.max_body,
        .allow_private = s->conf.allow_private,
        .user_agent = d->cfg->user_agent,
        .headers = &s->conf.headers,
    };

    log_debug("source %s: polling %s", s->conf.id, s->conf.url);
    if (nd_fetch_start(d->fetcher, &req, poll_done, s) != ND_OK) {
        struct nd_fetch_result r;
        memset(&r, 0, sizeof(r));
        r.outcome = ND_OUT_ERROR;
        r.max_age = -1;
        snprintf(r.error, sizeof(r.error), "cannot start a transfer");
        s->in_flight = 1;
        poll_done(s, &r);
        return;
    }
    s->in_flight = 1;
}

void nd_poll_start_ready(struct nd_daemon *d)
{
    size_t i = 0;

    while (i < d->n_ready && !d->stopping &&
           nd_fetch_in_flight(d->fetcher) < (size_t)d->cfg->max_in_flight) {
        struct nd_source *s = d->ready[i];
        if (host_in_flight(d, s->host) >= (size_t)d->cfg->max_per_host) {
            i++;
            continue;
        }
        memmove(&d->ready[i], &d->ready[i + 1], (d->n_ready - i - 1) * sizeof(s));
        d->n_ready--;
        s->queued = 0;
        poll_start(d, s);
    }
}

/* Copy a fetch result's validators and outcome into a new state. */
static void next_state(const struct nd_source *s, const struct nd_fetch_result *r,
                       enum nd_outcome outcome, const char *error, int64_t now,
                       struct nd_source_state *ns)
{
    memset(ns, 0, sizeof(*ns));
    ns->url = xstrdup(s->conf.url);
    if (outcome == ND_OUT_OK) {
        ns->etag = r->etag ? xstrdup(r->etag) : NULL;
        ns->last_modified = r->last_modified ? xstrdup(r->last_modified) : NULL;
    } else {
        /* Through a 304 the validators still name what we have (a new one may come with it);
         * after a failure they must not change, or the document we could not take would
         * come back as "not modified". */
        int same = s->st.url && strcmp(s->st.url, s->conf.url) == 0;
        int fresh = outcome == ND_OUT_NOT_MODIFIED;
        const char *etag = fresh && r->etag ? r->etag : same ? s->st.etag : NULL;
        const char *lm = fresh && r->last_modified ? r->last_modified
                         : same                    ? s->st.last_modified
                                                   : NULL;
        ns->etag = etag ? xstrdup(etag) : NULL;
        ns->last_modified = lm ? xstrdup(lm) : NULL;
    }
    ns->last_poll = now;
    ns->last_ok = nd_outcome_ok(outcome) ? now : s->st.last_ok;
    ns->errors = nd_outcome_ok(outcome) ? 0 : s->st.errors + 1;
    ns->outcome = xstrdup(nd_outcome_name(outcome));
    ns->error = error && *error ? xstrdup(error) : NULL;
    ns->http_status = r->http_status;
}

static void log_outcome(const struct nd_source *s, enum nd_outcome outcome, const char *error,
                        const struct nd_source_state *ns, int64_t delay_ms)
{
    if (!nd_outcome_ok(outcome)) {
        /* a change of state is a warning; the same failure again is only debug */
        if (ns->errors == 1 || outcome != s->outcome)
            log_warnx("source %s: %s: %s, retry in %lld s", s->conf.id, nd_outcome_name(outcome),
                      error, (long long)(delay_ms / 1000));
        else
            log_debug("source %s: %s again (%lld failures): %s, retry in %lld s", s->conf.id,
                      nd_outcome_name(outcome), (long long)ns->errors, error,
                      (long long)(delay_ms / 1000));
        if (outcome == ND_OUT_GONE && ns->errors == 1)
            log_warnx("source %s: the server says the feed is gone (410): remove it from the "
                      "configuration",
                      s->conf.id);
    } else if (s->st.errors > 0) {
        log_notice("source %s: %s again after %lld failures", s->conf.id, nd_outcome_name(outcome),
                   (long long)s->st.errors);
    }
}

static void poll_done(void *arg, struct nd_fetch_result *res)
{
    struct nd_source *s = arg;
    struct nd_daemon *d = s->d;
    struct nd_ingest in;
    struct nd_feed feed;
    struct nd_source_state ns;
    struct nd_poll_result pr;
    enum nd_outcome outcome = res->outcome;
    char error[256], perr[256] = "";
    int64_t now = nd_now(), delay;
    int committed;

    s->in_flight = 0;
    snprintf(error, sizeof(error), "%s", res->error);
    nd_feed_init(&feed);
    memset(&in, 0, sizeof(in));
    in.store = d->store;
    in.dedupe.mode = d->cfg->near_mode;
    in.dedupe.distance = (int)d->cfg->near_distance;
    in.dedupe.window = d->cfg->near_window;
    in.source_id = s->conf.id;
    in.source_title = s->conf.title;
    in.source_url = s->conf.url;
    in.topic = s->conf.topic;
    in.now = now;

    if (outcome == ND_OUT_OK && nd_parse(res->body, res->len, res->final_url, res->charset, &feed,
                                         perr, sizeof(perr)) != ND_OK) {
        outcome = ND_OUT_PARSE;
        snprintf(error, sizeof(error), "%s", perr);
    }
    for (size_t i = 0; i < feed.warnings.n; i++)
        log_debug("source %s: %s", s->conf.id, feed.warnings.v[i]);

    next_state(s, res, outcome, error, now, &ns);
    pr.ok = nd_outcome_ok(outcome);
    pr.errors = ns.errors;
    pr.retry_after = res->retry_after;
    pr.max_age = res->max_age;
    pr.ttl = feed.ttl;
    struct nd_sched_policy policy = {d->cfg->min_interval, d->cfg->max_backoff};
    delay = nd_sched_delay_ms(&policy, s->conf.id, s->conf.interval, &pr);
    ns.next_due = now + delay / 1000;

    committed = nd_store_begin(d->store) == ND_OK;
    if (committed && outcome == ND_OUT_OK && nd_ingest_feed(&in, &feed) != ND_OK)
        committed = 0;
    if (committed && nd_store_source_put(d->store, s->conf.id, &ns) != ND_OK)
        committed = 0;
    if (committed && nd_store_commit(d->store) != ND_OK)
        committed = 0;
    if (!committed) {
        log_warnx("store: %s; source %s will be fetched again", nd_store_errmsg(d->store),
                  s->conf.id);
        nd_store_rollback(d->store);
        nd_ingest_clear(&in);
        nd_source_state_clear(&ns);
        outcome = ND_OUT_ERROR;
        snprintf(error, sizeof(error), "store: %s", nd_store_errmsg(d->store));
        delay = STORE_RETRY_MS;
    } else {
        for (size_t i = 0; i < in.messages.n; i++) {
            if (nd_publish(d->pub, s->conf.topic, in.messages.v[i]) != ND_OK)
                log_warnx("publish: seq %lld not sent (it is in the journal)",
                          (long long)(in.first_seq + (int64_t)i));
            log_info("source %s: seq %lld: %s", s->conf.id, (long long)(in.first_seq + (int64_t)i),
                     in.titles.v[i]);
        }
        if (outcome == ND_OUT_OK)
            log_info("source %s: %zu items, %zu new, %zu updated, %zu duplicates%s", s->conf.id,
                     in.items, in.added, in.updated, in.duplicates,
                     feed.n_entries ? "" : " (no entries)");
        if (in.future)
            log_notice("source %s: %zu new articles dated more than a day in the future (kept "
                       "as the feed says)",
                       s->conf.id, in.future);
        log_outcome(s, outcome, error, &ns, delay);
        nd_source_state_clear(&s->st);
        s->st = ns;
        s->articles += (int64_t)in.added;
    }
    if (res->permanent_redirect &&
        (s->redirect == NULL || strcmp(s->redirect, res->permanent_redirect) != 0))
        log_notice("source %s: permanently redirected to %s (update the configuration)", s->conf.id,
                   res->permanent_redirect);
    nd_str_set(&s->redirect, res->permanent_redirect);
    s->outcome = outcome;
    snprintf(s->error, sizeof(s->error), "%s", nd_outcome_ok(outcome) ? "" : error);
    s->items = in.items;
    s->added = in.added;
    s->updated = in.updated;
    s->duplicates = in.duplicates;

    if (!s->removed && s->conf.enabled && !d->stopping) {
        nd_sched_add(&d->sched, &s->timer, nd_mono_ms() + delay);
        s->next_wall = nd_now_ms() + delay;
    }
    nd_refresh_done(d, s,
                    nd_poll_result(s->conf.id, nd_outcome_name(outcome), res->http_status, &in,
                                   nd_outcome_ok(outcome) ? NULL : error,
                                   nd_store_last_seq(d->store)));
    sd_notifyf(0, "STATUS=%zu sources, seq %lld, last poll: %s %s", d->n_sources,
               (long long)nd_store_last_seq(d->store), s->conf.id, nd_outcome_name(outcome));
    nd_ingest_clear(&in);
    nd_feed_free(&feed);
    if (s->removed) {
        for (size_t i = 0; i < d->n_orphans; i++)
            if (d->orphans[i] == s) {
                d->orphans[i] = d->orphans[--d->n_orphans];
                break;
            }
        nd_source_free(s);
    }
}

json_t *nd_poll_result(const char *id, const char *outcome, long http_status,
                       const struct nd_ingest *in, const char *error, int64_t seq)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:I}", "id", id, "outcome", outcome,
                     "http_status", (json_int_t)http_status, "items", (json_int_t)in->items, "new",
                     (json_int_t)in->added, "updated", (json_int_t)in->updated, "duplicates",
                     (json_int_t)in->duplicates, "error", error ? json_string(error) : json_null(),
                     "seq", (json_int_t)seq);
}

static json_t *time_or_null(int64_t t)
{
    char buf[32];

    if (t <= 0)
        return json_null();
    nd_time_rfc3339(t, buf);
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *nd_source_status(const struct nd_source *s)
{
    const char *state = s->st.errors > 0 ? "backoff" : s->outcome == ND_OUT_NONE ? "pending" : "ok";

    return json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:o}",
        "id", s->conf.id, "url", s->conf.url, "topic", s->conf.topic, "interval",
        (json_int_t)s->conf.interval, "enabled", s->conf.enabled, "state",
        s->in_flight ? "polling" : state, "last_poll", time_or_null(s->st.last_poll), "last_ok",
        time_or_null(s->st.last_ok), "next_poll", time_or_null(s->next_wall / 1000), "http_status",
        (json_int_t)s->st.http_status, "outcome",
        s->outcome == ND_OUT_NONE ? json_null() : json_string(nd_outcome_name(s->outcome)), "error",
        str_or_null(s->error), "errors", (json_int_t)s->st.errors, "items", (json_int_t)s->items,
        "new", (json_int_t)s->added, "updated", (json_int_t)s->updated, "duplicates",
        (json_int_t)s->duplicates, "articles", (json_int_t)s->articles, "redirect",
        str_or_null(s->redirect));
}
