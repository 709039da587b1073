/*
 * A consumer of newsd's JetStream stream that handles each article once, in the stream's order,
 * across restarts, and says when the stream removed articles it had not read yet.
 *
 *   newsd-nats-consumer [-s URLS] [--creds FILE] [--stream NAME] [--prefix PREFIX]
 *                       [--subject FILTER] [--json] STATE-FILE
 *
 * URLS: the NATS servers, comma-separated (nats://127.0.0.1:4222); NAME: the stream (NEWS);
 * PREFIX: newsd's publish.nats.subject_prefix (newsd), so FILTER defaults to PREFIX.>, every
 * topic, and PREFIX.news.example reads one topic. STATE-FILE holds the stream sequence of the
 * last article handled. "Handled" here is printed as "STREAM-SEQ<tab>TOPIC<tab>TITLE<tab>URL",
 * or the article's JSON as it is with --json: put your own work in handle().
 *
 * Why the stream sequence. In cluster mode every node numbers its own articles (`seq`,
 * `topic_seq` in the JSON, the Newsd-Seq header); the stream numbers every message of every
 * node in one order, so that is the position a consumer keeps.
 *
 * Why an ordered consumer. The position lives in STATE-FILE, next to the work done, so the
 * server needs to keep nothing: an ordered consumer is ephemeral (nothing to clean up when this
 * program goes away), has no acknowledgements, and delivers in stream order; libnats recreates it
 * from the last sequence delivered after a lost connection or a missed message. It starts at the
 * stored sequence + 1 (DeliverByStartSequence), or at the stream's first message when there is no
 * state file yet. A durable pull consumer would keep the position on the server instead, with an
 * acknowledgement per message; it suits several workers sharing one stream, not this.
 *
 * Exactly once. The sequence is written after the article is handled (a new file renamed over
 * the old one, so the file always holds one whole number). SIGTERM and SIGINT stop the program
 * between two articles. kill -9 or a crash loses nothing either, and repeats nothing unless it
 * lands between the work and the rename: that one article is handled again at the next start.
 * Where that matters, store the sequence in the same transaction as your work, or make the work
 * idempotent on Nats-Msg-Id (the article id and a hash of its text).
 *
 * Gaps. The stream's limits (max_age, max_msgs, max_bytes) remove its oldest messages; a
 * consumer stopped for longer than they keep messages finds its next one gone. The first message
 * after resuming then has a sequence past stored + 1, but that alone proves nothing: with a subject
 * filter the stream sequences of other subjects are skipped too. What proves a loss is the stream's
 * first sequence (jsStreamInfo): every sequence between the stored one and it was removed. So when
 * the first message after resuming is not stored + 1, check_gap() asks the stream for its first
 * sequence and reports, once, on stderr, the removed messages: exactly how many when FILTER
 * takes the whole stream, at most how many when it takes a part (the removed messages' subjects
 * are not known any more). While running, the consumer reads as the stream grows; it could only
 * lose messages if it fell behind by the stream's whole retention, which it does not check.
 *
 * Needs libnats and jansson; built by CMake as build/examples/newsd-nats-consumer, or
 * cc consumer.c -lnats -ljansson. Connects at start or exits (1); then libnats reconnects for
 * as long as it takes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <nats/nats.h>

struct consumer {
    const char *servers; /* comma-separated URLs */
    const char *creds;   /* a .creds file, or NULL */
    const char *state;   /* the state file */
    const char *prefix;  /* the subject prefix, taken off a subject to give the topic */
    const char *stream;
    const char *filter;
    int json;      /* print the article as it is */
    int whole;     /* does the filter take every subject of the stream? */
    int resumed;   /* there was a state file */
    uint64_t last; /* the stream sequence of the last article handled */
    jsCtx *js;
};

static volatile sig_atomic_t stopping;

