/*
 * test_metrics.c: the Prometheus text of the counters, the listen address,
 * and the HTTP server answering from the loop.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "newsd/loop.h"
#include "newsd/metrics.h"
#include "testutil.h"

static uint64_t polls_a[ND_OUT_COUNT], polls_b[ND_OUT_COUNT];

/* The text for c; nats: with a JetStream sink (connected, a backlog of 17), or none. */
static char *render(struct nd_counters *c, int nats)
{
    struct nd_metrics_source src[] = {{"a", "ok", polls_a}, {"b\"x", "backoff", polls_b}};
    struct nd_metrics_view v = {
        .c = c,
        .sources = src,
        .n_sources = 2,
        .last_seq = 42,
        .journal = 40,
        .loop_lag_ms = 1500,
        .dedupe_rows = 7,
        .dedupe_bytes = 1234,
        .in_flight = 1,
        .queued = 3,
        .started = 1700000000,
        .version = "9.9",
        .nats_on = nats,
        .nats_connected = nats,
        .nats_backlog = nats ? 17 : 0,
    };
    struct nd_buf b;

    nd_buf_init(&b, 0);
    ck_assert_int_eq(nd_metrics_render(&v, &b), ND_OK);
    return nd_buf_steal(&b);
}

static void has(const char *text, const char *line)
{
    char *want = xasprintf("\n%s\n", line);

    ck_assert_msg(strstr(text, want) != NULL, "no line \"%s\" in:\n%s", line, text);
    free(want);
}

START_TEST(test_render)
{
    struct nd_counters c;
    char *t;

    nd_counters_init(&c);
    polls_a[ND_OUT_OK] = 3;
    polls_a[ND_OUT_NOT_MODIFIED] = 2;
    polls_b[ND_OUT_HTTP_5XX] = 1;
    c.published = 5;
    c.updated = 1;
    c.duplicates[ND_DUP_URL] = 4;
    c.fetch_bytes = 1000;
    c.saved_bytes = 600;
    nd_hist_observe(&c.fetch_seconds, 0.07);
    nd_hist_observe(&c.fetch_seconds, 0.2);
    nd_hist_observe(&c.fetch_seconds, 100);
    nd_counters_filtered(&c, "ads");
    nd_counters_filtered(&c, "ads");
    nd_counters_filtered(&c, "a/1");
    t = render(&c, 0);
    /* no publish.nats: no NATS gauges at all */
    ck_assert_ptr_null(strstr(t, "newsd_nats_"));
    free(t);
    t = render(&c, 1);
    has(t, "# TYPE newsd_nats_backlog gauge");
    has(t, "newsd_nats_backlog 17");
    has(t, "newsd_nats_connected 1");
    has(t, "newsd_build_info{version=\"9.9\"} 1");
    has(t, "# TYPE newsd_polls_total counter");
    has(t, "newsd_polls_total{source=\"a\",outcome=\"ok\"} 3");
    has(t, "newsd_polls_total{source=\"a\",outcome=\"not-modified\"} 2");
    /* ok is always there; other outcomes once seen; label values escaped */
    has(t, "newsd_polls_total{source=\"b\\\"x\",outcome=\"ok\"} 0");
    has(t, "newsd_polls_total{source=\"b\\\"x\",outcome=\"http-5xx\"} 1");
    ck_assert_ptr_null(strstr(t, "source=\"a\",outcome=\"http-5xx\""));
    has(t, "newsd_sources{state=\"ok\"} 1");
    has(t, "newsd_sources{state=\"backoff\"} 1");
    has(t, "newsd_sources{state=\"gone\"} 0");
    /* buckets are cumulative; +Inf is the count */
    has(t, "newsd_fetch_duration_seconds_bucket{le=\"0.05\"} 0");
    has(t, "newsd_fetch_duration_seconds_bucket{le=\"0.1\"} 1");
    has(t, "newsd_fetch_duration_seconds_bucket{le=\"0.25\"} 2");
    has(t, "newsd_fetch_duration_seconds_bucket{le=\"60\"} 2");
    has(t, "newsd_fetch_duration_seconds_bucket{le=\"+Inf\"} 3");
    has(t, "newsd_fetch_duration_seconds_count 3");
    has(t, "newsd_fetch_duration_seconds_sum 100.27");
    has(t, "newsd_fetched_bytes_total 1000");
    has(t, "newsd_fetch_saved_bytes_total 600");
    has(t, "newsd_articles_published_total 5");
    has(t, "newsd_articles_updated_total 1");
    has(t, "newsd_duplicates_total{kind=\"url\"} 4");
    has(t, "newsd_duplicates_total{kind=\"near\"} 0");
    has(t, "newsd_items_filtered_total{filter=\"a/1\"} 1");
    has(t, "newsd_items_filtered_total{filter=\"ads\"} 2");
    has(t, "newsd_journal_articles 40");
    has(t, "newsd_journal_last_seq 42");
    has(t, "newsd_loop_lag_seconds 1.5");
    has(t, "newsd_dedupe_articles 7");
    has(t, "newsd_dedupe_memory_bytes 1234");
    has(t, "newsd_fetches_in_flight 1");
    has(t, "newsd_sources_queued 3");
    has(t, "newsd_start_time_seconds 1700000000");
    has(t, "# TYPE newsd_store_commit_duration_seconds histogram");
    /* every sample line belongs to a declared metric, every name is newsd_ */
    for (char *line = t, *next; *line; line = next) {
        next = strchr(line, '\n');
        ck_assert_ptr_nonnull(next);
        *next++ = '\0';
        if (line[0] != '#')
            ck_assert_msg(strncmp(line, "newsd_", 6) == 0, "%s", line);
    }
    free(t);
    nd_counters_store(&c, "disk full");
    ck_assert_int_eq(c.store_failing, 1);
    ck_assert_int_eq(c.commit_errors, 1);
    nd_counters_store(&c, NULL);
    ck_assert_int_eq(c.store_failing, 0);
    nd_counters_free(&c);
}
END_TEST

