/*
 * publish.c: the PUB socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/curve.h"
#include "newsd/endpoint.h"
#include "newsd/publish.h"

struct nd_publisher {
    void *sock;
    struct nd_ipc_file *ipc; /* socket files of ipc endpoints, removed at exit */
    size_t n_ipc;
};

int nd_publisher_new(void *zctx, const struct nd_strv *endpoints, int hwm,
                     const char *curve_secret_key, struct nd_publisher **out, char *err,
                     size_t errlen)
{
    struct nd_publisher *p = xcalloc(1, sizeof(*p));
    int linger = 1000;
    char why[512];

    *out = NULL;
    p->sock = zmq_socket(zctx, ZMQ_PUB);
    if (p->sock == NULL) {
        snprintf(err, errlen, "PUB socket: %s", zmq_strerror(errno));
        free(p);
        return ND_EIO;
    }
    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger));
    if (curve_secret_key &&
        nd_curve_server(p->sock, curve_secret_key, "publish", why, sizeof(why)) != ND_OK) {
        snprintf(err, errlen, "publish: %s", why);
        nd_publisher_free(p);
        return ND_EINVAL;
    }
    p->ipc = xcalloc(endpoints->n + 1, sizeof(*p->ipc));
    for (size_t i = 0; i < endpoints->n; i++) {
        if (nd_endpoint_bind(p->sock, endpoints->v[i], 0, NULL, &p->ipc[p->n_ipc], why,
                             sizeof(why)) != ND_OK) {
            snprintf(err, errlen, "publish endpoint %s", why);
            nd_publisher_free(p);
            return ND_EIO;
        }
        if (p->ipc[p->n_ipc].path)
            p->n_ipc++;
    }
    *out = p;
    return ND_OK;
}

void nd_publisher_free(struct nd_publisher *p)
{
    if (p == NULL)
        return;
    zmq_close(p->sock);
    for (size_t i = 0; i < p->n_ipc; i++)
        nd_ipc_file_remove(&p->ipc[i]);
    free(p->ipc);
    free(p);
}

int nd_publish(struct nd_publisher *p, const char *topic, const char *json)
{
    if (zmq_send(p->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return ND_EIO;
    if (zmq_send(p->sock, json, strlen(json), ZMQ_DONTWAIT) < 0)
        return ND_EIO;
    return ND_OK;
}
