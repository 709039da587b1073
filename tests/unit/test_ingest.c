/*
 * test_ingest.c: parse -> clean -> dedupe -> journal against a real SQLite
 * store: exact duplicates across polls, sources and restarts; seq without
 * gaps; near-duplicate modes.
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "newsd/ingest.h"
#include "newsd/prepare.h"
#include "testutil.h"

static char *dir;
static struct nd_store *st;
static struct nd_dedupe *dd;

#define NOW 1700000000

static void open_store(void)
{
    struct nd_dedupe_opts o = {ND_NEAR_DROP, 7 * 86400};
    char err[512];

    ck_assert_msg(nd_store_open(dir, &st, err, sizeof(err)) == ND_OK, "%s", err);
    dd = nd_dedupe_new(&o);
    ck_assert_int_eq(nd_dedupe_load(dd, st, NOW), ND_OK);
}

static void close_store(void)
{
    nd_dedupe_free(dd);
    nd_store_free(st);
}

static void setup(void)
{
    dir = tu_tmpdir();
    open_store();
}

static void teardown(void)
{
    close_store();
    tu_rmrf(dir);
    free(dir);
}

static const char *rss_a =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A</title>"
    "<link>https://a.example/</link>"
    "<item><title>One</title><link>https://a.example/1?utm_source=rss</link><guid>a-1</guid>"
    "<description>First story about the harbor bridge reopening after a long retrofit, with new "
    "lanes for cyclists and a wider footpath.</description></item>"
    "<item><title>Two</title><link>https://a.example/2</link><guid>a-2</guid>"
    "<description>Second story, on the city council budget vote that ran late into the night and "
    "ended with a narrow majority.</description></item>"
    "</channel></rss>";

/* Same story as a-1, other source, other tracking parameters. */
static const char *rss_b =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>B</title>"
    "<item><title>The one</title><link>https://a.example/1?utm_campaign=b#top</link>"
    "<guid>b-9</guid><description>Syndicated text that differs.</description></item>"
    "<item><title>Three</title><link>https://b.example/3</link><guid>b-3</guid>"
    "<description>A third and unrelated story about the weather, which was rainy and cold for "
    "the whole of the week.</description></item>"
    "</channel></rss>";

/* One poll of a document as the daemon admits it: prepare, then every article oldest first. */
static struct nd_ingest run(const char *source, const char *doc, enum nd_near_mode mode)
{
    struct nd_dedupe_opts o = {mode, 7 * 86400};
    struct nd_clean_ctx cctx = {source, NULL, NOW};
    struct nd_prepared p;
    struct nd_ingest in;

    nd_dedupe_set_opts(dd, &o);
    memset(&in, 0, sizeof(in));
    in.store = st;
    in.dedupe = dd;
    in.source_id = source;
    in.source_url = "http://127.0.0.1/feed";
    in.topic = source;
    in.now = NOW;
    struct nd_parse_in pin = {"https://x.example/feed", NULL, NULL};

    nd_prepare(doc, strlen(doc), &pin, &cctx, ND_PREPARE_NEAR, NULL, &p);
    ck_assert_msg(p.rc == ND_OK, "%s", p.error);
    in.home = p.home;
    nd_near_index_document(nd_dedupe_near(dd), (const struct nd_near_sig *const *)p.sigs,
                           p.n_articles);
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    for (size_t i = p.n_articles; i-- > 0;)
        ck_assert_int_eq(
            nd_ingest_article(&in, &p.feed, &p.articles[i], p.sigs[i], p.blobs[i], p.blob_lens[i]),
            ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    nd_near_index_document(nd_dedupe_near(dd), NULL, 0);
    nd_prepared_free(&p);
    return in;
}

START_TEST(exact_dedupe)
{
    struct nd_ingest in = run("a", rss_a, ND_NEAR_OFF);
    json_t *j;

    ck_assert_int_eq(in.items, 2);
    ck_assert_int_eq(in.added, 2);
    ck_assert_int_eq(in.first_seq, 1);
    ck_assert_int_eq(in.last_seq, 2);
    /* reverse document order: the last item gets the first seq */
    j = json_loads(in.messages.v[0], 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Two");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "seq")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "topic_seq")), 1);
    json_decref(j);
    j = json_loads(in.messages.v[1], 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "url")), "https://a.example/1");
    json_decref(j);
    nd_ingest_clear(&in);

