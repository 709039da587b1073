/*
 * commands.c: the control requests (docs/control-protocol.md), answered
 * as JSON built from the poller's and the store's plain data.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "newsd/commands.h"
#include "newsd/explain.h"
#include "newsd/loop.h"
#include "newsd/log.h"
#include "newsd/strmap.h"
#include "newsd/version.h"

/* What a refresh answers for one source: its poll, or why it was skipped. */
struct result {
    int done;
    struct nd_poll_report r; /* strings below */
    char *error;             /* the poll's error, or NULL */
    char *reason;            /* skipped: why, else NULL */
};

/*
 * A refresh that asked for progress gets a frame of the sources done since
 * the last one, at most every PROGRESS_MS and at most PROGRESS_MAX frames in
 * all: a client's queue holds 1000 messages, so however slowly it reads, the
 * reply still fits behind them.  The reply repeats every source.
 */
#define PROGRESS_MS  250
#define PROGRESS_MAX 500

struct refresh {
    struct nd_commands *c;
    struct nd_client *client;
    struct nd_strv ids;
    struct result *results; /* one per id */
    size_t pending;         /* results not done */
    /* progress, when asked for */
    int progress;
    struct nd_buf unsent;       /* entries done and not sent yet, comma-separated */
    size_t frames;              /* progress frames sent */
    int64_t last_sent;          /* nd_mono_ms() of the last one */
    struct nd_loop_timer timer; /* sends what waits for PROGRESS_MS */
    struct refresh *prev, *next;
};

/* A refresh waiting for one of its sources: results[i] of r. */
struct waiter {
    struct refresh *r;
    size_t i;
    struct waiter *next;
};

struct nd_commands {
    struct nd_commands_env env;
    char *config_path;
    struct refresh *refreshes; /* waiting for polls */
    struct nd_strmap waiting;  /* source id -> struct waiter list */
    int stopping;
};

struct nd_commands *nd_commands_new(const struct nd_commands_env *env)
{
    struct nd_commands *c = xcalloc(1, sizeof(*c));

    c->env = *env;
    c->env.config_path = c->config_path = xstrdup(env->config_path); /* outlives a reload */
    return c;
}

static void refresh_free(struct refresh *r)
{
    nd_loop_timer_cancel(r->c->env.loop, &r->timer);
    nd_buf_free(&r->unsent);
    for (size_t i = 0; i < r->ids.n; i++) {
        free(r->results[i].error);
        free(r->results[i].reason);
    }
    free(r->results);
    nd_strv_free(&r->ids);
    free(r);
}

static void free_waiters(void *arg, const char *key, void *value)
{
    for (struct waiter *w = value, *next; w; w = next) {
        next = w->next;
        free(w);
    }
}

void nd_commands_stop(struct nd_commands *c, const char *why)
{
    struct refresh *r, *next;

    c->stopping = 1;
    for (r = c->refreshes; r; r = next) {
        next = r->next;
        nd_control_error(c->env.ctl, r->client, "%s", why);
        refresh_free(r);
    }
    c->refreshes = NULL;
    nd_strmap_each(&c->waiting, free_waiters, NULL);
    nd_strmap_free(&c->waiting);
}

void nd_commands_free(struct nd_commands *c)
{
    if (c == NULL)
        return;
    nd_commands_stop(c, "newsd is shutting down");
    free(c->config_path);
    free(c);
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

static json_t *source_status(const struct nd_source_info *i)
{
    const struct nd_source_conf *sc = i->conf;

    return json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:I, s:I, s:I, "
        "s:I, s:I, s:I, s:I, s:o}",
        "id", sc->id, "url", sc->url, "topic", sc->topic, "interval", (json_int_t)sc->interval,
        "enabled", sc->enabled, "state", i->state, "last_poll", time_or_null(i->last_poll),
        "last_ok", time_or_null(i->last_ok), "next_poll", time_or_null(i->next_poll), "retry_until",
        time_or_null(i->retry_until), "http_status", (json_int_t)i->http_status, "outcome",
        i->outcome == ND_OUT_NONE ? json_null() : json_string(nd_outcome_name(i->outcome)), "error",
        str_or_null(i->error), "errors", (json_int_t)i->errors, "items", (json_int_t)i->items,
        "new", (json_int_t)i->added, "updated", (json_int_t)i->updated, "duplicates",
        (json_int_t)i->duplicates, "skipped", (json_int_t)i->skipped, "filtered",
        (json_int_t)i->filtered, "articles", (json_int_t)i->articles, "redirect",
        str_or_null(i->redirect));
}

