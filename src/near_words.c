/*
 * near_words.c: the words of a text for near-duplicate signatures.
 *
 * A word is a run of letters, marks and digits; an apostrophe inside a word
 * is dropped ("don't" is "dont"), a dot or comma between digits stays in the
 * number ("6.4", "3,000"), "%" after a number is the word "percent" and "per
 * cent" is one word.  Words are case-folded with accents removed (utf8proc,
 * for the letters outside ASCII), and English words are spelled one way:
 * British and American spellings map to one form (the form need not be
 * either; it only has to be the same).  A sentence ends at ".", "!" or "?"
 * followed by a capitalized word or a number, unless the word before it is a
 * single letter or a common abbreviation; a line ends at a newline.
 *
 * The canonical forms are written once, straight into one buffer, each
 * followed by a space, so that any run of words is already the string of
 * those words joined by single spaces (near_sig.c hashes units and shingles
 * in place).  Runs of ASCII letters and digits are copied in a tight loop;
 * only other characters go through utf8proc.
 */
#include <string.h>
#include <utf8proc.h>

#include "near_int.h"
#include "newsd/text.h"
#include "newsd/util.h"

#define MAX_WORD  64              /* bytes of one word's canonical form; longer words are cut */
#define WORD_ROOM (MAX_WORD + 32) /* buffer room a word may need: itself, a scale word, spaces */

