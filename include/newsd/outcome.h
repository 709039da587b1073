/*
 * outcome.h: the class of a poll's outcome, the vocabulary shared by the
 * fetcher (which classifies transfers), the poller (which schedules on it),
 * the store (which keeps the last one) and status (which shows it).  Pure.
 */
#ifndef NEWSD_OUTCOME_H
#define NEWSD_OUTCOME_H

enum nd_outcome {
    ND_OUT_NONE = 0, /* never polled */
    ND_OUT_OK,
    ND_OUT_NOT_MODIFIED,
    ND_OUT_DNS,
    ND_OUT_CONNECT,
    ND_OUT_TLS,
    ND_OUT_TIMEOUT,
    ND_OUT_HTTP_4XX,
    ND_OUT_GONE,
    ND_OUT_RATE_LIMITED,
    ND_OUT_HTTP_5XX,
    ND_OUT_TOO_LARGE,
    ND_OUT_PARSE,
    ND_OUT_EMPTY,
    ND_OUT_BLOCKED,
    ND_OUT_ERROR,
    ND_OUT_COUNT
};

/* The name status and the control protocol use ("ok", "not-modified", "http-5xx"...). */
const char *nd_outcome_name(enum nd_outcome o);
/* The outcome of that name; ND_OUT_NONE when unknown (or NULL). */
enum nd_outcome nd_outcome_parse(const char *name);
/* ok and not-modified are successes; everything else is a failure. */
int nd_outcome_ok(enum nd_outcome o);

#endif
