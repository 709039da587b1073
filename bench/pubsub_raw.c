/*
 * pubsub_raw.c: the raw ZeroMQ baseline of bench/daemon.py publish.
 *   pubsub_raw ENDPOINT TOPIC FILE
 * Reads FILE (one message body a line, e.g. `newsctl replay --since 0`),
 * binds an XPUB socket on ENDPOINT with newsd's high-water mark (100,000),
 * waits for a subscription (XPUB is PUB that shows subscriptions: no sleep
 * for the slow joiner), then sends every line as a two-frame message
 * (TOPIC, the line without its newline) as fast as it can, and waits for
 * the messages to leave.  Prints "messages bytes seconds" (the sending).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    FILE *f;
    char **lines = NULL, *line = NULL, buf[256];
    size_t *lens = NULL, n = 0, cap = 0, sz = 0, bytes = 0;
    ssize_t got;
    int hwm = 100000, linger = -1;
    void *ctx, *s;
    double t0;

    if (argc != 4) {
        fprintf(stderr, "usage: pubsub_raw ENDPOINT TOPIC FILE\n");
        return 2;
    }
    f = fopen(argv[3], "r");
    if (f == NULL) {
        perror(argv[3]);
        return 2;
    }
    while ((got = getline(&line, &sz, f)) > 0) {
        if (line[got - 1] == '\n')
            line[--got] = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof(*lines));
            lens = realloc(lens, cap * sizeof(*lens));
            if (lines == NULL || lens == NULL)
                abort();
        }
        lines[n] = malloc((size_t)got + 1);
        if (lines[n] == NULL)
            abort();
        memcpy(lines[n], line, (size_t)got + 1);
        lens[n++] = (size_t)got;
    }
    free(line);
    fclose(f);

    ctx = zmq_ctx_new();
    s = zmq_socket(ctx, ZMQ_XPUB);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    if (zmq_bind(s, argv[1]) != 0) {
        fprintf(stderr, "pubsub_raw: %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    if (zmq_recv(s, buf, sizeof(buf), 0) < 0) /* the subscription */
        return 1;
    t0 = now();
    for (size_t i = 0; i < n; i++) {
        if (zmq_send(s, argv[2], strlen(argv[2]), ZMQ_SNDMORE) < 0 ||
            zmq_send(s, lines[i], lens[i], 0) < 0) {
            fprintf(stderr, "pubsub_raw: send: %s\n", zmq_strerror(zmq_errno()));
            return 1;
        }
        bytes += strlen(argv[2]) + lens[i];
    }
    zmq_close(s);
    zmq_ctx_term(ctx); /* returns when everything is sent (linger -1) */
    printf("%zu %zu %.6f\n", n, bytes, now() - t0);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    return 0;
}