static void cmd_ping(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    nd_control_reply(c->env.ctl, cl,
                     json_pack("{s:b, s:s, s:I}", "ok", 1, "version", NEWSD_VERSION, "pid",
                               (json_int_t)getpid()),
                     NULL);
}

/* The JetStream sink, or null when publish.nats is not set. */
static json_t *nats_status(const struct nd_jetstream *js)
{
    struct nd_js_status s;

    if (js == NULL)
        return json_null();
    nd_jetstream_status(js, &s);
    return json_pack("{s:b, s:s, s:o, s:I, s:I, s:I, s:o}", "connected", s.connected, "stream",
                     s.stream, "server", str_or_null(s.server), "backlog", (json_int_t)s.backlog,
                     "in_flight", (json_int_t)s.in_flight, "acked", (json_int_t)s.acked, "error",
                     str_or_null(s.error));
}

/* Seconds from Unix ms at to now_ms (never below 0), or null when at is 0. */
static json_t *age_or_null(int64_t now_ms, int64_t at)
{
    if (at == 0)
        return json_null();
    return json_integer(at < now_ms ? (now_ms - at) / 1000 : 0);
}

/* The ids of the sources in the slots node announced (slot[i]: source i's). */
static json_t *node_sources(const struct nd_poller *p, const uint32_t *slot,
                            const struct nd_cluster_node *node)
{
    json_t *ids = json_array();
    struct nd_source_info info;

    for (size_t i = 0; i < nd_poller_count(p); i++)
        if (node->slots[slot[i]]) {
            nd_poller_info(p, i, &info);
            json_array_append_new(ids, json_string(info.conf->id));
        }
    return ids;
}

/* Every live node: the slots it announced, their sources, the ages of its keys. */
static json_t *cluster_nodes(const struct nd_poller *p, const struct nd_cluster_status *s)
{
    size_t n = nd_poller_count(p);
    uint32_t *slot = xcalloc(n ? n : 1, sizeof(*slot));
    int64_t now = nd_now_ms();
    struct nd_source_info info;
    json_t *nodes = json_array();

    for (size_t i = 0; i < n; i++) {
        nd_poller_info(p, i, &info);
        slot[i] = nd_cluster_slot(info.conf->id, s->slots);
    }
    for (size_t i = 0; i < s->n_nodes; i++) {
        const struct nd_cluster_node *k = &s->nodes[i];
        json_array_append_new(nodes, json_pack("{s:s, s:I, s:b, s:o, s:o, s:o, s:o}", "name",
                                               k->name, "held", (json_int_t)k->held, "claims",
                                               k->claims, "sources", node_sources(p, slot, k),
                                               "last_seen_age", age_or_null(now, k->last_seen),
                                               "lease_age_min", age_or_null(now, k->lease_newest),
                                               "lease_age_max", age_or_null(now, k->lease_oldest)));
    }
    free(slot);
    return nodes;
}

/* The stream as the lease thread last read it, or null. */
static json_t *cluster_stream(const struct nd_cluster_status *s)
{
    if (s->stream_name == NULL || !s->stream.known)
        return json_null();
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name", s->stream_name, "messages",
                     (json_int_t)s->stream.messages, "bytes", (json_int_t)s->stream.bytes,
                     "first_seq", (json_int_t)s->stream.first_seq, "last_seq",
                     (json_int_t)s->stream.last_seq, "consumers", (json_int_t)s->stream.consumers);
}

/* Cluster mode, or null. */
static json_t *cluster_status(const struct nd_cluster *k, const struct nd_poller *p)
{
    struct nd_cluster_status s;
    char at[32];

    if (k == NULL)
        return json_null();
    nd_cluster_status(k, &s);
    if (s.last_renewal)
        nd_time_rfc3339(s.last_renewal, at);
    return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "node", s.node, "bucket",
                     s.bucket, "connected", s.connected, "slots", (json_int_t)s.slots, "held",
                     (json_int_t)s.held, "live_nodes", (json_int_t)s.live, "last_renewal",
                     s.last_renewal ? json_string(at) : json_null(), "error", str_or_null(s.error),
                     "nodes", cluster_nodes(p, &s), "stream", cluster_stream(&s));
}

