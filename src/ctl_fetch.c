/*
 * ctl_fetch.c: how newsctl fetches a URL (parse, discover, opml import):
 * the daemon's fetcher, and its rule for private addresses.
 */
#include <stdio.h>
#include <string.h>

#include "newsd/ctl.h"
#include "newsd/fetch.h"
#include "newsd/url.h"

#define CTL_MAX_BODY (64LL << 20)

int nd_ctl_fetch(const struct nd_ctl_opts *o, const char *url, const char *trusted,
                 struct nd_fetch_result *res, int quiet)
{
    long timeout = nd_ctl_timeout(o, 60000);
    struct nd_fetch_req req = {
        .url = url,
        .timeout = timeout > 0 ? timeout / 1000 : 60,
        .connect_timeout = 10,
        .max_body = CTL_MAX_BODY,
        /* as the daemon does for a source: an address the user named is allowed */
        .allow_private = o->allow_private || nd_url_host_is_private(trusted),
    };

    (void)nd_fetch_blocking(&req, res);
    if (res->outcome == ND_OUT_OK)
        return 0;
    if (res->error[0] == '\0')
        snprintf(res->error, sizeof(res->error), "no document");
    if (res->outcome == ND_OUT_BLOCKED && !req.allow_private)
        snprintf(res->error + strlen(res->error), sizeof(res->error) - strlen(res->error),
                 " (--allow-private lets newsctl reach it)");
    if (!quiet)
        fprintf(stderr, "newsctl: %s: %s: %s\n", url, nd_outcome_name(res->outcome), res->error);
    return -1;
}
