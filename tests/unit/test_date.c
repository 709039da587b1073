/*
 * test_date.c: nd_date_parse() against a table of real-world date strings.
 * Expected values were computed independently (Python's calendar.timegm).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "newsd/date.h"
#include "newsd/feed.h"

#define NONE ND_TIME_NONE

static const struct {
    const char *s;
    int64_t want;
} cases[] = {
    {"Tue, 10 Jun 2003 04:00:00 GMT", 1055217600LL},
    {"03-12-31", 1072828800LL},
    {"031231", 1072828800LL},
    {"-03-12", 1070236800LL},
    {"-0312", 1070236800LL},
    {"03335", 1070236800LL},
    {"03-335", 1070236800LL},
    {"99-12-31T23:00:01Z", 946681201LL},
    {"2003-012-31T10:14:55+00:00", 1072865695LL},
    {"Thu, 01 Jan 0100 00:00:01 +0100", -59011462799LL},
    {"Tue, 10 Jun 2003 04:00:00 +0000", 1055217600LL},
    {"Tue, 10 Jun 2003 04:00:00 -0400", 1055232000LL},
    {"Tue, 10 Jun 2003 04:00:00 +0530", 1055197800LL},
    {"Tue, 10 Jun 2003 04:00:00 UT", 1055217600LL},
    {"Tue, 10 Jun 2003 04:00:00 Z", 1055217600LL},
    {"Tue, 10 Jun 2003 04:00:00 UTC", 1055217600LL},
    {"Wed, 02 Oct 2002 08:00:00 EST", 1033563600LL},
    {"Wed, 02 Oct 2002 08:00:00 EDT", 1033560000LL},
    {"Wed, 02 Oct 2002 08:00:00 CST", 1033567200LL},
    {"Wed, 02 Oct 2002 08:00:00 CDT", 1033563600LL},
    {"Wed, 02 Oct 2002 08:00:00 MST", 1033570800LL},
    {"Wed, 02 Oct 2002 08:00:00 MDT", 1033567200LL},
    {"Wed, 02 Oct 2002 08:00:00 PST", 1033574400LL},
    {"Wed, 02 Oct 2002 08:00:00 PDT", 1033570800LL},
    {"Wed, 02 Oct 2002 08:00:00 A", 1033549200LL},
    {"Wed, 02 Oct 2002 08:00:00 N", 1033542000LL},
    {"Wed, 02 Oct 2002 08:00:00 M", 1033588800LL},
    {"Wed, 02 Oct 2002 08:00:00 Y", 1033502400LL},
    {"02 Oct 2002 13:00:00 GMT", 1033563600LL},
    {"Wed, 02 Oct 2002 13:00 GMT", 1033563600LL},
    {"Wed, 2 Oct 2002 13:00:00 GMT", 1033563600LL},
    {"Wed, 02 Oct 02 13:00:00 GMT", 1033563600LL},
    {"Sat, 02 Oct 99 13:00:00 GMT", 938869200LL},
    {"Mon, 02 Oct 2002 13:00:00 GMT", 1033563600LL},
    {"  Wed,   02  Oct   2002   13:00:00   GMT  ", 1033563600LL},
    {"wed, 02 oct 2002 13:00:00 gmt", 1033563600LL},
    {"WED, 02 OCT 2002 13:00:00 GMT", 1033563600LL},
    {"Wed,02 Oct 2002 13:00:00 GMT", 1033563600LL},
    {"Wednesday, 02 October 2002 13:00:00 GMT", 1033563600LL},
    {"Wed, 02 Oct 2002", 1033516800LL},
    {"Thu, 5 Apr 2012 8:05:07 +0200", 1333605907LL},
    {"Tue, 10 Jun 2003 04:00:00 -0400 (EDT)", 1055232000LL},
    {"Tue, 10 Jun 2003 04:00:00 GMT+0100", 1055214000LL},
    {"Tue, 10 Jun 2003 04:00:00 +0000 GMT", 1055217600LL},
    {"Tue, 10-Jun-2003 04:00:00 GMT", 1055217600LL},
    {"Sun Jan  4 16:29:06 2004", 1073233746LL},
    {"Sunday, January 5, 2003 10:00 PM EST", 1041822000LL},
    {"Jan 5, 2003 12:30 AM", 1041726600LL},
    {"Fri, 2006/09/15 08:19:53 EDT", 1158322793LL},
    {"Sat, 31 Dec 2016 23:59:60 GMT", 1483228800LL},
    {"Thu, 29 Feb 2024 12:00:00 GMT", 1709208000LL},
    {"Tue, 10 Jun 2003 04:00:00 CEST", 1055210400LL},
    {"Tue, 10 Jun 2003 04:00:00 JST", 1055185200LL},
    {"2003-12-31T10:14:55Z", 1072865695LL},
    {"2003-12-31T10:14:55-08:00", 1072894495LL},
    {"2003-12-31T10:14:55+08:00", 1072836895LL},
    {"2003-12-31T10:14:55.123456Z", 1072865695LL},
    {"2003-12-31T10:14:55.5+01:00", 1072862095LL},
    {"2003-12-31t10:14:55z", 1072865695LL},
    {"2003-12-31 10:14:55", 1072865695LL},
    {"2003-12-31T10:14Z", 1072865640LL},
    {"2003-12-31T10:14:55+0100", 1072862095LL},
    {"2003-12-31T10:14:55 +01:00", 1072862095LL},
    {"2003-12-31", 1072828800LL},
    {"2003-12", 1070236800LL},
    {"2003", 1041379200LL},
    {"20031231T101455Z", 1072865695LL},
    {"20031231", 1072828800LL},
    {"2003-335", 1070236800LL},
    {"2004-366", 1104451200LL},
    {"2003-12-31T24:00:00Z", 1072915200LL},
    {"2003-12-31 10:14:55 GMT", 1072865695LL},
    {"Di, 10 Jun 2003 04:00:00 +0200", 1055210400LL},
    {"10 März 2003 04:00:00 +0100", 1047265200LL},
    {"mar., 10 juin 2003 04:00:00 +0200", 1055210400LL},
    {"mar, 10 jun 2003 04:00:00 +0200", 1055210400LL},
    {"10 juin 2003 04:00:00 +0200", 1055210400LL},
    {"lunes, 10 diciembre 2012 09:00:00 +0100", 1355126400LL},
    {"10 dicembre 2012 09:00:00 +0100", 1355126400LL},
    {"10 mei 2012 09:00:00 +0200", 1336633200LL},
    {"Κυρ, 11 Ιούλ 2004 12:00:00 EST", 1089565200LL},
    {"2004-július-13T9:15+02:00", 1089702900LL},
    {"2004년 05월 28일 01:31:15", 1085675475LL},
    {"2004-05-25 오후 11:23:17", 1085494997LL},
    {"", NONE},
    {"   ", NONE},
    {"garbage", NONE},
    {"Tue, 10 Jun 2003 04:00:00 XYZ", NONE},
    {"Tue, 10 Jun 2003 04:00:00 IST", NONE},
    {"12/25/2003", NONE},
    {"2003-13-01", NONE},
    {"2003-02-29", NONE},
    {"Tue, 31 Jun 2003 04:00:00 GMT", NONE},
    {"Tue, 10 Jun 2003 25:00:00 GMT", NONE},
    {"10 Foo 2003", NONE},
    {"Jun 2003", NONE},
    {"yesterday", NONE},
    {"2003-12-31T10:14:55+25:00", NONE},
    {"Tue, 10 Jun 2003 04:61:00 GMT", NONE},
    {"2003-12-31T10:14:55Zjunk", NONE},
    {"1/2/03", NONE},
};

START_TEST(test_table)
{
    int64_t got = nd_date_parse(cases[_i].s);
    ck_assert_msg(got == cases[_i].want, "\"%s\": got %lld, want %lld", cases[_i].s, (long long)got,
                  (long long)cases[_i].want);
}
END_TEST

START_TEST(test_null_and_long)
{
    char big[400];

    ck_assert(nd_date_parse(NULL) == NONE);
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = '1';
    big[sizeof(big) - 1] = '\0';
    ck_assert(nd_date_parse(big) == NONE);
}
END_TEST

START_TEST(test_days)
{
    ck_assert_int_eq(nd_date_days(1970, 1, 1), 0);
    ck_assert_int_eq(nd_date_days(2000, 3, 1), 11017);
    ck_assert_int_eq(nd_date_days(1969, 12, 31), -1);
    ck_assert_int_eq(nd_date_days(2400, 2, 29), 157113);
}
END_TEST

/* Every day of four centuries round-trips through the ISO reader. */
START_TEST(test_calendar_sweep)
{
    int64_t want = nd_date_days(1900, 1, 1) * 86400;
    char s[32];

    for (int y = 1900; y < 2300; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
                int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
                int last = md[m - 1] + (m == 2 && leap);
                snprintf(s, sizeof(s), "%04d-%02d-%02dT12:00:00Z", y, m, d);
                if (d > last) {
                    ck_assert_msg(nd_date_parse(s) == NONE, "%s", s);
                    continue;
                }
                ck_assert_msg(nd_date_parse(s) == want + 43200, "%s", s);
                want += 86400;
            }
}
END_TEST

