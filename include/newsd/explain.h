/*
 * explain.h: the answer to `newsctl explain` (docs/control-protocol.md):
 * why an article was published, dropped or marked (the verdict and what
 * matched, with the score and threshold of a near-duplicate, and the
 * earlier article it matched: id, source, title, seq), or what would
 * happen to an article not seen yet; or which filter dropped it (filter.h:
 * such an article is not seen, the memory of recent drops names the rule).
 * Reads the dedupe index, the seen log, the journal and that memory;
 * writes nothing.
 */
#ifndef NEWSD_EXPLAIN_H
#define NEWSD_EXPLAIN_H

#include <jansson.h>

#include "newsd/dedupe.h"
#include "newsd/filter.h"
#include "newsd/request.h"
#include "newsd/store.h"

/* The reply object for an explain request (caller decrefs), or NULL with err. */
json_t *nd_explain(const struct nd_dedupe *d, struct nd_store *st,
                   const struct nd_filter_memo *filtered, const struct nd_request *req, char *err,
                   size_t errlen);

#endif
