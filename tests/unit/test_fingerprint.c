/*
 * test_fingerprint.c: normalization, text hash, SimHash distances, ids.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "newsd/fingerprint.h"
#include "newsd/html.h"
#include "newsd/text.h"
#include "testutil.h"

static const char *const title = "Council approves plan for four thousand new homes";

static const char *const article =
    "The city council approved a new housing plan on Tuesday evening after a debate that "
    "lasted more than six hours, ending months of negotiations between residents, "
    "developers and local officials.\n"
    "The plan allows the construction of about four thousand new homes on former "
    "industrial land near the river, a third of which must be offered at rents below the "
    "market rate. Supporters said the measure would ease a shortage that has pushed prices "
    "to record levels and forced many young families to leave the city.\n"
    "\"This is the most important decision this council has made in a decade,\" said the "
    "mayor, who had campaigned on the promise of affordable housing. \"We cannot keep "
    "telling people that there is no room for them here.\"\n"
    "Opponents warned that the new buildings would strain schools, hospitals and public "
    "transport, which are already close to capacity. Several residents who spoke at the "
    "meeting asked for a delay until an independent study of the traffic impact had been "
    "completed.\n"
    "The council rejected an amendment that would have reduced the number of homes by "
    "half, by a vote of nine to four. A second amendment, which requires developers to "
    "plant trees and build cycle paths along the riverbank, was accepted without "
    "opposition.\n"
    "Construction is expected to begin next spring and to last at least five years. The "
    "first apartments could be ready by the end of next year, according to the planning "
    "department, which said it would publish a detailed schedule in the coming weeks.\n"
    "Analysts said the decision could influence other cities in the region that face "
    "similar pressures. Rents have risen by more than forty percent over the past five "
    "years, while wages have grown by less than half that amount, according to figures "
    "from the national statistics office.\n"
    "A spokesperson for the regional government welcomed the vote and said additional "
    "funding for schools and clinics in the area would be discussed at the next budget "
    "meeting. The union representing construction workers also praised the plan, saying it "
    "would create thousands of jobs.\n"
    "Environmental groups gave a more cautious response. They said the land must be "
    "cleaned of industrial pollution before anyone can live there, and asked the council "
    "to publish the results of soil tests that were carried out last year.\n"
    "The mayor said the tests had shown no danger to public health, but promised that all "
    "documents would be made available to the public before the first permits are issued.";

static const char *const other =
    "Scientists at the university have developed a new battery that can be charged in less "
    "than ten minutes and keeps most of its capacity after thousands of cycles, according "
    "to a study published on Monday.\n"
    "The researchers replaced the graphite used in most lithium batteries with a material "
    "made from silicon and carbon, which stores more energy and allows ions to move "
    "faster. In laboratory tests, the cells kept ninety percent of their capacity after "
    "three thousand charges.\n"
    "\"We were surprised by how stable the material turned out to be,\" said the lead author "
    "of the study. \"Most fast charging designs wear out quickly, but this one did not.\"\n"
    "Experts not involved in the work said the results were promising but warned that "
    "producing the material at scale would be difficult and expensive. Several companies "
    "have announced similar technologies in recent years, but few have reached the market.\n"
    "The team has filed a patent and is in talks with two manufacturers about a pilot "
    "production line. The first products could appear in electric bicycles and power tools "
    "within three years, the university said.\n"
    "Electric car makers are watching closely. Charging time remains one of the main "
    "reasons drivers give for not buying an electric vehicle, according to surveys, "
    "alongside price and range.\n"
    "The study was funded by the national research agency and the European Union. The "
    "authors said they would publish their data so that other laboratories can repeat the "
    "experiments.";

/* s with the first occurrence of a replaced by b; caller frees. */
static char *replace(const char *s, const char *a, const char *b)
{
    const char *p = strstr(s, a);
    size_t n;
    char *out;

    ck_assert_ptr_nonnull(p);
    n = strlen(s) - strlen(a) + strlen(b);
    out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(p - s), s, b, p + strlen(a));
    return out;
}

struct fps {
    uint64_t text_hash, simhash;
};

static struct fps fp_of(const char *t, const char *text)
{
    struct nd_fp fp;
    struct fps out;
    char *norm;

    nd_fp_compute(t, text, &fp, &norm);
    out.text_hash = fp.text_hash;
    out.simhash = nd_fp_simhash(norm, strlen(norm));
    free(norm);
    return out;
}

static void check_norm(const char *in, const char *want)
{
    char *n = nd_fp_normalize(in, strlen(in));

    ck_assert_msg(strcmp(n, want) == 0, "normalize(%s) = [%s], not [%s]", in, n, want);
    free(n);
}

