/*
 * js_subject.c: NATS subjects and stream names for the JetStream sink
 * (jetstream.h).  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "newsd/jetstream.h"

/* A byte that may not stand in a subject token. */
static int bad_byte(unsigned char ch)
{
    return ch <= ' ' || ch == 0x7f || ch == '*' || ch == '>';
}

char *nd_js_subject(const char *prefix, const char *topic)
{
    size_t pl = strlen(prefix), tl = strlen(topic), o = pl;
    /* every byte of the topic, plus one "_" per empty token (at most one per dot, and one) */
    char *out = xmalloc(pl + 1 + 2 * tl + 2);
    int token_empty = 1;

    memcpy(out, prefix, pl);
    out[o++] = '.';
    for (size_t i = 0; i <= tl; i++) {
        unsigned char ch = (unsigned char)topic[i];
        if (ch == '.' || ch == '\0') {
            if (token_empty)
                out[o++] = '_';
            if (ch == '\0')
                break;
            out[o++] = '.';
            token_empty = 1;
            continue;
        }
        out[o++] = bad_byte(ch) ? '_' : (char)ch;
        token_empty = 0;
    }
    out[o] = '\0';
    return out;
}

int nd_js_subject_valid(const char *s)
{
    int token_empty = 1;

    if (s == NULL)
        return 0;
    for (;; s++) {
        if (*s == '.' || *s == '\0') {
            if (token_empty)
                return 0;
            if (*s == '\0')
                return 1;
            token_empty = 1;
            continue;
        }
        if (bad_byte((unsigned char)*s))
            return 0;
        token_empty = 0;
    }
}

int nd_js_stream_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return 0;
    return 1;
}
