/*
 * cluster_bucket.c: cluster mode's bucket I/O on the lease thread
 * (cluster_int.h): the connection and the buckets, the subscription that
 * follows the deletions of the bucket's keys, the stream's state for
 * status, and the poll states of "<bucket>-state".  The watcher of the
 * leases bucket is in cluster_view.c.  The rounds that use them are in
 * cluster_lease.c.  Nothing here logs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_int.h"
#include "js_int.h"

void cl_kv_free(struct cl_kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].json);
    }
    free(v);
}

void cl_kv_push(struct cl_kv **v, size_t *n, size_t *cap, char *id, char *json)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *v = xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = (struct cl_kv){id, json, 0};
}

void cl_nodes_reserve(struct cl_nodes *ns, size_t n, uint32_t slots)
{
    if (n <= ns->cap && ns->v)
        return;
    ns->cap = n > 2 * ns->cap ? n : 2 * ns->cap;
    if (ns->cap < 8)
        ns->cap = 8;
    ns->v = xrealloc(ns->v, ns->cap * sizeof(*ns->v));
    ns->bits = xrealloc(ns->bits, ns->cap * (size_t)slots);
}

void cl_nodes_copy(struct cl_nodes *dst, const struct cl_nodes *src, uint32_t slots)
{
    cl_nodes_reserve(dst, src->n, slots);
    dst->n = src->n;
    if (src->n == 0)
        return;
    memcpy(dst->v, src->v, src->n * sizeof(*src->v));
    memcpy(dst->bits, src->bits, src->n * (size_t)slots);
    for (size_t i = 0; i < src->n; i++)
        dst->v[i].slots = dst->bits + (src->v[i].slots - src->bits);
}

void cl_nodes_free(struct cl_nodes *ns)
{
    free(ns->v);
    free(ns->bits);
}

void cl_set_error(struct nd_cluster *c, const char *what, natsStatus s)
{
    natsStatus ls = NATS_OK;
    const char *last = nats_GetLastError(&ls);

    if (ls != s)
        last = NULL;                                   /* that text was about an earlier call */
    if (last && last[0] == '(' && strstr(last, "): ")) /* "(file.c:123): what" */
        last = strstr(last, "): ") + 3;
    snprintf(c->st.error, sizeof(c->st.error), "%s: %s", what,
             last && *last ? last : natsStatus_GetText(s));
}

void cl_fail(struct nd_cluster *c, const char *what, natsStatus s)
{
    pthread_mutex_lock(&c->mu);
    cl_set_error(c, what, s);
    pthread_mutex_unlock(&c->mu);
}

/* A key of the bucket deleted (a clean stop, a release for balance): a round now, to claim. */
static void on_key_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
    struct nd_cluster *c = arg;
    const char *op = NULL;

    if (natsMsgHeader_Get(msg, "KV-Operation", &op) == NATS_OK && op &&
        (strcmp(op, "DEL") == 0 || strcmp(op, "PURGE") == 0)) {
        pthread_mutex_lock(&c->mu);
        c->kick = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    natsMsg_Destroy(msg);
}

static void on_sub_done(void *arg)
{
    struct nd_cluster *c = arg;

    pthread_mutex_lock(&c->mu);
    c->sub_done = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Follow the deletions of the bucket's keys (a plain subscription: no consumer). */
static void follow_deletes(struct nd_cluster *c)
{
    char subject[128];

    snprintf(subject, sizeof(subject), "$KV.%s.>", c->bucket);
    c->sub_done = 0;
    if (natsConnection_Subscribe(&c->deletes, c->nc, subject, on_key_msg, c) != NATS_OK ||
        natsSubscription_SetOnCompleteCB(c->deletes, on_sub_done, c) != NATS_OK) {
        natsSubscription_Destroy(c->deletes); /* the rounds find the deletions anyway */
        c->deletes = NULL;
    }
}

/* Stop following, and wait (a few seconds at most) until the handler cannot run again. */
static void unfollow_deletes(struct nd_cluster *c)
{
    struct timespec ts;

    if (c->deletes == NULL)
        return;
    natsSubscription_Unsubscribe(c->deletes);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_mutex_lock(&c->mu);
    while (!c->sub_done)
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0)
            break;
    pthread_mutex_unlock(&c->mu);
    natsSubscription_Destroy(c->deletes);
    c->deletes = NULL;
}

void cl_drop_connection(struct nd_cluster *c)
{
    cl_view_drop(c);
    unfollow_deletes(c);
    kvStore_Destroy(c->kv);
    c->kv = NULL;
    kvStore_Destroy(c->state_kv);
    c->state_kv = NULL;
    jsCtx_Destroy(c->js);
    c->js = NULL;
    natsConnection_Destroy(c->nc);
    c->nc = NULL;
}

