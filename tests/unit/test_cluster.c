/*
 * test_cluster.c: cluster mode's pure decisions: slots of sources, shares,
 * each node's order of preference, and rounds of claims and releases that
 * converge to similar loads with every slot held once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/cluster.h"
#include "testutil.h"

START_TEST(slots)
{
    uint32_t count[16] = {0};
    char id[32];

    ck_assert_uint_eq(nd_cluster_slot("bbc-world", 1024), nd_cluster_slot("bbc-world", 1024));
    ck_assert_uint_lt(nd_cluster_slot("bbc-world", 1024), 1024);
    ck_assert_uint_eq(nd_cluster_slot("bbc-world", 1), 0);
    for (int i = 0; i < 16000; i++) {
        snprintf(id, sizeof(id), "source-%d", i);
        count[nd_cluster_slot(id, 16)]++;
    }
    for (int s = 0; s < 16; s++) /* 1000 expected each */
        ck_assert_msg(count[s] > 850 && count[s] < 1150, "slot %d has %u", s, count[s]);
}
END_TEST

START_TEST(shares)
{
    ck_assert_uint_eq(nd_cluster_share(1024, 0), 1024);
    ck_assert_uint_eq(nd_cluster_share(1024, 1), 1024);
    ck_assert_uint_eq(nd_cluster_share(1024, 3), 342);
    ck_assert_uint_eq(nd_cluster_share(1024, 4), 256);
    ck_assert_uint_eq(nd_cluster_share(2, 3), 1);
}
END_TEST

START_TEST(preferences)
{
    uint32_t a[64], b[64], c[64];
    uint8_t seen[64] = {0};
    int same = 0;

    nd_cluster_order("n1", 64, a);
    nd_cluster_order("n1", 64, b);
    nd_cluster_order("n2", 64, c);
    ck_assert(memcmp(a, b, sizeof(a)) == 0); /* the same at every start */
    for (int i = 0; i < 64; i++) {
        ck_assert_uint_lt(a[i], 64);
        ck_assert(!seen[a[i]]); /* a permutation */
        seen[a[i]] = 1;
        same += a[i] == c[i];
    }
    ck_assert_int_lt(same, 8); /* another node prefers other slots */
}
END_TEST

/* Nodes n[0..k) run rounds on one shared view of the bucket until nothing moves. */
#define SLOTS 64
struct node {
    uint32_t order[SLOTS];
    uint8_t held[SLOTS];
};

static int held_by(const struct node *n)
{
    int h = 0;

    for (int s = 0; s < SLOTS; s++)
        h += n->held[s];
    return h;
}

/* One round of each node, in turn; what they announced is what they held before it. */
static int round_of(struct node *nodes, int k, int live, uint8_t *taken)
{
    uint32_t claim[SLOTS], release[SLOTS], loads[8];
    struct nd_cluster_moves m = {claim, 0, release, 0};
    int moved = 0;

    for (int i = 0; i < k; i++)
        loads[i] = (uint32_t)held_by(&nodes[i]);
    for (int i = 0; i < k; i++) {
        nd_cluster_balance(nodes[i].order, SLOTS, nodes[i].held, taken, (size_t)live, loads,
                           (size_t)k, &m);
        for (size_t j = 0; j < m.n_claim; j++) {
            ck_assert(!taken[claim[j]]);
            taken[claim[j]] = 1; /* create-if-absent: this node got it */
            nodes[i].held[claim[j]] = 1;
        }
        for (size_t j = 0; j < m.n_release; j++) {
            ck_assert(nodes[i].held[release[j]]);
            taken[release[j]] = 0;
            nodes[i].held[release[j]] = 0;
        }
        moved += (int)(m.n_claim + m.n_release);
    }
    return moved;
}

START_TEST(balance)
{
    struct node nodes[3];
    uint8_t taken[SLOTS] = {0};
    char name[8];
    int rounds;

    memset(nodes, 0, sizeof(nodes));
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "n%d", i + 1);
        nd_cluster_order(name, SLOTS, nodes[i].order);
    }
    /* n1 alone takes every slot */
    round_of(nodes, 1, 1, taken);
    ck_assert_int_eq(held_by(&nodes[0]), SLOTS);
    /* n2 and n3 join: n1 gives up its excess, the others claim it, in a few rounds */
    for (rounds = 0; rounds < 10 && round_of(nodes, 3, 3, taken) > 0; rounds++)
        ;
    ck_assert_int_lt(rounds, 4);
    for (int i = 0; i < 3; i++) /* 64 / 3: 21 or 22 each */
        ck_assert_msg(held_by(&nodes[i]) >= 21 && held_by(&nodes[i]) <= 22, "n%d holds %d", i + 1,
                      held_by(&nodes[i]));
    for (int s = 0; s < SLOTS; s++) /* each slot held by exactly one */
        ck_assert_int_eq(nodes[0].held[s] + nodes[1].held[s] + nodes[2].held[s], 1);
    /* n3 dies: its leases expire, the two others share its slots */
    for (int s = 0; s < SLOTS; s++)
        if (nodes[2].held[s])
            taken[s] = 0;
    memset(nodes[2].held, 0, sizeof(nodes[2].held)); /* it starts again with none */
    for (rounds = 0; rounds < 10 && round_of(nodes, 2, 2, taken) > 0; rounds++)
        ;
    ck_assert_int_eq(held_by(&nodes[0]) + held_by(&nodes[1]), SLOTS);
    ck_assert_int_eq(held_by(&nodes[0]), 32);

    /* n3 comes back when n1 and n2 hold every slot: they make room, none is left short */
    for (rounds = 0; rounds < 10 && round_of(nodes, 3, 3, taken) > 0; rounds++)
        ;
    ck_assert_int_lt(rounds, 6);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(held_by(&nodes[i]) >= 21 && held_by(&nodes[i]) <= 22, "n%d holds %d", i + 1,
                      held_by(&nodes[i]));
    for (int s = 0; s < SLOTS; s++)
        ck_assert_int_eq(nodes[0].held[s] + nodes[1].held[s] + nodes[2].held[s], 1);
}
END_TEST

