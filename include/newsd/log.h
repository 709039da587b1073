/*
 * log.h: the OpenBSD daemon logging surface, to stderr with sd-daemon(3)
 * "<N>" priority prefixes that journald maps to levels (and the local time
 * in front of each line when stderr is a terminal).
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  fatal() and
 * fatalx() log and exit(1): use them only at start-up or on a broken
 * invariant.
 */
#ifndef NEWSD_LOG_H
#define NEWSD_LOG_H

#include <stdarg.h>

#include "newsd/util.h"

enum nd_log_level {
    ND_LOG_ERR = 3,
    ND_LOG_WARNING = 4,
    ND_LOG_NOTICE = 5,
    ND_LOG_INFO = 6,
    ND_LOG_DEBUG = 7,
};

/* Messages above this level are dropped; the default is ND_LOG_INFO. */
void log_set_level(int level);
int log_get_level(void);
/* Parse "error", "warning", "notice", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);

/*
 * Hold the lines logged until log_hold(0), then write them at once (a burst
 * of one line per published article costs one write, not one per line).
 */
void log_hold(int on);

void log_warn(const char *fmt, ...) ND_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) ND_PRINTF(1, 2);
void log_notice(const char *fmt, ...) ND_PRINTF(1, 2);
void log_info(const char *fmt, ...) ND_PRINTF(1, 2);
void log_debug(const char *fmt, ...) ND_PRINTF(1, 2);
void fatal(const char *fmt, ...) ND_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) ND_PRINTF(1, 2) __attribute__((noreturn));

#endif
