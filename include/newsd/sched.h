/*
 * sched.h: when to poll a source (pure).
 *
 * A min-heap of timers (the caller embeds struct nd_timer in its own
 * per-source struct) and the policy that turns a poll's result into the
 * delay before the next one: the interval with a deterministic jitter,
 * server hints as a floor (RSS ttl, Cache-Control max-age, Retry-After),
 * exponential backoff on errors, all clamped to [min_interval, max_backoff].
 */
#ifndef NEWSD_SCHED_H
#define NEWSD_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define ND_TIMER_IDLE ((size_t)-1)

struct nd_timer {
    int64_t due; /* milliseconds, any clock the caller chooses */
    size_t pos;  /* index in the heap, ND_TIMER_IDLE when not queued */
};

struct nd_sched {
    struct nd_timer **heap;
    size_t n, cap;
};

void nd_sched_init(struct nd_sched *s);
void nd_sched_free(struct nd_sched *s);
void nd_timer_init(struct nd_timer *t);
/* Queue t at due (re-queue if already queued). */
void nd_sched_add(struct nd_sched *s, struct nd_timer *t, int64_t due);
void nd_sched_remove(struct nd_sched *s, struct nd_timer *t);
/* The earliest timer, or NULL. */
struct nd_timer *nd_sched_peek(const struct nd_sched *s);

struct nd_sched_policy {
    int64_t min_interval; /* seconds */
    int64_t max_backoff;  /* seconds */
};

struct nd_poll_result {
    int ok;              /* the poll succeeded (ok or not-modified) */
    int64_t errors;      /* consecutive failures, this one included */
    int64_t retry_after; /* seconds asked by the server, 0 if none */
    int64_t max_age;     /* Cache-Control max-age seconds, -1 if none */
    int64_t ttl;         /* RSS ttl, minutes, -1 if none */
};

/* A deterministic jitter in [0, interval/10] ms (at most 5 minutes), from the source id. */
int64_t nd_sched_jitter_ms(const char *id, int64_t interval);

/* Milliseconds to wait before polling the source again. */
int64_t nd_sched_delay_ms(const struct nd_sched_policy *p, const char *id, int64_t interval,
                          const struct nd_poll_result *r);

#endif
