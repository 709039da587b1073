/*
 * dedupe.c: what admitting an article costs as the store remembers more of
 * them (issues 8 and 9).  The store and the dedupe index are the daemon's
 * own (store.h, dedupe.h, ingest.h), on a real SQLite file; the articles are
 * synthetic news-like texts (near_gen.h), each with its URL, guid, text hash
 * and near-duplicate signature, admitted in group commits of 200 as the
 * daemon admits a poll.
 *
 *   dedupe [MAX] [DIR] [WINDOW] [JSON]
 *
 * MAX articles (default 1000000; sizes 10^4, 10^5, 10^6 up to MAX) in DIR
 * (default /tmp/newsd-bench-dedupe).  WINDOW 0 (the default) puts every
 * article within the near-duplicate window (the worst case: the near index
 * holds them all); WINDOW N spreads their times so that the window
 * (dedupe.window, a week) holds the last N, as a daemon sees it when it
 * remembers articles for months (retention.seen) and compares a week.
 *
 * At each size: the cost per new article of the admission (verdict, seq,
 * journal row, seen row, index update, and its share of the commit; the
 * signature is made beforehand, as the worker makes it), the cost of a
 * look-up that finds an edited copy, bytes written per new article
 * (/proc/self/io), the store's size per article, the resident memory per
 * remembered article, and how long a restart takes to read the index back.
 * The rows also go to JSON (bench/dedupe.sh: bench/out/dedupe-WINDOW.json),
 * rewritten after each size, for bench/charts.py.
 */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <unistd.h>

#include "near_gen.h"
#include "newsd/dedupe.h"
#include "newsd/fingerprint.h"
#include "newsd/ingest.h"

#define BATCH   200  /* articles per group commit */
#define MEASURE 2000 /* new articles timed at each size */
#define NOW     1800000000LL

struct item {
    struct nd_article a;
    struct nd_near_sig *sig;
    uint8_t blob[ND_NEAR_BLOB_MAX];
    int blob_len;
};

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long proc_value(const char *file, const char *key)
{
    char line[256];
    long long v = -1;
    FILE *fp = fopen(file, "r");

    while (fp && fgets(line, sizeof(line), fp))
        if (strncmp(line, key, strlen(key)) == 0)
            v = atoll(line + strlen(key));
    if (fp)
        fclose(fp);
    return v;
}

static long long rss_bytes(void)
{
    return proc_value("/proc/self/status", "VmRSS:") * 1024;
}

static long long written(void)
{
    return proc_value("/proc/self/io", "write_bytes:");
}

