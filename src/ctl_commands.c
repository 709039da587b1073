/*
 * ctl_commands.c: newsctl's commands that talk to a running newsd.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "newsd/ctl.h"
#include "newsd/curve.h"

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

int nd_ctl_refresh(struct nd_ctl_opts *o)
{
    json_t *ids = json_array(), *reply, *s;
    size_t i, failed = 0, skipped = 0, n;

    for (i = 0; i < o->args.n; i++)
        json_array_append_new(ids, json_string(o->args.v[i]));
    reply =
        ask(o, json_pack("{s:s, s:o, s:b}", "cmd", "refresh", "sources", ids, "force", o->force),
            REFRESH_MS, NULL);
    if (reply == NULL)
        return EXIT_REQUEST;
    n = json_array_size(json_object_get(reply, "sources"));
    json_array_foreach(json_object_get(reply, "sources"), i, s)
    {
        int ok =
            strcmp(str(s, "outcome"), "ok") == 0 || strcmp(str(s, "outcome"), "not-modified") == 0;
        if (strcmp(str(s, "outcome"), "skipped") == 0) {
            /* politeness, not a failure: say why */
            skipped++;
            fprintf(stderr, "newsctl: %s skipped: %s\n", str(s, "id"), str(s, "reason"));
            continue;
        }
        failed += !ok;
        if (o->json)
            continue;
        printf("%s: %s", str(s, "id"), str(s, "outcome"));
        if (num(s, "http_status"))
            printf(" (HTTP %lld)", num(s, "http_status"));
        if (ok)
            printf(", %lld items, %lld new, %lld updated, %lld duplicates\n", num(s, "items"),
                   num(s, "new"), num(s, "updated"), num(s, "duplicates"));
        else
            printf(": %s\n", str(s, "error"));
    }
    if (o->json)
        print_json(reply);
    json_decref(reply);
    if (skipped)
        fprintf(stderr,
                "newsctl: refresh: %zu of %zu sources skipped (refresh --force polls them)\n",
                skipped, n);
    if (failed) {
        fprintf(stderr, "newsctl: refresh: %zu of %zu sources failed\n", failed, n);
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
    printf("newsd %s, pid %lld, up %s, seq %lld, %lld in the journal, %lld transfers in flight\n",
           str(reply, "version"), num(reply, "pid"), up, num(reply, "seq"), num(reply, "journal"),
           num(reply, "in_flight"));
    nats = json_object_get(reply, "nats");
    if (json_is_object(nats))
        printf("nats: stream %s, %s, backlog %lld, %lld awaiting acknowledgement, %lld acknowledged"
               "%s%s\n",
               str(nats, "stream"),
               json_is_true(json_object_get(nats, "connected")) ? "connected" : "not connected",
               num(nats, "backlog"), num(nats, "in_flight"), num(nats, "acked"),
               json_is_string(json_object_get(nats, "error")) ? ", last error: " : "",
               json_is_string(json_object_get(nats, "error")) ? str(nats, "error") : "");
    printf("%-20s %-8s %-13s %-20s %-20s %5s %6s %s\n", "SOURCE", "STATE", "OUTCOME", "LAST POLL",
           "NEXT POLL", "NEW", "ERRORS", "ERROR");
    json_array_foreach(json_object_get(reply, "sources"), i, s)
    {
        printf("%-20s %-8s %-13s %-20s %-20s %5lld %6lld %s\n", str(s, "id"), str(s, "state"),
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
    printf("configuration reloaded: %lld sources\n", num(reply, "sources"));
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

int nd_ctl_tail(struct nd_ctl_opts *o)
{
    struct nd_ctl_target t;
    const char *ep;
    void *ctx, *sock;
    int64_t count = -1, seen = 0;
    int rc = 0;

    if (o->count && (nd_parse_i64(o->count, &count) != ND_OK || count < 1)) {
        fprintf(stderr, "newsctl: --count must be a positive number\n");
        return EXIT_USAGE;
    }
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
    if (zmq_connect(sock, ep) != 0) {
        fprintf(stderr, "newsctl: %s: %s\n", ep, zmq_strerror(zmq_errno()));
        rc = EXIT_REQUEST;
        goto out;
    }
    if (o->args.n == 0)
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0);
    for (size_t i = 0; i < o->args.n; i++)
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, o->args.v[i], strlen(o->args.v[i]));
    while (!tail_stop && (count < 0 || seen < count)) {
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        zmq_msg_t m;
        int part = 0, more = 1;
        size_t sz = sizeof(more);

        if (zmq_poll(&item, 1, 500) <= 0)
            continue;
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
        if (fflush(stdout) != 0)
            break;
        seen++;
    }
out:
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
