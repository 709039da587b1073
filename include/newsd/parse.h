/*
 * parse.h: feed documents (RSS 0.9x/2.0, RSS 1.0/RDF, Atom 0.3/1.0, JSON
 * Feed 1.0/1.1, RSS in JSON) into struct nd_feed.  Pure: no I/O, no logging, no state
 * between calls.
 */
#ifndef NEWSD_PARSE_H
#define NEWSD_PARSE_H

#include <stddef.h>

#include "newsd/feed.h"
#include "newsd/util.h"

/*
 * Parse a feed document of any supported format into *out (nd_feed_init'ed
 * by the caller; the caller frees it with nd_feed_free() whatever the result).
 * The format is told from the document itself (its first element or a JSON
 * object), never from the URL.
 * doc_url: the document's URL after redirects (base for relative links), or NULL.
 * http_charset: the charset of the HTTP Content-Type, or NULL.
 * Returns 0, or ND_EPARSE with a one-line reason in err (errlen bytes, may
 * be 0) when nothing could be read: not a feed, no items and no feed title.
 * A feed with a title and zero items is a success with n_entries == 0.
 * What was recovered from goes to out->warnings, one short line each.
 */
int nd_parse(const char *data, size_t len, const char *doc_url, const char *http_charset,
             struct nd_feed *out, char *err, size_t errlen) ND_WUR;

/* What a document's transfer says about it besides its bytes (every field may be NULL). */
struct nd_parse_in {
    const char *doc_url;       /* its URL after redirects: the base of relative links */
    const char *http_charset;  /* the charset of the HTTP Content-Type */
    const char *http_language; /* the HTTP Content-Language ("en-US, fr": the first counts) */
};

/*
 * nd_parse() with everything the transfer says: the Content-Language is the
 * feed's language when the document names none.  Languages are written as
 * BCP 47 tags ("en_US" and "EN-us" are "en-US").
 */
int nd_parse_doc(const char *data, size_t len, const struct nd_parse_in *in, struct nd_feed *out,
                 char *err, size_t errlen) ND_WUR;

/*
 * A language as a BCP 47 tag, in place: trimmed, '_' as '-', the language
 * in lower case, a two-letter region in upper case, a four-letter script
 * capitalized ("en_us" -> "en-US", "zh_hant_tw" -> "zh-Hant-TW").  An empty
 * result frees *lang and sets it NULL.
 */
void nd_parse_language(char **lang);

#endif
