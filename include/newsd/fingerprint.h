/*
 * fingerprint.h: dedupe fingerprints of an article's text, and article ids.
 * Pure.
 *
 * The text is normalized first: Unicode case folding (utf8proc), every
 * character that is not a letter, mark or digit is a separator, words are
 * joined by one space.  text_hash is an exact key over that; simhash is a
 * 64-bit SimHash over word 3-shingles (each shingle hashed with XXH3_64,
 * weight 1), so copies that differ in a sentence or a footer stay within a
 * few bits (nd_fp_hamming).  Both are 0 when there is too little text.
 */
#ifndef NEWSD_FINGERPRINT_H
#define NEWSD_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define ND_FP_MIN_CHARS 40           /* text_hash is 0 below this many normalized characters */
#define ND_FP_MIN_WORDS 8            /* simhash is 0 below this many words */
#define ND_FP_MAX_INPUT (256 * 1024) /* bytes of text fingerprinted; the rest is ignored */

struct nd_fp {
    uint64_t text_hash;
};

/*
 * The normalized form of s[0..len) (valid UTF-8; at most ND_FP_MAX_INPUT
 * bytes are read).  Returns a new string; caller frees.
 */
char *nd_fp_normalize(const char *s, size_t len);

/* text_hash and simhash of a normalized string (as nd_fp_normalize gives). */
uint64_t nd_fp_text_hash(const char *norm, size_t len);
uint64_t nd_fp_simhash(const char *norm, size_t len);

/*
 * The text hash of title + text (either may be NULL): the exact-text dedupe
 * key.  When norm is not NULL, *norm gets the normalized title+text (caller
 * frees).  The SimHash is no longer the daemon's near-duplicate method
 * (near.h is); nd_fp_simhash() stays as the baseline near.h is measured
 * against.
 */
void nd_fp_compute(const char *title, const char *text, struct nd_fp *fp, char **norm);

/* Number of differing bits. */
int nd_fp_hamming(uint64_t a, uint64_t b);

/*
 * The 128-bit XXH3 of key[0..len) as 32 lowercase hex digits (the canonical,
 * big-endian byte order: the same on every machine).  out needs 33 bytes.
 */
void nd_fp_id128(const void *key, size_t len, char out[33]);

#endif
