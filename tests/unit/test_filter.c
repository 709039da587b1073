/*
 * test_filter.c: keep and drop rules: the configuration's syntax and its
 * refusals (file:line), regular expressions, word lists, the order of the
 * source's and the global rules, and the memory of recent drops.
 */
#include <check.h>
#include <string.h>

#include "newsd/config.h"
#include "newsd/filter.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

static struct nd_config *load(const char *text, char *err, size_t errlen)
{
    char *path = tu_write(dir, "newsd.conf", text);
    struct nd_config *cfg = NULL;

    if (nd_config_load(path, &cfg, err, errlen) != ND_OK)
        cfg = NULL;
    free(path);
    return cfg;
}

static void refused(const char *text, int line, const char *what)
{
    char err[1024], at[64];
    struct nd_config *cfg = load(text, err, sizeof(err));

    ck_assert_msg(cfg == NULL, "accepted: %s", text);
    snprintf(at, sizeof(at), "newsd.conf:%d: ", line);
    ck_assert_msg(strstr(err, at) != NULL, "%s: wanted %s", err, at);
    ck_assert_msg(strstr(err, what) != NULL, "%s: wanted %s", err, what);
}

/* An article with a title, a text, categories and a language. */
static void article(struct nd_article *a, char *title, char *text, const char *cat, char *lang)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "%032x", (unsigned)strlen(title));
    a->title = title;
    a->content_text = text;
    a->summary = (char *)"";
    a->url = (char *)"https://news.example/a/1";
    a->language = lang;
    if (cat)
        nd_strv_push(&a->categories, cat);
}

static const char *decide(const struct nd_config *cfg, const struct nd_article *a)
{
    const struct nd_filter *f = nd_filters_check(cfg->sources[0].filters, cfg->filters, a);

    return f == NULL ? "none" : f->keep ? "keep" : "drop";
}

#define CONF                                                                                       \
    "state_dir = \"s\";\n"                                                                         \
    "filters = (\n"                                                                                \
    "  { field = \"category\"; words = [\"sponsored\", \"paid post\"]; action = \"drop\"; "        \
    "name = \"ads\"; },\n"                                                                         \
    "  { field = \"title\"; match = \"^Opinion:\"; }\n"                                            \
    ");\n"                                                                                         \
    "sources = ( { id = \"a\"; url = \"https://a.example/f\";\n"                                   \
    "  filters = ( { field = \"title\"; match = \"(?i)columnist\"; action = \"keep\"; },\n"        \
    "              { field = \"language\"; match = \"^fr\"; } ); } );\n"

START_TEST(test_rules_in_order)
{
    char err[1024];
    struct nd_config *cfg = load(CONF, err, sizeof(err));
    struct nd_article a;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->filters->n, 2);
    ck_assert_int_eq(cfg->sources[0].filters->n, 2);
    ck_assert_str_eq(cfg->filters->v[0].label, "ads");
    ck_assert_str_eq(cfg->filters->v[1].label, "global/2");
    ck_assert_str_eq(cfg->sources[0].filters->v[0].label, "a/1");

    article(&a, "Harbor news", "text", NULL, "en");
    ck_assert_str_eq(decide(cfg, &a), "none");
    nd_strv_free(&a.categories);
    /* whole words, any case, a space matching any run of white space */
    article(&a, "Harbor news", "text", "SPONSORED content", "en");
    ck_assert_str_eq(decide(cfg, &a), "drop");
    nd_strv_free(&a.categories);
    article(&a, "Harbor news", "text", "Paid   Post", "en");
    ck_assert_str_eq(decide(cfg, &a), "drop");
    nd_strv_free(&a.categories);
    article(&a, "Harbor news", "text", "unsponsored", "en");
    ck_assert_str_eq(decide(cfg, &a), "none");
    nd_strv_free(&a.categories);
    /* the source's keep comes first and stops the global drop */
    article(&a, "Opinion: our Columnist writes", "text", "sponsored", "en");
    ck_assert_str_eq(decide(cfg, &a), "keep");
    nd_strv_free(&a.categories);
    article(&a, "Opinion: a letter", "text", NULL, "en");
    ck_assert_str_eq(decide(cfg, &a), "drop");
    /* a regular expression is case-sensitive unless it says (?i) */
    article(&a, "opinion: a letter", "text", NULL, "en");
    ck_assert_str_eq(decide(cfg, &a), "none");
    article(&a, "Nouvelles", "texte", NULL, "fr-CA");
    ck_assert_str_eq(decide(cfg, &a), "drop");
    /* an absent field matches nothing */
    article(&a, "Nouvelles", "texte", NULL, NULL);
    ck_assert_str_eq(decide(cfg, &a), "none");
    nd_config_free(cfg);
}
END_TEST

