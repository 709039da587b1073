/*
 * jetstream.h: the JetStream sink (publish.nats): every journaled article
 * also goes to a NATS JetStream stream, fed from the store's outbox.
 *
 * The journal is written first; the sink sends the outbox's rows in seq
 * order, each on subject prefix "." topic with header Nats-Msg-Id (the
 * stream refuses a second copy within its duplicate window) and
 * Newsd-Seq (the daemon's seq), and takes a row out of the outbox only
 * when the stream acknowledged it.  A row whose acknowledgement fails or
 * never comes, and every row after a lost connection or a restart, is sent
 * again.  NATS lives on a thread of the sink's own (js_conn.c): the loop
 * only reads the outbox and hands messages over, so an outage or a slow
 * server never holds it.  The stream is created when absent.
 */
#ifndef NEWSD_JETSTREAM_H
#define NEWSD_JETSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"
#include "newsd/loop.h"
#include "newsd/store.h"
#include "newsd/util.h"

struct nd_jetstream;

/* What status shows (strings borrowed until the sink changes). */
struct nd_js_status {
    int connected;      /* connected and the stream is there */
    const char *stream; /* its name */
    const char *server; /* the server connected to, or "" */
    int64_t backlog;    /* outbox rows: journaled, not acknowledged yet */
    int64_t in_flight;  /* sent, waiting for their acknowledgement */
    int64_t acked;      /* acknowledged since start */
    const char *error;  /* the last failure, or "" */
};

/*
 * Start the sink for cfg (copied) over the store's outbox, which it turns
 * on; the connection is made on the sink's thread, so a server that is
 * down only delays sending.  loop and store are borrowed and must outlive
 * it.  Fails (err says why) only when the thread or the event fd cannot
 * be made.
 */
int nd_jetstream_new(struct nd_loop *loop, struct nd_store *store, const struct nd_nats_conf *cfg,
                     struct nd_jetstream **out, char *err, size_t errlen) ND_WUR;
/*
 * Close the connection and stop the thread; acknowledgements already
 * received are written to the outbox, the rest is sent again at the next
 * start.  Before the store is freed, once the loop turns no more (its turn
 * hook stays in the loop).  nd_jetstream_free(NULL) does nothing.
 */
void nd_jetstream_free(struct nd_jetstream *js);
void nd_jetstream_status(const struct nd_jetstream *js, struct nd_js_status *out);
/*
 * Hold the outbox (send nothing) or let it go.  Cluster mode holds it at
 * start until the node has caught up with the stream (follow.h), which
 * takes out of the outbox what another node published meanwhile.
 */
void nd_jetstream_hold(struct nd_jetstream *js, int hold);
/* The journal rows up to this seq are all in the stream (the outbox has none of them). */
int64_t nd_jetstream_sent_upto(struct nd_jetstream *js);
/* fn is called (on the loop) with nd_jetstream_sent_upto() whenever acknowledgements came. */
void nd_jetstream_on_sent(struct nd_jetstream *js, void (*fn)(void *arg, int64_t upto), void *arg);
/* Journal rows were just committed: send them now (the turn hook may have run this turn). */
void nd_jetstream_kick(struct nd_jetstream *js);

/*
 * The subject of a topic: prefix "." topic, where each dot-separated token
 * of the topic that is empty becomes "_" and each space, control
 * character, '*' and '>' in it becomes '_'.  Caller frees.  Pure.
 */
char *nd_js_subject(const char *prefix, const char *topic);
/* Is s a subject of literal tokens (no empty token, space, control, '*', '>')?  Pure. */
int nd_js_subject_valid(const char *s);
/* Is s a name JetStream takes for a stream (letters, digits, '-', '_', 1..64)?  Pure. */
int nd_js_stream_name_valid(const char *s);

#endif
