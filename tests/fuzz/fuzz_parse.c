/*
 * fuzz_parse.c: libFuzzer target for the whole offline pipeline: a feed
 * document through nd_parse(), every entry through nd_clean_entry() and
 * nd_message_encode(), everything freed.  The first byte picks the document
 * URL and the HTTP charset: none for a fifth of the inputs, else one of a
 * few URLs (odd ones too) and charsets.  Beyond the sanitizers, it checks
 * what the contract promises:
 * every string out is valid UTF-8 and every message is a JSON object that
 * jansson reads back.
 *
 * Build and run: tests/fuzz/run.sh (CC=clang, -DNEWSD_FUZZ=ON).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/article.h"
#include "newsd/parse.h"
#include "newsd/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_text(const char *what, const char *s)
{
    if (s != NULL && !nd_utf8_valid(s, strlen(s))) {
        fprintf(stderr, "fuzz_parse: %s is not valid UTF-8\n", what);
        abort();
    }
}

static void check_article(const struct nd_article *a)
{
    must_be_text("title", a->title);
    must_be_text("summary", a->summary);
    must_be_text("content_html", a->content_html);
    must_be_text("content_text", a->content_text);
    must_be_text("url", a->url);
    must_be_text("guid", a->guid);
    must_be_text("image", a->image);
    must_be_text("language", a->language);
    for (size_t i = 0; i < a->authors.n; i++)
        must_be_text("author", a->authors.v[i]);
    for (size_t i = 0; i < a->categories.n; i++)
        must_be_text("category", a->categories.v[i]);
    for (size_t i = 0; i < a->n_enclosures; i++)
        must_be_text("enclosure", a->enclosures[i].url);
}

static void run(const char *doc, size_t len, const char *url, const char *charset)
{
    struct nd_feed feed;
    char err[256];

    nd_feed_init(&feed);
    if (nd_parse(doc, len, url, charset, &feed, err, sizeof(err)) == ND_OK) {
        must_be_text("feed title", feed.title);
        for (size_t i = 0; i < feed.n_entries; i++) {
            struct nd_clean_ctx cctx = {"fuzz", feed.language, 1764237605};
            struct nd_msg_meta m = {.event = "article",
                                    .seq = (int64_t)i,
                                    .source_id = "fuzz",
                                    .source_title = feed.title,
                                    .source_url = url,
                                    .feed_title = feed.title,
                                    .feed_url = feed.link,
                                    .feed_language = feed.language};
            struct nd_article a;
            if (nd_clean_entry(&feed.entries[i], &cctx, &a) == ND_OK) {
                char *msg = nd_message_encode(&a, &m);
                json_error_t jerr;
                json_t *j;
                check_article(&a);
                j = json_loads(msg, JSON_REJECT_DUPLICATES, &jerr);
                if (j == NULL || !json_is_object(j)) {
                    fprintf(stderr, "fuzz_parse: message is not a JSON object: %s\n", jerr.text);
                    abort();
                }
                json_decref(j);
                free(msg);
            }
            nd_article_free(&a);
        }
    }
    nd_feed_free(&feed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const charsets[] = {
        NULL,       "utf-8",  "iso-8859-1", "windows-1252", "utf-16",
        "utf-16be", "koi8-r", "shift_jis",  "gb2312",       "no-such-charset",
    };
    static const char *const urls[] = {
        "https://example.org/feeds/news.xml",
        "http://Example.ORG:80/a/b/../feed?x=1&utm_source=y#frag",
        "file:///var/lib/feed.xml",
        "not a url",
    };
    const char *doc = (const char *)data;

    if (size == 0 || data[0] % 5 == 0)
        run(doc, size, NULL, NULL);
    else
        run(doc, size, urls[data[0] % 4], charsets[(data[0] >> 2) % 10]);
    return 0;
}
