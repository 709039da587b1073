/*
 * test_encoding.c: charset detection and conversion to UTF-8, with inputs
 * written as explicit bytes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/encoding.h"
#include "newsd/text.h"

static struct nd_utf8 U;

/* Decode and compare with the expected UTF-8 (NUL-terminated). */
static void dec(const char *in, size_t n, const char *http, int xml, const char *want,
                const char *want_enc)
{
    ck_assert_int_eq(nd_encoding_to_utf8(in, n, http, xml, &U), 0);
    ck_assert_msg(U.len == strlen(want) && memcmp(U.data, want, U.len) == 0,
                  "got \"%.*s\", want \"%s\"", (int)U.len, U.data, want);
    if (want_enc)
        ck_assert_str_eq(U.encoding, want_enc);
    ck_assert_uint_eq(nd_utf8_clean_prefix(U.data, U.len), U.len);
}

static void teardown(void)
{
    nd_utf8_free(&U);
}

#define DEC(lit, http, want, enc) dec(lit, sizeof(lit) - 1, http, 1, want, enc)

START_TEST(test_utf8_no_copy)
{
    static const char doc[] = "<?xml version=\"1.0\"?><a>caf\xc3\xa9 \xf0\x9f\x98\x80</a>";
    DEC(doc, NULL, doc, "UTF-8");
    ck_assert_ptr_null(U.owned);
    ck_assert_ptr_eq(U.data, doc);
    ck_assert_str_eq(U.note, "");
}
END_TEST

START_TEST(test_utf8_bom)
{
    DEC("\xef\xbb\xbf<a>\xc3\xa9</a>", NULL, "<a>\xc3\xa9</a>", "UTF-8");
}
END_TEST

START_TEST(test_latin1_declared)
{
    DEC("<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9 \xa3\xbd</a>", NULL,
        "<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xc3\xa9 \xc2\xa3\xc2\xbd</a>",
        "WINDOWS-1252");
}
END_TEST

START_TEST(test_cp1252_smart_quotes)
{
    DEC("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x93q\x94 \x96 \x80 \x85</a>", NULL,
        "<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\xe2\x80\x9cq\xe2\x80\x9d "
        "\xe2\x80\x93 \xe2\x82\xac \xe2\x80\xa6</a>",
        "WINDOWS-1252");
}
END_TEST

START_TEST(test_utf16le_bom)
{
    static const char doc[] = "\xff\xfe<\0a\0>\0\xe9\0\xac\x20<\0/\0a\0>\0";
    DEC(doc, NULL, "<a>\xc3\xa9\xe2\x82\xac</a>", "UTF-16LE");
}
END_TEST

START_TEST(test_utf16be_bom)
{
    static const char doc[] = "\xfe\xff\0<\0a\0>\0\xe9\0<\0/\0a\0>";
    DEC(doc, NULL, "<a>\xc3\xa9</a>", "UTF-16BE");
}
END_TEST

START_TEST(test_utf16le_no_bom)
{
    /* declared UTF-16, no BOM: the zero bytes tell */
    static const char doc[] = "<\0?\0x\0m\0l\0?\0>\0<\0a\0/\0>\0";
    DEC(doc, NULL, "<?xml?><a/>", "UTF-16LE");
}
END_TEST

START_TEST(test_utf32le_bom)
{
    static const char doc[] =
        "\xff\xfe\0\0<\0\0\0a\0\0\0>\0\0\0\x00\xf6\x01\0<\0\0\0/\0\0\0a\0\0\0>"
        "\0\0\0";
    DEC(doc, NULL, "<a>\xf0\x9f\x98\x80</a>", "UTF-32LE");
}
END_TEST

START_TEST(test_invalid_utf8_is_cp1252)
{
    /* declared UTF-8 but written in windows-1252 */
    DEC("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>caf\xe9 \x93x\x94</a>", NULL,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>caf\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d</a>",
        "UTF-8+WINDOWS-1252");
    ck_assert_ptr_nonnull(strstr(U.note, "invalid UTF-8"));
}
END_TEST

START_TEST(test_mixed_utf8_cp1252)
{
    /* mostly UTF-8 with one pasted windows-1252 apostrophe: both kept */
    DEC("<a>\xc3\xa9t\xc3\xa9 it\x92s</a>", NULL, "<a>\xc3\xa9t\xc3\xa9 it\xe2\x80\x99s</a>",
        "UTF-8+WINDOWS-1252");
}
END_TEST

