/*
 * buf.c: a growable, NUL-terminated byte buffer with a hard cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/util.h"

void nd_buf_init(struct nd_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit ? limit : SIZE_MAX / 2;
}

void nd_buf_free(struct nd_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void nd_buf_reset(struct nd_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int grow(struct nd_buf *b, size_t need)
{
    size_t cap;

    if (need > b->limit)
        return ND_ETOOBIG;
    if (need + 1 <= b->cap)
        return ND_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return ND_OK;
}

int nd_buf_add(struct nd_buf *b, const void *p, size_t n)
{
    int rc;

    if (n > b->limit - b->len)
        return ND_ETOOBIG;
    if ((rc = grow(b, b->len + n)) != ND_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ND_OK;
}

int nd_buf_addc(struct nd_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return ND_OK;
    }
    return nd_buf_add(b, &c, 1);
}

int nd_buf_adds(struct nd_buf *b, const char *s)
{
    return nd_buf_add(b, s, strlen(s));
}

int nd_buf_printf(struct nd_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ND_EINVAL;
    if ((size_t)n > b->limit - b->len)
        return ND_ETOOBIG;
    if ((rc = grow(b, b->len + (size_t)n)) != ND_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return ND_OK;
}

char *nd_buf_steal(struct nd_buf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
