/*
 * follow_int.h: between the stream follower's loop side (follow.c) and its
 * NATS thread (follow_conn.c).  Not part of the core library's API.
 *
 * The thread subscribes to the stream with an ordered consumer from the
 * stream sequence the loop asks for; libnats's delivery thread copies each
 * message into a queue (bounded: when it is full the delivery waits, and
 * JetStream's flow control holds the rest) and wakes the loop through an
 * eventfd.
 */
#ifndef NEWSD_FOLLOW_INT_H
#define NEWSD_FOLLOW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"

struct follow_link;

struct follow_item {
    uint64_t seq; /* the stream's sequence */
    char *msgid;  /* its Nats-Msg-Id, or NULL */
    char *data;
    size_t len;
};

/* What the link says about itself. */
struct follow_state {
    int connected;
    int subscribed;  /* the consumer is there (since the first time) */
    uint64_t target; /* the stream's last sequence when it subscribed (what it holds for us) */
    uint64_t tail;   /* a message delivered with nothing pending after it, or 0 */
    int restarted;   /* the stream holds less than asked for: it was made anew */
    char error[256]; /* the last failure, or "" */
};

/*
 * Start the thread for cfg (publish.nats: servers, stream, prefix, files),
 * following from stream sequence start (>= 1); name is the connection's.
 */
struct follow_link *follow_link_start(const struct nd_nats_conf *cfg, const char *name,
                                      uint64_t start, char *err, size_t errlen);
/* Stop the thread, remove the consumer, close the connection, free.  NULL does nothing. */
void follow_link_free(struct follow_link *l);
int follow_link_fd(const struct follow_link *l);
/* Take the wake-up only: the loop takes the messages later (its backlog is full). */
void follow_link_quiet(struct follow_link *l);
/* Take the messages that came (*out is new, caller frees each msgid, data and the array) and the
 * state. */
size_t follow_link_take(struct follow_link *l, struct follow_item **out, struct follow_state *st);

#endif