START_TEST(test_author_and_url)
{
    static const char conf[] =
        "state_dir = \"s\";\n"
        "filters = ( { field = \"author\"; words = [\"Press Office\"]; },\n"
        "            { field = \"url\"; match = \"/(live|video)/\"; name = \"media\"; } );\n"
        "sources = ( { id = \"a\"; url = \"https://a.example/f\"; } );\n";
    char err[1024];
    struct nd_config *cfg = load(conf, err, sizeof(err));
    struct nd_article a;
    const struct nd_filter *f;

    ck_assert_msg(cfg != NULL, "%s", err);
    article(&a, "Harbor news", "text", NULL, "en");
    ck_assert_ptr_null(nd_filters_check(NULL, cfg->filters, &a));
    /* every author is looked at, not only the first */
    nd_strv_push(&a.authors, "Jane Roe");
    nd_strv_push(&a.authors, "the press  office");
    f = nd_filters_check(NULL, cfg->filters, &a);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->label, "global/1");
    nd_strv_free(&a.authors);
    nd_strv_push(&a.authors, "Press Officer");
    ck_assert_ptr_null(nd_filters_check(NULL, cfg->filters, &a));
    nd_strv_free(&a.authors);
    a.url = (char *)"https://news.example/live/harbor";
    f = nd_filters_check(NULL, cfg->filters, &a);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->label, "media");
    ck_assert(!f->keep);
    nd_config_free(cfg);
}
END_TEST

START_TEST(test_describe)
{
    char err[1024], line[512];
    struct nd_config *cfg = load(CONF, err, sizeof(err));

    ck_assert_msg(cfg != NULL, "%s", err);
    nd_filter_describe(cfg->filters, &cfg->filters->v[0], line, sizeof(line));
    ck_assert_msg(strstr(line, "global filter 1 \"ads\" (") != NULL, "%s", line);
    ck_assert_msg(strstr(line, "newsd.conf:3): drop when category has the word \"sponsored\" or "
                               "\"paid post\"") != NULL,
                  "%s", line);
    nd_filter_describe(cfg->sources[0].filters, &cfg->sources[0].filters->v[1], line, sizeof(line));
    ck_assert_msg(strstr(line, "filter 2 of source a (") != NULL, "%s", line);
    ck_assert_msg(strstr(line, "newsd.conf:8): drop when language matches \"^fr\"") != NULL, "%s",
                  line);
    nd_config_free(cfg);
}
END_TEST

START_TEST(test_refused)
{
    refused("filters = ( { field = \"title\"; match = \"(oops\"; } );\n", 1,
            "filter 1: bad regular expression \"(oops\": missing closing parenthesis");
    refused("filters = (\n { field = \"body\"; match = \"x\"; } );\n", 2,
            "'field' must be title, text, url, author, category or language (got \"body\")");
    refused("filters = ( { field = \"title\"; } );\n", 1, "give either 'match'");
    refused("filters = ( { field = \"title\"; match = \"x\"; words = [\"y\"]; } );\n", 1,
            "give either 'match'");
    refused("filters = ( { field = \"title\"; match = \"x\";\n action = \"hide\"; } );\n", 2,
            "'action' must be drop or keep");
    refused("filters = ( { field = \"title\"; match = \"x\"; regex = \"y\"; } );\n", 1,
            "unknown setting 'regex' in filter");
    refused("filters = ( { field = \"title\"; words = []; } );\n", 1, "non-empty list");
    refused("filters = { field = \"title\"; };\n", 1, "'filters' must be a list");
    refused("sources = ( { id = \"a\"; url = \"https://a.example/\";\n"
            "  filters = ( { field = \"url\"; match = \"[z-a]\"; } ); } );\n",
            2, "bad regular expression");
}
END_TEST

START_TEST(test_memo)
{
    struct nd_filter_memo *m = nd_filter_memo_new(2);
    struct nd_article a, b, c;
    const struct nd_filter_drop *d;

    article(&a, "one", "", NULL, NULL);
    article(&b, "three", "", NULL, NULL);
    b.url = (char *)"https://news.example/b";
    article(&c, "seventeen", "", NULL, NULL);
    c.url = (char *)"https://news.example/c";
    nd_filter_memo_add(m, &a, "s", "rule 1", 100);
    d = nd_filter_memo_find(m, NULL, "https://news.example/a/1");
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->why, "rule 1");
    nd_filter_memo_add(m, &a, "s", "rule 2", 200); /* the same article again: refreshed */
    d = nd_filter_memo_find(m, a.id, NULL);
    ck_assert_str_eq(d->why, "rule 2");
    ck_assert_int_eq(d->seen, 200);
    nd_filter_memo_add(m, &b, "s", "rule 3", 300);
    nd_filter_memo_add(m, &c, "s", "rule 4", 400); /* the oldest (a) goes */
    ck_assert_ptr_null(nd_filter_memo_find(m, a.id, "https://news.example/a/1"));
    ck_assert_str_eq(nd_filter_memo_find(m, NULL, "https://news.example/b")->title, "three");
    ck_assert_str_eq(nd_filter_memo_find(m, c.id, NULL)->source, "s");
    nd_filter_memo_free(m);
    nd_filter_memo_free(NULL);
}
END_TEST

START_TEST(test_hostile_pattern)
{
    struct nd_filters *fs = nd_filters_new("global");
    char err[256], *text = malloc(100001);
    struct nd_article a;

    /* catastrophic backtracking hits the match limit: no match, and quickly */
    ck_assert_int_eq(
        nd_filters_add(fs, ND_FILTER_TEXT, 0, "(a+)+$", NULL, 0, NULL, "t:1", err, sizeof(err)),
        ND_OK);
    memset(text, 'a', 100000);
    text[99999] = '!';
    text[100000] = '\0';
    article(&a, "t", text, NULL, NULL);
    ck_assert_ptr_null(nd_filters_check(NULL, fs, &a));
    free(text);
    nd_filters_unref(fs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("filter");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rules_in_order);
    tcase_add_test(tc, test_author_and_url);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_memo);
    tcase_add_test(tc, test_hostile_pattern);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
