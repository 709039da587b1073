/*
 * js_conn.c: the JetStream sink's NATS thread (js_int.h).
 *
 * The thread connects (again and again while the servers are down, a
 * second apart), makes sure the stream exists, then publishes what the
 * loop queued with js_PublishMsgAsync.  libnats reconnects by itself once
 * connected; its callbacks (on its own threads) record acknowledgements
 * and the connection's state.  Nothing here touches the loop, the store or
 * the log: results and state go back under the mutex, and a write to the
 * eventfd wakes the loop.
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

#include "js_int.h"

#define RETRY_MS        1000 /* between connection or stream attempts */
#define MAX_PENDING_ACK 4096 /* libnats: async publishes waiting for their ack */

struct js_item {
    int64_t seq;
    char *subject, *msgid, *data;
};

struct js_link {
    /* settings, copied */
    struct nd_strv servers;
    char *stream, *prefix, *credentials, *tls_ca, *tls_cert, *tls_key;
    int64_t replicas, duplicate_window;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int efd;
    /* under mu */
    struct js_item *out;
    size_t n_out, cap_out;
    struct js_result *back;
    size_t n_back, cap_back;
    struct js_state st;
    int quit;
    int connected; /* libnats says so */
    int closed;    /* libnats's closed callback ran: no connection callback comes any more */
    int stream_ok; /* the stream was found or made on this connection */
    /* the thread's */
    natsConnection *nc;
    jsCtx *js;
};

static void wake_loop(struct js_link *l)
{
    nd_efd_wake(l->efd);
}

/* Under mu.  text: what the server said, or NULL (then the thread's last libnats error). */
static void set_error_text(struct js_link *l, const char *what, natsStatus s, jsErrCode jerr,
                           const char *text)
{
    const char *last = text ? text : nats_GetLastError(NULL);

    if (last && last[0] == '(' && strstr(last, "): ")) /* "(file.c:123): what" */
        last = strstr(last, "): ") + 3;

    if (jerr)
        snprintf(l->st.error, sizeof(l->st.error), "%s: %s (JetStream error %d)", what,
                 last && *last ? last : natsStatus_GetText(s), (int)jerr);
    else
        snprintf(l->st.error, sizeof(l->st.error), "%s: %s", what,
                 last && *last ? last : natsStatus_GetText(s));
}

static void set_error(struct js_link *l, const char *what, natsStatus s, jsErrCode jerr)
{
    set_error_text(l, what, s, jerr, NULL);
}

/* Under mu. */
static void set_ready(struct js_link *l, int ready)
{
    if (l->st.ready != ready)
        l->st.changed = 1;
    l->st.ready = ready;
    if (ready && l->nc)
        natsConnection_GetConnectedUrl(l->nc, l->st.server, sizeof(l->st.server));
    if (!ready)
        l->st.server[0] = '\0';
}

/* Under mu. */
static void push_result(struct js_link *l, int64_t seq, int ok)
{
    if (l->n_back == l->cap_back) {
        l->cap_back = l->cap_back ? l->cap_back * 2 : 256;
        l->back = xrealloc(l->back, l->cap_back * sizeof(*l->back));
    }
    l->back[l->n_back++] = (struct js_result){seq, ok};
}

static void free_item(struct js_item *it)
{
    free(it->subject);
    free(it->msgid);
    free(it->data);
}

/* libnats thread: one acknowledgement, or its failure. */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    struct js_link *l = closure;
    const char *v = NULL;

    if (natsMsgHeader_Get(msg, "Newsd-Seq", &v) == NATS_OK && v) {
        pthread_mutex_lock(&l->mu);
        push_result(l, strtoll(v, NULL, 10), pa != NULL);
        if (pa)
            l->st.error[0] = '\0'; /* working again */
        if (pae) {
            set_error_text(l, "publish", pae->Err, pae->ErrCode,
                           pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
            if (pae->ErrCode == JSStreamNotFoundErr || pae->Err == NATS_NO_RESPONDERS) {
                l->stream_ok = 0; /* the stream went away: make it again */
                set_ready(l, 0);
                pthread_cond_signal(&l->cv);
            }
        }
        pthread_mutex_unlock(&l->mu);
        wake_loop(l);
    }
    natsMsg_Destroy(msg);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    struct js_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->connected = 0;
    l->stream_ok = 0;
    set_ready(l, 0);
    snprintf(l->st.error, sizeof(l->st.error), "disconnected");
    pthread_mutex_unlock(&l->mu);
    wake_loop(l);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    struct js_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->connected = 1;
    pthread_cond_signal(&l->cv); /* the thread checks the stream, then says ready */
    pthread_mutex_unlock(&l->mu);
}

