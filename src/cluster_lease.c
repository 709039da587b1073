/*
 * cluster_lease.c: cluster mode's slot leases and shared poll states
 * (cluster.h), on a NATS thread of their own.
 *
 * The bucket (JetStream key-value, History 1) has a TTL of lease_ttl:
 * nats-server 2.9 has no per-key TTL, so every key expires unless it is
 * written again.  Keys: "node.<name>" (a live node, with the number of slots
 * it holds) and "slot.<n>" (the slot's holder: its node name), both written
 * only at the revision this node last wrote.  A round, every third of the
 * TTL:
 *   1. write this node's key (node_key: at start, a key with this name
 *      already there is watched for half a TTL first: a killed run's slots
 *      are adopted, a live twin's name makes this node claim nothing);
 *   2. renew each held slot (update at its last revision): a refusal means
 *      the lease was lost (expired, taken), and the slot is dropped at once;
 *      a slot that could not be renewed for 5/6 of the TTL by this node's
 *      clock is dropped too, before the bucket lets another node claim it
 *      (the loop keeps that deadline too, with a timer);
 *   3. list the keys: the live nodes (and the counts they announced) and the
 *      taken slots;
 *   4. balance (nd_cluster_balance): claim free slots (create-if-absent) up
 *      to this node's share, release (delete) what is above it or what a
 *      node left short needs; read the poll states of the sources of the
 *      slots claimed from "<bucket>-state" for the loop.
 * Between rounds it writes the poll states the loop queued.  Each change
 * of the held slots goes to the loop (under the mutex, and a write to the
 * eventfd) before a released slot's key is deleted.  At a clean stop every
 * lease is released.  The thread never logs; the loop logs changes of
 * state.  (Past 900 lines: the poll states are the part to move out, to a
 * cluster_state.c, when this grows.)
 */
#include <errno.h>
#include <inttypes.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "js_int.h"
#include "newsd/cluster.h"
#include "newsd/log.h"

#define RETRY_MS   1000 /* between connection or bucket attempts */
#define REQUEST_MS 2000 /* a key-value request waits this long for its answer */

/* What the thread shows the loop (under mu), and the loop's copy of it. */
struct cl_state {
    int64_t deadline; /* nd_mono_ms(): the leases held may expire after this (0: none held) */
    int connected;
    uint32_t held;
    size_t live;
    int64_t last_renewal; /* Unix seconds */
    char error[256];
};

/* A source id with a poll state (JSON) or a slot. */
struct cl_kv {
    char *id;
    char *json;
    uint32_t slot;
};

static void kv_free(struct cl_kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].json);
    }
    free(v);
}

struct nd_cluster {
    /* the loop's */
    struct nd_loop *loop;
    struct nd_watch *watch;
    nd_cluster_slots_fn fn;
    void *arg;
    uint8_t *given;                     /* the held slots as last given to fn */
    uint8_t *next;                      /* the thread's, as last taken */
    struct nd_cluster_node *seen_nodes; /* the thread's nodes, as last taken */
    size_t n_seen_nodes;
    struct cl_state seen;
    struct nd_loop_timer expiry; /* at seen.deadline: the loop drops the slots itself */

    /* settings, copied */
    char *node, *bucket, *state_bucket;
    struct nd_strv servers;
    struct nd_nats_conf files; /* credentials and TLS files only */
    int64_t ttl_ms;
    uint32_t slots;
    int replicas;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int efd;
    int started;
    /* under mu */
    uint8_t *shown;     /* the held slots, for the loop */
    struct cl_kv *puts; /* poll states to write, one per source */
    size_t n_puts, cap_puts;
    struct cl_kv *got; /* poll states read at claims, for the loop */
    size_t n_got, cap_got;
    struct cl_kv *sources; /* the configuration's: id and slot (json unused) */
    size_t n_sources;
    struct nd_cluster_node *nodes; /* the live nodes of the last listing */
    size_t n_nodes;
    struct cl_state st;
    int quit;

