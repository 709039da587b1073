/*
 * test_near_index.c: the near-duplicate index's entries (near_index.c): the
 * compact form it keeps signatures in, nd_near_index_get, nd_near_compare.
 * The index's answers are test_near.c's.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/near.h"
#include "near_index.h"
#include "testutil.h"

static char *data_path(const char *rel)
{
    const char *dir = getenv("NEWSD_TEST_DATA");
    char *p;

    if (asprintf(&p, "%s/%s", dir ? dir : "tests/data", rel) < 0)
        abort();
    return p;
}

static struct nd_near_sig *sig_of(json_t *it)
{
    return nd_near_sig_new(json_string_value(json_object_get(it, "title")),
                           json_string_value(json_object_get(it, "text")));
}

static const char *source_of(json_t *it)
{
    return json_string_value(json_object_get(it, "source"));
}

static const char *const story =
    "The city council approved a new housing plan on Tuesday evening after a debate that lasted "
    "more than six hours, ending months of negotiations between residents and developers.\n\n"
    "The plan allows the construction of about four thousand new homes on former industrial land "
    "near the river, a third of which must be offered at rents below the market rate.\n\n"
    "\"This is the most important decision this council has made in a decade,\" said the mayor, "
    "who had campaigned on the promise of affordable housing.\n\n"
    "Opponents warned that the new buildings would strain schools, hospitals and public "
    "transport, which are already close to capacity in the neighbourhood centre.";

static const char *const other_story =
    "Scientists at the university have developed a new battery that can be charged in less than "
    "ten minutes and keeps most of its capacity after thousands of cycles, a study said.\n\n"
    "The researchers replaced the graphite used in most lithium batteries with a material made "
    "from silicon and carbon, which stores more energy and lets ions move faster.";

/* Each item of the labeled set, for the tests below: *n signatures (caller frees). */
static struct nd_near_sig **set_sigs(size_t *n, char ***sources)
{
    char *path = data_path("near/pairs.jsonl");
    FILE *fp = fopen(path, "r");
    struct nd_near_sig **sigs = NULL;
    char *line = NULL;
    size_t cap = 0, have = 0;

    ck_assert_ptr_nonnull(fp);
    *n = 0;
    *sources = NULL;
    while (getline(&line, &cap, fp) > 0) {
        json_t *p = json_loads(line, 0, NULL), *h;
        json_t *items[64];
        size_t ni = 0, i;
        json_array_foreach(json_object_get(p, "history"), i, h) if (ni < 62) items[ni++] = h;
        items[ni++] = json_object_get(p, "a");
        items[ni++] = json_object_get(p, "b");
        for (i = 0; i < ni; i++) {
            if (*n == have) {
                have = have ? have * 2 : 256;
                sigs = realloc(sigs, have * sizeof(*sigs));
                *sources = realloc(*sources, have * sizeof(**sources));
                ck_assert(sigs && *sources);
            }
            (*sources)[*n] = strdup(source_of(items[i]));
            sigs[(*n)++] = sig_of(items[i]);
        }
        json_decref(p);
    }
    free(line);
    fclose(fp);
    free(path);
    return sigs;
}

static void free_sigs(struct nd_near_sig **sigs, char **sources, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        nd_near_sig_free(sigs[i]);
        free(sources[i]);
    }
    free(sigs);
    free(sources);
}

/* Two signatures are the same when they pack to the same bytes. */
static void same_sig(const struct nd_near_sig *a, const struct nd_near_sig *b)
{
    uint8_t pa[ND_NEAR_BLOB_MAX], pb[ND_NEAR_BLOB_MAX];
    int na = nd_near_sig_pack(a, pa, sizeof(pa)), nb = nd_near_sig_pack(b, pb, sizeof(pb));

    ck_assert_int_gt(na, 0);
    ck_assert_int_eq(na, nb);
    ck_assert_mem_eq(pa, pb, (size_t)na);
}