    /* the same document again: nothing new */
    in = run("a", rss_a, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 2);
    nd_ingest_clear(&in);

    /* another source with the same canonical URL: one duplicate, one new */
    in = run("b", rss_b, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 1);
    ck_assert_int_eq(in.duplicates, 1);
    ck_assert_int_eq(in.first_seq, 3);
    nd_ingest_clear(&in);

    /* after a restart too */
    close_store();
    open_store();
    in = run("a", rss_a, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 0);
    nd_ingest_clear(&in);
    in = run("b", rss_b, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 0);
    nd_ingest_clear(&in);
    ck_assert_int_eq(nd_store_last_seq(st), 3);
}
END_TEST

#define SYNDICATED_FMT                                                                             \
    "<rss version=\"2.0\"><channel><title>%s</title><item><title>Grid operator opens its "         \
    "data</title><link>https://%s.example/grid</link><guid>%s-grid</guid><description>The "        \
    "regional "                                                                                    \
    "grid operator said on Tuesday that it will publish real-time data on demand, generation and " \
    "prices under an open licence, after years of requests from researchers, journalists and "     \
    "small energy firms who argued that the figures were paid for by the public. The first data "  \
    "sets go online next month.%s</description></item></channel></rss>"

START_TEST(near_duplicates)
{
    char a[2048], b[2048], c[2048];
    struct nd_ingest in;
    json_t *j;

    snprintf(a, sizeof(a), SYNDICATED_FMT, "A", "a", "a", "");
    snprintf(b, sizeof(b), SYNDICATED_FMT, "B", "b", "b", " Republished with permission.");
    snprintf(c, sizeof(c), SYNDICATED_FMT, "C", "c", "c", " Republished with permission.");
    in = run("a", a, ND_NEAR_MARK);
    ck_assert_int_eq(in.added, 1);
    nd_ingest_clear(&in);
    /* mark: published, with duplicate_of the first copy */
    in = run("b", b, ND_NEAR_MARK);
    ck_assert_int_eq(in.added, 1);
    j = json_loads(in.messages.v[0], 0, NULL);
    ck_assert(json_is_string(json_object_get(j, "duplicate_of")));
    json_decref(j);
    nd_ingest_clear(&in);
    /* drop: not published */
    in = run("c", c, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);
    /* and again after a restart: the index is read back from the seen log */
    close_store();
    open_store();
    snprintf(c, sizeof(c), SYNDICATED_FMT, "D", "d", "d", " Reprinted with permission.");
    in = run("d", c, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);
}
END_TEST

/*
 * A URL is no identity when it is the feed's home page, or when the
 * earlier article behind it is another story: podcast episodes that all
 * link to the show's page, in two feeds or in two polls of a one-item feed.
 */
#define EPISODE(title, guid, text)                                                                 \
    "<item><title>" title "</title><link>https://show.example/pod</link><guid>" guid               \
    "</guid><description>" text "</description></item>"
#define HARBOUR                                                                                    \
    "We talk with the harbour master about dredging the channel, the new ferry schedules for "     \
    "the winter months, the storms that closed the port for a week in January, the fishermen "     \
    "who moved their boats upriver, and what the council plans to do about the old sea wall."
#define ORCHARD                                                                                    \
    "A visit to a cider orchard in the hills, where three generations of one family graft old "    \
    "apple varieties onto young rootstock, press the fruit in a barn built by their grandfather "  \
    "and sell the cider at the Saturday market in town, next to the cheese maker's stall."
#define LIBRARY                                                                                    \
    "The city library opens its reading room on Friday nights for concerts by local choirs, "      \
    "jazz trios and a brass band from the fire brigade, with tea served in the lobby and the "     \
    "children's corner open late, and the librarians say the evenings are full every week."

