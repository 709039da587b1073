/*
 * follow_conn.c: the stream follower's NATS thread (follow_int.h).
 *
 * An ordered consumer (ephemeral, in order, no acknowledgements; libnats
 * makes it again from the next sequence after a gap or a reconnection) is
 * the cheapest way to read a whole stream once: nothing is kept on the
 * servers for a node, and where to resume is the node's own business (its
 * store).  The thread connects and subscribes, again a second apart until
 * it works; after that libnats does the rest on its own threads.
 */
#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "follow_int.h"
#include "js_int.h"

#define RETRY_MS  1000 /* between attempts to connect and subscribe */
#define NO_STREAM 100  /* ... when the stream is not there yet (the sink is making it) */
#define MAX_QUEUE 4096 /* messages copied and not taken by the loop yet */

struct follow_link {
    struct nd_strv servers;
    struct nd_nats_conf files; /* credentials and TLS files, copied */
    char *stream, *subject, *name;
    uint64_t start;

    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* the thread's wait */
    pthread_cond_t space; /* the delivery's wait for room in the queue */
    int efd;
    /* under mu */
    struct follow_item *q;
    size_t n_q, cap_q;
    struct follow_state st;
    int quit;
    int closed;   /* libnats's closed callback ran: no connection callback comes any more */
    int sub_done; /* the subscription's handler cannot run any more */
    /* the thread's */
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
};

static void wake_loop(struct follow_link *l)
{
    nd_efd_wake(l->efd);
}

/* Under mu. */
static void set_error(struct follow_link *l, const char *what, natsStatus s, jsErrCode jerr)
{
    const char *last = nats_GetLastError(NULL);

    if (last && last[0] == '(' && strstr(last, "): ")) /* "(file.c:123): what" */
        last = strstr(last, "): ") + 3;
    snprintf(l->st.error, sizeof(l->st.error), "%s: %s", what,
             last && *last ? last : natsStatus_GetText(s));
    if (jerr) {
        size_t n = strlen(l->st.error);
        snprintf(l->st.error + n, sizeof(l->st.error) - n, " (JetStream error %d)", (int)jerr);
    }
}

/* libnats delivery thread: copy one message into the queue, waiting for room. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct follow_link *l = closure;
    jsMsgMetaData *meta = NULL;
    const char *msgid = NULL;

    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &msgid) != NATS_OK)
        msgid = NULL;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        pthread_mutex_lock(&l->mu);
        while (l->n_q >= MAX_QUEUE && !l->quit)
            pthread_cond_wait(&l->space, &l->mu);
        if (!l->quit) {
            struct follow_item *it;
            if (l->n_q == l->cap_q) {
                l->cap_q = l->cap_q ? l->cap_q * 2 : 256;
                l->q = xrealloc(l->q, l->cap_q * sizeof(*l->q));
            }
            it = &l->q[l->n_q++];
            it->seq = meta->Sequence.Stream;
            it->msgid = msgid ? xstrdup(msgid) : NULL;
            it->len = (size_t)natsMsg_GetDataLength(msg);
            it->data = xmalloc(it->len + 1);
            memcpy(it->data, natsMsg_GetData(msg), it->len);
            it->data[it->len] = '\0';
            if (meta->NumPending == 0) /* the end of what the stream holds, for now */
                l->st.tail = it->seq;
        }
        pthread_mutex_unlock(&l->mu);
        wake_loop(l);
        jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    struct follow_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->st.connected = 0;
    snprintf(l->st.error, sizeof(l->st.error), "disconnected");
    pthread_mutex_unlock(&l->mu);
    wake_loop(l);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    struct follow_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->st.connected = 1;
    l->st.error[0] = '\0';
    pthread_mutex_unlock(&l->mu);
    wake_loop(l);
}