/* The index's compact form gives every signature back, with its flags, hashes in order. */
START_TEST(compact_round_trip)
{
    char **sources;
    size_t n;
    struct nd_near_sig **sigs = set_sigs(&n, &sources);
    uint8_t buf[NEAR_COMPACT_MAX + NEAR_COMPACT_PAD], flags[NEAR_UNIT_BYTES], back[NEAR_UNIT_BYTES];
    uint32_t vals[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    uint16_t meta[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    uint64_t x = 7;

    ck_assert_uint_gt(n, 600);
    for (size_t i = 0; i < n; i++) {
        struct nd_near_sig *sig = sigs[i], *out = calloc(1, sizeof(*out));
        size_t len, nv, lead = 0;
        for (size_t k = 0; k < sizeof(flags); k++)
            flags[k] = (uint8_t)tu_next(&x);
        len = near_sig_compact(sig, flags, buf);
        ck_assert_uint_le(len, NEAR_COMPACT_MAX);
        near_sig_expand(buf, out, back);
        same_sig(sig, out);
        for (unsigned u = 0; u < sig->nunits; u++)
            ck_assert_int_eq((back[u / 8] >> (u % 8)) & 1, (flags[u / 8] >> (u % 8)) & 1);
        nv = near_sig_expand_sorted(buf, out, back, vals, meta);
        ck_assert_uint_eq(nv, (size_t)sig->nlead + sig->nextra);
        for (size_t k = 0; k < nv; k++) {
            ck_assert(k == 0 || vals[k - 1] < vals[k]);
            lead += meta[k] >> 15;
        }
        ck_assert_uint_eq(lead, sig->nlead);
        free(out);
    }
    free_sigs(sigs, sources, n);
}
END_TEST

/* nd_near_index_get: the signature that was added, under its reference, until it expires. */
START_TEST(get_by_ref)
{
    char **sources;
    size_t n;
    struct nd_near_sig **sigs = set_sigs(&n, &sources), *got;
    struct nd_near_index *ix = nd_near_index_new();

    ck_assert_int_eq(nd_near_index_get(ix, 1, &got), ND_ENOTFOUND);
    ck_assert_ptr_null(got);
    for (size_t i = 0; i < n; i++) /* references far apart and near, time i */
        nd_near_index_add(ix, sigs[i], i * 0x9E3779B97F4A7C15ULL + 3, sources[i], (int64_t)i);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(nd_near_index_get(ix, i * 0x9E3779B97F4A7C15ULL + 3, &got), 0);
        same_sig(sigs[i], got);
        nd_near_sig_free(got);
    }
    ck_assert_int_eq(nd_near_index_get(ix, 2, &got), ND_ENOTFOUND);
    /* the first half expires: its references are gone, the others still answer */
    ck_assert_uint_eq(nd_near_index_expire(ix, (int64_t)(n / 2)), n / 2);
    for (size_t i = 0; i < n; i++) {
        int rc = nd_near_index_get(ix, i * 0x9E3779B97F4A7C15ULL + 3, &got);
        if (i < n / 2) {
            ck_assert_int_eq(rc, ND_ENOTFOUND);
            continue;
        }
        ck_assert_int_eq(rc, 0);
        same_sig(sigs[i], got);
        nd_near_sig_free(got);
    }
    /* a reference added again answers with the later entry, and still after the earlier goes */
    nd_near_index_add(ix, sigs[0], 99, "x", 1000000);
    nd_near_index_add(ix, sigs[1], 99, "x", 2000000);
    ck_assert_int_eq(nd_near_index_get(ix, 99, &got), 0);
    same_sig(sigs[1], got);
    nd_near_sig_free(got);
    nd_near_index_expire(ix, 1500000);
    ck_assert_int_eq(nd_near_index_get(ix, 99, &got), 0);
    same_sig(sigs[1], got);
    nd_near_sig_free(got);
    nd_near_index_free(ix);
    free_sigs(sigs, sources, n);
}
END_TEST

/* nd_near_compare: a pair by the rules of a query, without boilerplate models. */
START_TEST(compare_pair)
{
    struct nd_near_sig *a = nd_near_sig_new("Council approves housing plan", story);
    struct nd_near_sig *b = nd_near_sig_new("Battery breakthrough", other_story);
    struct nd_near_sig *none = nd_near_sig_new(NULL, NULL), *teaser;
    struct nd_near_match m;
    char *first = strndup(story, (size_t)(strstr(story, "\n\n") - story));

    nd_near_compare(a, a, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_str_eq(m.measure, "jaccard");
    ck_assert(m.score == 1.0);
    ck_assert_uint_eq(m.ref, 0);
    ck_assert_uint_eq(m.candidates, 1);
    teaser = nd_near_sig_new("Housing plan", first);
    nd_near_compare(teaser, a, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_str_eq(m.measure, "containment");
    nd_near_compare(a, b, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    ck_assert_int_eq(m.has_nearest, 1);
    ck_assert(m.score < m.threshold);
    ck_assert_str_eq(m.reason, "the texts differ");
    nd_near_compare(none, a, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    ck_assert_uint_eq(m.candidates, 0);
    nd_near_compare(a, none, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    nd_near_sig_free(a);
    nd_near_sig_free(b);
    nd_near_sig_free(none);
    nd_near_sig_free(teaser);
    free(first);
}
END_TEST

/*
 * nd_near_compare agrees with a query against an index that holds only the
 * other article (one item of a source teaches its model no boilerplate), on
 * every pair of both labeled sets, in both orders; and with the stored
 * signature from nd_near_index_get.
 */
static void compare_agrees(const char *rel)
{
    char *path = data_path(rel), *line = NULL;
    FILE *fp = fopen(path, "r");
    size_t cap = 0, pairs = 0, ties = 0;

    ck_assert_ptr_nonnull(fp);
    while (getline(&line, &cap, fp) > 0) {
        json_t *p = json_loads(line, 0, NULL);
        for (int order = 0; order < 2; order++) {
            json_t *ja = json_object_get(p, order ? "b" : "a");
            json_t *jb = json_object_get(p, order ? "a" : "b");
            struct nd_near_sig *a = sig_of(ja), *b = sig_of(jb), *stored;
            struct nd_near_index *ix = nd_near_index_new();
            struct nd_near_match q, c;
            nd_near_index_add(ix, a, 5, source_of(ja), 1);
            nd_near_index_query(ix, b, source_of(jb), &q);
            ck_assert_int_eq(nd_near_index_get(ix, 5, &stored), 0);
            nd_near_compare(b, stored, &c);
            if (q.candidates == 1) { /* found by the look-up: the same answer */
                ck_assert_int_eq(c.verdict, q.verdict);
                ck_assert(c.score == q.score);
                ck_assert(c.threshold == q.threshold);
                ck_assert_str_eq(c.reason, q.reason);
            } else { /* not a candidate: never a copy */
                ck_assert_int_eq(q.verdict, ND_NEAR_NEW);
            }
            ties += c.verdict == ND_NEAR_DUP;
            nd_near_sig_free(a);
            nd_near_sig_free(b);
            nd_near_sig_free(stored);
            nd_near_index_free(ix);
        }
        pairs++;
        json_decref(p);
    }
    ck_assert_uint_ge(pairs, 150);
    ck_assert_uint_gt(ties, pairs / 2);
    free(line);
    fclose(fp);
    free(path);
}

START_TEST(compare_agrees_with_query)
{
    compare_agrees("near/pairs.jsonl");
    compare_agrees("near/holdout/pairs.jsonl");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("near_index");
    TCase *tc = tcase_create("entries");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, compact_round_trip);
    tcase_add_test(tc, get_by_ref);
    tcase_add_test(tc, compare_pair);
    tcase_add_test(tc, compare_agrees_with_query);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
