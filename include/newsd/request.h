/*
 * request.h: a control request, decoded and checked (pure).
 *
 * The control socket hands the bytes of a request frame here; what comes
 * out is a typed request or one line saying what is wrong with it.  This is
 * the whole of what a client on the control socket controls, so it is what
 * the control fuzz target exercises.
 */
#ifndef NEWSD_REQUEST_H
#define NEWSD_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/util.h"

#define ND_REQUEST_MAX     65536 /* bytes of a request */
#define ND_REPLAY_DEFAULT  500
#define ND_REPLAY_MAX      5000
#define ND_REQUEST_MAX_IDS 100000

enum nd_cmd {
    ND_CMD_PING,
    ND_CMD_STATUS,
    ND_CMD_SOURCES,
    ND_CMD_REFRESH,
    ND_CMD_RELOAD,
    ND_CMD_REPLAY,
    ND_CMD_EXPLAIN,
};

/* An article to test against the dedupe index (explain --text): prepared by newsctl. */
struct nd_request_item {
    char *source; /* the source it would come from ("" when none) */
    char *id, *title, *url, *guid, *text;
    int64_t updated; /* Unix seconds, or INT64_MIN */
    uint64_t text_hash;
    uint8_t *sig; /* packed near-duplicate signature, or NULL */
    size_t sig_len;
};

struct nd_request {
    enum nd_cmd cmd;
    struct nd_strv ids;           /* refresh: source ids, no repeats (empty: all) */
    int force;                    /* refresh: poll even sources that asked to wait */
    int progress;                 /* refresh: report sources as they finish, before the reply */
    int64_t since;                /* replay */
    int64_t limit;                /* replay: 1..ND_REPLAY_MAX */
    struct nd_strv topics;        /* replay: topic prefixes (empty: all) */
    char *id;                     /* explain: an article id (32 hex digits), or NULL */
    char *url;                    /* explain: an article URL, or NULL */
    struct nd_request_item *item; /* explain: an article to test, or NULL */
};

/* The name of a command ("refresh"...). */
const char *nd_cmd_name(enum nd_cmd cmd);

/*
 * Decode one request frame.  0 with *out filled (free it with
 * nd_request_clear), or ND_EINVAL with one line in err.
 */
int nd_request_decode(const void *data, size_t len, struct nd_request *out, char *err,
                      size_t errlen) ND_WUR;
void nd_request_clear(struct nd_request *r);

#endif