/* Scripts written without spaces: each character is a word (as in fingerprint.c). */
static int solo_char(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
           (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

#define SP_NUM  1 /* a number word */
#define SP_ABBR 2 /* a dot after it does not end a sentence */

/*
 * Words with something special about them: number words (to: their digits,
 * so "two" and "2" meet), abbreviations, and British spellings that no rule
 * of spell_one() maps (to: the American form).  Found through special_slot[].
 */
struct special {
    const char *w;
    unsigned char len, flags;
    const char *to;
};
#define SP(w, f, to)                                                                               \
    {                                                                                              \
        w, sizeof(w) - 1, f, to                                                                    \
    }
static const struct special specials[] = {
    SP("acknowledgement", 0, "acknowledgment"),
    SP("aeroplane", 0, "airplane"),
    SP("aeroplanes", 0, "airplanes"),
    SP("ageing", 0, "aging"),
    SP("aluminium", 0, "aluminum"),
    SP("amongst", 0, "among"),
    SP("approx", SP_ABBR, NULL),
    SP("apr", SP_ABBR, NULL),
    SP("artefact", 0, "artifact"),
    SP("aug", SP_ABBR, NULL),
    SP("billion", SP_NUM, NULL),
    SP("capt", SP_ABBR, NULL),
    SP("cheque", 0, "check"),
    SP("cheques", 0, "checks"),
    SP("co", SP_ABBR, NULL),
    SP("col", SP_ABBR, NULL),
    SP("corp", SP_ABBR, NULL),
    SP("cosy", 0, "cozy"),
    SP("dec", SP_ABBR, NULL),
    SP("dozen", SP_NUM, NULL),
    SP("dr", SP_ABBR, NULL),
    SP("draught", 0, "draft"),
    SP("eight", SP_NUM, "8"),
    SP("eleven", SP_NUM, "11"),
    SP("enquiries", 0, "inquiries"),
    SP("enquiry", 0, "inquiry"),
    SP("etc", SP_ABBR, NULL),
    SP("feb", SP_ABBR, NULL),
    SP("fifty", SP_NUM, "50"),
    SP("five", SP_NUM, "5"),
    SP("forty", SP_NUM, "40"),
    SP("four", SP_NUM, "4"),
    SP("ft", SP_ABBR, NULL),
    SP("gen", SP_ABBR, NULL),
    SP("gov", SP_ABBR, NULL),
    SP("grey", 0, "gray"),
    SP("greys", 0, "grays"),
    SP("half", SP_NUM, NULL),
    SP("hundred", SP_NUM, NULL),
    SP("inc", SP_ABBR, NULL),
    SP("jan", SP_ABBR, NULL),
    SP("jewellery", 0, "jewelry"),
    SP("jr", SP_ABBR, NULL),
    SP("judgement", 0, "judgment"),
    SP("jul", SP_ABBR, NULL),
    SP("jun", SP_ABBR, NULL),
    SP("kerb", 0, "curb"),
    SP("kerbs", 0, "curbs"),
    SP("learnt", 0, "learned"),
    SP("lt", SP_ABBR, NULL),
    SP("ltd", SP_ABBR, NULL),
    SP("mar", SP_ABBR, NULL),
    SP("million", SP_NUM, NULL),
    SP("mould", 0, "mold"),
    SP("moustache", 0, "mustache"),
    SP("mr", SP_ABBR, NULL),
    SP("mrs", SP_ABBR, NULL),
    SP("ms", SP_ABBR, NULL),
    SP("mt", SP_ABBR, NULL),
    SP("mum", 0, "mom"),
    SP("nine", SP_NUM, "9"),
    SP("no", SP_ABBR, NULL),
    SP("nov", SP_ABBR, NULL),
    SP("oct", SP_ABBR, NULL),
    SP("once", SP_NUM, NULL),
    SP("one", SP_NUM, "1"),
    SP("plough", 0, "plow"),
    SP("practise", 0, "practice"),
    SP("practised", 0, "practiced"),
    SP("prof", SP_ABBR, NULL),
    SP("programme", 0, "program"),
    SP("programmes", 0, "programs"),
    SP("pyjamas", 0, "pajamas"),
    SP("quarter", SP_NUM, NULL),
    SP("rep", SP_ABBR, NULL),
    SP("sceptic", 0, "skeptic"),
    SP("sceptical", 0, "skeptical"),
    SP("sen", SP_ABBR, NULL),
    SP("sep", SP_ABBR, NULL),
    SP("sept", SP_ABBR, NULL),
    SP("seven", SP_NUM, "7"),
    SP("sgt", SP_ABBR, NULL),
    SP("six", SP_NUM, "6"),
    SP("smoulder", 0, "smolder"),
    SP("spelt", 0, "spelled"),
    SP("sr", SP_ABBR, NULL),
    SP("st", SP_ABBR, NULL),
    SP("storey", 0, "story"),
    SP("storeys", 0, "stories"),
    SP("ten", SP_NUM, "10"),
    SP("thirty", SP_NUM, "30"),
    SP("thousand", SP_NUM, NULL),
    SP("three", SP_NUM, "3"),
    SP("towards", 0, "toward"),
    SP("trillion", SP_NUM, NULL),
    SP("twelve", SP_NUM, "12"),
    SP("twenty", SP_NUM, "20"),
    SP("twice", SP_NUM, NULL),
    SP("two", SP_NUM, "2"),
    SP("tyre", 0, "tire"),
    SP("tyres", 0, "tires"),
    SP("vs", SP_ABBR, NULL),
    SP("whilst", 0, "while"),
};

/*
 * The special words by a 12-bit hash of their first two bytes, last byte and
 * length (special_hash()): special_filter[] has bit h set for each, so most
 * words are turned away by one bit; special_slot[] is an open-addressing
 * table (slot h >> 3, collisions to the next slot) of 1 + each entry's index.
 * Both are specials[] inserted in order; near_words_check() rebuilds them and
 * a unit test compares (and prints them when the list changes).
 */
static const uint64_t special_filter[NEAR_SPECIAL_SLOTS / 8] = {
    0x0000000000100000ULL, 0x0000800000000000ULL, 0x0000000000040000ULL, 0x0000000000000800ULL,
    0x0000000021000000ULL, 0x0000040000000400ULL, 0x0000000000000000ULL, 0x0000000000001000ULL,
    0x0c00000000000000ULL, 0x0000000008200000ULL, 0x0000000000000010ULL, 0x0020000000008000ULL,
    0x0000000000000000ULL, 0x0044000001000008ULL, 0x0000144000004000ULL, 0x0200040000000000ULL,
    0x0010000000000040ULL, 0x0010002000200000ULL, 0x0800000000000000ULL, 0x0000000000000000ULL,
    0x0040800000800000ULL, 0x0000200010000000ULL, 0x0000000040000000ULL, 0x0040000080000000ULL,
    0x0800800000080000ULL, 0x0000000000000000ULL, 0x0000010001080800ULL, 0x0000000000400000ULL,
    0x0008000000000000ULL, 0x0010000000000000ULL, 0x0000000000000000ULL, 0x0000040000020003ULL,
    0x0200000000008000ULL, 0x0000000440000000ULL, 0x0000000000000000ULL, 0x0000000000010004ULL,
    0x0000000020000000ULL, 0x0000000020000000ULL, 0x0200008000000000ULL, 0x0000000020000002ULL,
    0x0100000000000000ULL, 0x0008410000040400ULL, 0x0000000000000004ULL, 0x0000020000000000ULL,
    0x0080004000800080ULL, 0x0200000000008000ULL, 0x0000000000000000ULL, 0x0000000000000010ULL,
    0x0000000000000000ULL, 0x0000000100000400ULL, 0x0000000080000000ULL, 0x0020000000000000ULL,
    0x0004000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000400800000ULL,
    0x0000000008000c00ULL, 0x00000000080c0000ULL, 0x0000001000000040ULL, 0x0000000000000200ULL,
    0x0000011010280000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000000ULL,
};

static const uint8_t special_slot[NEAR_SPECIAL_SLOTS] = {
    0,   0,  39, 0,  0,  0,  0,   0,   0,  0,  0,  0,  0,  59, 0,  0,  0,  0, 101, 0,  0,  0,  0,
    0,   0,  32, 0,  0,  0,  0,   0,   0,  0,  0,  0,  2,  31, 0,  0,  0,  0, 21,  0,  0,  0,  77,
    0,   0,  0,  0,  0,  0,  0,   0,   0,  0,  0,  12, 0,  0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  42, 48, 0,  97, 25,  0,   0,  0,  0,  71, 0,  0,  0,  0,  0,  0, 0,   0,  70, 0,  0,
    0,   0,  62, 0,  0,  0,  0,   0,   0,  0,  0,  0,  63, 0,  0,  67, 0,  0, 65,  95, 0,  74, 0,
    0,   14, 44, 46, 0,  0,  0,   0,   0,  0,  17, 0,  53, 94, 0,  0,  0,  0, 0,   24, 0,  0,  0,
    64,  0,  79, 0,  45, 0,  0,   0,   0,  0,  0,  0,  0,  92, 0,  0,  0,  0, 0,   0,  0,  0,  0,
    0,   99, 0,  0,  78, 9,  0,   0,   0,  0,  58, 0,  10, 0,  0,  0,  0,  0, 86,  0,  0,  0,  0,
    0,   0,  0,  47, 0,  0,  103, 0,   0,  0,  4,  0,  0,  15, 0,  5,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  50, 7,  54, 0,  3,   84,  0,  0,  0,  76, 0,  0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    11,  0,  0,  0,  0,  0,  0,   0,   68, 0,  0,  0,  0,  0,  0,  0,  0,  0, 8,   37, 22, 0,  0,
    51,  0,  0,  0,  72, 0,  0,   0,   0,  0,  61, 0,  0,  0,  18, 66, 0,  0, 0,   0,  0,  0,  0,
    0,   0,  0,  0,  38, 0,  6,   0,   0,  0,  0,  0,  0,  0,  0,  30, 0,  0, 0,   0,  0,  0,  0,
    28,  0,  0,  0,  0,  0,  0,   0,   0,  20, 0,  0,  60, 82, 0,  0,  26, 0, 0,   0,  0,  0,  0,
    0,   0,  0,  0,  0,  96, 0,   56,  36, 0,  0,  16, 52, 55, 75, 0,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  0,  0,  69, 0,  0,   100, 0,  27, 0,  93, 0,  33, 0,  0,  81, 0, 0,   0,  0,  0,  89,
    0,   0,  0,  0,  0,  0,  0,   0,   87, 0,  0,  0,  0,  0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  29, 0,  0,  23, 0,   0,   0,  0,  0,  0,  43, 0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    57,  0,  0,  0,  0,  0,  0,   0,   19, 0,  0,  0,  0,  0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  0,  0,  0,  40, 0,   80,  0,  0,  0,  0,  35, 88, 13, 0,  0,  0, 0,   0,  0,  41, 91,
    102, 0,  0,  0,  34, 0,  0,   0,   1,  0,  0,  0,  0,  49, 0,  0,  0,  0, 0,   0,  0,  0,  85,
    83,  73, 90, 98, 0,  0,  0,   0,   0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 0,   0,  0,  0,  0,
    0,   0,  0,  0,  0,  0,
};

/* w[0..len), len >= 2. */
static unsigned special_hash(const char *w, size_t len)
{
    uint32_t x = (uint32_t)(unsigned char)w[0] | (uint32_t)(unsigned char)w[1] << 8 |
                 (uint32_t)(unsigned char)w[len - 1] << 16 | (uint32_t)(len & 0xFF) << 24;

    return (x * 0x9E3779B1u) >> 20;
}

static inline const struct special *special_find(const char *w, size_t len)
{
    unsigned h;

    if (len < 2)
        return NULL; /* no special word is shorter; w[1] may not be set */
    h = special_hash(w, len);
    if (!((special_filter[h >> 6] >> (h & 63)) & 1))
        return NULL;
    for (h >>= 3;; h = (h + 1) & (NEAR_SPECIAL_SLOTS - 1)) {
        const struct special *s;
        if (special_slot[h] == 0)
            return NULL;
        s = &specials[special_slot[h] - 1];
        if (s->len == len && memcmp(s->w, w, len) == 0)
            return s;
    }
}

int near_words_check(uint8_t *slots, uint64_t *filter)
{
    size_t n = sizeof(specials) / sizeof(specials[0]);
    char w[32];

    memset(slots, 0, NEAR_SPECIAL_SLOTS);
    memset(filter, 0, NEAR_SPECIAL_SLOTS / 8 * sizeof(*filter));
    if (n >= 255 || 2 * n >= NEAR_SPECIAL_SLOTS)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct special *s = &specials[i];
        unsigned h;
        if (s->len != strlen(s->w) || s->len < 2 || s->len >= sizeof(w))
            return -1;
        h = special_hash(s->w, s->len);
        filter[h >> 6] |= (uint64_t)1 << (h & 63);
        for (h >>= 3; slots[h]; h = (h + 1) & (NEAR_SPECIAL_SLOTS - 1))
            ;
        slots[h] = (uint8_t)(i + 1);
    }
    if (memcmp(slots, special_slot, NEAR_SPECIAL_SLOTS) != 0 ||
        memcmp(filter, special_filter, sizeof(special_filter)) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) { /* found, also in a buffer with a byte after the word */
        memcpy(w, specials[i].w, specials[i].len);
        w[specials[i].len] = ' ';
        if (special_find(w, specials[i].len) != &specials[i])
            return -1;
    }
    return 0;
}

static int is_abbrev(const char *w, size_t len)
{
    const struct special *s;

    if (len == 1)
        return 1; /* an initial, or a.m. */
    s = special_find(w, len);
    return s && (s->flags & SP_ABBR);
}

/*
 * Has w[0..len) (len >= 1) one of the pairs of letters the inner rules of
 * spell_one() start from ("ou", "ll", "ae", "oe", "ph"), or a "z"?  When not,
 * those rules leave it alone.  w has room for 8 bytes past len.
 */
static inline int inner_pairs(const char *w, size_t len)
{
#if NEAR_SWAR
    uint64_t hit = 0;
    size_t i = 0;

    do { /* eight bytes (lower-case ASCII), seven further each time: every pair is in one */
        size_t rest = len - i < 8 ? len - i : 8;
        uint64_t x, o, l, e, p;
        memcpy(&x, w + i, 8);
        x &= ~(uint64_t)0 >> (8 * (8 - rest));
        o = swar_eq7(x, 'o');
        l = swar_eq7(x, 'l');
        e = swar_eq7(x, 'e');
        p = swar_eq7(x, 'p');
        hit |= swar_eq7(x, 'z') | ((o << 8) & (swar_eq7(x, 'u') | e)) | ((l << 8) & l) |
               ((swar_eq7(x, 'a') << 8) & e) | ((p << 8) & swar_eq7(x, 'h'));
        i += 7;
    } while (i + 1 < len);
    return hit != 0;
#else
    /* bit k of pair_first[a] & pair_second[b]: "ab" is pair k; PAIR_Z: "z" */
    enum { PAIR_Z = 16 };
    static const uint8_t pair_first[128] = {['o'] = 1 | 4, ['l'] = 2, ['a'] = 4, ['p'] = 8};
    static const uint8_t pair_second[128] = {
        ['u'] = 1, ['l'] = 2, ['e'] = 4, ['h'] = 8, ['z'] = PAIR_Z};
    unsigned pairs = 0, last = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)w[i] & 0x7F;
        pairs |= (pair_first[last] | PAIR_Z) & pair_second[c];
        last = c;
    }
    return pairs != 0;
