/*
 * test_text.c: UTF-8, whitespace, entities, NFC and truncation helpers.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "newsd/text.h"
#include "testutil.h"

static char *clean(const char *s, unsigned flags)
{
    return nd_text_clean(s, strlen(s), flags);
}

#define CLEAN_EQ(in, flags, want)                                                                  \
    do {                                                                                           \
        char *got_ = clean(in, flags);                                                             \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

#define DECODE_EQ(in, want)                                                                        \
    do {                                                                                           \
        char *got_ = nd_text_decode_entities(in, strlen(in));                                      \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

#define TRUNC_EQ(in, max, want)                                                                    \
    do {                                                                                           \
        char *got_ = nd_text_truncate(in, max);                                                    \
        ck_assert_str_eq(got_, want);                                                              \
        ck_assert_uint_le(nd_utf8_len(got_), (max));                                               \
        ck_assert(nd_utf8_valid(got_, strlen(got_)));                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(utf8_validation)
{
    ck_assert(nd_utf8_valid("", 0));
    ck_assert(nd_utf8_valid("plain ascii", 11));
    ck_assert(nd_utf8_valid("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9)); /* é € 😀 */
    ck_assert(!nd_utf8_valid("\xC0\xAF", 2));                            /* overlong / */
    ck_assert(!nd_utf8_valid("\xE0\x80\xAF", 3));                        /* overlong */
    ck_assert(!nd_utf8_valid("\xED\xA0\x80", 3));                        /* surrogate */
    ck_assert(!nd_utf8_valid("\xF4\x90\x80\x80", 4));                    /* > U+10FFFF */
    ck_assert(!nd_utf8_valid("\xE2\x82", 2));                            /* truncated */
    ck_assert(!nd_utf8_valid("\x80", 1));                                /* lone continuation */
    ck_assert(!nd_utf8_valid("\xFF", 1));
    /* the length is honoured: a truncated sequence at the end */
    ck_assert(!nd_utf8_valid("\xC3\xA9", 1));
}
END_TEST

START_TEST(utf8_repair)
{
    size_t n;
    char *s = nd_utf8_repair("a\xFF"
                             "b\xE2\x82"
                             "c",
                             6, &n);

    ck_assert_str_eq(s, "a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD\xEF\xBF\xBD"
                        "c");
    ck_assert_uint_eq(n, strlen(s));
    free(s);
    s = nd_utf8_repair("a\0b\xC3\xA9", 5, NULL); /* NUL dropped, valid kept */
    ck_assert_str_eq(s, "ab\xC3\xA9");
    free(s);
}
END_TEST

START_TEST(utf8_codec)
{
    static const int32_t cps[] = {0x24,  0xA2,  0x20AC, 0x10348, 0x7F,    0x80,
                                  0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF};
    char buf[4];
    int32_t back;

    for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
        int n = nd_utf8_encode(cps[i], buf);
        ck_assert_int_eq(nd_utf8_decode(buf, (size_t)n, &back), n);
        ck_assert_int_eq(back, cps[i]);
    }
    ck_assert_int_eq(nd_utf8_decode("\xC3", 1, &back), 1);
    ck_assert_int_eq(back, -1);
    ck_assert_uint_eq(nd_utf8_len("a\xC3\xA9\xF0\x9F\x98\x80"), 3);
}
END_TEST

START_TEST(clean_whitespace)
{
    CLEAN_EQ("  a \t b  ", 0, "a b");
    CLEAN_EQ("\n\n  a\n\n\n\n b \n", 0, "a\n\nb");
    CLEAN_EQ("a\r\nb\rc", 0, "a\nb\nc");
    CLEAN_EQ("a \n \n \n b", 0, "a\n\nb");
    CLEAN_EQ("a\n\nb\nc", ND_TEXT_ONELINE, "a b c");
    CLEAN_EQ("", 0, "");
    CLEAN_EQ(" \t\n ", 0, "");
}
END_TEST

