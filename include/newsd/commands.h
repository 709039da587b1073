/*
 * commands.h: the control commands (docs/control-protocol.md) behind the
 * control socket: status and sources from the poller, refresh through it,
 * replay from the store, reload through a callback of the daemon's.
 *
 * A refresh is answered when every source it named has reported its poll
 * (nd_commands_poll_done), so the daemon routes the poller's reports here.
 */
#ifndef NEWSD_COMMANDS_H
#define NEWSD_COMMANDS_H

#include <stdint.h>

#include "newsd/cluster.h"
#include "newsd/follow.h"
#include "newsd/control.h"
#include "newsd/dedupe.h"
#include "newsd/fetch.h"
#include "newsd/jetstream.h"
#include "newsd/poller.h"
#include "newsd/request.h"
#include "newsd/store.h"

/* Borrowed: they must outlive the commands. */
struct nd_commands_env {
    struct nd_loop *loop; /* for a refresh's progress */
    struct nd_control *ctl;
    struct nd_poller *poller;
    struct nd_store *store;
    struct nd_fetcher *fetcher;
    struct nd_dedupe *dedupe;
    struct nd_jetstream *js;               /* the JetStream sink, or NULL */
    struct nd_cluster *cluster;            /* the slot leases, or NULL (not in cluster mode) */
    const struct nd_filter_memo *filtered; /* what the filters dropped lately (may be NULL) */
    const char *config_path;               /* copied */
    int64_t started;                       /* Unix seconds */
    /* Reload the configuration: 0, or an error with "file:line: reason" in err. */
    int (*reload)(void *arg, char *err, size_t errlen);
    void *reload_arg;
    struct nd_follow *follow; /* the stream follower (cluster mode), or NULL */
};

struct nd_commands;

struct nd_commands *nd_commands_new(const struct nd_commands_env *env);
/* Refreshes still waiting are answered with an error first. */
void nd_commands_free(struct nd_commands *c);

/* Serve one request (the client handle is taken over; req stays the caller's). */
void nd_commands_handle(struct nd_commands *c, struct nd_client *client,
                        const struct nd_request *req);
/* A poll ended: answer the refreshes that were waiting for it. */
void nd_commands_poll_done(struct nd_commands *c, const struct nd_poll_report *r);
/* Shutting down: answer waiting refreshes with why, refuse new ones. */
void nd_commands_stop(struct nd_commands *c, const char *why);

#endif