/* The stream follower (cluster mode): what this node learned of the others' articles. */
static json_t *follow_status(const struct nd_follow *f)
{
    struct nd_follow_status s;

    nd_follow_status(f, &s);
    return json_pack("{s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "connected", s.connected,
                     "caught_up", s.caught_up, "seq", (json_int_t)s.seq, "target",
                     (json_int_t)s.target, "learned", (json_int_t)s.learned, "repeats",
                     (json_int_t)s.repeats, "unreadable", (json_int_t)s.unreadable, "not_sent",
                     (json_int_t)s.not_sent, "error", str_or_null(s.error));
}

static void cmd_status(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    struct nd_poller *p = c->env.poller;
    json_t *arr = json_array();
    struct nd_source_info info;
    char started[32];
    json_t *cluster = cluster_status(c->env.cluster, p);

    if (c->env.follow && json_is_object(cluster))
        json_object_set_new(cluster, "follow", follow_status(c->env.follow));
    for (size_t i = 0; i < nd_poller_count(p); i++) {
        nd_poller_info(p, i, &info);
        json_array_append_new(arr, source_status(&info));
    }
    nd_time_rfc3339(c->env.started, started);
    nd_control_reply(
        c->env.ctl, cl,
        json_pack("{s:b, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "ok", 1,
                  "version", NEWSD_VERSION, "pid", (json_int_t)getpid(), "started", started,
                  "uptime", (json_int_t)(nd_now() - c->env.started), "config", c->env.config_path,
                  "seq", (json_int_t)nd_store_last_seq(c->env.store), "journal",
                  (json_int_t)nd_store_journal_count(c->env.store), "in_flight",
                  (json_int_t)nd_fetch_in_flight(c->env.fetcher), "queued",
                  (json_int_t)nd_poller_queued(p), "nats", nats_status(c->env.js), "cluster",
                  cluster, "sources", arr),
        NULL);
}

static void cmd_sources(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    struct nd_poller *p = c->env.poller;
    json_t *arr = json_array();
    struct nd_source_info info;

    for (size_t i = 0; i < nd_poller_count(p); i++) {
        const struct nd_source_conf *sc;
        nd_poller_info(p, i, &info);
        sc = info.conf;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:b, s:o}", "id", sc->id, "url", sc->url, "topic",
                           sc->topic, "interval", (json_int_t)sc->interval, "enabled", sc->enabled,
                           "title", sc->title ? json_string(sc->title) : json_null()));
    }
    nd_control_reply(c->env.ctl, cl, json_pack("{s:b, s:o}", "ok", 1, "sources", arr), NULL);
}

/* A JSON string (escaped by jansson) appended to b. */
static int add_string(struct nd_buf *b, const char *s)
{
    json_t *j = json_string(s);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    int rc = nd_buf_adds(b, t ? t : "null");

    free(t);
    json_decref(j);
    return rc;
}

/* One source's entry of a refresh reply (ids are [a-z0-9._-]: no escaping). */
static int add_result(struct nd_buf *b, const char *id, const struct result *x)
{
    const struct nd_poll_report *r = &x->r;
    int rc = 0;

    if (x->reason) {
        rc |= nd_buf_printf(b, "{\"id\":\"%s\",\"outcome\":\"skipped\",\"reason\":", id);
        rc |= add_string(b, x->reason);
        rc |= nd_buf_printf(b, ",\"seq\":%lld}", (long long)r->seq);
        return rc;
    }
    rc |= nd_buf_printf(b,
                        "{\"id\":\"%s\",\"outcome\":\"%s\",\"http_status\":%ld,\"items\":%zu,"
                        "\"new\":%zu,\"updated\":%zu,\"duplicates\":%zu,\"skipped\":%zu,"
                        "\"filtered\":%zu,\"error\":",
                        id, nd_outcome_name(r->outcome), r->http_status, r->items, r->added,
                        r->updated, r->duplicates, r->skipped, r->filtered);
    if (x->error)
        rc |= add_string(b, x->error);
    else
        rc |= nd_buf_adds(b, "null");
    rc |= nd_buf_printf(b, ",\"seq\":%lld}", (long long)r->seq);
    return rc;
}

