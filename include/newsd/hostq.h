/*
 * hostq.h: the admission queue between "this source is due" and "start its
 * transfer" (pure: time is passed in, no I/O).
 *
 * It keeps three limits: transfers in flight overall, transfers in flight
 * to one host, and a minimum spacing between the starts of two transfers to
 * one host.  Waiting entries are kept per host, in order; hosts that may
 * start now sit in a heap ordered by their first entry's ticket (so the
 * queue is first-come first-served across hosts), hosts that must wait for
 * their spacing in a heap ordered by when they may start.  Every operation
 * is O(log H) for H hosts, whatever the number of waiting entries.
 *
 * The caller embeds struct nd_hostq_entry in its own struct (one per
 * source), zeroed before its first push, and owns it; an entry is in the
 * queue at most once.
 */
#ifndef NEWSD_HOSTQ_H
#define NEWSD_HOSTQ_H

#include <stddef.h>
#include <stdint.h>

struct nd_hostq;
struct nd_hostq_host;

struct nd_hostq_entry {
    struct nd_hostq_host *host; /* set by push, kept until the next push */
    struct nd_hostq_entry *prev, *next;
    int64_t ticket;
    int queued;
};

struct nd_hostq_limits {
    size_t max_in_flight; /* overall, >= 1 */
    size_t max_per_host;  /* >= 1 */
    int64_t spacing_ms;   /* between starts to one host, >= 0 */
};

struct nd_hostq *nd_hostq_new(const struct nd_hostq_limits *lim);
/* Entries still queued are forgotten (their owners free them). */
void nd_hostq_free(struct nd_hostq *q);
/* New limits (a reload); transfers in flight keep counting. */
void nd_hostq_set_limits(struct nd_hostq *q, const struct nd_hostq_limits *lim, int64_t now);

/*
 * Queue e for host (copied; "" is a host like any other).  front puts it
 * ahead of every entry queued without front (the last one pushed with front
 * comes first).  Pushing an entry that is queued moves it.
 */
void nd_hostq_push(struct nd_hostq *q, struct nd_hostq_entry *e, const char *host, int front,
                   int64_t now);
/* Take e out of the queue, if it is there. */
void nd_hostq_remove(struct nd_hostq *q, struct nd_hostq_entry *e, int64_t now);

/*
 * The entry that may start now, or NULL.  A returned entry counts as a
 * transfer in flight to its host until nd_hostq_done().  When NULL, *wait
 * gets the milliseconds until an entry may start (-1 when none will until a
 * transfer ends or an entry is pushed).
 */
struct nd_hostq_entry *nd_hostq_pop(struct nd_hostq *q, int64_t now, int64_t *wait);
/* The transfer that e started has ended. */
void nd_hostq_done(struct nd_hostq *q, struct nd_hostq_entry *e, int64_t now);

size_t nd_hostq_queued(const struct nd_hostq *q);
size_t nd_hostq_in_flight(const struct nd_hostq *q);
/* Transfers in flight to host. */
size_t nd_hostq_host_in_flight(const struct nd_hostq *q, const char *host);

#endif