    /* the thread's */
    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
    kvStore *state_kv;  /* "<bucket>-state": poll states, no TTL */
    int up;             /* the last write to the bucket went through */
    uint64_t node_rev;  /* of this node's key as it last wrote it, 0 before */
    uint64_t found_rev; /* of a key with this node's name found at start, 0 if none */
    int adopt;          /* take back the slots a killed run of this node held */
    uint8_t *held, *taken;
    uint64_t *rev;    /* of each held slot's key */
    int64_t *renewed; /* nd_mono_ms() of each held slot's last renewal */
    uint32_t *order;  /* this node's preference */
    uint32_t *claim, *release;
    uint32_t *loads; /* the slot counts the live nodes announced, n_loads of them */
    size_t n_loads, cap_loads;
    struct nd_cluster_node *found; /* the same with their names, for status */
    size_t cap_found;
};

static void wake_loop(struct nd_cluster *c)
{
    uint64_t one = 1;

    if (write(c->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return; /* the counter is full: the loop is awake anyway */
}

/* Under mu. */
static void set_error(struct nd_cluster *c, const char *what, natsStatus s)
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

/* The thread's held slots go to the loop. */
static void show(struct nd_cluster *c, size_t live, int renewed_all)
{
    uint32_t n = 0;
    int64_t deadline = 0;

    for (uint32_t s = 0; s < c->slots; s++)
        if (c->held[s]) {
            n++;
            if (deadline == 0 || c->renewed[s] + c->ttl_ms * 5 / 6 < deadline)
                deadline = c->renewed[s] + c->ttl_ms * 5 / 6;
        }
    pthread_mutex_lock(&c->mu);
    c->st.deadline = deadline;
    memcpy(c->shown, c->held, c->slots);
    c->st.connected = c->kv != NULL && c->up;
    c->st.held = n;
    if (live)
        c->st.live = live;
    if (renewed_all)
        c->st.last_renewal = nd_now();
    pthread_mutex_unlock(&c->mu);
    wake_loop(c);
}

static void drop_connection(struct nd_cluster *c)
{
    kvStore_Destroy(c->kv);
    c->kv = NULL;
    kvStore_Destroy(c->state_kv);
    c->state_kv = NULL;
    jsCtx_Destroy(c->js);
    c->js = NULL;
    natsConnection_Destroy(c->nc);
    c->nc = NULL;
}

/* Connect, then find the bucket or make it.  0, or -1 with the error set. */
static int get_bucket(struct nd_cluster *c)
{
    natsOptions *o = NULL;
    jsOptions jo;
    kvConfig kc;
    const char *what = "connect";
    natsStatus s = nd_nats_options(&c->servers, c->node, &c->files, &o);

    if (s == NATS_OK && c->nc == NULL)
        s = natsConnection_Connect(&c->nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK && c->js == NULL) {
        jsOptions_Init(&jo);
        jo.Wait = REQUEST_MS;
        s = natsConnection_JetStream(&c->js, c->nc, &jo);
    }
    if (s == NATS_OK) {
        what = "bucket";
        s = js_KeyValue(&c->kv, c->js, c->bucket);
        if (s == NATS_NOT_FOUND) {
            kvConfig_Init(&kc);
            kc.Bucket = c->bucket;
            kc.History = 1;
            kc.TTL = c->ttl_ms * 1000000LL; /* nanoseconds, as the stream's max age */
            kc.StorageType = js_FileStorage;
            kc.Replicas = c->replicas;
            s = js_CreateKeyValue(&c->kv, c->js, &kc);
        }
    }
    if (s == NATS_OK) {
        s = js_KeyValue(&c->state_kv, c->js, c->state_bucket);
        if (s == NATS_NOT_FOUND) {
            kvConfig_Init(&kc);
            kc.Bucket = c->state_bucket;
            kc.History = 1;
            kc.StorageType = js_FileStorage;
            kc.Replicas = c->replicas;
            s = js_CreateKeyValue(&c->state_kv, c->js, &kc);
        }
    }
    if (s == NATS_OK)
        return 0;
    pthread_mutex_lock(&c->mu);
    set_error(c, what, s);
    pthread_mutex_unlock(&c->mu);
    drop_connection(c);
    return -1;
}

/* Did this failure say the key is not as we left it (not a timeout or a lost connection)? */
static int refused(natsStatus s)
{
    return s != NATS_TIMEOUT && s != NATS_CONNECTION_CLOSED && s != NATS_CONNECTION_DISCONNECTED &&
           s != NATS_NO_SERVER && s != NATS_NOT_YET_CONNECTED && s != NATS_NO_RESPONDERS &&
           s != NATS_STALE_CONNECTION && s != NATS_IO_ERROR;
}

static void slot_key(char *key, size_t len, uint32_t s)
{
    snprintf(key, len, "slot.%" PRIu32, s);
}

/*
 * Renew every held slot; drop the ones refused and the ones past their
 * deadline.  After a timeout or a lost connection the rest are not tried
 * (each would wait REQUEST_MS), only checked against their deadline.
 * 1 when every one was renewed.
 */
static int renew(struct nd_cluster *c, int64_t now)
{
    char key[32];
    uint64_t rev;
    int all = 1, down = 0;

    for (uint32_t s = 0; s < c->slots; s++) {
        natsStatus st = NATS_TIMEOUT;
        if (!c->held[s])
            continue;
        slot_key(key, sizeof(key), s);
        if (!down)
            st = kvStore_UpdateString(&rev, c->kv, key, c->node, c->rev[s]);
        if (st == NATS_OK) {
            c->rev[s] = rev;
            c->renewed[s] = now;
            continue;
        }
        all = 0;
        down |= !refused(st);
        if (refused(st) || now - c->renewed[s] > c->ttl_ms * 5 / 6)
            c->held[s] = 0; /* lost, or about to be: another node may have it */
    }
    return all;
}

/* The slot count a live node announced in the value of its key (none if it cannot be read). */
static void add_load(struct nd_cluster *c, const char *key)
{
    kvEntry *e = NULL;
    const char *v;
    char *end;
    unsigned long n;

    if (kvStore_Get(&e, c->kv, key) != NATS_OK)
        return;
    v = kvEntry_ValueString(e);
    n = v ? strtoul(v, &end, 10) : 0;
    if (v && end != v && n <= c->slots) {
        if (c->n_loads == c->cap_loads) {
            c->cap_loads = c->cap_loads ? 2 * c->cap_loads : 16;
            c->loads = xrealloc(c->loads, c->cap_loads * sizeof(*c->loads));
            c->found = xrealloc(c->found, c->cap_loads * sizeof(*c->found));
        }
        snprintf(c->found[c->n_loads].name, sizeof(c->found[0].name), "%s", key + 5);
        c->found[c->n_loads].held = (uint32_t)n;
        c->loads[c->n_loads++] = (uint32_t)n;
    }
    kvEntry_Destroy(e);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct nd_cluster_node *)a)->name,
                  ((const struct nd_cluster_node *)b)->name);
}

