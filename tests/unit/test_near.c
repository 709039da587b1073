/*
 * test_near.c: near-duplicate signatures and index (near.h).
 *
 * The labeled sets (tests/data/near/pairs.jsonl and holdout/pairs.jsonl) go
 * through the index as the daemon would meet them: a fresh index, the pair's
 * history first (earlier items of the same outlets), then one article added,
 * then the other queried, in both orders.  A "tie" pair counts as found when
 * the query names the first article; a "not" pair is a false tie when the
 * query names anything.  The targets: precision and recall >= 0.95 overall,
 * and no kind of "not" pair tied more than once in twenty.
 *
 *   test_near --table FILE...   prints the per-kind table instead (for docs);
 *   NEAR_VERBOSE=1 lists each miss, NEAR_NO_HISTORY=1 leaves the histories out,
 *   NEAR_DOC=1 hands each outlet's items to the index as one document;
 *   test_near --baselines FILE...   the same pairs through simpler methods.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/fingerprint.h"
#include "newsd/near.h"
#include "near_int.h"
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "testutil.h"

/* deterministic: the packed signature of one text, the same on every machine */
#define NEAR_GOLDEN_LEN 535
#define NEAR_GOLDEN_FNV 3140579678804100422ULL

/* --- the labeled sets --------------------------------------------------------------------- */

#define MAX_KINDS 64

struct kind_stat {
    char kind[48];
    int tie;       /* 1: tie pairs, 0: not pairs */
    int trials;    /* queries (two per pair) */
    int tied;      /* queries that named the other article */
    int wrong;     /* queries that named something else (history) */
    int one_order; /* pairs tied in one order only */
};

struct eval {
    struct kind_stat kinds[MAX_KINDS];
    int nkinds;
    int tp, fp, fn, pairs;
};

/* The data are broken: no test can run (also outside Check's runner, in --table mode). */
static void die(const char *what)
{
    fprintf(stderr, "test_near: %s\n", what);
    exit(2);
}

static struct kind_stat *kind_of(struct eval *ev, const char *kind, int tie)
{
    for (int i = 0; i < ev->nkinds; i++)
        if (strcmp(ev->kinds[i].kind, kind) == 0 && ev->kinds[i].tie == tie)
            return &ev->kinds[i];
    if (ev->nkinds == MAX_KINDS)
        die("too many kinds");
    snprintf(ev->kinds[ev->nkinds].kind, sizeof(ev->kinds[0].kind), "%s", kind);
    ev->kinds[ev->nkinds].tie = tie;
    return &ev->kinds[ev->nkinds++];
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

/*
 * History, then `first`, then query `second`: the answer in *m.  In --table
 * mode, NEAR_NO_HISTORY=1 leaves the history out of the index, and
 * NEAR_DOC=1 gives the index the items of second's source (history, first,
 * second) as one fetched document (nd_near_index_document).
 */
static void run_order(json_t *history, json_t *first, json_t *second, struct nd_near_match *m)
{
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_sig *doc[64], *s_first, *s_second;
    size_t i, ndoc = 0;
    json_t *h;
    int64_t t = 1000000;
    int use_doc = getenv("NEAR_DOC") != NULL, no_hist = getenv("NEAR_NO_HISTORY") != NULL;
    const char *src = source_of(second);

    s_first = sig_of(first);
    s_second = sig_of(second);
    if (use_doc) {
        json_array_foreach(history, i, h) if (ndoc < 62 && strcmp(source_of(h), src) == 0)
            doc[ndoc++] = sig_of(h);
        if (strcmp(source_of(first), src) == 0)
            doc[ndoc++] = s_first;
        doc[ndoc++] = s_second;
        nd_near_index_document(ix, (const struct nd_near_sig *const *)doc, ndoc);
    }
    if (!no_hist) {
        json_array_foreach(history, i, h)
        {
            struct nd_near_sig *sig = sig_of(h);
            nd_near_index_add(ix, sig, 100 + i, source_of(h), t++);
            nd_near_sig_free(sig);
        }
    }
    nd_near_index_add(ix, s_first, 1, source_of(first), t++);
    nd_near_index_query(ix, s_second, src, m);
    nd_near_index_document(ix, NULL, 0);
    for (i = 0; i < ndoc; i++)
        if (doc[i] != s_first && doc[i] != s_second)
            nd_near_sig_free(doc[i]);
    nd_near_sig_free(s_first);
    nd_near_sig_free(s_second);
    nd_near_index_free(ix);
}

static void eval_file(struct eval *ev, const char *path, FILE *verbose)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;

