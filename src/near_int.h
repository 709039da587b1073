/*
 * near_int.h: what the near-duplicate signature (near_sig.c), its words
 * (near_words.c) and the index (near_index.c) share.  Not a public header.
 */
#ifndef NEWSD_NEAR_INT_H
#define NEWSD_NEAR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/near.h"

#define NEAR_KEY_NUMBER 1 /* kinds of key */
#define NEAR_KEY_NAME   2

#define NEAR_TITLE_NUMBER  1 /* title word flags (near_title.c) */
#define NEAR_TITLE_NAME    2
#define NEAR_TITLE_CASED   4  /* in an ALL CAPS or Title Case title: a name or not, unknown */
#define NEAR_TITLE_ACTION  8  /* one of the verbs of news (buys, resigns, rises...) */
#define NEAR_TITLE_PASSIVE 16 /* an action written as a participle: a headline's passive */
#define NEAR_TITLE_BITS    5  /* bits of the flags */

#define NEAR_UNIT_CUE 0x8000 /* in nsh: the unit's line looks like boilerplate (near_sig.c) */

struct near_unit {
    uint32_t hash; /* of the unit's canonical words */
    uint16_t nsh;  /* shingles in the unit (low 15 bits), NEAR_UNIT_CUE */
};

struct near_el {
    uint32_t v;   /* the shingle's hash (the top 32 bits of its XXH3) */
    uint8_t unit; /* the unit of its first occurrence */
};

struct near_key {
    uint16_t h; /* hash of the canonical word */
    uint8_t unit;
    uint8_t kind; /* NEAR_KEY_* */
};

struct near_tword {
    uint16_t h;
    uint8_t flags; /* NEAR_TITLE_* */
};

struct nd_near_sig {
    uint8_t nunits, nlead, nextra, nkeys, ntitle;
    uint32_t tau; /* every distinct shingle hash <= tau is kept (UINT32_MAX: all) */
    struct near_unit units[ND_NEAR_MAX_UNITS];
    /* els[0..nlead): the first ND_NEAR_LEAD distinct shingles in text order;
     * els[nlead..nlead+nextra): the other kept hashes (<= tau), ascending */
    struct near_el els[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    struct near_key keys[ND_NEAR_MAX_KEYS];
    struct near_tword title[ND_NEAR_MAX_TITLE];
};

/*
 * The compact form of a signature (near_sig.c), for the index's memory: at
 * most NEAR_COMPACT_MAX bytes, with a bit per unit from flags (NULL: all 0),
 * followed by NEAR_COMPACT_PAD bytes of 0 that the reader needs (out has room
 * for both; the length returned leaves them out).  near_sig_expand() gives
 * the signature and the flags (ND_NEAR_MAX_UNITS bits) back;
 * near_sig_expand_sorted() gives all but the hashes into sig, and the hashes
 * in hash order into vals[] with meta[] (unit | NEAR_META_LEAD): returns
 * how many.
 */
#define NEAR_COMPACT_MAX 2304
#define NEAR_COMPACT_PAD 8
#define NEAR_META_LEAD   0x8000
size_t near_sig_compact(const struct nd_near_sig *sig, const uint8_t *flags, uint8_t *out);
void near_sig_expand(const uint8_t *in, struct nd_near_sig *sig, uint8_t *flags);
size_t near_sig_expand_sorted(const uint8_t *in, struct nd_near_sig *sig, uint8_t *flags,
                              uint32_t *vals, uint16_t *meta);

/*
 * On a little-endian host, the words and the cue lines are read eight bytes
 * at a time where that helps (the first byte in memory is the lowest);
 * elsewhere a byte at a time.  Both give the same signatures.
 */
#ifndef NEAR_SWAR /* -DNEAR_SWAR=0 builds the other way, to test it */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NEAR_SWAR 1
#else
#define NEAR_SWAR 0
#endif
#endif
#define SWAR_HIGH    0x8080808080808080ULL
#define SWAR_LOW7    0x7F7F7F7F7F7F7F7FULL
#define SWAR_EACH(b) (0x0101010101010101ULL * (uint8_t)(b))

/* The high bit of each byte of x that equals b. */
static inline uint64_t swar_eq(uint64_t x, uint8_t b)
{
    uint64_t t = x ^ SWAR_EACH(b);

    return ~(((t & SWAR_LOW7) + SWAR_LOW7) | t) & SWAR_HIGH;
}

/* The high bit of each byte of x (bytes below 0x80 only) that equals b (below 0x80). */
static inline uint64_t swar_eq7(uint64_t x, uint8_t b)
{
    return ~((x ^ SWAR_EACH(b)) + SWAR_LOW7) & SWAR_HIGH;
}

/* --- words (near_words.c) --------------------------------------------------------------- */

/* One word of a text, as the tokenizer gives it. */
struct near_word {
    uint32_t off;     /* its canonical form (lower case, one spelling) at buf + off */
    uint16_t len;     /* bytes of it (not NUL-terminated) */
    uint8_t cap;      /* 1: began with a capital letter */
    uint8_t num;      /* 1: a number (digits, or a number word) */
    uint8_t sent_end; /* 1: the last word of a sentence */
    uint8_t line_end; /* 1: the last word of a line */
    uint32_t line;    /* its line (newlines before it) */
};

/*
 * The words of a text.  buf holds their canonical forms in order, each
 * followed by one space: the words w[i..j] joined by single spaces are the
 * bytes from buf + w[i].off to buf + w[j].off + w[j].len.
 */
struct near_words {
    struct near_word *w;
    size_t n, cap;
    char *buf;
    size_t blen, bcap;
};

/* Cut s[0..len) into words (see near.h); fills *out, which the caller frees. */
void near_words_split(const char *s, size_t len, struct near_words *out);
void near_words_free(struct near_words *ws);

/*
 * 0 when the special words' tables are the list as it is (every word found
 * through them); slots[NEAR_SPECIAL_SLOTS] and filter[NEAR_SPECIAL_SLOTS / 8]
 * get the tables as they should be (for the tests).
 */
#define NEAR_SPECIAL_SLOTS 512
int near_words_check(uint8_t *slots, uint64_t *filter);

/* --- titles (near_title.c) ----------------------------------------------------------------- */

/* The words of title (ws: near_words_split() of it) into sig->title[]. */
void near_title_keep(struct nd_near_sig *sig, const struct near_words *ws, const char *title);

/* 0 when the table of title words is sound (no word in two groups), for the tests. */
int near_title_check(void);

#endif
