/*
 * newsctl: control a running newsd (refresh, status, sources, reload,
 * replay), watch what it publishes (tail), and parse feeds offline (parse).
 */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/config.h"
#include "newsd/version.h"
#include "newsd/ctl.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: newsctl [-c CONF | -e ENDPOINT] [--timeout SEC] COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  parse [--all] [--base-url URL] [--charset CS] [--language LANG] FILE|URL|- ...\n"
            "                                       parse feeds, print articles (JSON Lines)\n"
            "  refresh [--force] [--json] [ID...]   poll sources now, each shown as it is done\n"
            "  status [--json]                      the daemon and every source\n"
            "  sources [--json]                     the configured sources\n"
            "  reload                               read the configuration again\n"
            "  tail [--count N] [TOPIC-PREFIX...]   print published articles as they come\n"
            "  replay --since SEQ [TOPIC-PREFIX...] print journaled articles after SEQ\n"
            "  explain ID|URL                       why an article was published, dropped or "
            "marked\n"
            "  explain --text FILE [--source ID]    what would happen to a document's items\n"
            "  keygen FILE                          make a CURVE key pair (FILE, FILE.pub)\n"
            "  opml import [--dry-run] [-o OUT] FILE|URL\n"
            "                                       add an OPML list's feeds as sources\n"
            "  opml export [-o OUT]                 the configured sources as OPML 2.0\n"
            "  discover [--json] URL                the feeds a web page advertises\n"
            "\n"
            "  -c, --config CONF    configuration file (default %s)\n"
            "  -e, --endpoint EP    control endpoint (for tail: a publish endpoint)\n"
            "      --timeout SEC    how long to wait for the daemon: to connect, then for its\n"
            "                       answer (refresh: 600, between sources done; tail: no\n"
            "                       limit, between messages; else 10)\n"
            "      --curve-key FILE newsctl's CURVE secret key, for a daemon that asks for one\n"
            "      --server-key FILE the daemon's CURVE public key (default: from CONF)\n"
            "      --allow-private  parse, discover, opml import: URLs may lead to loopback\n"
            "                       and private addresses (allowed anyway for a URL that\n"
            "                       names one)\n",
            nd_config_default_path());
}

/* Every option: a value option sets a string of struct nd_ctl_opts, a flag an int. */
static const struct ctl_option {
    const char *name, *alias; /* "--long", "-x" or NULL */
    int value;                /* takes a value */
    size_t off;               /* of the field it sets */
} options[] = {
#define O(name, alias, value, field)                                                               \
    {                                                                                              \
        name, alias, value, offsetof(struct nd_ctl_opts, field)                                    \
    }
#define V(name, alias, field) O(name, alias, 1, field)
#define F(name, alias, field) O(name, alias, 0, field)
    V("--config", "-c", config),
    V("--endpoint", "-e", endpoint),
    V("--timeout", NULL, timeout),
    V("--since", NULL, since),
    V("--base-url", NULL, base_url),
    V("--charset", NULL, charset),
    V("--language", NULL, language),
    V("--count", "-n", count),
    V("--curve-key", NULL, curve_key),
    V("--server-key", NULL, server_key),
    V("--text", NULL, text),
    V("--source", NULL, source),
    V("--output", "-o", output),
    F("--json", NULL, json),
    F("--force", NULL, force),
    F("--all", NULL, all),
    F("--allow-private", NULL, allow_private),
    F("--dry-run", NULL, dry_run),
    F("--help", "-h", help),
    F("--version", NULL, version),
#undef V
#undef F
#undef O
};

static const struct {
    const char *name;
    int (*fn)(struct nd_ctl_opts *);
} commands[] = {
    {"parse", nd_ctl_parse},     {"refresh", nd_ctl_refresh},   {"status", nd_ctl_status},
    {"sources", nd_ctl_sources}, {"reload", nd_ctl_reload},     {"tail", nd_ctl_tail},
    {"replay", nd_ctl_replay},   {"keygen", nd_ctl_keygen},     {"explain", nd_ctl_explain},
    {"opml", nd_ctl_opml},       {"discover", nd_ctl_discover},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The closest of names[0..n) to word, or NULL: a typo (at most 2 edits, fewer
 * in a short word) or a unique prefix.
 */
static const char *closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL, *prefix = NULL;
    size_t best_d = 3, len = strlen(word), prefixes = 0;

    for (size_t i = 0; i < n; i++) {
        size_t d = nd_edit_distance(word, names[i]);
        if (d < best_d && d <= (len - 1) / 2) {
            best_d = d;
            best = names[i];
        }
        if (len >= 2 && strncmp(names[i], word, len) == 0) {
            prefix = names[i];
            prefixes++;
        }
    }
    return best ? best : prefixes == 1 ? prefix : NULL;
}

/* "unknown option 'x'" or "unknown command 'x'", with the likely one when there is one. */
static void unknown(const char *what, const char *word, int option)
{
    const char *names[NELEM(options) * 2 + NELEM(commands)];
    size_t n = 0;
    const char *guess;

    if (option) {
        for (size_t i = 0; i < NELEM(options); i++) {
            names[n++] = options[i].name;
            if (options[i].alias)
                names[n++] = options[i].alias;
        }
    } else {
        for (size_t i = 0; i < NELEM(commands); i++)
            names[n++] = commands[i].name;
    }
    guess = closest(word, names, n);
    if (guess)
        fprintf(stderr, "newsctl: unknown %s '%s': did you mean '%s'?\n", what, word, guess);
    else
        fprintf(stderr, "newsctl: unknown %s '%s' (newsctl --help lists them)\n", what, word);
}

/* Options may stand before or after the command word.  0, or -1 after one line. */
static int parse_args(int argc, char **argv, struct nd_ctl_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct ctl_option *opt = NULL;

        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                nd_strv_push(&o->args, argv[i]);
            break;
        }
        if (a[0] != '-' || a[1] == '\0') { /* "-" is stdin for parse */
            if (o->command == NULL)
                o->command = a;
            else
                nd_strv_push(&o->args, a);
            continue;
        }
        for (size_t k = 0; k < NELEM(options) && opt == NULL; k++)
            if (strcmp(a, options[k].name) == 0 || nd_str_same(a, options[k].alias))
                opt = &options[k];
        if (opt == NULL) {
            unknown("option", a, 1);
            return -1;
        }
        if (!opt->value) {
            *(int *)((char *)o + opt->off) = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "newsctl: %s needs a value\n", a);
            return -1;
        }
        *(const char **)((char *)o + opt->off) = argv[++i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct nd_ctl_opts o;
    int rc = 2;

    memset(&o, 0, sizeof(o));
    if (parse_args(argc, argv, &o) != 0)
        goto out;
    if (o.version) {
        printf("newsctl %s\n", NEWSD_VERSION);
        rc = 0;
        goto out;
    }
    if (o.help || o.command == NULL) {
        usage(o.help ? stdout : stderr);
        rc = o.help ? 0 : 2;
        goto out;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    for (size_t i = 0; i < NELEM(commands); i++)
        if (strcmp(o.command, commands[i].name) == 0) {
            rc = commands[i].fn(&o);
            goto done;
        }
    unknown("command", o.command, 0);
done:
    xmlCleanupParser();
    curl_global_cleanup();
out:
    nd_strv_free(&o.args);
    return rc;
}