START_TEST(normalize)
{
    check_norm("Hello, World!", "hello world");
    check_norm("  Don't  STOP--me now... ", "don t stop me now");
    check_norm("Stra\xC3\x9F"
               "e \xC3\x89"
               "COLE \xCE\xA3\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1",
               "strasse \xC3\xA9"
               "cole \xCF\x83\xCE\xBF\xCF\x86\xCE\xAF\xCE\xB1");
    check_norm("3.5% of 1,000", "3 5 of 1 000");
    check_norm("AT&T \xE2\x80\x94 \xE2\x80\x9Cquoted\xE2\x80\x9D \xF0\x9F\x98\x80 x",
               "at t quoted x");
    /* scripts without spaces: one word per character */
    check_norm("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE6\x96\x87",
               "\xE6\x97\xA5 \xE6\x9C\xAC \xE8\xAA\x9E \xE3\x81\xAE \xE6\x96\x87");
    check_norm("", "");
    check_norm("!!! ...", "");
}
END_TEST

START_TEST(too_little_text)
{
    struct fps fp = fp_of("Short", "Just a few words.");

    ck_assert_uint_eq(fp.text_hash, 0);
    ck_assert_uint_eq(fp.simhash, 0);
    /* eight words make a SimHash; forty characters a text hash */
    fp = fp_of(NULL, "one two three four five six seven eight");
    ck_assert_uint_ne(fp.simhash, 0);
    ck_assert_uint_eq(fp.text_hash, 0);
    fp = fp_of(NULL, "one two three four five six seven eight nine");
    ck_assert_uint_ne(fp.text_hash, 0);
    fp = fp_of(NULL, "one two three four five six seven");
    ck_assert_uint_eq(fp.simhash, 0);
}
END_TEST

START_TEST(text_hash_ignores_case_and_punctuation)
{
    struct fps a = fp_of(title, article);
    char *upper = strdup(article);
    struct fps b;

    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    b = fp_of(title, upper);
    ck_assert_uint_eq(a.text_hash, b.text_hash);
    ck_assert_uint_eq(a.simhash, b.simhash);
    free(upper);
    b = fp_of(title, other);
    ck_assert_uint_ne(a.text_hash, b.text_hash);
}
END_TEST

/* The same story behind different tracking links and markup: the same text. */
START_TEST(syndicated_copy_links)
{
    const char *h1 = "<p>Rents rose <a href=\"https://example.org/a?utm_source=feed\">sharply</a> "
                     "this year, the statistics office said on Monday in its report.</p>";
    const char *h2 = "<div><p>Rents rose <a href=\"https://example.org/a?fbclid=x1\" "
                     "class=\"l\">sharply</a>\nthis year, the statistics office said on Monday "
                     "in its report.</p><img src=\"https://pixel.wp.com/g.gif\"></div>";
    struct nd_html_out o1, o2;

    ck_assert_int_eq(nd_html_clean(h1, strlen(h1), NULL, &o1), ND_OK);
    ck_assert_int_eq(nd_html_clean(h2, strlen(h2), NULL, &o2), ND_OK);
    struct fps a = fp_of("Rents rise", o1.text), b = fp_of("Rents rise", o2.text);
    ck_assert_uint_ne(a.simhash, 0);
    ck_assert_uint_eq(a.text_hash, b.text_hash);
    ck_assert_int_eq(nd_fp_hamming(a.simhash, b.simhash), 0);
    nd_html_out_free(&o1);
    nd_html_out_free(&o2);
}
END_TEST

/*
 * Distances observed on this 408-word article: a rewritten sentence 7, an
 * added footer line 4, another title 5, a rewritten phrase 5, the first
 * paragraph alone 15, an unrelated article 38.
 */
START_TEST(near_duplicates)
{
    struct fps a = fp_of(title, article), b;
    char *t;
    int d;

    t = replace(article,
                "The council rejected an amendment that would have reduced the number of "
                "homes by half, by a vote of nine to four.",
                "By a vote of nine to four, councillors turned down a proposal to cut the "
                "number of homes in half.");
    b = fp_of(title, t);
    d = nd_fp_hamming(a.simhash, b.simhash);
    ck_assert_msg(d >= 1 && d <= 8, "changed sentence: %d", d);
    ck_assert_uint_ne(a.text_hash, b.text_hash);
    free(t);

    t = replace(article, "according to the planning department", "the planning department said");
    b = fp_of(title, t);
    d = nd_fp_hamming(a.simhash, b.simhash);
    ck_assert_msg(d <= 6, "changed phrase: %d", d);
    free(t);

    t = replace(article, "before the first permits are issued.",
                "before the first permits are issued.\nThis story was first published by the "
                "Daily Example. Follow us for more local news.");
    b = fp_of(title, t);
    d = nd_fp_hamming(a.simhash, b.simhash);
    ck_assert_msg(d <= 6, "footer: %d", d);
    free(t);

    b = fp_of("City council backs housing plan after six-hour debate", article);
    d = nd_fp_hamming(a.simhash, b.simhash);
    ck_assert_msg(d <= 6, "other title: %d", d);

    b = fp_of("Scientists develop battery that charges in ten minutes", other);
    d = nd_fp_hamming(a.simhash, b.simhash);
    ck_assert_msg(d >= 20, "unrelated: %d", d);
}
END_TEST