    if (fp == NULL)
        die(path);
    while (getline(&line, &cap, fp) > 0) {
        json_error_t err;
        json_t *p = json_loads(line, 0, &err);
        const char *kind, *label;
        struct kind_stat *ks;
        int tie, hits = 0;

        if (p == NULL)
            die(err.text);
        kind = json_string_value(json_object_get(p, "kind"));
        label = json_string_value(json_object_get(p, "label"));
        tie = strcmp(label, "tie") == 0;
        ks = kind_of(ev, kind, tie);
        ev->pairs++;
        for (int order = 0; order < 2; order++) {
            json_t *a = json_object_get(p, order ? "b" : "a");
            json_t *b = json_object_get(p, order ? "a" : "b");
            struct nd_near_match m;
            int named = 0;
            run_order(json_object_get(p, "history"), a, b, &m);
            ks->trials++;
            if (m.verdict == ND_NEAR_DUP) {
                named = m.ref == 1;
                ks->tied += named;
                ks->wrong += !named;
            }
            hits += m.verdict == ND_NEAR_DUP;
            if (tie && named)
                ev->tp++;
            else if (m.verdict == ND_NEAR_DUP)
                ev->fp++;
            if (tie && !named)
                ev->fn++;
            if (getenv("NEAR_SCORES")) /* every answer, for the tuning notes */
                printf("score %s %s %s %d %s %.4f %.2f\n",
                       json_string_value(json_object_get(p, "id")), kind, label,
                       m.verdict == ND_NEAR_DUP, m.measure ? m.measure : "-", m.score, m.threshold);
            if (verbose && (tie ? !named : m.verdict == ND_NEAR_DUP))
                fprintf(verbose, "  miss %s order %d: %s %.3f (thr %.2f) %s\n",
                        json_string_value(json_object_get(p, "id")), order,
                        m.measure ? m.measure : "-", m.score, m.threshold,
                        m.reason ? m.reason : "");
        }
        ks->one_order += hits == 1;
        json_decref(p);
    }
    free(line);
    fclose(fp);
}

static double precision(const struct eval *ev)
{
    return ev->tp + ev->fp ? (double)ev->tp / (ev->tp + ev->fp) : 1.0;
}

static double recall(const struct eval *ev)
{
    return ev->tp + ev->fn ? (double)ev->tp / (ev->tp + ev->fn) : 1.0;
}

static void print_table(const struct eval *ev, const char *name, FILE *out)
{
    fprintf(out, "%s: %d pairs, %d queries (both orders)\n\n", name, ev->pairs, 2 * ev->pairs);
    fprintf(out, "| label | kind | pairs | tied | rate | one order only |\n");
    fprintf(out, "|---|---|---:|---:|---:|---:|\n");
    for (int t = 1; t >= 0; t--)
        for (int i = 0; i < ev->nkinds; i++) {
            const struct kind_stat *k = &ev->kinds[i];
            if (k->tie != t)
                continue;
            fprintf(out, "| %s | %s | %d | %d/%d | %.2f | %d |\n", t ? "tie" : "not", k->kind,
                    k->trials / 2, k->tied + k->wrong, k->trials,
                    (double)(k->tied + k->wrong) / k->trials, k->one_order);
        }
    fprintf(out, "\nprecision %.3f, recall %.3f (tp %d, fp %d, fn %d)\n\n", precision(ev),
            recall(ev), ev->tp, ev->fp, ev->fn);
}

static char *data_path(const char *rel)
{
    const char *dir = getenv("NEWSD_TEST_DATA");
    char *p;

    if (asprintf(&p, "%s/%s", dir ? dir : "tests/data", rel) < 0)
        abort();
    return p;
}

/*
 * Run one set (of min_pairs pairs or more) and assert its figures: precision
 * (min_precision), recall (min_recall), and no kind of "not" pair tied more
 * than once in twenty.
 */
static void check_set(const char *rel, int min_pairs, double min_precision, double min_recall)
{
    struct eval ev;
    char *path = data_path(rel);

    memset(&ev, 0, sizeof(ev));
    eval_file(&ev, path, stderr);
    print_table(&ev, rel, stdout);
    ck_assert_int_ge(ev.pairs, min_pairs);
    ck_assert_msg(precision(&ev) >= min_precision, "%s: precision %.3f", rel, precision(&ev));
    ck_assert_msg(recall(&ev) >= min_recall, "%s: recall %.3f", rel, recall(&ev));
    for (int i = 0; i < ev.nkinds; i++) {
        const struct kind_stat *k = &ev.kinds[i];
        if (!k->tie)
            ck_assert_msg(20 * (k->tied + k->wrong) <= k->trials, "%s: %s tied %d of %d", rel,
                          k->kind, k->tied + k->wrong, k->trials);
    }
    free(path);
}

START_TEST(labeled_set)
{
    check_set("near/pairs.jsonl", 150, 0.95, 0.95);
}
END_TEST

/*
 * The title-only set: flashes rewritten by other desks, and look-alikes from
 * one template with other facts.  No look-alike may be tied; many rewrites
 * are missed (another verb or noun for the same thing, which words do not
 * tell apart from another fact: docs/architecture.md), and the floor guards
 * against regressions.
 */
