/*
 * test_loop.c: the event loop: timers in order, fd and ZeroMQ watchers,
 * removal from inside a callback, turn hooks limiting the wait, stop.
 */
#include <check.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/loop.h"
#include "newsd/util.h"
#include "testutil.h"

struct rec {
    struct nd_loop *l;
    int order[16];
    int n;
};

struct tm {
    struct nd_loop_timer t;
    struct rec *r;
    int id;
};

static void on_timer(void *arg)
{
    struct tm *t = arg;
    t->r->order[t->r->n++] = t->id;
    if (t->r->n == 3)
        nd_loop_stop(t->r->l);
}

START_TEST(timers_fire_in_order)
{
    struct rec r = {nd_loop_new(), {0}, 0};
    struct tm t[4];
    int64_t now = nd_mono_ms();
    int due[4] = {30, 10, 20, 500};

    for (int i = 0; i < 4; i++) {
        t[i].r = &r;
        t[i].id = i;
        nd_loop_timer_init(&t[i].t, on_timer, &t[i]);
        nd_loop_timer_at(r.l, &t[i].t, now + due[i]);
    }
    nd_loop_timer_cancel(r.l, &t[3].t);
    ck_assert(!nd_loop_timer_armed(&t[3].t));
    nd_loop_run(r.l);
    ck_assert_int_eq(r.n, 3);
    ck_assert_int_eq(r.order[0], 1);
    ck_assert_int_eq(r.order[1], 2);
    ck_assert_int_eq(r.order[2], 0);
    ck_assert_int_ge(nd_mono_ms() - now, 30);
    nd_loop_free(r.l);
}
END_TEST

struct io {
    struct nd_loop *l;
    struct nd_watch *self, *other;
    int fd;
    int calls, other_calls;
};

static void on_read_remove_other(void *arg, int revents)
{
    struct io *io = arg;
    char c;
    ck_assert(revents & ND_EV_IN);
    ck_assert_int_eq(read(io->fd, &c, 1), 1);
    io->calls++;
    /* remove the other watcher (ready in this same turn) and ourselves */
    nd_loop_unwatch(io->l, io->other);
    nd_loop_unwatch(io->l, io->self);
    nd_loop_stop(io->l);
}

static void on_other(void *arg, int revents)
{
    struct io *io = arg;
    io->other_calls++;
}

START_TEST(watchers_removed_during_dispatch)
{
    int p1[2], p2[2];
    struct io io = {0};

    ck_assert_int_eq(pipe(p1), 0);
    ck_assert_int_eq(pipe(p2), 0);
    io.l = nd_loop_new();
    io.fd = p1[0];
    /* the other one is watched first only if it sorts first; make both ready */
    ck_assert_int_eq(write(p1[1], "x", 1), 1);
    ck_assert_int_eq(write(p2[1], "y", 1), 1);
    io.self = nd_loop_watch(io.l, p1[0], NULL, ND_EV_IN, on_read_remove_other, &io);
    io.other = nd_loop_watch(io.l, p2[0], NULL, ND_EV_IN, on_other, &io);
    nd_loop_run(io.l);
    ck_assert_int_eq(io.calls, 1);
    ck_assert_int_eq(io.other_calls, 0); /* removed before its turn came */
    nd_loop_free(io.l);
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
}
END_TEST

struct zs {
    struct nd_loop *l;
    void *pull;
    int got;
};

static void on_msg(void *arg, int revents)
{
    struct zs *z = arg;
    char buf[16];
    while (zmq_recv(z->pull, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
        z->got++;
    if (z->got == 2)
        nd_loop_stop(z->l);
}

static int64_t hook_calls;
static int64_t hook(void *arg)
{
    hook_calls++;
    return 5; /* never wait more than 5 ms */
}

START_TEST(zmq_sockets_and_hooks)
{
    void *ctx = zmq_ctx_new();
    struct zs z = {nd_loop_new(), zmq_socket(ctx, ZMQ_PULL), 0};
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int64_t t0;

    ck_assert_int_eq(zmq_bind(z.pull, "inproc://test-loop"), 0);
    ck_assert_int_eq(zmq_connect(push, "inproc://test-loop"), 0);
    nd_loop_watch(z.l, -1, z.pull, ND_EV_IN, on_msg, &z);
    nd_loop_on_turn(z.l, hook, NULL);
    /* nothing to read: a turn waits at most what the hook allows */
    t0 = nd_mono_ms();
    nd_loop_turn(z.l, -1);
    ck_assert_int_lt(nd_mono_ms() - t0, 1000);
    ck_assert_int_eq(hook_calls, 1);
    zmq_send(push, "a", 1, 0);
    zmq_send(push, "b", 1, 0);
    nd_loop_run(z.l);
    ck_assert_int_eq(z.got, 2);
    nd_loop_free(z.l);
    zmq_close(push);
    zmq_close(z.pull);
    zmq_ctx_term(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, timers_fire_in_order);
    tcase_add_test(tc, watchers_removed_during_dispatch);
    tcase_add_test(tc, zmq_sockets_and_hooks);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
