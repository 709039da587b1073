/*
 * commands.c: the control requests (docs/control-protocol.md).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_int.h"
#include "newsd/log.h"
#include "newsd/version.h"

#define REPLAY_DEFAULT 500
#define REPLAY_MAX     5000

static void cmd_ping(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    nd_control_reply(d->ctl, c,
                     json_pack("{s:b, s:s, s:I}", "ok", 1, "version", NEWSD_VERSION, "pid",
                               (json_int_t)getpid()),
                     NULL);
}

static void cmd_status(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    json_t *arr = json_array();
    char started[32];

    for (size_t i = 0; i < d->n_sources; i++)
        json_array_append_new(arr, nd_source_status(d->sources[i]));
    nd_time_rfc3339(d->started, started);
    nd_control_reply(d->ctl, c,
                     json_pack("{s:b, s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:o}", "ok", 1,
                               "version", NEWSD_VERSION, "pid", (json_int_t)getpid(), "started",
                               started, "uptime", (json_int_t)(nd_now() - d->started), "config",
                               d->cfg->path, "seq", (json_int_t)nd_store_last_seq(d->store),
                               "journal", (json_int_t)nd_store_journal_count(d->store), "in_flight",
                               (json_int_t)nd_fetch_in_flight(d->fetcher), "queued",
                               (json_int_t)d->n_ready, "sources", arr),
                     NULL);
}

static void cmd_sources(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < d->n_sources; i++) {
        const struct nd_source_conf *sc = &d->sources[i]->conf;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:b, s:o}", "id", sc->id, "url", sc->url, "topic",
                           sc->topic, "interval", (json_int_t)sc->interval, "enabled", sc->enabled,
                           "title", sc->title ? json_string(sc->title) : json_null()));
    }
    nd_control_reply(d->ctl, c, json_pack("{s:b, s:o}", "ok", 1, "sources", arr), NULL);
}

static struct nd_source *find_source(struct nd_daemon *d, const char *id)
{
    for (size_t i = 0; i < d->n_sources; i++)
        if (strcmp(d->sources[i]->conf.id, id) == 0)
            return d->sources[i];
    return NULL;
}

static void refresh_reply(struct nd_daemon *d, struct nd_refresh *r)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < r->ids.n; i++)
        json_array_append_new(arr, r->results[i]);
    free(r->results);
    nd_strv_free(&r->ids);
    nd_control_reply(d->ctl, r->client, json_pack("{s:b, s:o}", "ok", 1, "sources", arr), NULL);
    free(r);
}

static void cmd_refresh(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    json_t *list = json_object_get(req, "sources"), *v;
    struct nd_refresh *r;
    size_t i;

    if (d->stopping) {
        nd_control_error(d->ctl, c, "newsd is shutting down");
        return;
    }
    if (list && !json_is_array(list)) {
        nd_control_error(d->ctl, c, "\"sources\" must be an array of source ids");
        return;
    }
    r = xcalloc(1, sizeof(*r));
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) || find_source(d, json_string_value(v)) == NULL) {
            nd_control_error(d->ctl, c, "unknown source '%s'",
                             json_is_string(v) ? json_string_value(v) : "(not a string)");
            nd_strv_free(&r->ids);
            free(r);
            return;
        }
        if (!nd_strv_contains(&r->ids, json_string_value(v)))
            nd_strv_push(&r->ids, json_string_value(v));
    }
    if (r->ids.n == 0)
        for (i = 0; i < d->n_sources; i++)
            nd_strv_push(&r->ids, d->sources[i]->conf.id);
    if (r->ids.n == 0) {
        nd_strv_free(&r->ids);
        free(r);
        nd_control_reply(d->ctl, c, json_pack("{s:b, s:[]}", "ok", 1, "sources"), NULL);
        return;
    }
    r->client = c;
    r->results = xcalloc(r->ids.n, sizeof(*r->results));
    r->next = d->refreshes;
    d->refreshes = r;
    /* in the order asked, ahead of scheduled polls; one already running is waited for */
    for (i = r->ids.n; i-- > 0;) {
        struct nd_source *s = find_source(d, r->ids.v[i]);
        if (!s->in_flight)
            nd_source_ready(d, s, 1);
    }
    nd_poll_start_ready(d);
}

