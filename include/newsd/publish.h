/*
 * publish.h: the ZeroMQ PUB socket.  Two frames per message: the topic,
 * then the JSON object.  Sending never blocks: a subscriber past its
 * high-water mark loses messages (and recovers them with replay).
 */
#ifndef NEWSD_PUBLISH_H
#define NEWSD_PUBLISH_H

#include <stddef.h>

#include "newsd/util.h"

struct nd_publisher;

/*
 * Bind a PUB socket on every endpoint (endpoint.h: a live daemon's ipc file
 * is never taken over); on failure err names the endpoint.  With
 * curve_secret_key (a key file, or NULL) subscribers must authenticate
 * with CURVE (ZAP domain "publish").
 */
int nd_publisher_new(void *zctx, const struct nd_strv *endpoints, int hwm,
                     const char *curve_secret_key, struct nd_publisher **out, char *err,
                     size_t errlen) ND_WUR;
void nd_publisher_free(struct nd_publisher *p);
int nd_publish(struct nd_publisher *p, const char *topic, const char *json) ND_WUR;

#endif
