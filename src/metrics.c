/*
 * metrics.c: the counters, their Prometheus text, and the HTTP endpoint
 * (libmicrohttpd, external polling through its epoll descriptor, on the
 * daemon's loop).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/log.h"
#include "newsd/metrics.h"

#define HTTP_CONNECTIONS 32 /* at once; more wait in the listen queue */
#define HTTP_IDLE_SECS   10 /* a connection that sends nothing for this long is closed */
#define RENDER_MAX       (64u << 20)

static const double fetch_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
static const double commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void nd_counters_init(struct nd_counters *c)
{
    memset(c, 0, sizeof(*c));
    c->fetch_seconds.bounds = fetch_bounds;
    c->fetch_seconds.n = NELEM(fetch_bounds);
    c->commit_seconds.bounds = commit_bounds;
    c->commit_seconds.n = NELEM(commit_bounds);
}

static void free_value(void *arg, const char *key, void *value)
{
    free(value);
}

void nd_counters_free(struct nd_counters *c)
{
    nd_strmap_each(&c->filtered, free_value, NULL);
    nd_strmap_free(&c->filtered);
}

void nd_hist_observe(struct nd_hist *h, double v)
{
    for (size_t i = 0; i < h->n; i++)
        if (v <= h->bounds[i]) {
            h->counts[i]++;
            break;
        }
    h->count++;
    h->sum += v;
}

void nd_counters_filtered(struct nd_counters *c, const char *label)
{
    uint64_t *n = nd_strmap_get(&c->filtered, label);

    if (n == NULL) {
        n = xcalloc(1, sizeof(*n));
        nd_strmap_put(&c->filtered, label, n);
    }
    (*n)++;
}

void nd_counters_store(struct nd_counters *c, const char *err)
{
    c->store_failing = err != NULL;
    c->store_checked_ms = nd_mono_ms();
    snprintf(c->store_error, sizeof(c->store_error), "%s", err ? err : "");
    if (err)
        c->commit_errors++;
}

/* --- the text format --- */

/* A label value, escaped as the text format wants (\\, \", \n). */
static int add_label(struct nd_buf *b, const char *v)
{
    int rc = 0;

    for (; *v && rc == 0; v++) {
        if (*v == '\\' || *v == '"')
            rc = nd_buf_addc(b, '\\') | nd_buf_addc(b, *v);
        else if (*v == '\n')
            rc = nd_buf_adds(b, "\\n");
        else
            rc = nd_buf_addc(b, *v);
    }
    return rc;
}

static int head(struct nd_buf *b, const char *name, const char *type, const char *help)
{
    return nd_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int scalar(struct nd_buf *b, const char *name, const char *type, const char *help, double v)
{
    return head(b, name, type, help) | nd_buf_printf(b, "%s %.17g\n", name, v);
}

static int histogram(struct nd_buf *b, const char *name, const char *help, const struct nd_hist *h)
{
    uint64_t cum = 0;
    int rc = head(b, name, "histogram", help);

    for (size_t i = 0; i < h->n; i++) {
        cum += h->counts[i];
        rc |= nd_buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i],
                            (unsigned long long)cum);
    }
    rc |= nd_buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->count);
    rc |= nd_buf_printf(b, "%s_sum %.9g\n%s_count %llu\n", name, h->sum, name,
                        (unsigned long long)h->count);
    return rc;
}

static int polls(struct nd_buf *b, const struct nd_metrics_view *v)
{
    int rc = head(b, "newsd_polls_total", "counter",
                  "Polls since start, by source and outcome (ok always shown, others once seen).");

    for (size_t i = 0; i < v->n_sources && rc == 0; i++) {
        const struct nd_metrics_source *s = &v->sources[i];
        for (int o = ND_OUT_OK; o < ND_OUT_COUNT; o++) {
            if (s->polls[o] == 0 && o != ND_OUT_OK)
                continue;
            rc |= nd_buf_adds(b, "newsd_polls_total{source=\"");
            rc |= add_label(b, s->id);
            rc |= nd_buf_printf(b, "\",outcome=\"%s\"} %llu\n", nd_outcome_name((enum nd_outcome)o),
                                (unsigned long long)s->polls[o]);
        }
    }
    return rc;
}

