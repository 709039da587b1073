/*
 * cluster_lease.c: cluster mode's slot leases (cluster.h): the rounds on
 * a NATS thread of their own, and the loop's side.  The bucket I/O they
 * use is in cluster_bucket.c, the view of the bucket in cluster_view.c,
 * the loop's poll states in cluster_states.c.
 *
 * The bucket (JetStream key-value, History 1) has a TTL of lease_ttl:
 * nats-server 2.9 has no per-key TTL, so every key expires unless it is
 * written again.  Keys: "node.<name>" (a live node, with the slots it
 * holds: nd_cluster_node_encode) and "slot.<n>" (the slot's holder: its
 * node name), both written only at the revision this node last wrote.  A
 * round, every third of the TTL (and when the first slot another node
 * holds expires, to claim it then):
 *   1. write this node's key (node_key: at start, a key with this name
 *      already there is watched for half a TTL first: a killed run's slots
 *      are adopted, a live twin's name makes this node claim nothing);
 *   2. renew each held slot (update at its last revision); refused, the
 *      key is read: another holder (or gone and taken) drops the slot at
 *      once, gone and free claims it again, this node's name at a newer
 *      revision (a write that timed out but landed) is renewed at it;
 *   3. read the view of the bucket (cluster_view.c: a watcher kept open,
 *      expiries computed): the live nodes (the slots they announced, their
 *      lease ages) and the taken slots; read the stream's state;
 *   4. balance (nd_cluster_balance): claim free slots (create-if-absent) up
 *      to this node's share, release (delete) what is above it or what a
 *      node left short needs; read the poll states of the sources of the
 *      slots claimed from "<bucket>-state" for the loop.
 * When no server answers, or the bucket takes no writes (no quorum), the
 * held slots are kept and polled: no node can claim them without a write
 * either.  For two rounds after it writes again a node renews (or claims
 * back) its own slots only, so that the other nodes, whose keys may have
 * expired meanwhile too, renew theirs before anyone balances.  Until
 * nd_cluster_allow_claims, steps 2 and 4 are skipped.  A deletion of one
 * of the bucket's keys (another node stopping cleanly, or releasing for
 * balance) starts a round at once: a subscription, since the watcher is
 * read at rounds only (and, between them, at most every CL_PUMP_MS when
 * the thread wakes to write the poll states the loop queued).  Each change
 * of the held slots goes to the loop (under the mutex, and a write to the
 * eventfd) before a released slot's key is deleted.  At a clean stop every
 * lease is released.  The thread never logs; the loop logs changes of
 * state.
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

#include "cluster_int.h"
#include "js_int.h"
#include "newsd/log.h"

static void wake_loop(struct nd_cluster *c)
{
    nd_efd_wake(c->efd);
}

/* The thread's held slots go to the loop. */
static void show(struct nd_cluster *c, size_t live, int renewed_all)
{
    uint32_t n = 0;

    for (uint32_t s = 0; s < c->slots; s++)
        n += c->held[s];
    pthread_mutex_lock(&c->mu);
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

static void hold(struct nd_cluster *c, uint32_t s, uint64_t rev)
{
    c->held[s] = 1;
    c->rev[s] = rev;
}

/*
 * A held slot whose renewal was refused: read its key.  1: held again
 * (gone and claimed anew, or this node's name at a newer revision, renewed
 * at it); 0: lost (another node holds it); -1: no answer (kept).
 */
static int recheck(struct nd_cluster *c, uint32_t s, const char *key)
{
    kvEntry *e = NULL;
    uint64_t rev;
    natsStatus st = kvStore_Get(&e, c->kv, key);
    int mine =
        st == NATS_OK && kvEntry_ValueString(e) && strcmp(kvEntry_ValueString(e), c->node) == 0;

    if (mine)
        st = kvStore_UpdateString(&rev, c->kv, key, c->node, kvEntry_Revision(e));
    else if (st == NATS_NOT_FOUND) /* expired (during an outage) or deleted */
        st = kvStore_CreateString(&rev, c->kv, key, c->node);
    else if (st == NATS_OK)
        st = NATS_ERR; /* another holder */
    else
        st = NATS_TIMEOUT; /* the read failed: nothing is known */
    kvEntry_Destroy(e);
    if (st == NATS_OK) {
        hold(c, s, rev);
        return 1;
    }
    return cl_refused(st) ? 0 : -1;
}

/*
 * Renew every held slot (recheck the ones refused).  After a timeout or a
 * lost connection the rest are not tried (each would wait CL_REQUEST_MS)
 * and every slot is kept: without a quorum nobody can claim it.  1 when
 * every one was renewed.
 */
static int renew(struct nd_cluster *c)
{
    char key[32];
    uint64_t rev;
    int all = 1, down = 0;

    for (uint32_t s = 0; s < c->slots && !down; s++) {
        natsStatus st;
        if (!c->held[s])
            continue;
        cl_slot_key(key, sizeof(key), s);
        st = kvStore_UpdateString(&rev, c->kv, key, c->node, c->rev[s]);
        if (st == NATS_OK) {
            c->rev[s] = rev;
            continue;
        }
        all = 0;
        switch (cl_refused(st) ? recheck(c, s, key) : -1) {
        case 0:
            c->held[s] = 0; /* lost: another node has it */
            break;
        case -1:
            down = 1;
            break;
        }
    }
    return all && !down;
}

/* Delete a slot's key: 0, or -1 when the server did not answer (then it expires). */
static int release(struct nd_cluster *c, uint32_t s)
{
    char key[32];
    natsStatus st;

    cl_slot_key(key, sizeof(key), s);
    st = kvStore_Delete(c->kv, key);
    return st == NATS_OK || cl_refused(st) ? 0 : -1;
}

/*
 * Write this node's key at rev (0: create it).  *rev becomes the new
 * revision.  It claims when allowed to and not about to adopt (until then
 * the others do not count it as a node short of slots, and do not release
 * any for it).
 */
static natsStatus put_node_key(struct nd_cluster *c, const char *key, uint64_t *rev)
{
    int claims = atomic_load(&c->claims_allowed) && !c->adopt;
    char *v = nd_cluster_node_encode(c->held, c->slots, claims);
    natsStatus s = *rev ? kvStore_UpdateString(rev, c->kv, key, v, *rev)
                        : kvStore_CreateString(rev, c->kv, key, v);

    free(v);
    if (s == NATS_OK) {
        cl_view_wrote(c, *rev);
        memcpy(c->announced, c->held, c->slots);
        c->announced_claims = claims;
    }
    return s;
}

/* The round changed what the node key says: write it again now, not a round later. */
static void announce(struct nd_cluster *c)
{
    char key[80];
    uint64_t rev = c->node_rev;
    int claims = atomic_load(&c->claims_allowed) && !c->adopt;

    if (rev == 0 || (claims == c->announced_claims && memcmp(c->announced, c->held, c->slots) == 0))
        return;
    snprintf(key, sizeof(key), "node.%s", c->node);
    if (put_node_key(c, key, &rev) == NATS_OK)
        c->node_rev = rev; /* else the next round finds out why */
}

/* A key with this node's name is there (revision found): whose is it? */
static int node_key_found(struct nd_cluster *c, const char *key, uint64_t found, natsStatus *st)
{
    uint64_t rev = found;
    int64_t now = nd_mono_ms();

    if (c->found_rev == found && now - c->found_at < c->ttl_ms / 2)
        return 1; /* a round came early (a deletion, the claim gate): watch on */
    if (c->found_rev != found) {
        if (c->found_rev) {
            pthread_mutex_lock(&c->mu);
            snprintf(c->st.error, sizeof(c->st.error),
                     "another newsd runs as node %s: this one polls nothing while it does",
                     c->node);
            pthread_mutex_unlock(&c->mu);
        }
        c->found_rev = found;
        c->found_at = now;
        return 1;
    }
    c->adopt = 1; /* announced as not claiming until adopted */
    *st = put_node_key(c, key, &rev);
    if (*st != NATS_OK) {
        c->adopt = 0;
        return cl_refused(*st) ? 1 : -1;
    }
    c->node_rev = rev;
    c->found_rev = 0;
    return 0;
}

/*
 * Write this node's key (the slots it holds), only at the revision it last
 * wrote, so that another process with the same name cannot go unnoticed.
 * At start (or when the key changed under it) a key with this name that is
 * there is left alone for half a TTL: unchanged, its writer is gone (this
 * node's last run, killed) and the slots it held are adopted; renewed
 * meanwhile, another newsd runs with this name and this one claims
 * nothing.  0: go on with the round; 1: the round is over (wait half a
 * TTL); -1: no server (*st says why).
 */
static int node_key(struct nd_cluster *c, natsStatus *st)
{
    char key[80];
    kvEntry *e = NULL;
    uint64_t rev = c->node_rev, found;

    snprintf(key, sizeof(key), "node.%s", c->node);
    if (c->node_rev) {
        *st = put_node_key(c, key, &rev);
        if (*st == NATS_OK) {
            c->node_rev = rev;
            return 0;
        }
        if (!cl_refused(*st))
            return -1;
        c->node_rev = 0; /* written by someone else, or expired: look again */
    }
    *st = kvStore_Get(&e, c->kv, key);
    found = *st == NATS_OK ? kvEntry_Revision(e) : 0;
    kvEntry_Destroy(e);
    if (*st == NATS_NOT_FOUND) {
        rev = 0;
        *st = put_node_key(c, key, &rev);
        if (*st == NATS_OK) {
            c->node_rev = rev;
            c->found_rev = 0;
            return 0;
        }
        return cl_refused(*st) ? 1 : -1; /* created by another at the same moment */
    }
    if (*st != NATS_OK)
        return -1;
    return node_key_found(c, key, found, st);
}

/* After a kill -9 and a restart: the slots whose keys still name this node are its own. */
static void adopt(struct nd_cluster *c)
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
        cl_slot_key(key, sizeof(key), n);
        s = kvStore_Get(&e, c->kv, key);
        if (s == NATS_OK && kvEntry_ValueString(e) &&
            strcmp(kvEntry_ValueString(e), c->node) == 0 &&
            kvStore_UpdateString(&rev, c->kv, key, c->node, kvEntry_Revision(e)) == NATS_OK)
            hold(c, n, rev);
        kvEntry_Destroy(e);
        if (s != NATS_OK && !cl_refused(s))
            return;
    }
}