#endif
}

/* The inner rules of spell_one() over w[0..len), for a word with one of their pairs. */
static size_t spell_inner(char *w, size_t len)
{
    char tmp[MAX_WORD + 8];
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = w[i];
        if (c == 'o' && i > 0 && i + 2 < len && w[i + 1] == 'u' && w[i + 2] == 'r') {
            tmp[n++] = 'o'; /* "our" -> "or" (not at the start: "our", "ours") */
            i++;
            continue;
        }
        if (c == 'z') {
            tmp[n++] = 's';
            continue;
        }
        if (c == 'l' && n > 0 && tmp[n - 1] == 'l')
            continue;
        if (c == 'e' && n > 0 && (tmp[n - 1] == 'a' || tmp[n - 1] == 'o') && i + 1 < len && n > 1) {
            tmp[n - 1] = 'e'; /* "ae", "oe" inside a word -> "e" */
            continue;
        }
        if (c == 'p' && i + 1 < len && w[i + 1] == 'h') {
            tmp[n++] = 'f';
            i++;
            continue;
        }
        tmp[n++] = c;
    }
    memcpy(w, tmp, n);
    return n;
}

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Does w[0..len) end with the string literal suf? */
#define ENDS(w, len, suf)                                                                          \
    ((len) >= sizeof(suf) - 1 && memcmp((w) + (len) - (sizeof(suf) - 1), suf, sizeof(suf) - 1) == 0)