static int sources(struct nd_buf *b, const struct nd_metrics_view *v)
{
    static const char *const states[] = {"pending", "queued",  "polling", "ok",
                                         "backoff", "waiting", "gone",    "disabled"};
    int rc = head(b, "newsd_sources", "gauge", "Configured sources, by state.");

    for (size_t k = 0; k < NELEM(states); k++) {
        size_t n = 0;
        for (size_t i = 0; i < v->n_sources; i++)
            n += strcmp(v->sources[i].state, states[k]) == 0;
        rc |= nd_buf_printf(b, "newsd_sources{state=\"%s\"} %zu\n", states[k], n);
    }
    return rc;
}

struct labels {
    const char **keys;
    size_t n;
};

static void collect(void *arg, const char *key, void *value)
{
    struct labels *l = arg;

    l->keys[l->n++] = key;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int filtered(struct nd_buf *b, const struct nd_counters *c)
{
    struct labels l = {xcalloc(nd_strmap_count(&c->filtered) + 1, sizeof(char *)), 0};
    int rc = head(b, "newsd_items_filtered_total", "counter",
                  "Items dropped by a filter, by filter (an item is counted at each poll that "
                  "brings it).");

    nd_strmap_each(&c->filtered, collect, &l);
    qsort(l.keys, l.n, sizeof(*l.keys), by_string);
    for (size_t i = 0; i < l.n && rc == 0; i++) {
        const uint64_t *n = nd_strmap_get(&c->filtered, l.keys[i]);
        rc |= nd_buf_adds(b, "newsd_items_filtered_total{filter=\"");
        rc |= add_label(b, l.keys[i]);
        rc |= nd_buf_printf(b, "\"} %llu\n", (unsigned long long)*n);
    }
    free(l.keys);
    return rc;
}

static int duplicates(struct nd_buf *b, const struct nd_counters *c)
{
    static const char *const kinds[] = {"guid", "url", "text", "near"};
    int rc = head(b, "newsd_duplicates_total", "counter",
                  "Items recognized as seen before, by what matched: guid (the source's own "
                  "item again), url, text, near (near-duplicates, dropped or marked).");

    for (size_t k = 0; k < ND_DUP_KINDS; k++)
        rc |= nd_buf_printf(b, "newsd_duplicates_total{kind=\"%s\"} %llu\n", kinds[k],
                            (unsigned long long)c->duplicates[k]);
    return rc;
}

int nd_metrics_render(const struct nd_metrics_view *v, struct nd_buf *b)
{
    const struct nd_counters *c = v->c;
    int rc = 0;

    rc |= head(b, "newsd_build_info", "gauge", "The running newsd's version (always 1).");
    rc |= nd_buf_adds(b, "newsd_build_info{version=\"");
    rc |= add_label(b, v->version);
    rc |= nd_buf_adds(b, "\"} 1\n");
    rc |= scalar(b, "newsd_start_time_seconds", "gauge", "When newsd started, Unix seconds.",
                 (double)v->started);
    rc |= sources(b, v);
    rc |= polls(b, v);
    rc |= histogram(b, "newsd_fetch_duration_seconds",
                    "Duration of one transfer, redirects included.", &c->fetch_seconds);
    rc |= scalar(b, "newsd_fetched_bytes_total", "counter",
                 "Response bodies received, as transferred (compressed when the server "
                 "compressed them).",
                 (double)c->fetch_bytes);
    rc |= scalar(b, "newsd_fetch_saved_bytes_total", "counter",
                 "Bytes a 304 Not Modified spared: the size of the source's last 200 body.",
                 (double)c->saved_bytes);
    rc |= scalar(b, "newsd_fetches_in_flight", "gauge", "Transfers running.", (double)v->in_flight);
    rc |= scalar(b, "newsd_sources_queued", "gauge",
                 "Sources waiting in the admission queue for a transfer slot.", (double)v->queued);
    rc |= scalar(b, "newsd_articles_published_total", "counter",
                 "New articles journaled and published (event \"article\").", (double)c->published);
    rc |= scalar(b, "newsd_articles_updated_total", "counter",
                 "Updates journaled and published (event \"update\").", (double)c->updated);
    rc |= duplicates(b, c);
    rc |= scalar(b, "newsd_items_skipped_total", "counter",
                 "Feed entries with nothing to publish (no title, link, guid or text).",
                 (double)c->skipped);
    rc |= filtered(b, c);
    rc |= scalar(b, "newsd_journal_articles", "gauge", "Articles in the journal (replayable).",
                 (double)v->journal);
    rc |= scalar(b, "newsd_journal_last_seq", "gauge", "The last seq given.", (double)v->last_seq);
    rc |= histogram(b, "newsd_store_commit_duration_seconds",
                    "Duration of one durable group commit of the store (its fsync included).",
                    &c->commit_seconds);
    rc |= scalar(b, "newsd_store_commit_errors_total", "counter",
                 "Store commits that failed (rolled back; the polls are fetched again).",
                 (double)c->commit_errors);
    rc |= scalar(b, "newsd_publish_errors_total", "counter",
                 "Messages the PUB socket refused (they are in the journal).",
                 (double)c->publish_errors);
    rc |= scalar(b, "newsd_loop_lag_seconds", "gauge", "How late the loop ran its last due timer.",
                 (double)v->loop_lag_ms / 1000);
    rc |= scalar(b, "newsd_dedupe_articles", "gauge",
                 "Articles the dedupe index remembers (seen rows).", (double)v->dedupe_rows);
    rc |= scalar(b, "newsd_dedupe_memory_bytes", "gauge",
                 "Memory of the dedupe index, near-duplicate index included.",
                 (double)v->dedupe_bytes);
    if (v->nats_on) {
        rc |= scalar(b, "newsd_nats_connected", "gauge",
                     "1 when the JetStream sink is connected and its stream is there, else 0.",
                     v->nats_connected ? 1 : 0);
        rc |= scalar(b, "newsd_nats_backlog", "gauge",
                     "Journaled articles the stream has not acknowledged yet (the outbox).",
                     (double)v->nats_backlog);
    }
    return rc ? ND_ETOOBIG : ND_OK;
}

/* --- the listening address --- */

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return 0;
}

