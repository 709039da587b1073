/*
 * request.c: control requests from JSON (jansson) to struct nd_request.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/request.h"

static const char *const names[] = {
    [ND_CMD_PING] = "ping",       [ND_CMD_STATUS] = "status", [ND_CMD_SOURCES] = "sources",
    [ND_CMD_REFRESH] = "refresh", [ND_CMD_RELOAD] = "reload", [ND_CMD_REPLAY] = "replay",
    [ND_CMD_EXPLAIN] = "explain",
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

static int is_hex(const char *s, size_t len)
{
    if (s == NULL || strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/* An optional string member; 0, or -1 when it is there and no string. */
static int opt_string(json_t *o, const char *key, char **out)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v)))
        return -1;
    *out = xstrdup(json_string_value(v));
    return 0;
}

static int decode_item(json_t *o, struct nd_request_item *it, char *err, size_t errlen)
{
    const char *sig = json_string_value(json_object_get(o, "sig"));
    const char *th = json_string_value(json_object_get(o, "text_hash"));
    json_t *up = json_object_get(o, "updated");

    it->updated = INT64_MIN;
    if (!json_is_object(o) || opt_string(o, "source", &it->source) ||
        opt_string(o, "id", &it->id) || opt_string(o, "title", &it->title) ||
        opt_string(o, "url", &it->url) || opt_string(o, "guid", &it->guid) ||
        opt_string(o, "text", &it->text) || (up && !json_is_null(up) && !json_is_integer(up)) ||
        (th && !is_hex(th, 16)) || !is_hex(it->id, 32) ||
        (sig && (strlen(sig) % 2 || !is_hex(sig, strlen(sig))))) {
        snprintf(err, errlen,
                 "\"item\" must be an object with \"id\" (32 hex digits) and "
                 "string title, url, guid, text, source, hex text_hash and sig");
        return ND_EINVAL;
    }
    if (json_is_integer(up))
        it->updated = json_integer_value(up);
    if (th)
        it->text_hash = strtoull(th, NULL, 16);
    if (sig && *sig) {
        it->sig_len = strlen(sig) / 2;
        it->sig = xmalloc(it->sig_len);
        for (size_t i = 0; i < it->sig_len; i++) {
            char byte[3] = {sig[2 * i], sig[2 * i + 1], 0};
            it->sig[i] = (uint8_t)strtoul(byte, NULL, 16);
        }
    }
    return ND_OK;
}

static void item_free(struct nd_request_item *it)
{
    if (it == NULL)
        return;
    free(it->source);
    free(it->id);
    free(it->title);
    free(it->url);
    free(it->guid);
    free(it->text);
    free(it->sig);
    free(it);
}

static int decode_explain(json_t *j, struct nd_request *r, char *err, size_t errlen)
{
    json_t *item = json_object_get(j, "item");

    if (opt_string(j, "id", &r->id) || opt_string(j, "url", &r->url) ||
        (r->id && !is_hex(r->id, 32))) {
        snprintf(err, errlen, "\"id\" must be an article id (32 hex digits), \"url\" a string");
        return ND_EINVAL;
    }
    if (item) {
        r->item = xcalloc(1, sizeof(*r->item));
        if (decode_item(item, r->item, err, errlen) != ND_OK)
            return ND_EINVAL;
    }
    if ((r->id != NULL) + (r->url != NULL) + (r->item != NULL) != 1) {
        snprintf(err, errlen, "explain takes one of \"id\", \"url\" or \"item\"");
        return ND_EINVAL;
    }
    return ND_OK;
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
        v = json_object_get(j, "progress");
        if (v && !json_is_boolean(v)) {
            snprintf(err, errlen, "\"progress\" must be true or false");
            return ND_EINVAL;
        }
        r->progress = json_is_true(v);
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
    case ND_CMD_EXPLAIN:
        return decode_explain(j, r, err, errlen);
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
    free(r->id);
    free(r->url);
    item_free(r->item);
    memset(r, 0, sizeof(*r));
}
