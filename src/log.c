/*
 * log.c: one line per message on stderr, "<N>" prefixed for journald.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/log.h"

static int log_level = ND_LOG_INFO;

/* Lines held by log_hold(), written together (stderr is unbuffered: a write a line otherwise). */
static char held[65536];
static size_t n_held;
static int holding;

static void flush_held(void)
{
    if (n_held)
        fwrite(held, 1, n_held, stderr);
    n_held = 0;
}

void log_hold(int on)
{
    holding = on;
    if (!on)
        flush_held();
}

void log_set_level(int level)
{
    log_level = level;
}

int log_get_level(void)
{
    return log_level;
}

int log_level_parse(const char *name)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {
        {"error", ND_LOG_ERR}, {"warning", ND_LOG_WARNING}, {"notice", ND_LOG_NOTICE},
        {"info", ND_LOG_INFO}, {"debug", ND_LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].level;
    return -1;
}

static void vlog(int level, const char *errstr, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vlog(int level, const char *errstr, const char *fmt, va_list ap)
{
    char msg[2048];

    if (level > log_level)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One line per message: a newline inside would split it in the journal. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (holding) {
        char line[sizeof(msg) + 320];
        int n = errstr ? snprintf(line, sizeof(line), "<%d>%s: %s\n", level, msg, errstr)
                       : snprintf(line, sizeof(line), "<%d>%s\n", level, msg);
        if (n < 0)
            return;
        if ((size_t)n >= sizeof(line))
            n = (int)sizeof(line) - 1;
        if (n_held + (size_t)n > sizeof(held))
            flush_held();
        memcpy(held + n_held, line, (size_t)n);
        n_held += (size_t)n;
    } else if (errstr) {
        fprintf(stderr, "<%d>%s: %s\n", level, msg, errstr);
    } else {
        fprintf(stderr, "<%d>%s\n", level, msg);
    }
}

#define LOG_FN(name, level, with_errno)                                                            \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        int saved = errno;                                                                         \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        vlog(level, with_errno ? strerror(saved) : NULL, fmt, ap);                                 \
        va_end(ap);                                                                                \
        errno = saved;                                                                             \
    }

LOG_FN(log_warn, ND_LOG_WARNING, 1)
LOG_FN(log_warnx, ND_LOG_WARNING, 0)
LOG_FN(log_notice, ND_LOG_NOTICE, 0)
LOG_FN(log_info, ND_LOG_INFO, 0)
LOG_FN(log_debug, ND_LOG_DEBUG, 0)

void fatal(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    flush_held();
    va_start(ap, fmt);
    vlog(ND_LOG_ERR, strerror(saved), fmt, ap);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    flush_held();
    va_start(ap, fmt);
    vlog(ND_LOG_ERR, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}
