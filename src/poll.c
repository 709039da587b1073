/*
 * poll.c: one poll, from the end of its transfer to its report:
 *
 *   transfer done -> prepare on the worker (parse, clean) -> admit queue
 *   -> group commit (dedupe, seq, journal, source state: one transaction,
 *   one fsync for every poll admitted in the turn) -> publish -> report.
 *
 * A finished poll waits up to GROUP_WAIT_MS for others to finish, so that
 * polls trickling in one per loop turn still share a commit; publishing is
 * delayed by that much at most.  A document is admitted in slices of at most ADMIT_SLICE_MS, each
 * slice a commit of its own, so that a document of 100,000 items never holds the loop.  Nothing is
 * published before the commit that journaled it.  A not-modified poll changes only timing state: it
 * is kept in memory and written with the next commit or within a second by the flush timer, in a
 * batch without fsync (it survives newsd dying, not a power cut); failures,
 * Retry-After and 410 are written durably when they arise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/log.h"
#include "newsd/parse.h"
#include "poller_int.h"

#define STORE_RETRY_MS 60000 /* after a failed commit */
#define ADMIT_SLICE_MS 20    /* longest one group commit admits before the loop turns */
#define GROUP_WAIT_MS  5     /* a finished poll waits this long for others to share its commit */
#define GROUP_MAX      256   /* ... unless this many are waiting */

static void fetched(void *arg, struct nd_fetch_result *res);

void nd_poll_start(struct nd_poller *p, struct nd_source *s)
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
        .user_agent = p->user_agent,
        .headers = &s->conf.headers,
    };

    s->busy = 1;
    p->busy++;
    log_debug("source %s: polling %s", s->conf.id, s->conf.url);
    if (nd_fetch_start(p->env.fetcher, &req, fetched, s) != ND_OK) {
        struct nd_fetch_result r;
        memset(&r, 0, sizeof(r));
        r.outcome = ND_OUT_ERROR;
        r.max_age = -1;
        snprintf(r.error, sizeof(r.error), "cannot start a transfer");
        fetched(s, &r);
    }
}

void nd_poll_next_state(struct nd_poll *poll, const struct nd_fetch_result *r, int64_t ttl)
{
    const struct nd_source *s = poll->s;
    struct nd_source_state *ns = &poll->ns;
    enum nd_outcome o = poll->outcome;
    int same = s->st.url && strcmp(s->st.url, s->conf.url) == 0;
    struct nd_poll_result pr;
    const char *etag, *lm;

    nd_source_state_clear(ns);
    ns->url = xstrdup(s->conf.url);
    if (o == ND_OUT_OK) {
        etag = r->etag;
        lm = r->last_modified;
    } else {
        /* Through a 304 the validators still name what we have (a new one may come with it);
         * after a failure they must not change, or the document we could not take would
         * come back as "not modified". */
        int fresh = o == ND_OUT_NOT_MODIFIED;
        etag = fresh && r->etag ? r->etag : same ? s->st.etag : NULL;
        lm = fresh && r->last_modified ? r->last_modified : same ? s->st.last_modified : NULL;
    }
    ns->etag = etag ? xstrdup(etag) : NULL;
    ns->last_modified = lm ? xstrdup(lm) : NULL;
    ns->last_poll = poll->now;
    ns->last_ok = nd_outcome_ok(o) ? poll->now : s->st.last_ok;
    ns->errors = nd_outcome_ok(o) ? 0 : s->st.errors + 1;
    ns->outcome = xstrdup(nd_outcome_name(o));
    ns->error = nd_outcome_ok(o) || poll->error[0] == '\0' ? NULL : xstrdup(poll->error);
    ns->http_status = r->http_status;
    ns->retry_until = r->retry_after > 0 ? poll->now + r->retry_after : 0;

    pr.ok = nd_outcome_ok(o);
    pr.errors = ns->errors;
    pr.retry_after = r->retry_after;
    pr.max_age = r->max_age;
    pr.ttl = ttl;
    poll->delay = nd_sched_delay_ms(&poll->p->policy, s->conf.id, s->conf.interval, &pr);
    ns->next_due = poll->now + (poll->delay + 999) / 1000;
}

