/*
 * cluster_states.c: cluster mode's poll states on the loop's side
 * (cluster_int.h): which states are worth a write to "<bucket>-state",
 * held back until their articles are in the stream, then queued for the
 * lease thread, which writes them (cl_write_states).
 */
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"
#include "js_int.h"

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void forget_one(void *arg, const char *id, void *value)
{
    struct cl_written *w = value;

    nd_source_state_clear(&w->st);
    free(w);
}

/* Forget the states written (the held slots changed: another node may have written since). */
void cl_forget_written(struct nd_cluster *c)
{
    nd_strmap_each(&c->written, forget_one, NULL);
    nd_strmap_free(&c->written);
    memset(&c->written, 0, sizeof(c->written));
}

/* Is st worth a write (nd_cluster_state_due)?  If so it is remembered as written now. */
static int state_due(struct nd_cluster *c, const char *id, const struct nd_source_state *st)
{
    struct cl_written *w = nd_strmap_get(&c->written, id);
    int64_t now = nd_now();

    if (w && !nd_cluster_state_due(&w->st, w->at, st, now))
        return 0;
    if (w == NULL) {
        w = xcalloc(1, sizeof(*w));
        nd_strmap_put(&c->written, id, w);
    }
    nd_source_state_clear(&w->st);
    w->st = *st;
    w->st.url = dup_or_null(st->url);
    w->st.etag = dup_or_null(st->etag);
    w->st.last_modified = dup_or_null(st->last_modified);
    w->st.outcome = dup_or_null(st->outcome);
    w->st.error = dup_or_null(st->error);
    w->at = now;
    return 1;
}

/* Queue a state for the thread (json is taken). */
static void queue_state(struct nd_cluster *c, const char *id, char *json)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n_puts; i++)
        if (strcmp(c->puts[i].id, id) == 0) { /* not written yet: the newer one goes */
            free(c->puts[i].json);
            c->puts[i].json = json;
            json = NULL;
            break;
        }
    if (json)
        cl_kv_push(&c->puts, &c->n_puts, &c->cap_puts, xstrdup(id), json);
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void nd_cluster_put_state(struct nd_cluster *c, const char *id, const struct nd_source_state *st,
                          int64_t seq)
{
    char *json;
    size_t i;

    if (!state_due(c, id, st))
        return; /* the timing only, written less than a minute ago */
    json = nd_cluster_state_encode(st);
    for (i = 0; i < c->n_waiting && strcmp(c->waiting[i].id, id) != 0; i++)
        ;
    if (seq <= c->sent_upto && i == c->n_waiting) {
        queue_state(c, id, json);
        return;
    }
    /* its articles are not all in the stream yet: a node taking the source over now must
     * fetch them again, not be told by these validators that nothing changed */
    if (i == c->n_waiting) {
        if (c->n_waiting == c->cap_waiting) {
            c->cap_waiting = c->cap_waiting ? 2 * c->cap_waiting : 16;
            c->waiting = xrealloc(c->waiting, c->cap_waiting * sizeof(*c->waiting));
        }
        c->waiting[c->n_waiting++] = (struct cl_held){xstrdup(id), NULL, 0};
    }
    free(c->waiting[i].json);
    c->waiting[i].json = json;
    if (seq > c->waiting[i].seq)
        c->waiting[i].seq = seq;
}

void nd_cluster_sent(struct nd_cluster *c, int64_t upto)
{
    size_t k = 0;

    c->sent_upto = upto;
    for (size_t i = 0; i < c->n_waiting; i++) {
        if (c->waiting[i].seq <= upto) {
            queue_state(c, c->waiting[i].id, c->waiting[i].json);
            free(c->waiting[i].id);
        } else {
            c->waiting[k++] = c->waiting[i];
        }
    }
    c->n_waiting = k;
}
