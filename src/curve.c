/*
 * curve.c: CURVE key files and the ZAP handler.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/curve.h"
#include "newsd/log.h"

#define KEYFILE_MAX  (1 << 20)
#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

static int valid_key(const char *z)
{
    uint8_t bin[32];

    return strlen(z) == ND_Z85_KEY && zmq_z85_decode(bin, z) != NULL;
}

/* Call fn for each key line of path; stops early when fn returns non-zero. */
static int each_key(const char *path, int (*fn)(void *, const char *), void *arg, char *err,
                    size_t errlen)
{
    char *data, *line, *save = NULL;
    size_t len;
    int n = 0, lineno = 0;

    if (nd_read_file(path, KEYFILE_MAX, &data, &len) != ND_OK) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ND_EIO;
    }
    for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        lineno++;
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
            line[--l] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || (*line == '#' && !valid_key(line)))
            continue; /* '#' is a Z85 digit too: a comment is a '#' line that is no key */
        if (!valid_key(line)) {
            snprintf(err, errlen, "%s: line %d is not a CURVE key (40 Z85 characters)", path,
                     lineno);
            free(data);
            return ND_EINVAL;
        }
        n++;
        if (fn(arg, line) != 0)
            break;
    }
    free(data);
    if (n == 0) {
        snprintf(err, errlen, "%s: no CURVE key in it", path);
        return ND_EINVAL;
    }
    return ND_OK;
}

static int take_first(void *arg, const char *key)
{
    memcpy(arg, key, ND_Z85_KEY + 1);
    return 1;
}

static int push_key(void *arg, const char *key)
{
    nd_strv_push(arg, key);
    return 0;
}

int nd_curve_read_key(const char *path, char z85[ND_Z85_KEY + 1], char *err, size_t errlen)
{
    return each_key(path, take_first, z85, err, errlen);
}

int nd_curve_read_keys(const char *path, struct nd_strv *keys, char *err, size_t errlen)
{
    return each_key(path, push_key, keys, err, errlen);
}

int nd_curve_public(const char *secret, char public_z85[ND_Z85_KEY + 1])
{
    return zmq_curve_public(public_z85, secret) == 0 ? ND_OK : ND_EINVAL;
}

static int write_file(const char *path, int mode, const char *text, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    size_t len = strlen(text);

    if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return ND_EIO;
    }
    return ND_OK;
}

int nd_curve_keygen(const char *path, char *err, size_t errlen)
{
    char pub[ND_Z85_KEY + 1], sec[ND_Z85_KEY + 1], *text, *pubpath;
    int rc;

    if (zmq_curve_keypair(pub, sec) != 0) {
        snprintf(err, errlen, "this libzmq has no CURVE support");
        return ND_EINVAL;
    }
    text = xasprintf("# newsd CURVE secret key (keep it private); public key: %s\n%s\n", pub, sec);
    rc = write_file(path, 0600, text, err, errlen);
    free(text);
    if (rc != ND_OK)
        return rc;
    pubpath = xasprintf("%s.pub", path);
    text = xasprintf("# newsd CURVE public key\n%s\n", pub);
    rc = write_file(pubpath, 0644, text, err, errlen);
    free(text);
    free(pubpath);
    return rc;
}

int nd_curve_server(void *sock, const char *secret_file, const char *domain, char *err,
                    size_t errlen)
{
    char sec[ND_Z85_KEY + 1];
    int one = 1, rc;

    if ((rc = nd_curve_read_key(secret_file, sec, err, errlen)) != ND_OK)
        return rc;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, ND_Z85_KEY) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0) {
        snprintf(err, errlen, "CURVE: %s", zmq_strerror(errno));
        return ND_EINVAL;
    }
    return ND_OK;
}

int nd_curve_client(void *sock, const char *secret_file, const char *server_public, char *err,
                    size_t errlen)
{
    char sec[ND_Z85_KEY + 1], pub[ND_Z85_KEY + 1];
    int rc;

    if ((rc = nd_curve_read_key(secret_file, sec, err, errlen)) != ND_OK)
        return rc;
    if (nd_curve_public(sec, pub) != ND_OK || !valid_key(server_public)) {
        snprintf(err, errlen, "CURVE: bad key");
        return ND_EINVAL;
    }
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, ND_Z85_KEY) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, pub, ND_Z85_KEY) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, sec, ND_Z85_KEY) != 0) {
        snprintf(err, errlen, "CURVE: %s", zmq_strerror(errno));
        return ND_EINVAL;
    }
    return ND_OK;
}

