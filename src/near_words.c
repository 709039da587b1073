/*
 * near_words.c: the words of a text for near-duplicate signatures.
 *
 * A word is a run of letters, marks and digits; an apostrophe inside a word
 * is dropped ("don't" is "dont"), a dot or comma between digits stays in the
 * number ("6.4", "3,000"), "%" after a number is the word "percent" and "per
 * cent" is one word.  Words are case-folded with accents removed (utf8proc),
 * and English words are spelled one way: British and American spellings map
 * to one form (the form need not be either; it only has to be the same).
 * A sentence ends at ".", "!" or "?" followed by a capitalized word or a
 * number, unless the word before it is a single letter or a common
 * abbreviation; a line ends at a newline.
 */
#include <string.h>
#include <utf8proc.h>

#include "near_int.h"
#include "newsd/text.h"
#include "newsd/util.h"

#define MAX_WORD 64 /* bytes of one word's canonical form; longer words are cut */

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
 * Words with something special about them, sorted for a binary search:
 * number words (to: their digits, so "two" and "2" meet), abbreviations,
 * and British spellings that no rule of spell_one() maps (to: the American
 * form).
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
 * A 1,024-bit filter of specials[] (bit special_bit(w)): most words need no
 * search.  A unit test checks it against the table (near_words_check).
 */
static const uint32_t special_filter[32] = {
    0x02001004u, 0x00800000u, 0x04004401u, 0x06002844u, 0x20021000u, 0x00000080u, 0x00000041u,
    0x04204081u, 0x02000010u, 0x10200248u, 0x43880040u, 0x10004022u, 0x00000010u, 0x2080a004u,
    0x041c0000u, 0x00400002u, 0x82220000u, 0x01002042u, 0x00008001u, 0x412000c0u, 0x41800041u,
    0x40800204u, 0x28000000u, 0x00000200u, 0xa0000008u, 0x00000020u, 0x40240000u, 0x44000000u,
    0x00000000u, 0x00000100u, 0x00000401u, 0x08000002u,
};

static unsigned special_bit(const char *w, size_t len)
{
    return ((unsigned char)w[0] * 31u + (unsigned char)w[len - 1] * 7u + (unsigned)len * 131u) &
           1023u;
}