/*
 * The last two letters of the words an ending rule may change ("ed", "re",
 * "er", "es", "rs", "ue", "ce"): bit ((a - 'a') & 31) << 5 | ((b - 'a') & 31)
 * of end2[] for the ending "ab".  Other bytes (digits) may share a bit: the
 * rules themselves decide.
 */
#define END2(a, b)        (((unsigned)((a) - 'a') & 31) << 5 | ((unsigned)((b) - 'a') & 31))
#define END2_BIT(w, a, b) ((END2(a, b) >> 6) == (w) ? (uint64_t)1 << (END2(a, b) & 63) : 0)
#define END2_WORD(w)                                                                               \
    (END2_BIT(w, 'e', 'd') | END2_BIT(w, 'r', 'e') | END2_BIT(w, 'e', 'r') |                       \
     END2_BIT(w, 'e', 's') | END2_BIT(w, 'r', 's') | END2_BIT(w, 'u', 'e') |                       \
     END2_BIT(w, 'c', 'e'))
static const uint64_t end2[16] = {
    END2_WORD(0),  END2_WORD(1),  END2_WORD(2),  END2_WORD(3),  END2_WORD(4),  END2_WORD(5),
    END2_WORD(6),  END2_WORD(7),  END2_WORD(8),  END2_WORD(9),  END2_WORD(10), END2_WORD(11),
    END2_WORD(12), END2_WORD(13), END2_WORD(14), END2_WORD(15),
};

