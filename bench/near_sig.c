/*
 * near_sig.c: what a near-duplicate signature costs (nd_near_sig_new).
 *   near_sig [--hashes] [--rounds N] [ITEMS.jsonl...]
 * Signs every article N times (default 7), and prints the best round's cost per
 * article and per 390 words.  With no file, 2,000 synthetic articles
 * (near_gen.h, 390 words on average); a file holds one JSON object a line with
 * "title" and "content_text" (what `newsctl parse` prints) or "text".
 * --hashes prints, per article, the XXH3 of its packed signature instead: two
 * builds signing alike print the same lines (for corpora that cannot be
 * committed as test data).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "near_gen.h"
#include "newsd/near.h"

#define SYNTHETIC 2000

struct art {
    char *title, *text;
    size_t words;
};

static struct art *arts;
static size_t narts, arts_cap;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    int in = 0;

    for (; *s; s++) {
        int sp = *s == ' ' || *s == '\n' || *s == '\t';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

static void push(const char *title, const char *text)
{
    if (narts == arts_cap) {
        arts_cap = arts_cap ? arts_cap * 2 : 1024;
        arts = realloc(arts, arts_cap * sizeof(*arts));
        if (arts == NULL)
            abort();
    }
    arts[narts].title = title ? strdup(title) : NULL;
    arts[narts].text = text ? strdup(text) : NULL;
    arts[narts].words = text ? count_words(text) : 0;
    narts++;
}

static int load(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;

    if (fp == NULL) {
        perror(path);
        return -1;
    }
    while (getline(&line, &cap, fp) > 0) {
        json_t *o = json_loads(line, 0, NULL), *t;
        if (o == NULL)
            continue;
        t = json_object_get(o, "content_text");
        if (t == NULL)
            t = json_object_get(o, "text");
        push(json_string_value(json_object_get(o, "title")), json_string_value(t));
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return 0;
}

int main(int argc, char **argv)
{
    int hashes = 0, files = 0, rounds = 7;
    double best = 1e30;
    size_t words = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--hashes") == 0)
            hashes = 1;
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (int)strtol(argv[++i], NULL, 10);
        else if (load(argv[i]) < 0)
            return 1;
        else
            files++;
    }
    if (files == 0) {
        static char buf[16384];
        gen_init();
        for (int i = 0; i < SYNTHETIC; i++) {
            gen_article(buf, sizeof(buf));
            push("Title", buf);
        }
        gen_done();
    }
    if (hashes) {
        for (size_t i = 0; i < narts; i++) {
            struct nd_near_sig *sig = nd_near_sig_new(arts[i].title, arts[i].text);
            uint8_t blob[ND_NEAR_BLOB_MAX];
            int n = nd_near_sig_pack(sig, blob, sizeof(blob));
            printf("%zu %d %016llx\n", i, n,
                   (unsigned long long)XXH3_64bits(blob, n > 0 ? (size_t)n : 0));
            nd_near_sig_free(sig);
        }
        return 0;
    }
    for (size_t i = 0; i < narts; i++)
        words += arts[i].words;
    for (int r = 0; r < (rounds > 0 ? rounds : 1); r++) {
        double t0 = now(), t;
        for (size_t i = 0; i < narts; i++)
            nd_near_sig_free(nd_near_sig_new(arts[i].title, arts[i].text));
        t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("%zu articles, %.0f words on average: %.2f us per article, %.2f us per 390 words "
           "(best of %d rounds)\n",
           narts, (double)words / (double)narts, best / (double)narts * 1e6,
           best / (double)words * 390 * 1e6, rounds);
    for (size_t i = 0; i < narts; i++) {
        free(arts[i].title);
        free(arts[i].text);
    }
    free(arts);
    return 0;
}
