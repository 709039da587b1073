/*
 * js_int.h: between the JetStream sink's loop side (jetstream.c) and its
 * NATS thread (js_conn.c).  Not part of the core library's API.
 *
 * The loop hands messages to the thread (js_link_send); the thread and
 * libnats's own threads hand back one result per message, and the link's
 * state, under the link's mutex, and wake the loop through an eventfd.
 */
#ifndef NEWSD_JS_INT_H
#define NEWSD_JS_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "newsd/config.h"

#include <nats/nats.h>

#define JS_ACK_WAIT_MS 10000 /* an acknowledgement not back by then is a failure */

struct js_link;

struct js_result {
    int64_t seq;
    int ok; /* stored by the stream (or refused as a copy of a stored message) */
};

/* What the link says about itself (js_link_take). */
struct js_state {
    int ready;        /* connected and the stream is there */
    int changed;      /* ready went down (or up) since the last take */
    char server[128]; /* connected to, or "" */
    char error[256];  /* the last failure, or "" */
};

/* Start the thread for cfg (copied); err says why it could not. */
struct js_link *js_link_start(const struct nd_nats_conf *cfg, char *err, size_t errlen);
/* Join the thread and close the connection; the results that came stay to be taken. */
void js_link_stop(struct js_link *l);
/* Stop if not stopped, and free.  js_link_free(NULL) does nothing. */
void js_link_free(struct js_link *l);
/* The eventfd that becomes readable when results or a new state wait. */
int js_link_fd(const struct js_link *l);
/* Queue one message (the strings are copied); its result comes back once. */
void js_link_send(struct js_link *l, int64_t seq, const char *subject, const char *msgid,
                  const char *data);
/* Take the results that came back (*out is new, caller frees) and the state. */
size_t js_link_take(struct js_link *l, struct js_result **out, struct js_state *state);

/* nats_lib.c: a NATS thread wakes the loop (eventfd), the loop takes the wake-up. */
void nd_efd_wake(int efd);
void nd_efd_drain(int efd);
/* Wait on cv (mu held) up to ms milliseconds, or until signalled. */
void nd_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms);

/* nats_lib.c: libnats opened by the first user, closed by the last (0, or -1: it cannot start). */
int nd_nats_open(void);
void nd_nats_close(void);
/*
 * Connection options for servers, named name, with the credentials and TLS
 * files of files (publish.nats): connect timeout, endless reconnection.
 * *out is new (natsOptions_Destroy) when NATS_OK.
 */
natsStatus nd_nats_options(const struct nd_strv *servers, const char *name,
                           const struct nd_nats_conf *files, natsOptions **out);

#endif
