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

/* Append the normalized form of s[0..len) (valid UTF-8; malformed bytes separate). */
static void normalize_into(struct norm *o, const char *s, size_t len)
{
    const utf8proc_property_t *pr;
    utf8proc_int32_t folded[8];
    utf8proc_ssize_t nf;
    int32_t cp;
    size_t i = 0;
    int n, bc;

    norm_room(o, len + 1); /* ASCII: at most one byte out per byte in */
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            /* without branches: word lengths are too irregular to predict */
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

/*
 * Bit counts over many hashes, eight bit positions per 64-bit word: acc[i]
 * holds, in byte k, how many hashes had bit 8k+i set.  Bytes overflow at 255,
 * so the counts move to 32-bit totals every 255 hashes.
 */
struct bitcount {
    uint64_t acc[8];
    uint32_t total[64];
    unsigned pending, n;
};

static void bitcount_flush(struct bitcount *bc)
{
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 8; k++)
            bc->total[8 * k + i] += (uint32_t)((bc->acc[i] >> (8 * k)) & 0xFF);
        bc->acc[i] = 0;
    }
    bc->pending = 0;
}

static void bitcount_add(struct bitcount *bc, uint64_t h)
{
    for (int i = 0; i < 8; i++)
        bc->acc[i] += (h >> i) & 0x0101010101010101ULL;
    bc->n++;
    if (++bc->pending == 255)
        bitcount_flush(bc);
}

uint64_t nd_fp_simhash(const char *norm, size_t len)
{
    struct bitcount bc;
    size_t start[3] = {0, 0, 0}, words = 0, i = 0, w;
    uint64_t out = 0;

    memset(&bc, 0, sizeof(bc));
    /* each word ends a shingle of it and the two before it */
    while (i < len && words < MAX_WORDS) {
        const char *sp = memchr(norm + i, ' ', len - i);
        w = i;
        i = sp ? (size_t)(sp - norm) : len;
        start[words % 3] = w;
        words++;
        if (words >= 3)
            bitcount_add(&bc, XXH3_64bits(norm + start[words % 3], i - start[words % 3]));
        i++; /* the space */
    }
    if (words < ND_FP_MIN_WORDS)
        return 0;
    bitcount_flush(&bc);
    for (int bit = 0; bit < 64; bit++)
        if (2 * (uint64_t)bc.total[bit] > bc.n) /* more ones than zeros */
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
    fp->simhash = nd_fp_simhash(o.p, o.len);
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