/* Step 4 of a round: releases and claims.  The number of claims refused. */
static int balance(struct nd_cluster *c, size_t live, int all)
{
    int refused = 0;
    char key[32];
    struct nd_cluster_moves m = {c->claim, 0, c->release, 0};

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
        natsStatus s;
        cl_slot_key(key, sizeof(key), m.claim[i]);
        s = kvStore_CreateString(&rev, c->kv, key, c->node);
        if (s == NATS_OK) {
            hold(c, m.claim[i], rev);
            c->taken[m.claim[i]] = 1;
        } else if (!cl_refused(s)) {
            break; /* no server: the next round tries again */
        } else {
            refused++; /* another node was first, or the server has not dropped it yet */
        }
    }
    if (m.n_claim)
        cl_read_states(c, c->taken);
    return refused;
}

/* One round; returns the milliseconds until the next. */
static int64_t round_once(struct nd_cluster *c)
{
    natsStatus s = NATS_OK;
    size_t live;
    int64_t wait = c->ttl_ms / 3, t;
    int refused = 0, all = 1, claims = atomic_load(&c->claims_allowed), rc = node_key(c, &s);

    c->up = rc >= 0;
    if (rc < 0) { /* no server, or no quorum: the slots held stay held */
        cl_fail(c, "renewing the node key", s);
        c->was_down = 1;
        show(c, 0, 0);
        return c->ttl_ms / 3;
    }
    if (claims)
        all = renew(c);
    if (rc > 0) {
        show(c, 0, 0);
        return c->ttl_ms / 2;
    }
    if (cl_view(c, &live) != 0) {
        show(c, 0, 0);
        return c->ttl_ms / 3;
    }
    cl_stream_info(c);
    if (live == 0)
        live = 1; /* this node, whose key the view missed */
    if (claims && c->adopt)
        adopt(c);
    if (c->was_down) /* after an outage: two rounds for the others to renew before any claim */
        c->quiet_until = nd_mono_ms() + c->ttl_ms * 2 / 3;
    c->was_down = 0;
    if (claims && nd_mono_ms() >= c->quiet_until)
        refused = balance(c, live, all);
    announce(c);
    pthread_mutex_lock(&c->mu);
    c->st.error[0] = '\0';
    pthread_mutex_unlock(&c->mu);
    show(c, live, all && claims);
    if (claims) { /* a round when the first slot of another node expires, to claim it then */
        t = cl_view_next_expiry(c);
        t = t == INT64_MAX ? wait : t - nd_mono_ms() + CL_KICK_MS;
        if (t < wait)
            wait = t < CL_KICK_MS ? CL_KICK_MS : t;
        if (refused && wait > 2 * CL_KICK_MS)
            wait = 2 * CL_KICK_MS;
    }
    return wait;
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
                return; /* no server: do not wait CL_REQUEST_MS a slot, they expire */
        }
    snprintf(key, sizeof(key), "node.%s", c->node);
    if (kvStore_Delete(c->kv, key) != NATS_OK)
        return; /* it expires */
}