int nd_metrics_parse_listen(const char *listen, struct sockaddr_storage *addr, socklen_t *len,
                            int *loopback, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char host[256];
    const char *port, *colon;
    int64_t p;
    int rc;

    if (listen[0] == '[') {
        const char *end = strchr(listen, ']');
        if (end == NULL || end[1] != ':' || (size_t)(end - listen - 1) >= sizeof(host))
            goto syntax;
        snprintf(host, sizeof(host), "%.*s", (int)(end - listen - 1), listen + 1);
        port = end + 2;
    } else {
        colon = strrchr(listen, ':');
        if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof(host) ||
            memchr(listen, ':', (size_t)(colon - listen)))
            goto syntax;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
        port = colon + 1;
    }
    if (nd_parse_i64(port, &p) != ND_OK || p < 1 || p > 65535)
        goto syntax;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(*addr)) {
        snprintf(err, errlen, "\"%s\": %s", host, rc ? gai_strerror(rc) : "no address");
        if (res)
            freeaddrinfo(res);
        return ND_EINVAL;
    }
    memset(addr, 0, sizeof(*addr));
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    *loopback = is_loopback(res->ai_addr);
    freeaddrinfo(res);
    return ND_OK;
syntax:
    snprintf(err, errlen, "\"%s\" is not HOST:PORT (127.0.0.1:9464, [::1]:9464)", listen);
    return ND_EINVAL;
}