/* Every emitted date is RFC 3339: four-digit years, nothing outside 0001-9999. */
START_TEST(test_format)
{
    char b[32];

    ck_assert_int_eq(nd_date_format(0, b), 0);
    ck_assert_str_eq(b, "1970-01-01T00:00:00Z");
    ck_assert_int_eq(nd_date_format(-59011462799LL, b), 0);
    ck_assert_str_eq(b, "0099-12-31T23:00:01Z");
    ck_assert_int_eq(nd_date_format(-62135596800LL, b), 0);
    ck_assert_str_eq(b, "0001-01-01T00:00:00Z");
    ck_assert_int_eq(nd_date_format(253402300799LL, b), 0);
    ck_assert_str_eq(b, "9999-12-31T23:59:59Z");
    ck_assert_int_eq(nd_date_format(1072915199LL, b), 0);
    ck_assert_str_eq(b, "2003-12-31T23:59:59Z");
    ck_assert_int_eq(nd_date_format(-1, b), 0);
    ck_assert_str_eq(b, "1969-12-31T23:59:59Z");
    ck_assert_int_eq(nd_date_format(-62135596801LL, b), -1);
    ck_assert_str_eq(b, "");
    ck_assert_int_eq(nd_date_format(253402300800LL, b), -1);
    ck_assert_int_eq(nd_date_format(NONE, b), -1);
    /* every day of 1600-2400 round-trips through nd_date_days() */
    for (int64_t d = nd_date_days(1600, 1, 1); d <= nd_date_days(2400, 12, 31); d += 7) {
        int y, m, dd;
        ck_assert_int_eq(nd_date_format(d * 86400 + 3661, b), 0);
        ck_assert_int_eq(sscanf(b, "%d-%d-%dT", &y, &m, &dd), 3);
        ck_assert(nd_date_days(y, m, dd) == d);
        ck_assert_str_eq(b + 10, "T01:01:01Z");
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("date");
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(tc, test_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_null_and_long);
    tcase_add_test(tc, test_days);
    tcase_add_test(tc, test_calendar_sweep);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
