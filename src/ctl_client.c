/*
 * ctl_client.c: newsctl's side of the control socket (a DEALER).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/config.h"
#include "newsd/ctl.h"
#include "newsd/curve.h"

/*
 * The endpoint and the daemon's key file from the configuration, read
 * leniently: a typo elsewhere in it (which newsd would refuse at reload)
 * does not lock newsctl out.  Without -c a missing default file means the
 * built-in defaults.  0, or -1 after one line.
 */
static int from_config(const struct nd_ctl_opts *o, int publish, struct nd_ctl_target *t)
{
    const char *path = o->config ? o->config : nd_config_default_path();
    char warn[1024], err[1024], secret[ND_Z85_KEY + 1];
    struct nd_client_conf cc;
    const char *key;
    int rc = 0;

    if (nd_config_load_client(path, &cc, warn, sizeof(warn)) != ND_OK) {
        if (o->config || access(path, F_OK) == 0) {
            fprintf(stderr, "newsctl: %s\n", warn);
            nd_client_conf_clear(&cc);
            return -1;
        }
        warn[0] = '\0'; /* no configuration at all: the defaults */
    }
    if (o->endpoint == NULL)
        t->endpoint = xstrdup(publish ? cc.publish_endpoint : cc.control_endpoint);
    if (warn[0])
        fprintf(stderr, "newsctl: %s (trying %s)\n", warn, t->endpoint ? t->endpoint : o->endpoint);
    key = publish ? cc.publish_secret_key : cc.control_secret_key;
    /* on the daemon's machine, as root or its group, the server key is at hand */
    if (t->server_key[0] == '\0' && key &&
        (nd_curve_read_key(key, secret, err, sizeof(err)) != ND_OK ||
         nd_curve_public(secret, t->server_key) != ND_OK)) {
        fprintf(stderr, "newsctl: the daemon uses CURVE and %s: give --server-key FILE\n", err);
        rc = -1;
    }
    nd_client_conf_clear(&cc);
    return rc;
}

int nd_ctl_target(const struct nd_ctl_opts *o, int publish, struct nd_ctl_target *t)
{
    char err[1024];

    memset(t, 0, sizeof(*t));
    t->client_key = o->curve_key;
    t->timeout_given = o->timeout != NULL;
    if (o->server_key &&
        nd_curve_read_key(o->server_key, t->server_key, err, sizeof(err)) != ND_OK) {
        fprintf(stderr, "newsctl: --server-key %s\n", err);
        return -1;
    }
    if ((o->endpoint == NULL || (t->server_key[0] == '\0' && o->config)) &&
        from_config(o, publish, t) != 0) {
        nd_ctl_target_clear(t);
        return -1;
    }
    if (t->endpoint == NULL)
        t->endpoint = xstrdup(o->endpoint);
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

/* Read one message: [empty][header JSON object][frames...]; 0, or -1 after one line. */
static int recv_message(void *sock, const char *endpoint, json_t **header, struct nd_strv *frames)
{
    char *frame = NULL;
    json_error_t jerr;
    size_t len;

    *header = NULL;
    if (recv_frame(sock, &frame, &len) != 0 || len != 0 || !more(sock)) {
        free(frame);
        fprintf(stderr, "newsctl: malformed reply from %s\n", endpoint);
        return -1;
    }
    free(frame);
    if (recv_frame(sock, &frame, &len) != 0 ||
        (*header = json_loadb(frame, len, 0, &jerr)) == NULL || !json_is_object(*header)) {
        free(frame);
        json_decref(*header);
        *header = NULL;
        fprintf(stderr, "newsctl: malformed reply from %s\n", endpoint);
        return -1;
    }
    free(frame);
    while (more(sock)) {
        char *f;
        if (recv_frame(sock, &f, &len) != 0)
            break;
        if (frames)
            nd_strv_take(frames, f);
        else
            free(f);
    }
    return 0;
}

int nd_ctl_request(const struct nd_ctl_target *t, json_t *req, long timeout_ms, json_t **reply,
                   struct nd_strv *frames)
{
    return nd_ctl_request_progress(t, req, timeout_ms, reply, frames, NULL, NULL);
}

int nd_ctl_request_progress(const struct nd_ctl_target *t, json_t *req, long timeout_ms,
                            json_t **reply, struct nd_strv *frames, nd_ctl_progress_fn progress,
                            void *arg)
{
    const char *endpoint = t->endpoint;
    void *ctx = zmq_ctx_new(), *sock = NULL;
    char *body = json_dumps(req, JSON_COMPACT);
    /* without --timeout, a daemon that is there connects at once: 3 s is plenty */
    long connect_ms = t->timeout_given || timeout_ms < 3000 ? timeout_ms : 3000;
    int one = 1, linger = 0, sndtimeo = (int)connect_ms, rc = -1;
    int64_t deadline = nd_mono_ms() + timeout_ms;
    struct stat sb;

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
        fprintf(stderr, "newsctl: no newsd answering at %s within %ld s: is it running?%s\n",
                endpoint, (connect_ms + 999) / 1000,
                t->server_key[0] ? " (or it refused this CURVE key: is its public key in the "
                                   "daemon's clients file?)"
                                 : "");
        goto out;
    }
    for (;;) {
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        int64_t left = deadline - nd_mono_ms();

        if (left < 0 || zmq_poll(&item, 1, (long)left) <= 0) {
            fprintf(stderr, "newsctl: no answer from newsd at %s within %ld s\n", endpoint,
                    (timeout_ms + 999) / 1000);
            goto out;
        }
        if (recv_message(sock, endpoint, reply, frames) != 0)
            goto out;
        if (!json_is_true(json_object_get(*reply, "progress")))
            break;
        /* a refresh's progress: the daemon is at work, the wait starts again */
        if (progress)
            progress(*reply, arg);
        json_decref(*reply);
        *reply = NULL;
        deadline = nd_mono_ms() + timeout_ms;
    }
    if (!json_is_true(json_object_get(*reply, "ok"))) {
        /* the daemon's own words, after the command they answer */
        const char *e = json_string_value(json_object_get(*reply, "error"));
        const char *cmd = json_string_value(json_object_get(req, "cmd"));
        fprintf(stderr, "newsctl: %s: %s\n", cmd ? cmd : "request", e ? e : "refused");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) {
        json_decref(*reply);
        *reply = NULL;
    }
    free(body);
    if (sock)
        zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
