/*
 * request.c: control requests from JSON (jansson) to struct nd_request.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "newsd/request.h"

static const char *const names[] = {
    [ND_CMD_PING] = "ping",       [ND_CMD_STATUS] = "status", [ND_CMD_SOURCES] = "sources",
    [ND_CMD_REFRESH] = "refresh", [ND_CMD_RELOAD] = "reload", [ND_CMD_REPLAY] = "replay",
};

const char *nd_cmd_name(enum nd_cmd cmd)
{
    return (size_t)cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "?";
}

/* A JSON array of strings into sv (no repeats); 0 or -1. */
static int strings(json_t *arr, struct nd_strv *sv)
{
    json_t *v;
    size_t i;

    if (arr == NULL)
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > ND_REQUEST_MAX_IDS)
        return -1;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)))
            return -1; /* not a string, or one with a NUL inside */
        if (!nd_strv_contains(sv, json_string_value(v)))
            nd_strv_push(sv, json_string_value(v));
    }
    return 0;
}

static int decode(json_t *j, struct nd_request *r, char *err, size_t errlen)
{
    const char *cmd = json_string_value(json_object_get(j, "cmd"));
    json_t *v;
    size_t i;

    if (!json_is_object(j) || cmd == NULL) {
        snprintf(err, errlen, "malformed request: not an object with \"cmd\"");
        return ND_EINVAL;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(cmd, names[i]) == 0)
            break;
    if (i == sizeof(names) / sizeof(names[0])) {
        snprintf(err, errlen, "unknown command '%.64s'", cmd);
        return ND_EINVAL;
    }
    r->cmd = (enum nd_cmd)i;
    switch (r->cmd) {
    case ND_CMD_REFRESH:
        if (strings(json_object_get(j, "sources"), &r->ids) != 0) {
            snprintf(err, errlen, "\"sources\" must be an array of source ids");
            return ND_EINVAL;
        }
        v = json_object_get(j, "force");
        if (v && !json_is_boolean(v)) {
            snprintf(err, errlen, "\"force\" must be true or false");
            return ND_EINVAL;
        }
        r->force = json_is_true(v);
        return ND_OK;
    case ND_CMD_REPLAY:
        v = json_object_get(j, "since");
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            snprintf(err, errlen, "\"since\" must be a seq (an integer >= 0)");
            return ND_EINVAL;
        }
        r->since = json_integer_value(v);
        r->limit = ND_REPLAY_DEFAULT;
        if ((v = json_object_get(j, "limit")) != NULL) {
            if (!json_is_integer(v) || json_integer_value(v) < 1) {
                snprintf(err, errlen, "\"limit\" must be a positive integer");
                return ND_EINVAL;
            }
            r->limit =
                json_integer_value(v) > ND_REPLAY_MAX ? ND_REPLAY_MAX : json_integer_value(v);
        }
        if (strings(json_object_get(j, "topics"), &r->topics) != 0) {
            snprintf(err, errlen, "\"topics\" must be an array of topic prefixes");
            return ND_EINVAL;
        }
        return ND_OK;
    default:
        return ND_OK;
    }
}

int nd_request_decode(const void *data, size_t len, struct nd_request *out, char *err,
                      size_t errlen)
{
    json_error_t jerr;
    json_t *j;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > ND_REQUEST_MAX) {
        snprintf(err, errlen, "request larger than %d bytes", ND_REQUEST_MAX);
        return ND_EINVAL;
    }
    j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL) {
        snprintf(err, errlen, "malformed request: %s", jerr.text);
        return ND_EINVAL;
    }
    rc = decode(j, out, err, errlen);
    json_decref(j);
    if (rc != ND_OK)
        nd_request_clear(out);
    return rc;
}

void nd_request_clear(struct nd_request *r)
{
    nd_strv_free(&r->ids);
    nd_strv_free(&r->topics);
    memset(r, 0, sizeof(*r));
}
