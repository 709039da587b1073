/*
 * html_read.h: a reader of well-formed HTML fragments that delivers the
 * SAX events libxml2's HTML parser would, without libxml2 (html_read.c).
 * Internal to the sanitizer (html.c) and its fuzz target.
 */
#ifndef NEWSD_HTML_READ_H
#define NEWSD_HTML_READ_H

#include <libxml/HTMLparser.h>
#include <stddef.h>

/*
 * Read "<body>" + html[0..len) (valid UTF-8 without NUL) as libxml2's
 * htmlParseDocument() does with HTML_PARSE_RECOVER | HTML_PARSE_NOIMPLIED
 * (run_parser() in html.c), calling sax->startElement, endElement and
 * characters (also for whitespace: the caller's ignorableWhitespace must be
 * the same function) with ud; the text of <script> and <style> goes to
 * cdataBlock, which must ignore it.  Returns 0 when the whole fragment was
 * read, every event delivered (the last ones close what is open), or -1 when
 * the fragment holds something the reader leaves to libxml2 (anything libxml2
 * has to recover from, and rarer constructs): the events delivered so far
 * are then to be discarded and the fragment given to libxml2.
 */
int nd_html_read(const char *html, size_t len, const htmlSAXHandler *sax, void *ud);

/*
 * Whether nd_html_read() is to be used: only with the libxml2 release whose
 * parser it was checked against, event for event (tests/fuzz/fuzz_html.c
 * checks it still is), unless turned off.  nd_html_read_use(0) turns it off
 * for the whole process, nd_html_read_use(1) back on (where allowed).
 */
int nd_html_read_enabled(void);
void nd_html_read_use(int on);

#endif