static const struct special *special_find(const char *w, size_t len)
{
    unsigned bit = special_bit(w, len);

    if (!(special_filter[bit >> 5] & (1u << (bit & 31))))
        return NULL;
    size_t lo = 0, hi = sizeof(specials) / sizeof(specials[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct special *s = &specials[mid];
        int c = (unsigned char)s->w[0] - (unsigned char)w[0];
        if (c == 0) {
            c = memcmp(s->w, w, s->len < len ? s->len : len);
            if (c == 0)
                c = (int)s->len - (int)len;
        }
        if (c == 0)
            return s;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int near_words_check(void)
{
    for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
        const struct special *s = &specials[i];
        if (s->len != strlen(s->w) || special_find(s->w, s->len) != s)
            return -1;
        if (i > 0 && strcmp(specials[i - 1].w, s->w) >= 0)
            return -1; /* not sorted */
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

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static int ends_with(const char *w, size_t len, const char *suf)
{
    size_t n = strlen(suf);
    return len >= n && memcmp(w + len - n, suf, n) == 0;
}

/*
 * One spelling for w[0..len) (lower-case ASCII letters), written over w
 * (room for len + 2 bytes); returns the new length.  Rules: "our" -> "or"
 * (colour, favourite); "z" -> "s" (organize, analyze); "ll" -> "l"
 * (travelled, enrol/enroll); "ae"/"oe" -> "e" (paediatric, manoeuvre); a
 * final consonant + "re" or "er" loses its "e" (centre/center,
 * metres/meters, centred/centered); "ogue" -> "og" (catalogue); "ence" ->
 * "ense" (defence, licence); "ph" -> "f".  Each maps words of both spellings
 * alike; words no rule covers are in specials[] (grey, tyre, programme...).
 */
static size_t spell_one(char *w, size_t len)
{
    char t[MAX_WORD + 8];
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = w[i];
        if (c == 'o' && i > 0 && i + 2 < len && w[i + 1] == 'u' && w[i + 2] == 'r') {
            t[n++] = 'o'; /* "our" -> "or" (not at the start: "our", "ours") */
            i++;
            continue;
        }
        if (c == 'z') {
            t[n++] = 's';
            continue;
        }
        if (c == 'l' && n > 0 && t[n - 1] == 'l')
            continue;
        if (c == 'e' && n > 0 && (t[n - 1] == 'a' || t[n - 1] == 'o') && i + 1 < len && n > 1) {
            t[n - 1] = 'e'; /* "ae", "oe" inside a word -> "e" */
            continue;
        }
        if (c == 'p' && i + 1 < len && w[i + 1] == 'h') {
            t[n++] = 'f';
            i++;
            continue;
        }
        t[n++] = c;
    }
    /* endings: consonant + "re"/"er" (+ "s") lose the "e"; consonant + "ered" -> "red" */
    if (n >= 5 && !is_vowel(t[n - 5]) && ends_with(t, n, "ered")) {
        t[n - 4] = 'r'; /* centered -> centred */
        t[n - 3] = 'e';
        t[n - 2] = 'd';
        n--;
    } else if (n >= 4 && !is_vowel(t[n - 3]) && (ends_with(t, n, "re") || ends_with(t, n, "er"))) {
        t[n - 2] = 'r'; /* centre, center -> centr */
        n--;
    } else if (n >= 5 && !is_vowel(t[n - 4]) &&
               (ends_with(t, n, "res") || ends_with(t, n, "ers"))) {
        t[n - 3] = 'r'; /* metres, meters -> metrs */
        t[n - 2] = 's';
        n--;
    }
    if (ends_with(t, n, "ogue"))
        n -= 2;
    else if (ends_with(t, n, "ogues")) {
        n -= 3;
        t[n++] = 's';
    }
    if (ends_with(t, n, "ence"))
        t[n - 2] = 's';
    else if (ends_with(t, n, "ences"))
        t[n - 3] = 's';
    memcpy(w, t, n);
    return n;
}

static void words_room(struct near_words *ws, size_t bytes)
{
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? ws->cap * 2 : 256;
        ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
    }
    if (ws->blen + bytes > ws->bcap) {
        ws->bcap = (ws->blen + bytes) * 2;
        ws->buf = xrealloc(ws->buf, ws->bcap);
    }
}

/* The word being read. */
struct cur {
    char b[MAX_WORD + 8];
    size_t len;
    int cap, digit, ascii;
    uint32_t line;
};

static void emit(struct near_words *ws, const char *p, size_t len, int cap, int num)
{
    struct near_word *w;

    /* "per cent" is one word */
    if (len == 4 && memcmp(p, "cent", 4) == 0 && ws->n > 0 && ws->w[ws->n - 1].len == 3 &&
        memcmp(ws->buf + (size_t)ws->w[ws->n - 1].p, "per", 3) == 0 && !ws->w[ws->n - 1].sent_end) {
        w = &ws->w[ws->n - 1];
        words_room(ws, 8);
        w->p = (const char *)(uintptr_t)ws->blen;
        memcpy(ws->buf + ws->blen, "percent", 7);
        ws->blen += 7;
        w->len = 7;
        return;
    }
    words_room(ws, len + 1);
    w = &ws->w[ws->n++];
    memset(w, 0, sizeof(*w));
    w->p = (const char *)(uintptr_t)ws->blen; /* an offset until the buffer stops moving */
    memcpy(ws->buf + ws->blen, p, len);
    ws->blen += len;
    w->len = len;
    w->cap = cap != 0;
    w->num = num != 0;
}

static void finish(struct near_words *ws, struct cur *c)
{
    int num;

    if (c->len == 0)
        return;
    num = c->digit;
    if (c->ascii && !c->digit) {
        const struct special *s = special_find(c->b, c->len);
        if (s && (s->flags & SP_NUM))
            num = 1;
        if (s && s->to) {
            c->len = strlen(s->to);
            memcpy(c->b, s->to, c->len);
        } else if (!num) {
            c->len = spell_one(c->b, c->len);
        }
    } else if (c->digit) {
        /* "3.2b", "640m", "20k": the number, then its scale as a word */
        size_t d = 0;
        while (d < c->len &&
               ((c->b[d] >= '0' && c->b[d] <= '9') || c->b[d] == '.' || c->b[d] == ','))
            d++;
        if (d < c->len) {
            static const char *const scale[][2] = {{"b", "billion"},
                                                   {"bn", "billion"},
                                                   {"m", "million"},
                                                   {"mn", "million"},
                                                   {"k", "thousand"}};
            for (size_t k = 0; k < sizeof(scale) / sizeof(scale[0]); k++) {
                if (strlen(scale[k][0]) == c->len - d &&
                    memcmp(c->b + d, scale[k][0], c->len - d) == 0) {
                    emit(ws, c->b, d, 0, 1);
                    ws->w[ws->n - 1].line = c->line;
                    emit(ws, scale[k][1], strlen(scale[k][1]), 0, 1);
                    ws->w[ws->n - 1].line = c->line;
                    c->len = 0;
                    return;
                }
            }
        }
    }
    emit(ws, c->b, c->len, c->cap, num);
    ws->w[ws->n - 1].line = c->line;
    c->len = 0;
}

static void add_cp(struct cur *c, int32_t cp)
{
    utf8proc_int32_t out[8];
    utf8proc_ssize_t n;
    int bc = 0;

    if (cp < 0x80) {
        if (c->len < MAX_WORD)
            c->b[c->len++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        return;
    }
    c->ascii = 0;
    n = utf8proc_decompose_char(cp, out, 8,
                                UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK, &bc);
    if (n < 0 || n > 8) {
        out[0] = cp;
        n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; k++) {
        if (c->len + 4 > MAX_WORD)
            break;
        c->len += (size_t)nd_utf8_encode(out[k], c->b + c->len);
    }
}

void near_words_split(const char *s, size_t len, struct near_words *out)
{
    struct cur c = {.len = 0};
    size_t i = 0;
    int pend_stop = 0, pend_line = 0, prev_digit_sep = 0;
    uint32_t line = 0;

    memset(out, 0, sizeof(*out));
    if (s == NULL)
        return;
    if (len > ND_TEXT_MAX)
        len = ND_TEXT_MAX;
    while (i < len) {
        int32_t cp;
        int n, word, cat;
        unsigned char b = (unsigned char)s[i];

        if (b < 0x80) { /* ASCII: no table look-up */
            cp = b;
            n = 1;
            cat = b >= 'a' && b <= 'z'   ? UTF8PROC_CATEGORY_LL
                  : b >= 'A' && b <= 'Z' ? UTF8PROC_CATEGORY_LU
                  : b >= '0' && b <= '9' ? UTF8PROC_CATEGORY_ND
                                         : UTF8PROC_CATEGORY_PO;
        } else {
            n = nd_utf8_decode(s + i, len - i, &cp);
            cat = cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_get_property(cp)->category;
        }
        i += (size_t)n;
        if (cp < 0) {
            finish(out, &c);
            continue;
        }
        word = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
        if (word) {
            int starting = c.len == 0;
            if (starting && out->n > 0) {
                struct near_word *pw = &out->w[out->n - 1];
                int upper = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT ||
                            cat == UTF8PROC_CATEGORY_ND;
                if (pend_line)
                    pw->line_end = pw->sent_end = 1;
                else if (pend_stop && upper && !is_abbrev(out->buf + (size_t)pw->p, pw->len))
                    pw->sent_end = 1;
            }
            if (starting) {
                pend_stop = pend_line = 0;
                c.ascii = 1;
                c.cap = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
                c.digit = cat == UTF8PROC_CATEGORY_ND;
                c.line = line;
            }
            add_cp(&c, cp);
            prev_digit_sep = 0;
            if (cp >= 0x0E00 && solo_char(cp))
                finish(out, &c);
            continue;
        }
        /* a separator, or a joiner inside a word */
        if (c.len > 0 && (cp == '\'' || cp == 0x2019) && i < len &&
            ((unsigned char)s[i] >= 0x80 || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
            continue; /* don't -> dont */
        if (c.len > 0 && c.digit && (cp == '.' || cp == ',') && i < len && s[i] >= '0' &&
            s[i] <= '9' && !prev_digit_sep) {
            if (c.len < MAX_WORD)
                c.b[c.len++] = cp == ',' ? ',' : '.';
            prev_digit_sep = 1;
            continue;
        }
        prev_digit_sep = 0;
        if (c.len > 0) {
            int was_digit = c.digit;
            finish(out, &c);
            if (cp == '%' && was_digit) {
                emit(out, "percent", 7, 0, 0);
                out->w[out->n - 1].line = line;
            }
        }
        if (cp == '.' || cp == '!' || cp == '?')
            pend_stop = 1;
        else if (cp == '\n') {
            pend_line = 1;
            line++;
        } else if (cp == 0x2029)
            pend_line = 1;
    }
    finish(out, &c);
    if (out->n > 0)
        out->w[out->n - 1].line_end = out->w[out->n - 1].sent_end = 1;
    for (size_t k = 0; k < out->n; k++) /* offsets to pointers, now that buf is final */
        out->w[k].p = out->buf + (size_t)(uintptr_t)out->w[k].p;
}

void near_words_free(struct near_words *ws)
{
    free(ws->w);
    free(ws->buf);
    memset(ws, 0, sizeof(*ws));
}

/* Words a title comparison ignores: tags of wire flashes, and the commonest words. */
static const char *const title_skip[] = {
    "breaking",   "flash", "update", "updated", "urgent", "exclusive", "live", "watch", "video",
    "developing", "a",     "an",     "the",     "in",     "on",        "at",   "of",    "to",
    "for",        "as",    "and",    "with",    "by",     "from",      "is",   "are",   "its",
    "it",         "be",    "after",  "over",    "into",   "this",      "that", NULL,
};

size_t near_title_stem(const char *w, size_t len, char *out, size_t cap)
{
    /* after spell_one(), "-er" is "-r" and "-ers" is "-rs" (merger: mergr) */
    static const char *const sufs[] = {"ments", "ment", "ings", "ing", "ers", "er", "rs",
                                       "ed",    "es",   "r",    "s",   "e",   NULL};

    for (int i = 0; title_skip[i]; i++)
        if (title_skip[i][0] == w[0] && strlen(title_skip[i]) == len &&
            memcmp(title_skip[i], w, len) == 0)
            return 0;
    if (len == 0 || len > cap)
        return 0;
    memcpy(out, w, len);
    if (w[0] >= '0' && w[0] <= '9')
        return len;
    for (int i = 0; sufs[i]; i++) {
        size_t n = strlen(sufs[i]);
        if (len > n + 2 && memcmp(out + len - n, sufs[i], n) == 0) {
            len -= n;
            break;
        }
    }
    return len;
}