static void on_closed(natsConnection *nc, void *closure)
{
    struct follow_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->closed = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void on_sub_done(void *closure)
{
    struct follow_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->sub_done = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static natsStatus connect_once(struct follow_link *l)
{
    natsOptions *o = NULL;
    natsStatus s = nd_nats_options(&l->servers, l->name, &l->files, &o);

    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(o, on_disconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_reconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(o, on_closed, l);
    if (s == NATS_OK)
        s = natsConnection_Connect(&l->nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&l->js, l->nc, NULL);
    if (s != NATS_OK) {
        natsConnection_Destroy(l->nc);
        l->nc = NULL;
    }
    return s;
}

/*
 * Where the stream is (the sink makes it), then the consumer from start:
 * a stream that holds less than start - 1 was made anew, and is read from
 * its beginning.  Not under mu.
 */
static natsStatus subscribe_once(struct follow_link *l, struct follow_state *out, jsErrCode *jerr)
{
    jsStreamInfo *si = NULL;
    jsConsumerInfo *ci = NULL;
    jsSubOptions so;
    natsStatus s = js_GetStreamInfo(&si, l->js, l->stream, NULL, jerr);
    uint64_t start = l->start;

    if (s != NATS_OK)
        return s;
    out->target = si->State.Msgs ? si->State.LastSeq : 0;
    if (start > si->State.LastSeq + 1) {
        out->restarted = 1;
        start = 1;
    }
    jsStreamInfo_Destroy(si);
    jsSubOptions_Init(&so);
    so.Stream = l->stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = start;
    *jerr = 0;
    s = js_Subscribe(&l->sub, l->js, l->subject, on_msg, l, NULL, &so, jerr);
    if (s == NATS_OK)
        s = natsSubscription_SetOnCompleteCB(l->sub, on_sub_done, l);
    if (s == NATS_OK && natsSubscription_GetConsumerInfo(&ci, l->sub, NULL, NULL) == NATS_OK) {
        /* nothing of ours left (a purged stream, a tail of other subjects, deleted messages):
         * caught up once what was delivered is learned */
        if (ci->NumPending == 0)
            out->target = ci->Delivered.Stream;
        jsConsumerInfo_Destroy(ci);
    }
    return s;
}

/* Under mu, returns under mu: connect and subscribe; 1 when done, -1 when no stream yet. */
static int get_ready(struct follow_link *l)
{
    struct follow_state got = {0};
    jsErrCode jerr = 0;
    natsStatus s;

    pthread_mutex_unlock(&l->mu);
    s = l->nc ? NATS_OK : connect_once(l);
    if (s == NATS_OK)
        s = subscribe_once(l, &got, &jerr);
    pthread_mutex_lock(&l->mu);
    if (s != NATS_OK) {
        set_error(l, l->nc ? "follow the stream" : "connect", s, jerr);
        return s == NATS_NOT_FOUND ? -1 : 0;
    }
    l->st.connected = 1;
    l->st.subscribed = 1;
    l->st.target = got.target;
    if (l->st.tail && l->st.tail < l->st.target) /* a delivery already found the end */
        l->st.target = l->st.tail;
    l->st.restarted = got.restarted;
    l->st.error[0] = '\0';
    return 1;
}

/* Wait on the condition up to ms, or until signalled.  Under mu. */
static void wait_ms(struct follow_link *l, int64_t ms)
{
    nd_cond_wait_ms(&l->cv, &l->mu, ms);
}

static void *thread_main(void *arg)
{
    struct follow_link *l = arg;

    pthread_mutex_lock(&l->mu);
    while (!l->quit && !l->st.subscribed) {
        int r = get_ready(l);
        if (r > 0)
            break;
        if (r == 0)
            wake_loop(l); /* the error changed (no stream yet is no news: it comes) */
        if (!l->quit)
            wait_ms(l, r < 0 ? NO_STREAM : RETRY_MS);
    }
    wake_loop(l);
    while (!l->quit) /* libnats delivers and reconnects on its own threads */
        pthread_cond_wait(&l->cv, &l->mu);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Until the closed callback ran and the subscription's handler is done, 5 s at most. */
static void wait_closed(struct follow_link *l)
{
    int64_t end = nd_mono_ms() + 5000;

    pthread_mutex_lock(&l->mu);
    while (!(l->closed && (l->sub == NULL || l->sub_done)) && nd_mono_ms() < end)
        nd_cond_wait_ms(&l->cv, &l->mu, 100);
    pthread_mutex_unlock(&l->mu);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct follow_link *follow_link_start(const struct nd_nats_conf *cfg, const char *name,
                                      uint64_t start, char *err, size_t errlen)
{
    struct follow_link *l = xcalloc(1, sizeof(*l));

    for (size_t i = 0; i < cfg->servers.n; i++)
        nd_strv_push(&l->servers, cfg->servers.v[i]);
    l->files.credentials = dup_or_null(cfg->credentials);
    l->files.tls_ca = dup_or_null(cfg->tls_ca);
    l->files.tls_cert = dup_or_null(cfg->tls_cert);
    l->files.tls_key = dup_or_null(cfg->tls_key);
    l->stream = xstrdup(cfg->stream);
    l->subject = xasprintf("%s.>", cfg->subject_prefix);
    l->name = xstrdup(name);
    l->start = start ? start : 1;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    pthread_cond_init(&l->space, NULL);
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->efd < 0) {
        snprintf(err, errlen, "nats: eventfd: %s", strerror(errno));
        follow_link_free(l);
        return NULL;
    }
    if (nd_nats_open() != 0) {
        snprintf(err, errlen, "nats: cannot start the library");
        follow_link_free(l);
        return NULL;
    }
    if (pthread_create(&l->thread, NULL, thread_main, l) != 0) {
        snprintf(err, errlen, "nats: cannot start a thread");
        nd_nats_close();
        follow_link_free(l);
        return NULL;
    }
    l->started = 1;
    return l;
}

void follow_link_free(struct follow_link *l)
{
    if (l == NULL)
        return;
    if (l->started) {
        pthread_mutex_lock(&l->mu);
        l->quit = 1;
        pthread_cond_broadcast(&l->cv);
        pthread_cond_broadcast(&l->space); /* a delivery waiting for room returns */
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
        /* the ephemeral consumer goes now; without a server it goes by itself (a request to
         * a server that is not there would hold the stop for seconds) */
        if (l->sub && natsConnection_Status(l->nc) == NATS_CONN_STATUS_CONNECTED)
            natsSubscription_Unsubscribe(l->sub);
        if (l->nc) {
            /* libnats's threads may still call on_msg and the connection callbacks: wait
             * (a few seconds at most) until they cannot, before l goes */
            natsConnection_Close(l->nc);
            wait_closed(l);
        }
        natsSubscription_Destroy(l->sub);
        jsCtx_Destroy(l->js);
        natsConnection_Destroy(l->nc);
        nd_nats_close();
    }
    for (size_t i = 0; i < l->n_q; i++) {
        free(l->q[i].msgid);
        free(l->q[i].data);
    }
    free(l->q);
    if (l->efd >= 0)
        close(l->efd);
    pthread_cond_destroy(&l->space);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    nd_strv_free(&l->servers);
    free(l->files.credentials);
    free(l->files.tls_ca);
    free(l->files.tls_cert);
    free(l->files.tls_key);
    free(l->stream);
    free(l->subject);
    free(l->name);
    free(l);
}

int follow_link_fd(const struct follow_link *l)
{
    return l->efd;
}

size_t follow_link_take(struct follow_link *l, struct follow_item **out, struct follow_state *st)
{
    size_t n;

    nd_efd_drain(l->efd);
    pthread_mutex_lock(&l->mu);
    *out = l->q;
    n = l->n_q;
    l->q = NULL;
    l->n_q = l->cap_q = 0;
    *st = l->st;
    l->st.restarted = 0;
    pthread_cond_broadcast(&l->space);
    pthread_mutex_unlock(&l->mu);
    return n;
}

void follow_link_quiet(struct follow_link *l)
{
    nd_efd_drain(l->efd);
}