/* The keys of the bucket: taken slots and live nodes.  -1 when they cannot be listed. */
static int view(struct nd_cluster *c, size_t *live)
{
    kvKeysList list = {0};
    kvWatchOptions wo;
    natsStatus s;

    memset(c->taken, 0, c->slots);
    *live = 0;
    kvWatchOptions_Init(&wo);
    wo.Timeout = REQUEST_MS;
    s = kvStore_Keys(&list, c->kv, &wo);
    if (s == NATS_NOT_FOUND)
        return 0; /* an empty bucket */
    if (s != NATS_OK) {
        pthread_mutex_lock(&c->mu);
        set_error(c, "listing the keys", s);
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    c->n_loads = 0;
    for (int i = 0; i < list.Count; i++) {
        const char *k = list.Keys[i];
        char *end;
        unsigned long n;
        if (strncmp(k, "node.", 5) == 0) {
            (*live)++;
            add_load(c, k);
        } else if (strncmp(k, "slot.", 5) == 0) {
            n = strtoul(k + 5, &end, 10);
            if (*end == '\0' && end != k + 5 && n < c->slots)
                c->taken[n] = 1;
        }
    }
    kvKeysList_Destroy(&list);
    qsort(c->found, c->n_loads, sizeof(*c->found), by_name);
    pthread_mutex_lock(&c->mu);
    c->nodes = xrealloc(c->nodes, (c->n_loads ? c->n_loads : 1) * sizeof(*c->nodes));
    memcpy(c->nodes, c->found, c->n_loads * sizeof(*c->nodes));
    c->n_nodes = c->n_loads;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* Delete a slot's key: 0, or -1 when the server did not answer (then it expires). */
static int release(struct nd_cluster *c, uint32_t s)
{
    char key[32];
    natsStatus st;

    slot_key(key, sizeof(key), s);
    st = kvStore_Delete(c->kv, key);
    return st == NATS_OK || refused(st) ? 0 : -1;
}

/* Without a connection: drop the slots whose leases may have expired. */
static void expire(struct nd_cluster *c)
{
    int64_t now = nd_mono_ms();

    for (uint32_t s = 0; s < c->slots; s++)
        if (c->held[s] && now - c->renewed[s] > c->ttl_ms * 5 / 6)
            c->held[s] = 0;
    show(c, 0, 0);
}

static void kv_push(struct cl_kv **v, size_t *n, size_t *cap, char *id, char *json)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *v = xrealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = (struct cl_kv){id, json, 0};
}

/*
 * The poll states of the sources of the slots just claimed (came[s]), read
 * from the state bucket for the loop, before it learns of the slots.
 */
static void read_states(struct nd_cluster *c, const uint8_t *came)
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
            kv_push(&c->got, &c->n_got, &c->cap_got, src[i].id, xstrdup(kvEntry_ValueString(e)));
            src[i].id = NULL;
            pthread_mutex_unlock(&c->mu);
        }
        kvEntry_Destroy(e);
        if (s != NATS_OK && !refused(s))
            break; /* no server: the sources start from the state this node has */
    }
    kv_free(src, n);
}

