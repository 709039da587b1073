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
 * An open-addressing table of specials[] (slot special_hash(w): 1 + the
 * entry's index, or 0; collisions go to the next slot), so that a word costs
 * one probe or two.  It is specials[] inserted in order; near_words_check()
 * rebuilds it and a unit test compares (and prints the table when the list
 * changes).
 */
static const uint8_t special_slot[NEAR_SPECIAL_SLOTS] = {
    0,  0,   88, 0,  0,  0,  0,  49, 0,   0,  0,  0,  0,  0,  0,  77, 0,  0,  0,  0,  0,  0,   0,
    0,  102, 0,  0,  0,  0,  0,  0,  0,   0,  0,  30, 0,  0,  94, 0,  74, 0,  0,  0,  0,  0,   27,
    0,  0,   0,  0,  0,  81, 0,  0,  0,   0,  0,  0,  0,  0,  0,  0,  0,  0,  33, 0,  0,  40,  0,
    0,  93,  0,  0,  0,  0,  52, 0,  0,   0,  0,  0,  0,  0,  73, 97, 0,  0,  0,  0,  0,  0,   89,
    0,  0,   0,  0,  84, 0,  44, 0,  47,  0,  0,  0,  0,  0,  0,  0,  0,  26, 0,  22, 0,  0,   0,
    0,  0,   0,  0,  0,  17, 4,  69, 0,   0,  0,  0,  0,  71, 5,  0,  0,  0,  99, 0,  0,  0,   0,
    0,  0,   43, 0,  0,  0,  0,  0,  0,   0,  0,  9,  0,  0,  0,  0,  0,  35, 0,  0,  0,  0,   0,
    0,  0,   0,  0,  0,  67, 0,  0,  0,   0,  0,  0,  0,  39, 0,  0,  0,  0,  0,  0,  0,  0,   3,
    18, 64,  13, 95, 0,  0,  0,  0,  62,  0,  0,  53, 0,  0,  0,  0,  0,  0,  76, 0,  0,  0,   0,
    0,  0,   0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  32, 100, 0,
    0,  0,   0,  56, 0,  0,  0,  0,  0,   23, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  50, 0,   0,
    0,  0,   0,  0,  58, 0,  0,  0,  0,   0,  0,  0,  0,  0,  66, 20, 51, 0,  19, 0,  0,  0,   0,
    0,  0,   0,  0,  45, 59, 61, 85, 75,  0,  0,  0,  0,  0,  0,  0,  0,  0,  46, 0,  0,  0,   0,
    1,  0,   78, 0,  0,  0,  29, 0,  0,   0,  0,  0,  0,  0,  0,  0,  79, 0,  0,  0,  0,  0,   0,
    0,  0,   0,  98, 28, 0,  0,  25, 0,   0,  90, 0,  0,  0,  0,  0,  0,  0,  0,  91, 0,  0,   0,
    0,  0,   0,  0,  0,  48, 0,  0,  0,   0,  0,  0,  72, 36, 0,  0,  0,  0,  15, 0,  0,  11,  0,
    0,  0,   0,  57, 63, 42, 0,  0,  0,   82, 0,  24, 60, 0,  0,  0,  0,  0,  0,  0,  0,  0,   0,
    0,  0,   7,  0,  0,  0,  0,  65, 103, 0,  0,  0,  0,  0,  0,  0,  31, 0,  0,  0,  0,  0,   0,
    0,  14,  0,  0,  0,  86, 0,  0,  12,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,   0,
    0,  0,   83, 0,  34, 0,  0,  0,  6,   0,  37, 0,  0,  0,  0,  0,  0,  0,  0,  92, 96, 101, 0,
    0,  0,   0,  0,  0,  0,  2,  21, 41,  87, 8,  0,  0,  16, 80, 0,  0,  54, 10, 38, 0,  0,   0,
    0,  0,   0,  0,  0,  0,  0,  0,  0,   0,  0,  0,  0,  55, 0,  0,  0,  0,  0,  0,  0,  70,  0,
    0,  0,   0,  68, 0,  0,
};

static unsigned special_hash(const char *w, size_t len)
{
    return ((unsigned char)w[0] * 31u + (unsigned char)w[1] * 17u + (unsigned char)w[len - 1] * 7u +
            (unsigned)len * 131u) &
           (NEAR_SPECIAL_SLOTS - 1);
}

static inline const struct special *special_find(const char *w, size_t len)
{
    if (len < 2)
        return NULL;
    for (unsigned h = special_hash(w, len);; h = (h + 1) & (NEAR_SPECIAL_SLOTS - 1)) {
        const struct special *s;
        if (special_slot[h] == 0)
            return NULL;
        s = &specials[special_slot[h] - 1];
        if (s->len == len && memcmp(s->w, w, len) == 0)
            return s;
    }
}

int near_words_check(uint8_t *want)
{
    size_t n = sizeof(specials) / sizeof(specials[0]);
    int ok = n < 255 && 2 * n < NEAR_SPECIAL_SLOTS;

    memset(want, 0, NEAR_SPECIAL_SLOTS);
    for (size_t i = 0; ok && i < n; i++) {
        const struct special *s = &specials[i];
        unsigned h;
        if (s->len != strlen(s->w) || s->len < 2)
            return -1;
        for (h = special_hash(s->w, s->len); want[h]; h = (h + 1) & (NEAR_SPECIAL_SLOTS - 1))
            ;
        want[h] = (uint8_t)(i + 1);
    }
    if (!ok || memcmp(want, special_slot, NEAR_SPECIAL_SLOTS) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (special_find(specials[i].w, specials[i].len) != &specials[i])
            return -1;
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

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Does w[0..len) end with the string literal suf? */
#define ENDS(w, len, suf)                                                                          \
    ((len) >= sizeof(suf) - 1 && memcmp((w) + (len) - (sizeof(suf) - 1), suf, sizeof(suf) - 1) == 0)

/*
 * The pairs of letters the inner rules of spell_one() start from ("ou",
 * "ll", "ae", "oe", "ph"), and "z": bit k of pair_first[a] & pair_second[b]
 * is set when "ab" is pair k; PAIR_Z in pair_second marks "z".  The tokenizer
 * ORs (pair_first[previous] | PAIR_Z) & pair_second[letter] over a word:
 * when that is 0, no inner rule applies to it.
 */
#define PAIR_Z 16
static const uint8_t pair_first[128] = {['o'] = 1 | 4, ['l'] = 2, ['a'] = 4, ['p'] = 8};
static const uint8_t pair_second[128] = {
    ['u'] = 1, ['l'] = 2, ['e'] = 4, ['h'] = 8, ['z'] = PAIR_Z};

/*
 * One spelling for w[0..len) (lower-case ASCII letters), written over w;
 * returns the new length (never more than len).  Rules: "our" -> "or"
 * (colour, favourite); "z" -> "s" (organize, analyze); "ll" -> "l"
 * (travelled, enrol/enroll); "ae"/"oe" -> "e" (paediatric, manoeuvre); a
 * final consonant + "re" or "er" loses its "e" (centre/center,
 * metres/meters, centred/centered); "ogue" -> "og" (catalogue); "ence" ->
 * "ense" (defence, licence); "ph" -> "f".  Each maps words of both spellings
 * alike; words no rule covers are in specials[] (grey, tyre, programme...).
 * The inner rules (all but the endings) run only when `inner` is set: when
 * the word has one of the pairs above (see pair_first).
 */
static size_t spell_one(char *w, size_t len, int inner)
{
    char *t = w;
    size_t n = len;

    if (inner) {
        char tmp[MAX_WORD + 8];
        n = 0;
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
            if (c == 'e' && n > 0 && (tmp[n - 1] == 'a' || tmp[n - 1] == 'o') && i + 1 < len &&
                n > 1) {
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
        memcpy(t, tmp, n);
    }
    if (n < 4)
        return n; /* no ending rule applies to a word this short */
    /* endings, by the last letter (at most one of them applies):
     * consonant + "ered" -> "red" (centered -> centred); consonant + "re"/"er" (+ "s") lose
     * the "e" (centre, center -> centr; metres, meters -> metrs); "ogue(s)" -> "og(s)";
     * "ence(s)" -> "ense(s)" */
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

/* --- the word list ----------------------------------------------------------------------- */

static void words_grow(struct near_words *ws, size_t bytes)
{
    if (ws->n + 4 > ws->cap) {
        ws->cap = ws->cap * 2 + 16;
        ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
    }
    if (ws->blen + bytes > ws->bcap) {
        ws->bcap = (ws->blen + bytes) * 2;
        ws->buf = xrealloc(ws->buf, ws->bcap);
    }
}

/* Room for a few more words and `bytes` more bytes of canonical forms. */
static inline void room(struct near_words *ws, size_t bytes)
{
    if (ws->n + 4 > ws->cap || ws->blen + bytes > ws->bcap)
        words_grow(ws, bytes);
}

/* The state of the split: the word being read, its bytes at out->buf + out->blen. */
struct split {
    struct near_words *out;
    size_t len;
    int cap, digit, ascii;
    unsigned pairs, last; /* pair_first[]/pair_second[] over the word, its last ASCII letter */
    uint32_t line;
    int pend_stop, pend_line; /* a stop, a line break, since the last word */
};

/* Record the len bytes at buf + blen as a word (room() was called). */
static inline void emit(struct near_words *ws, size_t len, int cap, int num, uint32_t line)
{
    const char *p = ws->buf + ws->blen;
    struct near_word *w;

    /* "per cent" is one word */
    if (len == 4 && memcmp(p, "cent", 4) == 0 && ws->n > 0) {
        w = &ws->w[ws->n - 1];
        if (w->len == 3 && memcmp(ws->buf + w->off, "per", 3) == 0 && !w->sent_end) {
            memcpy(ws->buf + w->off, "percent ", 8);
            ws->blen = w->off + 8;
            w->len = 7;
            w->line = line;
            return;
        }
    }
    w = &ws->w[ws->n++];
    w->off = (uint32_t)ws->blen;
    w->len = (uint16_t)len;
    w->cap = cap != 0;
    w->num = num != 0;
    w->sent_end = w->line_end = 0;
    w->line = line;
    ws->blen += len;
    ws->buf[ws->blen++] = ' ';
}

/* Emit the constant word s (a scale, "percent"). */
static void emit_str(struct near_words *ws, const char *s, size_t len, int num, uint32_t line)
{
    room(ws, len + 1);
    memcpy(ws->buf + ws->blen, s, len);
    emit(ws, len, 0, num, line);
}

static void finish(struct split *sp)
{
    struct near_words *ws = sp->out;
    char *p = ws->buf + ws->blen;
    size_t len = sp->len;
    int num = sp->digit;

    if (len == 0)
        return;
    sp->len = 0;
    if (sp->ascii && !sp->digit) {
        const struct special *s = special_find(p, len);
        if (s && (s->flags & SP_NUM))
            num = 1;
        if (s && s->to) {
            len = strlen(s->to);
            memcpy(p, s->to, len);
        } else if (!num) {
            len = spell_one(p, len, sp->pairs != 0);
        }
    } else if (sp->digit) {
        /* "3.2b", "640m", "20k": the number, then its scale as a word */
        size_t d = 0;
        while (d < len && ((p[d] >= '0' && p[d] <= '9') || p[d] == '.' || p[d] == ','))
            d++;
        if (d < len && len - d <= 2) {
            static const char *const scale[][2] = {{"b", "billion"},
                                                   {"bn", "billion"},
                                                   {"m", "million"},
                                                   {"mn", "million"},
                                                   {"k", "thousand"}};
            for (size_t k = 0; k < sizeof(scale) / sizeof(scale[0]); k++) {
                if (strlen(scale[k][0]) == len - d && memcmp(p + d, scale[k][0], len - d) == 0) {
                    emit(ws, d, 0, 1, sp->line);
                    emit_str(ws, scale[k][1], strlen(scale[k][1]), 1, sp->line);
                    return;
                }
            }
        }
    }
    emit(ws, len, sp->cap, num, sp->line);
}

/* A word begins with a character of category cat: settle the last word's ends. */
static inline void begin(struct split *sp, int cat, uint32_t line)
{
    struct near_words *ws = sp->out;

    if (ws->n > 0) {
        struct near_word *pw = &ws->w[ws->n - 1];
        int upper = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
                    cat == UTF8PROC_CATEGORY_ND;
        if (sp->pend_line)
            pw->line_end = pw->sent_end = 1;
        else if (sp->pend_stop && upper && !is_abbrev(ws->buf + pw->off, pw->len))
            pw->sent_end = 1;
    }
    sp->pend_stop = sp->pend_line = 0;
    sp->ascii = 1;
    sp->cap = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
    sp->digit = cat == UTF8PROC_CATEGORY_ND;
    sp->line = line;
    sp->pairs = sp->last = 0;
    room(ws, WORD_ROOM);
}

/* A letter, mark or digit outside ASCII: case-folded, accents stripped. */
static void add_cp(struct split *sp, int32_t cp)
{
    char *p = sp->out->buf + sp->out->blen;
    utf8proc_int32_t out[8];
    utf8proc_ssize_t n;
    int bc = 0;

    sp->ascii = 0;
    n = utf8proc_decompose_char(cp, out, 8,
                                UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &bc);
    if (n < 0 || n > 8) {
        out[0] = cp;
        n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; k++) {
        if (sp->len + 4 > MAX_WORD)
            break;
        sp->len += (size_t)nd_utf8_encode(out[k], p + sp->len);
    }
}

/* The category of an ASCII letter or digit, 0 for any other byte. */
static int ascii_cat(unsigned char b)
{
    if ((unsigned)(b - 'a') < 26u)
        return UTF8PROC_CATEGORY_LL;
    if ((unsigned)(b - 'A') < 26u)
        return UTF8PROC_CATEGORY_LU;
    if ((unsigned)(b - '0') < 10u)
        return UTF8PROC_CATEGORY_ND;
    return 0;
}

static int ascii_alnum(unsigned char b)
{
    return (unsigned)((b | 0x20) - 'a') < 26u || (unsigned)(b - '0') < 10u;
}

void near_words_split(const char *s, size_t len, struct near_words *out)
{
    struct split sp = {.out = out};
    size_t i = 0;
    int prev_digit_sep = 0;
    uint32_t line = 0;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return;
    if (len > ND_TEXT_MAX)
        len = ND_TEXT_MAX;
    out->cap = len / 4 + 16; /* most texts fit: words of three letters or more */
    out->w = xmalloc(out->cap * sizeof(*out->w));
    out->bcap = len + len / 8 + 2 * WORD_ROOM;
    out->buf = xmalloc(out->bcap);
    while (i < len) {
        int32_t cp;
        int cat;
        unsigned char b = (unsigned char)s[i];

        if (b < 0x80) {
            cat = ascii_cat(b);
            if (cat) { /* a run of ASCII letters and digits: lower-cased, cut at MAX_WORD */
                char *p;
                size_t n;
                unsigned pairs, last;
                if (sp.len == 0)
                    begin(&sp, cat, line);
                p = out->buf + out->blen;
                n = sp.len;
                pairs = sp.pairs;
                last = sp.last;
                do {
                    unsigned c = b | 0x20;
                    if (n < MAX_WORD)
                        p[n++] = (char)c;
                    pairs |= (pair_first[last] | PAIR_Z) & pair_second[c];
                    last = c;
                    if (++i == len)
                        break;
                    b = (unsigned char)s[i];
                } while (ascii_alnum(b));
                sp.len = n;
                sp.pairs = pairs;
                sp.last = last;
                prev_digit_sep = 0;
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
                add_cp(&sp, cp);
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
                out->buf[out->blen + sp.len++] = (char)cp;
            prev_digit_sep = 1;
            continue;
        }
        prev_digit_sep = 0;
        if (sp.len > 0) {
            int was_digit = sp.digit;
            finish(&sp);
            if (cp == '%' && was_digit)
                emit_str(out, "percent", 7, 0, line);
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
    if (out->n > 0)
        out->w[out->n - 1].line_end = out->w[out->n - 1].sent_end = 1;
}

void near_words_free(struct near_words *ws)
{
    free(ws->w);
    free(ws->buf);
    memset(ws, 0, sizeof(*ws));
}

/* --- title words --------------------------------------------------------------------------- */

struct word_lit {
    const char *w;
    size_t len;
};
#define LIT(w)                                                                                     \
    {                                                                                              \
        w, sizeof(w) - 1                                                                           \
    }

/* Words a title comparison ignores: tags of wire flashes, and the commonest words. */
static const struct word_lit title_skip[] = {
    LIT("breaking"),  LIT("flash"), LIT("update"), LIT("updated"), LIT("urgent"),
    LIT("exclusive"), LIT("live"),  LIT("watch"),  LIT("video"),   LIT("developing"),
    LIT("a"),         LIT("an"),    LIT("the"),    LIT("in"),      LIT("on"),
    LIT("at"),        LIT("of"),    LIT("to"),     LIT("for"),     LIT("as"),
    LIT("and"),       LIT("with"),  LIT("by"),     LIT("from"),    LIT("is"),
    LIT("are"),       LIT("its"),   LIT("it"),     LIT("be"),      LIT("after"),
    LIT("over"),      LIT("into"),  LIT("this"),   LIT("that"),
};

size_t near_title_stem(const char *w, size_t len, char *out, size_t cap)
{
    /* after spell_one(), "-er" is "-r" and "-ers" is "-rs" (merger: mergr) */
    static const struct word_lit sufs[] = {
        LIT("ments"), LIT("ment"), LIT("ings"), LIT("ing"), LIT("ers"), LIT("er"),
        LIT("rs"),    LIT("ed"),   LIT("es"),   LIT("r"),   LIT("s"),   LIT("e"),
    };

    for (size_t i = 0; i < sizeof(title_skip) / sizeof(title_skip[0]); i++)
        if (title_skip[i].len == len && title_skip[i].w[0] == w[0] &&
            memcmp(title_skip[i].w, w, len) == 0)
            return 0;
    if (len == 0 || len > cap)
        return 0;
    memcpy(out, w, len);
    if (w[0] >= '0' && w[0] <= '9')
        return len;
    for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
        size_t n = sufs[i].len;
        if (len > n + 2 && memcmp(out + len - n, sufs[i].w, n) == 0) {
            len -= n;
            break;
        }
    }
    return len;
}