START_TEST(title_set)
{
    check_set("near/titles.jsonl", 100, 1.0, 0.60);
}
END_TEST

/*
 * The held-back set is measured, not tuned on.  It meets the precision and
 * per-kind targets; its recall is 0.955, half of its title-only flashes
 * being paraphrases that word sets do not tie (docs/architecture.md).  The
 * floor, below that, guards against regressions without making the set one
 * to tune on.
 */
START_TEST(holdout_set)
{
    check_set("near/holdout/pairs.jsonl", 150, 0.95, 0.92);
}
END_TEST

/* --- the pieces ----------------------------------------------------------------------------- */

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

/* Query sig (title, text) from source against ix. */
static struct nd_near_match ask(struct nd_near_index *ix, const char *title, const char *text,
                                const char *source)
{
    struct nd_near_sig *sig = nd_near_sig_new(title, text);
    struct nd_near_match m;

    nd_near_index_query(ix, sig, source, &m);
    nd_near_sig_free(sig);
    return m;
}

static void put(struct nd_near_index *ix, const char *title, const char *text, const char *source,
                uint64_t ref, int64_t t)
{
    struct nd_near_sig *sig = nd_near_sig_new(title, text);

    nd_near_index_add(ix, sig, ref, source, t);
    nd_near_sig_free(sig);
}

static size_t pack(const char *title, const char *text, uint8_t *out)
{
    struct nd_near_sig *sig = nd_near_sig_new(title, text);
    int n = nd_near_sig_pack(sig, out, ND_NEAR_BLOB_MAX);

    nd_near_sig_free(sig);
    ck_assert_int_gt(n, 0);
    ck_assert_int_le(n, ND_NEAR_BLOB_MAX);
    return (size_t)n;
}

START_TEST(pack_round_trip)
{
    uint8_t a[ND_NEAR_BLOB_MAX], b[ND_NEAR_BLOB_MAX], small[16];
    struct nd_near_sig *sig, *back;
    size_t n = pack("Council approves housing plan", story, a);
    int m;

    ck_assert_int_eq(nd_near_sig_unpack(a, n, &back), 0);
    m = nd_near_sig_pack(back, b, sizeof(b));
    ck_assert_int_eq(m, (int)n);
    ck_assert_mem_eq(a, b, n);
    nd_near_sig_free(back);
    /* truncated, padded, or another version: refused */
    ck_assert_int_eq(nd_near_sig_unpack(a, n - 1, &back), ND_EINVAL);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(nd_near_sig_unpack(a, n + 1, &back), ND_EINVAL);
    b[1] = 99;
    ck_assert_int_eq(nd_near_sig_unpack(b, n, &back), ND_EINVAL);
    ck_assert_int_eq(nd_near_sig_unpack(a, 3, &back), ND_EINVAL);
    /* too small a buffer */
    sig = nd_near_sig_new("t", story);
    ck_assert_int_eq(nd_near_sig_pack(sig, small, sizeof(small)), ND_ETOOBIG);
    nd_near_sig_free(sig);
}
END_TEST

START_TEST(pack_is_bounded)
{
    /* a text far past every cap still packs below ND_NEAR_BLOB_MAX */
    size_t cap = 600000, len = 0;
    char *big = malloc(cap);
    uint64_t x = 42;
    uint8_t out[ND_NEAR_BLOB_MAX];
    static const char *const words[] = {"Alpha", "river", "7",   "council", "said",   "Bravo.",
                                        "homes", "new",   "the", "of",      "Carrow", "plan.\n"};

    ck_assert_ptr_nonnull(big);
    big[0] = '\0';
    while (tu_append(big, cap, &len, TU_PICK(words, &x)) && tu_append(big, cap, &len, " "))
        ;
    ck_assert_int_le(pack("Big", big, out), ND_NEAR_BLOB_MAX);
    free(big);
}
END_TEST

START_TEST(deterministic)
{
    uint8_t a[ND_NEAR_BLOB_MAX], b[ND_NEAR_BLOB_MAX];
    size_t n = pack("Council approves housing plan", story, a);
    uint64_t h = 1469598103934665603ULL;

    ck_assert_uint_eq(pack("Council approves housing plan", story, b), n);
    ck_assert_mem_eq(a, b, n);
    /* the same bytes on every machine: FNV-1a of the blob, computed once */
    for (size_t i = 0; i < n; i++)
        h = (h ^ a[i]) * 1099511628211ULL;
    ck_assert_uint_eq(n, NEAR_GOLDEN_LEN);
    ck_assert_uint_eq(h, NEAR_GOLDEN_FNV);
}
END_TEST