static void stop(int sig)
{
    (void)sig;
    stopping = 1;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "consumer: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void die_nats(const char *what, natsStatus s)
{
    fprintf(stderr, "consumer: %s: %s (%s)\n", what, natsStatus_GetText(s),
            nats_GetLastError(NULL));
    exit(1);
}

/* The stored sequence; 0 and *found = 0 when there is no state file yet. */
static uint64_t load_seq(const char *path, int *found)
{
    char buf[32], *end;
    unsigned long long seq;
    size_t n;
    FILE *f = fopen(path, "r");
    *found = 0;
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        die("cannot read", path);
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    errno = 0;
    seq = strtoull(buf, &end, 10);
    if (buf[0] < '0' || buf[0] > '9' || errno != 0 || (*end != '\0' && strcmp(end, "\n") != 0))
        die("not a stream sequence", path); /* never start over silently */
    *found = 1;
    return seq;
}

/* Atomic: the file holds the old sequence or the new one, never a part. */
static void save_seq(const char *path, uint64_t seq)
{
    char tmp[4096];
    FILE *f;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        die("state file name too long", path);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%" PRIu64 "\n", seq) < 0 || fflush(f) != 0 ||
        fsync(fileno(f)) != 0 || fclose(f) != 0)
        die("cannot write", tmp);
    if (rename(tmp, path) != 0)
        die("cannot rename", tmp);
}

/* The topic: the subject without "PREFIX.". */
static const char *topic_of(const char *subject, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(subject, prefix, n) == 0 && subject[n] == '.')
        return subject + n + 1;
    return subject;
}

/* Does a consumer on filter receive every message of the stream? */
static int takes_whole_stream(const jsStreamInfo *si, const char *filter)
{
    if (strcmp(filter, ">") == 0)
        return 1;
    return si->Config->SubjectsLen == 1 && strcmp(si->Config->Subjects[0], filter) == 0;
}

/* Handle one article, then store its stream sequence. */
static void handle(struct consumer *c, natsMsg *m, uint64_t seq)
{
    const char *data = natsMsg_GetData(m);
    int len = natsMsg_GetDataLength(m);
    if (c->json) {
        printf("%.*s\n", len, data);
    } else {
        json_error_t err;
        json_t *a = json_loadb(data, (size_t)len, 0, &err);
        const char *title, *url;
        if (a == NULL)
            die("a message that is not JSON", err.text);
        title = json_string_value(json_object_get(a, "title"));
        url = json_string_value(json_object_get(a, "url"));
        printf("%" PRIu64 "\t%s\t%s\t%s\n", seq, topic_of(natsMsg_GetSubject(m), c->prefix),
               title ? title : "", url ? url : "-");
        json_decref(a);
    }
    if (fflush(stdout) != 0)
        die("cannot write the output", strerror(errno));
    c->last = seq;
    save_seq(c->state, seq);
}

/* The first message after resuming has stream sequence seq > c->last + 1: were the messages
 * between removed by the stream's limits, or are they other subjects'? */
static void check_gap(struct consumer *c, uint64_t seq)
{
    jsStreamInfo *si = NULL;
    natsStatus s = js_GetStreamInfo(&si, c->js, c->stream, NULL, NULL);
    uint64_t first, lost;
    if (s != NATS_OK) {
        fprintf(stderr,
                "consumer: stream sequences %" PRIu64 " to %" PRIu64
                " were not delivered; cannot ask the stream whether it removed them: %s\n",
                c->last + 1, seq - 1, natsStatus_GetText(s));
        return;
    }
    first = si->State.FirstSeq < seq ? si->State.FirstSeq : seq;
    jsStreamInfo_Destroy(si);
    if (first <= c->last + 1)
        return; /* nothing after c->last was removed: the sequences between are other subjects' */
    lost = first - c->last - 1;
    fprintf(stderr,
            "consumer: %s%" PRIu64 " %s lost: the stream removed sequences %" PRIu64 " to %" PRIu64
            " (its limits: max_age, max_msgs, max_bytes) before they were read%s\n",
            c->whole ? "" : "up to ", lost, lost == 1 ? "message" : "messages", c->last + 1,
            first - 1,
            c->whole ? "" : "; those of subjects outside the filter were not for this consumer");
}

static void usage(void)
{
    fprintf(stderr, "usage: newsd-nats-consumer [-s URLS] [--creds FILE] [--stream NAME] "
                    "[--prefix PREFIX] [--subject FILTER] [--json] STATE-FILE\n");
    exit(2);
}