/* Send what r's client has not heard of yet: {"ok", "progress", "done", "total", "sources"}. */
static void progress_send(struct refresh *r)
{
    struct nd_buf b;
    int rc = 0;

    nd_buf_init(&b, 0);
    rc |=
        nd_buf_printf(&b, "{\"ok\":true,\"progress\":true,\"done\":%zu,\"total\":%zu,\"sources\":[",
                      r->ids.n - r->pending, r->ids.n);
    if (r->unsent.len)
        rc |= nd_buf_add(&b, r->unsent.data, r->unsent.len);
    rc |= nd_buf_adds(&b, "]}");
    if (rc == ND_OK)
        nd_control_send_text(r->c->env.ctl, r->client, b.data, b.len);
    nd_buf_free(&b);
    nd_buf_free(&r->unsent);
    nd_buf_init(&r->unsent, 0);
    r->frames++;
    r->last_sent = nd_mono_ms();
}

static void on_progress_timer(void *arg)
{
    progress_send(arg);
}

/* results[i] of r joins the next progress frame (best effort: past the buffer's cap, it waits
 * for the reply). */
static void unsent_add(struct refresh *r, size_t i)
{
    size_t len = r->unsent.len;

    if ((len && nd_buf_addc(&r->unsent, ',') != ND_OK) ||
        add_result(&r->unsent, r->ids.v[i], &r->results[i]) != ND_OK)
        r->unsent.len = len;
}

/* results[i] of r is done: tell the client soon, if it asked. */
static void progress_add(struct refresh *r, size_t i)
{
    int64_t now = nd_mono_ms();

    if (!r->progress || r->frames >= PROGRESS_MAX)
        return;
    unsent_add(r, i);
    if (now - r->last_sent >= PROGRESS_MS)
        progress_send(r);
    else if (!nd_loop_timer_armed(&r->timer))
        nd_loop_timer_at(r->c->env.loop, &r->timer, r->last_sent + PROGRESS_MS);
}

/* Answer r, now that nothing is pending, and free it. */
static void refresh_answer(struct nd_commands *c, struct refresh *r)
{
    struct nd_buf b;
    int rc = 0;

    nd_buf_init(&b, 0);
    rc |= nd_buf_adds(&b, "{\"ok\":true,\"sources\":[");
    for (size_t i = 0; i < r->ids.n; i++) {
        if (i)
            rc |= nd_buf_addc(&b, ',');
        rc |= add_result(&b, r->ids.v[i], &r->results[i]);
    }
    rc |= nd_buf_adds(&b, "]}");
    if (rc == ND_OK)
        nd_control_reply_text(c->env.ctl, r->client, b.data, b.len);
    else
        nd_control_error(c->env.ctl, r->client, "the reply does not fit in memory");
    nd_buf_free(&b);
    r->client = NULL;
    refresh_free(r);
}

static void cmd_refresh(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    struct nd_poller *p = c->env.poller;
    struct refresh *r;
    char why[512];

    if (c->stopping) {
        nd_control_error(c->env.ctl, cl, "newsd is shutting down");
        return;
    }
    for (size_t i = 0; i < req->ids.n; i++)
        if (nd_poller_find(p, req->ids.v[i]) < 0) {
            nd_control_error(c->env.ctl, cl, "unknown source '%s'", req->ids.v[i]);
            return;
        }
    r = xcalloc(1, sizeof(*r));
    r->c = c;
    r->client = cl;
    r->progress = req->progress;
    nd_buf_init(&r->unsent, 0);
    nd_loop_timer_init(&r->timer, on_progress_timer, r);
    for (size_t i = 0; i < req->ids.n; i++)
        nd_strv_push(&r->ids, req->ids.v[i]);
    if (r->ids.n == 0) {
        struct nd_source_info info;
        for (size_t i = 0; i < nd_poller_count(p); i++) {
            nd_poller_info(p, i, &info);
            nd_strv_push(&r->ids, info.conf->id);
        }
    }
    r->results = xcalloc(r->ids.n + 1, sizeof(*r->results));
    /* in the order asked, ahead of scheduled polls (the last one queued in front goes first) */
    for (size_t i = r->ids.n; i-- > 0;) {
        if (nd_poller_refresh(p, r->ids.v[i], req->force, why, sizeof(why)) == ND_EEXIST) {
            r->results[i].done = 1;
            r->results[i].reason = xstrdup(why);
            r->results[i].r.seq = nd_store_last_seq(c->env.store);
            continue;
        }
        struct waiter *w = xcalloc(1, sizeof(*w));
        w->r = r;
        w->i = i;
        w->next = nd_strmap_get(&c->waiting, r->ids.v[i]);
        nd_strmap_put(&c->waiting, r->ids.v[i], w);
        r->pending++;
    }
    if (r->pending == 0) {
        refresh_answer(c, r);
        return;
    }
    if (r->progress) { /* at once: the total, and the sources skipped */
        for (size_t i = 0; i < r->ids.n; i++)
            if (r->results[i].done)
                unsent_add(r, i);
        progress_send(r);
    }
    r->next = c->refreshes;
    if (r->next)
        r->next->prev = r;
    c->refreshes = r;
}

