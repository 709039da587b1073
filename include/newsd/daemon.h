/*
 * daemon.h: the one place where the stages are wired together.
 *
 * nd_daemon_new() opens the store, binds the sockets and schedules every
 * source for an immediate poll; nd_daemon_run() is the main loop: one
 * thread, one zmq_poll() over a signalfd, the control socket and curl's
 * sockets, until SIGTERM/SIGINT.
 */
#ifndef NEWSD_DAEMON_H
#define NEWSD_DAEMON_H

#include "newsd/config.h"
#include "newsd/util.h"

struct nd_daemon;

/* Takes ownership of cfg.  On failure err says why (start-up errors are fatal). */
int nd_daemon_new(struct nd_config *cfg, struct nd_daemon **out, char *err, size_t errlen) ND_WUR;
/* Returns the exit status: 0 after a clean stop. */
int nd_daemon_run(struct nd_daemon *d);
void nd_daemon_free(struct nd_daemon *d);

#endif
