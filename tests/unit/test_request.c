/*
 * test_request.c: control requests decoded and refused (request.h).
 */
#include <check.h>
#include <string.h>

#include "newsd/request.h"
#include "testutil.h"

static int decode(const char *s, struct nd_request *r, char *err)
{
    return nd_request_decode(s, strlen(s), r, err, 256);
}

START_TEST(good_requests)
{
    struct nd_request r;
    char err[256];

    ck_assert_int_eq(decode("{\"cmd\":\"ping\"}", &r, err), ND_OK);
    ck_assert_int_eq(r.cmd, ND_CMD_PING);
    nd_request_clear(&r);
    ck_assert_int_eq(
        decode("{\"cmd\":\"refresh\",\"sources\":[\"a\",\"b\",\"a\"],\"force\":true}", &r, err),
        ND_OK);
    ck_assert_int_eq(r.cmd, ND_CMD_REFRESH);
    ck_assert_uint_eq(r.ids.n, 2); /* no repeats */
    ck_assert_str_eq(r.ids.v[1], "b");
    ck_assert_int_eq(r.force, 1);
    ck_assert_int_eq(r.progress, 0);
    nd_request_clear(&r);
    ck_assert_int_eq(decode("{\"cmd\":\"refresh\"}", &r, err), ND_OK);
    ck_assert_uint_eq(r.ids.n, 0);
    ck_assert_int_eq(r.force, 0);
    nd_request_clear(&r);
    ck_assert_int_eq(decode("{\"cmd\":\"refresh\",\"progress\":true}", &r, err), ND_OK);
    ck_assert_int_eq(r.progress, 1);
    nd_request_clear(&r);
    ck_assert_int_eq(
        decode("{\"cmd\":\"replay\",\"since\":7,\"limit\":999999,\"topics\":[\"n.\"]}", &r, err),
        ND_OK);
    ck_assert_int_eq(r.since, 7);
    ck_assert_int_eq(r.limit, ND_REPLAY_MAX);
    ck_assert_str_eq(r.topics.v[0], "n.");
    nd_request_clear(&r);
    ck_assert_int_eq(decode("{\"cmd\":\"replay\",\"since\":0}", &r, err), ND_OK);
    ck_assert_int_eq(r.limit, ND_REPLAY_DEFAULT);
    nd_request_clear(&r);
}
END_TEST

START_TEST(bad_requests)
{
    static const char *const bad[][2] = {
        {"", "malformed request"},
        {"[1]", "not an object"},
        {"{\"cmd\":1}", "not an object"},
        {"{\"cmd\":\"halt\"}", "unknown command 'halt'"},
        {"{\"cmd\":\"ping\",\"cmd\":\"status\"}", "malformed request"},
        {"{\"cmd\":\"refresh\",\"sources\":\"a\"}", "\"sources\" must be"},
        {"{\"cmd\":\"refresh\",\"sources\":[1]}", "\"sources\" must be"},
        {"{\"cmd\":\"refresh\",\"sources\":[\"a\\u0000b\"]}", "malformed request"},
        {"{\"cmd\":\"refresh\",\"force\":1}", "\"force\" must be"},
        {"{\"cmd\":\"refresh\",\"progress\":\"yes\"}", "\"progress\" must be"},
        {"{\"cmd\":\"replay\"}", "\"since\" must be"},
        {"{\"cmd\":\"replay\",\"since\":-1}", "\"since\" must be"},
        {"{\"cmd\":\"replay\",\"since\":1.5}", "\"since\" must be"},
        {"{\"cmd\":\"replay\",\"since\":1,\"limit\":0}", "\"limit\" must be"},
        {"{\"cmd\":\"replay\",\"since\":1,\"topics\":[null]}", "\"topics\" must be"},
    };
    struct nd_request r;
    char err[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(decode(bad[i][0], &r, err), ND_EINVAL);
        ck_assert_msg(strstr(err, bad[i][1]) != NULL, "%s: %s", bad[i][0], err);
        ck_assert_uint_eq(r.ids.n + r.topics.n, 0);
    }
}
END_TEST

START_TEST(too_large)
{
    static char big[ND_REQUEST_MAX + 2];
    struct nd_request r;
    char err[256];

    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    memcpy(big + 1, "\"cmd\":\"ping\"}", 13);
    ck_assert_int_eq(nd_request_decode(big, sizeof(big) - 1, &r, err, sizeof(err)), ND_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "larger than"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, good_requests);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, too_large);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
