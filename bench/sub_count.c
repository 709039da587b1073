/*
 * sub_count.c: the subscriber of bench/daemon.py publish.
 *   sub_count ENDPOINT COUNT [IDLE_S [TIMES]]
 * Connects a ZeroMQ SUB socket to ENDPOINT, subscribed to everything, says
 * "ready" on standard output, then counts messages and their bytes (every
 * frame) until COUNT messages came or none came for IDLE_S seconds (default
 * 5) after the first.  Prints one line: "messages bytes first-to-last-s cpu-s
 * first-s", the time from the arrival of the first message to the arrival of
 * the last, this process's processor time meanwhile, and when the first came
 * (CLOCK_MONOTONIC, the clock of Python's time.monotonic()).  With TIMES, the
 * arrival time of every message, one a line, goes to that file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    void *ctx, *s;
    long want;
    double idle = 5, first = 0, last = 0, c0 = 0, c1 = 0, *times;
    size_t n = 0, bytes = 0;
    zmq_msg_t m;

    if (argc < 3) {
        fprintf(stderr, "usage: sub_count ENDPOINT COUNT [IDLE_S [TIMES]]\n");
        return 2;
    }
    want = strtol(argv[2], NULL, 10);
    times = malloc(sizeof(*times) * (size_t)(want > 0 ? want : 1));
    if (times == NULL)
        abort();
    if (argc > 3)
        idle = strtod(argv[3], NULL);
    ctx = zmq_ctx_new();
    s = zmq_socket(ctx, ZMQ_SUB);
    zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(s, argv[1]) != 0) {
        fprintf(stderr, "sub_count: %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    zmq_msg_init(&m);
    while ((long)n < want) {
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        int more = 1;
        /* before the first message, wait as long as it takes (the caller kills us) */
        if (zmq_poll(&it, 1, n ? (long)(idle * 1000) : -1) <= 0)
            break;
        while (more) {
            if (zmq_msg_recv(&m, s, 0) < 0)
                return 1;
            bytes += zmq_msg_size(&m);
            more = zmq_msg_more(&m);
        }
        last = now();
        c1 = cpu();
        times[n] = last;
        if (n++ == 0) {
            first = last;
            c0 = c1;
        }
    }
    zmq_msg_close(&m);
    if (argc > 4) {
        FILE *f = fopen(argv[4], "w");
        if (f == NULL) {
            perror(argv[4]);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%.9f\n", times[i]);
        fclose(f);
    }
    free(times);
    printf("%zu %zu %.6f %.6f %.6f\n", n, bytes, last - first, c1 - c0, first);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
