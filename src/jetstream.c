/*
 * jetstream.c: the JetStream sink's loop side (jetstream.h): it reads the
 * store's outbox after a cursor and hands the rows to the NATS thread
 * (js_conn.c), at most WINDOW waiting for their acknowledgement at once;
 * acknowledged rows leave the outbox.  A failure, or a lost connection,
 * puts the cursor back to the start of the outbox once the messages in
 * flight are settled, so every row not acknowledged is sent again (the
 * stream refuses a copy of one it has by its Nats-Msg-Id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js_int.h"
#include "newsd/jetstream.h"
#include "newsd/log.h"

#define WINDOW         512  /* messages sent and not yet acknowledged, at most */
#define RESEND_WAIT_MS 1000 /* after a failure, before the outbox is read again */

struct nd_jetstream {
    struct nd_loop *loop;
    struct nd_store *store;
    struct js_link *link;
    struct nd_watch *watch;
    struct nd_loop_timer resend;
    char *stream, *prefix;
    int ready;
    int held;           /* send nothing yet (nd_jetstream_hold) */
    int rescan;         /* go back to the start of the outbox (once in_flight settles) */
    int64_t rescan_at;  /* ms: the last failure; in flight past JS_ACK_WAIT_MS is given up */
    int64_t cursor;     /* the last seq handed to the thread */
    int64_t in_flight;  /* handed over, no result yet */
    int64_t acked;      /* since start */
    struct js_state st; /* the link's, as last taken */
    void (*sent_fn)(void *arg, int64_t upto);
    void *sent_arg;
    char logged[256]; /* the last failure logged (a repeat is not) */
};

static int send_row(void *arg, int64_t seq, const char *msgid, const char *topic, const char *json)
{
    struct nd_jetstream *js = arg;
    char *subject = nd_js_subject(js->prefix, topic);

    js_link_send(js->link, seq, subject, msgid, json);
    free(subject);
    js->in_flight++;
    return 0;
}

/* Hand what the outbox holds after the cursor to the thread, up to the window. */
static void pump(struct nd_jetstream *js)
{
    int64_t last, limit = WINDOW - js->in_flight, before = js->in_flight;

    if (!js->ready || js->held || js->rescan || limit <= 0 ||
        js->cursor >= nd_store_last_seq(js->store))
        return;
    if (nd_store_outbox_scan(js->store, js->cursor, limit, send_row, js, &last) != ND_OK) {
        log_warnx("nats: reading the outbox: %s", nd_store_errmsg(js->store));
        return;
    }
    js->cursor = last;
    if (js->in_flight - before < limit) /* read to the end: nothing older is waiting */
        js->cursor = nd_store_last_seq(js->store);
}

/* Turn hook: new journal rows go out as soon as they are committed. */
static int64_t on_turn(void *arg)
{
    pump(arg);
    return -1;
}

/* Start over from the first row of the outbox, once what is in flight has settled. */
static void on_resend(void *arg)
{
    struct nd_jetstream *js = arg;

    if (js->in_flight > 0 && nd_mono_ms() - js->rescan_at < 3 * JS_ACK_WAIT_MS) {
        nd_loop_timer_at(js->loop, &js->resend, nd_mono_ms() + RESEND_WAIT_MS);
        return;
    }
    js->in_flight = 0; /* results still to come are counted no more */
    js->cursor = 0;
    js->rescan = 0;
    pump(js);
}

int64_t nd_jetstream_sent_upto(struct nd_jetstream *js)
{
    int64_t first = nd_store_outbox_first(js->store);

    return first ? first - 1 : nd_store_last_seq(js->store);
}

static void want_rescan(struct nd_jetstream *js)
{
    if (js->rescan)
        return;
    js->rescan = 1;
    js->rescan_at = nd_mono_ms();
    nd_loop_timer_at(js->loop, &js->resend, nd_mono_ms() + RESEND_WAIT_MS);
}

static void log_state(struct nd_jetstream *js, const struct js_state *st)
{
    long long backlog = (long long)nd_store_outbox_count(js->store);

    if (st->ready)
        log_info("nats: connected to %s, stream %s; %lld articles to send", st->server, js->stream,
                 backlog);
    else
        log_warnx("nats: %s; articles wait in the journal (%lld to send)",
                  st->error[0] ? st->error : "not connected", backlog);
}

