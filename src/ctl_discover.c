/*
 * ctl_discover.c: `newsctl discover URL`: the feeds a web page advertises
 * (or, when it advertises none, those found at the usual paths), each
 * fetched and parsed before it is listed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/ctl.h"
#include "newsd/discover.h"
#include "newsd/fetch.h"
#include "newsd/parse.h"

#define EXIT_NONE  1
#define EXIT_USAGE 2

/* One feed found: URL, format, entries, title (or a JSON object a line with --json). */
static void print_feed(const struct nd_ctl_opts *o, const char *url, const struct nd_feed *f,
                       const char *advertised_title, int advertised)
{
    const char *title = f->title ? f->title : advertised_title;

    if (o->json) {
        json_t *j =
            json_pack("{s:s, s:s?, s:s, s:I, s:b}", "url", url, "title", title, "format", f->format,
                      "entries", (json_int_t)f->n_entries, "advertised", advertised);
        char *s = json_dumps(j, JSON_COMPACT);
        if (s)
            puts(s);
        free(s);
        json_decref(j);
    } else {
        printf("%s\t%s\t%zu entries\t%s\n", url, f->format, f->n_entries, title ? title : "");
    }
}

/*
 * Fetch and parse url; print it when it is a feed and return 1; else 0,
 * saying why on stderr unless quiet.  trusted: the page's URL (a feed a
 * page names may reach private addresses only when the page could).
 */
static int check(const struct nd_ctl_opts *o, const char *url, const char *trusted,
                 const char *advertised_title, int quiet)
{
    struct nd_fetch_result res;
    struct nd_feed f;
    char err[256];
    int ok = 0;

    nd_feed_init(&f);
    if (nd_ctl_fetch(o, url, trusted, &res, 1) != 0) {
        if (!quiet)
            fprintf(stderr, "newsctl: %s: advertised, but %s: %s\n", url,
                    nd_outcome_name(res.outcome), res.error);
        goto out;
    }
    {
        struct nd_parse_in in = {res.final_url, res.charset, res.content_language};
        if (nd_parse_doc(res.body, res.len, &in, &f, err, sizeof(err)) != ND_OK) {
            if (!quiet)
                fprintf(stderr, "newsctl: %s: advertised, but %s\n", url, err);
            goto out;
        }
    }
    ok = 1;
    print_feed(o, url, &f, advertised_title, !quiet);
out:
    nd_feed_free(&f);
    nd_fetch_result_clear(&res);
    return ok;
}

int nd_ctl_discover(struct nd_ctl_opts *o)
{
    struct nd_fetch_result page;
    struct nd_feed_link *links = NULL;
    struct nd_strv guesses = {0};
    struct nd_feed f;
    const char *url;
    char err[256];
    size_t n = 0;
    int found = 0;

    if (o->args.n != 1) {
        fprintf(stderr, "newsctl: discover needs one URL\n");
        return EXIT_USAGE;
    }
    url = o->args.v[0];
    if (nd_ctl_fetch(o, url, url, &page, 0) != 0) {
        nd_fetch_result_clear(&page);
        return EXIT_NONE;
    }
    /* a feed itself (whatever its Content-Type says: a web page never parses as a feed) */
    nd_feed_init(&f);
    {
        struct nd_parse_in in = {page.final_url, page.charset, page.content_language};
        if (nd_parse_doc(page.body, page.len, &in, &f, err, sizeof(err)) == ND_OK) {
            fprintf(stderr, "newsctl: %s is a feed itself\n", url);
            print_feed(o, page.final_url, &f, NULL, 0);
            found = 1;
        }
    }
    nd_feed_free(&f);
    if (found)
        goto out;
    n = nd_discover_links(page.body, page.len, page.final_url, &links);
    for (size_t i = 0; i < n; i++)
        found += check(o, links[i].url, url, links[i].title, 0);
    if (n == 0) {
        nd_discover_guesses(page.final_url, &guesses);
        for (size_t i = 0; i < guesses.n; i++)
            found += check(o, guesses.v[i], url, NULL, 1);
        if (found == 0)
            fprintf(stderr, "newsctl: %s advertises no feed, and none is at the %zu usual paths\n",
                    url, guesses.n);
    } else if (found == 0) {
        fprintf(stderr, "newsctl: %s: none of the %zu feeds it advertises could be read\n", url, n);
    }
out:
    nd_strv_free(&guesses);
    nd_feed_links_free(links, n);
    nd_fetch_result_clear(&page);
    return found ? 0 : EXIT_NONE;
}