/* --- the server --- */

struct nd_metrics_server {
    struct MHD_Daemon *mhd;
    struct nd_loop *loop;
    struct nd_watch *watch;
    nd_metrics_fn render;
    nd_health_fn health;
    void *arg;
};

static void mhd_log(void *arg, const char *fmt, va_list ap) ND_PRINTF(2, 0);

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = '\0';
    log_warnx("metrics: %s", line);
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
                              char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result rc;

    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    char *body = xasprintf("%s\n", msg);

    return answer(conn, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct nd_metrics_server *s = cls;
    char why[512];

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET");
    if (strcmp(url, "/metrics") == 0) {
        struct nd_buf b;
        nd_buf_init(&b, RENDER_MAX);
        if (s->render(s->arg, &b) != ND_OK) {
            nd_buf_free(&b);
            return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "the metrics do not fit");
        }
        size_t len = b.len;
        return answer(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                      len ? nd_buf_steal(&b) : xstrdup(""), len);
    }
    if (strcmp(url, "/healthz") == 0) {
        why[0] = '\0';
        if (s->health(s->arg, why, sizeof(why)) != 0)
            return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why);
        return text(conn, MHD_HTTP_OK, "ok");
    }
    return text(conn, MHD_HTTP_NOT_FOUND, "not found: /metrics and /healthz are served here");
}

static void on_ready(void *arg, int revents)
{
    struct nd_metrics_server *s = arg;

    MHD_run(s->mhd);
}

/* Turn hook: MHD's timeouts (idle connections, data it holds) bound the loop's wait. */
static int64_t on_turn(void *arg)
{
    struct nd_metrics_server *s = arg;
    MHD_UNSIGNED_LONG_LONG ms;

    if (MHD_get_timeout(s->mhd, &ms) != MHD_YES)
        return -1;
    if (ms == 0) {
        MHD_run(s->mhd);
        if (MHD_get_timeout(s->mhd, &ms) != MHD_YES)
            return -1;
    }
    return ms > INT32_MAX ? INT32_MAX : (int64_t)ms;
}

int nd_metrics_server_new(struct nd_loop *loop, const char *listen, nd_metrics_fn render,
                          nd_health_fn health, void *arg, struct nd_metrics_server **out, char *err,
                          size_t errlen)
{
    struct nd_metrics_server *s;
    struct sockaddr_storage addr;
    const union MHD_DaemonInfo *info;
    socklen_t len;
    int loopback;
    char why[256];

    *out = NULL;
    if (nd_metrics_parse_listen(listen, &addr, &len, &loopback, why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "metrics.listen %s", why);
        return ND_EINVAL;
    }
    s = xcalloc(1, sizeof(*s));
    s->loop = loop;
    s->render = render;
    s->health = health;
    s->arg = arg;
    s->mhd = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0,
        NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_SECS, MHD_OPTION_END);
    if (s->mhd == NULL) {
        snprintf(err, errlen,
                 "metrics: cannot listen on %s (in use, or not an address of this "
                 "machine?)",
                 listen);
        free(s);
        return ND_EINVAL;
    }
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == NULL) {
        snprintf(err, errlen, "metrics: libmicrohttpd has no epoll descriptor");
        MHD_stop_daemon(s->mhd);
        free(s);
        return ND_EINVAL;
    }
    s->watch = nd_loop_watch(loop, info->epoll_fd, NULL, ND_EV_IN, on_ready, s);
    nd_loop_on_turn(loop, on_turn, s);
    *out = s;
    return ND_OK;
}

void nd_metrics_server_free(struct nd_metrics_server *s)
{
    if (s == NULL)
        return;
    nd_loop_off_turn(s->loop, on_turn, s);
    nd_loop_unwatch(s->loop, s->watch);
    MHD_stop_daemon(s->mhd);
    free(s);
}
