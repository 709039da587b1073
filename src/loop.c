/*
 * loop.c: zmq_poll() over watchers, a timer heap and turn hooks.
 *
 * Watchers live in an array that is turned into zmq_pollitem_t's at every
 * turn (a daemon watches a few dozen sockets, not thousands).  A watcher
 * removed while the loop dispatches is only marked dead, and freed once the
 * dispatch is over, so that a callback may remove any watcher.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "newsd/log.h"
#include "newsd/loop.h"
#include "newsd/util.h"

struct nd_watch {
    int fd;
    void *sock;
    int events;
    int dead;
    nd_io_fn fn;
    void *arg;
};

struct hook {
    nd_turn_fn fn;
    void *arg;
};

struct nd_loop {
    struct nd_watch **w;
    size_t n_w, cap_w;
    zmq_pollitem_t *items;
    struct nd_watch **item_w; /* which watcher each item belongs to */
    size_t cap_items;
    struct nd_sched timers;
    struct hook *hooks;
    size_t n_hooks;
    int dispatching;
    int stopped;
    int64_t lag;
};

struct nd_loop *nd_loop_new(void)
{
    struct nd_loop *l = xcalloc(1, sizeof(*l));

    nd_sched_init(&l->timers);
    return l;
}

void nd_loop_free(struct nd_loop *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n_w; i++)
        free(l->w[i]);
    free(l->w);
    free(l->items);
    free(l->item_w);
    free(l->hooks);
    nd_sched_free(&l->timers);
    free(l);
}

struct nd_watch *nd_loop_watch(struct nd_loop *l, int fd, void *sock, int events, nd_io_fn fn,
                               void *arg)
{
    struct nd_watch *w = xcalloc(1, sizeof(*w));

    w->fd = sock ? -1 : fd;
    w->sock = sock;
    w->events = events;
    w->fn = fn;
    w->arg = arg;
    if (l->n_w == l->cap_w) {
        l->cap_w = l->cap_w ? l->cap_w * 2 : 16;
        l->w = xrealloc(l->w, l->cap_w * sizeof(*l->w));
    }
    l->w[l->n_w++] = w;
    return w;
}

void nd_loop_watch_events(struct nd_watch *w, int events)
{
    w->events = events;
}

static void compact(struct nd_loop *l)
{
    size_t j = 0;

    for (size_t i = 0; i < l->n_w; i++) {
        if (l->w[i]->dead)
            free(l->w[i]);
        else
            l->w[j++] = l->w[i];
    }
    l->n_w = j;
}

void nd_loop_unwatch(struct nd_loop *l, struct nd_watch *w)
{
    if (w == NULL)
        return;
    w->dead = 1;
    if (!l->dispatching)
        compact(l);
}

void nd_loop_timer_init(struct nd_loop_timer *t, nd_timer_fn fn, void *arg)
{
    nd_timer_init(&t->node);
    t->fn = fn;
    t->arg = arg;
}

void nd_loop_timer_at(struct nd_loop *l, struct nd_loop_timer *t, int64_t due)
{
    nd_sched_add(&l->timers, &t->node, due);
}

void nd_loop_timer_cancel(struct nd_loop *l, struct nd_loop_timer *t)
{
    nd_sched_remove(&l->timers, &t->node);
}

int nd_loop_timer_armed(const struct nd_loop_timer *t)
{
    return t->node.pos != ND_TIMER_IDLE;
}

void nd_loop_on_turn(struct nd_loop *l, nd_turn_fn fn, void *arg)
{
    l->hooks = xrealloc(l->hooks, (l->n_hooks + 1) * sizeof(*l->hooks));
    l->hooks[l->n_hooks].fn = fn;
    l->hooks[l->n_hooks].arg = arg;
    l->n_hooks++;
}

void nd_loop_off_turn(struct nd_loop *l, nd_turn_fn fn, void *arg)
{
    for (size_t i = 0; i < l->n_hooks; i++)
        if (l->hooks[i].fn == fn && l->hooks[i].arg == arg) {
            memmove(&l->hooks[i], &l->hooks[i + 1], (l->n_hooks - i - 1) * sizeof(*l->hooks));
            l->n_hooks--;
            return;
        }
}

void nd_loop_stop(struct nd_loop *l)
{
    l->stopped = 1;
}

int64_t nd_loop_lag_ms(const struct nd_loop *l)
{
    return l->lag;
}

static int64_t shorter(int64_t a, int64_t b)
{
    if (b < 0)
        return a;
    if (a < 0 || b < a)
        return b;
    return a;
}

static void fire_timers(struct nd_loop *l)
{
    int64_t now = nd_mono_ms();
    struct nd_timer *t;

    while ((t = nd_sched_peek(&l->timers)) != NULL && t->due <= now) {
        struct nd_loop_timer *lt =
            (struct nd_loop_timer *)(void *)((char *)t - offsetof(struct nd_loop_timer, node));
        l->lag = now - t->due;
        nd_sched_remove(&l->timers, t);
        lt->fn(lt->arg);
    }
}

static size_t fill_items(struct nd_loop *l)
{
    size_t n = 0;

    if (l->cap_items < l->n_w) {
        l->cap_items = l->n_w;
        l->items = xrealloc(l->items, l->cap_items * sizeof(*l->items));
        l->item_w = xrealloc(l->item_w, l->cap_items * sizeof(*l->item_w));
    }
    for (size_t i = 0; i < l->n_w; i++) {
        struct nd_watch *w = l->w[i];
        if (w->dead || w->events == 0)
            continue;
        l->items[n].socket = w->sock;
        l->items[n].fd = w->fd;
        l->items[n].events = (short)(((w->events & ND_EV_IN) ? ZMQ_POLLIN : 0) |
                                     ((w->events & ND_EV_OUT) ? ZMQ_POLLOUT : 0));
        l->items[n].revents = 0;
        l->item_w[n++] = w;
    }
    return n;
}

void nd_loop_turn(struct nd_loop *l, int64_t max_wait)
{
    int64_t wait = max_wait, now;
    struct nd_timer *t;
    size_t n;

    fire_timers(l);
    for (size_t i = 0; i < l->n_hooks; i++)
        wait = shorter(wait, l->hooks[i].fn(l->hooks[i].arg));
    if (l->stopped)
        return;
    now = nd_mono_ms();
    if ((t = nd_sched_peek(&l->timers)) != NULL)
        wait = shorter(wait, t->due > now ? t->due - now : 0);
    n = fill_items(l);
    if (zmq_poll(n ? l->items : NULL, (int)n, (long)wait) < 0) {
        if (errno != EINTR)
            log_warnx("zmq_poll: %s", zmq_strerror(errno));
        return;
    }
    l->dispatching = 1;
    for (size_t i = 0; i < n; i++) {
        struct nd_watch *w = l->item_w[i];
        short re = l->items[i].revents;
        int ev = ((re & ZMQ_POLLIN) ? ND_EV_IN : 0) | ((re & ZMQ_POLLOUT) ? ND_EV_OUT : 0) |
                 ((re & ZMQ_POLLERR) ? ND_EV_ERR : 0);
        if (ev && !w->dead)
            w->fn(w->arg, ev);
    }
    l->dispatching = 0;
    compact(l);
}

int nd_loop_run(struct nd_loop *l)
{
    l->stopped = 0;
    while (!l->stopped)
        nd_loop_turn(l, -1);
    return 0;
}
