/*
 * fetch.h: HTTP(S) transfers with libcurl's multi-socket API, driven from
 * the daemon's zmq_poll() loop.
 *
 * Every transfer has connect and total timeouts, a low-speed abort, a cap
 * on the decoded body enforced as it arrives, conditional-GET validators,
 * http/https only (file only when the source's own URL is a file URL), at
 * most 10 redirects, and a check of the address of the connection each
 * request actually uses, new or reused, on every redirect hop (addresses
 * addr.h refuses only for sources allowed to reach them).
 */
#ifndef NEWSD_FETCH_H
#define NEWSD_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/loop.h"
#include "newsd/outcome.h"
#include "newsd/util.h"

struct nd_fetch_req {
    const char *url;
    const char *etag;          /* sent as If-None-Match, or NULL */
    const char *last_modified; /* sent as If-Modified-Since, or NULL */
    int64_t timeout;           /* seconds */
    int64_t connect_timeout;   /* seconds */
    int64_t max_body;          /* bytes */
    int allow_private;
    const char *user_agent;        /* NULL: newsd's own */
    const struct nd_strv *headers; /* extra "Name: value" headers, or NULL */
};

struct nd_fetch_result {
    enum nd_outcome outcome; /* ND_OUT_OK for any 2xx with a body */
    long http_status;        /* last response's status (0 for file:) */
    char *body;              /* NUL-terminated; NULL unless ok */
    size_t len;
    char *content_type;     /* the Content-Type header, or NULL */
    char *charset;          /* its charset parameter, or NULL */
    char *content_language; /* the Content-Language header, or NULL */
    char *etag;
    char *last_modified;
    char *final_url;          /* after redirects */
    char *permanent_redirect; /* target of a 301/308 on the first hop, or NULL */
    int64_t retry_after;      /* seconds, 0 if none */
    int64_t max_age;          /* Cache-Control max-age, -1 if none */
    double seconds;           /* how long the transfer took, redirects included */
    uint64_t wire_bytes;      /* the last response's body as transferred (compressed or not) */
    char error[256];          /* one line when outcome is a failure */
};

void nd_fetch_result_clear(struct nd_fetch_result *r);

struct nd_fetcher;
/* Called once per transfer when it ends; res is borrowed for the call. */
typedef void (*nd_fetch_done_fn)(void *arg, struct nd_fetch_result *res);

/* A fetcher whose sockets and timer are watched by loop (borrowed: it must outlive the fetcher). */
struct nd_fetcher *nd_fetcher_new(struct nd_loop *loop);
/* Abort every transfer without calling callbacks, and free. */
void nd_fetcher_free(struct nd_fetcher *f);

/*
 * Start a transfer; the request's strings are copied.  fn is called once,
 * from the loop, when the transfer ends (never from inside this call).
 */
int nd_fetch_start(struct nd_fetcher *f, const struct nd_fetch_req *req, nd_fetch_done_fn fn,
                   void *arg) ND_WUR;
size_t nd_fetch_in_flight(const struct nd_fetcher *f);

/* One blocking transfer (for newsctl parse URL). */
int nd_fetch_blocking(const struct nd_fetch_req *req, struct nd_fetch_result *res);

#endif