void nd_commands_poll_done(struct nd_commands *c, const struct nd_poll_report *rep)
{
    struct waiter *w = nd_strmap_del(&c->waiting, rep->source_id), *next;

    for (; w; w = next) {
        struct refresh *r = w->r;
        size_t w_i = w->i;
        struct result *x = &r->results[w_i];
        next = w->next;
        x->done = 1;
        x->r = *rep;
        x->r.source_id = NULL; /* the id is the refresh's own */
        x->error = rep->error ? xstrdup(rep->error) : NULL;
        x->r.error = NULL;
        free(w);
        if (--r->pending > 0) {
            progress_add(r, w_i);
            continue;
        }
        if (r->prev)
            r->prev->next = r->next;
        else
            c->refreshes = r->next;
        if (r->next)
            r->next->prev = r->prev;
        refresh_answer(c, r);
    }
}

static void cmd_reload(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    char err[1024];

    if (c->env.reload(c->env.reload_arg, err, sizeof(err)) != ND_OK) {
        nd_control_error(c->env.ctl, cl, "%s", err);
        return;
    }
    nd_control_reply(
        c->env.ctl, cl,
        json_pack("{s:b, s:I}", "ok", 1, "sources", (json_int_t)nd_poller_count(c->env.poller)),
        NULL);
}

static int replay_row(void *arg, int64_t seq, const char *topic, const char *json)
{
    nd_strv_push(arg, json);
    return 0;
}

static void cmd_replay(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    struct nd_strv frames = {0};
    int64_t last;
    int more;

    if (nd_store_replay(c->env.store, req->since, req->limit, (const char *const *)req->topics.v,
                        req->topics.n, replay_row, &frames, &last, &more) != ND_OK) {
        nd_strv_free(&frames);
        nd_control_error(c->env.ctl, cl, "store: %s", nd_store_errmsg(c->env.store));
        return;
    }
    nd_control_reply(c->env.ctl, cl,
                     json_pack("{s:b, s:I, s:I, s:b}", "ok", 1, "count", (json_int_t)frames.n,
                               "last", (json_int_t)last, "more", more),
                     &frames);
    nd_strv_free(&frames);
}

static void cmd_explain(struct nd_commands *c, struct nd_client *cl, const struct nd_request *req)
{
    char err[512];
    json_t *reply = nd_explain(c->env.dedupe, c->env.store, c->env.filtered, req, err, sizeof(err));

    if (reply == NULL)
        nd_control_error(c->env.ctl, cl, "%s", err);
    else
        nd_control_reply(c->env.ctl, cl, reply, NULL);
}

void nd_commands_handle(struct nd_commands *c, struct nd_client *client,
                        const struct nd_request *req)
{
    static void (*const handlers[])(struct nd_commands *, struct nd_client *,
                                    const struct nd_request *) = {
        [ND_CMD_PING] = cmd_ping,       [ND_CMD_STATUS] = cmd_status,
        [ND_CMD_SOURCES] = cmd_sources, [ND_CMD_REFRESH] = cmd_refresh,
        [ND_CMD_RELOAD] = cmd_reload,   [ND_CMD_REPLAY] = cmd_replay,
        [ND_CMD_EXPLAIN] = cmd_explain,
    };

    log_debug("control: %s", nd_cmd_name(req->cmd));
    handlers[req->cmd](c, client, req);
}
