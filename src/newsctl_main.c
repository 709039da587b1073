/*
 * newsctl: control a running newsd (refresh, status, sources, reload,
 * replay), watch what it publishes (tail), and parse feeds offline (parse).
 */
#include <curl/curl.h>
#include <libxml/parser.h>
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
            "  parse [--base-url URL] FILE|URL|- ...  parse feeds, print articles (JSON Lines)\n"
            "  refresh [--force] [--json] [ID...]   poll sources now, answer when done\n"
            "  status [--json]                      the daemon and every source\n"
            "  sources [--json]                     the configured sources\n"
            "  reload                               read the configuration again\n"
            "  tail [--count N] [TOPIC-PREFIX...]   print published articles as they come\n"
            "  replay --since SEQ [TOPIC-PREFIX...] print journaled articles after SEQ\n"
            "  explain ID|URL                       why an article was published, dropped or "
            "marked\n"
            "  explain --text FILE [--source ID]    what would happen to a document's items\n"
            "  keygen FILE                          make a CURVE key pair (FILE, FILE.pub)\n"
            "\n"
            "  -c, --config CONF    configuration file (default %s)\n"
            "  -e, --endpoint EP    control endpoint (for tail: a publish endpoint)\n"
            "      --timeout SEC    how long to wait for the daemon (refresh: 600, else 10)\n"
            "      --curve-key FILE newsctl's CURVE secret key, for a daemon that asks for one\n"
            "      --server-key FILE the daemon's CURVE public key (default: from CONF)\n",
            nd_config_default_path());
}

/* Options may stand before or after the command word. */
static int parse_args(int argc, char **argv, struct nd_ctl_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;

        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                nd_strv_push(&o->args, argv[i]);
            break;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
            value = &o->config;
        else if (strcmp(a, "-e") == 0 || strcmp(a, "--endpoint") == 0)
            value = &o->endpoint;
        else if (strcmp(a, "--timeout") == 0)
            value = &o->timeout;
        else if (strcmp(a, "--since") == 0)
            value = &o->since;
        else if (strcmp(a, "--base-url") == 0)
            value = &o->base_url;
        else if (strcmp(a, "--count") == 0 || strcmp(a, "-n") == 0)
            value = &o->count;
        else if (strcmp(a, "--curve-key") == 0)
            value = &o->curve_key;
        else if (strcmp(a, "--server-key") == 0)
            value = &o->server_key;
        else if (strcmp(a, "--text") == 0)
            value = &o->text;
        else if (strcmp(a, "--source") == 0)
            value = &o->source;
        if (value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "newsctl: %s needs a value\n", a);
                return -1;
            }
            *value = argv[++i];
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = 1;
        } else if (strcmp(a, "--version") == 0) {
            o->version = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "newsctl: unknown option '%s'\n", a);
            return -1;
        } else if (o->command == NULL) {
            o->command = a;
        } else {
            nd_strv_push(&o->args, a);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct nd_ctl_opts *);
    } commands[] = {
        {"parse", nd_ctl_parse},     {"refresh", nd_ctl_refresh}, {"status", nd_ctl_status},
        {"sources", nd_ctl_sources}, {"reload", nd_ctl_reload},   {"tail", nd_ctl_tail},
        {"replay", nd_ctl_replay},   {"keygen", nd_ctl_keygen},   {"explain", nd_ctl_explain},
    };
    struct nd_ctl_opts o;
    int rc = 2;

    memset(&o, 0, sizeof(o));
    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        goto out;
    }
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
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(o.command, commands[i].name) == 0) {
            rc = commands[i].fn(&o);
            goto done;
        }
    fprintf(stderr, "newsctl: unknown command '%s'\n", o.command);
    usage(stderr);
done:
    xmlCleanupParser();
    curl_global_cleanup();
out:
    nd_strv_free(&o.args);
    return rc;
}
