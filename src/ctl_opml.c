/*
 * ctl_opml.c: `newsctl opml import FILE|URL` and `newsctl opml export`:
 * sources from and to OPML.  Import writes a libconfig file of source
 * entries that newsd.conf includes in its sources list (newsctl(1)).
 */
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "newsd/config.h"
#include "newsd/ctl.h"
#include "newsd/fetch.h"
#include "newsd/opml.h"
#include "newsd/strmap.h"
#include "newsd/url.h"

#define OPML_MAX_FILE (64LL << 20)
#define OUTPUT_NAME   "opml-sources.conf"
#define EXIT_USAGE    2

/* The ids and URLs sources already have: the configuration's, and the output file's. */
struct known {
    struct nd_strmap ids;  /* id -> itself */
    struct nd_strmap urls; /* URL -> id */
    struct nd_strv owned;  /* the strings the maps point to */
};

static void know(struct known *k, const char *id, const char *url)
{
    char *i = xstrdup(id);

    nd_strv_take(&k->owned, i);
    nd_strmap_put(&k->ids, i, i);
    if (url)
        nd_strmap_put(&k->urls, url, i);
}

static void known_free(struct known *k)
{
    nd_strmap_free(&k->ids);
    nd_strmap_free(&k->urls);
    nd_strv_free(&k->owned);
}

/*
 * The sources of the output file as it is (it holds list elements only):
 * into k; *entries says how many.  0, or -1 after one line on stderr.
 */
static int read_output(const char *path, const char *text, struct known *k, int *entries)
{
    char *doc = xasprintf("sources = ( %s\n);", text);
    config_t lc;
    int rc = 0;

    config_init(&lc);
    if (config_read_string(&lc, doc) != CONFIG_TRUE) {
        fprintf(stderr, "newsctl: %s:%d: %s\n", path, config_error_line(&lc),
                config_error_text(&lc));
        rc = -1;
    } else {
        const config_setting_t *list = config_lookup(&lc, "sources");
        *entries = config_setting_length(list);
        for (int i = 0; i < *entries; i++) {
            const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
            const char *id = NULL, *url = NULL;
            if (config_setting_lookup_string(s, "id", &id) == CONFIG_TRUE)
                know(k, id, config_setting_lookup_string(s, "url", &url) ? url : NULL);
        }
    }
    config_destroy(&lc);
    free(doc);
    return rc;
}

/* s as a libconfig string, appended to b. */
static int add_string(struct nd_buf *b, const char *s)
{
    int rc = nd_buf_addc(b, '"');

    for (; *s && rc == ND_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = nd_buf_printf(b, "\\%c", c);
        else
            rc = nd_buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
    }
    return rc == ND_OK ? nd_buf_addc(b, '"') : rc;
}

static int add_entry(struct nd_buf *b, const char *id, const char *url, const char *title,
                     const char *topic)
{
    int rc = nd_buf_printf(b, "{ id = \"%s\"; url = ", id);

    if (rc == ND_OK)
        rc = add_string(b, url);
    if (rc == ND_OK && title) {
        rc = nd_buf_adds(b, "; title = ");
        if (rc == ND_OK)
            rc = add_string(b, title);
    }
    if (rc == ND_OK && topic) {
        rc = nd_buf_adds(b, "; topic = ");
        if (rc == ND_OK)
            rc = add_string(b, topic);
    }
    return rc == ND_OK ? nd_buf_adds(b, "; }") : rc;
}

/* A new id for f: its newsd:id when free, else from its title (or URL), made unique. */
static char *new_id(const struct nd_opml_feed *f, const struct known *k)
{
    char base[41];

    if (f->id && nd_config_valid_id(f->id) && !nd_strmap_get(&k->ids, f->id))
        return xstrdup(f->id);
    nd_opml_slug(f->title, base);
    if (!*base) {
        const char *rest = strstr(f->xml_url, "://");
        nd_opml_slug(rest ? rest + 3 : f->xml_url, base);
    }
    if (!*base)
        snprintf(base, sizeof(base), "feed");
    if (!nd_strmap_get(&k->ids, base))
        return xstrdup(base);
    for (int n = 2;; n++) {
        char *id = xasprintf("%s-%d", base, n);
        if (!nd_strmap_get(&k->ids, id))
            return id;
        free(id);
    }
}