/*
 * A URL is no identity when it is the feed's home page, or when the
 * earlier article behind it is clearly another story: podcast episodes that
 * all link to the show's page, in two feeds or in two polls of a one-item
 * feed.  A short blurb under an article's URL is that article, though.
 */
/* The id of the first message of in, kept in ids[*n] unless it is there already (0: it was). */
static int new_id(const struct nd_ingest *in, char ids[][33], size_t *n)
{
    json_t *j = json_loads(in->messages.v[0], 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    int fresh = 1;

    ck_assert_ptr_nonnull(id);
    for (size_t i = 0; i < *n; i++)
        fresh &= strcmp(ids[i], id) != 0;
    snprintf(ids[(*n)++], 33, "%s", id);
    json_decref(j);
    return fresh;
}

START_TEST(home_page_links)
{
    static const char *ep1 = "<rss version=\"2.0\"><channel><title>Show</title>"
                             "<link>https://show.example/</link>" EPISODE(
                                 "Episode 1: the harbour", "ep1", HARBOUR) "</channel></rss>";
    static const char *ep2 = "<rss version=\"2.0\"><channel><title>Show</title>"
                             "<link>https://show.example/</link>" EPISODE(
                                 "Episode 2: the orchard", "ep2", ORCHARD) "</channel></rss>";
    static const char *other = "<rss version=\"2.0\"><channel><title>Mirror</title>"
                               "<link>https://m.example/</link>" EPISODE(
                                   "Live music at the library", "m1", LIBRARY) "</channel></rss>";
    static const char *blurb =
        "<rss version=\"2.0\"><channel><title>Links</title>"
        "<link>https://l.example/</link>" EPISODE("Worth a listen", "l1",
                                                  "A good one about orchards.") "</channel></rss>";
    static const char *root = "<rss version=\"2.0\"><channel><title>Root</title>"
                              "<item><title>A</title><link>https://r.example/</link><guid>a</guid>"
                              "<description>Snow closed the mountain pass for two days; the "
                              "road crews cleared it by Thursday and the buses run again on the "
                              "winter timetable.</description></item></channel></rss>";
    static const char *root2 = "<rss version=\"2.0\"><channel><title>Root</title>"
                               "<item><title>B</title><link>https://r.example/</link><guid>b</guid>"
                               "<description>The county fair opens on Saturday with a tractor "
                               "parade, a pie contest and the first sheep shearing show in ten "
                               "years.</description></item></channel></rss>";
    struct nd_ingest in = run("show", ep1, ND_NEAR_DROP);
    char ids[8][33];
    size_t n_ids = 0;

    /* each story published gets an id of its own: the shared URL names none of them */
    ck_assert_int_eq(in.added, 1);
    ck_assert(new_id(&in, ids, &n_ids));
    nd_ingest_clear(&in);
    in = run("show", ep2, ND_NEAR_DROP); /* one-item feed, polled again: a new episode */
    ck_assert_int_eq(in.added, 1);
    ck_assert(new_id(&in, ids, &n_ids));
    nd_ingest_clear(&in);
    in = run("mirror", other, ND_NEAR_DROP); /* the same link, another story, another feed */
    ck_assert_int_eq(in.added, 1);
    ck_assert(new_id(&in, ids, &n_ids));
    nd_ingest_clear(&in);
    in = run("links", blurb, ND_NEAR_DROP); /* a blurb under the link: the URL stands */
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);
    in = run("show", ep2, ND_NEAR_DROP); /* and the same episode again is a duplicate */
    ck_assert_int_eq(in.added, 0);
    nd_ingest_clear(&in);
    in = run("root", root, ND_NEAR_DROP); /* a site's root is never an identity */
    ck_assert_int_eq(in.added, 1);
    ck_assert(new_id(&in, ids, &n_ids));
    nd_ingest_clear(&in);
    in = run("root", root2, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 1);
    ck_assert(new_id(&in, ids, &n_ids));
    nd_ingest_clear(&in);
}
END_TEST