/*
 * The endings of t[0..n): consonant + "ered" -> "red" (centered -> centred);
 * consonant + "re"/"er" loses the "e" (centre, center -> centr); consonant +
 * "res"/"ers" likewise (metres, meters -> metrs); "ogue(s)" -> "og(s)";
 * "ence(s)" -> "ense(s)".  At most one applies (their endings differ); most
 * words are turned away by their last two letters (end2[]).
 */
static inline size_t spell_ending(char *t, size_t n)
{
    unsigned e = END2(t[n > 1 ? n - 2 : 0], t[n - 1]);

    if (__builtin_expect(((n >= 4) & (unsigned)(end2[e >> 6] >> (e & 63))) == 0, 1))
        return n;
    switch (t[n - 1]) {
    case 'd':
        if (n >= 5 && !is_vowel(t[n - 5]) && ENDS(t, n, "ered")) {
            t[n - 4] = 'r';
            t[n - 3] = 'e';
            t[n - 2] = 'd';
            n--;
        }
        break;
    case 'r':
        if (t[n - 2] == 'e' && !is_vowel(t[n - 3])) {
            t[n - 2] = 'r';
            n--;
        }
        break;
    case 'e':
        if (t[n - 2] == 'r' && !is_vowel(t[n - 3])) {
            t[n - 2] = 'r';
            n--;
        } else if (ENDS(t, n, "ogue")) {
            n -= 2;
        } else if (ENDS(t, n, "ence")) {
            t[n - 2] = 's';
        }
        break;
    case 's':
        if (n >= 5 && !is_vowel(t[n - 4]) && (ENDS(t, n, "res") || ENDS(t, n, "ers"))) {
            t[n - 3] = 'r';
            t[n - 2] = 's';
            n--;
        } else if (ENDS(t, n, "ogues")) {
            n -= 3;
            t[n++] = 's';
        } else if (ENDS(t, n, "ences")) {
            t[n - 3] = 's';
        }
        break;
    default:
        break;
    }
    return n;
}