static void on_closed(natsConnection *nc, void *closure)
{
    struct js_link *l = closure;

    pthread_mutex_lock(&l->mu);
    l->closed = 1;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static natsStatus make_options(struct js_link *l, natsOptions **out)
{
    struct nd_nats_conf files = {0};
    natsStatus s;

    files.credentials = l->credentials;
    files.tls_ca = l->tls_ca;
    files.tls_cert = l->tls_cert;
    files.tls_key = l->tls_key;
    s = nd_nats_options(&l->servers, "newsd", &files, out);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(*out, on_disconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(*out, on_reconnected, l);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(*out, on_closed, l);
    if (s != NATS_OK && *out) {
        natsOptions_Destroy(*out);
        *out = NULL;
    }
    return s;
}

static natsStatus connect_once(struct js_link *l)
{
    natsOptions *o = NULL;
    jsOptions jo;
    natsStatus s = make_options(l, &o);

    if (s == NATS_OK)
        s = natsConnection_Connect(&l->nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK)
        return s;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = MAX_PENDING_ACK;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = l;
    s = natsConnection_JetStream(&l->js, l->nc, &jo);
    if (s != NATS_OK) {
        natsConnection_Destroy(l->nc);
        l->nc = NULL;
    }
    return s;
}

/* The stream, found or made (subjects prefix.>). */
static natsStatus ensure_stream(struct js_link *l, jsErrCode *jerr)
{
    jsStreamInfo *si = NULL;
    jsStreamConfig sc;
    char *subject;
    const char *subjects[1];
    natsStatus s = js_GetStreamInfo(&si, l->js, l->stream, NULL, jerr);

    if (s != NATS_NOT_FOUND) {
        jsStreamInfo_Destroy(si);
        return s;
    }
    subject = xasprintf("%s.>", l->prefix);
    subjects[0] = subject;
    jsStreamConfig_Init(&sc);
    sc.Name = l->stream;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Replicas = l->replicas;
    sc.Duplicates = l->duplicate_window * 1000000000LL;
    *jerr = 0;
    s = js_AddStream(&si, l->js, &sc, NULL, jerr);
    jsStreamInfo_Destroy(si);
    free(subject);
    return s;
}

/* Wait on the condition up to ms, or until signalled.  Under mu. */
static void wait_ms(struct js_link *l, int64_t ms)
{
    nd_cond_wait_ms(&l->cv, &l->mu, ms);
}

/* Under mu: every queued message fails (no connection, no stream). */
static void fail_queued(struct js_link *l)
{
    for (size_t i = 0; i < l->n_out; i++) {
        push_result(l, l->out[i].seq, 0);
        free_item(&l->out[i]);
    }
    if (l->n_out)
        wake_loop(l);
    l->n_out = 0;
}

static void publish_one(struct js_link *l, struct js_item *it)
{
    natsMsg *msg = NULL;
    jsPubOptions po;
    char seq[24];
    natsStatus s;

    snprintf(seq, sizeof(seq), "%lld", (long long)it->seq);
    jsPubOptions_Init(&po);
    po.MsgId = it->msgid;
    po.MaxWait = JS_ACK_WAIT_MS;
    s = natsMsg_Create(&msg, it->subject, NULL, it->data, (int)strlen(it->data));
    if (s == NATS_OK)
        s = natsMsgHeader_Set(msg, "Newsd-Seq", seq);
    if (s == NATS_OK)
        s = js_PublishMsgAsync(l->js, &msg, &po);
    natsMsg_Destroy(msg); /* NULL when libnats took it */
    if (s != NATS_OK) {
        pthread_mutex_lock(&l->mu);
        push_result(l, it->seq, 0);
        set_error(l, "publish", s, 0);
        pthread_mutex_unlock(&l->mu);
        wake_loop(l);
    }
}

/* Connected, stream there: publish what is queued.  Called and returns under mu. */
static void publish_queued(struct js_link *l)
{
    struct js_item *items = l->out;
    size_t n = l->n_out;

    l->out = NULL;
    l->n_out = l->cap_out = 0;
    pthread_mutex_unlock(&l->mu);
    for (size_t i = 0; i < n; i++) {
        publish_one(l, &items[i]);
        free_item(&items[i]);
    }
    free(items);
    pthread_mutex_lock(&l->mu);
}

/* Under mu, returns under mu: connect if not connected, then find or make the stream. */
static int get_ready(struct js_link *l)
{
    natsStatus s;
    jsErrCode jerr = 0;

    if (l->nc == NULL) {
        pthread_mutex_unlock(&l->mu);
        s = connect_once(l);
        pthread_mutex_lock(&l->mu);
        if (s != NATS_OK) {
            set_error(l, "connect", s, 0);
            return 0;
        }
        l->connected = 1;
    }
    if (!l->connected)
        return 0; /* libnats is reconnecting */
    pthread_mutex_unlock(&l->mu);
    s = ensure_stream(l, &jerr);
    pthread_mutex_lock(&l->mu);
    if (s != NATS_OK) {
        set_error(l, "stream", s, jerr);
        return 0;
    }
    l->stream_ok = 1;
    l->st.error[0] = '\0';
    set_ready(l, 1);
    wake_loop(l);
    return 1;
}

static void *thread_main(void *arg)
{
    struct js_link *l = arg;

    pthread_mutex_lock(&l->mu);
    while (!l->quit) {
        if (!l->stream_ok && !get_ready(l)) {
            fail_queued(l);
            wake_loop(l); /* the error changed */
            if (!l->quit)
                wait_ms(l, RETRY_MS);
            continue;
        }
        if (l->n_out)
            publish_queued(l);
        else
            wait_ms(l, RETRY_MS);
    }
    fail_queued(l);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static void copy_str(char **dst, const char *src)
{
    *dst = src ? xstrdup(src) : NULL;
}

struct js_link *js_link_start(const struct nd_nats_conf *cfg, char *err, size_t errlen)
{
    struct js_link *l = xcalloc(1, sizeof(*l));

    for (size_t i = 0; i < cfg->servers.n; i++)
        nd_strv_push(&l->servers, cfg->servers.v[i]);
    copy_str(&l->stream, cfg->stream);
    copy_str(&l->prefix, cfg->subject_prefix);
    copy_str(&l->credentials, cfg->credentials);
    copy_str(&l->tls_ca, cfg->tls_ca);
    copy_str(&l->tls_cert, cfg->tls_cert);
    copy_str(&l->tls_key, cfg->tls_key);
    l->replicas = cfg->replicas;
    l->duplicate_window = cfg->duplicate_window;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->efd < 0) {
        snprintf(err, errlen, "nats: eventfd: %s", strerror(errno));
        goto fail;
    }
    if (nd_nats_open() != 0) {
        snprintf(err, errlen, "nats: cannot start the library");
        goto fail;
    }
    if (pthread_create(&l->thread, NULL, thread_main, l) != 0) {
        snprintf(err, errlen, "nats: cannot start a thread");
        nd_nats_close();
        goto fail;
    }
    return l;
fail:
    l->quit = -1; /* no thread to join */
    js_link_free(l);
    return NULL;
}

void js_link_stop(struct js_link *l)
{
    if (l->quit == -1)
        return;
    pthread_mutex_lock(&l->mu);
    l->quit = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    /* acknowledgements still on their way are dropped: those rows are sent again; libnats's
     * threads may still call the connection callbacks: wait (5 s at most) until they cannot */
    if (l->nc) {
        int64_t end = nd_mono_ms() + 5000;
        natsConnection_Close(l->nc);
        pthread_mutex_lock(&l->mu);
        while (!l->closed && nd_mono_ms() < end)
            nd_cond_wait_ms(&l->cv, &l->mu, 100);
        pthread_mutex_unlock(&l->mu);
    }
    jsCtx_Destroy(l->js);
    l->js = NULL;
    natsConnection_Destroy(l->nc);
    l->nc = NULL;
    nd_nats_close();
    l->quit = -1;
}

void js_link_free(struct js_link *l)
{
    if (l == NULL)
        return;
    js_link_stop(l);
    for (size_t i = 0; i < l->n_out; i++)
        free_item(&l->out[i]);
    free(l->out);
    free(l->back);
    if (l->efd >= 0)
        close(l->efd);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    nd_strv_free(&l->servers);
    free(l->stream);
    free(l->prefix);
    free(l->credentials);
    free(l->tls_ca);
    free(l->tls_cert);
    free(l->tls_key);
    free(l);
}

int js_link_fd(const struct js_link *l)
{
    return l->efd;
}

void js_link_send(struct js_link *l, int64_t seq, const char *subject, const char *msgid,
                  const char *data)
{
    pthread_mutex_lock(&l->mu);
    if (l->n_out == l->cap_out) {
        l->cap_out = l->cap_out ? l->cap_out * 2 : 256;
        l->out = xrealloc(l->out, l->cap_out * sizeof(*l->out));
    }
    l->out[l->n_out++] = (struct js_item){seq, xstrdup(subject), xstrdup(msgid), xstrdup(data)};
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

size_t js_link_take(struct js_link *l, struct js_result **out, struct js_state *state)
{
    size_t n;

    nd_efd_drain(l->efd);
    pthread_mutex_lock(&l->mu);
    *out = l->back;
    n = l->n_back;
    l->back = NULL;
    l->n_back = l->cap_back = 0;
    *state = l->st;
    l->st.changed = 0;
    pthread_mutex_unlock(&l->mu);
    return n;
}
