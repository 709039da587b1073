/*
 * ctl_client.c: newsctl's side of the control socket (a DEALER).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "newsd/config.h"
#include "newsd/ctl.h"
#include "newsd/curve.h"

int nd_ctl_target(const struct nd_ctl_opts *o, int publish, struct nd_ctl_target *t)
{
    struct nd_config *cfg = NULL;
    const struct nd_curve_conf *cc;
    char err[1024], secret[ND_Z85_KEY + 1];

    memset(t, 0, sizeof(*t));
    t->client_key = o->curve_key;
    if (o->server_key &&
        nd_curve_read_key(o->server_key, t->server_key, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: --server-key %s\n", err);
        return -1;
    }
    if (o->endpoint == NULL || (t->server_key[0] == '\0' && o->config)) {
        if (nd_config_load(o->config ? o->config : nd_config_default_path(), &cfg, err,
                           sizeof(err)) != ND_OK) {
            fprintf(stderr, "newsctl: %s\n", err);
            return -1;
        }
        cc = publish ? &cfg->publish_curve : &cfg->control_curve;
        /* on the daemon's machine, as root or its group, the server key is at hand */
        if (t->server_key[0] == '\0' && cc->secret_key &&
            (nd_curve_read_key(cc->secret_key, secret, err, sizeof(err)) != ND_OK ||
             nd_curve_public(secret, t->server_key) != ND_OK)) {
            fprintf(stderr, "newsctl: the daemon uses CURVE and %s: give --server-key FILE\n", err);
            nd_config_free(cfg);
            return -1;
        }
    }
    t->endpoint = xstrdup(o->endpoint ? o->endpoint
                          : publish   ? cfg->publish_endpoints.v[0]
                                      : cfg->control_endpoint);
    nd_config_free(cfg);
    if (t->server_key[0] && t->client_key == NULL) {
        fprintf(stderr,
                "newsctl: %s needs CURVE: give --curve-key FILE (newsctl keygen makes "
                "one; its public key must be in the daemon's clients file)\n",
                t->endpoint);
        nd_ctl_target_clear(t);
        return -1;
    }
    if (t->client_key && t->server_key[0] == '\0') {
        fprintf(stderr, "newsctl: --curve-key needs the daemon's public key: --server-key FILE\n");
        nd_ctl_target_clear(t);
        return -1;
    }
    return 0;
}

void nd_ctl_target_clear(struct nd_ctl_target *t)
{
    free(t->endpoint);
    memset(t, 0, sizeof(*t));
}

int nd_ctl_secure(const struct nd_ctl_target *t, void *sock)
{
    char err[512];

    if (t->server_key[0] == '\0')
        return 0;
    if (nd_curve_client(sock, t->client_key, t->server_key, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: %s\n", err);
        return -1;
    }
    return 0;
}

long nd_ctl_timeout(const struct nd_ctl_opts *o, long def)
{
    int64_t v;

    if (o->timeout == NULL)
        return def;
    if (nd_parse_i64(o->timeout, &v) != ND_OK || v <= 0 || v > 86400) {
        fprintf(stderr, "newsctl: --timeout must be a number of seconds\n");
        return -1;
    }
    return (long)v * 1000;
}

static int recv_frame(void *sock, char **out, size_t *len)
{
    zmq_msg_t m;

    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, 0) < 0) {
        zmq_msg_close(&m);
        return -1;
    }
    *len = zmq_msg_size(&m);
    *out = xstrndup(zmq_msg_data(&m), *len);
    zmq_msg_close(&m);
    return 0;
}

static int more(void *sock)
{
    int m = 0;
    size_t sz = sizeof(m);

    zmq_getsockopt(sock, ZMQ_RCVMORE, &m, &sz);
    return m;
}

int nd_ctl_request(const struct nd_ctl_target *t, json_t *req, long timeout_ms, json_t **reply,
                   struct nd_strv *frames)
{
    const char *endpoint = t->endpoint;
    void *ctx = zmq_ctx_new(), *sock = NULL;
    char *body = json_dumps(req, JSON_COMPACT), *frame = NULL;
    int one = 1, linger = 0, sndtimeo = 3000, rc = -1;
    zmq_pollitem_t item;
    json_error_t jerr;
    struct stat sb;
    size_t len;

    *reply = NULL;
    if (strncmp(endpoint, "ipc://", 6) == 0 && endpoint[6] == '/' && stat(endpoint + 6, &sb) != 0) {
        fprintf(stderr, "newsctl: no newsd at %s (%s): is it running?\n", endpoint,
                strerror(errno));
        goto out;
    }
    sock = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof(one));
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof(linger));
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &sndtimeo, sizeof(sndtimeo));
    if (nd_ctl_secure(t, sock) != 0)
        goto out;
    if (zmq_connect(sock, endpoint) != 0) {
        fprintf(stderr, "newsctl: %s: %s\n", endpoint, zmq_strerror(errno));
        goto out;
    }
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(sock, body, strlen(body), 0) < 0) {
        fprintf(stderr, "newsctl: no newsd answering at %s: is it running?%s\n", endpoint,
                t->server_key[0] ? " (or it refused this CURVE key: is its public key in the "
                                   "daemon's clients file?)"
                                 : "");
        goto out;
    }
    item = (zmq_pollitem_t){.socket = sock, .events = ZMQ_POLLIN};
    if (zmq_poll(&item, 1, timeout_ms) <= 0) {
        fprintf(stderr, "newsctl: no answer from newsd at %s within %ld s\n", endpoint,
                timeout_ms / 1000);
        goto out;
    }
    /* empty delimiter, header, frames */
    if (recv_frame(sock, &frame, &len) != 0 || len != 0 || !more(sock)) {
        fprintf(stderr, "newsctl: malformed reply from %s\n", endpoint);
        goto out;
    }
    free(frame);
    frame = NULL;
    if (recv_frame(sock, &frame, &len) != 0 ||
        (*reply = json_loadb(frame, len, 0, &jerr)) == NULL || !json_is_object(*reply)) {
        fprintf(stderr, "newsctl: malformed reply from %s\n", endpoint);
        goto out;
    }
    while (more(sock)) {
        char *f;
        if (recv_frame(sock, &f, &len) != 0)
            break;
        if (frames)
            nd_strv_take(frames, f);
        else
            free(f);
    }
    if (!json_is_true(json_object_get(*reply, "ok"))) {
        const char *e = json_string_value(json_object_get(*reply, "error"));
        fprintf(stderr, "newsctl: %s\n", e ? e : "request failed");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        json_decref(*reply);
        *reply = NULL;
    }
    free(frame);
    free(body);
    if (sock)
        zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