/* Why f cannot be added, or NULL. */
static const char *refuse(const struct nd_opml_feed *f, const struct known *k,
                          const struct nd_strmap *listed, char *why, size_t whylen)
{
    char scheme[16];
    const char *id;
    const int *line;

    if (nd_url_scheme(f->xml_url, scheme, sizeof(scheme)) != 0 ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        return "not an absolute http(s) URL";
    if ((line = nd_strmap_get(listed, f->xml_url)) != NULL) {
        snprintf(why, whylen, "listed twice (first at line %d)", *line);
        return why;
    }
    if ((id = nd_strmap_get(&k->urls, f->xml_url)) != NULL) {
        snprintf(why, whylen, "already configured as %s", id);
        return why;
    }
    return NULL;
}

/* The OPML document named by arg (a file, - for standard input, or a URL). */
static int read_opml(const struct nd_ctl_opts *o, const char *arg, struct nd_opml *opml)
{
    struct nd_fetch_result res;
    char scheme[16], err[256];
    char *data = NULL;
    size_t len = 0;
    int rc, is_url = nd_url_scheme(arg, scheme, sizeof(scheme)) == 0 &&
                     (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);

    if (is_url) {
        if (nd_ctl_fetch(o, arg, arg, &res, 0) != 0) {
            nd_fetch_result_clear(&res);
            memset(opml, 0, sizeof(*opml));
            return -1;
        }
        rc = nd_opml_parse(res.body, res.len, res.final_url, opml, err, sizeof(err));
        nd_fetch_result_clear(&res);
    } else {
        if (nd_read_file(arg, OPML_MAX_FILE, &data, &len) != ND_OK) {
            fprintf(stderr, "newsctl: %s: cannot read: %s\n", arg, strerror(errno));
            memset(opml, 0, sizeof(*opml));
            return -1;
        }
        rc = nd_opml_parse(data, len, NULL, opml, err, sizeof(err));
        free(data);
    }
    if (rc != ND_OK) {
        fprintf(stderr, "newsctl: %s: %s\n", arg, err);
        return -1;
    }
    return 0;
}

/* Write text to path through a temporary file and a rename. */
static int write_file(const char *path, const char *text)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *fp = fopen(tmp, "w");
    int rc = -1;

    if (fp == NULL) {
        fprintf(stderr, "newsctl: %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    if (fputs(text, fp) < 0 || fflush(fp) != 0 || fsync(fileno(fp)) != 0)
        fprintf(stderr, "newsctl: %s: %s\n", tmp, strerror(errno));
    else
        rc = 0;
    if (fclose(fp) != 0 && rc == 0) {
        fprintf(stderr, "newsctl: %s: %s\n", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "newsctl: %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* After writing: does the configuration include the file?  Say how when it does not. */
static void check_included(const char *conf, const char *out, const char *dir,
                           const struct nd_strv *added)
{
    struct nd_config *cfg;
    char err[1024];
    size_t dl = strlen(dir);
    const char *rel = strncmp(out, dir, dl) == 0 && out[dl] == '/' ? out + dl + 1 : out;

    if (nd_config_load(conf, &cfg, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: the configuration does not load now: %s\n", err);
        return;
    }
    if (added->n && nd_config_source(cfg, added->v[0]) == NULL)
        fprintf(stderr,
                "newsctl: %s does not include %s yet: add the line\n"
                "  @include \"%s\"\n"
                "as the last element of its sources = ( ... ) list, then newsctl reload\n",
                conf, out, rel);
    else if (added->n)
        printf("newsctl reload (or systemctl reload newsd) polls them\n");
    nd_config_free(cfg);
}

static int import(struct nd_ctl_opts *o, const char *arg)
{
    const char *conf = o->config ? o->config : nd_config_default_path();
    struct nd_config *cfg = NULL;
    struct nd_opml opml;
    struct known k;
    struct nd_strmap listed;
    struct nd_strv added;
    struct nd_buf b;
    char err[1024], why[256], *out = NULL, *old = NULL;
    size_t oldlen = 0;
    int entries = 0, skipped = 0, rc = 1, *lines = NULL;

    memset(&k, 0, sizeof(k));
    memset(&listed, 0, sizeof(listed));
    memset(&added, 0, sizeof(added));
    memset(&opml, 0, sizeof(opml));
    nd_buf_init(&b, OPML_MAX_FILE);
    if (nd_config_load(conf, &cfg, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: %s\n", err);
        if (strstr(err, "cannot open include file"))
            fprintf(stderr, "newsctl: the first import writes the file: add the @include line "
                            "after it\n");
        goto out;
    }
    out = o->output ? xstrdup(o->output) : xasprintf("%s/%s", cfg->dir, OUTPUT_NAME);
    for (size_t i = 0; i < cfg->n_sources; i++)
        know(&k, cfg->sources[i].id, cfg->sources[i].url);
    if (access(out, F_OK) == 0) {
        if (nd_read_file(out, OPML_MAX_FILE, &old, &oldlen) != ND_OK) {
            fprintf(stderr, "newsctl: %s: cannot read: %s\n", out, strerror(errno));
            goto out;
        }
        if (read_output(out, old, &k, &entries) != 0)
            goto out;
    }
    if (read_opml(o, arg, &opml) != 0)
        goto out;
    for (size_t i = 0; i < opml.ignored.n; i++)
        printf("ignored %s\n", opml.ignored.v[i]);
    lines = xcalloc(opml.n + 1, sizeof(*lines));
    for (size_t i = 0; i < opml.n; i++) {
        const struct nd_opml_feed *f = &opml.feeds[i];
        const char *no = refuse(f, &k, &listed, why, sizeof(why));
        char *id, *topic;
        if (no) {
            printf("skipped %s (line %d): %s\n", f->xml_url, f->line, no);
            skipped++;
            continue;
        }
        lines[i] = f->line;
        nd_strmap_put(&listed, f->xml_url, &lines[i]);
        id = new_id(f, &k);
        topic = f->topic ? xstrdup(f->topic) : nd_opml_topic(f->category, id);
        if ((entries || added.n ? nd_buf_adds(&b, ",\n") : ND_OK) != ND_OK ||
            add_entry(&b, id, f->xml_url, f->title, topic) != ND_OK) {
            fprintf(stderr, "newsctl: %s: too large\n", arg);
            free(id);
            free(topic);
            goto out;
        }
        printf("added %s %s%s%s\n", id, f->xml_url, topic ? " topic " : "", topic ? topic : "");
        know(&k, id, f->xml_url);
        nd_strv_take(&added, id);
        free(topic);
    }
    printf("%zu added, %d skipped%s%s\n", added.n, skipped, added.n ? ": " : "",
           added.n ? (o->dry_run ? "nothing written (--dry-run)" : out) : "");
    rc = 0;
    if (added.n && !o->dry_run) {
        char *text;
        if (old) {
            while (oldlen && strchr(" \t\r\n", old[oldlen - 1]))
                old[--oldlen] = '\0';
            text = xasprintf("%s%s%s\n", old, entries ? "" : "\n", b.data);
        } else {
            text = xasprintf("# Sources added by newsctl opml import (newsctl(1)); newsd.conf\n"
                             "# includes this file in its sources = ( ... ) list.  Edit freely:\n"
                             "# an import adds sources after these and changes none.\n%s\n",
                             b.data);
        }
        rc = write_file(out, text) == 0 ? 0 : 1;
        free(text);
        if (rc == 0)
            check_included(conf, out, cfg->dir, &added);
    }
out:
    free(lines);
    free(old);
    free(out);
    nd_buf_free(&b);
    nd_strv_free(&added);
    nd_strmap_free(&listed);
    known_free(&k);
    nd_opml_free(&opml);
    nd_config_free(cfg);
    return rc;
}

static int export(struct nd_ctl_opts *o)
{
    const char *conf = o->config ? o->config : nd_config_default_path();
    struct nd_config *cfg;
    struct nd_opml_feed *feeds;
    char err[1024], *doc;
    int rc = 0;

    if (nd_config_load(conf, &cfg, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: %s\n", err);
        return 1;
    }
    feeds = xcalloc(cfg->n_sources + 1, sizeof(*feeds));
    for (size_t i = 0; i < cfg->n_sources; i++) {
        const struct nd_source_conf *s = &cfg->sources[i];
        feeds[i].id = s->id;
        feeds[i].title = s->title;
        feeds[i].xml_url = s->url;
        /* the topic as folders when it has their form, else as it is */
        feeds[i].category = nd_opml_category(s->topic, s->id);
        if (feeds[i].category == NULL)
            feeds[i].topic = s->topic;
    }
    doc = nd_opml_write("newsd sources", feeds, cfg->n_sources, nd_now());
    if (o->output)
        rc = write_file(o->output, doc) == 0 ? 0 : 1;
    else if (fputs(doc, stdout) < 0 || fflush(stdout) != 0)
        rc = 1;
    free(doc);
    for (size_t i = 0; i < cfg->n_sources; i++)
        free(feeds[i].category);
    free(feeds);
    nd_config_free(cfg);
    return rc;
}

int nd_ctl_opml(struct nd_ctl_opts *o)
{
    const char *verb = o->args.n ? o->args.v[0] : "";

    if (strcmp(verb, "import") == 0 && o->args.n == 2)
        return import(o, o->args.v[1]);
    if (strcmp(verb, "export") == 0 && o->args.n == 1)
        return export(o);
    fprintf(stderr, "newsctl: opml import FILE|URL, or opml export\n");
    return EXIT_USAGE;
}
