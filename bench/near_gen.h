/*
 * near_gen.h: synthetic news-like articles for the near-duplicate benchmarks
 * (near_index.c, near_sig.c): Zipf-distributed words from a generated
 * vocabulary, stock phrases that many articles share, sentences of 8 to 30
 * words in paragraphs of three, 80 to 700 words an article (about 390).
 * Header-only; deterministic (one xorshift sequence).
 */
#ifndef NEWSD_BENCH_NEAR_GEN_H
#define NEWSD_BENCH_NEAR_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_VOCAB 20000

static char *gen_vocab[GEN_VOCAB];
static double gen_zipf_cdf[GEN_VOCAB];
static uint64_t gen_rng = 88172645463325252ULL;

static const char *const gen_phrases[] = {
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

static uint64_t gen_next(void)
{
    gen_rng ^= gen_rng << 13;
    gen_rng ^= gen_rng >> 7;
    gen_rng ^= gen_rng << 17;
    return gen_rng;
}

static void gen_init(void)
{
    static const char *const syl[] = {"ka",  "lo",  "mer", "tin", "sa",  "ve", "ron", "da",
                                      "pel", "qui", "bo",  "nas", "te",  "ri", "gal", "mu",
                                      "fen", "zo",  "har", "li",  "cor", "ex", "an",  "sul"};
    double sum = 0, acc = 0;

    for (int i = 0; i < GEN_VOCAB; i++) {
        char w[32];
        int n = 1 + (int)(gen_next() % 3), len = 0;
        for (int k = 0; k < n; k++)
            len += snprintf(w + len, sizeof(w) - (size_t)len, "%s",
                            syl[gen_next() % (sizeof(syl) / sizeof(syl[0]))]);
        snprintf(w + len, sizeof(w) - (size_t)len, "%d", i % 7 == 0 ? i : 0);
        if (i % 7 != 0)
            w[len] = '\0';
        gen_vocab[i] = strdup(w);
        sum += 1.0 / (i + 1);
    }
    for (int i = 0; i < GEN_VOCAB; i++) {
        acc += 1.0 / (i + 1) / sum;
        gen_zipf_cdf[i] = acc;
    }
}

static void gen_done(void)
{
    for (int i = 0; i < GEN_VOCAB; i++)
        free(gen_vocab[i]);
}

static const char *gen_word(void)
{
    double u = (double)(gen_next() >> 11) / 9007199254740992.0;
    int lo = 0, hi = GEN_VOCAB - 1;

    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (gen_zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return gen_vocab[lo];
}

/* An article of 80 to 700 words into buf (cap bytes); returns its length. */
static size_t gen_article(char *buf, size_t cap)
{
    size_t len = 0;
    int words = 80 + (int)(gen_next() % 620), sentence = 0;

    while (words > 0 && len + 200 < cap) {
        int n = 8 + (int)(gen_next() % 22);
        for (int i = 0; i < n && words > 0; i++, words--) {
            const char *w = gen_next() % 40 == 0 ? gen_phrases[gen_next() % 12] : gen_word();
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

#endif
