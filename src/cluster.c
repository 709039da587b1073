/*
 * cluster.c: the pure decisions of cluster mode (cluster.h): the slot of a
 * source, a node's share, its order of preference, one round's balance
 * of claims and releases, a source's poll state as the bucket holds it,
 * and a node's key.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "newsd/cluster.h"

uint32_t nd_cluster_slot(const char *source_id, uint32_t slots)
{
    return (uint32_t)(XXH3_64bits(source_id, strlen(source_id)) % (slots ? slots : 1));
}

uint32_t nd_cluster_share(uint32_t slots, size_t live)
{
    if (live <= 1)
        return slots;
    return (uint32_t)(((uint64_t)slots + live - 1) / live);
}

struct ranked {
    uint64_t rank;
    uint32_t slot;
};

static int by_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;

    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

void nd_cluster_order(const char *node, uint32_t slots, uint32_t *order)
{
    struct ranked *r = xcalloc(slots ? slots : 1, sizeof(*r));
    uint64_t seed = XXH3_64bits(node, strlen(node));

    for (uint32_t s = 0; s < slots; s++) {
        r[s].slot = s;
        r[s].rank = XXH3_64bits_withSeed(&s, sizeof(s), seed);
    }
    qsort(r, slots, sizeof(*r), by_rank);
    for (uint32_t i = 0; i < slots; i++)
        order[i] = r[i].slot;
    free(r);
}

void nd_cluster_balance(const uint32_t *order, uint32_t slots, const uint8_t *held,
                        const uint8_t *taken, size_t live, const uint32_t *loads, size_t n_loads,
                        struct nd_cluster_moves *out)
{
    uint32_t floor, ceil = nd_cluster_share(slots, live ? live : 1), n_held = 0, want;
    size_t n_free = 0;
    int short_node = 0;

    floor = live > 1 ? (uint32_t)(slots / live) : slots;
    out->n_claim = out->n_release = 0;
    for (uint32_t s = 0; s < slots; s++) {
        n_held += held[s] != 0;
        n_free += !held[s] && !taken[s];
    }
    for (size_t i = 0; loads && i < n_loads; i++)
        short_node |= loads[i] < floor;
    if (n_held > ceil)
        want = ceil;
    else if (n_held > floor && short_node)
        want = n_held - 1;
    else if (n_held < floor)
        want = floor;
    else if (n_held < ceil && n_free > 0 && !short_node)
        want = n_held + 1;
    else
        want = n_held;
    if (want > n_held) {
        for (uint32_t i = 0; i < slots && n_held + out->n_claim < want; i++)
            if (!taken[order[i]] && !held[order[i]])
                out->claim[out->n_claim++] = order[i];
    } else if (want < n_held) {
        for (uint32_t i = slots; i-- > 0 && n_held - out->n_release > want;)
            if (held[order[i]])
                out->release[out->n_release++] = order[i];
    }
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *nd_cluster_state_encode(const struct nd_source_state *st)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I}", "url",
                          str_or_null(st->url), "etag", str_or_null(st->etag), "last_modified",
                          str_or_null(st->last_modified), "next_due", (json_int_t)st->next_due,
                          "last_poll", (json_int_t)st->last_poll, "last_ok",
                          (json_int_t)st->last_ok, "errors", (json_int_t)st->errors, "outcome",
                          str_or_null(st->outcome), "error", str_or_null(st->error), "http_status",
                          (json_int_t)st->http_status, "retry_until", (json_int_t)st->retry_until);
    char *out = json_dumps(o, JSON_COMPACT);

    json_decref(o);
    return out;
}

static char *get_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int64_t get_int(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

int nd_cluster_state_decode(const char *json, struct nd_source_state *out)
{
    json_t *o = json_loads(json, 0, NULL);

    memset(out, 0, sizeof(*out));
    if (!json_is_object(o)) {
        json_decref(o);
        return ND_EINVAL;
    }
    out->url = get_str(o, "url");
    out->etag = get_str(o, "etag");
    out->last_modified = get_str(o, "last_modified");
    out->next_due = get_int(o, "next_due");
    out->last_poll = get_int(o, "last_poll");
    out->last_ok = get_int(o, "last_ok");
    out->errors = get_int(o, "errors");
    out->outcome = get_str(o, "outcome");
    out->error = get_str(o, "error");
    out->http_status = get_int(o, "http_status");
    out->retry_until = get_int(o, "retry_until");
    json_decref(o);
    return ND_OK;
}

int nd_cluster_state_newer(const struct nd_source_state *local,
                           const struct nd_source_state *remote)
{
    if (remote->url == NULL)
        return 0;
    return local->url == NULL || remote->last_poll > local->last_poll;
}

/* held as ranges "0-3,7,9-12" into out, of size cap ((slots / 2 + 1) * 24 is room enough). */
static void ranges_encode(const uint8_t *held, uint32_t slots, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (uint32_t s = 0; s < slots; s++) {
        uint32_t e = s;
        if (!held[s])
            continue;
        while (e + 1 < slots && held[e + 1])
            e++;
        if (e == s)
            snprintf(out + len, cap - len, "%s%" PRIu32, len ? "," : "", s);
        else
            snprintf(out + len, cap - len, "%s%" PRIu32 "-%" PRIu32, len ? "," : "", s, e);
        len += strlen(out + len);
        s = e;
    }
}

