/*
 * text.h: the text layer of the parser and the cleaner.  Pure.
 *
 * The one UTF-8 decoder and encoder, the one decoder of HTML character
 * references (entities.c), the one whitespace folding (struct nd_textw,
 * nd_text_clean), Unicode NFC (utf8proc), the repair of doubly encoded
 * UTF-8, and truncation at a word boundary.  The one HTML-to-text is
 * nd_html_to_text() (html.h), on the same writer.  Every function that
 * returns a string returns valid UTF-8 in NFC.
 */
#ifndef NEWSD_TEXT_H
#define NEWSD_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "newsd/util.h"

/* Hard cap on any plain text the cleaner produces (bytes). */
#define ND_TEXT_MAX (1024 * 1024)

/* nd_text_clean() and struct nd_textw flags */
#define ND_TEXT_ONELINE    0x1 /* every break becomes a space: one line */
#define ND_TEXT_KEEP_LINES 0x2 /* newlines in the input are line breaks (plain text) */

/* Is s[0..len) well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF)? */
int nd_utf8_valid(const char *s, size_t len);

/*
 * Decode the code point at s (len > 0 bytes available).  Returns its length
 * in bytes (1-4) and sets *cp; on a malformed sequence returns 1 and sets
 * *cp to -1.
 */
int nd_utf8_decode(const char *s, size_t len, int32_t *cp);

/* Encode cp into out; returns the length (1-4), or 0 when cp is no Unicode scalar value
 * (negative, a surrogate, past U+10FFFF). */
int nd_utf8_encode(int32_t cp, char out[4]);

/* windows-1252's 0x80-0x9F (0xFFFD for its five holes). */
extern const uint16_t nd_cp1252[32];

/* How nd_text_ref() reads a reference. */
enum {
    ND_REF_TEXT, /* HTML text: legacy names (&amp &copy) work without ';' */
    ND_REF_ATTR, /* HTML attribute value: a legacy name before '=' or an alphanumeric is text */
    ND_REF_XML,  /* a feed's XML: only references closed by ';' */
};

/*
 * The HTML character reference at s (s[0] == '&', n bytes there), as the
 * HTML standard reads it: the HTML5 named references (2125 names, some of
 * two code points; the 106 legacy ones also without ';'), numeric ones in
 * decimal or hex (&#233; &#xE9; &#XE9;; ';' optional outside ND_REF_XML),
 * &#128;..&#159; as the windows-1252 characters they mean, 0, surrogates and
 * values past U+10FFFF as U+FFFD.  Returns the bytes it takes (0: no
 * reference, the '&' is text) and puts the UTF-8 of its characters in out,
 * their length in *outlen.
 */
size_t nd_text_ref(const char *s, size_t n, int mode, char out[8], size_t *outlen);

/* The code point a numeric reference's value stands for (see nd_text_ref). */
unsigned nd_text_ref_value(uint32_t v);

/* The (first) code point of the named reference name[0..n) (no '&', no ';'), 0 if unknown. */
unsigned nd_entity_lookup(const char *name, size_t n);
/* Its code points (some names have two) into cp: how many, 0 if unknown. */
size_t nd_entity_lookup2(const char *name, size_t n, unsigned cp[2]);

/*
 * UTF-8 that was read as windows-1252 and encoded again ("Ã©" for "é",
 * "â€™" for "’", "Â " for a no-break space), repaired in place when the
 * repair is unambiguous: every character of s can be a windows-1252 byte,
 * and the text holds at least one sequence that only double encoding makes
 * (a three- or four-byte character, or "Â"/"Ã" followed by one).  Returns
 * the new length (s stays NUL-terminated when it was); n when nothing was
 * repaired.  C1 controls (U+0080-U+009F) are read as windows-1252 too.
 */
size_t nd_text_fix_mojibake(char *s, size_t n);

/*
 * Copy s[0..len) with every malformed sequence replaced by U+FFFD and NUL
 * bytes dropped.  *outlen (may be NULL) gets the length.  Caller frees.
 */
char *nd_utf8_repair(const char *s, size_t len, size_t *outlen);

/*
 * May this code point make a string that contains it differ from its NFC
 * form (a combining mark, a composition exclusion, a singleton...)?  0 means
 * "certainly not": a string made only of such code points is already NFC.
 */
int nd_text_nfc_maybe(int32_t cp);

/*
 * Put b->data into NFC in place (replacing the data).  Returns 0, or
 * ND_EINVAL when the data is not valid UTF-8 (the buffer is left as it was).
 */
int nd_text_nfc_buf(struct nd_buf *b) ND_WUR;

/*
 * A plain-text writer: collapses whitespace (runs of spaces to one space,
 * line breaks kept as at most one blank line unless ONELINE), drops control
 * characters, soft hyphens and zero-width spaces, maps no-break and other
 * Unicode spaces to a space, trims both ends, and records whether NFC is
 * needed.  Input must be valid UTF-8 (malformed bytes become U+FFFD).
 * Output past the buffer's limit is dropped (w->full is set).
 */
