/*
 * ctl_parse.c: `newsctl parse`: documents through the parser and the
 * cleaner, one article a line, without a daemon and without dedupe.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newsd/article.h"
#include "newsd/ctl.h"
#include "newsd/discover.h"
#include "newsd/fetch.h"
#include "newsd/parse.h"
#include "newsd/prepare.h"
#include "newsd/url.h"

#define PARSE_MAX_BODY (64LL << 20)

/* A web page where a feed was expected: say so, with the feeds it advertises. */
static void web_page(const char *name, const char *data, size_t len, const char *url)
{
    struct nd_feed_link *links;
    size_t n = nd_discover_links(data, len, url, &links);

    if (n == 0) {
        fprintf(stderr,
                "newsctl: %s: this is a web page; it advertises no feed (newsctl discover "
                "tries the usual places)\n",
                name);
        return;
    }
    fprintf(stderr, "newsctl: %s: this is a web page; its feeds are:", name);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s %s", i ? "," : "", links[i].url);
    fputc('\n', stderr);
    nd_feed_links_free(links, n);
}

/*
 * Print every article of one document (with all, every entry, also those the
 * daemon skips; without, one line on stderr names each skipped one); 0, or
 * -1 after one line on stderr.
 */
static int parse_one(const char *name, const char *data, size_t len, const struct nd_parse_in *in,
                     const char *source_url, const char *content_type, int all, int64_t now)
{
    struct nd_clean_ctx cctx = {"", NULL, now};
    struct nd_prepared p;
    struct nd_msg_meta m = {.event = "article", .source_id = "", .source_url = source_url};

    /* the daemon's own prepare step (without the dedupe fingerprints) */
    nd_prepare(data, len, in, &cctx, ND_PREPARE_ALL, NULL, &p);
    if (p.rc != ND_OK && nd_discover_is_html(data, len, content_type)) {
        web_page(name, data, len, in->doc_url ? in->doc_url : source_url);
        nd_prepared_free(&p);
        return -1;
    }
    if (p.rc != ND_OK) {
        fprintf(stderr, "newsctl: %s: %s\n", name, p.error);
        nd_prepared_free(&p);
        return -1;
    }
    m.source_title = m.feed_title = p.feed.title;
    m.feed_url = p.feed.link;
    m.feed_language = p.feed.language;
    for (size_t i = 0; i < p.n_articles; i++) {
        const struct nd_article *a = &p.articles[i];
        if (a->skipped && !all) {
            fprintf(stderr, "newsctl: %s: entry %zu skipped: %s\n", name, i + 1, a->skipped);
            continue;
        }
        char *json = nd_message_encode(a, &m);
        puts(json);
        free(json);
    }
    nd_prepared_free(&p);
    return 0;
}

static int parse_url(const struct nd_ctl_opts *o, const char *url, int64_t now)
{
    struct nd_fetch_result res;
    int rc;

    if (nd_ctl_fetch(o, url, url, &res, 0) != 0) {
        nd_fetch_result_clear(&res);
        return -1;
    }
    {
        /* the server's charset unless --charset says otherwise */
        struct nd_parse_in in = {res.final_url, o->charset ? o->charset : res.charset,
                                 o->language ? o->language : res.content_language};
        rc = parse_one(url, res.body, res.len, &in, url, res.content_type, o->all, now);
    }
    nd_fetch_result_clear(&res);
    return rc;
}

/*
 * A regular file read whole into one allocation of its size, or -1 to leave
 * it to nd_read_file() (standard input, a pipe, a file too large or that
 * changes while it is read).  nd_read_file() grows its buffer from 64 KB
 * reads, which copied every document three or four times.
 */
static int read_regular(const char *path, char **out, size_t *len)
{
    struct stat st;
    size_t size, got = 0;
    ssize_t n = 0;
    char *buf, extra;
    int fd;

    if (strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > PARSE_MAX_BODY) {
        close(fd);
        return -1;
    }
    size = (size_t)st.st_size;
    buf = xmalloc(size + 1);
    while (got < size && (n = read(fd, buf + got, size - got)) > 0)
        got += (size_t)n;
    if (got == size)
        n = read(fd, &extra, 1); /* 0 at the end, as it should be */
    close(fd);
    if (got != size || n != 0) {
        free(buf);
        return -1;
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return 0;
}

static int parse_file(const struct nd_ctl_opts *o, const char *path, int64_t now)
{
    char *data, *abs = NULL, cwd[PATH_MAX];
    size_t len;
    int rc;

    if (read_regular(path, &data, &len) != 0 &&
        nd_read_file(path, PARSE_MAX_BODY, &data, &len) != ND_OK) {
        fprintf(stderr, "newsctl: %s: cannot read: %m\n", path);
        return -1;
    }
    if (strcmp(path, "-") == 0)
        abs = xstrdup("-");
    else if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
        abs = xasprintf("file://%s", path);
    else
        abs = xasprintf("file://%s/%s", cwd, path);
    {
        struct nd_parse_in in = {o->base_url, o->charset, o->language};
        rc = parse_one(path, data, len, &in, o->base_url ? o->base_url : abs, NULL, o->all, now);
    }
    free(abs);
    free(data);
    return rc;
}

int nd_ctl_parse(struct nd_ctl_opts *o)
{
    int64_t now = nd_now();
    int failed = 0;
    char scheme[16];

    if (o->args.n == 0) {
        fprintf(stderr, "newsctl: parse needs FILE, URL or - (standard input)\n");
        return 2;
    }
    /* Articles are long lines: write them in large blocks rather than in the 4 KB
     * stdio picks for a pipe or /dev/null (8,000 system calls for 33 MB were 11%
     * of the time, docs/benchmarks.md).  Flushed after every document.  glibc
     * ignores the size unless it is given the buffer. */
    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    for (size_t i = 0; i < o->args.n; i++) {
        const char *a = o->args.v[i];
        int is_url = nd_url_scheme(a, scheme, sizeof(scheme)) == 0 &&
                     (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
        if ((is_url ? parse_url(o, a, now) : parse_file(o, a, now)) != 0)
            failed++;
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