START_TEST(empty_and_null)
{
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_sig *sig = nd_near_sig_new(NULL, NULL);
    struct nd_near_match m;
    uint8_t out[ND_NEAR_BLOB_MAX], again[ND_NEAR_BLOB_MAX];
    struct nd_near_sig *back;
    int n;

    ck_assert(nd_near_sig_empty(sig));
    n = nd_near_sig_pack(sig, out, sizeof(out));
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(nd_near_sig_unpack(out, (size_t)n, &back), 0);
    ck_assert_int_eq(nd_near_sig_pack(back, again, sizeof(again)), n);
    nd_near_sig_free(back);
    nd_near_index_add(ix, sig, 1, NULL, 0);
    nd_near_index_query(ix, sig, NULL, &m);
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    nd_near_sig_free(sig);
    m = ask(ix, "", "", "x");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    nd_near_index_free(ix);
    nd_near_index_free(NULL);
}
END_TEST

START_TEST(copies_and_others)
{
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_match m;
    char *copy, *teaser;

    put(ix, "Council approves housing plan", story, "wire", 7, 100);
    put(ix, "Battery breakthrough", other_story, "science", 8, 101);
    /* another headline, a credit line, American spelling */
    if (asprintf(&copy, "%s\n\nReporting by Ann Lee; editing by Tom Berg", story) < 0)
        abort();
    for (char *p = strstr(copy, "neighbourhood centre"); p; p = NULL)
        memcpy(p, "neighborhood center ", 20);
    m = ask(ix, "Housing plan wins approval", copy, "portal");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_uint_eq(m.ref, 7);
    ck_assert_str_eq(m.measure, "jaccard");
    ck_assert(m.score >= m.threshold);
    /* the first paragraph only */
    teaser = strndup(story, (size_t)(strstr(story, "\n\n") - story));
    m = ask(ix, "Council approves housing plan", teaser, "digest");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_uint_eq(m.ref, 7);
    ck_assert_str_eq(m.measure, "containment");
    /* another story, and the same title over another text */
    m = ask(ix, "Council approves housing plan",
            "Residents of the eastern district will vote in March on whether to merge their "
            "fire service with the county's, after a petition gathered enough signatures.",
            "wire");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    ck_assert_ptr_nonnull(m.reason);
    if (m.has_nearest) /* the nearest failing candidate is explained */
        ck_assert(m.score < m.threshold || strcmp(m.reason, "the texts differ") != 0);
    free(copy);
    free(teaser);
    nd_near_index_free(ix);
}
END_TEST

START_TEST(short_items)
{
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_match m;

    put(ix, "Rate path",
        "The central bank expects to cut its main interest rate twice next year, 2 rate cuts "
        "of a quarter point each, governor Elsa Marklund said on Tuesday.",
        "wire", 1, 10);
    put(ix, "Quake",
        "A strong earthquake of magnitude 6.3 struck off the coast of Japan on Thursday, the "
        "national seismic agency said.",
        "wire", 2, 11);
    m = ask(ix, "Rate path",
            "The central bank expects to cut its main interest rate once next year, 1 rate cut "
            "of a quarter point, governor Elsa Marklund said on Tuesday.",
            "wire");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    m = ask(ix, "Quake",
            "A strong earthquake of magnitude 6.3 struck off the coast of Chile on Thursday, the "
            "national seismic agency said.",
            "wire");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    /* the same brief under another headline is the same item */
    m = ask(ix, "Strong quake off Japan",
            "A strong earthquake of magnitude 6.3 struck off the coast of Japan on Thursday, the "
            "national seismic agency said.",
            "courier");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_uint_eq(m.ref, 2);
    /* title-only flashes: a small change ties, another number does not */
    put(ix, "FLASH: Central bank raises rates by 25 basis points", "", "wire", 3, 12);
    m = ask(ix, "Central bank raises rates by 25 basis points - Northwind", NULL, "courier");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_str_eq(m.measure, "title");
    m = ask(ix, "FLASH: Central bank raises rates by 50 basis points", "", "courier");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    nd_near_index_free(ix);
}
END_TEST

/* Is title b, title-only, a copy of title-only a (each on an index of its own)?  Both orders. */
static int same_title(const char *a, const char *b)
{
    int tied = 0;

    for (int order = 0; order < 2; order++) {
        struct nd_near_index *ix = nd_near_index_new();
        struct nd_near_match m;
        put(ix, order ? b : a, NULL, "wire", 1, 10);
        m = ask(ix, order ? a : b, NULL, "courier");
        ck_assert_msg(m.verdict == ND_NEAR_NEW || strcmp(m.measure, "title") == 0, "%s", a);
        tied += m.verdict == ND_NEAR_DUP;
        nd_near_index_free(ix);
    }
    ck_assert_msg(tied != 1, "%s / %s: tied in one order only", a, b);
    return tied == 2;
}