START_TEST(test_listen)
{
    struct sockaddr_storage a;
    socklen_t len;
    int lo;
    char err[256];

    ck_assert_int_eq(nd_metrics_parse_listen("127.0.0.1:9464", &a, &len, &lo, err, sizeof(err)),
                     ND_OK);
    ck_assert_int_eq(lo, 1);
    ck_assert_int_eq(a.ss_family, AF_INET);
    ck_assert_int_eq(ntohs(((struct sockaddr_in *)(void *)&a)->sin_port), 9464);
    ck_assert_int_eq(nd_metrics_parse_listen("[::1]:80", &a, &len, &lo, err, sizeof(err)), ND_OK);
    ck_assert_int_eq(lo, 1);
    ck_assert_int_eq(a.ss_family, AF_INET6);
    ck_assert_int_eq(nd_metrics_parse_listen("0.0.0.0:9464", &a, &len, &lo, err, sizeof(err)),
                     ND_OK);
    ck_assert_int_eq(lo, 0);
    ck_assert_int_eq(nd_metrics_parse_listen("[::]:9464", &a, &len, &lo, err, sizeof(err)), ND_OK);
    ck_assert_int_eq(lo, 0);
    ck_assert_int_eq(nd_metrics_parse_listen("127.0.0.1", &a, &len, &lo, err, sizeof(err)),
                     ND_EINVAL);
    ck_assert_int_eq(nd_metrics_parse_listen("127.0.0.1:0", &a, &len, &lo, err, sizeof(err)),
                     ND_EINVAL);
    ck_assert_int_eq(nd_metrics_parse_listen("::1:9464", &a, &len, &lo, err, sizeof(err)),
                     ND_EINVAL);
    ck_assert_msg(strstr(err, "is not HOST:PORT") != NULL, "%s", err);
}
END_TEST

static int fail_health;

static int fake_render(void *arg, struct nd_buf *out)
{
    return nd_buf_adds(out, "newsd_test 1\n");
}

static int fake_health(void *arg, char *why, size_t len)
{
    if (!fail_health)
        return 0;
    snprintf(why, len, "store: the last commit failed: disk full");
    return 1;
}

/* GET path from the server on port, turning the loop until the answer is complete. */
static char *get(struct nd_loop *l, int port, const char *path)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    char req[256], buf[8192];
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    for (int i = 0; i < 100; i++) {
        nd_loop_turn(l, 10);
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
        if (write(fd, req, strlen(req)) == (ssize_t)strlen(req))
            break;
    }
    for (int i = 0; i < 500; i++) {
        ssize_t n;
        nd_loop_turn(l, 10);
        n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n == 0)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return strdup(buf);
}

START_TEST(test_server)
{
    struct nd_loop *l = nd_loop_new();
    struct nd_metrics_server *s;
    char err[256], listen[64], *r;
    int port = 20000 + (int)(getpid() % 20000), rc = ND_EINVAL;

    for (int i = 0; i < 20 && rc != ND_OK; i++) {
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", port + i);
        rc = nd_metrics_server_new(l, listen, fake_render, fake_health, NULL, &s, err, sizeof(err));
        if (rc == ND_OK)
            port += i;
    }
    ck_assert_msg(rc == ND_OK, "%s", err);
    r = get(l, port, "/metrics");
    ck_assert_msg(strncmp(r, "HTTP/1.1 200", 12) == 0, "%s", r);
    ck_assert_msg(strstr(r, "text/plain; version=0.0.4") != NULL, "%s", r);
    ck_assert_msg(strstr(r, "\r\n\r\nnewsd_test 1\n") != NULL, "%s", r);
    free(r);
    r = get(l, port, "/healthz");
    ck_assert_msg(strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "\r\n\r\nok\n"), "%s", r);
    free(r);
    fail_health = 1;
    r = get(l, port, "/healthz");
    ck_assert_msg(strncmp(r, "HTTP/1.1 503", 12) == 0 && strstr(r, "disk full\n"), "%s", r);
    free(r);
    r = get(l, port, "/other");
    ck_assert_msg(strncmp(r, "HTTP/1.1 404", 12) == 0, "%s", r);
    free(r);
    nd_metrics_server_free(s);
    nd_metrics_server_free(NULL);
    nd_loop_free(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");

    tcase_add_test(tc, test_render);
    tcase_add_test(tc, test_listen);
    tcase_add_test(tc, test_server);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