static void log_outcome(const struct nd_poll *poll)
{
    const struct nd_source *s = poll->s;
    enum nd_outcome o = poll->outcome;
    long long secs = (long long)(poll->delay / 1000);

    if (o == ND_OUT_GONE) {
        if (s->outcome != ND_OUT_GONE)
            log_warnx("source %s: %s: the feed is gone (HTTP 410); it is no longer polled: "
                      "remove it from the configuration (or refresh --force it)",
                      s->conf.id, s->conf.url);
    } else if (!nd_outcome_ok(o)) {
        /* a change of state is a warning; the same failure again is only debug */
        if (poll->ns.errors == 1 || o != s->outcome)
            log_warnx("source %s: %s: %s, retry in %lld s", s->conf.id, nd_outcome_name(o),
                      poll->error, secs);
        else
            log_debug("source %s: %s again (%lld %s): %s, retry in %lld s", s->conf.id,
                      nd_outcome_name(o), (long long)poll->ns.errors,
                      nd_plural(poll->ns.errors, "failure", "failures"), poll->error, secs);
    } else if (s->st.errors > 0) {
        log_notice("source %s: %s again after %lld %s", s->conf.id, nd_outcome_name(o),
                   (long long)s->st.errors, nd_plural(s->st.errors, "failure", "failures"));
    }
}

void nd_poll_free(struct nd_poll *poll)
{
    if (poll->p && poll->p->doc == poll) {
        nd_near_index_document(nd_dedupe_near(poll->p->env.dedupe), NULL, 0);
        poll->p->doc = NULL;
    }
    nd_fetch_result_clear(&poll->res);
    nd_prepared_free(&poll->prep);
    nd_ingest_clear(&poll->in);
    nd_source_state_clear(&poll->ns);
    nd_filters_unref(poll->filters);
    nd_filters_unref(poll->global_filters);
    free(poll->source_id);
    free(poll->topic);
    free(poll->source_title);
    free(poll->source_url);
    free(poll);
}

/* The poll is over: the source takes its new state, the caller hears of it. */
static void finish(struct nd_poll *poll, int store_failed)
{
    struct nd_poller *p = poll->p;
    struct nd_source *s = poll->s;
    struct nd_poll_report r;
    enum nd_outcome o = poll->outcome;

    if (!store_failed) {
        log_outcome(poll);
        if (o == ND_OUT_OK)
            log_info("source %s: %zu %s, %zu new, %zu updated, %zu %s%s", s->conf.id,
                     poll->in.items, nd_plural((long long)poll->in.items, "item", "items"),
                     poll->in.added, poll->in.updated, poll->in.duplicates,
                     nd_plural((long long)poll->in.duplicates, "duplicate", "duplicates"),
                     poll->prep.n_articles + poll->prep.skipped ? "" : " (no entries)");
        if (poll->in.future)
            log_notice("source %s: %zu new %s dated more than a day in the future (kept "
                       "as the feed says)",
                       s->conf.id, poll->in.future,
                       nd_plural((long long)poll->in.future, "article", "articles"));
        nd_source_state_clear(&s->st);
        s->st = poll->ns;
        memset(&poll->ns, 0, sizeof(poll->ns));
        s->gone = o == ND_OUT_GONE;
        if (p->env.state_out && s->held)
            p->env.state_out(p->env.state_arg, s->conf.id, &s->st);
    }
    if (poll->res.permanent_redirect &&
        (s->redirect == NULL || strcmp(s->redirect, poll->res.permanent_redirect) != 0))
        log_notice("source %s: permanently redirected to %s (update the configuration)", s->conf.id,
                   poll->res.permanent_redirect);
    nd_str_set(&s->redirect, poll->res.permanent_redirect);
    s->outcome = o;
    snprintf(s->error, sizeof(s->error), "%s", nd_outcome_ok(o) ? "" : poll->error);
    s->items = poll->in.items;
    s->added = poll->in.added;
    s->updated = poll->in.updated;
    s->duplicates = poll->in.duplicates;
    s->skipped = poll->prep.skipped;
    s->filtered = poll->in.filtered;
    s->articles += (int64_t)poll->in.added;
    s->polls[o]++;
    s->next_wall = 0; /* until nd_poller_source_done() schedules the next poll */

    memset(&r, 0, sizeof(r));
    r.source_id = poll->source_id;
    r.outcome = o;
    r.http_status = poll->res.http_status;
    r.items = poll->in.items;
    r.added = poll->in.added;
    r.updated = poll->in.updated;
    r.duplicates = poll->in.duplicates;
    r.skipped = poll->prep.skipped;
    r.filtered = poll->in.filtered;
    r.error = nd_outcome_ok(o) ? NULL : poll->error;
    r.seq = nd_store_last_seq(p->env.store);
    s->busy = 0;
    p->busy--;
    p->report(p->report_arg, &r);
    nd_poller_source_done(p, s, poll->delay);
    nd_poll_free(poll);
}

