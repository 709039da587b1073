/*
 * ctl_explain.c: newsctl explain: ask the daemon why an article (by id or
 * URL) was published, dropped or marked; or, with --text FILE, prepare
 * the document here and ask, item by item, what the daemon would do.
 */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/ctl.h"
#include "newsd/prepare.h"
#include "newsd/text.h"

#define EXIT_USAGE   2
#define EXIT_REQUEST 3
#define QUICK_MS     10000
#define TEXT_MAX     40000 /* bytes of an item's text sent (the request is capped at 64 KiB) */

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void print_article(const char *label, json_t *a)
{
    json_t *seq = json_object_get(a, "seq");

    printf("%s%s (%s, seen %s", label, str(a, "id"), str(a, "source"), str(a, "seen"));
    if (json_is_integer(seq))
        printf(", seq %" JSON_INTEGER_FORMAT, json_integer_value(seq));
    printf(")");
    if (*str(a, "title"))
        printf(": \"%s\"", str(a, "title"));
    printf("\n");
}

static void print_reply(const char *what, json_t *r)
{
    json_t *a = json_object_get(r, "article"), *first = json_object_get(r, "first");

    if (json_is_object(a)) {
        print_article("", a);
        printf("  %s", str(a, "verdict"));
        if (*str(a, "why"))
            printf(": %s", str(a, "why"));
        printf("\n");
    } else {
        printf("%s: %s", what, str(r, "verdict"));
        if (*str(r, "why"))
            printf(": %s", str(r, "why"));
        printf("\n");
    }
    if (json_is_object(first))
        print_article("  first copy: ", first);
}

static json_t *ask(struct nd_ctl_opts *o, json_t *req)
{
    struct nd_ctl_target t;
    json_t *reply = NULL;
    long timeout = nd_ctl_timeout(o, QUICK_MS);

    if (timeout >= 0 && nd_ctl_target(o, 0, &t) == 0) {
        (void)nd_ctl_request(&t, req, timeout, &reply, NULL);
        nd_ctl_target_clear(&t);
    }
    json_decref(req);
    return reply;
}

static int is_id(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

static json_t *hexstr(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = xmalloc(2 * n + 1);
    json_t *j;

    for (size_t i = 0; i < n; i++) {
        s[2 * i] = hex[p[i] >> 4];
        s[2 * i + 1] = hex[p[i] & 15];
    }
    s[2 * n] = '\0';
    j = json_string(s);
    free(s);
    return j;
}

static json_t *item_of(const struct nd_prepared *p, size_t i, const char *source)
{
    const struct nd_article *a = &p->articles[i];
    char th[17], *text = nd_text_truncate(a->content_text, TEXT_MAX / 4);
    json_t *it;

    snprintf(th, sizeof(th), "%016" PRIx64, a->text_hash);
    it = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:o}", "source", source, "id", a->id,
                   "title", a->title, "url", a->url ? json_string(a->url) : json_null(), "guid",
                   a->guid ? json_string(a->guid) : json_null(), "text", text, "text_hash", th,
                   "sig", hexstr(p->blobs[i], p->blob_lens[i]));
    if (a->updated != ND_TIME_NONE)
        json_object_set_new(it, "updated", json_integer(a->updated));
    free(text);
    return it;
}

static int explain_text(struct nd_ctl_opts *o)
{
    const char *source = o->source ? o->source : "";
    struct nd_clean_ctx cctx = {source, NULL, nd_now()};
    struct nd_prepared p;
    char *data;
    size_t len;
    int rc = 0;

    if (nd_read_file(o->text, 1 << 30, &data, &len) != ND_OK) {
        fprintf(stderr, "newsctl: %s: %s\n", o->text, strerror(errno));
        return EXIT_REQUEST;
    }
    struct nd_parse_in pin = {NULL, NULL, NULL};

    nd_prepare(data, len, &pin, &cctx, ND_PREPARE_NEAR, NULL, &p);
    free(data);
    if (p.rc != ND_OK) {
        fprintf(stderr, "newsctl: %s: %s\n", o->text, p.error);
        nd_prepared_free(&p);
        return 1;
    }
    for (size_t i = 0; i < p.n_articles && rc == 0; i++) {
        json_t *reply =
            ask(o, json_pack("{s:s, s:o}", "cmd", "explain", "item", item_of(&p, i, source)));
        char what[512];
        if (reply == NULL) {
            rc = EXIT_REQUEST;
            break;
        }
        snprintf(what, sizeof(what), "item %zu \"%s\"", i + 1, p.articles[i].title);
        if (o->json) {
            char *s = json_dumps(reply, JSON_COMPACT);
            puts(s);
            free(s);
        } else {
            print_reply(what, reply);
        }
        json_decref(reply);
    }
    nd_prepared_free(&p);
    return rc;
}

int nd_ctl_explain(struct nd_ctl_opts *o)
{
    json_t *reply;

    if (o->text)
        return o->args.n ? EXIT_USAGE : explain_text(o);
    if (o->args.n != 1) {
        fprintf(stderr, "newsctl: explain ID|URL, or explain --text FILE\n");
        return EXIT_USAGE;
    }
    reply = ask(o, json_pack("{s:s, s:s}", "cmd", "explain", is_id(o->args.v[0]) ? "id" : "url",
                             o->args.v[0]));
    if (reply == NULL)
        return EXIT_REQUEST;
    if (o->json) {
        char *s = json_dumps(reply, JSON_COMPACT);
        puts(s);
        free(s);
    } else {
        print_reply(o->args.v[0], reply);
    }
    json_decref(reply);
    return 0;
}
