/*
 * publish.c: the PUB socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/publish.h"

struct nd_publisher {
    void *sock;
    struct nd_strv ipc_paths; /* socket files of ipc endpoints, removed at exit */
};

int nd_publisher_new(void *zctx, const struct nd_strv *endpoints, int hwm,
                     struct nd_publisher **out, char *err, size_t errlen)
{
    struct nd_publisher *p = xcalloc(1, sizeof(*p));
    int linger = 1000;

    *out = NULL;
    p->sock = zmq_socket(zctx, ZMQ_PUB);
    if (p->sock == NULL) {
        snprintf(err, errlen, "PUB socket: %s", zmq_strerror(errno));
        free(p);
        return ND_EIO;
    }
    zmq_setsockopt(p->sock, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(p->sock, ZMQ_LINGER, &linger, sizeof(linger));
    for (size_t i = 0; i < endpoints->n; i++) {
        if (nd_ipc_prepare(endpoints->v[i]) != 0 || zmq_bind(p->sock, endpoints->v[i]) != 0) {
            snprintf(err, errlen, "publish endpoint %s: %s", endpoints->v[i], zmq_strerror(errno));
            nd_publisher_free(p);
            return ND_EIO;
        }
        if (strncmp(endpoints->v[i], "ipc:///", 7) == 0)
            nd_strv_push(&p->ipc_paths, endpoints->v[i] + 6);
    }
    *out = p;
    return ND_OK;
}

void nd_publisher_free(struct nd_publisher *p)
{
    if (p == NULL)
        return;
    zmq_close(p->sock);
    for (size_t i = 0; i < p->ipc_paths.n; i++)
        unlink(p->ipc_paths.v[i]);
    nd_strv_free(&p->ipc_paths);
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