/*
 * One spelling for w[0..len) (lower-case ASCII letters, len >= 1), written
 * over w; returns the new length (never more than len).  Rules: "our" -> "or"
 * (colour, favourite); "z" -> "s" (organize, analyze); "ll" -> "l"
 * (travelled, enrol/enroll); "ae"/"oe" -> "e" (paediatric, manoeuvre); then
 * the endings (spell_ending); "ph" -> "f".  Each maps words of both
 * spellings alike; words no rule covers are in specials[] (grey, tyre,
 * programme...).
 */
static inline size_t spell_one(char *w, size_t len)
{
    if (inner_pairs(w, len))
        len = spell_inner(w, len);
    return spell_ending(w, len);
}

/* --- the word list ----------------------------------------------------------------------- */

/*
 * The helpers of near_words_split() are inlined into it: its state (struct
 * split, a local) then lives in registers, which matters at a few hundred
 * words a text.
 */
#define SPLIT_INLINE static inline __attribute__((always_inline))

/* The state of a split: the words so far, and the word being read (its bytes at buf + blen). */
struct split {
    struct near_word *w;
    size_t n, wcap;
    char *buf;
    size_t blen, bcap;
    size_t len; /* bytes of the word being read */
    int cap, digit, ascii;
    uint32_t line;
    int pend_stop, pend_line; /* a stop, a line break, since the last word */
};

/* Room for a few more words and `bytes` more bytes of canonical forms. */
SPLIT_INLINE void room(struct split *sp, size_t bytes)
{
    if (__builtin_expect(sp->n + 4 > sp->wcap, 0)) {
        sp->wcap = sp->wcap * 2 + 16;
        sp->w = xrealloc(sp->w, sp->wcap * sizeof(*sp->w));
    }
    if (__builtin_expect(sp->blen + bytes > sp->bcap, 0)) {
        sp->bcap = (sp->blen + bytes) * 2;
        sp->buf = xrealloc(sp->buf, sp->bcap);
    }
}

/* Record the len bytes at buf + blen as a word (room() was called). */
SPLIT_INLINE void emit(struct split *sp, size_t len, int cap, int num, uint32_t line)
{
    const char *p = sp->buf + sp->blen;
    struct near_word *w;
    uint32_t four;

    /* "per cent" is one word */
    memcpy(&four, p, 4); /* room: a word has WORD_ROOM bytes */
    if (__builtin_expect((len == 4) & (memcmp(&four, "cent", 4) == 0), 0) && sp->n > 0) {
        w = &sp->w[sp->n - 1];
        if (w->len == 3 && memcmp(sp->buf + w->off, "per", 3) == 0 && !w->sent_end) {
            memcpy(sp->buf + w->off, "percent ", 8);
            sp->blen = w->off + 8;
            w->len = 7;
            w->line = line;
            return;
        }
    }
    w = &sp->w[sp->n++];
    w->off = (uint32_t)sp->blen;
    w->len = (uint16_t)len;
    w->cap = (uint8_t)(cap != 0);
    w->num = (uint8_t)(num != 0);
    w->sent_end = w->line_end = 0;
    w->line = line;
    sp->blen += len;
    sp->buf[sp->blen++] = ' ';
}

/* Emit the constant word s (a scale, "percent"). */
SPLIT_INLINE void emit_str(struct split *sp, const char *s, size_t len, int num, uint32_t line)
{
    room(sp, len + 1);
    memcpy(sp->buf + sp->blen, s, len);
    emit(sp, len, 0, num, line);
}

/* "3.2b", "640m", "20k": the number, then its scale as a word (1), or 0 for another word. */
static int scale_of(const char *p, size_t len, size_t *digits, const char **word)
{
    static const char *const scale[][2] = {
        {"b", "billion"}, {"bn", "billion"}, {"m", "million"}, {"mn", "million"}, {"k", "thousand"},
    };
    size_t d = 0;

    while (d < len && ((p[d] >= '0' && p[d] <= '9') || p[d] == '.' || p[d] == ','))
        d++;
    if (d == len || len - d > 2)
        return 0;
    for (size_t k = 0; k < sizeof(scale) / sizeof(scale[0]); k++) {
        if (strlen(scale[k][0]) == len - d && memcmp(p + d, scale[k][0], len - d) == 0) {
            *digits = d;
            *word = scale[k][1];
            return 1;
        }
    }
    return 0;
}

