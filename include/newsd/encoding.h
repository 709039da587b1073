/*
 * encoding.h: a document's bytes to valid UTF-8.  Pure.
 *
 * The encoding is chosen as follows.
 *  1. A byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) decides, and so
 *     do the zero-byte patterns of an XML or JSON document in UTF-16/32
 *     without one.
 *  2. Otherwise the candidates are the XML declaration's encoding (XML only)
 *     and the HTTP charset, in that order.  As feedparser does, a candidate
 *     is used only if the bytes decode under it: a UTF-8 claim (from either
 *     source, or no claim at all) is taken when the bytes are valid UTF-8;
 *     otherwise the first other candidate that iconv knows is used.  So a
 *     server's default "charset=utf-8" does not override a document declared
 *     ISO-8859-1 and written in it, and a document declared UTF-8 but written
 *     in windows-1251 is read with the HTTP charset.
 *  3. When only UTF-8 was claimed and the bytes are not valid UTF-8, every
 *     byte that is not part of a valid UTF-8 sequence is read as
 *     windows-1252 (so a document written wholly in windows-1252 reads as
 *     windows-1252, and one with a few pasted windows-1252 bytes keeps its
 *     UTF-8 too).
 * Labels are read the WHATWG way: us-ascii and iso-8859-1 mean
 * windows-1252, gb2312 means GBK, shift_jis means CP932, and so on.
 * The output never holds a BOM, C0 controls other than TAB, LF and CR, or
 * U+FFFE/U+FFFF (XML 1.0 forbids them and libxml2 stops at them).
 */
#ifndef NEWSD_ENCODING_H
#define NEWSD_ENCODING_H

#include <stddef.h>

#include "newsd/util.h"

struct nd_utf8 {
    const char *data; /* valid UTF-8, NUL-terminated only when owned */
    size_t len;
    char *owned;          /* the allocation behind data, or NULL when data points into the input */
    const char *encoding; /* what the bytes were read as: "UTF-8", "WINDOWS-1252", ... */
    char label[40];       /* storage for encoding when it came from the document */
    char note[160];       /* a recoverable problem in one line, or "" */
};

/*
 * Decode data (len bytes) into *out.  is_xml: read the XML declaration too.
 * http_charset may be NULL.  Returns 0; release with nd_utf8_free().
 */
int nd_encoding_to_utf8(const char *data, size_t len, const char *http_charset, int is_xml,
                        struct nd_utf8 *out) ND_WUR;
void nd_utf8_free(struct nd_utf8 *u);

/*
 * The length of the longest prefix of s that is valid UTF-8 with no
 * forbidden control character (n when all of it is).
 */
size_t nd_utf8_clean_prefix(const char *s, size_t n);

/* The WHATWG name of a charset label ("latin1" -> "WINDOWS-1252"), into out; NULL if empty. */
const char *nd_encoding_canonical(const char *label, size_t n, char *out, size_t outlen);

#endif