/* Write the poll states queued; after a failure the rest are dropped (the next polls write). */
static void write_states(struct nd_cluster *c)
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
    for (size_t i = 0; i < n && (s == NATS_OK || refused(s)); i++) {
        snprintf(key, sizeof(key), "state.%s", puts[i].id);
        s = kvStore_PutString(NULL, c->state_kv, key, puts[i].json);
    }
    kv_free(puts, n);
}

static uint32_t held_count(const struct nd_cluster *c)
{
    uint32_t n = 0;

    for (uint32_t s = 0; s < c->slots; s++)
        n += c->held[s];
    return n;
}

/*
 * Write this node's key (the number of slots it holds), only at the
 * revision it last wrote, so that another process with the same name
 * cannot go unnoticed.  At start (or when the key changed under it) a key
 * with this name that is there is left alone for half a TTL: unchanged,
 * its writer is gone (this node's last run, killed) and the slots it held
 * are adopted; renewed meanwhile, another newsd runs with this name and
 * this one claims nothing.  0: go on with the round; 1: the round is over
 * (wait half a TTL); -1: no server (*st says why).
 */
static int node_key(struct nd_cluster *c, natsStatus *st)
{
    char key[80], count[16];
    kvEntry *e = NULL;
    uint64_t rev = 0, found;

    snprintf(key, sizeof(key), "node.%s", c->node);
    snprintf(count, sizeof(count), "%" PRIu32, held_count(c));
    if (c->node_rev) {
        *st = kvStore_UpdateString(&rev, c->kv, key, count, c->node_rev);
        if (*st == NATS_OK) {
            c->node_rev = rev;
            return 0;
        }
        if (!refused(*st))
            return -1;
        c->node_rev = 0; /* written by someone else, or expired: look again */
    }
    *st = kvStore_Get(&e, c->kv, key);
    found = *st == NATS_OK ? kvEntry_Revision(e) : 0;
    kvEntry_Destroy(e);
    if (*st == NATS_NOT_FOUND) {
        *st = kvStore_CreateString(&rev, c->kv, key, count);
        if (*st == NATS_OK) {
            c->node_rev = rev;
            c->found_rev = 0;
            return 0;
        }
        return refused(*st) ? 1 : -1; /* created by another at the same moment */
    }
    if (*st != NATS_OK)
        return -1;
    if (c->found_rev != found) {
        if (c->found_rev) {
            pthread_mutex_lock(&c->mu);
            snprintf(c->st.error, sizeof(c->st.error),
                     "another newsd runs as node %s: this one polls nothing while it does",
                     c->node);
            pthread_mutex_unlock(&c->mu);
        }
        c->found_rev = found;
        return 1;
    }
    *st = kvStore_UpdateString(&rev, c->kv, key, count, found);
    if (*st != NATS_OK)
        return refused(*st) ? 1 : -1;
    c->node_rev = rev;
    c->found_rev = 0;
    c->adopt = 1;
    return 0;
}