static long long file_size(const char *dir, const char *name)
{
    char path[1024];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* Article n: its own story, or (copy_of >= 0) an edited copy of story copy_of. */
static void make(struct item *it, long n, long copy_of)
{
    static char text[16384];
    uint64_t saved = gen_rng;
    struct nd_fp fp;
    char *p;

    memset(it, 0, sizeof(*it));
    if (copy_of >= 0)
        gen_rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(copy_of + 1);
    else
        gen_rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(n + 1);
    gen_article(text, sizeof(text));
    gen_rng = saved;
    if (copy_of >= 0) { /* a syndicated copy: a credit line and a footer added */
        size_t len = strlen(text);
        snprintf(text + len, sizeof(text) - len,
                 "\n\nReporting by the wire desk; editing by the night team.\n\n"
                 "Sign up for our morning newsletter. Copyright the publisher.");
    }
    it->a.title = xasprintf("Story %ld", n);
    it->a.summary = xstrdup("");
    it->a.content_html = xstrdup("");
    it->a.content_text = xstrdup(text);
    it->a.url = xasprintf("https://bench%ld.example/story/%ld", n % 97, n);
    it->a.guid = xasprintf("g%ld", n);
    it->a.published = it->a.updated = ND_TIME_NONE;
    it->a.fetched = NOW;
    p = xasprintf("u\x1f%s", it->a.url);
    nd_fp_id128(p, strlen(p), it->a.id);
    free(p);
    nd_fp_compute(it->a.title, it->a.content_text, &fp, NULL);
    it->a.text_hash = fp.text_hash;
    it->sig = nd_near_sig_new(it->a.title, it->a.content_text);
    it->blob_len = nd_near_sig_pack(it->sig, it->blob, sizeof(it->blob));
}

static void drop(struct item *it)
{
    nd_article_free(&it->a);
    nd_near_sig_free(it->sig);
}

#define WEEK (7 * 86400)

struct ctx {
    struct nd_store *st;
    struct nd_dedupe *dd;
    struct nd_feed feed;
    long next;   /* the next story number */
    double step; /* seconds between two articles (0: all at NOW) */
};

/* The time article n arrives. */
static int64_t when(const struct ctx *c, long n)
{
    return NOW + (int64_t)(c->step * (double)n);
}

/* Admit items[0..n) in batches of BATCH; returns new articles published. */
static size_t admit(struct ctx *c, struct item *items, size_t n, const char *source)
{
    struct nd_ingest in;
    size_t added = 0;

    for (size_t i = 0; i < n; i += BATCH) {
        memset(&in, 0, sizeof(in));
        in.store = c->st;
        in.dedupe = c->dd;
        in.source_id = source;
        in.source_url = "https://bench.example/feed";
        in.topic = "news.bench";
        in.now = when(c, c->next + (long)i);
        if (nd_store_begin(c->st) != ND_OK)
            abort();
        for (size_t k = i; k < n && k < i + BATCH; k++)
            if (nd_ingest_article(&in, &c->feed, &items[k].a, items[k].sig, items[k].blob,
                                  (size_t)items[k].blob_len) != ND_OK)
                abort();
        if (nd_store_commit(c->st) != ND_OK)
            abort();
        added += in.added;
        nd_ingest_clear(&in);
    }
    return added;
}

static void fill(struct ctx *c, long upto)
{
    static struct item items[BATCH * 10];

    while (c->next < upto) {
        size_t n = 0;
        while (n < sizeof(items) / sizeof(items[0]) && c->next < upto)
            make(&items[n++], c->next++, -1);
        admit(c, items, n, c->next % 2 ? "odd" : "even");
        for (size_t i = 0; i < n; i++)
            drop(&items[i]);
    }
}

/* The rows so far, with the window they were measured with (0: every article). */
static void write_json(const char *path, long window, json_t *rows)
{
    json_t *doc = json_pack("{sI sO}", "window", (json_int_t)window, "rows", rows);

    if (json_dump_file(doc, path, JSON_INDENT(1)) != 0)
        fprintf(stderr, "cannot write %s\n", path);
    json_decref(doc);
}

/* A count given on the command line: a whole number >= 0, or exit with usage. */
static long count_arg(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0) {
        fprintf(stderr,
                "dedupe: %s: not a count\n"
                "usage: dedupe [MAX_ARTICLES [DIR [WINDOW [JSON]]]]\n",
                s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long max = argc > 1 ? count_arg(argv[1]) : 1000000, sizes[] = {10000, 100000, 1000000};
    const char *dir = argc > 2 ? argv[2] : "/tmp/newsd-bench-dedupe";
    long window = argc > 3 ? count_arg(argv[3]) : 0;
    const char *json = argc > 4 ? argv[4] : NULL;
    json_t *rows = json_array();
    struct nd_dedupe_opts o = {ND_NEAR_DROP, WEEK};
    static struct item items[MEASURE];
    struct ctx c;
    char err[512], cmd[1100];

    gen_init();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    memset(&c, 0, sizeof(c));
    if (nd_store_open(dir, &c.st, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    c.dd = nd_dedupe_new(&o);
    c.step = window > 0 ? (double)WEEK / (double)window : 0;
    nd_feed_init(&c.feed);
    c.feed.title = xstrdup("Bench");
    if (window)
        printf("near-duplicate window: the last %ld articles\n", window);
    else
        printf("near-duplicate window: every article\n");
    printf("%10s %12s %12s %14s %14s %14s %12s %12s\n", "articles", "admit us", "copy us",
           "written B/art", "store B/art", "RSS B/art", "restart s", "index MB");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]) && sizes[s] <= max; s++) {
        long long w0, bytes, store, resident;
        double t0, admit_us, copy_us, restart, index_mb;
        struct nd_dedupe *again;
        size_t added;

        fill(&c, sizes[s]);
        /* what the hourly prune does: the near index keeps the window only */
        nd_dedupe_forget(c.dd, nd_store_seen_first(c.st), when(&c, c.next) - WEEK);
        /* new articles: signatures made first (the worker's part), then admitted */
        for (long i = 0; i < MEASURE; i++)
            make(&items[i], c.next + i, -1);
        w0 = written();
        t0 = mono();
        added = admit(&c, items, MEASURE, "measure");
        admit_us = (mono() - t0) * 1e6 / MEASURE;
        if (nd_store_free(c.st), nd_store_open(dir, &c.st, err, sizeof(err)) != ND_OK)
            return 1; /* closing checkpoints: the bytes of these articles reach the database */
        bytes = written() - w0;
        for (long i = 0; i < MEASURE; i++)
            drop(&items[i]);
        c.next += MEASURE;
        if (added != MEASURE)
            fprintf(stderr, "warning: %zu of %d new articles were published\n", added, MEASURE);
        /* edited copies of remembered stories, from another source: found as near-duplicates */
        for (long i = 0; i < MEASURE; i++) {
            long span = window && window < c.next - MEASURE ? window : c.next - MEASURE;
            make(&items[i], c.next + i, c.next - MEASURE - 1 - (span / MEASURE * i) % span);
        }
        t0 = mono();
        added = admit(&c, items, MEASURE, "copies");
        copy_us = (mono() - t0) * 1e6 / MEASURE;
        for (long i = 0; i < MEASURE; i++)
            drop(&items[i]);
        c.next += MEASURE;
        if (added > MEASURE / 50)
            fprintf(stderr, "warning: %zu of %d copies were published\n", added, MEASURE);
        /* a restart: the index read back from the seen log */
        again = nd_dedupe_new(&o);
        t0 = mono();
        if (nd_dedupe_load(again, c.st, when(&c, c.next)) != ND_OK)
            return 1;
        restart = mono() - t0;
        nd_dedupe_free(again);
        store = (file_size(dir, "newsd.db") + file_size(dir, "newsd.db-wal")) / c.next;
        resident = rss_bytes() / c.next;
        index_mb = (double)nd_dedupe_bytes(c.dd) / 1e6;
        printf("%10ld %12.1f %12.1f %14lld %14lld %14lld %12.2f %12.1f\n", c.next, admit_us,
               copy_us, bytes / MEASURE, store, resident, restart, index_mb);
        fflush(stdout);
        json_array_append_new(
            rows, json_pack("{sI sf sf sI sI sI sf sf}", "articles", (json_int_t)c.next, "admit_us",
                            admit_us, "copy_us", copy_us, "written_per_article",
                            (json_int_t)(bytes / MEASURE), "store_per_article", (json_int_t)store,
                            "rss_per_article", (json_int_t)resident, "restart_s", restart,
                            "index_mb", index_mb));
        if (json != NULL)
            write_json(json, window, rows);
    }
    json_decref(rows);
    nd_dedupe_free(c.dd);
    nd_store_free(c.st);
    nd_feed_free(&c.feed);
    gen_done();
    return 0;
}