/* The other way: 0, or -1 for a malformed list or a slot out of range. */
static int ranges_decode(const char *p, uint32_t slots, uint8_t *held, uint32_t *n)
{
    char *end;

    *n = 0;
    while (*p) {
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (end == p || *p < '0' || *p > '9')
            return -1;
        p = end;
        if (*p == '-') {
            b = strtoul(++p, &end, 10);
            if (end == p || *p < '0' || *p > '9')
                return -1;
            p = end;
        }
        if (a > b || b >= slots || (*p != ',' && *p != '\0'))
            return -1;
        for (unsigned long s = a; s <= b; s++)
            *n += !held[s], held[s] = 1;
        p += *p == ',';
    }
    return 0;
}

char *nd_cluster_node_encode(const uint8_t *held, uint32_t slots, int claims)
{
    size_t cap = ((size_t)slots / 2 + 1) * 24;
    char *ranges = xmalloc(cap);
    uint32_t n = 0;
    json_t *o;
    char *out;

    for (uint32_t s = 0; s < slots; s++)
        n += held[s] != 0;
    ranges_encode(held, slots, ranges, cap);
    o = json_pack("{s:I, s:s, s:b}", "held", (json_int_t)n, "slots", ranges, "claims", claims);
    out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(ranges);
    if (out == NULL)
        abort(); /* json_dumps fails only without memory */
    return out;
}

int nd_cluster_node_decode(const char *value, uint32_t slots, uint8_t *held, uint32_t *n_held,
                           int *claims)
{
    json_t *o, *r;
    char *end;
    unsigned long n;
    int rc = ND_EINVAL;

    memset(held, 0, slots);
    *n_held = 0;
    *claims = 1;
    n = strtoul(value, &end, 10);
    if (end != value && *end == '\0' && value[0] >= '0' && value[0] <= '9') {
        *n_held = n <= slots ? (uint32_t)n : slots; /* a bare count: no slots known */
        return ND_OK;
    }
    o = json_loads(value, 0, NULL);
    r = json_object_get(o, "slots");
    if (json_is_object(o) && json_is_string(r) &&
        ranges_decode(json_string_value(r), slots, held, n_held) == 0) {
        *claims = !json_is_false(json_object_get(o, "claims"));
        rc = ND_OK;
    }
    json_decref(o);
    if (rc != ND_OK) {
        memset(held, 0, slots);
        *n_held = 0;
    }
    return rc;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int nd_cluster_state_due(const struct nd_source_state *last, int64_t last_at,
                         const struct nd_source_state *st, int64_t now)
{
    if (last == NULL || now - last_at >= ND_CLUSTER_STATE_EVERY || now < last_at)
        return 1;
    return !same_str(last->url, st->url) || !same_str(last->etag, st->etag) ||
           !same_str(last->last_modified, st->last_modified) || last->errors != st->errors ||
           !same_str(last->outcome, st->outcome) || !same_str(last->error, st->error) ||
           last->http_status != st->http_status || last->retry_until != st->retry_until;
}
