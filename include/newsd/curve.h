/*
 * curve.h: ZeroMQ CURVE keys in files, and the ZAP handler that admits the
 * clients listed in a file.
 *
 * A key file holds one key as 40 Z85 characters (what zmq_curve_keypair()
 * makes); blank lines and lines starting with '#' that are not keys are
 * ignored.  A secret
 * key file gives the public key too (zmq_curve_public).  A clients file
 * holds any number of public keys, one a line.
 */
#ifndef NEWSD_CURVE_H
#define NEWSD_CURVE_H

#include <stddef.h>

#include "newsd/loop.h"
#include "newsd/util.h"

#define ND_Z85_KEY 40 /* characters of a Z85 key; buffers need one more */

/* The first key of path into z85; 0, or ND_EINVAL/ND_EIO with a reason in err. */
int nd_curve_read_key(const char *path, char z85[ND_Z85_KEY + 1], char *err, size_t errlen) ND_WUR;
/* Every key of path, appended to keys (Z85 strings); 0, or an error as above. */
int nd_curve_read_keys(const char *path, struct nd_strv *keys, char *err, size_t errlen) ND_WUR;
/* The public key of a secret key; 0 or ND_EINVAL. */
int nd_curve_public(const char *secret, char public_z85[ND_Z85_KEY + 1]) ND_WUR;
/*
 * Make a key pair: the secret key in path (mode 0600, refused if it exists),
 * the public key in path.pub.  0, or an error with a reason in err.
 */
int nd_curve_keygen(const char *path, char *err, size_t errlen) ND_WUR;

/*
 * Make sock a CURVE server with the secret key in secret_file (ZAP domain
 * `domain`); before any bind.  0, or an error with a reason in err.
 */
int nd_curve_server(void *sock, const char *secret_file, const char *domain, char *err,
                    size_t errlen) ND_WUR;
/* Make sock a CURVE client: its own key pair from secret_file, the server's public key. */
int nd_curve_client(void *sock, const char *secret_file, const char *server_public, char *err,
                    size_t errlen) ND_WUR;

/*
 * The ZAP handler (RFC 27) of a ZeroMQ context, answering from loop: a
 * CURVE client is let in when its public key is in the list of the
 * request's domain.  It must be bound before the sockets it guards (libzmq
 * lets everybody in when no handler is bound) and freed after them.
 */
struct nd_zap;
int nd_zap_new(void *zctx, struct nd_loop *loop, struct nd_zap **out, char *err,
               size_t errlen) ND_WUR;
void nd_zap_free(struct nd_zap *z);
/* Allow the keys of clients_file in domain (replacing an earlier list); 0 or an error. */
int nd_zap_allow(struct nd_zap *z, const char *domain, const char *clients_file, char *err,
                 size_t errlen) ND_WUR;
/* Requests refused so far (for tests and metrics). */
size_t nd_zap_refused(const struct nd_zap *z);

#endif
