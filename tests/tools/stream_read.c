/*
 * stream_read.c: print every message of a JetStream stream as JSON Lines,
 * read with an ordered consumer (what a downstream program would do), for
 * the integration tests of the JetStream sink.
 *
 *   stream_read SERVER-URL STREAM [SUBJECT-FILTER]
 *
 * One line a message: {"stream_seq": N, "subject": "...", "msg_id": "..."
 * or null, "newsd_seq": "..." or null, "data": the message as a string}.
 * Exits 0 once every message the stream held at start was printed, 1 on an
 * error (said on stderr), 2 when the stream does not exist.
 */
#include <jansson.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *header_or_null(natsMsg *m, const char *key)
{
    const char *v = NULL;

    if (natsMsgHeader_Get(m, key, &v) == NATS_OK && v)
        return json_string(v);
    return json_null();
}

static int print_msg(natsMsg *m, uint64_t *stream_seq)
{
    jsMsgMetaData *meta = NULL;
    json_t *o;
    char *line;

    if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
        return -1;
    *stream_seq = meta->Sequence.Stream;
    o = json_pack("{s:I, s:s, s:o, s:o, s:s#}", "stream_seq", (json_int_t)*stream_seq, "subject",
                  natsMsg_GetSubject(m), "msg_id", header_or_null(m, "Nats-Msg-Id"), "newsd_seq",
                  header_or_null(m, "Newsd-Seq"), "data", natsMsg_GetData(m),
                  (size_t)natsMsg_GetDataLength(m));
    jsMsgMetaData_Destroy(meta);
    if (o == NULL)
        return -1;
    line = json_dumps(o, JSON_COMPACT);
    puts(line);
    free(line);
    json_decref(o);
    return 0;
}

int main(int argc, char **argv)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    natsSubscription *sub = NULL;
    jsSubOptions so;
    jsErrCode jerr = 0;
    uint64_t last, seq = 0;
    natsStatus s;
    int rc = 1;

    if (argc < 3) {
        fprintf(stderr, "usage: stream_read SERVER-URL STREAM [SUBJECT-FILTER]\n");
        return 1;
    }
    s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);
    if (s == NATS_OK)
        s = js_GetStreamInfo(&si, js, argv[2], NULL, &jerr);
    if (s == NATS_NOT_FOUND) {
        fprintf(stderr, "stream_read: no stream %s\n", argv[2]);
        rc = 2;
        goto out;
    }
    if (s != NATS_OK)
        goto fail;
    last = si->State.LastSeq;
    if (si->State.Msgs == 0) {
        rc = 0;
        goto out;
    }
    jsSubOptions_Init(&so);
    so.Stream = argv[2];
    so.Ordered = true;
    s = js_SubscribeSync(&sub, js, argc > 3 ? argv[3] : ">", NULL, &so, &jerr);
    while (s == NATS_OK && seq < last) {
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, sub, 5000);
        if (s == NATS_OK && print_msg(m, &seq) != 0)
            s = NATS_ERR;
        natsMsg_Destroy(m);
    }
    if (s != NATS_OK)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "stream_read: %s (%s, JetStream error %d)\n", natsStatus_GetText(s),
            nats_GetLastError(NULL), (int)jerr);
out:
    fflush(stdout);
    natsSubscription_Destroy(sub);
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return rc;
}