START_TEST(clean_controls_and_spaces)
{
    CLEAN_EQ("a\x01\x02"
             "b\x7f"
             "c",
             0, "abc");
    CLEAN_EQ("a\xC2\x85"
             "b",
             0,
             "a\xE2\x80\xA6"
             "b"); /* a C1 control is windows-1252 read as ISO-8859-1: 0x85 is "…" */
    CLEAN_EQ("a\xC2\x81"
             "b",
             0, "ab"); /* 0x81 is no windows-1252 character */
    CLEAN_EQ("a\xC2\xA0\xC2\xA0"
             "b",
             0, "a b"); /* no-break spaces */
    CLEAN_EQ("a\xE2\x80\x83"
             "b\xE3\x80\x80"
             "c",
             0, "a b c"); /* em space, ideographic space */
    CLEAN_EQ("co\xC2\xADop\xE2\x80\x8B"
             "er\xEF\xBB\xBF"
             "ate",
             0, "cooperate"); /* soft hyphen, ZWSP, BOM */
    CLEAN_EQ("a\xE2\x80\xA8"
             "b",
             0, "a\nb"); /* line separator */
    CLEAN_EQ("a\xE2\x80\x8D"
             "b",
             0,
             "a\xE2\x80\x8D"
             "b"); /* ZWJ kept */
    CLEAN_EQ("x\xFFy", 0, "x\xEF\xBF\xBDy");
}
END_TEST

START_TEST(clean_nfc)
{
    CLEAN_EQ("Cafe\xCC\x81", 0, "Caf\xC3\xA9");               /* e + U+0301 -> é */
    CLEAN_EQ("\xE1\x84\x80\xE1\x85\xA1", 0, "\xEA\xB0\x80");  /* Hangul jamo -> 가 */
    CLEAN_EQ("\xE2\x84\xAB", 0, "\xC3\x85");                  /* Angstrom sign -> Å */
    CLEAN_EQ("Nguy\xE1\xBB\x85n", 0, "Nguy\xE1\xBB\x85n");    /* already NFC */
    CLEAN_EQ("a\xCC\xA3\xCC\x87", 0, "\xE1\xBA\xA1\xCC\x87"); /* reordered + composed */
    CLEAN_EQ("\xEF\xAC\x81", 0, "\xEF\xAC\x81");              /* ﬁ ligature: NFC keeps it */
}
END_TEST

/* nd_text_nfc_maybe() must never say "no" for a code point NFC would change. */
START_TEST(nfc_quick_check_is_safe)
{
    utf8proc_int32_t d[8];
    int bc;

    for (int32_t cp = 0; cp < 0x110000; cp++) {
        if (!utf8proc_codepoint_valid(cp))
            continue;
        if (!nd_text_nfc_maybe(cp)) {
            utf8proc_uint8_t s[8], *n;
            utf8proc_ssize_t len = utf8proc_encode_char(cp, s);
            s[len] = 0;
            n = utf8proc_NFC(s);
            ck_assert_msg(strcmp((char *)n, (char *)s) == 0, "U+%04X changes under NFC", cp);
            free(n);
        }
        /* the second and later parts of a canonical decomposition may compose */
        const utf8proc_property_t *p = utf8proc_get_property(cp);
        if (p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0) {
            bc = 0;
            utf8proc_ssize_t k = utf8proc_decompose_char(cp, d, 8, UTF8PROC_DECOMPOSE, &bc);
            for (utf8proc_ssize_t i = 1; i < k; i++)
                ck_assert_msg(nd_text_nfc_maybe(d[i]), "U+%04X composes", d[i]);
        }
    }
}
END_TEST

/* nd_text_nfc_buf() normalizes only what may change: the result must be the
 * NFC of the whole string, for strings that mix starters, combining marks,
 * Hangul jamo, Indic vowel signs, singletons and exclusions. */
