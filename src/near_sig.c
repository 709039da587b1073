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
#define BLOB_VERSION 1
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

    pthread_once(&cue_ix_once, cue_index_init);
    while (line < nlines) { /* the text has that many lines: its words are on them */
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        cue[line++] = (uint8_t)line_is_cue(p, n);
        p = nl ? nl + 1 : end;
    }
    /* every word is in a unit (nunits > 0 when there are words): no branch */
    for (size_t w = 0; w < ws->n; w++) {
        sig->units[unit].nsh |= (uint16_t)(cue[ws->w[w].line] ? NEAR_UNIT_CUE : 0);
        unit += ws->w[w].sent_end & (unit + 1 < sig->nunits);
    }
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

/*
 * The title's words.  Capitals mark names only in a title written in
 * sentence case: in an ALL CAPS or Title Case headline (most words
 * capitalized) they say nothing, and every word may be a name.
 */
static void keep_title(struct nd_near_sig *sig, const struct near_words *ws)
{
    char stem[64];
    size_t words = 0, caps = 0;
    int headline_case;

    for (size_t i = 0; i < ws->n; i++) {
        if (ws->w[i].num)
            continue;
        words++;
        caps += ws->w[i].cap;
    }
    headline_case = words >= 3 && caps * 5 >= words * 3;

    for (size_t i = 0; i < ws->n && sig->ntitle < ND_NEAR_MAX_TITLE; i++) {
        const struct near_word *w = &ws->w[i];
        size_t n = near_title_stem(ws->buf + w->off, w->len, stem, sizeof(stem));
        uint16_t h;
        int dup = 0;
        if (n == 0)
            continue;
        h = (uint16_t)XXH3_64bits(stem, n);
        for (unsigned j = 0; j < sig->ntitle && !dup; j++)
            dup = sig->title[j].h == h;
        if (dup)
            continue;
        sig->title[sig->ntitle].h = h;
        sig->title[sig->ntitle].flags =
            (uint8_t)((w->num ? NEAR_TITLE_NUMBER : 0) | (headline_case ? NEAR_TITLE_CASED
                                                          : w->cap      ? NEAR_TITLE_NAME
                                                                        : 0));
        sig->ntitle++;
    }
}

struct nd_near_sig *nd_near_sig_new(const char *title, const char *text)
{
    struct nd_near_sig *sig = xcalloc(1, sizeof(*sig));
    struct near_words tw, xw;
    size_t text_len = text ? strlen(text) : 0;

    near_words_split(title, title ? strlen(title) : 0, &tw);
    near_words_split(text, text_len, &xw);
    keep_title(sig, &tw);
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