START_TEST(many_nodes)
{
    /* 20 nodes, started one after the other, end with 3 or 4 slots of 64 each */
    struct node nodes[20];
    uint8_t taken[SLOTS] = {0};
    uint32_t claim[SLOTS], release[SLOTS], loads[20];
    struct nd_cluster_moves m = {claim, 0, release, 0};
    char name[8];
    int moved = 1, rounds = 0, total = 0;

    memset(nodes, 0, sizeof(nodes));
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "n%d", i + 1);
        nd_cluster_order(name, SLOTS, nodes[i].order);
    }
    for (int k = 1; k <= 20; k++) /* node k joins; a round each */
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++)
                loads[j] = (uint32_t)held_by(&nodes[j]);
            nd_cluster_balance(nodes[i].order, SLOTS, nodes[i].held, taken, (size_t)k, loads,
                               (size_t)k, &m);
            for (size_t j = 0; j < m.n_claim; j++)
                taken[claim[j]] = nodes[i].held[claim[j]] = 1;
            for (size_t j = 0; j < m.n_release; j++)
                taken[release[j]] = nodes[i].held[release[j]] = 0;
        }
    while (moved && rounds++ < 20) {
        moved = 0;
        for (int j = 0; j < 20; j++)
            loads[j] = (uint32_t)held_by(&nodes[j]);
        for (int i = 0; i < 20; i++) {
            nd_cluster_balance(nodes[i].order, SLOTS, nodes[i].held, taken, 20, loads, 20, &m);
            for (size_t j = 0; j < m.n_claim; j++)
                taken[claim[j]] = nodes[i].held[claim[j]] = 1;
            for (size_t j = 0; j < m.n_release; j++)
                taken[release[j]] = nodes[i].held[release[j]] = 0;
            moved += (int)(m.n_claim + m.n_release);
        }
    }
    ck_assert_int_lt(rounds, 20);
    for (int i = 0; i < 20; i++) {
        ck_assert_msg(held_by(&nodes[i]) >= 3 && held_by(&nodes[i]) <= 4, "n%d holds %d", i + 1,
                      held_by(&nodes[i]));
        total += held_by(&nodes[i]);
    }
    ck_assert_int_eq(total, SLOTS);
}
END_TEST

START_TEST(nothing_to_do)
{
    uint32_t order[4] = {0, 1, 2, 3}, claim[4], release[4];
    uint8_t held[4] = {1, 1, 0, 0}, taken[4] = {1, 1, 1, 1};
    struct nd_cluster_moves m = {claim, 9, release, 9};

    nd_cluster_balance(order, 4, held, taken, 2, NULL, 0, &m); /* at its share */
    ck_assert_uint_eq(m.n_claim, 0);
    ck_assert_uint_eq(m.n_release, 0);
    held[1] = 0;
    taken[1] = 0;
    taken[3] = 0;
    nd_cluster_balance(order, 4, held, taken, 2, NULL, 0, &m); /* one short: its first free */
    ck_assert_uint_eq(m.n_claim, 1);
    ck_assert_uint_eq(claim[0], 1);
    held[1] = held[2] = held[3] = 1;
    nd_cluster_balance(order, 4, held, taken, 2, NULL, 0, &m); /* two over: its last ones go */
    ck_assert_uint_eq(m.n_release, 2);
    ck_assert_uint_eq(release[0], 3);
    ck_assert_uint_eq(release[1], 2);
}
END_TEST