START_TEST(nfc_in_pieces_is_nfc_of_whole)
{
    static const int32_t alphabet[] = {
        'a',    'e',    ' ',    'A',     'b',    'c',    'd',    'f',    'g',
        0xE9,   0xC5,   0x0301, 0x0323,  0x0307, 0x0308, 0x0344, 0x0340, 0x1100,
        0x1161, 0x11A8, 0xAC00, 0xAC01,  0x0915, 0x093F, 0x094D, 0x0958, 0x212B,
        0x1E00, 0x1E0A, 0x0F73, 0x0F71,  0x09C7, 0x09BE, 0x0CC6, 0x0CD5, 0x304B,
        0x3099, 0x05D0, 0x05B7, 0x1D15E, 0x2126, 0xFB2C, 0x0378, 0xFFFD, 0x1F600,
    };
    uint64_t x = 0x243F6A8885A308D3ULL;

    for (int round = 0; round < 100000; round++) {
        struct nd_buf b;
        utf8proc_uint8_t *whole = NULL;
        utf8proc_ssize_t n;
        size_t cps = (size_t)(round % 48);
        char enc[4];

        nd_buf_init(&b, 0);
        for (size_t i = 0; i < cps; i++) {
            int32_t cp = TU_PICK(alphabet, &x);
            ck_assert_int_eq(nd_buf_add(&b, enc, (size_t)nd_utf8_encode(cp, enc)), ND_OK);
        }
        n = utf8proc_map((const utf8proc_uint8_t *)(b.data ? b.data : ""), (utf8proc_ssize_t)b.len,
                         &whole, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        ck_assert_int_ge(n, 0);
        ck_assert_int_eq(nd_text_nfc_buf(&b), ND_OK);
        ck_assert_uint_eq(b.len, (size_t)n);
        ck_assert_msg(memcmp(b.data ? b.data : "", whole, (size_t)n) == 0, "round %d differs",
                      round);
        free(whole);
        nd_buf_free(&b);
    }
}
END_TEST

START_TEST(nfc_buf_refuses_malformed)
{
    struct nd_buf b;

    nd_buf_init(&b, 0);
    ck_assert_int_eq(nd_buf_adds(&b, "e\xCC\x81 \xC3"), ND_OK);
    ck_assert_int_eq(nd_text_nfc_buf(&b), ND_EINVAL);
    ck_assert_str_eq(b.data, "e\xCC\x81 \xC3"); /* left as it was */
    nd_buf_free(&b);
}
END_TEST

START_TEST(entities)
{
    DECODE_EQ("AT&amp;T &lt;b&gt; &quot;q&quot; &apos;", "AT&T <b> \"q\" '");
    DECODE_EQ("caf&eacute; &#233; &#xE9; &#XE9;", "caf\xC3\xA9 \xC3\xA9 \xC3\xA9 \xC3\xA9");
    DECODE_EQ("&#x1F600;", "\xF0\x9F\x98\x80");
    DECODE_EQ("&#128;&#150;", "\xE2\x82\xAC\xE2\x80\x93"); /* windows-1252 range */
    DECODE_EQ("&#0;&#xD800;&#x110000;&#99999999999;",
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    DECODE_EQ("&bogus; & &; &#; &#x;", "&bogus; & &; &#; &#x;");
    /* HTML5's legacy names work without ';' (the longest that fits), others do not */
    DECODE_EQ("&amp &copy2003 &notit; &eacutex &hellip", "& \xC2\xA9"
                                                         "2003 \xC2\xAC"
                                                         "it; \xC3\xA9x &hellip");
    DECODE_EQ("&#65&#66;", "AB");
    DECODE_EQ("&nbsp;&hellip;&mdash;", "\xC2\xA0\xE2\x80\xA6\xE2\x80\x94");
    DECODE_EQ("no refs", "no refs");
}
END_TEST

static void mojibake_eq(const char *in, const char *want)
{
    char *s = strdup(in);
    size_t n = nd_text_fix_mojibake(s, strlen(s));

    s[n] = '\0';
    ck_assert_msg(strcmp(s, want) == 0, "repair of [%s] is [%s], not [%s]", in, s, want);
    free(s);
}

/* UTF-8 encoded twice: repaired when unambiguous, left alone otherwise. */
START_TEST(mojibake)
{
    mojibake_eq("Caf\xC3\x83\xC2\xA9", "Caf\xC3\xA9");                       /* CafÃ© */
    mojibake_eq("don\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2t", "don\xE2\x80\x99t"); /* donâ€™t */
    mojibake_eq("20\xC3\x82\xC2\xB0"
                "C",
                "20\xC2\xB0"
                "C"); /* 20Â°C */
    /* once the text shows the mistake, every sequence in it is one */
    mojibake_eq("\xC3\x83\xC2\xA9 CAF\xC3\x83\xE2\x80\xB0", "\xC3\xA9 CAF\xC3\x89");
    /* a character windows-1252 does not have: not that mistake */
    mojibake_eq("\xC3\x83\xC2\xA9 \xE2\x86\x92", "\xC3\x83\xC2\xA9 \xE2\x86\x92");
    /* nothing only double encoding makes: CAFÉ» stays */
    mojibake_eq("CAF\xC3\x89\xC2\xBB", "CAF\xC3\x89\xC2\xBB");
    /* real UTF-8 stays */
    mojibake_eq("caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x9Cq\xE2\x80\x9D",
                "caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x9Cq\xE2\x80\x9D");
    mojibake_eq("", "");
    mojibake_eq("\xC3", "\xC3");
}
END_TEST

/* nd_text_ref() in its three modes. */
START_TEST(refs)
{
    char out[8];
    size_t n, k;

    k = nd_text_ref("&amp;x", 6, ND_REF_XML, out, &n);
    ck_assert_uint_eq(k, 5);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(nd_text_ref("&amp x", 6, ND_REF_XML, out, &n), 0);
    ck_assert_uint_eq(nd_text_ref("&amp x", 6, ND_REF_TEXT, out, &n), 4);
    ck_assert_uint_eq(nd_text_ref("&copy=1", 7, ND_REF_ATTR, out, &n), 0);
    ck_assert_uint_eq(nd_text_ref("&copy=1", 7, ND_REF_TEXT, out, &n), 5);
    ck_assert_uint_eq(nd_text_ref("&#X41;", 6, ND_REF_XML, out, &n), 6);
    ck_assert(n == 1 && out[0] == 'A');
    ck_assert_uint_eq(nd_text_ref("&#65", 4, ND_REF_XML, out, &n), 0);
    ck_assert_uint_eq(nd_text_ref("&#146;", 6, ND_REF_TEXT, out, &n), 6);
    ck_assert(n == 3 && memcmp(out, "\xE2\x80\x99", 3) == 0);
    ck_assert_uint_eq(nd_text_ref("&NotEqualTilde;", 15, ND_REF_TEXT, out, &n), 15);
    ck_assert_uint_eq(n, 5); /* two code points */
    ck_assert_uint_eq(nd_text_ref("&", 1, ND_REF_TEXT, out, &n), 0);
    ck_assert_uint_eq(nd_text_ref("&;", 2, ND_REF_TEXT, out, &n), 0);
}
END_TEST

START_TEST(escape)
{
    struct nd_buf b;

    nd_buf_init(&b, 0);
    ck_assert_int_eq(nd_text_escape_html(&b, "a<b>&\"c\"", 9, 0), ND_OK);
    ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;\"c\"");
    nd_buf_reset(&b);
    ck_assert_int_eq(nd_text_escape_html(&b, "a<b>&\"c\"", 9, 1), ND_OK);
    ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;c&quot;");
    nd_buf_free(&b);
    nd_buf_init(&b, 4);
    ck_assert_int_eq(nd_text_escape_html(&b, "<<", 2, 0), ND_ETOOBIG);
    nd_buf_free(&b);
}
END_TEST

START_TEST(truncate_ascii)
{
    const char *s = "The quick brown fox jumps over the lazy dog";

    TRUNC_EQ(s, 100, s);
    TRUNC_EQ(s, 43, s);
    TRUNC_EQ(s, 42, "The quick brown fox jumps over the lazy\xE2\x80\xA6");
    TRUNC_EQ(s, 20, "The quick brown fox\xE2\x80\xA6");
    TRUNC_EQ(s, 18, "The quick brown\xE2\x80\xA6");
    TRUNC_EQ("Hello, world, again and again", 15, "Hello, world\xE2\x80\xA6");
    TRUNC_EQ("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi\xE2\x80\xA6"); /* no space */
    TRUNC_EQ("already cut\xE2\x80\xA6 and more words here", 14, "already cut\xE2\x80\xA6");
    TRUNC_EQ(s, 1, "");
    TRUNC_EQ(s, 0, "");
    TRUNC_EQ("", 5, "");
}
END_TEST

START_TEST(truncate_multibyte)
{
    /* "Zoë Müller était à Zürich: ça été très intéressant" */
    const char *s = "Zo\xC3\xAB M\xC3\xBCller \xC3\xA9tait \xC3\xA0 Z\xC3\xBCrich: \xC3\xA7"
                    "a \xC3\xA9t\xC3\xA9 tr\xC3\xA8s int\xC3\xA9ressant";

    TRUNC_EQ(s, 30,
             "Zo\xC3\xAB M\xC3\xBCller \xC3\xA9tait \xC3\xA0 Z\xC3\xBCrich: \xC3\xA7"
             "a\xE2\x80\xA6");
    TRUNC_EQ(s, 28, "Zo\xC3\xAB M\xC3\xBCller \xC3\xA9tait \xC3\xA0 Z\xC3\xBCrich\xE2\x80\xA6");
    for (size_t max = 2; max < 60; max++) {
        char *t = nd_text_truncate(s, max);
        ck_assert(nd_utf8_valid(t, strlen(t)));
        ck_assert_uint_le(nd_utf8_len(t), max);
        free(t);
    }
    /* CJK without spaces: cut on a character */
    TRUNC_EQ("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9"
             "\xE3\x83\x88",
             5, "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE2\x80\xA6");
    /* never between a letter and its combining mark */
    TRUNC_EQ("abcde\xCC\x81"
             "fghij",
             6, "abcd\xE2\x80\xA6");
    /* emoji */
    TRUNC_EQ("\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 3,
             "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xE2\x80\xA6");
}
END_TEST

/* nd_text_truncate() as it was before it stopped reading after max code points. */
static char *ref_truncate(const char *s, size_t max)
{
    size_t len = strlen(s), i = 0, count = 0, cut = 0, space = 0, half, n;
    int32_t cp;
    char *out;

    if (max < 2)
        return strdup("");
    half = (max - 1) / 2;
    while (i < len && count < max) {
        if (count == max - 1)
            cut = i;
        if ((s[i] == ' ' || s[i] == '\n') && count >= half)
            space = i;
        i += (size_t)nd_utf8_decode(s + i, len - i, &cp);
        count++;
    }
    if (i >= len)
        return strdup(s);
    if (space > 0 && space <= cut) {
        cut = space;
    } else if (!(cut < len && (s[cut] == ' ' || s[cut] == '\n'))) {
        for (;;) {
            const utf8proc_property_t *pr;
            if (cut == 0 || cut >= len)
                break;
            nd_utf8_decode(s + cut, len - cut, &cp);
            pr = utf8proc_get_property(cp);
            if (cp < 0x300 ||
                !(cp == 0x200D || pr->category == UTF8PROC_CATEGORY_MN ||
                  pr->category == UTF8PROC_CATEGORY_MC || pr->category == UTF8PROC_CATEGORY_ME))
                break;
            while (cut > 0 && ((unsigned char)s[--cut] & 0xC0) == 0x80)
                ;
        }
    }
    while (cut > 0) {
        size_t p = cut;
        while (p > 0 && ((unsigned char)s[--p] & 0xC0) == 0x80)
            ;
        nd_utf8_decode(s + p, len - p, &cp);
        if (!(cp == ' ' || cp == '\n' || cp == ',' || cp == ';' || cp == ':' || cp == '.' ||
              cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2026 || cp == '(' || cp == '[' ||
              cp == 0x200D))
            break;
        cut = p;
    }
    n = cut;
    out = malloc(n + 4);
    memcpy(out, s, n);
    memcpy(out + n, "\xE2\x80\xA6", 4);
    return out;
}

START_TEST(truncate_matches_reference)
{
    static const char *const pieces[] = {"word",
                                         " ",
                                         "\n",
                                         "a",
                                         ",",
                                         ".",
                                         "\xc3\xa9",
                                         "\xe6\x9d\xb1",
                                         "\xf0\x9f\x98\x80",
                                         "\xcc\x81",
                                         "\xe2\x80\x8d",
                                         "\xe2\x80\x94",
                                         "xyzxyzxyz",
                                         "(",
                                         "  "};
    static const size_t maxes[] = {2, 3, 5, 10, 50, 100, 300};
    uint64_t x = 0x853C49E6748FEA9BULL;
    char buf[2048];

    for (int round = 0; round < 20000; round++) {
        size_t len = 0, want = (size_t)(round % 400), max;
        char *got, *ref;

        buf[0] = '\0';
        while (len < want && tu_append(buf, sizeof(buf), &len, TU_PICK(pieces, &x)))
            ;
        max = maxes[(x >> 20) % (sizeof(maxes) / sizeof(maxes[0]))];
        got = nd_text_truncate(buf, max);
        ref = ref_truncate(buf, max);
        ck_assert_msg(strcmp(got, ref) == 0, "truncate(\"%s\", %zu) = \"%s\", want \"%s\"", buf,
                      max, got, ref);
        free(got);
        free(ref);
    }
}
END_TEST

/* The writer's 8- and 16-byte paths give what one code point at a time gives. */
START_TEST(textw_fast_paths_agree)
{
    static const char *const pieces[] = {
        "word",      "Abc",      " ",           "  ",           "\t",   "\n",   "x",
        ".",         "\xc3\xa9", "\xc2\xa0",    "\xe2\x80\x8b", "\x01", "\x7f", "longerwordhere",
        "e\xcc\x81", "&<>",      "\xe6\x9d\xb1"};
    static const unsigned flags[] = {0, ND_TEXT_ONELINE, ND_TEXT_KEEP_LINES};
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char buf[512];

    for (int round = 0; round < 20000; round++) {
        size_t len = 0, want = (size_t)(round % 200);

        buf[0] = '\0';
        while (len < want && tu_append(buf, sizeof(buf), &len, TU_PICK(pieces, &x)))
            ;
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
            struct nd_buf a, b;
            struct nd_textw wa, wb;
            nd_buf_init(&a, 0);
            nd_buf_init(&b, 0);
            nd_textw_init(&wa, &a, flags[f]);
            nd_textw_init(&wb, &b, flags[f]);
            nd_textw_put(&wa, buf, len);
            for (size_t i = 0; i < len;) {
                int32_t cp;
                int n = nd_utf8_decode(buf + i, len - i, &cp);
                nd_textw_put(&wb, buf + i, (size_t)n);
                i += (size_t)n;
            }
            nd_textw_finish(&wa);
            nd_textw_finish(&wb);
            ck_assert_msg(strcmp(a.data ? a.data : "", b.data ? b.data : "") == 0,
                          "flags %u: [%s] vs [%s]", flags[f], a.data, b.data);
            nd_buf_free(&a);
            nd_buf_free(&b);
        }
    }
}
END_TEST