void nd_refresh_done(struct nd_daemon *d, struct nd_source *s, json_t *result)
{
    struct nd_refresh **pp = &d->refreshes, *r;

    while ((r = *pp) != NULL) {
        int pending = 0;
        for (size_t i = 0; i < r->ids.n; i++) {
            if (r->results[i] == NULL && strcmp(r->ids.v[i], s->conf.id) == 0)
                r->results[i] = json_deep_copy(result);
            pending += r->results[i] == NULL;
        }
        if (pending == 0) {
            *pp = r->next;
            refresh_reply(d, r);
        } else {
            pp = &r->next;
        }
    }
    json_decref(result);
}

void nd_refresh_abort_all(struct nd_daemon *d, const char *why)
{
    struct nd_refresh *r, *next;

    for (r = d->refreshes; r; r = next) {
        next = r->next;
        for (size_t i = 0; i < r->ids.n; i++)
            json_decref(r->results[i]);
        free(r->results);
        nd_strv_free(&r->ids);
        nd_control_error(d->ctl, r->client, "%s", why);
        free(r);
    }
    d->refreshes = NULL;
}

static void cmd_reload(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    char err[1024];

    if (nd_daemon_reload(d, err, sizeof(err)) != ND_OK) {
        nd_control_error(d->ctl, c, "%s", err);
        return;
    }
    nd_control_reply(d->ctl, c,
                     json_pack("{s:b, s:I}", "ok", 1, "sources", (json_int_t)d->n_sources), NULL);
}

struct replay_ctx {
    struct nd_strv frames;
};

static int replay_row(void *arg, int64_t seq, const char *topic, const char *json)
{
    struct replay_ctx *rc = arg;

    nd_strv_push(&rc->frames, json);
    return 0;
}

static void cmd_replay(struct nd_daemon *d, struct nd_client *c, json_t *req)
{
    json_t *since = json_object_get(req, "since"), *limit = json_object_get(req, "limit");
    json_t *topics = json_object_get(req, "topics"), *v;
    struct replay_ctx rc;
    const char **prefixes = NULL;
    int64_t lim = REPLAY_DEFAULT, last;
    size_t n = 0, i;
    int more;

    if (!json_is_integer(since) || json_integer_value(since) < 0) {
        nd_control_error(d->ctl, c, "\"since\" must be a seq (an integer >= 0)");
        return;
    }
    if (limit) {
        if (!json_is_integer(limit) || json_integer_value(limit) < 1) {
            nd_control_error(d->ctl, c, "\"limit\" must be a positive integer");
            return;
        }
        lim = json_integer_value(limit) > REPLAY_MAX ? REPLAY_MAX : json_integer_value(limit);
    }
    if (topics && !json_is_array(topics)) {
        nd_control_error(d->ctl, c, "\"topics\" must be an array of topic prefixes");
        return;
    }
    prefixes = xcalloc(json_array_size(topics) + 1, sizeof(*prefixes));
    json_array_foreach(topics, i, v)
    {
        if (!json_is_string(v)) {
            free(prefixes);
            nd_control_error(d->ctl, c, "\"topics\" must be an array of topic prefixes");
            return;
        }
        prefixes[n++] = json_string_value(v);
    }
    memset(&rc, 0, sizeof(rc));
    if (nd_store_replay(d->store, json_integer_value(since), lim, prefixes, n, replay_row, &rc,
                        &last, &more) != ND_OK) {
        free(prefixes);
        nd_strv_free(&rc.frames);
        nd_control_error(d->ctl, c, "store: %s", nd_store_errmsg(d->store));
        return;
    }
    free(prefixes);
    nd_control_reply(d->ctl, c,
                     json_pack("{s:b, s:I, s:I, s:b}", "ok", 1, "count", (json_int_t)rc.frames.n,
                               "last", (json_int_t)last, "more", more),
                     &rc.frames);
    nd_strv_free(&rc.frames);
}

static const struct {
    const char *name;
    void (*fn)(struct nd_daemon *, struct nd_client *, json_t *);
} commands[] = {
    {"ping", cmd_ping},       {"status", cmd_status}, {"sources", cmd_sources},
    {"refresh", cmd_refresh}, {"reload", cmd_reload}, {"replay", cmd_replay},
};

void nd_commands_handle(struct nd_daemon *d, struct nd_client *client, json_t *req)
{
    const char *cmd = json_string_value(json_object_get(req, "cmd"));

    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            log_debug("control: %s", cmd);
            commands[i].fn(d, client, req);
            return;
        }
    nd_control_error(d->ctl, client, "unknown command '%s'", cmd);
}