START_TEST(state)
{
    struct nd_source_state st = {0}, back, none = {0};
    char *json;

    st.url = "https://a.example/feed";
    st.etag = "\"x\\y\"";
    st.next_due = 1767000000;
    st.last_poll = 1766999000;
    st.errors = 2;
    st.outcome = "rate-limited";
    st.error = "HTTP 429";
    st.http_status = 429;
    st.retry_until = 1767000000;
    json = nd_cluster_state_encode(&st);
    ck_assert_int_eq(nd_cluster_state_decode(json, &back), ND_OK);
    free(json);
    ck_assert_str_eq(back.url, st.url);
    ck_assert_str_eq(back.etag, st.etag);
    ck_assert_ptr_null(back.last_modified);
    ck_assert_int_eq(back.next_due, st.next_due);
    ck_assert_int_eq(back.last_poll, st.last_poll);
    ck_assert_int_eq(back.last_ok, 0);
    ck_assert_int_eq(back.errors, 2);
    ck_assert_str_eq(back.outcome, "rate-limited");
    ck_assert_str_eq(back.error, "HTTP 429");
    ck_assert_int_eq(back.http_status, 429);
    ck_assert_int_eq(back.retry_until, st.retry_until);

    ck_assert(nd_cluster_state_newer(&none, &back)); /* never polled here */
    ck_assert(!nd_cluster_state_newer(&back, &none));
    ck_assert(!nd_cluster_state_newer(&st, &back)); /* as recent */
    back.last_poll++;
    ck_assert(nd_cluster_state_newer(&st, &back));
    nd_source_state_clear(&back);

    ck_assert_int_eq(nd_cluster_state_decode("[1]", &back), ND_EINVAL);
    ck_assert_int_eq(nd_cluster_state_decode("{", &back), ND_EINVAL);
}
END_TEST

START_TEST(node_key)
{
    uint8_t held[64] = {0}, back[64];
    uint32_t n;
    int claims;
    char *v;

    for (int s = 0; s < 4; s++)
        held[s] = 1;
    held[7] = held[9] = held[10] = held[63] = 1;
    v = nd_cluster_node_encode(held, 64, 1);
    ck_assert_str_eq(v, "{\"held\":8,\"slots\":\"0-3,7,9-10,63\",\"claims\":true}");
    ck_assert_int_eq(nd_cluster_node_decode(v, 64, back, &n, &claims), ND_OK);
    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(claims, 1);
    ck_assert_mem_eq(back, held, 64);
    free(v);
    memset(held, 0, sizeof(held));
    v = nd_cluster_node_encode(held, 64, 0);
    ck_assert_str_eq(v, "{\"held\":0,\"slots\":\"\",\"claims\":false}");
    ck_assert_int_eq(nd_cluster_node_decode(v, 64, back, &n, &claims), ND_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(claims, 0);
    free(v);
    /* an older node's bare count */
    ck_assert_int_eq(nd_cluster_node_decode("21", 64, back, &n, &claims), ND_OK);
    ck_assert_uint_eq(n, 21);
    ck_assert_int_eq(claims, 1);
    /* out of range, malformed */
    ck_assert_int_eq(nd_cluster_node_decode("{\"slots\":\"64\"}", 64, back, &n, &claims),
                     ND_EINVAL);
    ck_assert_int_eq(nd_cluster_node_decode("{\"slots\":\"3-1\"}", 64, back, &n, &claims),
                     ND_EINVAL);
    ck_assert_int_eq(nd_cluster_node_decode("{\"slots\":\"1,,2\"}", 64, back, &n, &claims),
                     ND_EINVAL);
    ck_assert_int_eq(nd_cluster_node_decode("{\"slots\":\"-1\"}", 64, back, &n, &claims),
                     ND_EINVAL);
    ck_assert_int_eq(nd_cluster_node_decode("nonsense", 64, back, &n, &claims), ND_EINVAL);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(state_due)
{
    struct nd_source_state last = {0}, st;

    last.url = "http://a/feed";
    last.etag = "\"1\"";
    last.outcome = "not_modified";
    last.http_status = 304;
    last.next_due = 1000;
    st = last;
    ck_assert(nd_cluster_state_due(NULL, 0, &st, 100)); /* never written */
    st.next_due = 1900;
    st.last_poll = st.last_ok = 990;
    ck_assert(!nd_cluster_state_due(&last, 100, &st, 159)); /* timing only, within a minute */
    ck_assert(nd_cluster_state_due(&last, 100, &st, 160));  /* a minute later */
    ck_assert(nd_cluster_state_due(&last, 100, &st, 99));   /* the clock went back */
    st.etag = "\"2\"";
    ck_assert(nd_cluster_state_due(&last, 100, &st, 101));
    st.etag = last.etag;
    st.retry_until = 5000; /* a server's hint goes at once */
    ck_assert(nd_cluster_state_due(&last, 100, &st, 101));
    st.retry_until = 0;
    st.errors = 1;
    ck_assert(nd_cluster_state_due(&last, 100, &st, 101));
    st.errors = 0;
    st.error = "HTTP 503";
    ck_assert(nd_cluster_state_due(&last, 100, &st, 101));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("cluster");

    tcase_add_test(tc, slots);
    tcase_add_test(tc, shares);
    tcase_add_test(tc, preferences);
    tcase_add_test(tc, balance);
    tcase_add_test(tc, many_nodes);
    tcase_add_test(tc, state);
    tcase_add_test(tc, nothing_to_do);
    tcase_add_test(tc, node_key);
    tcase_add_test(tc, state_due);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