/* Write acknowledged rows out of the outbox; note failures. */
static void settle(struct nd_jetstream *js, const struct js_result *r, size_t n)
{
    int64_t *done = xmalloc((n ? n : 1) * sizeof(*done));
    size_t n_done = 0;

    for (size_t i = 0; i < n; i++) {
        if (js->in_flight > 0)
            js->in_flight--;
        if (r[i].ok)
            done[n_done++] = r[i].seq;
        else
            want_rescan(js);
    }
    if (nd_store_outbox_done(js->store, done, n_done) != ND_OK) {
        log_warnx("nats: marking %zu articles sent: %s (they will be sent again)", n_done,
                  nd_store_errmsg(js->store));
    } else if (n_done > 0) {
        js->acked += (int64_t)n_done;
        if (js->sent_fn)
            js->sent_fn(js->sent_arg, nd_jetstream_sent_upto(js));
    }
    free(done);
}

static void take(struct nd_jetstream *js)
{
    struct js_result *r;
    struct js_state st;
    size_t n = js_link_take(js->link, &r, &st);
    int was_ready = js->ready;

    settle(js, r, n);
    free(r);
    js->st = st;
    js->ready = st.ready;
    if (st.changed || was_ready != st.ready) {
        log_state(js, &st);
        snprintf(js->logged, sizeof(js->logged), "%s", st.error);
        if (js->in_flight == 0)
            js->cursor = 0; /* nothing in doubt: from the outbox's start, as soon as it is ready
                             * (a resend a failure armed keeps its pace: a stream that refuses
                             * every publish is not hammered) */
        else
            want_rescan(js); /* what was in flight is in doubt */
    } else if (strcmp(st.error, js->logged) != 0) {
        /* a new kind of failure (publishes that time out without a quorum...), or recovery */
        if (st.error[0])
            log_warnx("nats: %s; articles wait in the journal (%lld to send)", st.error,
                      (long long)nd_store_outbox_count(js->store));
        snprintf(js->logged, sizeof(js->logged), "%s", st.error);
    }
}

static void on_link(void *arg, int revents)
{
    struct nd_jetstream *js = arg;

    take(js);
    pump(js);
}

int nd_jetstream_new(struct nd_loop *loop, struct nd_store *store, const struct nd_nats_conf *cfg,
                     struct nd_jetstream **out, char *err, size_t errlen)
{
    struct nd_jetstream *js = xcalloc(1, sizeof(*js));

    *out = NULL;
    js->loop = loop;
    js->store = store;
    js->stream = xstrdup(cfg->stream);
    js->prefix = xstrdup(cfg->subject_prefix);
    nd_loop_timer_init(&js->resend, on_resend, js);
    js->link = js_link_start(cfg, err, errlen);
    if (js->link == NULL) {
        nd_jetstream_free(js);
        return ND_EINVAL;
    }
    nd_store_outbox_enable(store, 1);
    js->watch = nd_loop_watch(loop, js_link_fd(js->link), NULL, ND_EV_IN, on_link, js);
    nd_loop_on_turn(loop, on_turn, js);
    log_info("nats: sending to stream %s on %s (%lld articles to send)", cfg->stream,
             cfg->servers.v[0], (long long)nd_store_outbox_count(store));
    *out = js;
    return ND_OK;
}

void nd_jetstream_free(struct nd_jetstream *js)
{
    struct js_result *r;
    struct js_state st;
    size_t n;

    if (js == NULL)
        return;
    if (js->link) {
        nd_loop_unwatch(js->loop, js->watch);
        nd_loop_timer_cancel(js->loop, &js->resend);
        js_link_stop(js->link);
        /* the acknowledgements that came before the connection closed */
        n = js_link_take(js->link, &r, &st);
        settle(js, r, n);
        free(r);
        nd_loop_timer_cancel(js->loop, &js->resend); /* settle may have armed it */
        js_link_free(js->link);
    }
    free(js->stream);
    free(js->prefix);
    free(js);
}

void nd_jetstream_status(const struct nd_jetstream *js, struct nd_js_status *out)
{
    out->connected = js->ready;
    out->stream = js->stream;
    out->server = js->st.server;
    out->backlog = nd_store_outbox_count(js->store);
    out->in_flight = js->in_flight;
    out->acked = js->acked;
    out->error = js->st.error;
}

void nd_jetstream_kick(struct nd_jetstream *js)
{
    pump(js);
}

void nd_jetstream_hold(struct nd_jetstream *js, int hold)
{
    js->held = hold;
    if (!hold)
        pump(js);
}

void nd_jetstream_on_sent(struct nd_jetstream *js, void (*fn)(void *arg, int64_t upto), void *arg)
{
    js->sent_fn = fn;
    js->sent_arg = arg;
}