/* --- ZAP --- */

struct zap_domain {
    char *name;
    struct nd_strv keys; /* Z85 */
};

struct nd_zap {
    void *sock;
    struct nd_loop *loop;
    struct nd_watch *watch;
    struct zap_domain *domains;
    size_t n_domains;
    size_t refused;
};

static struct zap_domain *find_domain(const struct nd_zap *z, const char *name, size_t len)
{
    for (size_t i = 0; i < z->n_domains; i++)
        if (strlen(z->domains[i].name) == len && memcmp(z->domains[i].name, name, len) == 0)
            return &z->domains[i];
    return NULL;
}

/* Up to 7 frames of a request; 0, or -1 when it was not a ZAP request. */
static int recv_request(void *sock, zmq_msg_t *f, int *n)
{
    int more = 1;
    size_t sz = sizeof(more);

    *n = 0;
    while (more) {
        zmq_msg_t drop, *m = *n < 7 ? &f[*n] : &drop;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(m);
            return -1;
        }
        if (m == &drop)
            zmq_msg_close(m);
        else
            (*n)++;
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
    }
    return 0;
}

static void reply(void *sock, zmq_msg_t *request_id, const char *code, const char *text)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data(request_id), zmq_msg_size(request_id), ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, ZMQ_SNDMORE); /* user id */
    zmq_send(sock, "", 0, 0);           /* metadata */
}

static void on_zap(void *arg, int revents)
{
    struct nd_zap *z = arg;
    zmq_msg_t f[7];
    int n;

    while (recv_request(z->sock, f, &n) == 0) {
        /* version, request id, domain, address, identity, mechanism, credentials */
        const struct zap_domain *d = NULL;
        char key[ND_Z85_KEY + 1] = "", addr[64] = "";
        int ok = 0;
        if (n == 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
            zmq_msg_size(&f[6]) == 32) {
            d = find_domain(z, zmq_msg_data(&f[2]), zmq_msg_size(&f[2]));
            zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
            ok = d && nd_strv_contains(&d->keys, key);
        }
        if (n >= 4)
            snprintf(addr, sizeof(addr), "%.*s", (int)zmq_msg_size(&f[3]),
                     (const char *)zmq_msg_data(&f[3]));
        if (n >= 2)
            reply(z->sock, &f[1], ok ? "200" : "400", ok ? "OK" : "key not allowed");
        if (!ok) {
            z->refused++;
            log_warnx("curve: refused a client from %s (key %s not allowed)", addr[0] ? addr : "?",
                      key[0] ? key : "unknown");
        }
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
}

int nd_zap_new(void *zctx, struct nd_loop *loop, struct nd_zap **out, char *err, size_t errlen)
{
    struct nd_zap *z = xcalloc(1, sizeof(*z));
    int linger = 0;

    *out = NULL;
    z->loop = loop;
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (z->sock == NULL || zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
        zmq_bind(z->sock, ZAP_ENDPOINT) != 0) {
        snprintf(err, errlen, "ZAP handler: %s", zmq_strerror(errno));
        nd_zap_free(z);
        return ND_EIO;
    }
    z->watch = nd_loop_watch(loop, -1, z->sock, ND_EV_IN, on_zap, z);
    *out = z;
    return ND_OK;
}

void nd_zap_free(struct nd_zap *z)
{
    if (z == NULL)
        return;
    nd_loop_unwatch(z->loop, z->watch);
    if (z->sock)
        zmq_close(z->sock);
    for (size_t i = 0; i < z->n_domains; i++) {
        free(z->domains[i].name);
        nd_strv_free(&z->domains[i].keys);
    }
    free(z->domains);
    free(z);
}

int nd_zap_allow(struct nd_zap *z, const char *domain, const char *clients_file, char *err,
                 size_t errlen)
{
    struct nd_strv keys = {0};
    struct zap_domain *d = find_domain(z, domain, strlen(domain));
    int rc;

    if ((rc = nd_curve_read_keys(clients_file, &keys, err, errlen)) != ND_OK) {
        nd_strv_free(&keys);
        return rc;
    }
    if (d == NULL) {
        z->domains = xrealloc(z->domains, (z->n_domains + 1) * sizeof(*z->domains));
        d = &z->domains[z->n_domains++];
        d->name = xstrdup(domain);
        memset(&d->keys, 0, sizeof(d->keys));
    }
    nd_strv_free(&d->keys);
    d->keys = keys;
    return ND_OK;
}

size_t nd_zap_refused(const struct nd_zap *z)
{
    return z->refused;
}
