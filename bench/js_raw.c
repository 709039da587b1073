/*
 * js_raw.c: the raw JetStream baseline of bench/cluster.py, and its probe of a stream.
 *
 *   js_raw stat URL STREAM                    messages, bytes, first and last time
 *   js_raw wait URL STREAM N TIMEOUT_S        the same, once the stream holds N messages
 *   js_raw publish URL FROM TO PREFIX WINDOW  FROM's messages again into a new stream TO
 *
 * stat prints "MSGS BYTES FIRST_NS LAST_NS" (the times of the first and the
 * last message as the server stamped them, ns since the epoch); exit 2 when
 * the stream does not exist.  wait asks every 10 ms; exit 1 at the timeout.
 *
 * publish reads every message of stream FROM first (an ordered consumer:
 * subject, data, Nats-Msg-Id, Newsd-Seq), makes stream TO as newsd makes its
 * own (file storage, one replica, subjects PREFIX.>, a duplicate window of
 * an hour), then sends them with js_PublishMsgAsync, at most WINDOW waiting
 * for their acknowledgement (newsd's sink keeps 512 in flight), each with
 * the same headers and data and its subject's first token replaced by
 * PREFIX (take one as long as newsd's subject prefix: the same sizes).  It
 * prints "N BYTES WALL_S CPU_S", the time from the first publish to the last
 * acknowledgement and the process's processor time over it, then the stat
 * line of TO.  Every acknowledgement must be a success: exit 1 otherwise.
 */
#include <nats/nats.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct msg {
    char *subject, *msgid, *seq, *data;
    int len;
};

static int64_t acked, failed;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_ack(jsCtx *js, natsMsg *m, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    (void)closure;
    if (pa && !pae)
        acked++;
    else
        failed++;
    natsMsg_Destroy(m);
}

/* The stat line of a stream: 0, NATS_NOT_FOUND or an error. */
static natsStatus stat_stream(jsCtx *js, const char *stream, uint64_t want, int print)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);

    if (s != NATS_OK)
        return s;
    if (si->State.Msgs < want)
        s = NATS_NOT_YET_CONNECTED; /* not there yet: asked again */
    else if (print)
        printf("%llu %llu %lld %lld\n", (unsigned long long)si->State.Msgs,
               (unsigned long long)si->State.Bytes, (long long)si->State.FirstTime,
               (long long)si->State.LastTime);
    jsStreamInfo_Destroy(si);
    return s;
}

/* Every message of stream into *out (*n of them). */
static natsStatus read_all(jsCtx *js, const char *stream, struct msg **out, size_t *n)
{
    jsStreamInfo *si = NULL;
    natsSubscription *sub = NULL;
    jsSubOptions so;
    jsErrCode jerr = 0;
    uint64_t last, seq = 0;
    natsStatus s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);

    *out = NULL;
    *n = 0;
    if (s != NATS_OK)
        return s;
    last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    *out = calloc(last + 1, sizeof(**out));
    if (*out == NULL)
        return NATS_NO_MEMORY;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Ordered = true;
    s = js_SubscribeSync(&sub, js, ">", NULL, &so, &jerr);
    while (s == NATS_OK && seq < last) {
        natsMsg *m = NULL;
        jsMsgMetaData *meta = NULL;
        const char *id = NULL, *nseq = NULL;
        struct msg *x = &(*out)[*n];

        s = natsSubscription_NextMsg(&m, sub, 5000);
        if (s == NATS_OK)
            s = natsMsg_GetMetaData(&meta, m);
        if (s != NATS_OK) {
            natsMsg_Destroy(m);
            break;
        }
        seq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
        natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
        natsMsgHeader_Get(m, "Newsd-Seq", &nseq);
        x->subject = strdup(natsMsg_GetSubject(m));
        x->msgid = dup_or_null(id);
        x->seq = dup_or_null(nseq);
        x->len = natsMsg_GetDataLength(m);
        x->data = malloc((size_t)x->len + 1);
        if (x->subject == NULL || x->data == NULL) {
            natsMsg_Destroy(m);
            s = NATS_NO_MEMORY;
            break;
        }
        memcpy(x->data, natsMsg_GetData(m), (size_t)x->len);
        (*n)++;
        natsMsg_Destroy(m);
    }
    natsSubscription_Destroy(sub);
    return s;
}

