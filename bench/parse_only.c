/*
 * parse_only.c: parser throughput against a bare libxml2 DOM parse of the
 * same bytes.  Not built by default:
 *   cc -O2 -Iinclude -Ibuild/generated bench/parse_only.c build/libnewsd_core.a \
 *      $(pkg-config --libs libxml-2.0 libcurl jansson libzmq libconfig sqlite3 \
 *        libutf8proc libxxhash libsystemd) -lm -o parse_only
 *   ./parse_only [-n ROUNDS] FILE...
 * Prints MB/s for xmlReadMemory (DOM, no options but NONET) and for nd_parse().
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    struct doc *docs = calloc((size_t)argc, sizeof(*docs));
    size_t ndocs = 0, bytes = 0, entries = 0;
    int rounds = 5, first = 1;
    double t0, dom = 1e9, ours = 1e9;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        rounds = (int)strtol(argv[2], NULL, 10);
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        if (nd_read_file(argv[i], 64 << 20, &docs[ndocs].data, &docs[ndocs].len) != 0)
            continue;
        bytes += docs[ndocs++].len;
    }
    xmlInitParser();
    for (int r = 0; r < rounds; r++) {
        t0 = now();
        for (size_t i = 0; i < ndocs && !getenv("BENCH_SKIP_DOM"); i++) {
            xmlDocPtr d = xmlReadMemory(docs[i].data, (int)docs[i].len, NULL, NULL,
                                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
            xmlFreeDoc(d);
        }
        if (now() - t0 < dom)
            dom = now() - t0;
        t0 = now();
        entries = 0;
        for (size_t i = 0; i < ndocs; i++) {
            struct nd_feed f;
            char err[128];
            nd_feed_init(&f);
            if (nd_parse(docs[i].data, docs[i].len, "https://bench.example/feed", NULL, &f, err,
                         sizeof(err)) == 0)
                entries += f.n_entries;
            nd_feed_free(&f);
        }
        if (now() - t0 < ours)
            ours = now() - t0;
    }
    printf("%zu documents, %.1f MB, %zu entries (best of %d)\n", ndocs, (double)bytes / 1e6,
           entries, rounds);
    printf("xmlReadMemory DOM: %8.1f MB/s\n", (double)bytes / 1e6 / dom);
    printf("nd_parse:          %8.1f MB/s  (%.2fx the DOM parse)\n", (double)bytes / 1e6 / ours,
           dom / ours);
    for (size_t i = 0; i < ndocs; i++)
        free(docs[i].data);
    free(docs);
    return 0;
}