START_TEST(textw_breaks)
{
    struct nd_buf b;
    struct nd_textw w;

    nd_buf_init(&b, 0);
    nd_textw_init(&w, &b, 0);
    nd_textw_break(&w, ND_BREAK_PARA); /* ignored at the start */
    nd_textw_put(&w, "one", 3);
    nd_textw_newline(&w);
    nd_textw_put(&w, " two ", 5);
    nd_textw_newline(&w);
    nd_textw_newline(&w);
    nd_textw_newline(&w); /* at most one blank line */
    nd_textw_put(&w, "three", 5);
    nd_textw_break(&w, ND_BREAK_PARA);
    nd_textw_finish(&w);
    ck_assert_str_eq(b.data, "one\ntwo\n\nthree");
    nd_buf_free(&b);
}
END_TEST

START_TEST(textw_cap)
{
    struct nd_buf b;
    struct nd_textw w;

    nd_buf_init(&b, 8);
    nd_textw_init(&w, &b, 0);
    nd_textw_put(&w, "abc \xC3\xA9\xC3\xA9\xC3\xA9", 10);
    nd_textw_finish(&w);
    ck_assert(w.full);
    ck_assert_str_eq(b.data, "abc \xC3\xA9\xC3\xA9"); /* cut on a code point */
    nd_buf_free(&b);
}
END_TEST

