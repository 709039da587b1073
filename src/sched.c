/*
 * sched.c: a binary min-heap of timers and the polling policy.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "newsd/sched.h"
#include "newsd/util.h"

void nd_sched_init(struct nd_sched *s)
{
    memset(s, 0, sizeof(*s));
}

void nd_sched_free(struct nd_sched *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->heap[i]->pos = ND_TIMER_IDLE;
    free(s->heap);
    nd_sched_init(s);
}

void nd_timer_init(struct nd_timer *t)
{
    t->due = 0;
    t->pos = ND_TIMER_IDLE;
}

static void place(struct nd_sched *s, size_t i, struct nd_timer *t)
{
    s->heap[i] = t;
    t->pos = i;
}

static void sift_up(struct nd_sched *s, size_t i)
{
    struct nd_timer *t = s->heap[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (s->heap[parent]->due <= t->due)
            break;
        place(s, i, s->heap[parent]);
        i = parent;
    }
    place(s, i, t);
}

static void sift_down(struct nd_sched *s, size_t i)
{
    struct nd_timer *t = s->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n)
            break;
        if (c + 1 < s->n && s->heap[c + 1]->due < s->heap[c]->due)
            c++;
        if (t->due <= s->heap[c]->due)
            break;
        place(s, i, s->heap[c]);
        i = c;
    }
    place(s, i, t);
}

void nd_sched_remove(struct nd_sched *s, struct nd_timer *t)
{
    size_t i = t->pos;

    if (i == ND_TIMER_IDLE)
        return;
    t->pos = ND_TIMER_IDLE;
    if (--s->n == i)
        return;
    place(s, i, s->heap[s->n]);
    sift_down(s, i);
    sift_up(s, s->heap[i] == t ? i : s->heap[i]->pos);
}

void nd_sched_add(struct nd_sched *s, struct nd_timer *t, int64_t due)
{
    nd_sched_remove(s, t);
    t->due = due;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->heap = xrealloc(s->heap, s->cap * sizeof(*s->heap));
    }
    place(s, s->n++, t);
    sift_up(s, s->n - 1);
}

struct nd_timer *nd_sched_peek(const struct nd_sched *s)
{
    return s->n ? s->heap[0] : NULL;
}

int64_t nd_sched_jitter_ms(const char *id, int64_t interval)
{
    int64_t span = interval * 100; /* a tenth of the interval, in ms */

    if (span > 300000)
        span = 300000;
    if (span <= 0)
        return 0;
    return (int64_t)(XXH3_64bits(id, strlen(id)) % (uint64_t)(span + 1));
}

int64_t nd_sched_delay_ms(const struct nd_sched_policy *p, const char *id, int64_t interval,
                          const struct nd_poll_result *r)
{
    int64_t secs = interval, floor = 0;

    if (!r->ok && r->errors > 0) {
        /* interval, 2x, 4x ... up to max_backoff */
        for (int64_t i = 1; i < r->errors && secs < p->max_backoff; i++)
            secs *= 2;
        if (secs > p->max_backoff)
            secs = p->max_backoff;
    }
    if (r->retry_after > floor)
        floor = r->retry_after;
    if (r->ok && r->max_age > floor)
        floor = r->max_age;
    if (r->ok && r->ttl > 0 && r->ttl * 60 > floor)
        floor = r->ttl * 60;
    /* A hint may lengthen the wait up to max_backoff, never shorten it. */
    if (floor > secs)
        secs = floor < p->max_backoff ? floor : (secs > p->max_backoff ? secs : p->max_backoff);
    if (secs < p->min_interval)
        secs = p->min_interval;
    return secs * 1000 + nd_sched_jitter_ms(id, secs);
}
