/*
 * near_sig.c: near-duplicate signatures (near.h): units, shingles, the lead,
 * the bottom-k sample, numbers and names, title words; packing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "near_int.h"
#include "newsd/util.h"

#define MAX_SHINGLES 20000 /* shingles read from one text; the rest is ignored */
#define BLOB_VERSION 2
#define BLOB_HEADER  12

struct shingle {
    uint32_t v;
    uint8_t unit;
};

static uint32_t top32(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* XXH3 of the words w[s..e] joined by single spaces (as they are in ws->buf). */
static uint64_t hash_words(const struct near_words *ws, size_t s, size_t e)
{
    const struct near_word *a = &ws->w[s], *b = &ws->w[e];

    return XXH3_64bits(ws->buf + a->off, b->off + b->len - a->off);
}

/* Are the canonical word sequences of a and b the same? */
static int same_words(const struct near_words *a, const struct near_words *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->w[i].len != b->w[i].len ||
            memcmp(a->buf + a->w[i].off, b->buf + b->w[i].off, a->w[i].len) != 0)
            return 0;
    return 1;
}

/* Units and shingles of the text's words; sh has room for one shingle a word.  Returns how many. */
static size_t cut_units(struct nd_near_sig *sig, const struct near_words *ws, struct shingle *sh)
{
    size_t nsh = 0, start = 0;

    for (size_t i = 0; i < ws->n && nsh < MAX_SHINGLES; i++) {
        size_t nw, k;
        unsigned u;
        uint32_t uh;

        if (!ws->w[i].sent_end)
            continue;
        nw = i + 1 - start;
        uh = top32(hash_words(ws, start, i));
        if (sig->nunits < ND_NEAR_MAX_UNITS) {
            sig->units[sig->nunits].hash = uh;
            sig->units[sig->nunits].nsh = 0;
            sig->nunits++;
        } else { /* past the cap, every sentence joins the last unit */
            struct near_unit *lu = &sig->units[ND_NEAR_MAX_UNITS - 1];
            lu->hash = (lu->hash * 0x9E3779B1u) ^ uh;
        }
        u = sig->nunits - 1u;
        k = nw < ND_NEAR_SHINGLE ? 1 : nw - ND_NEAR_SHINGLE + 1;
        for (size_t j = 0; j < k && nsh < MAX_SHINGLES; j++) {
            size_t last = nw < ND_NEAR_SHINGLE ? nw : j + ND_NEAR_SHINGLE;
            sh[nsh].v = top32(hash_words(ws, start + j, start + last - 1));
            sh[nsh].unit = (uint8_t)u;
            nsh++;
            if ((sig->units[u].nsh & ~NEAR_UNIT_CUE) < 0x7FFF)
                sig->units[u].nsh++;
        }
        start = i + 1;
    }
    return nsh;
}

/*
 * Phrases that mark a line as the kind of thing copies add and drop: credits,
 * captions, footers.  Such a line, when the other text lacks it, does not
 * count against containment (near_score.c); it is still compared.
 */
static const char *const cues[] = {
    "subscribe",        "newsletter",     "copyright",     "\xc2\xa9",  "all rights reserved",
    "reporting by",     "editing by",     "writing by",    "photo:",    "photograph:",
    "photo by",         "file photo",     "image caption", "read more", "read the full",
    "continue reading", "share this",     "follow us",     "sign up",   "republished",
    "appeared first",   "first appeared", "unsubscribe",
};
#define NCUES     (sizeof(cues) / sizeof(cues[0]))
#define COPYRIGHT "\xc2\xa9" /* the one cue shorter than four bytes, looked for alone */

/*
 * The cues by their first four bytes, either case, for a look every other
 * byte: at an even i, bit k of first[s[i]] & second[s[i + 1]] & third[s[i +
 * 2]] is set when cue k may begin at i, bit 32 + k when it may begin at
 * i - 1.  (first[b] has bit k when cue k begins with b, bit 32 + k when b is
 * its second byte; second[] and third[] likewise one and two bytes further.)
 * Every cue of four bytes or more is met at its first or second byte.  Bytes
 * index the tables by their low seven bits: a byte above 0x7F may pass for
 * a letter, and the comparison that follows turns it away.  Built once.
 */
