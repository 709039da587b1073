/*
 * worker.c: one thread, two inproc PAIR sockets (jobs out, results back),
 * pointers as messages.  A NULL pointer tells the thread to stop.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "newsd/log.h"
#include "newsd/worker.h"

struct nd_worker {
    void *zctx;
    struct nd_loop *loop;
    void *jobs; /* loop side: PAIR, sends jobs, receives results */
    void *thread_sock;
    struct nd_watch *watch;
    pthread_t thread;
    int started;
    atomic_int stopping;
    size_t pending;
    struct nd_job **in_flight; /* submitted, not returned: for cancelling */
    size_t n_in_flight, cap_in_flight;
};

static int send_ptr(void *sock, void *p)
{
    return zmq_send(sock, &p, sizeof(p), 0) == (int)sizeof(p) ? 0 : -1;
}

static int recv_ptr(void *sock, void **p, int flags)
{
    return zmq_recv(sock, p, sizeof(*p), flags) == (int)sizeof(*p) ? 0 : -1;
}

static void *thread_main(void *arg)
{
    struct nd_worker *w = arg;
    struct nd_job *job;

    for (;;) {
        if (recv_ptr(w->thread_sock, (void **)&job, 0) != 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (job == NULL)
            break;
        if (atomic_load(&w->stopping))
            job->skipped = 1;
        else
            job->run(job);
        if (send_ptr(w->thread_sock, job) != 0)
            break;
    }
    return NULL;
}

static void forget(struct nd_worker *w, struct nd_job *job)
{
    for (size_t i = 0; i < w->n_in_flight; i++)
        if (w->in_flight[i] == job) {
            w->in_flight[i] = w->in_flight[--w->n_in_flight];
            return;
        }
}

static void on_results(void *arg, int revents)
{
    struct nd_worker *w = arg;
    struct nd_job *job;

    while (recv_ptr(w->jobs, (void **)&job, ZMQ_DONTWAIT) == 0) {
        w->pending--;
        forget(w, job);
        job->done(job);
    }
}

int nd_worker_new(void *zctx, struct nd_loop *loop, struct nd_worker **out, char *err,
                  size_t errlen)
{
    static int count;
    struct nd_worker *w = xcalloc(1, sizeof(*w));
    char ep[64];
    int zero = 0, rc;
    sigset_t all, old;

    *out = NULL;
    w->zctx = zctx;
    w->loop = loop;
    snprintf(ep, sizeof(ep), "inproc://newsd-worker-%d", count++);
    w->jobs = zmq_socket(zctx, ZMQ_PAIR);
    w->thread_sock = zmq_socket(zctx, ZMQ_PAIR);
    if (w->jobs == NULL || w->thread_sock == NULL)
        goto fail;
    /* no high-water mark: every job submitted is queued */
    zmq_setsockopt(w->jobs, ZMQ_SNDHWM, &zero, sizeof(zero));
    zmq_setsockopt(w->jobs, ZMQ_RCVHWM, &zero, sizeof(zero));
    zmq_setsockopt(w->thread_sock, ZMQ_SNDHWM, &zero, sizeof(zero));
    zmq_setsockopt(w->thread_sock, ZMQ_RCVHWM, &zero, sizeof(zero));
    zmq_setsockopt(w->jobs, ZMQ_LINGER, &zero, sizeof(zero));
    zmq_setsockopt(w->thread_sock, ZMQ_LINGER, &zero, sizeof(zero));
    if (zmq_bind(w->jobs, ep) != 0 || zmq_connect(w->thread_sock, ep) != 0)
        goto fail;
    /* the thread takes no signals: the loop reads them from its signalfd */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&w->thread, NULL, thread_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        errno = rc;
        goto fail;
    }
    w->started = 1;
    w->watch = nd_loop_watch(loop, -1, w->jobs, ND_EV_IN, on_results, w);
    *out = w;
    return ND_OK;
fail:
    snprintf(err, errlen, "worker: %s", errno ? zmq_strerror(errno) : "cannot start");
    nd_worker_free(w);
    return ND_EIO;
}

void nd_worker_free(struct nd_worker *w)
{
    struct nd_job *job;

    if (w == NULL)
        return;
    if (w->started) {
        atomic_store(&w->stopping, 1);
        for (size_t i = 0; i < w->n_in_flight; i++)
            atomic_store(&w->in_flight[i]->cancel, 1);
        if (send_ptr(w->jobs, NULL) == 0)
            pthread_join(w->thread, NULL);
        else
            pthread_cancel(w->thread); /* cannot happen with an unlimited inproc pipe */
        while (recv_ptr(w->jobs, (void **)&job, ZMQ_DONTWAIT) == 0) {
            w->pending--;
            forget(w, job);
            job->done(job);
        }
        /* jobs the thread never took: still in its pipe */
        while (w->n_in_flight > 0) {
            job = w->in_flight[--w->n_in_flight];
            job->skipped = 1;
            job->done(job);
        }
    }
    nd_loop_unwatch(w->loop, w->watch);
    if (w->thread_sock)
        zmq_close(w->thread_sock);
    if (w->jobs)
        zmq_close(w->jobs);
    free(w->in_flight);
    free(w);
}

void nd_worker_submit(struct nd_worker *w, struct nd_job *job)
{
    atomic_store(&job->cancel, 0);
    job->skipped = 0;
    if (w->n_in_flight == w->cap_in_flight) {
        w->cap_in_flight = w->cap_in_flight ? w->cap_in_flight * 2 : 16;
        w->in_flight = xrealloc(w->in_flight, w->cap_in_flight * sizeof(*w->in_flight));
    }
    w->in_flight[w->n_in_flight++] = job;
    w->pending++;
    if (send_ptr(w->jobs, job) != 0) {
        /* an inproc pipe without a high-water mark does not refuse: a broken invariant */
        fatalx("worker: cannot queue a job: %s", zmq_strerror(errno));
    }
}

size_t nd_worker_pending(const struct nd_worker *w)
{
    return w->pending;
}
