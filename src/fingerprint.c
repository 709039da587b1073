/*
 * fingerprint.c: normalized text, exact text hash, SimHash, article ids.
 *
 * Hashing is xxHash's XXH3 (64 and 128 bits), whose output is specified
 * independently of the machine; case folding is utf8proc's.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* short shingles: the inlined hash is much faster */
#include <xxhash.h>

#include "newsd/fingerprint.h"
#include "newsd/text.h"
#include "newsd/util.h"

#define MAX_WORDS 65536 /* words considered for the SimHash */

/* Scripts written without spaces: each character counts as a word. */
static int solo_char(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF) || /* Thai, Lao */
           (cp >= 0x1000 && cp <= 0x109F) || /* Myanmar */
           (cp >= 0x1780 && cp <= 0x17FF) || /* Khmer */
           (cp >= 0x3040 && cp <= 0x30FF) || /* Hiragana, Katakana */
           (cp >= 0x3400 && cp <= 0x4DBF) || /* CJK extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) || /* CJK unified ideographs */
           (cp >= 0xF900 && cp <= 0xFAFF) || /* CJK compatibility ideographs */
           (cp >= 0x20000 && cp <= 0x3FFFF); /* CJK extensions B-H */
}

/* The normalized text under construction: written directly, grown by hand. */
struct norm {
    char *p;
    size_t len, cap;
    int sep; /* a separator is due before the next word character */
};

static void norm_room(struct norm *o, size_t n)
{
    if (o->len + n + 1 <= o->cap)
        return;
    o->cap = (o->len + n + 1) * 2;
    o->p = xrealloc(o->p, o->cap);
}

/* ASCII letters and digits, lower-cased; 0 for everything else (a separator). */
static const char fold_ascii[128] = {
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '0', '1', '2', '3', '4', '5', '6', '7', '8',
    '9', 0,   0,   0,   0,   0,   0,   0,   'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k',
    'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0,   0,   0,   0,
    0,   0,   'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q',
    'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0,   0,   0,   0,   0,
};

#define HIGHS 0x8080808080808080ULL
#define ONES  0x0101010101010101ULL

/* The high bit of every byte of x (all bytes below 0x80) in lo..hi: no carries. */
static inline uint64_t in_range8(uint64_t x, unsigned lo, unsigned hi)
{
    return (x + ONES * (0x80 - lo)) & ~(x + ONES * (0x7F - hi)) & HIGHS;
}

/*
 * The ASCII stretch of s[i..len) into o, a word at a time: 8 bytes are
 * classified at once (letters, digits, the rest), a word's bytes are stored
 * folded in one 8-byte store, a run of separators becomes one pending
 * space.  The same output as the byte loop below; stops at a non-ASCII byte
 * or fewer than 8 bytes from the end.  o has 8 bytes of slack.
 */
static size_t normalize_ascii8(struct norm *o, const char *s, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    char *p = o->p;
    size_t olen = o->len;
    int sep = o->sep;

    while (i + 8 <= len) {
        uint64_t v, x, letters, alnum, folded;
        unsigned n;
        memcpy(&v, s + i, 8);
        if (v & HIGHS)
            break;
        x = v | (ONES * 0x20); /* A-Z as a-z */
        letters = in_range8(x, 'a', 'z');
        alnum = letters | in_range8(v, '0', '9');
        if (alnum & 0x80) { /* a word starts here: its first up to 8 bytes */
            folded = v | (letters >> 2);
            n = alnum == HIGHS ? 8 : (unsigned)__builtin_ctzll(~alnum & HIGHS) / 8;
            if (sep && olen)
                p[olen++] = ' ';
            memcpy(p + olen, &folded, 8);
            olen += n;
            sep = 0;
        } else { /* separators up to the next word */
            n = alnum ? (unsigned)__builtin_ctzll(alnum) / 8 : 8;
            sep = 1;
        }
        i += n;
    }
    o->len = olen;
    o->sep = sep;
#endif
    return i;
}

/* Append the normalized form of s[0..len) (valid UTF-8; malformed bytes separate). */
static void normalize_into(struct norm *o, const char *s, size_t len)
{
    const utf8proc_property_t *pr;
    utf8proc_int32_t folded[8];
    utf8proc_ssize_t nf;
    int32_t cp;
    size_t i = 0;
    int n, bc;

    norm_room(o, len + 16); /* ASCII: at most one byte out per byte in, and 8 of slack */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            i = normalize_ascii8(o, s, i, len);
            /* up to the next non-ASCII byte or the end (fewer than 8 bytes), a byte at
             * a time and without branches */
            char *p = o->p;
            size_t olen = o->len;
            unsigned sep = (unsigned)o->sep, w;
            for (; i < len && (unsigned char)s[i] < 0x80; i++) {
                char f = fold_ascii[(unsigned char)s[i]];
                w = f != 0;
                p[olen] = ' ';
                olen += sep & w & (olen != 0);
                p[olen] = f;
                olen += w;
                sep = !w;
            }
            o->len = olen;
            o->sep = (int)sep;
            continue;
        }
        n = nd_utf8_decode(s + i, len - i, &cp);
        i += (size_t)n;
        if (cp < 0) {
            o->sep = 1;
            continue;
        }
        pr = utf8proc_get_property(cp);
        if (pr->category < UTF8PROC_CATEGORY_LU || pr->category > UTF8PROC_CATEGORY_NO) {
            o->sep = 1; /* punctuation, symbols, spaces, controls */
            continue;
        }
        /* room for a space and the case folding (up to 3 code points) */
        norm_room(o, 16 + (len - i));
        if (pr->category < UTF8PROC_CATEGORY_MN || pr->category > UTF8PROC_CATEGORY_ME) {
            /* not a mark (a mark stays with its letter) */
            if ((o->sep || solo_char(cp)) && o->len > 0)
                o->p[o->len++] = ' ';
            o->sep = solo_char(cp);
        }
        if (pr->casefold_seqindex == UINT16_MAX) {
            memcpy(o->p + o->len, s + i - (size_t)n, (size_t)n); /* folds to itself */
            o->len += (size_t)n;
            continue;
        }
        bc = 0;
        nf = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_CASEFOLD, &bc);
        if (nf < 1 || nf > 3) {
            folded[0] = cp;
            nf = 1;
        }
        for (utf8proc_ssize_t k = 0; k < nf; k++)
            o->len += (size_t)nd_utf8_encode(folded[k], o->p + o->len);
    }
    o->p[o->len] = '\0';
}