struct cue_index {
    uint64_t first[128], second[128], third[128];
};

static struct cue_index cue_ix;
static pthread_once_t cue_ix_once = PTHREAD_ONCE_INIT;

static void cue_index_put(uint64_t *t, char c, uint64_t bit)
{
    t[(unsigned char)c & 0x7F] |= bit;
    if (c >= 'a' && c <= 'z')
        t[(unsigned char)c - 32] |= bit;
}

static void cue_index_init(void)
{
    for (unsigned k = 0; k < NCUES; k++) {
        const char *c = cues[k];
        if (strlen(c) < 4)
            continue; /* the copyright sign, looked for alone */
        for (unsigned j = 0; j < 2; j++) {
            uint64_t bit = (uint64_t)1 << (32 * j + k);
            cue_index_put(cue_ix.first, c[j], bit);
            cue_index_put(cue_ix.second, c[j + 1], bit);
            cue_index_put(cue_ix.third, c[j + 2], bit);
        }
    }
}

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* Is cue c at s[at..len), in any case? */
static int cue_at(const char *c, const char *s, size_t at, size_t len)
{
    size_t j = 0;

    while (c[j] && at + j < len && lower(s[at + j]) == c[j])
        j++;
    return c[j] == '\0';
}

/* Does s[0..len) (one line of at most CUE_MAX_WORDS words) contain a cue, in any case? */
#define CUE_MAX_WORDS 50
#define CUE_MAX_BYTES (CUE_MAX_WORDS * 24)
static int line_is_cue(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    const struct cue_index *ci = &cue_ix;
    size_t spaces = 0, i = 0;

    if (len >= CUE_MAX_BYTES)
        return 0;
#if NEAR_SWAR
    for (; i + 8 <= len; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        spaces += (size_t)(((swar_eq(x, ' ') >> 7) * SWAR_EACH(1)) >> 56);
    }
#endif
    for (; i < len; i++)
        spaces += s[i] == ' ';
    if (spaces > CUE_MAX_WORDS)
        return 0;
    for (const char *c = memchr(s, COPYRIGHT[0], len); c != NULL && c + 1 < s + len;
         c = memchr(c + 1, COPYRIGHT[0], (size_t)(s + len - c - 1)))
        if (c[1] == COPYRIGHT[1])
            return 1;
    for (i = 0; i + 2 < len; i += 2) {
        uint64_t m =
            ci->first[u[i] & 0x7F] & ci->second[u[i + 1] & 0x7F] & ci->third[u[i + 2] & 0x7F];
        while (__builtin_expect(m != 0, 0)) {
            unsigned k = (unsigned)__builtin_ctzll(m);
            m &= m - 1;
            if (k < 32 ? cue_at(cues[k], s, i, len) : i > 0 && cue_at(cues[k - 32], s, i - 1, len))
                return 1;
        }
    }
    return 0;
}

/* Flag the units on every cue line of text[0..len). */
static void mark_cues(struct nd_near_sig *sig, const struct near_words *ws, const char *text,
                      size_t len)
{
    uint32_t nlines = ws->n ? ws->w[ws->n - 1].line + 1 : 0, line = 0;
    uint8_t small[256], *cue = nlines < sizeof(small) ? small : xmalloc(nlines + 1);
    const char *p = text, *end = text + len;
    unsigned unit = 0;
    uint8_t any = 0;

    pthread_once(&cue_ix_once, cue_index_init);
    while (line < nlines) { /* the text has that many lines: its words are on them */
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        cue[line++] = (uint8_t)line_is_cue(p, n);
        p = nl ? nl + 1 : end;
    }
    /* a unit is on a cue line when one of its words is (nunits > 0 when there are words) */
    for (size_t w = 0; w < ws->n; w++) {
        any |= cue[ws->w[w].line];
        if (ws->w[w].sent_end && unit + 1 < sig->nunits) {
            sig->units[unit++].nsh |= (uint16_t)(any ? NEAR_UNIT_CUE : 0);
            any = 0;
        }
    }
    if (ws->n > 0)
        sig->units[unit].nsh |= (uint16_t)(any ? NEAR_UNIT_CUE : 0);
    if (cue != small)
        free(cue);
}

