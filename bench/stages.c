/*
 * stages.c: where the time goes, stage by stage, in one process (no
 * output): nd_parse, nd_clean_entry (as the daemon calls it, with the dedupe
 * fingerprints that newsctl parse leaves out), nd_message_encode.  For
 * profiling; bench/parse.sh builds it as bench/out/stages.
 *   stages [-n ROUNDS] FILE...
 * Prints the best time of each stage over ROUNDS and its MB/s over the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "newsd/article.h"
#include "newsd/parse.h"
#include "newsd/util.h"

struct doc {
    char *data;
    size_t len;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double best(double a, double b)
{
    return a < b ? a : b;
}

int main(int argc, char **argv)
{
    struct doc *docs = calloc((size_t)argc, sizeof(*docs));
    size_t ndocs = 0, bytes = 0, items = 0, out_bytes = 0;
    int rounds = 3, first = 1;
    double bp = 1e9, bc = 1e9, be = 1e9, t0;

    if (docs == NULL)
        return 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        rounds = (int)strtol(argv[2], NULL, 10);
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        if (nd_read_file(argv[i], 64 << 20, &docs[ndocs].data, &docs[ndocs].len) != 0)
            continue;
        bytes += docs[ndocs++].len;
    }
    for (int r = 0; r < rounds; r++) {
        double tp = 0, tc = 0, te = 0;
        items = out_bytes = 0;
        for (size_t i = 0; i < ndocs; i++) {
            struct nd_feed f;
            char err[128];
            nd_feed_init(&f);
            t0 = now();
            if (nd_parse(docs[i].data, docs[i].len, NULL, NULL, &f, err, sizeof(err)) != 0) {
                nd_feed_free(&f);
                continue;
            }
            tp += now() - t0;
            for (size_t k = 0; k < f.n_entries; k++) {
                struct nd_clean_ctx cctx = {"", f.language, 1700000000};
                struct nd_msg_meta m = {.event = "article",
                                        .source_id = "",
                                        .source_title = f.title,
                                        .source_url = "file:///bench",
                                        .feed_title = f.title,
                                        .feed_url = f.link,
                                        .feed_language = f.language};
                struct nd_article a;
                double t1 = now(), t2;
                int ok = nd_clean_entry(&f.entries[k], &cctx, &a) == 0;
                t2 = now();
                tc += t2 - t1;
                if (ok) {
                    char *json = nd_message_encode(&a, &m);
                    te += now() - t2;
                    out_bytes += strlen(json) + 1;
                    free(json);
                    items++;
                }
                nd_article_free(&a);
            }
            nd_feed_free(&f);
        }
        bp = best(bp, tp);
        bc = best(bc, tc);
        be = best(be, te);
    }
    printf("%zu documents, %.1f MB, %zu articles, %.1f MB of JSON (best of %d)\n", ndocs,
           (double)bytes / 1e6, items, (double)out_bytes / 1e6, rounds);
    printf("%-18s %8.3f s %8.1f MB/s %8.2f us/item\n", "nd_parse", bp, (double)bytes / 1e6 / bp,
           bp * 1e6 / (double)(items ? items : 1));
    printf("%-18s %8.3f s %8.1f MB/s %8.2f us/item\n", "nd_clean_entry", bc,
           (double)bytes / 1e6 / bc, bc * 1e6 / (double)(items ? items : 1));
    printf("%-18s %8.3f s %8.1f MB/s %8.2f us/item\n", "nd_message_encode", be,
           (double)bytes / 1e6 / be, be * 1e6 / (double)(items ? items : 1));
    printf("%-18s %8.3f s %8.1f MB/s\n", "total", bp + bc + be,
           (double)bytes / 1e6 / (bp + bc + be));
    for (size_t i = 0; i < ndocs; i++)
        free(docs[i].data);
    free(docs);
    return 0;
}