START_TEST(future_dates)
{
    static const char *doc = "<rss version=\"2.0\"><channel><title>F</title>"
                             "<item><title>Soon</title><link>https://f.example/1</link>"
                             "<pubDate>Tue, 01 Jan 2036 00:00:00 GMT</pubDate></item>"
                             "<item><title>Now</title><link>https://f.example/2</link>"
                             "<pubDate>Tue, 14 Nov 2023 22:00:00 GMT</pubDate></item>"
                             "</channel></rss>";
    struct nd_ingest in = run("f", doc, ND_NEAR_OFF);
    json_t *j;

    ck_assert_int_eq(in.added, 2);
    ck_assert_int_eq(in.future, 1);
    /* kept as the feed says */
    j = json_loads(in.messages.v[1], 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "published")), "2036-01-01T00:00:00Z");
    json_decref(j);
    nd_ingest_clear(&in);
}
END_TEST

#define ATOM_ENTRY(updated, text)                                                                  \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>U</title><entry>"                          \
    "<id>tag:u.example,2026:1</id><title>Storm warning</title>"                                    \
    "<link href=\"https://u.example/storm\"/><updated>" updated "</updated>"                       \
    "<content type=\"html\">" text "</content></entry></feed>"

START_TEST(updates)
{
    struct nd_ingest in =
        run("u", ATOM_ENTRY("2026-11-27T10:00:00Z", "Winds of 80 km/h tonight."), ND_NEAR_OFF);
    char id[33];
    json_t *j;

    ck_assert_int_eq(in.added, 1);
    j = json_loads(in.messages.v[0], 0, NULL);
    snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    nd_ingest_clear(&in);

    /* new text, later updated date: an update of the same article */
    in = run("u", ATOM_ENTRY("2026-11-27T12:00:00Z", "Winds of 120 km/h tonight."), ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.updated, 1);
    ck_assert_int_eq(in.first_seq, 2);
    j = json_loads(in.messages.v[0], 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(j, "event")), "update");
    ck_assert_str_eq(json_string_value(json_object_get(j, "id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(j, "content_text")),
                     "Winds of 120 km/h tonight.");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "topic_seq")), 2);
    json_decref(j);
    nd_ingest_clear(&in);

    /* the same again: nothing */
    in = run("u", ATOM_ENTRY("2026-11-27T12:00:00Z", "Winds of 120 km/h tonight."), ND_NEAR_OFF);
    ck_assert_int_eq(in.added + in.updated, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);

    /* text changed but the feed does not say it was updated: nothing */
    in = run("u", ATOM_ENTRY("2026-11-27T12:00:00Z", "Winds of 130 km/h tonight."), ND_NEAR_OFF);
    ck_assert_int_eq(in.added + in.updated, 0);
    nd_ingest_clear(&in);

    /* after a restart too */
    close_store();
    open_store();
    in = run("u", ATOM_ENTRY("2026-11-28T08:00:00Z", "The storm has passed."), ND_NEAR_OFF);
    ck_assert_int_eq(in.updated, 1);
    ck_assert_int_eq(in.first_seq, 3);
    nd_ingest_clear(&in);

    /* another source with the same guid and URL is a duplicate, never an update */
    in = run("v", ATOM_ENTRY("2026-11-29T08:00:00Z", "Another text entirely."), ND_NEAR_OFF);
    ck_assert_int_eq(in.added + in.updated, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);
}
END_TEST

START_TEST(shared_links)
{
    /* every item links to the home page: the link is no identity, the guids are */
    static const char *doc =
        "<rss version=\"2.0\"><channel><title>P</title>"
        "<item><title>Episode 2</title><link>https://p.example/</link><guid>ep2</guid></item>"
        "<item><title>Episode 1</title><link>https://p.example/?utm_source=x</link>"
        "<guid>ep1</guid></item></channel></rss>";
    struct nd_ingest in = run("p", doc, ND_NEAR_OFF);

    ck_assert_int_eq(in.added, 2);
    nd_ingest_clear(&in);
    in = run("p", doc, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 2);
    nd_ingest_clear(&in);
}
END_TEST