/* The word being read is complete: its canonical form is recorded (nothing when empty). */
SPLIT_INLINE void finish(struct split *sp)
{
    char *p = sp->buf + sp->blen;
    size_t len = sp->len;
    int num = sp->digit;

    if (len == 0)
        return;
    sp->len = 0;
    if (sp->ascii && !sp->digit) {
        const struct special *s = special_find(p, len);
        if (__builtin_expect(s != NULL, 0)) {
            if (s->flags & SP_NUM)
                num = 1;
            if (s->to) {
                len = strlen(s->to);
                memcpy(p, s->to, len);
            } else if (!num) {
                len = spell_one(p, len);
            }
        } else {
            len = spell_one(p, len);
        }
    } else if (sp->digit) {
        size_t d;
        const char *word;
        if (scale_of(p, len, &d, &word)) {
            emit(sp, d, 0, 1, sp->line);
            emit_str(sp, word, strlen(word), 1, sp->line);
            return;
        }
    }
    emit(sp, len, sp->cap, num, sp->line);
}

/* A word begins with a character of category cat: settle the last word's ends. */
SPLIT_INLINE void begin(struct split *sp, int cat, uint32_t line)
{
    if (sp->n > 0 && (sp->pend_line | sp->pend_stop)) {
        struct near_word *pw = &sp->w[sp->n - 1];
        int upper = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
                    cat == UTF8PROC_CATEGORY_ND;
        if (sp->pend_line)
            pw->line_end = pw->sent_end = 1;
        else if (upper && !is_abbrev(sp->buf + pw->off, pw->len))
            pw->sent_end = 1;
    }
    sp->pend_stop = sp->pend_line = 0;
    sp->ascii = 1;
    sp->cap = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
    sp->digit = cat == UTF8PROC_CATEGORY_ND;
    sp->line = line;
    room(sp, WORD_ROOM);
}

/* A letter, mark or digit outside ASCII, case-folded, accents stripped, appended to p[0..len). */
static size_t add_cp(char *p, size_t len, int32_t cp)
{
    utf8proc_int32_t out[8];
    utf8proc_ssize_t n;
    int bc = 0;

    n = utf8proc_decompose_char(cp, out, 8,
                                UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &bc);
    if (n < 0 || n > 8) {
        out[0] = cp;
        n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; k++) {
        if (len + 4 > MAX_WORD)
            break;
        len += (size_t)nd_utf8_encode(out[k], p + len);
    }
    return len;
}

/* The category of an ASCII letter or digit, 0 for any other byte (no branch). */
static int ascii_cat(unsigned char b)
{
    return ((unsigned)(b - 'a') < 26u) * UTF8PROC_CATEGORY_LL +
           ((unsigned)(b - 'A') < 26u) * UTF8PROC_CATEGORY_LU +
           ((unsigned)(b - '0') < 10u) * UTF8PROC_CATEGORY_ND;
}

static int ascii_alnum(unsigned char b)
{
    return (unsigned)((b | 0x20) - 'a') < 26u || (unsigned)(b - '0') < 10u;
}

#if NEAR_SWAR
/* The high bit of each byte of x that is an ASCII letter or digit. */
static uint64_t alnum8(uint64_t x)
{
    uint64_t y = (x | SWAR_EACH(0x20)) & SWAR_LOW7; /* letters lower case; no byte above 0x7F */
    uint64_t d = x & SWAR_LOW7;                     /* sums below stay within their byte */
    uint64_t letter = (y + SWAR_EACH(0x80 - 'a')) & ~(y + SWAR_EACH(0x80 - 'z' - 1));
    uint64_t digit = (d + SWAR_EACH(0x80 - '0')) & ~(d + SWAR_EACH(0x80 - '9' - 1));

    return (letter | digit) & ~x & SWAR_HIGH;
}
#endif

/*
 * The run of ASCII letters and digits at s[i..len) (s[i] is one), lower-cased
 * and appended to the word being read (cut at MAX_WORD).  Returns the index
 * after it.
 */
