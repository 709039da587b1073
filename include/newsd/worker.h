/*
 * worker.h: a thread that runs pure jobs (prepare a document) off the
 * loop, so that one large document never stalls it.
 *
 * Jobs go to the thread and come back over a pair of inproc:// ZeroMQ
 * sockets, as pointers, in order.  run() executes on the worker thread and
 * must touch nothing but the job itself (no loop, store, socket or log);
 * done() executes on the loop thread when the job comes back.  The job
 * belongs to the caller throughout; the worker only borrows it.
 */
#ifndef NEWSD_WORKER_H
#define NEWSD_WORKER_H

#include <stdatomic.h>

#include "newsd/loop.h"
#include "newsd/util.h"

struct nd_job {
    void (*run)(struct nd_job *job);  /* worker thread */
    void (*done)(struct nd_job *job); /* loop thread */
    atomic_int cancel;                /* set by nd_worker_free: run() may stop early */
    int skipped;                      /* set when the worker stopped before running it */
};

struct nd_worker;

/* Start the thread; its results are read by a watcher on loop. */
int nd_worker_new(void *zctx, struct nd_loop *loop, struct nd_worker **out, char *err,
                  size_t errlen) ND_WUR;
/*
 * Ask the running job to stop, skip the queued ones, join the thread, then
 * call done() of every job not yet returned (skipped set on those not run).
 */
void nd_worker_free(struct nd_worker *w);
/* Hand job to the thread; its done() will be called from the loop. */
void nd_worker_submit(struct nd_worker *w, struct nd_job *job);
/* Jobs submitted and not yet returned. */
size_t nd_worker_pending(const struct nd_worker *w);

#endif
