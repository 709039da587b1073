/*
 * endpoint.c: see endpoint.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/endpoint.h"

/* Is a process listening on the socket file at path? */
static int answers(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

    if (fd < 0)
        return 0;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
    return rc == 0 || (errno != ECONNREFUSED && errno != ENOENT);
}

static int bind_ipc(void *sock, const char *endpoint, unsigned mode, const char *group,
                    struct nd_ipc_file *file, char *err, size_t errlen)
{
    const char *path = endpoint + 6;
    struct sockaddr_un sa;
    struct stat sb;
    int fd = -1, minus1 = -1;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: the path is too long for a socket file", endpoint);
        return ND_EINVAL;
    }
    if (nd_ipc_prepare(endpoint) != 0) {
        snprintf(err, errlen, "%s: cannot create its folder: %s", endpoint, strerror(errno));
        return ND_EIO;
    }
    if (lstat(path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode)) {
            snprintf(err, errlen, "%s: %s exists and is not a socket", endpoint, path);
            return ND_EEXIST;
        }
        if (answers(path)) {
            snprintf(err, errlen, "%s: in use: another process answers on it", endpoint);
            return ND_EEXIST;
        }
        unlink(path); /* left by a process that is gone */
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
        snprintf(err, errlen, "%s: %s", endpoint, strerror(errno));
        goto fail;
    }
    if (lstat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", endpoint, strerror(errno));
        goto fail_unlink;
    }
    file->path = xstrdup(path);
    file->dev = sb.st_dev;
    file->ino = sb.st_ino;
    file->ctime = sb.st_ctim;
    if (mode && chmod(path, mode) != 0) {
        snprintf(err, errlen, "%s: chmod: %s", endpoint, strerror(errno));
        goto fail_file;
    }
    if (group) {
        struct group *g = getgrnam(group);
        if (g == NULL || chown(path, (uid_t)-1, g->gr_gid) != 0) {
            snprintf(err, errlen, "%s: group %s: %s", endpoint, group,
                     g ? strerror(errno) : "no such group");
            goto fail_file;
        }
    }
    if (lstat(path, &sb) == 0)
        file->ctime = sb.st_ctim; /* after chmod and chown */
    if (zmq_setsockopt(sock, ZMQ_USE_FD, &fd, sizeof(fd)) != 0 || zmq_bind(sock, endpoint) != 0) {
        snprintf(err, errlen, "%s: %s", endpoint, zmq_strerror(errno));
        zmq_setsockopt(sock, ZMQ_USE_FD, &minus1, sizeof(minus1));
        goto fail_file;
    }
    zmq_setsockopt(sock, ZMQ_USE_FD, &minus1, sizeof(minus1));
    return ND_OK; /* the fd is the ZeroMQ socket's now */
fail_file:
    nd_ipc_file_remove(file);
    close(fd);
    return ND_EIO;
fail_unlink:
    unlink(path);
fail:
    if (fd >= 0)
        close(fd);
    return ND_EIO;
}

int nd_endpoint_bind(void *sock, const char *endpoint, unsigned mode, const char *group,
                     struct nd_ipc_file *file, char *err, size_t errlen)
{
    memset(file, 0, sizeof(*file));
    if (strncmp(endpoint, "ipc://", 6) == 0 && endpoint[6] == '/')
        return bind_ipc(sock, endpoint, mode, group, file, err, errlen);
    if (zmq_bind(sock, endpoint) != 0) {
        snprintf(err, errlen, "%s: %s", endpoint, zmq_strerror(errno));
        return ND_EIO;
    }
    return ND_OK;
}

void nd_ipc_file_remove(struct nd_ipc_file *file)
{
    struct stat sb;

    if (file->path == NULL)
        return;
    if (lstat(file->path, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_dev == file->dev &&
        sb.st_ino == file->ino && sb.st_ctim.tv_sec == file->ctime.tv_sec &&
        sb.st_ctim.tv_nsec == file->ctime.tv_nsec)
        unlink(file->path);
    free(file->path);
    memset(file, 0, sizeof(*file));
}

int nd_endpoint_is_local(const char *ep)
{
    const char *host, *semi, *end;
    char buf[256];
    unsigned char addr[16];
    size_t n;

    if (strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0)
        return 1;
    if (strncmp(ep, "tcp://", 6) != 0)
        return 0;
    host = ep + 6;
    if ((semi = strchr(host, ';')) != NULL) /* source;address */
        host = semi + 1;
    end = strrchr(host, ':');
    if (end == NULL)
        return 0;
    n = (size_t)(end - host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, host, n);
    buf[n] = '\0';
    if (strcmp(buf, "localhost") == 0 || strcmp(buf, "lo") == 0)
        return 1;
    if (inet_pton(AF_INET, buf, addr) == 1)
        return addr[0] == 127;
    if (inet_pton(AF_INET6, buf, addr) == 1)
        return memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
    return 0;
}
