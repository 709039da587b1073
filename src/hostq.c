/*
 * hostq.c: the admission queue.  Hosts are found by name (strmap.h); the
 * two heaps are nd_sched heaps whose keys are tickets (ready hosts) or
 * start times (waiting hosts).
 */
#include <stdlib.h>
#include <string.h>

#include "newsd/hostq.h"
#include "newsd/sched.h"
#include "newsd/strmap.h"
#include "newsd/util.h"

enum { IN_NONE, IN_READY, IN_WAIT };

struct nd_hostq_host {
    struct nd_hostq_entry *head, *tail;
    size_t queued, in_flight;
    int64_t next_ok; /* no start before this */
    struct nd_timer node;
    int in;
};

struct nd_hostq {
    struct nd_hostq_limits lim;
    struct nd_strmap hosts; /* name -> struct nd_hostq_host */
    struct nd_sched ready;  /* keyed by the first entry's ticket */
    struct nd_sched wait;   /* keyed by next_ok */
    int64_t front_ticket, back_ticket;
    size_t queued, in_flight;
};

#define HOST_OF(t)                                                                                 \
    ((struct nd_hostq_host *)(void *)((char *)(t)-offsetof(struct nd_hostq_host, node)))

struct nd_hostq *nd_hostq_new(const struct nd_hostq_limits *lim)
{
    struct nd_hostq *q = xcalloc(1, sizeof(*q));

    q->lim = *lim;
    nd_sched_init(&q->ready);
    nd_sched_init(&q->wait);
    return q;
}

static void free_host(void *arg, const char *name, void *value)
{
    struct nd_hostq_host *h = value;

    for (struct nd_hostq_entry *e = h->head; e; e = e->next)
        e->queued = 0;
    free(h);
}

void nd_hostq_free(struct nd_hostq *q)
{
    if (q == NULL)
        return;
    nd_strmap_each(&q->hosts, free_host, NULL);
    nd_strmap_free(&q->hosts);
    nd_sched_free(&q->ready);
    nd_sched_free(&q->wait);
    free(q);
}

static struct nd_hostq_host *host_get(struct nd_hostq *q, const char *name)
{
    struct nd_hostq_host *host = nd_strmap_get(&q->hosts, name);

    if (host == NULL) {
        host = xcalloc(1, sizeof(*host));
        nd_timer_init(&host->node);
        nd_strmap_put(&q->hosts, name, host);
    }
    return host;
}

/* Put host in the heap its state calls for (or in none). */
static void place(struct nd_hostq *q, struct nd_hostq_host *h, int64_t now)
{
    int in = IN_NONE;

    if (h->queued > 0 && h->in_flight < q->lim.max_per_host)
        in = h->next_ok > now ? IN_WAIT : IN_READY;
    if (h->in != in) {
        if (h->in == IN_READY)
            nd_sched_remove(&q->ready, &h->node);
        else if (h->in == IN_WAIT)
            nd_sched_remove(&q->wait, &h->node);
        h->in = in;
    }
    if (in == IN_READY && (h->node.pos == ND_TIMER_IDLE || h->node.due != h->head->ticket))
        nd_sched_add(&q->ready, &h->node, h->head->ticket);
    else if (in == IN_WAIT && (h->node.pos == ND_TIMER_IDLE || h->node.due != h->next_ok))
        nd_sched_add(&q->wait, &h->node, h->next_ok);
}

static void unlink_entry(struct nd_hostq *q, struct nd_hostq_entry *e)
{
    struct nd_hostq_host *h = e->host;

    if (e->prev)
        e->prev->next = e->next;
    else
        h->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        h->tail = e->prev;
    e->prev = e->next = NULL;
    e->queued = 0;
    h->queued--;
    q->queued--;
}

void nd_hostq_remove(struct nd_hostq *q, struct nd_hostq_entry *e, int64_t now)
{
    if (!e->queued)
        return;
    unlink_entry(q, e);
    place(q, e->host, now);
}

void nd_hostq_push(struct nd_hostq *q, struct nd_hostq_entry *e, const char *host, int front,
                   int64_t now)
{
    struct nd_hostq_host *h;

    nd_hostq_remove(q, e, now);
    h = host_get(q, host);
    e->host = h;
    e->queued = 1;
    if (front) {
        e->ticket = --q->front_ticket; /* smaller than every ticket given before */
        e->prev = NULL;
        e->next = h->head;
        if (h->head)
            h->head->prev = e;
        else
            h->tail = e;
        h->head = e;
    } else {
        e->ticket = ++q->back_ticket;
        e->next = NULL;
        e->prev = h->tail;
        if (h->tail)
            h->tail->next = e;
        else
            h->head = e;
        h->tail = e;
    }
    h->queued++;
    q->queued++;
    place(q, h, now);
}

struct nd_hostq_entry *nd_hostq_pop(struct nd_hostq *q, int64_t now, int64_t *wait)
{
    struct nd_timer *t;
    struct nd_hostq_host *h;
    struct nd_hostq_entry *e;

    *wait = -1;
    while ((t = nd_sched_peek(&q->wait)) != NULL && t->due <= now) {
        h = HOST_OF(t);
        nd_sched_remove(&q->wait, t);
        h->in = IN_NONE;
        place(q, h, now);
    }
    if (q->in_flight >= q->lim.max_in_flight)
        return NULL;
    t = nd_sched_peek(&q->ready);
    if (t == NULL) {
        if ((t = nd_sched_peek(&q->wait)) != NULL)
            *wait = t->due - now;
        return NULL;
    }
    h = HOST_OF(t);
    e = h->head;
    unlink_entry(q, e);
    h->in_flight++;
    q->in_flight++;
    h->next_ok = now + q->lim.spacing_ms;
    place(q, h, now);
    return e;
}

void nd_hostq_done(struct nd_hostq *q, struct nd_hostq_entry *e, int64_t now)
{
    struct nd_hostq_host *h = e->host;

    if (h == NULL || h->in_flight == 0)
        return;
    h->in_flight--;
    q->in_flight--;
    place(q, h, now);
}

struct replace_ctx {
    struct nd_hostq *q;
    int64_t now;
};

static void replace_host(void *arg, const char *name, void *value)
{
    struct replace_ctx *c = arg;

    place(c->q, value, c->now);
}

void nd_hostq_set_limits(struct nd_hostq *q, const struct nd_hostq_limits *lim, int64_t now)
{
    struct replace_ctx c = {q, now};

    q->lim = *lim;
    nd_strmap_each(&q->hosts, replace_host, &c);
}

size_t nd_hostq_queued(const struct nd_hostq *q)
{
    return q->queued;
}

size_t nd_hostq_in_flight(const struct nd_hostq *q)
{
    return q->in_flight;
}

size_t nd_hostq_host_in_flight(const struct nd_hostq *q, const char *host)
{
    const struct nd_hostq_host *h = nd_strmap_get(&q->hosts, host);

    return h ? h->in_flight : 0;
}