SPLIT_INLINE size_t ascii_run(struct split *sp, const char *s, size_t i, size_t len)
{
    char *p = sp->buf + sp->blen;
    size_t n = sp->len;
    unsigned char b;

#if NEAR_SWAR
    while (len - i >= 8) { /* eight bytes at a time */
        uint64_t x, stop;
        unsigned k;
        memcpy(&x, s + i, 8);
        stop = ~alnum8(x) & SWAR_HIGH;
        k = (unsigned)__builtin_ctzll(stop | 1ULL << 63) / 8 + (stop == 0);
        x |= 0x2020202020202020ULL; /* lower case; digits have the bit */
        memcpy(p + n, &x, 8);       /* room: WORD_ROOM >= MAX_WORD + 8 */
        n = n + k < MAX_WORD ? n + k : MAX_WORD;
        i += k;
        if (k < 8) {
            sp->len = n;
            return i;
        }
    }
#endif
    while (i < len && ascii_alnum(b = (unsigned char)s[i])) {
        if (n < MAX_WORD)
            p[n++] = (char)(b | 0x20);
        i++;
    }
    sp->len = n;
    return i;
}

void near_words_split(const char *s, size_t len, struct near_words *out)
{
    struct split sp;
    size_t i = 0;
    int prev_digit_sep = 0;
    uint32_t line = 0;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return;
    if (len > ND_TEXT_MAX)
        len = ND_TEXT_MAX;
    memset(&sp, 0, sizeof(sp));
    sp.wcap = len / 4 + 16; /* most texts fit: words of three letters or more */
    sp.w = xmalloc(sp.wcap * sizeof(*sp.w));
    sp.bcap = len + len / 8 + 2 * WORD_ROOM;
    sp.buf = xmalloc(sp.bcap);
    while (i < len) {
        int32_t cp;
        int cat;
        unsigned char b = (unsigned char)s[i];

        if (b < 0x80) {
            cat = ascii_cat(b);
            if (cat) { /* a run of ASCII letters and digits */
                if (sp.len == 0)
                    begin(&sp, cat, line);
                i = ascii_run(&sp, s, i, len);
                prev_digit_sep = 0;
                if (i < len && s[i] == ' ') { /* the commonest separator: it only ends a word */
                    finish(&sp);
                    i++;
                }
                continue;
            }
            if (b == ' ') {
                prev_digit_sep = 0;
                finish(&sp);
                i++;
                continue;
            }
            cp = b;
            i++;
        } else {
            i += (size_t)nd_utf8_decode(s + i, len - i, &cp);
            if (cp < 0) {
                finish(&sp);
                continue;
            }
            cat = utf8proc_get_property(cp)->category;
            if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO) {
                if (sp.len == 0)
                    begin(&sp, cat, line);
                sp.len = add_cp(sp.buf + sp.blen, sp.len, cp);
                sp.ascii = 0;
                prev_digit_sep = 0;
                if (cp >= 0x0E00 && solo_char(cp))
                    finish(&sp);
                continue;
            }
        }
        /* a separator, or a joiner inside a word */
        if (sp.len > 0 && (cp == '\'' || cp == 0x2019) && i < len &&
            ((unsigned char)s[i] >= 0x80 || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
            continue; /* don't -> dont */
        if (sp.len > 0 && sp.digit && (cp == '.' || cp == ',') && i < len && s[i] >= '0' &&
            s[i] <= '9' && !prev_digit_sep) {
            if (sp.len < MAX_WORD)
                sp.buf[sp.blen + sp.len++] = (char)cp;
            prev_digit_sep = 1;
            continue;
        }
        prev_digit_sep = 0;
        if (sp.len > 0) {
            int was_digit = sp.digit;
            finish(&sp);
            if (cp == '%' && was_digit)
                emit_str(&sp, "percent", 7, 0, line);
        }
        if (cp == '.' || cp == '!' || cp == '?')
            sp.pend_stop = 1;
        else if (cp == '\n') {
            sp.pend_line = 1;
            line++;
        } else if (cp == 0x2029)
            sp.pend_line = 1;
    }
    finish(&sp);
    if (sp.n > 0)
        sp.w[sp.n - 1].line_end = sp.w[sp.n - 1].sent_end = 1;
    out->w = sp.w;
    out->n = sp.n;
    out->cap = sp.wcap;
    out->buf = sp.buf;
    out->blen = sp.blen;
    out->bcap = sp.bcap;
}

void near_words_free(struct near_words *ws)
{
    free(ws->w);
    free(ws->buf);
    memset(ws, 0, sizeof(*ws));
}
