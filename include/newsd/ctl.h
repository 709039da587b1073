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
    int json;
    int all; /* parse --all: every entry, also those the daemon skips */
    int help;
    int version;
    struct nd_strv args;
};

/*
 * Send one request to the control endpoint and wait for the reply.
 * Returns 0 with *reply (caller json_decref's) and extra frames appended
 * to frames (may be NULL); or -1 after printing one line on stderr.
 * A reply with "ok": false is printed and returned as -1 too.
 */
int nd_ctl_request(const char *endpoint, json_t *req, long timeout_ms, json_t **reply,
                   struct nd_strv *frames);
/* The control (or, for tail, publish) endpoint from -e or the configuration; NULL on error. */
char *nd_ctl_endpoint(const struct nd_ctl_opts *o, int publish);
/* --timeout in ms, or def; -1 on a bad value. */
long nd_ctl_timeout(const struct nd_ctl_opts *o, long def);

int nd_ctl_parse(struct nd_ctl_opts *o);
int nd_ctl_refresh(struct nd_ctl_opts *o);
int nd_ctl_status(struct nd_ctl_opts *o);
int nd_ctl_sources(struct nd_ctl_opts *o);
int nd_ctl_reload(struct nd_ctl_opts *o);
int nd_ctl_tail(struct nd_ctl_opts *o);
int nd_ctl_replay(struct nd_ctl_opts *o);

#endif