START_TEST(clean_caps_input)
{
    size_t n = ND_TEXT_MAX + 100;
    char *big = malloc(n + 1), *t;

    memset(big, 'a', n);
    big[n] = '\0';
    t = nd_text_clean(big, n, 0);
    ck_assert_uint_eq(strlen(t), ND_TEXT_MAX);
    free(t);
    free(big);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, utf8_validation);
    tcase_add_test(tc, utf8_repair);
    tcase_add_test(tc, utf8_codec);
    tcase_add_test(tc, clean_whitespace);
    tcase_add_test(tc, clean_controls_and_spaces);
    tcase_add_test(tc, clean_nfc);
    tcase_add_test(tc, entities);
    tcase_add_test(tc, mojibake);
    tcase_add_test(tc, refs);
    tcase_add_test(tc, escape);
    tcase_add_test(tc, truncate_ascii);
    tcase_add_test(tc, truncate_multibyte);
    tcase_add_test(tc, truncate_matches_reference);
    tcase_add_test(tc, textw_breaks);
    tcase_add_test(tc, textw_fast_paths_agree);
    tcase_add_test(tc, textw_cap);
    tcase_add_test(tc, clean_caps_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("nfc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nfc_quick_check_is_safe);
    tcase_add_test(tc, nfc_in_pieces_is_nfc_of_whole);
    tcase_add_test(tc, nfc_buf_refuses_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(text_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
