/*
 * near_index.c: the near-duplicate index at scale.  Synthetic news-like
 * articles (Zipf-distributed words from a generated vocabulary, stock phrases
 * that many articles share, sentences and paragraphs of varied length) are
 * added up to each size; at each size, look-ups of new articles and of edited
 * copies of indexed ones are timed.  bench/near.sh builds and runs it.
 *   near_index [MAX_ARTICLES]     (default 1000000; sizes 10^4, 10^5, 10^6)
 * Prints, per size: signature and insert cost per article, look-up cost per
 * article (new ones, copies), candidates compared, copies found, memory per
 * article, packed signature bytes per article.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "newsd/near.h"

#define VOCAB   20000
#define QUERIES 4000

static char *vocab[VOCAB];
static double zipf_cdf[VOCAB];
static uint64_t rng = 88172645463325252ULL;

static const char *const phrases[] = {
    "said in a statement on Tuesday",
    "for the first time since",
    "according to figures released",
    "told reporters after the meeting",
    "is expected to be",
    "at the end of the year",
    "declined to comment on",
    "in the coming weeks",
    "one of the largest",
    "more than a third of",
    "the prime minister said",
    "officials said on Monday",
};

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_vocab(void)
{
    static const char *const syl[] = {"ka",  "lo",  "mer", "tin", "sa",  "ve", "ron", "da",
                                      "pel", "qui", "bo",  "nas", "te",  "ri", "gal", "mu",
                                      "fen", "zo",  "har", "li",  "cor", "ex", "an",  "sul"};
    double sum = 0, acc = 0;

    for (int i = 0; i < VOCAB; i++) {
        char w[32];
        int n = 1 + (int)(next() % 3), len = 0;
        for (int k = 0; k < n; k++)
            len += snprintf(w + len, sizeof(w) - (size_t)len, "%s",
                            syl[next() % (sizeof(syl) / sizeof(syl[0]))]);
        snprintf(w + len, sizeof(w) - (size_t)len, "%d", i % 7 == 0 ? i : 0);
        if (i % 7 != 0)
            w[len] = '\0';
        vocab[i] = strdup(w);
        sum += 1.0 / (i + 1);
    }
    for (int i = 0; i < VOCAB; i++) {
        acc += 1.0 / (i + 1) / sum;
        zipf_cdf[i] = acc;
    }
}

static const char *word(void)
{
    double u = (double)(next() >> 11) / 9007199254740992.0;
    int lo = 0, hi = VOCAB - 1;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return vocab[lo];
}

/* An article of 80 to 700 words into buf (cap bytes); returns its length. */
static size_t article(char *buf, size_t cap)
{
    size_t len = 0;
    int words = 80 + (int)(next() % 620), sentence = 0;

    while (words > 0 && len + 200 < cap) {
        int n = 8 + (int)(next() % 22);
        for (int i = 0; i < n && words > 0; i++, words--) {
            const char *w = next() % 40 == 0 ? phrases[next() % 12] : word();
            size_t start = len + (i ? 1 : 0);
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", w);
            if (i == 0 && buf[start] >= 'a' && buf[start] <= 'z')
                buf[start] = (char)(buf[start] - 32);
        }
        len += (size_t)snprintf(buf + len, cap - len, ".%s", ++sentence % 3 == 0 ? "\n\n" : " ");
    }
    buf[len] = '\0';
    return len;
}

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
        size_t len = article(buf, sizeof(buf));
        double t0 = now(), t1, t2;
        struct nd_near_sig *sig = nd_near_sig_new("Title", buf);
        char source[16];
        int n;
        t1 = now();
        snprintf(source, sizeof(source), "s%u", (unsigned)(next() % 500));
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

static void measure(struct nd_near_index *ix, size_t size, const struct stats *st, char **keep,
                    size_t nkeep)
{
    static char buf[16384], copy[17000];
    struct nd_near_sig **sigs = calloc(QUERIES, sizeof(*sigs));
    struct nd_near_match m;
    double t0, t_new = 0, t_copy = 0;
    unsigned long cand_new = 0, cand_copy = 0;
    size_t found = 0, copies = 0, false_ties = 0;

    for (int i = 0; i < QUERIES; i++) { /* articles not in the index */
        article(buf, sizeof(buf));
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
    printf("| %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %zu/%zu | %zu | %.0f | %.0f |\n", size,
           st->sig_s / (double)st->added * 1e6, st->add_s / (double)st->added * 1e6,
           t_new / QUERIES * 1e6, copies ? t_copy / (double)copies * 1e6 : 0,
           (double)cand_new / QUERIES, found, copies, false_ties,
           (double)nd_near_index_bytes(ix) / (double)nd_near_index_count(ix),
           (double)st->blob_bytes / (double)st->added);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    struct nd_near_index *ix = nd_near_index_new();
    struct stats st = {0};
    char *keep[1000] = {0};

    make_vocab();
    printf("| articles | signature us | insert us | look-up us (new) | look-up us (copy) | "
           "candidates (new) | copies found | false ties | index bytes/article | blob "
           "bytes/article |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t size = 10000; size <= max; size *= 10) {
        grow(ix, size, &st, keep, 1000);
        measure(ix, size, &st, keep, 1000);
    }
    nd_near_index_free(ix);
    for (int i = 0; i < 1000; i++)
        free(keep[i]);
    for (int i = 0; i < VOCAB; i++)
        free(vocab[i]);
    return 0;
}
