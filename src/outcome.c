/*
 * outcome.c: names of poll outcomes.
 */
#include <string.h>

#include "newsd/outcome.h"

static const char *const names[ND_OUT_COUNT] = {
    [ND_OUT_NONE] = "none",
    [ND_OUT_OK] = "ok",
    [ND_OUT_NOT_MODIFIED] = "not-modified",
    [ND_OUT_DNS] = "dns",
    [ND_OUT_CONNECT] = "connect",
    [ND_OUT_TLS] = "tls",
    [ND_OUT_TIMEOUT] = "timeout",
    [ND_OUT_HTTP_4XX] = "http-4xx",
    [ND_OUT_GONE] = "gone",
    [ND_OUT_RATE_LIMITED] = "rate-limited",
    [ND_OUT_HTTP_5XX] = "http-5xx",
    [ND_OUT_TOO_LARGE] = "too-large",
    [ND_OUT_PARSE] = "parse",
    [ND_OUT_EMPTY] = "empty",
    [ND_OUT_BLOCKED] = "blocked",
    [ND_OUT_ERROR] = "error",
};

const char *nd_outcome_name(enum nd_outcome o)
{
    if ((unsigned)o >= ND_OUT_COUNT)
        return "error";
    return names[o];
}

enum nd_outcome nd_outcome_parse(const char *name)
{
    for (int o = ND_OUT_OK; name && o < ND_OUT_COUNT; o++)
        if (strcmp(name, names[o]) == 0)
            return (enum nd_outcome)o;
    return ND_OUT_NONE;
}

int nd_outcome_ok(enum nd_outcome o)
{
    return o == ND_OUT_OK || o == ND_OUT_NOT_MODIFIED;
}
