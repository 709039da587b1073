/*
 * ctl.h: newsctl's commands and its client side of the control protocol.
 */
#ifndef NEWSD_CTL_H
#define NEWSD_CTL_H

#include <jansson.h>

#include "newsd/util.h"

struct nd_ctl_opts {
    const char *command;
    const char *config;
    const char *endpoint;
    const char *timeout;
    const char *since;
    const char *base_url;
    const char *charset;  /* parse: as an HTTP Content-Type charset would say */
    const char *language; /* parse: as an HTTP Content-Language would say */
    const char *count;
    const char *curve_key;  /* --curve-key: newsctl's own CURVE secret key file */
    const char *server_key; /* --server-key: the daemon's CURVE public key file */
    const char *text;       /* explain --text FILE */
    const char *source;     /* explain --source ID */
    int json;
    int force;
    int all;            /* parse --all: every entry, also those the daemon skips */
    int allow_private;  /* --allow-private: URLs may reach private addresses */
    int dry_run;        /* opml import --dry-run: report, write nothing */
    const char *output; /* opml: -o FILE */
    int help;
    int version;
    struct nd_strv args;
};

/* Where newsctl connects, and how. */
struct nd_ctl_target {
    char *endpoint;
    const char *client_key; /* CURVE secret key file, or NULL for no CURVE */
    char server_key[41];    /* the daemon's CURVE public key (Z85), "" for none */
    int timeout_given;      /* --timeout was given: it bounds the connection too */
};

/*
 * The control (or, for tail, publish) endpoint from -e or the
 * configuration, with its CURVE keys: the server's public key from
 * --server-key, or from the configuration's secret key file when newsctl
 * can read it.  0, or -1 after printing one line; free with
 * nd_ctl_target_clear().
 */
int nd_ctl_target(const struct nd_ctl_opts *o, int publish, struct nd_ctl_target *t);
void nd_ctl_target_clear(struct nd_ctl_target *t);
/* Make sock a CURVE client when t says so; 0, or -1 after printing one line. */
int nd_ctl_secure(const struct nd_ctl_target *t, void *sock);

/*
 * Send one request to the control endpoint and wait for the reply.
 * Returns 0 with *reply (caller json_decref's) and extra frames appended
 * to frames (may be NULL); or -1 after printing one line on stderr.
 * A reply with "ok": false is printed and returned as -1 too.  The
 * connection takes at most 3 s, or timeout_ms with --timeout; the reply
 * comes within timeout_ms of the request.
 */
int nd_ctl_request(const struct nd_ctl_target *t, json_t *req, long timeout_ms, json_t **reply,
                   struct nd_strv *frames);
/*
 * The same for a request that may report progress first (a refresh with
 * "progress": true): each progress message ("progress": true) is handed to
 * fn (borrowed for the call) and starts the timeout again.
 */
typedef void (*nd_ctl_progress_fn)(json_t *msg, void *arg);
int nd_ctl_request_progress(const struct nd_ctl_target *t, json_t *req, long timeout_ms,
                            json_t **reply, struct nd_strv *frames, nd_ctl_progress_fn fn,
                            void *arg);
/* --timeout in ms, or def; -1 on a bad value. */
long nd_ctl_timeout(const struct nd_ctl_opts *o, long def);

struct nd_fetch_result;
/*
 * Fetch url with the daemon's fetcher (parse, discover, opml import) and
 * its private-address rule: it may reach loopback and private addresses
 * (on every redirect hop) when --allow-private was given or when trusted,
 * the URL the user typed, names such an address itself.  0 with *res
 * holding the body, or -1 with the reason in res->error (one line on
 * stderr first, unless quiet); either way the caller clears *res with
 * nd_fetch_result_clear().
 */
int nd_ctl_fetch(const struct nd_ctl_opts *o, const char *url, const char *trusted,
                 struct nd_fetch_result *res, int quiet);

int nd_ctl_parse(struct nd_ctl_opts *o);
int nd_ctl_opml(struct nd_ctl_opts *o);
int nd_ctl_discover(struct nd_ctl_opts *o);
int nd_ctl_refresh(struct nd_ctl_opts *o);
int nd_ctl_status(struct nd_ctl_opts *o);
int nd_ctl_sources(struct nd_ctl_opts *o);
int nd_ctl_reload(struct nd_ctl_opts *o);
int nd_ctl_tail(struct nd_ctl_opts *o);
int nd_ctl_replay(struct nd_ctl_opts *o);
int nd_ctl_keygen(struct nd_ctl_opts *o);
int nd_ctl_explain(struct nd_ctl_opts *o);

#endif