struct nd_textw {
    struct nd_buf *b; /* borrowed */
    int pending;      /* 0 none, 1 space, 2 line break, 3 blank line */
    int pre;          /* > 0: preformatted, whitespace is kept */
    unsigned flags;   /* ND_TEXT_* */
    int need_nfc;
    int full;
};

enum { ND_BREAK_SPACE = 1, ND_BREAK_LINE = 2, ND_BREAK_PARA = 3 };

void nd_textw_init(struct nd_textw *w, struct nd_buf *b, unsigned flags);
void nd_textw_put(struct nd_textw *w, const char *s, size_t len);
/* A break of at least this level before the next text (ignored at the start). */
void nd_textw_break(struct nd_textw *w, int level);
/* A <br>: one more line break, up to a blank line. */
void nd_textw_newline(struct nd_textw *w);
/* Finish: the pending break is dropped (trim) and the text put into NFC. */
void nd_textw_finish(struct nd_textw *w);

/*
 * Clean plain text: malformed UTF-8 repaired, controls dropped, whitespace
 * collapsed (see struct nd_textw; newlines are kept as line breaks unless
 * flags has ND_TEXT_ONELINE), trimmed, NFC.  Input longer than
 * ND_TEXT_MAX is cut.  Returns a new string, never NULL; caller frees.
 */
char *nd_text_clean(const char *s, size_t len, unsigned flags);

/*
 * Decode the HTML character references in s[0..len) as HTML text does
 * (nd_text_ref, ND_REF_TEXT).  Anything else is kept verbatim.  Returns a
 * new string; caller frees.
 */
char *nd_text_decode_entities(const char *s, size_t len);

/*
 * Append s[0..len) escaped for HTML text (& < >) or, with attr set, for a
 * double-quoted attribute value (also ").
 */
int nd_text_escape_html(struct nd_buf *b, const char *s, size_t len, int attr) ND_WUR;

/* The byte b repeated in the 8 bytes of a word. */
#define ND_BYTES(b) (0x0101010101010101ULL * (uint64_t)(unsigned char)(b))

/* The high bit of every byte of x that is zero (exact: no carries between bytes). */
static inline uint64_t nd_text_zero_bytes(uint64_t x)
{
    const uint64_t highs = ND_BYTES(0x80);

    return ~(((x & ~highs) + ~highs) | x) & highs;
}

/*
 * Are the 8 bytes at p plain printable ASCII in which no whitespace needs
 * collapsing (no control, no DEL, no two spaces in a row, no space at either
 * end), and none equal to the bytes of c1, c2, c3 (ND_BYTES('&'), ...)?  The
 * scanners' fast path: most text goes 8 bytes at a time.
 */
static inline int nd_text_ascii_words8(const char *p, uint64_t c1, uint64_t c2, uint64_t c3)
{
    const uint64_t highs = ND_BYTES(0x80);
    uint64_t v, sp;

    memcpy(&v, p, 8);
    if ((v & highs) || ((v - ND_BYTES(0x20)) & ~v & highs)) /* non-ASCII, a byte below 0x20 */
        return 0;
    sp = nd_text_zero_bytes(v ^ ND_BYTES(' '));
    if ((sp & 0x8000000000000080ULL) || (sp & (sp >> 8)))
        return 0;
    return !(nd_text_zero_bytes(v ^ ND_BYTES(0x7F)) | nd_text_zero_bytes(v ^ c1) |
             nd_text_zero_bytes(v ^ c2) | nd_text_zero_bytes(v ^ c3));
}

#ifdef __SSE2__
/*
 * Are the 16 bytes at p printable ASCII (no control, no DEL), none equal to
 * c1, c2, c3?  *spaces gets the mask of the spaces among them (bit k for
 * p[k]), for the caller to judge where they stand.
 */
static inline int nd_text_plain16(const char *p, char c1, char c2, char c3, unsigned *spaces)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* signed compare: the bytes 0x80 and up are negative, below 0x20 too */
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                            _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))),
                               _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c1)),
                                            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c2)),
                                                         _mm_cmpeq_epi8(v, _mm_set1_epi8(c3)))));

    if (_mm_movemask_epi8(bad))
        return 0;
    *spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    return 1;
}
#endif

/* Number of code points in a valid UTF-8 string. */
size_t nd_utf8_len(const char *s);

/*
 * s cut to at most max code points (the ellipsis included): when s is
 * longer, it is cut at the last word boundary (whitespace) in the second
 * half of the allowance, or at a code point that is not a combining mark
 * when there is none (text without spaces), trailing punctuation and
 * spaces are dropped and "…" is appended.  Returns a new string; caller
 * frees.  max < 2 gives "".
 */
char *nd_text_truncate(const char *s, size_t max);

#endif
