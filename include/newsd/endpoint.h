/*
 * endpoint.h: binding ZeroMQ sockets to the configured endpoints, safely.
 *
 * An ipc:// endpoint is a socket file.  libzmq on its own removes any file
 * at that path before binding and removes the path again when the socket
 * closes, whoever's file it is by then: a second daemon would take over a
 * live daemon's socket, and delete it on exit.  Here the file is made by
 * newsd (bind + listen) and handed to libzmq with ZMQ_USE_FD, after
 * checking that no live process answers on it (a dead one's file is
 * removed); at exit it is removed only if it is still the file newsd made.
 */
#ifndef NEWSD_ENDPOINT_H
#define NEWSD_ENDPOINT_H

#include <sys/types.h>
#include <time.h>

#include "newsd/util.h"

/* The socket file an ipc endpoint made, to remove at exit. */
struct nd_ipc_file {
    char *path; /* NULL when there is none */
    dev_t dev;  /* what identifies the file: an inode number alone may be reused */
    ino_t ino;
    struct timespec ctime;
};

/*
 * Bind sock to endpoint.  For an ipc:// path: refuse one a live process
 * answers on, create the folder, the file with mode (0 keeps the umask's)
 * and, when group is not NULL, that group; *file records it.  0, or an
 * error with "ENDPOINT: reason" in err.
 */
int nd_endpoint_bind(void *sock, const char *endpoint, unsigned mode, const char *group,
                     struct nd_ipc_file *file, char *err, size_t errlen) ND_WUR;
/* Remove the file if it is still the one nd_endpoint_bind made; forget it. */
void nd_ipc_file_remove(struct nd_ipc_file *file);

/*
 * Does the endpoint only accept connections from this machine: ipc://,
 * inproc://, or tcp:// bound to a loopback address (127.0.0.0/8, ::1,
 * localhost, the interface lo)?
 */
int nd_endpoint_is_local(const char *endpoint);

#endif
