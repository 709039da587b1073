/*
 * nats_lib.c: what the JetStream sink (js_conn.c), the cluster leases
 * (cluster_lease.c) and the stream follower (follow_conn.c) share: the NATS
 * threads' eventfd and timed wait, and of libnats: the library opened once and closed
 * by the last user (nats_CloseAndWait waits for every connection, so one
 * user must not close it under the other), and connection options from
 * the publish.nats settings.
 */
#include <errno.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "js_int.h"

#define CONNECT_MS   2000 /* to reach one server */
#define RECONNECT_MS 500  /* libnats: between reconnection attempts */

static pthread_mutex_t lib_mu = PTHREAD_MUTEX_INITIALIZER;
static int lib_users;

int nd_nats_open(void)
{
    int ok = 1;

    pthread_mutex_lock(&lib_mu);
    if (lib_users == 0)
        ok = nats_Open(-1) == NATS_OK;
    if (ok)
        lib_users++;
    pthread_mutex_unlock(&lib_mu);
    return ok ? 0 : -1;
}

void nd_nats_close(void)
{
    pthread_mutex_lock(&lib_mu);
    if (lib_users > 0 && --lib_users == 0)
        nats_CloseAndWait(CONNECT_MS);
    pthread_mutex_unlock(&lib_mu);
}

natsStatus nd_nats_options(const struct nd_strv *servers, const char *name,
                           const struct nd_nats_conf *files, natsOptions **out)
{
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    int tls = files->tls_ca || files->tls_cert;
    const char **urls = xcalloc(servers->n ? servers->n : 1, sizeof(*urls));

    for (size_t i = 0; i < servers->n; i++) {
        urls[i] = servers->v[i];
        tls |= strncmp(urls[i], "tls://", 6) == 0;
    }
    if (s == NATS_OK)
        s = natsOptions_SetServers(o, urls, (int)servers->n);
    free(urls);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, name);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, CONNECT_MS);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, RECONNECT_MS);
    if (s == NATS_OK && files->credentials)
        s = natsOptions_SetUserCredentialsFromFiles(o, files->credentials, NULL);
    if (s == NATS_OK && tls)
        s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK && files->tls_ca)
        s = natsOptions_LoadCATrustedCertificates(o, files->tls_ca);
    if (s == NATS_OK && files->tls_cert)
        s = natsOptions_LoadCertificatesChain(o, files->tls_cert, files->tls_key);
    if (s != NATS_OK)
        natsOptions_Destroy(o);
    else
        *out = o;
    return s;
}

void nd_efd_wake(int efd)
{
    uint64_t one = 1;

    if (write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return; /* the counter is full: the loop is awake anyway */
}

void nd_efd_drain(int efd)
{
    uint64_t v;

    if (read(efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return; /* nothing was waiting */
}

void nd_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}
