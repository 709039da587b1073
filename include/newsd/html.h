/*
 * html.h: the HTML sanitizer and HTML-to-text conversion.  Pure.
 *
 * One pass of libxml2's HTML parser in SAX mode (no DOM) writes the
 * sanitized HTML and its plain text at the same time.  The allowlist is
 * modeled on Miniflux's sanitizer; src/html.c lists it with the reasons for
 * each decision.
 */
#ifndef NEWSD_HTML_H
#define NEWSD_HTML_H

#include <stddef.h>

#include "newsd/util.h"

#define ND_HTML_MAX_OUT   (4 * 1024 * 1024) /* sanitized HTML, bytes; longer output is cut */
#define ND_HTML_MAX_DEPTH 256               /* deeper elements are unwrapped */
#define ND_HTML_MAX_URL   16384             /* longer URL attributes are dropped */

struct nd_html_out {
    char *html;    /* sanitized fragment: balanced, quoted, valid UTF-8 NFC */
    char *text;    /* its plain text (blocks as lines, at most one blank line) */
    char *image;   /* first image kept (absolute http(s) URL, not a pixel), or NULL */
    int truncated; /* the HTML or the text reached its cap and was cut */
};

/*
 * Sanitize the fragment html[0..len) (UTF-8; malformed bytes are replaced)
 * and extract its text.  Relative URLs are resolved against base (may be
 * NULL: relative URLs are then dropped).  On success out->html and
 * out->text are set (never NULL) and the caller frees them with
 * nd_html_out_free(); on failure (ND_EPARSE: libxml2 could not start) out
 * is left empty.
 */
int nd_html_clean(const char *html, size_t len, const char *base, struct nd_html_out *out) ND_WUR;

/* Free what nd_html_clean() put in out; out may be all NULL. */
void nd_html_out_free(struct nd_html_out *out);

/*
 * The plain text of an HTML fragment (a title, a summary): tags stripped,
 * entities decoded, whitespace collapsed, NFC.  flags: ND_TEXT_ONELINE
 * makes it one line.  Fragments without '<' skip libxml2.  Returns a new
 * string, never NULL; caller frees.
 */
char *nd_html_to_text(const char *html, size_t len, unsigned flags);

#endif
