/*
 * control.h: the daemon's side of the control socket (ZeroMQ ROUTER).
 * Requests and replies are JSON objects; docs/control-protocol.md has
 * the commands.  A request's client handle lets the daemon answer later
 * (a refresh answers when its polls are done).
 */
#ifndef NEWSD_CONTROL_H
#define NEWSD_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "newsd/request.h"
#include "newsd/util.h"

struct nd_control;
struct nd_client; /* who asked: the routing identity */

/*
 * Bind the ROUTER socket (endpoint.h: a live daemon's ipc file is never
 * taken over).  An ipc socket file gets mode 0660 and, when group is not
 * NULL, that group.  curve_secret_key, when not NULL, names the server key
 * file: clients must then authenticate with CURVE (ZAP domain "control").
 */
int nd_control_new(void *zctx, const char *endpoint, const char *group,
                   const char *curve_secret_key, struct nd_control **out, char *err,
                   size_t errlen) ND_WUR;
void nd_control_free(struct nd_control *c);
void *nd_control_socket(struct nd_control *c);

/*
 * Take one request if there is one: returns 1 with *client and *req
 * (decoded by request.h; caller clears it), 0 when nothing is waiting.  A
 * malformed request is answered here with an error and not returned.
 */
int nd_control_recv(struct nd_control *c, struct nd_client **client, struct nd_request *req);

/*
 * Answer a client and free the handle: reply is the header object (stolen),
 * frames (may be NULL) extra frames sent after it.
 */
void nd_control_reply(struct nd_control *c, struct nd_client *client, json_t *reply,
                      const struct nd_strv *frames);
/*
 * Send a message that is not the reply (a refresh's progress) to a client
 * that keeps its handle: [empty][text].  Dropped when the client is gone or
 * its queue is full, like any reply.
 */
void nd_control_send_text(struct nd_control *c, const struct nd_client *client, const char *text,
                          size_t len);
/* The same with the reply header already encoded (text[0..len), a JSON object), no frames. */
void nd_control_reply_text(struct nd_control *c, struct nd_client *client, const char *text,
                           size_t len);
/* Shorthand for {"ok":false,"error":msg}. */
void nd_control_error(struct nd_control *c, struct nd_client *client, const char *fmt, ...)
    ND_PRINTF(3, 4);
void nd_client_free(struct nd_client *client);

#endif
