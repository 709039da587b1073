/*
 * dom_parse.c: the floor bench/parse.sh measures newsd against, with
 * libxml2 alone and nothing of newsd's.
 *   dom_parse [--html] [-n PASSES] FILE...
 * Times PASSES passes (default 1) over the files, each file read into
 * memory (as newsctl parse reads it), then xmlReadMemory + xmlFreeDoc (the
 * bare DOM parse), and with --html also an htmlReadMemory + xmlFreeDoc of
 * every item's content (content:encoded or Atom content, else description
 * or summary).  Prints one line: "bytes items seconds cpu-seconds" (wall
 * clock and processor time of the fastest pass).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dom_walk.h"

struct doc {
    char *data;
    size_t len;
};

static double clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static int read_all(const char *path, struct doc *d)
{
    struct stat st;
    ssize_t n;
    size_t got = 0;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    d->data = malloc((size_t)st.st_size + 1);
    if (d->data == NULL)
        abort();
    while (got < (size_t)st.st_size && (n = read(fd, d->data + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    d->len = got;
    return 0;
}

int main(int argc, char **argv)
{
    size_t bytes = 0, items = 0;
    int html = 0, first = 1, passes = 1;
    double best = 1e30, best_cpu = 1e30;

    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--html") == 0)
            html = 1;
        else if (strcmp(argv[first], "-n") == 0 && first + 1 < argc)
            passes = (int)strtol(argv[++first], NULL, 10);
    }
    xmlInitParser();
    for (int p = 0; p < passes; p++) {
        double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        items = bytes = 0;
        for (int i = first; i < argc; i++) {
            struct doc d;
            xmlDocPtr x;
            if (read_all(argv[i], &d) != 0) {
                fprintf(stderr, "dom_parse: cannot read %s\n", argv[i]);
                continue;
            }
            bytes += d.len;
            x = xmlReadMemory(d.data, (int)d.len, NULL, NULL, XML_OPTS);
            if (x != NULL) {
                items += walk(xmlDocGetRootElement(x), html);
                xmlFreeDoc(x);
            }
            free(d.data);
        }
        if (now() - t0 < best)
            best = now() - t0;
        if (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0 < best_cpu)
            best_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    printf("%zu %zu %.6f %.6f\n", bytes, items, best, best_cpu);
    xmlCleanupParser();
    return 0;
}
