/*
 * follow.c: the stream follower's loop side (follow.h).  Messages the NATS
 * thread (follow_conn.c) copied wait in order; each turn learns as many as
 * fit in a slice, in one batch with the stream sequence reached, so that a
 * long catch-up never holds the loop and a failed commit is tried again
 * from the same message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow_int.h"
#include "newsd/article.h"
#include "newsd/follow.h"
#include "newsd/ingest.h"
#include "newsd/log.h"

#define SLICE_MS    20   /* the longest one batch learns before the loop turns */
#define BACKLOG     8192 /* messages taken from the link and not learned yet, at most */
#define RETRY_MS    1000 /* after a failed commit */
#define META_KEY    "followed"
#define CONN_PREFIX "newsd-follow-"

struct nd_follow {
    struct nd_loop *loop;
    struct nd_store *store;
    struct nd_dedupe *dedupe;
    struct follow_link *link;
    struct nd_watch *watch;
    struct nd_loop_timer again; /* learn the rest (next turn, or after a failure) */
    nd_follow_ready_fn ready;
    void *ready_arg;
    /* taken from the link, not learned yet: q[head..n) */
    struct follow_item *q;
    size_t head, n, cap;
    uint64_t seq; /* the last stream sequence learned and committed */
    int caught_up;
    int failing; /* the last commit failed */
    struct follow_state st;
    int64_t learned, repeats, unreadable, not_sent;
    char logged[256]; /* the last error logged */
};

static void item_free(struct follow_item *it)
{
    free(it->msgid);
    free(it->data);
}

/*
 * At start, before the outbox goes out: a message this node has in its
 * outbox is in the stream already (another node took the source over while
 * this one was down and published it, or it went out just before a crash
 * and its acknowledgement was lost).  It is not sent again.  Once caught
 * up the sink sends, and a match is only its own message coming back.
 */
static int forget_outbox(struct nd_follow *f, const struct follow_item *it)
{
    int gone = 0;

    if (it->msgid == NULL || nd_store_outbox_forget(f->store, it->msgid, &gone) != ND_OK)
        return it->msgid ? ND_ESTORE : ND_OK;
    if (gone) {
        f->not_sent += gone;
        log_info("follow: %s is in the stream already (stream seq %llu): not sent again", it->msgid,
                 (unsigned long long)it->seq);
    }
    return ND_OK;
}

/* One message: 0, or ND_ESTORE. */
static int learn_one(struct nd_follow *f, const struct follow_item *it, int64_t now)
{
    struct nd_message_in m;
    struct nd_ingest in;
    char from[48];
    int rc, learned = 0;

    if (nd_message_decode(it->data, it->len, &m) != ND_OK) {
        nd_message_in_free(&m);
        f->unreadable++;
        log_debug("follow: stream seq %llu is no article message", (unsigned long long)it->seq);
        return ND_OK;
    }
    memset(&in, 0, sizeof(in));
    in.store = f->store;
    in.dedupe = f->dedupe;
    in.source_id = m.source_id;
    in.home = m.feed_url;
    in.now = now;
    snprintf(from, sizeof(from), "stream seq %llu", (unsigned long long)it->seq);
    rc = nd_ingest_remote(&in, &m.a, from, &learned);
    if (rc == ND_OK && !f->caught_up)
        rc = forget_outbox(f, it);
    if (learned)
        f->learned++;
    else if (rc == ND_OK)
        f->repeats++;
    nd_message_in_free(&m);
    return rc;
}

static void check_caught_up(struct nd_follow *f)
{
    if (f->caught_up || !f->st.subscribed || f->head < f->n)
        return;
    if (f->seq < f->st.target && !(f->st.tail && f->seq >= f->st.tail))
        return;
    f->caught_up = 1;
    log_info("follow: caught up with the stream at seq %llu (%lld %s learned)",
             (unsigned long long)f->seq, (long long)f->learned,
             nd_plural(f->learned, "article", "articles"));
    if (f->ready)
        f->ready(f->ready_arg);
}

static void take(struct nd_follow *f);