/* Insertion sort of keys[0..n): for runs that are short or nearly in order. */
static void insertion_sort(uint64_t *keys, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t k = keys[i];
        size_t j = i;
        for (; j > 0 && keys[j - 1] > k; j--)
            keys[j] = keys[j - 1];
        keys[j] = k;
    }
}

/*
 * keys[0..n) ascending; tmp has room for n.  The keys are (hash << 32 |
 * position), put in in position order, so a stable sort of the hashes alone
 * is enough.  Hashes are uniform: up to 1,024 keys are spread over 256
 * buckets by their leading bits (one stable counting pass), which leaves
 * them nearly in order for an insertion sort; more are sorted by LSD radix,
 * a byte a pass.
 */
static void sort_keys(uint64_t *keys, uint64_t *tmp, size_t n)
{
    uint32_t count[4][256];
    uint64_t *src = keys, *dst = tmp, max = 0;

    if (n <= 32) {
        insertion_sort(keys, n);
        return;
    }
    if (n <= 1024) {
        unsigned shift = 32;
        memset(count[0], 0, sizeof(count[0]));
        for (size_t i = 0; i < n; i++)
            max |= keys[i];
        while (shift < 56 && (max >> shift) >= 256)
            shift++;
        for (size_t i = 0; i < n; i++)
            count[0][(keys[i] >> shift) & 0xFF]++;
        for (unsigned d = 0, at = 0; d < 256; d++) {
            uint32_t k = count[0][d];
            count[0][d] = at;
            at += k;
        }
        for (size_t i = 0; i < n; i++)
            tmp[count[0][(keys[i] >> shift) & 0xFF]++] = keys[i];
        memcpy(keys, tmp, n * sizeof(*keys));
        insertion_sort(keys, n);
        return;
    }
    memset(count, 0, sizeof(count));
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)(keys[i] >> 32);
        count[0][v & 0xFF]++;
        count[1][(v >> 8) & 0xFF]++;
        count[2][(v >> 16) & 0xFF]++;
        count[3][v >> 24]++;
    }
    for (unsigned pass = 0; pass < 4; pass++) {
        unsigned shift = 32 + 8 * pass;
        uint32_t *c = count[pass], at = 0;
        uint64_t *t;
        if (c[(src[0] >> shift) & 0xFF] == n)
            continue; /* one digit for all */
        for (unsigned d = 0; d < 256; d++) {
            uint32_t k = c[d];
            c[d] = at;
            at += k;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i] >> shift) & 0xFF]++] = src[i];
        t = src;
        src = dst;
        dst = t;
    }
    if (src != keys)
        memcpy(keys, src, n * sizeof(*keys));
}

/*
 * The lead and the bottom-k sample of the shingles sh[0..nsh).  A hash is in
 * the lead when its first occurrence comes before the shingle that completed
 * the lead: so the sample, sorted by hash and position, needs no look-up.
 */