/* Wait on the condition up to ms, or until signalled.  Under mu. */
static void wait_ms(struct nd_cluster *c, int64_t ms)
{
    nd_cond_wait_ms(&c->cv, &c->mu, ms);
}

static void *thread_main(void *arg)
{
    struct nd_cluster *c = arg;
    int64_t next_round = 0, last_round = 0, last_pump = 0, now;

    pthread_mutex_lock(&c->mu);
    while (!c->quit) {
        if (c->kick && next_round > last_round + CL_KICK_MS)
            next_round = last_round + CL_KICK_MS;
        c->kick = 0;
        pthread_mutex_unlock(&c->mu);
        now = nd_mono_ms();
        if (c->kv == NULL && cl_get_bucket(c) != 0) {
            show(c, 0, 0); /* the slots held stay held: nobody can claim them either */
            next_round = now + CL_RETRY_MS;
        } else {
            if (now - last_pump >= CL_PUMP_MS) { /* not at every state queued */
                cl_view_pump(c);
                last_pump = now;
            }
            cl_write_states(c);
            if (now >= next_round) {
                int64_t wait;
                last_round = now;
                wait = round_once(c);
                next_round = nd_mono_ms() + wait;
            }
        }
        pthread_mutex_lock(&c->mu);
        now = nd_mono_ms();
        if (!c->quit && !c->kick && (c->n_puts == 0 || c->kv == NULL) && now < next_round)
            wait_ms(c, next_round - now);
    }
    pthread_mutex_unlock(&c->mu);
    release_all(c);
    cl_drop_connection(c);
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

/* Give the poller the slots the thread holds, and the poll states read for it. */
static void apply(struct nd_cluster *c)
{
    struct cl_state st;
    struct cl_kv *got;
    size_t n_got, n_states = 0;
    struct nd_cluster_state *states;

    pthread_mutex_lock(&c->mu);
    memcpy(c->next, c->shown, c->slots);
    st = c->st;
    got = c->got;
    n_got = c->n_got;
    cl_nodes_copy(&c->seen_nodes, &c->nodes, c->slots);
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
    log_state(c, &st);
    c->seen = st;
    if (memcmp(c->given, c->next, c->slots) != 0 || n_states) {
        cl_forget_written(c);
        memcpy(c->given, c->next, c->slots);
        c->fn(c->arg, c->given, c->slots, states, n_states);
    }
    for (size_t i = 0; i < n_states; i++)
        nd_source_state_clear(&states[i].st);
    free(states);
    cl_kv_free(got, n_got);
}

static void on_link(void *arg, int revents)
{
    struct nd_cluster *c = arg;

    nd_efd_drain(c->efd);
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
    cl_kv_free(old, n_old);
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
    c->stream = nats->stream ? xstrdup(nats->stream) : NULL;
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
    c->shown = xcalloc(n, 1);
    c->held = xcalloc(n, 1);
    c->announced = xcalloc(n, 1);
    c->taken = xcalloc(n, 1);
    c->rev = xcalloc(n, sizeof(*c->rev));
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
    free(c->stream);
    for (size_t i = 0; i < c->n_waiting; i++) {
        free(c->waiting[i].id);
        free(c->waiting[i].json);
    }
    free(c->waiting);
    cl_kv_free(c->puts, c->n_puts);
    cl_kv_free(c->got, c->n_got);
    cl_kv_free(c->sources, c->n_sources);
    nd_strv_free(&c->servers);
    free(c->files.credentials);
    free(c->files.tls_ca);
    free(c->files.tls_cert);
    free(c->files.tls_key);
    free(c->given);
    free(c->next);
    free(c->shown);
    free(c->held);
    free(c->announced);
    free(c->taken);
    free(c->rev);
    free(c->order);
    free(c->claim);
    free(c->release);
    free(c->loads);
    cl_nodes_free(&c->found);
    for (size_t i = 0; i < c->n_vnodes; i++)
        free(c->vnodes[i].value);
    free(c->vnodes);
    free(c->vslots);
    cl_nodes_free(&c->nodes);
    cl_nodes_free(&c->seen_nodes);
    cl_forget_written(c);
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
    out->nodes = c->seen_nodes.v;
    out->n_nodes = c->seen_nodes.n;
    out->stream_name = c->stream;
    out->stream = c->seen.stream;
}

void nd_cluster_allow_claims(struct nd_cluster *c)
{
    if (c == NULL || atomic_exchange(&c->claims_allowed, 1))
        return;
    pthread_mutex_lock(&c->mu);
    c->kick = 1; /* a round now: say so in the node key, claim */
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}