static void enqueue_admit(struct nd_poll *poll)
{
    struct nd_poller *p = poll->p;

    poll->next = NULL;
    poll->queued_at = nd_mono_ms();
    if (p->admit_tail)
        p->admit_tail->next = poll;
    else
        p->admit_head = poll;
    p->admit_tail = poll;
    p->n_admit++;
}

static struct nd_poll *dequeue_admit(struct nd_poller *p)
{
    struct nd_poll *poll = p->admit_head;

    p->admit_head = poll->next;
    if (p->admit_head == NULL)
        p->admit_tail = NULL;
    poll->next = NULL;
    p->n_admit--;
    return poll;
}

/* Prepared (or failed before it): decide the next state, then admit or finish. */
static void prepared(struct nd_poll *poll)
{
    struct nd_source *s = poll->s;
    int64_t ttl = poll->outcome == ND_OUT_OK ? poll->prep.feed.ttl : -1;

    if (poll->outcome == ND_OUT_OK && poll->prep.rc != ND_OK) {
        poll->outcome = ND_OUT_PARSE;
        snprintf(poll->error, sizeof(poll->error), "%s", poll->prep.error);
    }
    for (size_t i = 0; i < poll->prep.feed.warnings.n; i++)
        log_debug("source %s: %s", poll->source_id, poll->prep.feed.warnings.v[i]);
    for (size_t i = 0; i < poll->prep.skip_notes.n; i++)
        log_debug("source %s: %s skipped", poll->source_id, poll->prep.skip_notes.v[i]);
    nd_poll_next_state(poll, &poll->res, ttl);
    if (poll->outcome == ND_OUT_OK)
        poll->left = poll->prep.n_articles;
    if (poll->outcome == ND_OUT_OK && poll->p->env.counters)
        poll->p->env.counters->skipped += poll->prep.skipped;
    if (poll->outcome == ND_OUT_NOT_MODIFIED && s->st.errors == 0 && !s->gone) {
        /* only timing changed: keep it in memory, write it with the next commit */
        nd_poll_mark_dirty(poll->p, s);
        finish(poll, 0);
        return;
    }
    enqueue_admit(poll);
}

static void job_run(struct nd_job *job)
{
    struct nd_poll *poll = (struct nd_poll *)(void *)job;
    struct nd_clean_ctx cctx = {poll->source_id, NULL, poll->now};
    struct nd_parse_in pin = {poll->res.final_url, poll->res.charset, poll->res.content_language};

    nd_prepare(poll->res.body, poll->res.len, &pin, &cctx, ND_PREPARE_NEAR, &job->cancel,
               &poll->prep);
    free(poll->res.body); /* the articles are made: the bytes are not needed */
    poll->res.body = NULL;
    poll->res.len = 0;
}

static void job_done(struct nd_job *job)
{
    struct nd_poll *poll = (struct nd_poll *)(void *)job;

    if (job->skipped || poll->prep.cancelled) {
        /* shutting down: nothing was committed, the document is fetched again next time */
        struct nd_poller *p = poll->p;
        poll->s->busy = 0;
        p->busy--;
        nd_poller_source_done(p, poll->s, -1);
        nd_poll_free(poll);
        return;
    }
    prepared(poll);
}

/* A transfer's time and bytes; what a 304 spared (the size of the source's last 200 body). */
static void count_transfer(struct nd_poller *p, struct nd_source *s,
                           const struct nd_fetch_result *r)
{
    struct nd_counters *c = p->env.counters;

    if (r->outcome == ND_OUT_OK)
        s->body_bytes = r->wire_bytes;
    if (c == NULL)
        return;
    nd_hist_observe(&c->fetch_seconds, r->seconds);
    c->fetch_bytes += r->wire_bytes;
    if (r->outcome == ND_OUT_NOT_MODIFIED)
        c->saved_bytes += s->body_bytes;
}