static void keep_shingles(struct nd_near_sig *sig, const struct shingle *sh, size_t nsh)
{
    uint64_t seen[16], *keys, *tmp; /* seen: 1,024 bits of the hashes in the lead */
    size_t distinct = 0, nkeys = 0, lead_end = nsh;

    /* the lead: the first ND_NEAR_LEAD distinct hashes, in text order (a repeated hash is
     * rare: only a bit already seen is checked against the lead) */
    memset(seen, 0, sizeof(seen));
    for (size_t i = 0; i < nsh; i++) {
        uint32_t v = sh[i].v, bit = v >> 22;
        int dup = 0;
        if ((seen[bit >> 6] >> (bit & 63)) & 1)
            for (unsigned j = 0; j < sig->nlead && !dup; j++)
                dup = sig->els[j].v == v;
        if (dup)
            continue;
        seen[bit >> 6] |= (uint64_t)1 << (bit & 63);
        sig->els[sig->nlead].v = v;
        sig->els[sig->nlead].unit = sh[i].unit;
        if (++sig->nlead == ND_NEAR_LEAD) {
            lead_end = i + 1;
            break;
        }
    }
    /* the sample: the ND_NEAR_SAMPLE smallest distinct hashes, each with the unit of its
     * first occurrence.  Hashes are uniform, so those below about twice the expected share
     * are sorted alone, when they hold enough distinct ones; else all are. */
    keys = xmalloc(2 * (nsh ? nsh : 1) * sizeof(*keys));
    tmp = keys + nsh;
    if (nsh > 2 * ND_NEAR_SAMPLE) {
        uint64_t t = ((uint64_t)2 * (ND_NEAR_SAMPLE + 1) << 32) / nsh;
        size_t distinct_below = 0;
        for (size_t i = 0; i < nsh; i++) { /* no branch: about half are below */
            keys[nkeys] = (uint64_t)sh[i].v << 32 | i;
            nkeys += sh[i].v <= t;
        }
        sort_keys(keys, tmp, nkeys);
        for (size_t i = 0; i < nkeys; i++)
            distinct_below += i == 0 || keys[i] >> 32 != keys[i - 1] >> 32;
        if (distinct_below <= ND_NEAR_SAMPLE) /* the next distinct hash may be above t */
            nkeys = 0;
    }
    if (nkeys == 0) {
        for (size_t i = 0; i < nsh; i++)
            keys[i] = (uint64_t)sh[i].v << 32 | i;
        nkeys = nsh;
        sort_keys(keys, tmp, nkeys);
    }
    sig->tau = UINT32_MAX;
    for (size_t i = 0; i < nkeys; i++) {
        uint32_t v = (uint32_t)(keys[i] >> 32), pos = (uint32_t)keys[i];
        if (i > 0 && v == (uint32_t)(keys[i - 1] >> 32))
            continue;
        if (distinct == ND_NEAR_SAMPLE) {
            sig->tau = v - 1; /* everything below the next distinct hash is kept */
            break;
        }
        distinct++;
        if (pos >= lead_end) { /* not in the lead; ascending: the extras need no sort */
            struct near_el *el = &sig->els[sig->nlead + sig->nextra++];
            el->v = v;
            el->unit = sh[pos].unit;
        }
    }
    free(keys);
}

/* Numbers and capitalized words of the text, in order, with their units. */
static void keep_keys(struct nd_near_sig *sig, const struct near_words *ws)
{
    unsigned unit = 0;

    for (size_t i = 0; i < ws->n && sig->nkeys < ND_NEAR_MAX_KEYS; i++) {
        const struct near_word *w = &ws->w[i];
        if (w->num || w->cap) {
            uint16_t h = (uint16_t)XXH3_64bits(ws->buf + w->off, w->len);
            uint8_t kind = w->num ? NEAR_KEY_NUMBER : NEAR_KEY_NAME;
            int dup = 0;
            /* the keys of this unit are the last ones: units only grow */
            for (unsigned j = sig->nkeys; j-- > 0 && sig->keys[j].unit == unit && !dup;)
                dup = sig->keys[j].h == h;
            if (!dup)
                sig->keys[sig->nkeys++] = (struct near_key){h, (uint8_t)unit, kind};
        }
        if (w->sent_end && unit + 1 < ND_NEAR_MAX_UNITS && unit + 1 < sig->nunits)
            unit++;
    }
}

struct nd_near_sig *nd_near_sig_new(const char *title, const char *text)
{
    struct nd_near_sig *sig = xcalloc(1, sizeof(*sig));
    struct near_words tw, xw;
    size_t text_len = text ? strlen(text) : 0;

    near_words_split(title, title ? strlen(title) : 0, &tw);
    near_words_split(text, text_len, &xw);
    near_title_keep(sig, &tw, title);
    if (!same_words(&tw, &xw)) { /* a text that only repeats the title is no text */
        size_t cap = xw.n < MAX_SHINGLES ? xw.n : MAX_SHINGLES;
        struct shingle *sh = xmalloc((cap ? cap : 1) * sizeof(*sh));
        size_t nsh = cut_units(sig, &xw, sh);
        keep_shingles(sig, sh, nsh);
        free(sh);
        keep_keys(sig, &xw);
        mark_cues(sig, &xw, text, text_len);
    }
    near_words_free(&tw);
    near_words_free(&xw);
    return sig;
}

