/*
 * A newsd subscriber that misses nothing: newsd-subscriber PUB CONTROL STATE
 *
 * PUB is newsd's publish endpoint (tcp://127.0.0.1:5556), CONTROL its control endpoint
 * (ipc:///run/newsd/control.sock), STATE a file holding the seq of the last article handled.
 * Each article is handled once, in seq order: here, printed as "SEQ ID TITLE".
 *
 * At start, and whenever a message's seq is not the next one (the subscriber was stopped, or
 * ZeroMQ dropped messages at a high-water mark), the articles after the last one handled are
 * asked from newsd's journal with the control protocol's `replay` command. The seq is written
 * to STATE after each article, so a restart resumes where the last run stopped. SIGTERM and
 * SIGINT stop it between two articles. Needs libzmq and jansson; built by CMake as
 * build/examples/newsd-subscriber (cc subscriber.c -lzmq -ljansson works too).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zmq.h>

struct consumer {
    void *ctx;
    const char *control;
    const char *state;
    long long last; /* the seq of the last article handled */
};

static volatile sig_atomic_t stopping;

static void stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "subscriber: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static long long load_seq(const char *path)
{
    long long seq = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fscanf(f, "%lld", &seq) != 1)
        seq = 0;
    fclose(f);
    return seq;
}

/* Atomic: the file holds the old seq or the new one, never a part. */
static void save_seq(const char *path, long long seq)
{
    char tmp[4096];
    FILE *f;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        die("state file name too long", path);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%lld\n", seq) < 0 || fclose(f) != 0)
        die("cannot write", tmp);
    if (rename(tmp, path) != 0)
        die("cannot rename", tmp);
}

/* Parse one article; exits on a message that is not JSON. Caller frees. */
static json_t *parse(const void *text, size_t len)
{
    json_error_t err;
    json_t *msg = json_loadb(text, len, 0, &err);
    if (msg == NULL)
        die("a message that is not JSON", err.text);
    return msg;
}

/* Handle one article unless it was handled already. */
static void handle(struct consumer *c, json_t *msg)
{
    long long seq = json_integer_value(json_object_get(msg, "seq"));
    const char *title = json_string_value(json_object_get(msg, "title"));
    if (seq <= c->last)
        return;
    printf("%lld %s %s\n", seq, json_string_value(json_object_get(msg, "id")), title ? title : "");
    fflush(stdout);
    c->last = seq;
    save_seq(c->state, seq);
}

/* Receive one frame into a message; 0 when there are no more frames of this message. */
static int next_frame(void *sock, zmq_msg_t *frame)
{
    int more = 0;
    size_t size = sizeof(more);
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &size);
    if (!more)
        return 0;
    if (zmq_msg_recv(frame, sock, 0) < 0)
        die("receive", zmq_strerror(errno));
    return 1;
}

/* Ask one page of replay; handles its articles; returns whether more remain. */
static int replay_page(struct consumer *c, void *sock)
{
    char req[128];
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    zmq_msg_t frame;
    json_t *head;
    json_error_t err;
    int more;
    snprintf(req, sizeof(req), "{\"cmd\":\"replay\",\"since\":%lld,\"limit\":500}", c->last);
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(sock, req, strlen(req), 0) < 0)
        die("send to newsd", zmq_strerror(errno));
    if (zmq_poll(&item, 1, 10000) <= 0)
        die("no answer from newsd at", c->control);
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, sock, 0) < 0 || !next_frame(sock, &frame)) /* delimiter, header */
        die("a short reply from", c->control);
    head = json_loadb(zmq_msg_data(&frame), zmq_msg_size(&frame), 0, &err);
    if (head == NULL || !json_is_true(json_object_get(head, "ok")))
        die("replay refused", head ? json_string_value(json_object_get(head, "error")) : err.text);
    more = json_is_true(json_object_get(head, "more"));
    json_decref(head);
    while (next_frame(sock, &frame)) {
        json_t *msg = parse(zmq_msg_data(&frame), zmq_msg_size(&frame));
        handle(c, msg);
        json_decref(msg);
    }
    zmq_msg_close(&frame);
    return more;
}

/* Every journaled article after c->last. */
static void replay(struct consumer *c)
{
    int linger = 0;
    void *sock = zmq_socket(c->ctx, ZMQ_DEALER);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
    if (zmq_connect(sock, c->control) != 0)
        die(c->control, zmq_strerror(errno));
    while (replay_page(c, sock))
        ;
    zmq_close(sock);
}

/* A published article: replay first when its seq is not the next one. */
static void receive(struct consumer *c, const void *text, size_t len)
{
    json_t *msg = parse(text, len);
    long long seq = json_integer_value(json_object_get(msg, "seq"));
    if (seq > c->last + 1) {
        fprintf(stderr, "subscriber: gap after seq %lld (got %lld), replaying\n", c->last, seq);
        replay(c);
    }
    handle(c, msg);
    json_decref(msg);
}

int main(int argc, char **argv)
{
    struct consumer c = {0};
    struct sigaction sa = {0};
    void *sub;
    int linger = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: newsd-subscriber PUB-ENDPOINT CONTROL-ENDPOINT STATE-FILE\n");
        return 2;
    }
    sa.sa_handler = stop; /* no SA_RESTART: zmq_poll returns at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    c.ctx = zmq_ctx_new();
    c.control = argv[2];
    c.state = argv[3];
    c.last = load_seq(c.state);
    sub = zmq_socket(c.ctx, ZMQ_SUB);
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0); /* every topic: seq counts every article */
    if (zmq_connect(sub, argv[1]) != 0)
        die(argv[1], zmq_strerror(errno));
    fprintf(stderr, "subscriber: resuming after seq %lld\n", c.last);
    replay(&c); /* what was published while this subscriber was not running */
    while (!stopping) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        zmq_msg_t topic, body;
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        zmq_msg_init(&topic);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&topic, sub, 0) >= 0 && next_frame(sub, &body))
            receive(&c, zmq_msg_data(&body), zmq_msg_size(&body));
        zmq_msg_close(&topic);
        zmq_msg_close(&body);
    }
    zmq_close(sub);
    zmq_ctx_term(c.ctx);
    return 0;
}