START_TEST(stable_values)
{
    /* the same on every machine and run: XXH3 is specified byte for byte */
    struct fps a = fp_of(title, article);
    char id[33];

    ck_assert_uint_eq(a.text_hash, 0x5d5aad1bbbd62a67ULL);
    ck_assert_uint_eq(a.simhash, 0xaba75d8ae65a5920ULL);
    nd_fp_id128("", 0, id);
    ck_assert_str_eq(id, "99aa06d3014798d86001c324468d497f");
    nd_fp_id128("u\x1fhttps://example.org/a/1", 25, id);
    ck_assert_uint_eq(strlen(id), 32);
}
END_TEST

START_TEST(hamming)
{
    ck_assert_int_eq(nd_fp_hamming(0, 0), 0);
    ck_assert_int_eq(nd_fp_hamming(0, ~0ULL), 64);
    ck_assert_int_eq(nd_fp_hamming(0xF0, 0x0F), 8);
    ck_assert_int_eq(nd_fp_hamming(1ULL << 63, 0), 1);
}
END_TEST

/* ---- the normalizer against a plain reference -------------------------------- */

/* Scripts without spaces (fingerprint.c): each character is a word. */
static int ref_solo(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF) || (cp >= 0x1000 && cp <= 0x109F) ||
           (cp >= 0x1780 && cp <= 0x17FF) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* fingerprint.h's rule, one code point at a time and nothing clever. */
static char *ref_normalize(const char *s, size_t len)
{
    char *out = malloc(len * 4 + 8);
    size_t o = 0, i = 0;
    int sep = 0;

    while (i < len) {
        int32_t cp;
        int n = nd_utf8_decode(s + i, len - i, &cp);
        const utf8proc_property_t *pr;
        i += (size_t)n;
        if (cp < 0) {
            sep = 1;
            continue;
        }
        pr = utf8proc_get_property(cp);
        if (pr->category < UTF8PROC_CATEGORY_LU || pr->category > UTF8PROC_CATEGORY_NO) {
            sep = 1;
            continue;
        }
        if (cp < 0x80) { /* ASCII letters and digits (other ASCII is punctuation) */
            if (sep && o > 0)
                out[o++] = ' ';
            sep = 0;
            out[o++] = (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        if (pr->category < UTF8PROC_CATEGORY_MN || pr->category > UTF8PROC_CATEGORY_ME) {
            if ((sep || ref_solo(cp)) && o > 0)
                out[o++] = ' ';
            sep = ref_solo(cp);
        }
        {
            utf8proc_int32_t f[8];
            int bc = 0;
            utf8proc_ssize_t nf = utf8proc_decompose_char(cp, f, 8, UTF8PROC_CASEFOLD, &bc);
            if (nf < 1 || nf > 3) {
                f[0] = cp;
                nf = 1;
            }
            for (utf8proc_ssize_t k = 0; k < nf; k++)
                o += (size_t)nd_utf8_encode(f[k], out + o);
        }
    }
    out[o] = '\0';
    return out;
}

/* Random text over words, case, digits, punctuation runs, non-ASCII letters
 * and marks, CJK, and malformed bytes, at every length and alignment. */
START_TEST(normalize_matches_reference)
{
    static const char *const pieces[] = {
        "a",
        "Bc",
        "def",
        "GHIJ",
        "klmno",
        "PqRsTu",
        "vwxyz12",
        "3456789A",
        "Zz0",
        " ",
        "  ",
        ", ",
        "--",
        ".\n",
        "'",
        "\t",
        "&",
        "_",
        "@[`{",
        "\xc3\x89t\xc3\xa9",
        "stra\xc3\x9f"
        "e",
        "\xe2\x80\x94",
        "\xe6\x9d\xb1\xe4\xba\xac",
        "e\xcc\x81",
        "\xe0\xb8\xaa\xe0\xb8\xa7",
        "\xff",
        "\xc3",
        "\xf0\x9f\x98\x80",
        "\xce\xa3\xce\xbf\xcf\x86",
        "\xef\xac\x81",
        "\xc2\xa0",
    };
    uint64_t x = 0x0123456789ABCDEFULL;
    char buf[256];

    for (int round = 0; round < 50000; round++) {
        size_t len = 0, want = (size_t)(round % 60);
        char *got, *ref;

        buf[0] = '\0';
        while (len < want && tu_append(buf, sizeof(buf), &len, TU_PICK(pieces, &x)))
            ;
        buf[len] = '\0';
        got = nd_fp_normalize(buf, len);
        ref = ref_normalize(buf, len);
        ck_assert_msg(strcmp(got, ref) == 0, "normalize(\"%s\") = \"%s\", want \"%s\"", buf, got,
                      ref);
        free(got);
        free(ref);
    }
}
END_TEST

static Suite *fingerprint_suite(void)
{
    Suite *s = suite_create("fingerprint");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, normalize);
    tcase_add_test(tc, too_little_text);
    tcase_add_test(tc, text_hash_ignores_case_and_punctuation);
    tcase_add_test(tc, syndicated_copy_links);
    tcase_add_test(tc, near_duplicates);
    tcase_add_test(tc, stable_values);
    tcase_add_test(tc, hamming);
    tcase_add_test(tc, normalize_matches_reference);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fingerprint_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