/* Learn what waits, a slice's worth in one batch. */
static void learn(struct nd_follow *f)
{
    int64_t deadline = nd_mono_ms() + SLICE_MS, now = nd_now();
    size_t i = f->head;
    uint64_t seq = f->seq;
    int rc;

    if (i == f->n)
        return;
    rc = nd_store_begin_light(f->store); /* lost in a power cut, it is read again */
    while (rc == ND_OK && i < f->n) {
        if (f->q[i].seq > seq) { /* an ordered consumer made again may repeat one */
            rc = learn_one(f, &f->q[i], now);
            seq = f->q[i].seq;
        }
        i++;
        if ((i & 31) == 0 && nd_mono_ms() >= deadline)
            break;
    }
    if (rc == ND_OK)
        rc = nd_store_meta_set(f->store, META_KEY, (int64_t)seq);
    if (rc == ND_OK)
        rc = nd_store_commit(f->store);
    if (rc != ND_OK) {
        log_warnx("follow: store: %s; stream seq %llu on will be learned again",
                  nd_store_errmsg(f->store), (unsigned long long)f->seq + 1);
        nd_store_rollback(f->store);
        if (nd_dedupe_load(f->dedupe, f->store, nd_now()) != ND_OK)
            log_warnx("dedupe: cannot read the seen log again: %s", nd_store_errmsg(f->store));
        f->failing = 1;
        nd_loop_timer_at(f->loop, &f->again, nd_mono_ms() + RETRY_MS);
        return;
    }
    f->failing = 0;
    for (size_t k = f->head; k < i; k++)
        item_free(&f->q[k]);
    f->head = i;
    f->seq = seq;
    if (f->head == f->n)
        f->head = f->n = 0;
    if (f->n - f->head < BACKLOG / 2)
        take(f); /* what the link held back while the backlog was full */
    if (f->head < f->n)
        nd_loop_timer_at(f->loop, &f->again, nd_mono_ms()); /* the rest at the next turn */
    check_caught_up(f);
}

static void on_again(void *arg)
{
    learn(arg);
}

static void note_state(struct nd_follow *f, const struct follow_state *st)
{
    if (st->restarted) {
        log_warnx("follow: stream holds less than seq %llu: it was made anew; reading it from "
                  "its start",
                  (unsigned long long)f->seq + 1);
        f->seq = 0;
    }
    if (st->error[0] && strcmp(st->error, f->logged) != 0)
        log_warnx("follow: %s", st->error);
    else if (!st->error[0] && f->logged[0])
        log_info("follow: following the stream again");
    snprintf(f->logged, sizeof(f->logged), "%s", st->error);
    f->st = *st;
}

/*
 * Take what the link holds, while the backlog here leaves room; else the
 * link's own bound holds the delivery, and JetStream's flow control the
 * rest, until learn() has worked it down.
 */
static void take(struct nd_follow *f)
{
    struct follow_item *items;
    struct follow_state st;
    size_t n;

    if (f->n - f->head >= BACKLOG) {
        follow_link_quiet(f->link); /* learn() takes more when it has room */
        return;
    }
    if (f->head > 0) {
        memmove(f->q, f->q + f->head, (f->n - f->head) * sizeof(*f->q));
        f->n -= f->head;
        f->head = 0;
    }
    n = follow_link_take(f->link, &items, &st);
    note_state(f, &st);
    if (n) {
        if (f->n + n > f->cap) {
            f->cap = (f->n + n) * 2;
            f->q = xrealloc(f->q, f->cap * sizeof(*f->q));
        }
        memcpy(f->q + f->n, items, n * sizeof(*items));
        f->n += n;
    }
    free(items);
}

static void on_link(void *arg, int revents)
{
    struct nd_follow *f = arg;

    take(f);
    if (!f->failing)
        learn(f);
    check_caught_up(f);
}

int nd_follow_new(struct nd_loop *loop, struct nd_store *store, struct nd_dedupe *dedupe,
                  const struct nd_config *cfg, nd_follow_ready_fn ready, void *arg,
                  struct nd_follow **out, char *err, size_t errlen)
{
    struct nd_follow *f = xcalloc(1, sizeof(*f));
    char *name = xasprintf(CONN_PREFIX "%s", cfg->cluster.node ? cfg->cluster.node : "");
    int64_t seq = nd_store_meta_get(store, META_KEY, 0);

    f->loop = loop;
    f->store = store;
    f->dedupe = dedupe;
    f->ready = ready;
    f->ready_arg = arg;
    f->seq = seq > 0 ? (uint64_t)seq : 0;
    nd_loop_timer_init(&f->again, on_again, f);
    f->link = follow_link_start(&cfg->nats, name, f->seq + 1, err, errlen);
    free(name);
    if (f->link == NULL) {
        free(f);
        return ND_EINVAL;
    }
    f->watch = nd_loop_watch(loop, follow_link_fd(f->link), NULL, ND_EV_IN, on_link, f);
    *out = f;
    return ND_OK;
}

void nd_follow_free(struct nd_follow *f)
{
    if (f == NULL)
        return;
    nd_loop_unwatch(f->loop, f->watch);
    nd_loop_timer_cancel(f->loop, &f->again);
    follow_link_free(f->link);
    for (size_t i = f->head; i < f->n; i++)
        item_free(&f->q[i]);
    free(f->q);
    free(f);
}

void nd_follow_status(const struct nd_follow *f, struct nd_follow_status *out)
{
    out->connected = f->st.connected;
    out->caught_up = f->caught_up;
    out->seq = f->seq;
    out->target = f->st.target;
    out->learned = f->learned;
    out->repeats = f->repeats;
    out->unreadable = f->unreadable;
    out->not_sent = f->not_sent;
    out->error = f->st.error;
}