char *nd_fp_normalize(const char *s, size_t len)
{
    struct norm o = {NULL, 0, 0, 0};

    if (len > ND_FP_MAX_INPUT)
        len = ND_FP_MAX_INPUT;
    norm_room(&o, len + 1);
    normalize_into(&o, s, len);
    o.p[o.len] = '\0';
    return o.p;
}

uint64_t nd_fp_text_hash(const char *norm, size_t len)
{
    size_t chars = 0;

    for (size_t i = 0; i < len && chars < ND_FP_MIN_CHARS; i++)
        if (((unsigned char)norm[i] & 0xC0) != 0x80)
            chars++;
    if (chars < ND_FP_MIN_CHARS)
        return 0;
    return XXH3_64bits(norm, len);
}

/* The position of the next space in s[i..len), or len. */
static inline size_t next_space(const char *s, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= len; i += 8) {
        uint64_t v, z;
        memcpy(&v, s + i, 8);
        z = nd_text_zero_bytes(v ^ ND_BYTES(' '));
        if (z)
            return i + (size_t)__builtin_ctzll(z) / 8;
    }
#endif
    while (i < len && s[i] != ' ')
        i++;
    return i;
}

/*
 * Bit counts over many hashes, eight bit positions per 64-bit word: acc[i]
 * holds, in byte k, how many hashes had bit 8k+i set.  Bytes overflow at 255,
 * so the counts move to 32-bit totals every 255 hashes.
 */
static inline void bitcount_flush(uint64_t acc[8], uint32_t total[64])
{
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 8; k++)
            total[8 * k + i] += (uint32_t)((acc[i] >> (8 * k)) & 0xFF);
        acc[i] = 0;
    }
}

uint64_t nd_fp_simhash(const char *norm, size_t len)
{
    uint64_t acc[8] = {0}, out = 0;
    uint32_t total[64] = {0};
    size_t words = 0, i = 0, w, prev1 = 0, prev2 = 0, hashes = 0;
    unsigned pending = 0;

    /* each word ends a shingle of it and the two before it */
    while (i < len && words < MAX_WORDS) {
        w = i;
        i = next_space(norm, i, len);
        if (++words >= 3) {
            uint64_t h = XXH3_64bits(norm + prev2, i - prev2);
            /* unrolled by hand: gcc -O2 keeps a loop and acc[] in memory */
            acc[0] += h & ONES;
            acc[1] += (h >> 1) & ONES;
            acc[2] += (h >> 2) & ONES;
            acc[3] += (h >> 3) & ONES;
            acc[4] += (h >> 4) & ONES;
            acc[5] += (h >> 5) & ONES;
            acc[6] += (h >> 6) & ONES;
            acc[7] += (h >> 7) & ONES;
            hashes++;
            if (++pending == 255) {
                bitcount_flush(acc, total);
                pending = 0;
            }
        }
        prev2 = prev1;
        prev1 = w;
        i++; /* the space */
    }
    if (words < ND_FP_MIN_WORDS)
        return 0;
    bitcount_flush(acc, total);
    for (int bit = 0; bit < 64; bit++)
        if (2 * (uint64_t)total[bit] > hashes) /* more ones than zeros */
            out |= (uint64_t)1 << bit;
    return out;
}

void nd_fp_compute(const char *title, const char *text, struct nd_fp *fp, char **norm)
{
    struct norm o = {NULL, 0, 0, 0};
    size_t tlen = title ? strlen(title) : 0, xlen = text ? strnlen(text, ND_FP_MAX_INPUT) : 0;

    norm_room(&o, tlen + xlen + 2);
    if (title)
        normalize_into(&o, title, tlen);
    o.sep = 1;
    if (text)
        normalize_into(&o, text, xlen);
    o.p[o.len] = '\0';
    fp->text_hash = nd_fp_text_hash(o.p, o.len);
    if (norm)
        *norm = o.p;
    else
        free(o.p);
}

int nd_fp_hamming(uint64_t a, uint64_t b)
{
    return __builtin_popcountll(a ^ b);
}

void nd_fp_id128(const void *key, size_t len, char out[33])
{
    static const char hex[] = "0123456789abcdef";
    XXH128_canonical_t c;

    XXH128_canonicalFromHash(&c, XXH3_128bits(key, len));
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
}
