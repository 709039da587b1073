/*
 * util.c: allocation that aborts on failure, small string helpers, time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "newsd/util.h"

const char *nd_strerror(int err)
{
    switch (err) {
    case ND_OK:
        return "success";
    case ND_EINVAL:
        return "invalid argument";
    case ND_ENOMEM:
        return "out of memory";
    case ND_EIO:
        return "I/O error";
    case ND_EPARSE:
        return "parse error";
    case ND_ETOOBIG:
        return "too large";
    case ND_ESTORE:
        return "store error";
    case ND_ENOTFOUND:
        return "not found";
    case ND_EEXIST:
        return "already exists";
    default:
        return "unknown error";
    }
}

static void oom(size_t n)
{
    fprintf(stderr, "<2>newsd: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom(strlen(fmt));
    va_end(ap);
    return s;
}

void nd_str_set(char **dst, const char *src)
{
    char *old = *dst;
    *dst = src ? xstrdup(src) : NULL;
    free(old);
}

void nd_str_take(char **dst, char *src)
{
    free(*dst);
    *dst = src;
}

int nd_str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

const char *nd_plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

size_t nd_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];

    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

int nd_str_empty(const char *s)
{
    return s == NULL || *s == '\0';
}

void nd_strv_push(struct nd_strv *sv, const char *s)
{
    nd_strv_take(sv, xstrdup(s));
}

void nd_strv_take(struct nd_strv *sv, char *s)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 4;
        sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
    }
    sv->v[sv->n++] = s;
}

int nd_strv_contains(const struct nd_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    return 0;
}

void nd_strv_free(struct nd_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

int64_t nd_now(void)
{
    return (int64_t)time(NULL);
}

int64_t nd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t nd_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t nd_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void nd_time_rfc3339(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        snprintf(out, 32, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int nd_read_file(const char *path, size_t limit, char **out, size_t *len)
{
    struct nd_buf b;
    char chunk[65536];
    int fd, rc = ND_OK;
    ssize_t n;

    fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ND_EIO;
    nd_buf_init(&b, limit);
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ND_EIO;
            break;
        }
        if (n == 0)
            break;
        if ((rc = nd_buf_add(&b, chunk, (size_t)n)) != ND_OK)
            break;
    }
    close(fd);
    if (rc != ND_OK) {
        nd_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = nd_buf_steal(&b);
    return ND_OK;
}

int nd_parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return ND_EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return ND_EINVAL;
    *out = v;
    return ND_OK;
}

int nd_mkdir_p(const char *dir, unsigned mode)
{
    char *p = xstrdup(dir);
    int rc = 0;

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && mkdir(p, mode) != 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

int nd_ipc_prepare(const char *endpoint)
{
    const char *path, *slash;
    char *dir;
    int rc;

    if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] != '/')
        return 0;
    path = endpoint + 6;
    slash = strrchr(path, '/');
    if (slash == path)
        return 0;
    dir = xstrndup(path, (size_t)(slash - path));
    rc = nd_mkdir_p(dir, 0755);
    free(dir);
    return rc;
}