START_TEST(title_rules)
{
    /* the same words, however written: tags, abbreviations, numbers, stems, an outlet's name */
    ck_assert(same_title("UPDATE 2-Gov. Okafor declares wildfire emergency",
                         "Governor Okafor declares wildfire emergency"));
    ck_assert(same_title("Harbor Foods to buy Crispin for $1.2 billion",
                         "Harbor Foods buys Crispin for $1,200 mln - Northwind Wire"));
    ck_assert(same_title("Avalanche on Mt. Kessel kills three climbers",
                         "Three climbers killed in avalanche on Mount Kessel"));
    ck_assert(same_title("Wren-3 satellite launched successfully",
                         "Successful launch for Wren-3 satellite"));
    /* one adds words (a given name, a clause) */
    ck_assert(same_title("Finance minister Brandt resigns over tax scandal",
                         "Finance minister Lukas Brandt resigns over tax scandal"));
    /* the passive turns the names round */
    ck_assert(same_title("Crispin bought by Harbor Foods", "Harbor Foods buys Crispin"));
    /* another number, or a number one lacks */
    ck_assert(!same_title("Orlen Motors to cut 2,000 jobs", "Orlen Motors to cut 1,200 jobs"));
    ck_assert(
        !same_title("Veltrix third-quarter profit up 12%", "Veltrix second-quarter profit up 12%"));
    ck_assert(!same_title("Ferry capsizes off Kestrel Bay",
                          "Ferry capsizes off Kestrel Bay, 14 missing"));
    /* a word of each: another name or place, another verb, whatever the words */
    ck_assert(!same_title("Galen-3 probe enters orbit around Mars",
                          "Galen-3 probe enters orbit around Venus"));
    ck_assert(
        !same_title("Court upholds ban on striker Novak", "Court overturns ban on striker Novak"));
    ck_assert(!same_title("Orange storm warning for the north coast tonight",
                          "Orange storm warning for the west coast tonight"));
    /* a verb of news added: the next story */
    ck_assert(!same_title("Ferry capsizes off Kestrel Bay, 14 missing",
                          "Ferry capsizes off Kestrel Bay: 14 missing found alive"));
    /* a preview is not its outcome; a fire is not a dismissal */
    ck_assert(!same_title("Central bank expected to hold key rate at 4.5%",
                          "Central bank holds key rate at 4.5%"));
    ck_assert(!same_title("Fire at Tarnow chemical plant", "Layoffs at Tarnow chemical plant"));
    /* the same names the other way round around the same verb */
    ck_assert(!same_title("Skylark to buy Northjet", "Northjet to buy Skylark"));
    ck_assert(!same_title("Corvel bids for Tideway Energy", "Tideway Energy bids for Corvel"));
    ck_assert(same_title("Moreau and Ivanova to meet in Open final",
                         "Ivanova and Moreau to meet in Open final"));
}
END_TEST

static const char *const sponsor =
    "This episode is brought to you by Northstar Bank. Northstar's savings account pays 4 "
    "percent with no monthly fees and no minimum balance. Open one in five minutes at "
    "northstar.example.\n\nAnd by Quillpad, the notebook app that syncs on every device you "
    "own. Listeners get three months free with the code CIVIC.\n\nThe Civic Hour is produced "
    "by Mara Quinn and edited by Devon Park. Send us your questions, and please rate and "
    "review the show wherever you get your podcasts.";

static void episode(struct nd_near_index *ix, const char *what, uint64_t ref)
{
    char *text;

    if (asprintf(&text, "%s\n\n%s", what, sponsor) < 0)
        abort();
    put(ix, "Episode", text, "civic-hour", ref, (int64_t)ref);
    free(text);
}

START_TEST(boilerplate_learning)
{
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_match m;
    char *text;
    static const char *const ep5 =
        "We talk to planner Odile Maret about why bus timetables are so hard to read.";

    episode(ix, "Urbanist Kwame Boateng on the fight over kerb space.", 1);
    episode(ix, "Finance officer Leah Grunberg on the open budget portal.", 2);
    episode(ix, "Librarian Santiago Ruiz on libraries as the place people get help.", 3);
    /* the sponsor reads are the source's boilerplate now: another episode is new */
    if (asprintf(&text, "%s\n\n%s", ep5, sponsor) < 0)
        abort();
    m = ask(ix, "Episode", text, "civic-hour");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    /* without that history, the shared reads would tie it: the model is what separates them */
    {
        struct nd_near_index *fresh = nd_near_index_new();
        episode(fresh, "Urbanist Kwame Boateng on the fight over kerb space.", 1);
        m = ask(fresh, "Episode", text, "civic-hour");
        ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
        nd_near_index_free(fresh);
    }
    /* the episode's own notes elsewhere (without the reads) are a copy of that episode */
    put(ix, "Episode", text, "civic-hour", 5, 5);
    m = ask(ix, "Bus timetables", ep5, "aggregator");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_uint_eq(m.ref, 5);
    free(text);
    nd_near_index_free(ix);
}
END_TEST

