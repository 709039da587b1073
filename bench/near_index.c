/*
 * near_index.c: the near-duplicate index at scale.  Synthetic news-like
 * articles (Zipf-distributed words from a generated vocabulary, stock phrases
 * that many articles share, sentences and paragraphs of varied length) are
 * added up to each size; at each size, look-ups of new articles and of edited
 * copies of indexed ones are timed.  bench/near.sh builds and runs it.
 *   near_index [MAX_ARTICLES [JSON]]  (default 1000000; sizes 10^4, 10^5, 10^6)
 * Prints, per size: signature and insert cost per article, look-up cost per
 * article (new ones, copies), candidates compared, copies found, memory per
 * article (as nd_near_index_bytes() states it, and the process's resident
 * memory over what it was before the index), packed signature bytes per
 * article.  The rows also go to JSON (bench/near.sh: bench/out/near-index.json),
 * rewritten after each size, for bench/charts.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "near_gen.h"
#include "newsd/near.h"

#define QUERIES 4000

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's resident memory, bytes. */
static size_t rss(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;

    if (fp == NULL)
        return 0;
    if (fscanf(fp, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(fp);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t rss0; /* before the index */

/* An edited copy of text: a word changed in the second sentence and a footer added. */
static void edit(const char *text, char *out, size_t cap)
{
    const char *p = strchr(text, '.');

    snprintf(out, cap, "%.*s Editing by Kari Lund.\n\nRead more at Example News.",
             (int)strlen(text), text);
    if (p && p[1] && p[2]) {
        char *q = out + (p - text) + 3;
        if (*q >= 'a' && *q <= 'z')
            *q = *q == 'z' ? 'a' : (char)(*q + 1);
    }
}

struct stats {
    double sig_s, add_s;
    size_t added, blob_bytes;
};

static void grow(struct nd_near_index *ix, size_t to, struct stats *st, char **keep, size_t nkeep)
{
    static char buf[16384];
    static uint8_t blob[ND_NEAR_BLOB_MAX];

    while (st->added < to) {
        size_t len = gen_article(buf, sizeof(buf));
        double t0 = now(), t1, t2;
        struct nd_near_sig *sig = nd_near_sig_new("Title", buf);
        char source[16];
        int n;
        t1 = now();
        snprintf(source, sizeof(source), "s%u", (unsigned)(gen_next() % 500));
        nd_near_index_add(ix, sig, st->added + 1, source, (int64_t)st->added);
        t2 = now();
        st->sig_s += t1 - t0;
        st->add_s += t2 - t1;
        n = nd_near_sig_pack(sig, blob, sizeof(blob));
        st->blob_bytes += n > 0 ? (size_t)n : 0;
        if (st->added % (to / nkeep + 1) == 0)
            for (size_t k = 0; k < nkeep; k++)
                if (keep[k] == NULL) {
                    keep[k] = strndup(buf, len);
                    break;
                }
        nd_near_sig_free(sig);
        st->added++;
    }
}

/* Times look-ups at this size; prints the row and appends it to rows. */
static void measure(struct nd_near_index *ix, size_t size, const struct stats *st, char **keep,
                    size_t nkeep, json_t *rows)
{
    static char buf[16384], copy[17000];
    struct nd_near_sig **sigs = calloc(QUERIES, sizeof(*sigs));
    struct nd_near_match m;
    double t0, t_new = 0, t_copy = 0;
    unsigned long cand_new = 0, cand_copy = 0;
    size_t found = 0, copies = 0, false_ties = 0;

    for (int i = 0; i < QUERIES; i++) { /* articles not in the index */
        gen_article(buf, sizeof(buf));
        sigs[i] = nd_near_sig_new("Title", buf);
    }
    t0 = now();
    for (int i = 0; i < QUERIES; i++) {
        nd_near_index_query(ix, sigs[i], "q", &m);
        cand_new += m.candidates;
        false_ties += m.verdict == ND_NEAR_DUP;
    }
    t_new = now() - t0;
    for (int i = 0; i < QUERIES; i++)
        nd_near_sig_free(sigs[i]);
    for (size_t k = 0; k < nkeep && keep[k]; k++, copies++) {
        edit(keep[k], copy, sizeof(copy));
        sigs[k] = nd_near_sig_new("Another title", copy);
    }
    t0 = now();
    for (size_t k = 0; k < copies; k++) {
        nd_near_index_query(ix, sigs[k], "q", &m);
        cand_copy += m.candidates;
        found += m.verdict == ND_NEAR_DUP;
    }
    t_copy = now() - t0;
    for (size_t k = 0; k < copies; k++)
        nd_near_sig_free(sigs[k]);
    free(sigs);
    double sig_us = st->sig_s / (double)st->added * 1e6;
    double add_us = st->add_s / (double)st->added * 1e6;
    double new_us = t_new / QUERIES * 1e6, copy_us = copies ? t_copy / (double)copies * 1e6 : 0;
    double index_b = (double)nd_near_index_bytes(ix) / (double)nd_near_index_count(ix);
    double rss_b = ((double)rss() - (double)rss0) / (double)nd_near_index_count(ix);
    double blob_b = (double)st->blob_bytes / (double)st->added;

    printf("| %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %zu/%zu | %zu | %.0f | %.0f | %.0f |\n",
           size, sig_us, add_us, new_us, copy_us, (double)cand_new / QUERIES, found, copies,
           false_ties, index_b, rss_b, blob_b);
    fflush(stdout);
    json_array_append_new(
        rows, json_pack("{sI sf sf sf sf sf sI sI sI sf sf sf}", "articles", (json_int_t)size,
                        "signature_us", sig_us, "insert_us", add_us, "lookup_new_us", new_us,
                        "lookup_copy_us", copy_us, "candidates_new", (double)cand_new / QUERIES,
                        "copies_found", (json_int_t)found, "copies", (json_int_t)copies,
                        "false_ties", (json_int_t)false_ties, "index_bytes_per_article", index_b,
                        "resident_bytes_per_article", rss_b, "blob_bytes_per_article", blob_b));
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const char *json = argc > 2 ? argv[2] : NULL;
    json_t *rows = json_array();
    struct nd_near_index *ix = nd_near_index_new();
    struct stats st = {0};
    char *keep[1000] = {0};

    gen_init();
    rss0 = rss();
    printf("| articles | signature us | insert us | look-up us (new) | look-up us (copy) | "
           "candidates (new) | copies found | false ties | index bytes/article | resident "
           "bytes/article "
           "| blob bytes/article |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t size = 10000; size <= max; size *= 10) {
        grow(ix, size, &st, keep, 1000);
        measure(ix, size, &st, keep, 1000, rows);
        if (json != NULL && json_dump_file(rows, json, JSON_INDENT(1)) != 0)
            fprintf(stderr, "cannot write %s\n", json);
    }
    json_decref(rows);
    nd_near_index_free(ix);
    for (int i = 0; i < 1000; i++)
        free(keep[i]);
    gen_done();
    return 0;
}