/* After a kill -9 and a restart: the slots whose keys still name this node are its own. */
static void adopt(struct nd_cluster *c, int64_t now)
{
    char key[32];
    kvEntry *e;
    uint64_t rev;
    natsStatus s;

    c->adopt = 0;
    for (uint32_t n = 0; n < c->slots; n++) {
        if (!c->taken[n] || c->held[n])
            continue;
        e = NULL;
        slot_key(key, sizeof(key), n);
        s = kvStore_Get(&e, c->kv, key);
        if (s == NATS_OK && kvEntry_ValueString(e) &&
            strcmp(kvEntry_ValueString(e), c->node) == 0 &&
            kvStore_UpdateString(&rev, c->kv, key, c->node, kvEntry_Revision(e)) == NATS_OK) {
            c->held[n] = 1;
            c->rev[n] = rev;
            c->renewed[n] = now;
        }
        kvEntry_Destroy(e);
        if (s != NATS_OK && !refused(s))
            return;
    }
}

/* One round; returns the milliseconds until the next. */
static int64_t round_once(struct nd_cluster *c)
{
    char key[80];
    int64_t now = nd_mono_ms();
    struct nd_cluster_moves m = {c->claim, 0, c->release, 0};
    natsStatus s = NATS_OK;
    size_t live;
    int all, rc = node_key(c, &s);

    c->up = rc >= 0;
    if (rc < 0) { /* no server: the leases only age */
        pthread_mutex_lock(&c->mu);
        set_error(c, "renewing the node key", s);
        pthread_mutex_unlock(&c->mu);
        expire(c);
        return c->ttl_ms / 3;
    }
    if (rc > 0) {
        show(c, 0, 0);
        return c->ttl_ms / 2;
    }
    all = renew(c, now);
    if (view(c, &live) != 0) {
        show(c, 0, 0);
        return c->ttl_ms / 3;
    }
    if (live == 0)
        live = 1; /* this node, whose key the listing missed */
    if (c->adopt)
        adopt(c, now);
    nd_cluster_balance(c->order, c->slots, c->held, c->taken, live, c->loads, c->n_loads, &m);
    for (size_t i = 0; i < m.n_release; i++)
        c->held[m.release[i]] = 0;
    show(c, live, all); /* the loop lets go of them before another node can claim them */
    for (size_t i = 0; i < m.n_release; i++)
        if (release(c, m.release[i]) != 0)
            break;                 /* no server: the rest expire */
    memset(c->taken, 0, c->slots); /* now: the slots claimed in this round */
    for (size_t i = 0; i < m.n_claim; i++) {
        uint64_t rev;
        slot_key(key, sizeof(key), m.claim[i]);
        s = kvStore_CreateString(&rev, c->kv, key, c->node);
        if (s == NATS_OK) {
            c->held[m.claim[i]] = 1;
            c->taken[m.claim[i]] = 1;
            c->rev[m.claim[i]] = rev;
            c->renewed[m.claim[i]] = now;
        } else if (!refused(s)) {
            break; /* no server: the next round tries again */
        }
    }
    if (m.n_claim)
        read_states(c, c->taken);
    pthread_mutex_lock(&c->mu);
    c->st.error[0] = '\0';
    pthread_mutex_unlock(&c->mu);
    show(c, live, all);
    return c->ttl_ms / 3;
}