/* The first poll of a new podcast feed: its episodes are one document, the reads its template. */
START_TEST(document_context)
{
    static const char *const notes[] = {
        "Urbanist Kwame Boateng on the fight over kerb space.",
        "Finance officer Leah Grunberg on the open budget portal.",
        "Librarian Santiago Ruiz on libraries as the place people get help.",
        "We talk to planner Odile Maret about why bus timetables are so hard to read.",
    };
    struct nd_near_index *ix = nd_near_index_new();
    struct nd_near_sig *sigs[4];
    struct nd_near_match m;

    for (int i = 0; i < 4; i++) {
        char *text;
        if (asprintf(&text, "%s\n\n%s", notes[i], sponsor) < 0)
            abort();
        sigs[i] = nd_near_sig_new("Episode", text);
        free(text);
    }
    nd_near_index_document(ix, (const struct nd_near_sig *const *)sigs, 4);
    for (int i = 0; i < 4; i++) {
        nd_near_index_query(ix, sigs[i], "civic-hour", &m);
        ck_assert_msg(m.verdict == ND_NEAR_NEW, "episode %d tied", i);
        nd_near_index_add(ix, sigs[i], (uint64_t)i + 1, "civic-hour", i);
    }
    nd_near_index_document(ix, NULL, 0);
    /* without the document, the second episode would have been tied to the first */
    {
        struct nd_near_index *fresh = nd_near_index_new();
        nd_near_index_add(fresh, sigs[0], 1, "civic-hour", 0);
        nd_near_index_query(fresh, sigs[1], "civic-hour", &m);
        ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
        nd_near_index_free(fresh);
    }
    for (int i = 0; i < 4; i++)
        nd_near_sig_free(sigs[i]);
    nd_near_index_free(ix);
}
END_TEST

START_TEST(expiry)
{
    struct nd_near_index *ix = nd_near_index_new();
    size_t bytes0 = nd_near_index_bytes(ix), bytes2;
    struct nd_near_match m;

    put(ix, "Council approves housing plan", story, "wire", 1, 100);
    put(ix, "Battery breakthrough", other_story, "science", 2, 200);
    ck_assert_uint_eq(nd_near_index_count(ix), 2);
    bytes2 = nd_near_index_bytes(ix);
    ck_assert_uint_gt(bytes2, bytes0);
    ck_assert_uint_eq(nd_near_index_expire(ix, 150), 1);
    ck_assert_uint_eq(nd_near_index_count(ix), 1);
    m = ask(ix, "x", story, "portal");
    ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
    m = ask(ix, "x", other_story, "portal");
    ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
    ck_assert_uint_eq(m.ref, 2);
    /* the freed slot is reused */
    put(ix, "Council approves housing plan", story, "wire", 3, 300);
    m = ask(ix, "x", story, "portal");
    ck_assert_uint_eq(m.ref, 3);
    ck_assert_uint_eq(nd_near_index_expire(ix, 1000), 2);
    ck_assert_uint_eq(nd_near_index_count(ix), 0);
    nd_near_index_free(ix);
}
END_TEST

/* An index rebuilt from packed signatures, in insertion order, answers as the original. */
START_TEST(rebuild_from_blobs)
{
    char *path = data_path("near/pairs.jsonl");
    FILE *fp = fopen(path, "r");
    struct nd_near_index *ix = nd_near_index_new(), *re = nd_near_index_new();
    char *line = NULL;
    size_t cap = 0, n = 0;

    ck_assert_ptr_nonnull(fp);
    while (getline(&line, &cap, fp) > 0 && n < 120) {
        json_t *p = json_loads(line, 0, NULL);
        for (int s = 0; s < 2; s++) {
            json_t *it = json_object_get(p, s ? "b" : "a");
            struct nd_near_sig *sig = sig_of(it), *back;
            uint8_t blob[ND_NEAR_BLOB_MAX];
            struct nd_near_match m1, m2;
            int len = nd_near_sig_pack(sig, blob, sizeof(blob));
            ck_assert_int_gt(len, 0);
            ck_assert_int_eq(nd_near_sig_unpack(blob, (size_t)len, &back), 0);
            nd_near_index_query(ix, sig, source_of(it), &m1);
            nd_near_index_query(re, back, source_of(it), &m2);
            ck_assert_int_eq(m1.verdict, m2.verdict);
            ck_assert_uint_eq(m1.ref, m2.ref);
            ck_assert(m1.score == m2.score);
            nd_near_index_add(ix, sig, n, source_of(it), (int64_t)n);
            nd_near_index_add(re, back, n, source_of(it), (int64_t)n);
            n++;
            nd_near_sig_free(sig);
            nd_near_sig_free(back);
        }
        json_decref(p);
    }
    ck_assert_uint_eq(nd_near_index_bytes(ix), nd_near_index_bytes(re));
    free(line);
    fclose(fp);
    free(path);
    nd_near_index_free(ix);
    nd_near_index_free(re);
}
END_TEST