START_TEST(test_http_utf8_vs_latin1_declaration)
{
    /* a server's default charset=utf-8 does not beat a true ISO-8859-1 declaration */
    DEC("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>\xe9</a>", "utf-8",
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>\xc3\xa9</a>", "WINDOWS-1252");
    ck_assert_ptr_nonnull(strstr(U.note, "HTTP says"));
}
END_TEST

START_TEST(test_http_charset_when_declaration_lies)
{
    /* declared UTF-8, written in windows-1251 as HTTP says */
    DEC("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xcf\xf0\xe8</a>", "windows-1251",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xd0\x9f\xd1\x80\xd0\xb8</a>",
        "WINDOWS-1251");
}
END_TEST

START_TEST(test_utf8_wins_when_valid)
{
    /* HTTP says latin-1, the document says and is UTF-8 */
    static const char doc[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xc3\xa9</a>";
    DEC(doc, "ISO-8859-1", doc, "UTF-8");
}
END_TEST

START_TEST(test_http_charset_alone)
{
    DEC("<a>\xe9</a>", "latin1", "<a>\xc3\xa9</a>", "WINDOWS-1252");
}
END_TEST

START_TEST(test_shift_jis)
{
    DEC("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>\x93\xfa\x96\x7b</a>", NULL,
        "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>\xe6\x97\xa5\xe6\x9c\xac</a>", "CP932");
}
END_TEST

START_TEST(test_unknown_label)
{
    DEC("<?xml version=\"1.0\" encoding=\"x-no-such\"?><a>\xc3\xa9\xff</a>", NULL,
        "<?xml version=\"1.0\" encoding=\"x-no-such\"?><a>\xc3\xa9\xc3\xbf</a>", NULL);
    ck_assert_ptr_nonnull(strstr(U.note, "unknown encoding"));
}
END_TEST

START_TEST(test_controls_dropped)
{
    DEC("<a>x\x01y\x0cz\t\r\n\x1b</a>\x00", NULL, "<a>xyz\t\r\n</a>", "UTF-8");
    ck_assert_ptr_nonnull(U.owned);
}
END_TEST

START_TEST(test_fffe_dropped)
{
    DEC("<a>x\xef\xbf\xbey\xef\xbf\xbd</a>", NULL, "<a>xy\xef\xbf\xbd</a>", "UTF-8");
}
END_TEST

START_TEST(test_json_utf16_no_bom)
{
    dec("{\0}\0", 4, NULL, 0, "{}", "UTF-16LE");
}
END_TEST

START_TEST(test_clean_prefix)
{
    ck_assert_uint_eq(nd_utf8_clean_prefix("abc", 3), 3);
    ck_assert_uint_eq(nd_utf8_clean_prefix("ab\xc0\xaf", 4), 2);        /* overlong */
    ck_assert_uint_eq(nd_utf8_clean_prefix("a\xed\xa0\x80", 4), 1);     /* surrogate */
    ck_assert_uint_eq(nd_utf8_clean_prefix("\xf0\x9f\x98\x80!", 5), 5); /* 4 bytes */
    ck_assert_uint_eq(nd_utf8_clean_prefix("\xf4\x90\x80\x80", 4), 0);  /* > U+10FFFF */
    ck_assert_uint_eq(nd_utf8_clean_prefix("abcdefghijklmno\x01", 16), 15);
    ck_assert_uint_eq(nd_utf8_clean_prefix("abcdefgh\xc3", 9), 8); /* truncated */
}
END_TEST

START_TEST(test_canonical)
{
    char b[40];
    ck_assert_str_eq(nd_encoding_canonical("latin1", 6, b, sizeof(b)), "WINDOWS-1252");
    ck_assert_str_eq(nd_encoding_canonical("\"UTF8\"", 6, b, sizeof(b)), "UTF-8");
    ck_assert_str_eq(nd_encoding_canonical("Shift_JIS", 9, b, sizeof(b)), "CP932");
    ck_assert_str_eq(nd_encoding_canonical("koi8-r", 6, b, sizeof(b)), "KOI8-R");
    ck_assert_ptr_null(nd_encoding_canonical("", 0, b, sizeof(b)));
    ck_assert_ptr_null(nd_encoding_canonical("a b/c", 5, b, sizeof(b)));
}
END_TEST

START_TEST(test_utf8_put)
{
    char b[4];
    ck_assert_uint_eq(nd_utf8_encode(0x41, b), 1);
    ck_assert_uint_eq(nd_utf8_encode(0xE9, b), 2);
    ck_assert_uint_eq(nd_utf8_encode(0x20AC, b), 3);
    ck_assert(memcmp(b, "\xe2\x82\xac", 3) == 0);
    ck_assert_uint_eq(nd_utf8_encode(0x1F600, b), 4);
    ck_assert_uint_eq(nd_utf8_encode(0xD800, b), 0);
    ck_assert_uint_eq(nd_utf8_encode(0x110000, b), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_utf8_no_copy);
    tcase_add_test(tc, test_utf8_bom);
    tcase_add_test(tc, test_latin1_declared);
    tcase_add_test(tc, test_cp1252_smart_quotes);
    tcase_add_test(tc, test_utf16le_bom);
    tcase_add_test(tc, test_utf16be_bom);
    tcase_add_test(tc, test_utf16le_no_bom);
    tcase_add_test(tc, test_utf32le_bom);
    tcase_add_test(tc, test_invalid_utf8_is_cp1252);
    tcase_add_test(tc, test_mixed_utf8_cp1252);
    tcase_add_test(tc, test_http_utf8_vs_latin1_declaration);
    tcase_add_test(tc, test_http_charset_when_declaration_lies);
    tcase_add_test(tc, test_utf8_wins_when_valid);
    tcase_add_test(tc, test_http_charset_alone);
    tcase_add_test(tc, test_shift_jis);
    tcase_add_test(tc, test_unknown_label);
    tcase_add_test(tc, test_controls_dropped);
    tcase_add_test(tc, test_fffe_dropped);
    tcase_add_test(tc, test_json_utf16_no_bom);
    tcase_add_test(tc, test_clean_prefix);
    tcase_add_test(tc, test_canonical);
    tcase_add_test(tc, test_utf8_put);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