static void fetched(void *arg, struct nd_fetch_result *res)
{
    struct nd_source *s = arg;
    struct nd_poller *p = s->p;
    struct nd_poll *poll = xcalloc(1, sizeof(*poll));

    nd_hostq_done(p->q, &s->qe, nd_mono_ms());
    poll->p = p;
    poll->s = s;
    poll->source_id = xstrdup(s->conf.id);
    poll->now = nd_now();
    poll->res = *res; /* taken over */
    memset(res, 0, sizeof(*res));
    res->max_age = -1;
    poll->outcome = poll->res.outcome;
    snprintf(poll->error, sizeof(poll->error), "%s", poll->res.error);
    poll->in.store = p->env.store;
    poll->in.dedupe = p->env.dedupe;
    poll->in.source_id = poll->source_id;
    poll->source_title = s->conf.title ? xstrdup(s->conf.title) : NULL;
    poll->source_url = xstrdup(s->conf.url);
    poll->topic = xstrdup(s->conf.topic);
    poll->in.source_title = poll->source_title;
    poll->in.source_url = poll->source_url;
    poll->in.topic = poll->topic;
    poll->in.now = poll->now;
    poll->filters = nd_filters_ref(s->conf.filters);
    poll->global_filters = nd_filters_ref(p->filters);
    poll->in.filters = poll->filters;
    poll->in.global_filters = poll->global_filters;
    poll->in.counters = p->env.counters;
    poll->in.memo = p->env.filtered;
    count_transfer(p, s, &poll->res);
    poll->job.run = job_run;
    poll->job.done = job_done;
    if (poll->outcome == ND_OUT_OK)
        nd_worker_submit(p->env.worker, &poll->job);
    else
        prepared(poll);
}

/* --- group commit --- */

void nd_poll_mark_dirty(struct nd_poller *p, struct nd_source *s)
{
    if (s->dirty)
        return;
    if (p->n_dirty == p->cap_dirty) {
        p->cap_dirty = p->cap_dirty ? p->cap_dirty * 2 : 64;
        p->dirty = xrealloc(p->dirty, p->cap_dirty * sizeof(*p->dirty));
    }
    p->dirty[p->n_dirty++] = s;
    s->dirty = 1;
}

void nd_poll_forget_dirty(struct nd_poller *p, struct nd_source *s)
{
    if (!s->dirty)
        return;
    for (size_t i = 0; i < p->n_dirty; i++)
        if (p->dirty[i] == s) {
            p->dirty[i] = p->dirty[--p->n_dirty];
            break;
        }
    s->dirty = 0;
}

static int write_dirty_states(struct nd_poller *p)
{
    for (size_t i = 0; i < p->n_dirty; i++) {
        struct nd_source *s = p->dirty[i];
        if (nd_store_source_put(p->env.store, s->conf.id, &s->st) != ND_OK)
            return ND_ESTORE;
    }
    return ND_OK;
}

static void clear_dirty(struct nd_poller *p)
{
    for (size_t i = 0; i < p->n_dirty; i++)
        p->dirty[i]->dirty = 0;
    p->n_dirty = 0;
}

/* Admit as much of poll as the slice allows: 1 when all of it is in, 0 if not, <0 on error. */
static int admit(struct nd_poll *poll, int64_t deadline)
{
    struct nd_prepared *pp = &poll->prep;
    struct nd_near_index *ix = nd_dedupe_near(poll->p->env.dedupe);
    size_t n = 0;
    int rc = 1;

    poll->in.home = pp->home;
    if (poll->p->doc != poll) {
        /* the document's own items are evidence of its boilerplate; it stays the context
         * over the slices of a large document, until another document is admitted */
        nd_near_index_document(ix, (const struct nd_near_sig *const *)pp->sigs,
                               pp->sigs ? pp->n_articles : 0);
        poll->p->doc = poll;
    }
    while (poll->left > 0) {
        size_t i = poll->left - 1; /* oldest first */
        if (nd_ingest_article(&poll->in, &pp->feed, &pp->articles[i], pp->sigs ? pp->sigs[i] : NULL,
                              pp->blobs ? pp->blobs[i] : NULL,
                              pp->blob_lens ? pp->blob_lens[i] : 0) != ND_OK) {
            rc = ND_ESTORE;
            break;
        }
        poll->left--;
        if ((++n & 63) == 0 && nd_mono_ms() >= deadline) {
            rc = poll->left == 0 ? 1 : 0;
            break;
        }
    }
    if (rc == 1 && nd_store_source_put(poll->p->env.store, poll->source_id, &poll->ns) != ND_OK)
        return ND_ESTORE;
    return rc;
}

static void publish(struct nd_poll *poll)
{
    struct nd_ingest *in = &poll->in;

    log_hold(1);
    for (size_t i = 0; i < in->messages.n; i++) {
        long long seq = (long long)(in->first_seq + (int64_t)i);
        if (nd_publish(poll->p->env.pub, in->topic, in->messages.v[i]) != ND_OK) {
            log_warnx("publish: seq %lld not sent (it is in the journal)", seq);
            if (poll->p->env.counters)
                poll->p->env.counters->publish_errors++;
        }
        log_info("source %s: seq %lld: %s", poll->source_id, seq, in->titles.v[i]);
    }
    log_hold(0);
    in->first_seq += (int64_t)in->messages.n;
    nd_strv_free(&in->messages);
    nd_strv_free(&in->titles);
}