static void parse_args(struct consumer *c, int argc, char **argv)
{
    static const struct option longopts[] = {{"server", required_argument, NULL, 's'},
                                             {"creds", required_argument, NULL, 'c'},
                                             {"stream", required_argument, NULL, 'S'},
                                             {"prefix", required_argument, NULL, 'p'},
                                             {"subject", required_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {NULL, 0, NULL, 0}};
    static char filter[512];
    int opt;
    while ((opt = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            c->servers = optarg;
            break;
        case 'c':
            c->creds = optarg;
            break;
        case 'S':
            c->stream = optarg;
            break;
        case 'p':
            c->prefix = optarg;
            break;
        case 'f':
            c->filter = optarg;
            break;
        case 'j':
            c->json = 1;
            break;
        default:
            usage();
        }
    }
    if (optind != argc - 1)
        usage();
    c->state = argv[optind];
    if (c->filter == NULL) {
        snprintf(filter, sizeof(filter), "%s.>", c->prefix);
        c->filter = filter;
    }
}

/* Connects to the servers and sets c->js; exits when no server answers. */
static natsConnection *connect_js(struct consumer *c)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, c->servers);
    if (s == NATS_OK)
        s = natsOptions_SetName(opts, "newsd-nats-consumer");
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, -1); /* once connected, reconnect forever */
    if (s == NATS_OK && c->creds)
        s = natsOptions_SetUserCredentialsFromFiles(opts, c->creds, NULL);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&c->js, nc, NULL);
    if (s != NATS_OK)
        die_nats(c->servers, s);
    natsOptions_Destroy(opts); /* the connection keeps its own copy */
    return nc;
}

/* An ordered consumer from the stored sequence + 1, or from the stream's first message. */
static natsSubscription *subscribe(struct consumer *c)
{
    natsSubscription *sub = NULL;
    jsStreamInfo *si = NULL;
    jsSubOptions so;
    natsStatus s = js_GetStreamInfo(&si, c->js, c->stream, NULL, NULL);
    if (s == NATS_NOT_FOUND)
        die("no such stream (newsd makes it when it first connects)", c->stream);
    if (s != NATS_OK)
        die_nats(c->stream, s);
    if (c->last > si->State.LastSeq) {
        fprintf(stderr,
                "consumer: %s holds stream sequence %" PRIu64 " but stream %s ends at %" PRIu64
                ": the stream was made again; remove the state file to read it from the start\n",
                c->state, c->last, c->stream, si->State.LastSeq);
        exit(1);
    }
    c->whole = takes_whole_stream(si, c->filter);
    jsStreamInfo_Destroy(si);

    jsSubOptions_Init(&so);
    so.Stream = c->stream;
    so.Ordered = true;
    if (c->resumed) {
        so.Config.DeliverPolicy = js_DeliverByStartSequence;
        so.Config.OptStartSeq = c->last + 1;
        fprintf(stderr, "consumer: stream %s, %s, resuming after stream sequence %" PRIu64 "\n",
                c->stream, c->filter, c->last);
    } else {
        fprintf(stderr, "consumer: stream %s, %s, from the first message the stream holds\n",
                c->stream, c->filter);
    }
    s = js_SubscribeSync(&sub, c->js, c->filter, NULL, &so, NULL);
    if (s != NATS_OK)
        die_nats("subscribe", s);
    return sub;
}

/* Handles the messages as they come until SIGTERM or SIGINT. */
static void run(struct consumer *c, natsSubscription *sub)
{
    int checked = !c->resumed;
    while (!stopping) {
        natsMsg *m = NULL;
        jsMsgMetaData *meta = NULL;
        uint64_t seq;
        natsStatus s = natsSubscription_NextMsg(&m, sub, 500);
        if (s == NATS_TIMEOUT || s == NATS_MISSED_HEARTBEAT)
            continue; /* nothing new; or libnats recreates the ordered consumer */
        if (s != NATS_OK)
            die_nats("receive", s);
        if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
            die("a message without JetStream metadata", natsMsg_GetSubject(m));
        seq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
        if (!checked && seq > c->last + 1)
            check_gap(c, seq);
        checked = 1;
        if (seq > c->last)
            handle(c, m, seq);
        natsMsg_Destroy(m);
    }
}

int main(int argc, char **argv)
{
    struct consumer c = {.servers = "nats://127.0.0.1:4222", .prefix = "newsd", .stream = "NEWS"};
    struct sigaction sa = {0};
    natsConnection *nc;
    natsSubscription *sub;

    parse_args(&c, argc, argv);
    c.last = load_seq(c.state, &c.resumed);
    sa.sa_handler = stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    nc = connect_js(&c);
    sub = subscribe(&c);
    run(&c, sub);
    fprintf(stderr, "consumer: stopped after stream sequence %" PRIu64 "\n", c.last);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(c.js);
    natsConnection_Destroy(nc);
    nats_Close();
    return 0;
}
