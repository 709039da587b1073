/*
 * loop.h: the daemon's event loop (as redis's ae.c or chrony's sched.c).
 *
 * One thread waits in zmq_poll() over the watched file descriptors and
 * ZeroMQ sockets, with the soonest timer as its timeout.  Each turn:
 *   1. the timers that are due fire, soonest first;
 *   2. the turn hooks run, in the order they were added (they start work
 *      that the last turn made possible, and may shorten the wait);
 *   3. the loop waits, then calls the watchers whose fd or socket is ready.
 * Callbacks may add, change and remove watchers and timers, including their
 * own.  Nothing here is thread-safe: one loop, one thread.
 */
#ifndef NEWSD_LOOP_H
#define NEWSD_LOOP_H

#include <stdint.h>

#include "newsd/sched.h"

enum {
    ND_EV_IN = 1,
    ND_EV_OUT = 2,
    ND_EV_ERR = 4,
};

struct nd_loop;
struct nd_watch;

/* revents: ND_EV_* that are ready. */
typedef void (*nd_io_fn)(void *arg, int revents);
typedef void (*nd_timer_fn)(void *arg);
/* Returns the longest the loop may wait this turn, in ms, or -1 for no limit. */
typedef int64_t (*nd_turn_fn)(void *arg);

/* A timer; embed it in the caller's struct and nd_loop_timer_init() it. */
struct nd_loop_timer {
    struct nd_timer node; /* its place in the loop's heap */
    nd_timer_fn fn;
    void *arg;
};

struct nd_loop *nd_loop_new(void);
/* Frees the watchers; timers belong to their owners and are only forgotten. */
void nd_loop_free(struct nd_loop *l);

/*
 * Watch a file descriptor (sock NULL) or a ZeroMQ socket (then fd is
 * ignored) for events.  The returned handle is the loop's; it stays valid
 * until nd_loop_unwatch().
 */
struct nd_watch *nd_loop_watch(struct nd_loop *l, int fd, void *sock, int events, nd_io_fn fn,
                               void *arg);
void nd_loop_watch_events(struct nd_watch *w, int events);
/* Stop watching and free w (deferred while the loop is dispatching). */
void nd_loop_unwatch(struct nd_loop *l, struct nd_watch *w);

void nd_loop_timer_init(struct nd_loop_timer *t, nd_timer_fn fn, void *arg);
/* Arm (or re-arm) t to fire at due, in nd_mono_ms() milliseconds. */
void nd_loop_timer_at(struct nd_loop *l, struct nd_loop_timer *t, int64_t due);
void nd_loop_timer_cancel(struct nd_loop *l, struct nd_loop_timer *t);
int nd_loop_timer_armed(const struct nd_loop_timer *t);

/* Add a hook run once per turn (see above); hooks live as long as the loop. */
void nd_loop_on_turn(struct nd_loop *l, nd_turn_fn fn, void *arg);
/* Remove the hook added with this fn and arg (not from inside a hook). */
void nd_loop_off_turn(struct nd_loop *l, nd_turn_fn fn, void *arg);

/* Run turns until nd_loop_stop(); returns 0, or -1 when zmq_poll() fails for good. */
int nd_loop_run(struct nd_loop *l);
/* One turn, waiting at most max_wait ms (-1: as long as the timers allow). */
void nd_loop_turn(struct nd_loop *l, int64_t max_wait);
/* Make nd_loop_run() return after the current turn. */
void nd_loop_stop(struct nd_loop *l);

/* How late the last due timer fired, in ms: the loop's lag. */
int64_t nd_loop_lag_ms(const struct nd_loop *l);

#endif
