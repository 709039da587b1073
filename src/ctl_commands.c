/*
 * ctl_commands.c: newsctl's commands that talk to a running newsd.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/ctl.h"
#include "newsd/curve.h"
#include "newsd/strmap.h"

#define QUICK_MS     10000
#define EXIT_PARTIAL 1 /* the request ran; some of it failed */
#define EXIT_USAGE   2
#define EXIT_REQUEST 3 /* no daemon, no answer, or the request was refused */
#define REFRESH_MS   600000
#define REPLAY_PAGE  1000

/* Send {cmd, ...extra} and return the reply, or NULL (already reported). */
static json_t *ask(struct nd_ctl_opts *o, json_t *req, long def_ms, struct nd_strv *frames)
{
    long timeout = nd_ctl_timeout(o, def_ms);
    struct nd_ctl_target t;
    json_t *reply = NULL;

    if (timeout < 0) {
        json_decref(req);
        return NULL;
    }
    if (nd_ctl_target(o, 0, &t) == 0) {
        (void)nd_ctl_request(&t, req, timeout, &reply, frames);
        nd_ctl_target_clear(&t);
    }
    json_decref(req);
    return reply;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (s) {
        puts(s);
        free(s);
    }
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* What a refresh has shown so far: every source once, as soon as it is known. */
struct refresh_view {
    const struct nd_ctl_opts *o;
    struct nd_strmap shown; /* ids whose line is out */
    size_t done, total, failed, skipped;
    int bar;       /* stderr is a terminal: a progress line at the bottom */
    int bar_shown; /* it is on screen now */
};

static void bar_clear(struct refresh_view *v)
{
    if (v->bar_shown)
        fputs("\r\033[K", stderr);
    v->bar_shown = 0;
}

static void bar_draw(struct refresh_view *v)
{
    char bar[21];
    size_t fill;

    if (!v->bar || v->total == 0)
        return;
    fill = v->done * 20 / v->total;
    memset(bar, '#', fill);
    memset(bar + fill, '.', 20 - fill);
    bar[20] = '\0';
    fprintf(stderr, "\r\033[Krefresh: [%s] %zu of %zu %s done", bar, v->done, v->total,
            nd_plural((long long)v->total, "source", "sources"));
    v->bar_shown = 1;
}

/* One source's line (a skipped one's on stderr), unless it is out already. */
static void show_source(struct refresh_view *v, json_t *s)
{
    const char *id = str(s, "id"), *outcome = str(s, "outcome");
    int ok = strcmp(outcome, "ok") == 0 || strcmp(outcome, "not-modified") == 0;

    if (nd_strmap_get(&v->shown, id))
        return;
    nd_strmap_put(&v->shown, id, (void *)1);
    bar_clear(v);
    if (strcmp(outcome, "skipped") == 0) {
        /* politeness, not a failure: say why */
        v->skipped++;
        fprintf(stderr, "newsctl: %s skipped: %s\n", id, str(s, "reason"));
        return;
    }
    v->failed += !ok;
    if (v->o->json)
        return;
    printf("%s: %s", id, outcome);
    if (num(s, "http_status"))
        printf(" (HTTP %lld)", num(s, "http_status"));
    if (ok)
        printf(", %lld %s, %lld new, %lld updated, %lld %s\n", num(s, "items"),
               nd_plural(num(s, "items"), "item", "items"), num(s, "new"), num(s, "updated"),
               num(s, "duplicates"), nd_plural(num(s, "duplicates"), "duplicate", "duplicates"));
    else
        printf(": %s\n", str(s, "error"));
    fflush(stdout);
}

static void on_progress(json_t *msg, void *arg)
{
    struct refresh_view *v = arg;
    json_t *s;
    size_t i;

    v->done = (size_t)num(msg, "done");
    v->total = (size_t)num(msg, "total");
    json_array_foreach(json_object_get(msg, "sources"), i, s) show_source(v, s);
    bar_draw(v);
}

int nd_ctl_refresh(struct nd_ctl_opts *o)
{
    struct refresh_view v = {.o = o, .bar = isatty(STDERR_FILENO)};
    json_t *ids = json_array(), *reply = NULL, *req, *s;
    long timeout = nd_ctl_timeout(o, REFRESH_MS);
    struct nd_ctl_target t;
    size_t i, n;

    for (i = 0; i < o->args.n; i++)
        json_array_append_new(ids, json_string(o->args.v[i]));
    req = json_pack("{s:s, s:o, s:b, s:b}", "cmd", "refresh", "sources", ids, "force", o->force,
                    "progress", 1);
    if (timeout >= 0 && nd_ctl_target(o, 0, &t) == 0) {
        (void)nd_ctl_request_progress(&t, req, timeout, &reply, NULL, on_progress, &v);
        nd_ctl_target_clear(&t);
    }
    json_decref(req);
    bar_clear(&v);
    if (reply == NULL) {
        nd_strmap_free(&v.shown);
        return EXIT_REQUEST;
    }
    n = json_array_size(json_object_get(reply, "sources"));
    json_array_foreach(json_object_get(reply, "sources"), i, s) show_source(&v, s);
    nd_strmap_free(&v.shown);
    if (o->json)
        print_json(reply);
    json_decref(reply);
    if (v.skipped)
        fprintf(stderr, "newsctl: refresh: %zu of %zu %s skipped (refresh --force polls them)\n",
                v.skipped, n, nd_plural((long long)n, "source", "sources"));
    if (v.failed) {
        fprintf(stderr, "newsctl: refresh: %zu of %zu %s failed\n", v.failed, n,
                nd_plural((long long)n, "source", "sources"));
        return EXIT_PARTIAL;
    }
    return 0;
}

static void format_age(char *out, size_t n, long long secs)
{
    if (secs >= 86400)
        snprintf(out, n, "%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
    else if (secs >= 3600)
        snprintf(out, n, "%lldh%02lldm", secs / 3600, secs % 3600 / 60);
    else
        snprintf(out, n, "%lldm%02llds", secs / 60, secs % 60);
}

/* An age in seconds, or "-" when null. */
static void format_secs(char *out, size_t n, const json_t *v)
{
    if (json_is_integer(v))
        snprintf(out, n, "%llds", (long long)json_integer_value(v));
    else
        snprintf(out, n, "-");
}

#define SOURCES_SHOWN 8 /* source ids a node line names; --json has them all */

/* Cluster mode: one line a node (the slots and sources it holds, the ages of its keys), the stream.
 */
static void print_cluster(json_t *cl)
{
    json_t *node, *st = json_object_get(cl, "stream");
    char lmin[24], lmax[24], seen[24], lease[56];
    size_t k;

    if (json_array_size(json_object_get(cl, "nodes")))
        printf("%-20s %5s %7s %-13s %9s\n", "NODE", "SLOTS", "SOURCES", "LEASE AGE", "LAST SEEN");
    json_array_foreach(json_object_get(cl, "nodes"), k, node)
    {
        format_secs(lmin, sizeof(lmin), json_object_get(node, "lease_age_min"));
        format_secs(lmax, sizeof(lmax), json_object_get(node, "lease_age_max"));
        format_secs(seen, sizeof(seen), json_object_get(node, "last_seen_age"));
        if (strcmp(lmin, lmax) == 0)
            snprintf(lease, sizeof(lease), "%s", lmin);
        else
            snprintf(lease, sizeof(lease), "%s-%s", lmin, lmax);
        printf("%-20s %5lld %7zu %-13s %9s%s\n", str(node, "name"), num(node, "held"),
               json_array_size(json_object_get(node, "sources")), lease, seen,
               json_is_false(json_object_get(node, "claims")) ? " (claims nothing yet)" : "");
    }
    json_array_foreach(json_object_get(cl, "nodes"), k, node)
    {
        json_t *ids = json_object_get(node, "sources"), *id;
        size_t i, n = json_array_size(ids);

        if (n == 0)
            continue;
        printf("%s polls", str(node, "name"));
        json_array_foreach(ids, i, id)
        {
            if (i == SOURCES_SHOWN)
                break;
            printf("%s%s", i ? ", " : " ", json_string_value(id));
        }
        if (n > SOURCES_SHOWN)
            printf(" and %zu more", n - SOURCES_SHOWN);
        printf("\n");
    }
    if (json_is_object(st))
        printf("stream %s: %lld messages, %lld bytes, sequence %lld to %lld, %lld %s\n",
               str(st, "name"), num(st, "messages"), num(st, "bytes"), num(st, "first_seq"),
               num(st, "last_seq"), num(st, "consumers"),
               nd_plural(num(st, "consumers"), "consumer", "consumers"));
    st = json_object_get(cl, "follow");
    if (json_is_object(st))
        printf("follow: %s, %s, at stream seq %lld, %lld learned, %lld known already%s%s\n",
               json_is_true(json_object_get(st, "connected")) ? "connected" : "not connected",
               json_is_true(json_object_get(st, "caught_up")) ? "caught up" : "catching up",
               num(st, "seq"), num(st, "learned"), num(st, "repeats"),
               json_is_string(json_object_get(st, "error")) ? ", last error: " : "",
               json_is_string(json_object_get(st, "error")) ? str(st, "error") : "");
}

int nd_ctl_status(struct nd_ctl_opts *o)
{
    json_t *reply = ask(o, json_pack("{s:s}", "cmd", "status"), QUICK_MS, NULL), *s, *nats;
    char up[32];
    size_t i;

    if (reply == NULL)
        return EXIT_REQUEST;
    if (o->json) {
        print_json(reply);
        json_decref(reply);
        return 0;
    }
    format_age(up, sizeof(up), num(reply, "uptime"));
    printf("newsd %s, pid %lld, up %s, seq %lld, %lld in the journal, %lld %s in flight\n",
           str(reply, "version"), num(reply, "pid"), up, num(reply, "seq"), num(reply, "journal"),
           num(reply, "in_flight"), nd_plural(num(reply, "in_flight"), "transfer", "transfers"));
    nats = json_object_get(reply, "nats");
    if (json_is_object(nats))
        printf("nats: stream %s, %s, backlog %lld, %lld awaiting acknowledgement, %lld acknowledged"
               "%s%s\n",
               str(nats, "stream"),
               json_is_true(json_object_get(nats, "connected")) ? "connected" : "not connected",
               num(nats, "backlog"), num(nats, "in_flight"), num(nats, "acked"),
               json_is_string(json_object_get(nats, "error")) ? ", last error: " : "",
               json_is_string(json_object_get(nats, "error")) ? str(nats, "error") : "");
    nats = json_object_get(reply, "cluster");
    if (json_is_object(nats))
        printf("cluster: node %s, bucket %s, %s, holds %lld of %lld slots, %lld live %s%s%s\n",
               str(nats, "node"), str(nats, "bucket"),
               json_is_true(json_object_get(nats, "connected")) ? "connected" : "not connected",
               num(nats, "held"), num(nats, "slots"), num(nats, "live_nodes"),
               nd_plural(num(nats, "live_nodes"), "node", "nodes"),
               json_is_string(json_object_get(nats, "error")) ? ", last error: " : "",
               json_is_string(json_object_get(nats, "error")) ? str(nats, "error") : "");
    if (json_is_object(nats))
        print_cluster(nats);
    printf("%-20s %-9s %-13s %-20s %-20s %5s %6s %s\n", "SOURCE", "STATE", "OUTCOME", "LAST POLL",
           "NEXT POLL", "NEW", "ERRORS", "ERROR");
    json_array_foreach(json_object_get(reply, "sources"), i, s)
    {
        printf("%-20s %-9s %-13s %-20s %-20s %5lld %6lld %s\n", str(s, "id"), str(s, "state"),
               str(s, "outcome"), str(s, "last_poll"), str(s, "next_poll"), num(s, "new"),
               num(s, "errors"),
               json_is_string(json_object_get(s, "error")) ? str(s, "error") : "");
    }
    json_decref(reply);
    return 0;
}

int nd_ctl_sources(struct nd_ctl_opts *o)
{
    json_t *reply = ask(o, json_pack("{s:s}", "cmd", "sources"), QUICK_MS, NULL), *s;
    size_t i;

    if (reply == NULL)
        return EXIT_REQUEST;
    if (o->json)
        print_json(reply);
    else
        json_array_foreach(json_object_get(reply, "sources"), i, s) printf(
            "%s\t%s\t%lld\t%s%s\n", str(s, "id"), str(s, "topic"), num(s, "interval"),
            str(s, "url"), json_is_false(json_object_get(s, "enabled")) ? "\t(disabled)" : "");
    json_decref(reply);
    return 0;
}

int nd_ctl_reload(struct nd_ctl_opts *o)
{
    json_t *reply = ask(o, json_pack("{s:s}", "cmd", "reload"), QUICK_MS, NULL);

    if (reply == NULL)
        return EXIT_REQUEST;
    printf("configuration reloaded: %lld %s\n", num(reply, "sources"),
           nd_plural(num(reply, "sources"), "source", "sources"));
    json_decref(reply);
    return 0;
}

static json_t *prefixes(const struct nd_ctl_opts *o)
{
    json_t *a = json_array();

    for (size_t i = 0; i < o->args.n; i++)
        json_array_append_new(a, json_string(o->args.v[i]));
    return a;
}

int nd_ctl_replay(struct nd_ctl_opts *o)
{
    int64_t since;
    int more = 1;

    if (o->since == NULL || nd_parse_i64(o->since, &since) != ND_OK || since < 0) {
        fprintf(stderr, "newsctl: replay needs --since SEQ (an integer >= 0)\n");
        return EXIT_USAGE;
    }
    while (more) {
        struct nd_strv frames = {0};
        json_t *reply =
            ask(o,
                json_pack("{s:s, s:I, s:I, s:o}", "cmd", "replay", "since", (json_int_t)since,
                          "limit", (json_int_t)REPLAY_PAGE, "topics", prefixes(o)),
                QUICK_MS, &frames);
        if (reply == NULL) {
            nd_strv_free(&frames);
            return EXIT_REQUEST;
        }
        for (size_t i = 0; i < frames.n; i++)
            puts(frames.v[i]);
        since = num(reply, "last");
        more = json_is_true(json_object_get(reply, "more"));
        json_decref(reply);
        nd_strv_free(&frames);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static volatile sig_atomic_t tail_stop;

static void on_stop(int sig)
{
    tail_stop = 1;
}

/* What the SUB socket's monitor says: ZMQ_EVENT_*, or 0 when nothing could be read. */
static int monitor_event(void *mon)
{
    uint8_t head[6];
    uint16_t ev;
    int n = zmq_recv(mon, head, sizeof(head), ZMQ_DONTWAIT), more = 0;
    size_t sz = sizeof(more);
    char addr[256];

    if (n < 2)
        return 0;
    memcpy(&ev, head, sizeof(ev)); /* the event number, in the host's byte order */
    if (zmq_getsockopt(mon, ZMQ_RCVMORE, &more, &sz) == 0 && more)
        (void)zmq_recv(mon, addr, sizeof(addr), 0); /* the endpoint */
    return ev;
}

/* One published message: print frame 2 on its own line.  0, or -1 when stdout is gone. */
static int tail_print(void *sock)
{
    int part = 0, more = 1;
    size_t sz = sizeof(more);
    zmq_msg_t m;

    while (more) {
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) {
            zmq_msg_close(&m);
            break;
        }
        if (part == 1) {
            fwrite(zmq_msg_data(&m), 1, zmq_msg_size(&m), stdout);
            fputc('\n', stdout);
        }
        part++;
        zmq_msg_close(&m);
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
    }
    return fflush(stdout) == 0 ? 0 : -1;
}

#define TAIL_QUIET_MS 500 /* a terminal hears "waiting..." once not connected for this long */

int nd_ctl_tail(struct nd_ctl_opts *o)
{
    struct nd_ctl_target t;
    const char *ep;
    void *ctx, *sock, *mon = NULL;
    int64_t count = -1, seen = 0, started = nd_mono_ms(), last, timeout = -1;
    int rc = 0, tty = isatty(STDERR_FILENO), connected = 0, said = 0, refused = 0;

    if (o->count && (nd_parse_i64(o->count, &count) != ND_OK || count < 1)) {
        fprintf(stderr, "newsctl: --count must be a positive number\n");
        return EXIT_USAGE;
    }
    if (o->timeout && (timeout = nd_ctl_timeout(o, 0)) < 0)
        return EXIT_USAGE;
    if (nd_ctl_target(o, 1, &t) != 0)
        return EXIT_REQUEST;
    ep = t.endpoint;
    signal(SIGINT, on_stop);
    signal(SIGTERM, on_stop);
    signal(SIGPIPE, on_stop);
    ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_SUB);
    if (nd_ctl_secure(&t, sock) != 0) {
        rc = EXIT_REQUEST;
        goto out;
    }
    /* the monitor tells whether a daemon is there: a SUB socket alone waits in silence */
    if (zmq_socket_monitor(sock, "inproc://newsctl-tail-monitor",
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) == 0) {
        mon = zmq_socket(ctx, ZMQ_PAIR);
        if (zmq_connect(mon, "inproc://newsctl-tail-monitor") != 0) {
            zmq_close(mon);
            mon = NULL;
        }
    }
    if (zmq_connect(sock, ep) != 0) {
        fprintf(stderr, "newsctl: %s: %s\n", ep, zmq_strerror(zmq_errno()));
        rc = EXIT_REQUEST;
        goto out;
    }
    if (o->args.n == 0)
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0);
    for (size_t i = 0; i < o->args.n; i++)
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, o->args.v[i], strlen(o->args.v[i]));
    last = started;
    while (!tail_stop && (count < 0 || seen < count)) {
        zmq_pollitem_t items[2] = {{.socket = sock, .events = ZMQ_POLLIN},
                                   {.socket = mon, .events = ZMQ_POLLIN}};
        int64_t now = nd_mono_ms(), wait = 500;

        if (timeout >= 0 && now - last >= timeout) {
            fprintf(stderr, "newsctl: no message from %s within %lld s%s\n", ep,
                    (long long)(timeout + 999) / 1000,
                    connected ? ""
                    : refused ? " (the CURVE handshake failed)"
                              : " (no newsd there: is it running, is this its publish endpoint?)");
            rc = EXIT_REQUEST;
            break;
        }
        if (tty && !connected && !said && now - started >= TAIL_QUIET_MS) {
            fprintf(stderr, "newsctl: waiting for newsd at %s...\n", ep);
            said = 1;
        }
        if (timeout >= 0 && last + timeout - now < wait)
            wait = last + timeout - now;
        if (zmq_poll(items, mon ? 2 : 1, (long)wait) <= 0)
            continue;
        if (mon && (items[1].revents & ZMQ_POLLIN)) {
            int ev = monitor_event(mon);
            if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
                if (said && tty)
                    fprintf(stderr, "newsctl: connected to %s\n", ep);
                connected = 1;
                said = 0;
            } else if (ev == ZMQ_EVENT_DISCONNECTED && connected) {
                connected = 0;
                started = nd_mono_ms(); /* "waiting..." again if it stays away */
            } else if ((ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
                        ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) &&
                       !refused) {
                refused = 1;
                fprintf(stderr,
                        "newsctl: %s: the CURVE handshake failed (is this key in the "
                        "daemon's publish.curve_clients, is --server-key its key?)\n",
                        ep);
            }
        }
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        if (tail_print(sock) != 0)
            break;
        last = nd_mono_ms();
        seen++;
    }
out:
    if (mon) {
        zmq_socket_monitor(sock, NULL, 0);
        zmq_close(mon);
    }
    zmq_close(sock);
    zmq_ctx_term(ctx);
    nd_ctl_target_clear(&t);
    return rc;
}

int nd_ctl_keygen(struct nd_ctl_opts *o)
{
    char err[512];

    if (o->args.n != 1) {
        fprintf(stderr, "newsctl: keygen FILE: the secret key goes to FILE, the public key to "
                        "FILE.pub\n");
        return EXIT_USAGE;
    }
    if (nd_curve_keygen(o->args.v[0], err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: keygen: %s\n", err);
        return EXIT_REQUEST;
    }
    printf("secret key in %s, public key in %s.pub\n", o->args.v[0], o->args.v[0]);
    return 0;
}
