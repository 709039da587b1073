/*
 * newsd: the news aggregation daemon.  Runs in the foreground (as systemd
 * expects), logs to stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <libxml/parser.h>

#include "newsd/config.h"
#include "newsd/daemon.h"
#include "newsd/log.h"
#include "newsd/version.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: newsd [-v] [-c CONF]\n"
            "       newsd --check-config [-c CONF]\n"
            "       newsd --help-config[=text|markdown|man] | --version | -h | --help\n"
            "\n"
            "  -c, --config CONF   configuration file (default %s)\n"
            "  -n, --check-config  check the configuration, print \"configuration OK\" or the "
            "error\n"
            "  -v, --verbose       log debug messages\n"
            "      --help-config[=FORMAT]  list every setting: its type, default, bounds, whether\n"
            "                      a reload applies it and whether sources inherit it (FORMAT:\n"
            "                      text, or markdown and man for the documentation)\n"
            "      --version       print the version\n"
            "  -h, --help          print this\n",
            nd_config_default_path());
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"help-config", optional_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *path = nd_config_default_path();
    struct nd_config *cfg;
    struct nd_daemon *d;
    char err[1024];
    int check = 0, verbose = 0, c, rc;

    while ((c = getopt_long(argc, argv, "c:nvh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            check = 1;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("newsd %s\n", NEWSD_VERSION);
            return 0;
        case 'H':
            if (optarg == NULL || strcmp(optarg, "text") == 0)
                nd_config_describe(stdout, ND_CONFIG_TEXT);
            else if (strcmp(optarg, "markdown") == 0)
                nd_config_describe(stdout, ND_CONFIG_MARKDOWN);
            else if (strcmp(optarg, "man") == 0)
                nd_config_describe(stdout, ND_CONFIG_MAN);
            else {
                fprintf(stderr, "newsd: --help-config=%s: text, markdown or man\n", optarg);
                return 2;
            }
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "newsd: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    if (nd_config_load(path, &cfg, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, check ? "%s\n" : "<3>newsd: %s\n", err);
        return 1;
    }
    if (check) {
        printf("configuration OK\n");
        nd_config_free(cfg);
        return 0;
    }
    log_set_level(verbose ? ND_LOG_DEBUG : cfg->log_level);
    if (nd_daemon_new(cfg, &d, err, sizeof(err)) != ND_OK)
        fatalx("%s", err);
    rc = nd_daemon_run(d);
    nd_daemon_free(d);
    xmlCleanupParser();
    curl_global_cleanup();
    return rc;
}
