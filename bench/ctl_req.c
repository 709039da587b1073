/*
 * ctl_req.c: one timed request to newsd's control socket, for bench/daemon.py.
 *   ctl_req ENDPOINT JSON [TIMEOUT_S]
 * Connects a DEALER to ENDPOINT, pings (so that the connection is made before
 * the clock starts), sends JSON as a request and waits for the reply (default
 * 3600 s).  Prints the round trip in seconds on one line and the reply header
 * on the next; exits 1 on a timeout.  Without newsctl's process start-up in
 * the time, which is most of a fast refresh.
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

/* Send a request, wait for its reply; the header is left in *hdr (caller closes it). */
static int ask(void *s, const char *json, long timeout_ms, zmq_msg_t *hdr)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    zmq_msg_t m;
    int frame = 0, more = 1;

    if (zmq_send(s, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(s, json, strlen(json), 0) < 0)
        return -1;
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return -1;
    while (more) {
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0)
            return -1;
        more = zmq_msg_more(&m);
        if (frame++ == 1)
            zmq_msg_move(hdr, &m);
        zmq_msg_close(&m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    void *ctx, *s;
    long timeout_ms = 3600000;
    int linger = 0;
    double t;
    zmq_msg_t hdr;

    if (argc < 3) {
        fprintf(stderr, "usage: ctl_req ENDPOINT JSON [TIMEOUT_S]\n");
        return 2;
    }
    if (argc > 3)
        timeout_ms = (long)(strtod(argv[3], NULL) * 1000);
    ctx = zmq_ctx_new();
    s = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
    if (zmq_connect(s, argv[1]) != 0) {
        fprintf(stderr, "ctl_req: %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_msg_init(&hdr);
    if (ask(s, "{\"cmd\":\"ping\"}", 10000, &hdr) != 0) {
        fprintf(stderr, "ctl_req: no answer to ping\n");
        return 1;
    }
    zmq_msg_close(&hdr);
    zmq_msg_init(&hdr);
    t = now();
    if (ask(s, argv[2], timeout_ms, &hdr) != 0) {
        fprintf(stderr, "ctl_req: no answer\n");
        return 1;
    }
    t = now() - t;
    printf("%.6f\n%.*s\n", t, (int)zmq_msg_size(&hdr), (const char *)zmq_msg_data(&hdr));
    zmq_msg_close(&hdr);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