/* The batch did not commit: nothing of it was journaled, nothing is published. */
static void batch_failed(struct nd_poll *poll, const char *why)
{
    struct nd_source *s = poll->s;

    nd_strv_free(&poll->in.messages);
    nd_strv_free(&poll->in.titles);
    log_warnx("store: %s; source %s will be fetched again", why, poll->source_id);
    if (poll->outcome == ND_OUT_OK) {
        /* the articles come again with the next fetch: the validators stay as they were */
        poll->outcome = ND_OUT_ERROR;
        snprintf(poll->error, sizeof(poll->error), "store: %s", why);
        poll->delay = STORE_RETRY_MS;
        poll->in.added = poll->in.updated = poll->in.duplicates = 0;
        finish(poll, 1);
        return;
    }
    /* a failure or a hint: it holds in memory and is written with the next commit */
    nd_poll_mark_dirty(poll->p, s);
    finish(poll, 0);
}

int64_t nd_poll_admit_hook(void *arg)
{
    struct nd_poller *p = arg;
    struct nd_store *st = p->env.store;
    struct nd_poll *done = NULL, **done_tail = &done, *poll, *next;
    int64_t deadline = nd_mono_ms() + ADMIT_SLICE_MS, wait;
    char why[256];
    int rc = ND_OK;

    if (p->admit_head == NULL)
        return -1;
    /* wait a little for company, unless the head has waited enough (or is half admitted) */
    wait = p->admit_head->queued_at + GROUP_WAIT_MS - nd_mono_ms();
    if (wait > 0 && p->n_admit < GROUP_MAX && !p->stopping &&
        p->admit_head->left == p->admit_head->prep.n_articles)
        return wait;
    rc = nd_store_begin(st);
    if (rc == ND_OK)
        rc = write_dirty_states(p);
    while (rc == ND_OK && (poll = p->admit_head) != NULL) {
        int r = admit(poll, deadline);
        if (r < 0)
            rc = r;
        if (r != 1)
            break;
        dequeue_admit(p);
        *done_tail = poll;
        done_tail = &poll->next;
        if (nd_mono_ms() >= deadline)
            break;
    }
    if (rc == ND_OK) {
        int64_t t0 = nd_mono_us();
        rc = nd_store_commit(st);
        if (rc == ND_OK && p->env.counters) {
            nd_hist_observe(&p->env.counters->commit_seconds, (double)(nd_mono_us() - t0) / 1e6);
            p->env.counters->commits++;
        }
    }
    if (p->env.counters)
        nd_counters_store(p->env.counters, rc == ND_OK ? NULL : nd_store_errmsg(st));
    if (rc != ND_OK) {
        snprintf(why, sizeof(why), "%s", nd_store_errmsg(st));
        nd_store_rollback(st);
        /* the index learned what the store did not keep: read it again from the store */
        if (nd_dedupe_load(p->env.dedupe, st, nd_now()) != ND_OK)
            log_warnx("dedupe: cannot read the seen log again: %s", nd_store_errmsg(st));
        for (poll = done; poll; poll = next) {
            next = poll->next;
            batch_failed(poll, why);
        }
        if (p->admit_head != NULL) /* the one cut short */
            batch_failed(dequeue_admit(p), why);
        return p->admit_head ? 0 : -1;
    }
    clear_dirty(p);
    if (p->env.committed)
        p->env.committed(p->env.state_arg);
    for (poll = done; poll; poll = poll->next)
        publish(poll);
    if (p->admit_head) /* the part of a large document admitted so far */
        publish(p->admit_head);
    for (poll = done; poll; poll = next) {
        next = poll->next;
        finish(poll, 0);
    }
    return p->admit_head ? 0 : -1;
}

void nd_poll_flush_states(struct nd_poller *p)
{
    if (p->n_dirty == 0)
        return;
    /* timing only: no fsync; it survives a crash of newsd, and a power cut costs an early poll */
    if (nd_store_begin_light(p->env.store) != ND_OK || write_dirty_states(p) != ND_OK ||
        nd_store_commit(p->env.store) != ND_OK) {
        log_warnx("store: %s; source states will be written later", nd_store_errmsg(p->env.store));
        if (p->env.counters)
            nd_counters_store(p->env.counters, nd_store_errmsg(p->env.store));
        nd_store_rollback(p->env.store);
        return;
    }
    if (p->env.counters)
        nd_counters_store(p->env.counters, NULL);
    clear_dirty(p);
}