/*
 * The shipped demo feeds: the wire's grid-operator story and its syndicated copy in the
 * digest are one story, whichever is polled first; no other two sample stories are.
 */
static void samples_in_order(int reverse)
{
    char *path = data_path("near/samples.jsonl");
    FILE *fp = fopen(path, "r");
    json_t *items = json_array();
    struct nd_near_index *ix = nd_near_index_new();
    char *line = NULL;
    size_t cap = 0, n, grid_first = SIZE_MAX;
    int grid_dups = 0;

    ck_assert_ptr_nonnull(fp);
    while (getline(&line, &cap, fp) > 0)
        json_array_append_new(items, json_loads(line, 0, NULL));
    n = json_array_size(items);
    ck_assert_uint_ge(n, 20);
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        json_t *it = json_array_get(items, i);
        struct nd_near_sig *sig = sig_of(it);
        struct nd_near_match m;
        int grid = strstr(json_string_value(json_object_get(it, "title")), "Grid operator") != 0;
        nd_near_index_query(ix, sig, source_of(it), &m);
        if (grid && grid_first == SIZE_MAX) {
            grid_first = i;
            ck_assert_int_eq(m.verdict, ND_NEAR_NEW);
        } else if (grid) {
            ck_assert_int_eq(m.verdict, ND_NEAR_DUP);
            ck_assert_uint_eq(m.ref, grid_first);
            grid_dups++;
        } else {
            ck_assert_msg(m.verdict == ND_NEAR_NEW, "sample %zu tied to %llu", i,
                          (unsigned long long)m.ref);
        }
        nd_near_index_add(ix, sig, i, source_of(it), (int64_t)k);
        nd_near_sig_free(sig);
    }
    ck_assert_int_eq(grid_dups, 1);
    json_decref(items);
    nd_near_index_free(ix);
    free(line);
    fclose(fp);
    free(path);
}

START_TEST(shipped_samples)
{
    samples_in_order(0);
    samples_in_order(1);
}
END_TEST

/* The special words' hash tables are the list as it is (else: the tables to paste). */
START_TEST(word_tables)
{
    uint8_t slots[NEAR_SPECIAL_SLOTS];
    uint64_t filter[NEAR_SPECIAL_SLOTS / 8];

    if (near_words_check(slots, filter) != 0) {
        fprintf(stderr, "special_filter[] and special_slot[] in near_words.c should be:\n");
        for (int i = 0; i < NEAR_SPECIAL_SLOTS / 8; i++)
            fprintf(stderr, "0x%016llxULL,%s", (unsigned long long)filter[i],
                    i % 3 == 2 ? "\n" : " ");
        fprintf(stderr, "\n");
        for (int i = 0; i < NEAR_SPECIAL_SLOTS; i++)
            fprintf(stderr, "%4d,%s", slots[i], i % 16 == 15 ? "\n" : "");
        ck_abort_msg("the special word tables are stale");
    }
    /* no word in two groups of the title words (one of them would never be found) */
    ck_assert_int_eq(near_title_check(), 0);
}
END_TEST

/* British and American spellings give the same signature. */
START_TEST(spelling)
{
    uint8_t a[ND_NEAR_BLOB_MAX], b[ND_NEAR_BLOB_MAX];
    size_t na = pack("t",
                     "The organisers travelled to the harbour centre to analyse the colour of the "
                     "grey tyres, whose licence and defence programme had been cancelled.",
                     a);
    size_t nb = pack("t",
                     "The organizers traveled to the harbor center to analyze the color of the "
                     "gray tires, whose license and defense program had been canceled.",
                     b);

    ck_assert_uint_eq(na, nb);
    ck_assert_mem_eq(a, b, na);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("near");
    TCase *tc = tcase_create("sets");
    TCase *pieces = tcase_create("pieces");

    tcase_add_test(pieces, pack_round_trip);
    tcase_add_test(pieces, pack_is_bounded);
    tcase_add_test(pieces, deterministic);
    tcase_add_test(pieces, empty_and_null);
    tcase_add_test(pieces, copies_and_others);
    tcase_add_test(pieces, short_items);
    tcase_add_test(pieces, boilerplate_learning);
    tcase_add_test(pieces, document_context);
    tcase_add_test(pieces, expiry);
    tcase_add_test(pieces, rebuild_from_blobs);
    tcase_add_test(pieces, shipped_samples);
    tcase_add_test(pieces, spelling);
    tcase_add_test(pieces, word_tables);
    tcase_add_test(pieces, title_rules);
    suite_add_tcase(s, pieces);

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, labeled_set);
    tcase_add_test(tc, title_set);
    tcase_add_test(tc, holdout_set);
    suite_add_tcase(s, tc);
    return s;
}