void nd_near_sig_free(struct nd_near_sig *sig)
{
    free(sig);
}

int nd_near_sig_empty(const struct nd_near_sig *sig)
{
    return sig->nunits == 0 && sig->ntitle == 0;
}

size_t nd_near_sig_shingles(const struct nd_near_sig *sig)
{
    size_t n = 0;

    for (unsigned i = 0; i < sig->nunits; i++)
        n += sig->units[i].nsh & 0x7fff;
    return n;
}

/* --- packing: little-endian, whatever the host ------------------------------------------ */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p = put16(p, (uint16_t)v);
    return put16(p, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static size_t packed_size(unsigned nunits, unsigned nels, unsigned nkeys, unsigned ntitle)
{
    return BLOB_HEADER + 6 * (size_t)nunits + 5 * (size_t)nels + 4 * (size_t)nkeys +
           3 * (size_t)ntitle;
}

int nd_near_sig_pack(const struct nd_near_sig *sig, uint8_t *out, size_t cap)
{
    unsigned nels = sig->nlead + sig->nextra;
    size_t need = packed_size(sig->nunits, nels, sig->nkeys, sig->ntitle);
    uint8_t *p = out;

    if (cap < need)
        return ND_ETOOBIG;
    *p++ = 'N';
    *p++ = BLOB_VERSION;
    *p++ = sig->nunits;
    *p++ = sig->nlead;
    *p++ = sig->nextra;
    *p++ = sig->nkeys;
    *p++ = sig->ntitle;
    *p++ = 0;
    p = put32(p, sig->tau);
    for (unsigned i = 0; i < sig->nunits; i++) {
        p = put32(p, sig->units[i].hash);
        p = put16(p, sig->units[i].nsh);
    }
    for (unsigned i = 0; i < nels; i++) {
        p = put32(p, sig->els[i].v);
        *p++ = sig->els[i].unit;
    }
    for (unsigned i = 0; i < sig->nkeys; i++) {
        p = put16(p, sig->keys[i].h);
        *p++ = sig->keys[i].unit;
        *p++ = sig->keys[i].kind;
    }
    for (unsigned i = 0; i < sig->ntitle; i++) {
        p = put16(p, sig->title[i].h);
        *p++ = sig->title[i].flags;
    }
    return (int)(p - out);
}

int nd_near_sig_unpack(const uint8_t *blob, size_t len, struct nd_near_sig **out)
{
    struct nd_near_sig *sig;
    const uint8_t *p = blob + BLOB_HEADER;
    unsigned nunits, nlead, nextra, nkeys, ntitle;

    *out = NULL;
    if (len < BLOB_HEADER || blob[0] != 'N' || blob[1] != BLOB_VERSION)
        return ND_EINVAL;
    nunits = blob[2];
    nlead = blob[3];
    nextra = blob[4];
    nkeys = blob[5];
    ntitle = blob[6];
    if (nunits > ND_NEAR_MAX_UNITS || nlead > ND_NEAR_LEAD || nextra > ND_NEAR_SAMPLE ||
        nkeys > ND_NEAR_MAX_KEYS || ntitle > ND_NEAR_MAX_TITLE ||
        len != packed_size(nunits, nlead + nextra, nkeys, ntitle) ||
        (nunits == 0 && nlead + nextra + nkeys > 0))
        return ND_EINVAL;
    sig = xcalloc(1, sizeof(*sig));
    sig->nunits = (uint8_t)nunits;
    sig->nlead = (uint8_t)nlead;
    sig->nextra = (uint8_t)nextra;
    sig->nkeys = (uint8_t)nkeys;
    sig->ntitle = (uint8_t)ntitle;
    sig->tau = get32(blob + 8);
    for (unsigned i = 0; i < nunits; i++, p += 6) {
        sig->units[i].hash = get32(p);
        sig->units[i].nsh = get16(p + 4);
    }
    for (unsigned i = 0; i < nlead + nextra; i++, p += 5) {
        sig->els[i].v = get32(p);
        sig->els[i].unit = p[4];
        if (p[4] >= nunits)
            goto bad;
    }
    for (unsigned i = 0; i < nkeys; i++, p += 4) {
        sig->keys[i] = (struct near_key){get16(p), p[2], p[3]};
        if (p[2] >= nunits)
            goto bad;
    }
    for (unsigned i = 0; i < ntitle; i++, p += 3)
        sig->title[i] = (struct near_tword){get16(p), p[2]};
    *out = sig;
    return 0;
bad:
    free(sig);
    return ND_EINVAL;
}

/* --- the compact form: what the index keeps of a signature ------------------------------- */

/*
 * In memory only.  Bytes: the counts, two bit widths and tau (12), the unit
 * hashes (4 each), the key and title word hashes (2 each).  Then bit fields,
 * each an array of fixed-width values, so that any value is found without
 * reading those before it: per unit its shingle count, cue flag and the
 * caller's flag; per kept shingle hash, in hash order (the lead and the
 * others together), its unit, whether it is in the lead, and its low bits;
 * per lead hash its place in text order; per key its unit and kind; per title
 * word its flags.  Last, the high bits of the hashes as a bit vector (hash i
 * sets bit (v >> l) + i: Elias-Fano).  A news article of 400 words takes
 * about 780 bytes, against 915 packed (nd_near_sig_pack).
 */
#define COMPACT_HEADER 12

struct bitw {
    uint8_t *out;
    size_t len;
    uint64_t acc;
    unsigned n;
};

/* Append the low `bits` bits of v (bits <= 32). */
static inline void bw_put(struct bitw *w, uint64_t v, unsigned bits)
{
    w->acc |= (v & (((uint64_t)1 << bits) - 1)) << w->n;
    w->n += bits;
    if (w->n >= 32) {
        put32(w->out + w->len, (uint32_t)w->acc);
        w->len += 4;
        w->acc >>= 32;
        w->n -= 32;
    }
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

/* The `bits` bits (<= 32) at bit position pos of p (which has 8 readable bytes past the end). */
static inline uint32_t bits_at(const uint8_t *p, size_t pos, unsigned bits)
{
    return (uint32_t)((load64(p + (pos >> 3)) >> (pos & 7)) & (((uint64_t)1 << bits) - 1));
}

/* Bits to write any number up to max. */
static unsigned width(uint32_t max)
{
    return max ? 32 - (unsigned)__builtin_clz(max) : 0;
}

/* Low bits of an Elias-Fano code of n ascending values up to max: the high bits stay below 2n. */
static unsigned ef_low_bits(size_t n, uint32_t max)
{
    unsigned l = 0;

    while (l < 31 && ((uint64_t)n << (l + 1)) <= (uint64_t)max + 1)
        l++;
    return l;
}

/* Where the fields are: bit offsets from the start of the bit fields. */
struct layout {
    unsigned ub, nb, l; /* bits of a unit number, a shingle count, the low bits of a hash */
    size_t nels, bytes; /* hashes; where the bit fields start */
    size_t nsh, cue, flag, unit, lead, low, rank, key_unit, key_kind, tflags, high;
};

static void layout_of(struct layout *L, const uint8_t *hdr)
{
    unsigned nunits = hdr[0], nlead = hdr[1], nkeys = hdr[3], ntitle = hdr[4];

    L->nels = (size_t)nlead + hdr[2];
    L->ub = width(nunits ? nunits - 1u : 0);
    L->nb = hdr[5];
    L->l = hdr[6];
    L->bytes = COMPACT_HEADER + 4 * (size_t)nunits + 2 * (size_t)nkeys + 2 * (size_t)ntitle;
    L->nsh = 0;
    L->cue = L->nsh + (size_t)nunits * L->nb;
    L->flag = L->cue + nunits;
    L->unit = L->flag + nunits;
    L->lead = L->unit + L->nels * L->ub;
    L->low = L->lead + L->nels;
    L->rank = L->low + L->nels * L->l;
    L->key_unit = L->rank + (size_t)nlead * 6;
    L->key_kind = L->key_unit + (size_t)nkeys * L->ub;
    L->tflags = L->key_kind + nkeys;
    L->high = L->tflags + (size_t)ntitle * NEAR_TITLE_BITS;
}

size_t near_sig_compact(const struct nd_near_sig *sig, const uint8_t *flags, uint8_t *out)
{
    struct near_el els[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    uint8_t is_lead[ND_NEAR_LEAD + ND_NEAR_SAMPLE], rank[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    unsigned nels = sig->nlead + sig->nextra, ub = width(sig->nunits ? sig->nunits - 1u : 0);
    uint32_t max_nsh = 0, high = 0;
    unsigned nb, l, i = 0, j = sig->nlead, k;
    struct bitw w;
    uint8_t *p = out;

    /* the lead by hash (insertion: 64 at most), merged with the others (ascending) */
    uint8_t order[ND_NEAR_LEAD];
    for (unsigned a = 0; a < sig->nlead; a++) {
        unsigned b = a;
        for (; b > 0 && sig->els[order[b - 1]].v > sig->els[a].v; b--)
            order[b] = order[b - 1];
        order[b] = (uint8_t)a;
    }
    for (k = 0; k < nels; k++) {
        int from_lead = j == nels || (i < sig->nlead && sig->els[order[i]].v < sig->els[j].v);
        els[k] = from_lead ? sig->els[order[i]] : sig->els[j];
        is_lead[k] = (uint8_t)from_lead;
        rank[k] = from_lead ? order[i] : 0;
        i += (unsigned)from_lead;
        j += (unsigned)!from_lead;
    }
    for (unsigned u = 0; u < sig->nunits; u++)
        if ((sig->units[u].nsh & ~NEAR_UNIT_CUE) > max_nsh)
            max_nsh = sig->units[u].nsh & ~NEAR_UNIT_CUE;
    nb = width(max_nsh);
    l = nels ? ef_low_bits(nels, els[nels - 1].v) : 0;
    *p++ = sig->nunits;
    *p++ = sig->nlead;
    *p++ = sig->nextra;
    *p++ = sig->nkeys;
    *p++ = sig->ntitle;
    *p++ = (uint8_t)nb;
    *p++ = (uint8_t)l;
    *p++ = 0;
    p = put32(p, sig->tau);
    for (unsigned u = 0; u < sig->nunits; u++)
        p = put32(p, sig->units[u].hash);
    for (k = 0; k < sig->nkeys; k++)
        p = put16(p, sig->keys[k].h);
    for (k = 0; k < sig->ntitle; k++)
        p = put16(p, sig->title[k].h);
    w = (struct bitw){out, (size_t)(p - out), 0, 0};
    for (unsigned u = 0; u < sig->nunits; u++)
        bw_put(&w, sig->units[u].nsh, nb);
    for (unsigned u = 0; u < sig->nunits; u++)
        bw_put(&w, sig->units[u].nsh >> 15, 1);
    for (unsigned u = 0; u < sig->nunits; u++)
        bw_put(&w, flags ? (flags[u / 8] >> (u % 8)) & 1 : 0, 1);
    for (k = 0; k < nels; k++)
        bw_put(&w, els[k].unit, ub);
    for (k = 0; k < nels; k++)
        bw_put(&w, is_lead[k], 1);
    for (k = 0; k < nels; k++)
        bw_put(&w, els[k].v, l);
    for (k = 0; k < nels; k++)
        if (is_lead[k])
            bw_put(&w, rank[k], 6);
    for (k = 0; k < sig->nkeys; k++)
        bw_put(&w, sig->keys[k].unit, ub);
    for (k = 0; k < sig->nkeys; k++)
        bw_put(&w, sig->keys[k].kind == NEAR_KEY_NUMBER, 1);
    for (k = 0; k < sig->ntitle; k++)
        bw_put(&w, sig->title[k].flags, NEAR_TITLE_BITS);
    for (k = 0; k < nels; k++) { /* the high bits: gaps in unary */
        uint32_t gap = (els[k].v >> l) - high;
        high = els[k].v >> l;
        for (; gap > 32; gap -= 32)
            bw_put(&w, 0, 32);
        bw_put(&w, 0, gap);
        bw_put(&w, 1, 1);
    }
    for (; w.n > 0; w.n = w.n > 8 ? w.n - 8 : 0, w.acc >>= 8)
        out[w.len++] = (uint8_t)w.acc;
    memset(out + w.len, 0, NEAR_COMPACT_PAD);
    return w.len;
}

/* The counts, units, flags, keys and title of a compact form into sig (not its hashes). */
static void expand_rest(const uint8_t *in, const struct layout *L, struct nd_near_sig *sig,
                        uint8_t *flags)
{
    const uint8_t *p = in + COMPACT_HEADER, *bits = in + L->bytes;

    sig->nunits = in[0];
    sig->nlead = in[1];
    sig->nextra = in[2];
    sig->nkeys = in[3];
    sig->ntitle = in[4];
    sig->tau = get32(in + 8);
    memset(flags, 0, (ND_NEAR_MAX_UNITS + 7) / 8);
    for (unsigned u = 0; u < sig->nunits; u++, p += 4) {
        sig->units[u].hash = get32(p);
        sig->units[u].nsh = (uint16_t)(bits_at(bits, L->nsh + u * L->nb, L->nb) |
                                       bits_at(bits, L->cue + u, 1) << 15);
        flags[u / 8] |= (uint8_t)(bits_at(bits, L->flag + u, 1) << (u % 8));
    }
    for (unsigned k = 0; k < sig->nkeys; k++, p += 2) {
        sig->keys[k].h = get16(p);
        sig->keys[k].unit = (uint8_t)bits_at(bits, L->key_unit + k * L->ub, L->ub);
        sig->keys[k].kind = bits_at(bits, L->key_kind + k, 1) ? NEAR_KEY_NUMBER : NEAR_KEY_NAME;
    }
    for (unsigned k = 0; k < sig->ntitle; k++, p += 2) {
        sig->title[k].h = get16(p);
        sig->title[k].flags =
            (uint8_t)bits_at(bits, L->tflags + k * NEAR_TITLE_BITS, NEAR_TITLE_BITS);
    }
}

/* The hashes in hash order: vals[] and meta[] (unit | NEAR_META_LEAD); returns how many. */
static size_t expand_hashes(const uint8_t *in, const struct layout *L, uint32_t *vals,
                            uint16_t *meta)
{
    const uint8_t *bits = in + L->bytes;
    size_t at = L->high, valid;
    uint64_t w = load64(bits + (at >> 3)) >> (at & 7);

    valid = 64 - (at & 7);
    for (size_t k = 0; k < L->nels; k++) {
        unsigned z;
        while (w == 0) { /* the next 1 of the high bit vector */
            at += valid;
            w = load64(bits + (at >> 3)) >> (at & 7);
            valid = 64 - (at & 7);
        }
        z = (unsigned)__builtin_ctzll(w);
        w &= w - 1;
        vals[k] = (uint32_t)(((uint64_t)(at + z - L->high - k) << L->l) |
                             bits_at(bits, L->low + k * L->l, L->l));
        meta[k] = (uint16_t)(bits_at(bits, L->unit + k * L->ub, L->ub) |
                             bits_at(bits, L->lead + k, 1) << 15);
    }
    return L->nels;
}

void near_sig_expand(const uint8_t *in, struct nd_near_sig *sig, uint8_t *flags)
{
    struct layout L;
    uint32_t vals[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    uint16_t meta[ND_NEAR_LEAD + ND_NEAR_SAMPLE];
    size_t n, lead = 0, extra;

    layout_of(&L, in);
    expand_rest(in, &L, sig, flags);
    n = expand_hashes(in, &L, vals, meta);
    extra = sig->nlead;
    for (size_t k = 0; k < n; k++) {
        struct near_el e = {vals[k], (uint8_t)meta[k]};
        if (meta[k] >> 15) /* back to its place in text order */
            sig->els[bits_at(in + L.bytes, L.rank + 6 * lead++, 6)] = e;
        else
            sig->els[extra++] = e;
    }
}

size_t near_sig_expand_sorted(const uint8_t *in, struct nd_near_sig *sig, uint8_t *flags,
                              uint32_t *vals, uint16_t *meta)
{
    struct layout L;

    layout_of(&L, in);
    expand_rest(in, &L, sig, flags);
    return expand_hashes(in, &L, vals, meta);
}
