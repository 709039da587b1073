/*
 * store_ckpt.c: WAL checkpoints on a thread of their own.
 *
 * The loop's connection never checkpoints (wal_autocheckpoint=0): its
 * commits only append to the WAL.  This thread, with a connection of its
 * own, copies the WAL back into the database (PASSIVE: it never waits for
 * the writer and the writer never waits for it) once the WAL holds
 * CKPT_PAGES pages, or every CKPT_EVERY_S seconds when something is there.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "store_int.h"

#define CKPT_PAGES   1000 /* about 4 MB of WAL */
#define CKPT_EVERY_S 5

struct ckpt {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    sqlite3 *db;
    int pages; /* in the WAL at the last commit */
    int stop;
};

static void *run(void *arg)
{
    struct ckpt *c = arg;
    struct timespec until;

    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += CKPT_EVERY_S;
        while (!c->stop && c->pages < CKPT_PAGES &&
               pthread_cond_timedwait(&c->cond, &c->mu, &until) == 0)
            ;
        if (c->stop)
            break;
        if (c->pages == 0)
            continue;
        c->pages = 0;
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

struct ckpt *nd_store_ckpt_start(const char *path)
{
    struct ckpt *c = xcalloc(1, sizeof(*c));
    sigset_t all, old;
    int rc;

    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return NULL; /* then the WAL is checkpointed at close only */
    }
    sqlite3_busy_timeout(c->db, 1000);
    sqlite3_exec(c->db, "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&c->thread, NULL, run, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        sqlite3_close(c->db);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cond);
        free(c);
        return NULL;
    }
    return c;
}

void nd_store_ckpt_stop(struct ckpt *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c);
}

void nd_store_ckpt_poke(struct ckpt *c, int wal_pages)
{
    pthread_mutex_lock(&c->mu);
    c->pages = wal_pages;
    if (wal_pages >= CKPT_PAGES)
        pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}