/* Find bucket name or make it (ttl_ms 0: no TTL). */
static natsStatus bucket(struct nd_cluster *c, kvStore **kv, const char *name, int64_t ttl_ms)
{
    kvConfig kc;
    natsStatus s = js_KeyValue(kv, c->js, name);

    if (s != NATS_NOT_FOUND)
        return s;
    kvConfig_Init(&kc);
    kc.Bucket = name;
    kc.History = 1;
    kc.TTL = ttl_ms * 1000000LL; /* nanoseconds, as the stream's max age */
    kc.StorageType = js_FileStorage;
    kc.Replicas = c->replicas;
    return js_CreateKeyValue(kv, c->js, &kc);
}

int cl_get_bucket(struct nd_cluster *c)
{
    natsOptions *o = NULL;
    jsOptions jo;
    const char *what = "connect";
    natsStatus s = nd_nats_options(&c->servers, c->node, &c->files, &o);

    if (s == NATS_OK && c->nc == NULL)
        s = natsConnection_Connect(&c->nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK && c->js == NULL) {
        jsOptions_Init(&jo);
        jo.Wait = CL_REQUEST_MS;
        s = natsConnection_JetStream(&c->js, c->nc, &jo);
    }
    if (s == NATS_OK) {
        what = "bucket";
        s = bucket(c, &c->kv, c->bucket, c->ttl_ms);
    }
    if (s == NATS_OK)
        s = bucket(c, &c->state_kv, c->state_bucket, 0);
    if (s == NATS_OK) {
        follow_deletes(c);
        return 0;
    }
    cl_fail(c, what, s);
    cl_drop_connection(c);
    return -1;
}

int cl_refused(natsStatus s)
{
    return s != NATS_TIMEOUT && s != NATS_CONNECTION_CLOSED && s != NATS_CONNECTION_DISCONNECTED &&
           s != NATS_NO_SERVER && s != NATS_NOT_YET_CONNECTED && s != NATS_NO_RESPONDERS &&
           s != NATS_STALE_CONNECTION && s != NATS_IO_ERROR;
}

void cl_slot_key(char *key, size_t len, uint32_t s)
{
    snprintf(key, len, "slot.%" PRIu32, s);
}

void cl_stream_info(struct nd_cluster *c)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;

    if (c->stream == NULL || c->js == NULL ||
        js_GetStreamInfo(&si, c->js, c->stream, NULL, &jerr) != NATS_OK)
        return; /* status shows the last state read */
    pthread_mutex_lock(&c->mu);
    c->st.stream = (struct nd_cluster_stream){1,
                                              si->State.Msgs,
                                              si->State.Bytes,
                                              si->State.FirstSeq,
                                              si->State.LastSeq,
                                              si->State.Consumers};
    pthread_mutex_unlock(&c->mu);
    jsStreamInfo_Destroy(si);
}

/*
 * The poll states of the sources of the slots just claimed (came[s]), read
 * from the state bucket for the loop, before it learns of the slots.
 */
void cl_read_states(struct nd_cluster *c, const uint8_t *came)
{
    char key[80];
    kvEntry *e;
    struct cl_kv *src;
    size_t n = 0;

    pthread_mutex_lock(&c->mu);
    src = xcalloc(c->n_sources ? c->n_sources : 1, sizeof(*src));
    for (size_t i = 0; i < c->n_sources; i++)
        if (came[c->sources[i].slot])
            src[n++].id = xstrdup(c->sources[i].id);
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++) {
        natsStatus s;
        e = NULL;
        snprintf(key, sizeof(key), "state.%s", src[i].id);
        s = kvStore_Get(&e, c->state_kv, key);
        if (s == NATS_OK && kvEntry_ValueString(e)) {
            pthread_mutex_lock(&c->mu);
            cl_kv_push(&c->got, &c->n_got, &c->cap_got, src[i].id, xstrdup(kvEntry_ValueString(e)));
            src[i].id = NULL;
            pthread_mutex_unlock(&c->mu);
        }
        kvEntry_Destroy(e);
        if (s != NATS_OK && !cl_refused(s))
            break; /* no server: the sources start from the state this node has */
    }
    cl_kv_free(src, n);
}

void cl_write_states(struct nd_cluster *c)
{
    char key[80];
    struct cl_kv *puts;
    size_t n;
    natsStatus s = NATS_OK;

    pthread_mutex_lock(&c->mu);
    puts = c->puts;
    n = c->n_puts;
    c->puts = NULL;
    c->n_puts = c->cap_puts = 0;
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n && (s == NATS_OK || cl_refused(s)); i++) {
        snprintf(key, sizeof(key), "state.%s", puts[i].id);
        s = kvStore_PutString(NULL, c->state_kv, key, puts[i].json);
    }
    cl_kv_free(puts, n);
}
