/*
 * log.c: one line per message on stderr, "<N>" prefixed for journald, with
 * the time in front when stderr is a terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/*
 * "2026-12-06 05:10:00 " when stderr is a terminal (someone reads it as it
 * comes), "" otherwise: journald stamps the lines it keeps itself.
 */
static const char *stamp(char *buf, size_t len)
{
    static int tty = -1;
    struct timespec ts;
    struct tm tm;

    if (tty < 0)
        tty = isatty(STDERR_FILENO);
    buf[0] = '\0';
    if (tty && clock_gettime(CLOCK_REALTIME, &ts) == 0 && localtime_r(&ts.tv_sec, &tm))
        strftime(buf, len, "%Y-%m-%d %H:%M:%S ", &tm);
    return buf;
}

static void vlog(int level, const char *errstr, const char *fmt, va_list ap)
{
    char msg[2048], line[sizeof(msg) + 320], when[32];
    int n;

    if (level > log_level)
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One line per message: a newline inside would split it in the journal. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    n = snprintf(line, sizeof(line), "%s<%d>%s%s%s\n", stamp(when, sizeof(when)), level, msg,
                 errstr ? ": " : "", errstr ? errstr : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    if (!holding) {
        fwrite(line, 1, (size_t)n, stderr);
        return;
    }
    if (n_held + (size_t)n > sizeof(held))
        flush_held();
    memcpy(held + n_held, line, (size_t)n);
    n_held += (size_t)n;
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