/* Clean stop: the other nodes may take every slot at once. */
static void release_all(struct nd_cluster *c)
{
    char key[80];

    if (c->kv == NULL)
        return;
    for (uint32_t s = 0; s < c->slots; s++)
        if (c->held[s]) {
            c->held[s] = 0;
            if (release(c, s) != 0)
                return; /* no server: do not wait REQUEST_MS a slot, they expire */
        }
    snprintf(key, sizeof(key), "node.%s", c->node);
    if (kvStore_Delete(c->kv, key) != NATS_OK)
        return; /* it expires */
}

/* Wait on the condition up to ms, or until signalled.  Under mu. */
static void wait_ms(struct nd_cluster *c, int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

static void *thread_main(void *arg)
{
    struct nd_cluster *c = arg;
    int64_t next_round = 0, now;

    pthread_mutex_lock(&c->mu);
    while (!c->quit) {
        pthread_mutex_unlock(&c->mu);
        now = nd_mono_ms();
        if (c->kv == NULL && get_bucket(c) != 0) {
            expire(c);
            next_round = now + RETRY_MS;
        } else {
            write_states(c);
            if (now >= next_round) {
                int64_t wait = round_once(c);
                next_round = nd_mono_ms() + wait;
            }
        }
        pthread_mutex_lock(&c->mu);
        now = nd_mono_ms();
        if (!c->quit && (c->n_puts == 0 || c->kv == NULL) && now < next_round)
            wait_ms(c, next_round - now);
    }
    pthread_mutex_unlock(&c->mu);
    release_all(c);
    drop_connection(c);
    return NULL;
}

/* --- the loop's side --- */

static void log_state(struct nd_cluster *c, const struct cl_state *st)
{
    if (st->connected != c->seen.connected && st->connected)
        log_info("cluster: node %s connected, bucket %s", c->node, c->bucket);
    if (st->held != c->seen.held || st->live != c->seen.live)
        log_info("cluster: node %s holds %" PRIu32 " of %" PRIu32 " slots (%zu live %s)", c->node,
                 st->held, c->slots, st->live, nd_plural((long long)st->live, "node", "nodes"));
    if (strcmp(st->error, c->seen.error) != 0 && st->error[0])
        log_warnx("cluster: %s", st->error);
}

/*
 * Give the poller the slots the thread holds, unless their leases may have
 * expired by now (the thread may be stuck in a request to a server that
 * does not answer): then none, before the bucket can give them to another
 * node.  The expiry timer runs this again at the deadline.
 */
static void apply(struct nd_cluster *c)
{
    struct cl_state st;
    int64_t now = nd_mono_ms();
    struct cl_kv *got;
    size_t n_got, n_states = 0;
    struct nd_cluster_state *states;

    pthread_mutex_lock(&c->mu);
    memcpy(c->next, c->shown, c->slots);
    st = c->st;
    got = c->got;
    n_got = c->n_got;
    c->seen_nodes = xrealloc(c->seen_nodes, (c->n_nodes ? c->n_nodes : 1) * sizeof(*c->seen_nodes));
    if (c->n_nodes)
        memcpy(c->seen_nodes, c->nodes, c->n_nodes * sizeof(*c->nodes));
    c->n_seen_nodes = c->n_nodes;
    c->got = NULL;
    c->n_got = c->cap_got = 0;
    pthread_mutex_unlock(&c->mu);
    states = xcalloc(n_got ? n_got : 1, sizeof(*states));
    for (size_t i = 0; i < n_got; i++) {
        if (nd_cluster_state_decode(got[i].json, &states[n_states].st) != ND_OK) {
            log_warnx("cluster: the poll state of source %s in bucket %s is not JSON: ignored",
                      got[i].id, c->state_bucket);
            continue;
        }
        states[n_states++].id = got[i].id;
    }
    if (st.deadline <= now) {
        if (st.held && c->seen.deadline > 0)
            log_warnx("cluster: node %s could not renew its leases in time: it polls nothing "
                      "until it can",
                      c->node);
        memset(c->next, 0, c->slots);
        st.held = 0;
        st.deadline = 0;
        st.connected = 0; /* as far as the leases go: they cannot be renewed */
    }
    log_state(c, &st);
    c->seen = st;
    if (st.deadline)
        nd_loop_timer_at(c->loop, &c->expiry, st.deadline);
    else
        nd_loop_timer_cancel(c->loop, &c->expiry);
    if (memcmp(c->given, c->next, c->slots) != 0 || n_states) {
        memcpy(c->given, c->next, c->slots);
        c->fn(c->arg, c->given, c->slots, states, n_states);
    }
    for (size_t i = 0; i < n_states; i++)
        nd_source_state_clear(&states[i].st);
    free(states);
    kv_free(got, n_got);
}

static void on_expiry(void *arg)
{
    apply(arg);
}

static void on_link(void *arg, int revents)
{
    struct nd_cluster *c = arg;
    uint64_t v;

    if (read(c->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        v = 0;
    apply(c);
}

void nd_cluster_set_sources(struct nd_cluster *c, const struct nd_config *cfg)
{
    struct cl_kv *v = xcalloc(cfg->n_sources ? cfg->n_sources : 1, sizeof(*v)), *old;
    size_t n_old;

    for (size_t i = 0; i < cfg->n_sources; i++) {
        v[i].id = xstrdup(cfg->sources[i].id);
        v[i].slot = nd_cluster_slot(v[i].id, c->slots);
    }
    pthread_mutex_lock(&c->mu);
    old = c->sources;
    n_old = c->n_sources;
    c->sources = v;
    c->n_sources = cfg->n_sources;
    pthread_mutex_unlock(&c->mu);
    kv_free(old, n_old);
}

void nd_cluster_put_state(struct nd_cluster *c, const char *id, const struct nd_source_state *st)
{
    char *json = nd_cluster_state_encode(st);

    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n_puts; i++)
        if (strcmp(c->puts[i].id, id) == 0) { /* not written yet: the newer one goes */
            free(c->puts[i].json);
            c->puts[i].json = json;
            json = NULL;
            break;
        }
    if (json)
        kv_push(&c->puts, &c->n_puts, &c->cap_puts, xstrdup(id), json);
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

int nd_cluster_new(struct nd_loop *loop, const struct nd_config *config, nd_cluster_slots_fn fn,
                   void *arg, struct nd_cluster **out, char *err, size_t errlen)
{
    struct nd_cluster *c = xcalloc(1, sizeof(*c));
    const struct nd_cluster_conf *cfg = &config->cluster;
    const struct nd_nats_conf *nats = &config->nats;
    uint32_t n = (uint32_t)cfg->slots;

    *out = NULL;
    c->loop = loop;
    c->fn = fn;
    c->arg = arg;
    c->node = xstrdup(cfg->node);
    c->bucket = xstrdup(cfg->bucket);
    c->state_bucket = xasprintf("%s-state", cfg->bucket);
    for (size_t i = 0; i < cfg->servers.n; i++)
        nd_strv_push(&c->servers, cfg->servers.v[i]);
    c->files.credentials = nats->credentials ? xstrdup(nats->credentials) : NULL;
    c->files.tls_ca = nats->tls_ca ? xstrdup(nats->tls_ca) : NULL;
    c->files.tls_cert = nats->tls_cert ? xstrdup(nats->tls_cert) : NULL;
    c->files.tls_key = nats->tls_key ? xstrdup(nats->tls_key) : NULL;
    c->ttl_ms = cfg->lease_ttl * 1000;
    c->slots = n;
    c->replicas = (int)cfg->replicas;
    c->given = xcalloc(n, 1);
    c->next = xcalloc(n, 1);
    nd_loop_timer_init(&c->expiry, on_expiry, c);
    c->shown = xcalloc(n, 1);
    c->held = xcalloc(n, 1);
    c->taken = xcalloc(n, 1);
    c->rev = xcalloc(n, sizeof(*c->rev));
    c->renewed = xcalloc(n, sizeof(*c->renewed));
    c->order = xcalloc(n, sizeof(*c->order));
    c->claim = xcalloc(n, sizeof(*c->claim));
    c->release = xcalloc(n, sizeof(*c->release));
    nd_cluster_order(c->node, n, c->order);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    nd_cluster_set_sources(c, config);
    c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (c->efd < 0) {
        snprintf(err, errlen, "cluster: eventfd: %s", strerror(errno));
        goto fail;
    }
    if (nd_nats_open() != 0) {
        snprintf(err, errlen, "cluster: cannot start the NATS library");
        goto fail;
    }
    if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        snprintf(err, errlen, "cluster: cannot start a thread");
        nd_nats_close();
        goto fail;
    }
    c->started = 1;
    c->watch = nd_loop_watch(loop, c->efd, NULL, ND_EV_IN, on_link, c);
    log_info("cluster: node %s, bucket %s on %s, %" PRIu32 " slots, leases of %lld s", c->node,
             c->bucket, c->servers.v[0], n, (long long)cfg->lease_ttl);
    *out = c;
    return ND_OK;
fail:
    nd_cluster_free(c);
    return ND_EINVAL;
}

void nd_cluster_free(struct nd_cluster *c)
{
    if (c == NULL)
        return;
    if (c->started) {
        nd_loop_unwatch(c->loop, c->watch);
        nd_loop_timer_cancel(c->loop, &c->expiry);
        pthread_mutex_lock(&c->mu);
        c->quit = 1;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL); /* releases the leases */
        nd_nats_close();
    }
    if (c->efd >= 0)
        close(c->efd);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->node);
    free(c->bucket);
    free(c->state_bucket);
    kv_free(c->puts, c->n_puts);
    kv_free(c->got, c->n_got);
    kv_free(c->sources, c->n_sources);
    nd_strv_free(&c->servers);
    free(c->files.credentials);
    free(c->files.tls_ca);
    free(c->files.tls_cert);
    free(c->files.tls_key);
    free(c->given);
    free(c->next);
    free(c->shown);
    free(c->held);
    free(c->taken);
    free(c->rev);
    free(c->renewed);
    free(c->order);
    free(c->claim);
    free(c->release);
    free(c->loads);
    free(c->found);
    free(c->nodes);
    free(c->seen_nodes);
    free(c);
}

void nd_cluster_status(const struct nd_cluster *c, struct nd_cluster_status *out)
{
    out->node = c->node;
    out->bucket = c->bucket;
    out->connected = c->seen.connected;
    out->slots = c->slots;
    out->held = c->seen.held;
    out->live = c->seen.live;
    out->last_renewal = c->seen.last_renewal;
    out->error = c->seen.error;
    out->nodes = c->seen_nodes;
    out->n_nodes = c->n_seen_nodes;
}

void nd_cluster_allow_claims(struct nd_cluster *c)
{
    (void)c; /* placeholder until the lease thread has its claim gate */
}