START_TEST(near_off)
{
    char a[2048], b[2048];
    struct nd_ingest in;

    snprintf(a, sizeof(a), SYNDICATED_FMT, "A", "a", "a", "");
    snprintf(b, sizeof(b), SYNDICATED_FMT, "B", "b", "b", " Republished with permission.");
    in = run("a", a, ND_NEAR_OFF);
    nd_ingest_clear(&in);
    in = run("b", b, ND_NEAR_OFF);
    ck_assert_int_eq(in.added, 1);
    nd_ingest_clear(&in);
}
END_TEST

/* What another node published (from the stream): learned once, then a duplicate here too. */
static int learn_remote(const char *json, const char *from)
{
    struct nd_message_in m;
    struct nd_ingest in;
    int learned = -1;

    ck_assert_int_eq(nd_message_decode(json, strlen(json), &m), ND_OK);
    memset(&in, 0, sizeof(in));
    in.store = st;
    in.dedupe = dd;
    in.source_id = m.source_id;
    in.home = m.feed_url;
    in.now = NOW;
    ck_assert_int_eq(nd_store_begin(st), ND_OK);
    ck_assert_int_eq(nd_ingest_remote(&in, &m.a, from, &learned), ND_OK);
    ck_assert_int_eq(nd_store_commit(st), ND_OK);
    nd_message_in_free(&m);
    return learned;
}

START_TEST(remote_articles)
{
    char a[2048], c[2048], *msgs[2];
    struct nd_ingest in;
    int64_t seq;

    /* another node's articles: rss_a's two and a syndicated story */
    in = run("a", rss_a, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 2);
    msgs[0] = xstrdup(in.messages.v[0]);
    msgs[1] = xstrdup(in.messages.v[1]);
    nd_ingest_clear(&in);
    close_store();
    tu_rmrf(dir);
    open_store(); /* this node: an empty store */
    ck_assert_int_eq(learn_remote(msgs[0], "stream seq 1"), 1);
    ck_assert_int_eq(learn_remote(msgs[1], "stream seq 2"), 1);
    ck_assert_int_eq(learn_remote(msgs[0], "stream seq 1"), 0); /* a repeat adds nothing */
    seq = nd_store_last_seq(st);
    ck_assert_int_eq(seq, 0); /* nothing journaled */
    /* the same feed polled here (a takeover): nothing is new */
    in = run("a", rss_a, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 2);
    nd_ingest_clear(&in);
    /* a near copy from another node, then the story polled here: dropped, even after a restart */
    snprintf(a, sizeof(a), SYNDICATED_FMT, "A", "a", "a", "");
    in = run("x", a, ND_NEAR_DROP);
    msgs[0] = (free(msgs[0]), xstrdup(in.messages.v[0]));
    nd_ingest_clear(&in);
    close_store();
    tu_rmrf(dir);
    open_store();
    ck_assert_int_eq(learn_remote(msgs[0], "stream seq 3"), 1);
    close_store();
    open_store();
    snprintf(c, sizeof(c), SYNDICATED_FMT, "C", "c", "c", " Republished with permission.");
    in = run("c", c, ND_NEAR_DROP);
    ck_assert_int_eq(in.added, 0);
    ck_assert_int_eq(in.duplicates, 1);
    nd_ingest_clear(&in);
    /* a message that is no article is refused */
    {
        struct nd_message_in m;
        ck_assert_int_eq(nd_message_decode("{\"event\":\"hello\"}", 17, &m), ND_EINVAL);
        nd_message_in_free(&m);
        ck_assert_int_eq(nd_message_decode("not json", 8, &m), ND_EINVAL);
        nd_message_in_free(&m);
    }
    free(msgs[0]);
    free(msgs[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingest");
    TCase *tc = tcase_create("ingest");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, exact_dedupe);
    tcase_add_test(tc, near_duplicates);
    tcase_add_test(tc, near_off);
    tcase_add_test(tc, future_dates);
    tcase_add_test(tc, updates);
    tcase_add_test(tc, shared_links);
    tcase_add_test(tc, home_page_links);
    tcase_add_test(tc, remote_articles);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