/* --- baselines, for docs/architecture.md ------------------------------------------------- */

/* The word 5-shingle hashes of text (nd_fp_normalize's words), sorted and distinct. */
static size_t shingle_set(const char *text, uint64_t **out)
{
    char *norm = nd_fp_normalize(text ? text : "", text ? strlen(text) : 0);
    size_t nw = 0, n = 0, cap = 0;
    size_t starts[4096];
    uint64_t *v = NULL;

    for (char *p = norm; *p && nw < 4096;) {
        starts[nw++] = (size_t)(p - norm);
        p = strchr(p, ' ');
        if (!p)
            break;
        p++;
    }
    for (size_t i = 0; i + 5 <= nw || (i == 0 && nw > 0); i++) {
        size_t a = starts[i], b = i + 5 < nw ? starts[i + 5] - 1 : strlen(norm);
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = realloc(v, cap * sizeof(*v));
        }
        v[n++] = XXH3_64bits(norm + a, b - a);
        if (nw < 5)
            break;
    }
    free(norm);
    for (size_t i = 1; i < n; i++) /* insertion sort: small sets */
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    {
        size_t d = 0;
        for (size_t i = 0; i < n; i++)
            if (d == 0 || v[i] != v[d - 1])
                v[d++] = v[i];
        n = d;
    }
    *out = v;
    return n;
}

static size_t common(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
    size_t i = 0, j = 0, m = 0;

    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (b[j] < a[i])
            j++;
        else {
            m++;
            i++;
            j++;
        }
    }
    return m;
}

#define NBASE 4
static void baselines(const char *path)
{
    static const char *const names[NBASE] = {
        "SimHash, distance <= 3 (title + text, today's dedupe)", "SimHash, distance <= 10",
        "Jaccard of word 5-shingles >= 0.5 (text)", "containment of the smaller set >= 0.8 (text)"};
    int tp[NBASE] = {0}, fp[NBASE] = {0}, fn[NBASE] = {0};
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;

    if (f == NULL)
        die(path);
    while (getline(&line, &cap, f) > 0) {
        json_t *p = json_loads(line, 0, NULL), *a = json_object_get(p, "a"),
               *b = json_object_get(p, "b");
        int tie = strcmp(json_string_value(json_object_get(p, "label")), "tie") == 0, hit[NBASE];
        const char *ta = json_string_value(json_object_get(a, "text")),
                   *tb = json_string_value(json_object_get(b, "text"));
        struct nd_fp fa, fb;
        uint64_t *sa, *sb, ha, hb;
        size_t na, nb, m;
        char *norm;
        nd_fp_compute(json_string_value(json_object_get(a, "title")), ta, &fa, &norm);
        ha = nd_fp_simhash(norm, strlen(norm));
        free(norm);
        nd_fp_compute(json_string_value(json_object_get(b, "title")), tb, &fb, &norm);
        hb = nd_fp_simhash(norm, strlen(norm));
        free(norm);
        na = shingle_set(ta, &sa);
        nb = shingle_set(tb, &sb);
        m = common(sa, na, sb, nb);
        hit[0] = ha && hb && nd_fp_hamming(ha, hb) <= 3;
        hit[1] = ha && hb && nd_fp_hamming(ha, hb) <= 10;
        hit[2] = na + nb - m > 0 && (double)m / (double)(na + nb - m) >= 0.5;
        hit[3] = na && nb && (double)m / (double)(na < nb ? na : nb) >= 0.8;
        for (int k = 0; k < NBASE; k++) {
            tp[k] += tie && hit[k];
            fp[k] += !tie && hit[k];
            fn[k] += tie && !hit[k];
        }
        free(sa);
        free(sb);
        json_decref(p);
    }
    free(line);
    fclose(f);
    printf("%s\n\n| method | precision | recall |\n|---|---:|---:|\n", path);
    for (int k = 0; k < NBASE; k++)
        printf("| %s | %.3f | %.3f |\n", names[k],
               tp[k] + fp[k] ? (double)tp[k] / (tp[k] + fp[k]) : 1.0,
               (double)tp[k] / (tp[k] + fn[k]));
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--baselines") == 0) {
        for (int i = 2; i < argc; i++)
            baselines(argv[i]);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "--table") == 0) {
        for (int i = 2; i < argc; i++) {
            struct eval ev;
            memset(&ev, 0, sizeof(ev));
            eval_file(&ev, argv[i], getenv("NEAR_VERBOSE") ? stderr : NULL);
            print_table(&ev, argv[i], stdout);
        }
        return 0;
    }
    return tu_run(suite());
}