static natsStatus make_stream(jsCtx *js, const char *name, const char *prefix)
{
    jsStreamConfig sc;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    char subject[256];
    const char *subjects[1] = {subject};
    natsStatus s;

    snprintf(subject, sizeof(subject), "%s.>", prefix);
    jsStreamConfig_Init(&sc);
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Replicas = 1;
    sc.Duplicates = 3600 * 1000000000LL;
    s = js_AddStream(&si, js, &sc, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    return s;
}

static natsStatus publish(jsCtx *js, const char *prefix, const struct msg *msgs, size_t n)
{
    jsPubOptions po;
    natsStatus s = NATS_OK;
    long long bytes = 0;
    double t0 = now_s(), c0 = cpu_s(), wall, cpu;

    for (size_t i = 0; i < n && s == NATS_OK; i++) {
        const struct msg *x = &msgs[i];
        const char *rest = strchr(x->subject, '.');
        char subject[1024];
        natsMsg *m = NULL;

        snprintf(subject, sizeof(subject), "%s%s", prefix, rest ? rest : ".x");
        jsPubOptions_Init(&po);
        po.MsgId = x->msgid;
        po.MaxWait = 30000;
        s = natsMsg_Create(&m, subject, NULL, x->data, x->len);
        if (s == NATS_OK && x->seq)
            s = natsMsgHeader_Set(m, "Newsd-Seq", x->seq);
        if (s == NATS_OK)
            s = js_PublishMsgAsync(js, &m, &po);
        natsMsg_Destroy(m);
        bytes += x->len;
    }
    if (s == NATS_OK) {
        jsPubOptions_Init(&po);
        po.MaxWait = 60000;
        s = js_PublishAsyncComplete(js, &po);
    }
    wall = now_s() - t0;
    cpu = cpu_s() - c0;
    if (s == NATS_OK && (failed || acked != (int64_t)n)) {
        fprintf(stderr, "js_raw: %lld acknowledged, %lld failed of %zu\n", (long long)acked,
                (long long)failed, n);
        s = NATS_ERR;
    }
    if (s == NATS_OK)
        printf("%zu %lld %.6f %.6f\n", n, bytes, wall, cpu);
    return s;
}

static void usage(void)
{
    fprintf(stderr, "usage: js_raw stat URL STREAM\n"
                    "       js_raw wait URL STREAM N TIMEOUT_S\n"
                    "       js_raw publish URL FROM TO PREFIX WINDOW\n");
}

int main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsOptions jo;
    struct msg *msgs = NULL;
    size_t n = 0;
    natsStatus s;
    int rc = 1, pub;

    if (argc < 4) {
        usage();
        return 1;
    }
    pub = strcmp(argv[1], "publish") == 0;
    if ((pub && argc != 7) || (strcmp(argv[1], "wait") == 0 && argc != 6) ||
        (strcmp(argv[1], "stat") == 0 && argc != 4) ||
        (!pub && strcmp(argv[1], "wait") != 0 && strcmp(argv[1], "stat") != 0)) {
        usage();
        return 1;
    }
    jsOptions_Init(&jo);
    if (pub) {
        jo.PublishAsync.MaxPending = strtoll(argv[6], NULL, 10);
        jo.PublishAsync.AckHandler = on_ack;
        jo.PublishAsync.StallWait = 60000;
    }
    s = natsConnection_ConnectTo(&nc, argv[2]);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, &jo);
    if (s != NATS_OK)
        goto fail;
    if (strcmp(argv[1], "stat") == 0) {
        s = stat_stream(js, argv[3], 0, 1);
    } else if (strcmp(argv[1], "wait") == 0) {
        uint64_t want = strtoull(argv[4], NULL, 10);
        double end = now_s() + strtod(argv[5], NULL);
        do {
            s = stat_stream(js, argv[3], want, 1);
            if (s == NATS_OK)
                break;
            nats_Sleep(10);
        } while (now_s() < end);
        if (s != NATS_OK) {
            fprintf(stderr, "js_raw: %s: fewer than %s messages after %s s\n", argv[3], argv[4],
                    argv[5]);
            goto out;
        }
    } else {
        s = read_all(js, argv[3], &msgs, &n);
        if (s == NATS_OK)
            s = make_stream(js, argv[4], argv[5]);
        if (s == NATS_OK)
            s = publish(js, argv[5], msgs, n);
        if (s == NATS_OK)
            s = stat_stream(js, argv[4], n, 1);
    }
    if (s == NATS_NOT_FOUND) {
        fprintf(stderr, "js_raw: no stream %s\n", argv[3]);
        rc = 2;
        goto out;
    }
    if (s != NATS_OK)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "js_raw: %s (%s)\n", natsStatus_GetText(s), nats_GetLastError(NULL));
out:
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        free(msgs[i].subject);
        free(msgs[i].msgid);
        free(msgs[i].seq);
        free(msgs[i].data);
    }
    free(msgs);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
