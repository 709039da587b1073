/*
 * control.c: the ROUTER socket: [identity][empty][request JSON] in,
 * [identity][empty][reply JSON][frames...] out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/control.h"
#include "newsd/curve.h"
#include "newsd/endpoint.h"
#include "newsd/log.h"

struct nd_control {
    void *sock;
    struct nd_ipc_file ipc; /* the socket file of an ipc endpoint, removed at exit */
};

struct nd_client {
    size_t idlen;
    unsigned char id[256];
};

int nd_control_new(void *zctx, const char *endpoint, const char *group,
                   const char *curve_secret_key, struct nd_control **out, char *err, size_t errlen)
{
    struct nd_control *c = xcalloc(1, sizeof(*c));
    int linger = 0, zero = 0;
    char why[512];
    int64_t maxmsg = 16 * ND_REQUEST_MAX; /* past this a peer is cut off unanswered */

    *out = NULL;
    c->sock = zmq_socket(zctx, ZMQ_ROUTER);
    if (c->sock == NULL) {
        snprintf(err, errlen, "control socket: %s", zmq_strerror(errno));
        free(c);
        return ND_EIO;
    }
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &zero, sizeof(zero));
    if (curve_secret_key &&
        nd_curve_server(c->sock, curve_secret_key, "control", why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "control: %s", why);
        nd_control_free(c);
        return ND_EINVAL;
    }
    if (nd_endpoint_bind(c->sock, endpoint, 0660, group, &c->ipc, why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "control endpoint %s", why);
        nd_control_free(c);
        return ND_EIO;
    }
    *out = c;
    return ND_OK;
}

void nd_control_free(struct nd_control *c)
{
    if (c == NULL)
        return;
    zmq_close(c->sock);
    nd_ipc_file_remove(&c->ipc);
    free(c);
}

void *nd_control_socket(struct nd_control *c)
{
    return c->sock;
}

void nd_client_free(struct nd_client *client)
{
    free(client);
}

/* Read the rest of a multipart message and drop it. */
static void drain(void *sock)
{
    int more = 1;
    size_t sz = sizeof(more);
    zmq_msg_t m;

    while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz) == 0 && more) {
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        zmq_msg_close(&m);
    }
}

static int has_more(void *sock)
{
    int more = 0;
    size_t sz = sizeof(more);

    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
    return more;
}

int nd_control_recv(struct nd_control *c, struct nd_client **clientp, struct nd_request *req)
{
    struct nd_client *client;
    char err[256];
    zmq_msg_t m;
    int n, rc;

    *clientp = NULL;
    for (;;) {
        client = xcalloc(1, sizeof(*client));
        n = zmq_recv(c->sock, client->id, sizeof(client->id), ZMQ_DONTWAIT);
        if (n < 0) {
            free(client);
            return 0;
        }
        client->idlen = (size_t)n > sizeof(client->id) ? sizeof(client->id) : (size_t)n;
        /* the empty delimiter, then the request */
        zmq_msg_init(&m);
        if (!has_more(c->sock) || zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0 ||
            zmq_msg_size(&m) != 0 || !has_more(c->sock)) {
            zmq_msg_close(&m);
            drain(c->sock);
            free(client);
            continue; /* not our framing: nobody to answer */
        }
        zmq_msg_close(&m);
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            free(client);
            continue;
        }
        drain(c->sock);
        rc = nd_request_decode(zmq_msg_data(&m), zmq_msg_size(&m), req, err, sizeof(err));
        zmq_msg_close(&m);
        if (rc != ND_OK) {
            nd_control_error(c, client, "%s", err);
            continue;
        }
        *clientp = client;
        return 1;
    }
}

static void send_frame(void *sock, const void *p, size_t n, int more)
{
    if (zmq_send(sock, p, n, (more ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0 && errno != EHOSTUNREACH)
        log_debug("control: reply not sent: %s", zmq_strerror(errno));
}

void nd_control_reply(struct nd_control *c, struct nd_client *client, json_t *reply,
                      const struct nd_strv *frames)
{
    char *s = json_dumps(reply, JSON_COMPACT);
    size_t nframes = frames ? frames->n : 0;

    json_decref(reply);
    send_frame(c->sock, client->id, client->idlen, 1);
    send_frame(c->sock, "", 0, 1);
    send_frame(c->sock, s ? s : "{\"ok\":false,\"error\":\"out of memory\"}", s ? strlen(s) : 35,
               nframes > 0);
    for (size_t i = 0; i < nframes; i++)
        send_frame(c->sock, frames->v[i], strlen(frames->v[i]), i + 1 < nframes);
    free(s);
    nd_client_free(client);
}

void nd_control_send_text(struct nd_control *c, const struct nd_client *client, const char *text,
                          size_t len)
{
    send_frame(c->sock, client->id, client->idlen, 1);
    send_frame(c->sock, "", 0, 1);
    send_frame(c->sock, text, len, 0);
}

void nd_control_reply_text(struct nd_control *c, struct nd_client *client, const char *text,
                           size_t len)
{
    nd_control_send_text(c, client, text, len);
    nd_client_free(client);
}

void nd_control_error(struct nd_control *c, struct nd_client *client, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    nd_control_reply(c, client, json_pack("{s:b, s:s}", "ok", 0, "error", msg), NULL);
}
