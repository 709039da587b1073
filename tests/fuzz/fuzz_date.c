/*
 * fuzz_date.c: libFuzzer target for the date parser: nd_date_parse() on any
 * string, and nd_date_format() on what it gives.  Checks that a date the
 * parser accepts is written as RFC 3339 (four-digit year, every field in
 * range) or not at all (outside 0001-9999), and that what is written reads
 * back as the same instant.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/date.h"
#include "newsd/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rfc3339(const char *s)
{
    static const char pat[] = "dddd-dd-ddTdd:dd:ddZ";

    if (strlen(s) != sizeof(pat) - 1)
        return 0;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
            return 0;
    return (s[5] - '0') * 10 + (s[6] - '0') >= 1 && (s[5] - '0') * 10 + (s[6] - '0') <= 12 &&
           (s[8] - '0') * 10 + (s[9] - '0') >= 1 && (s[8] - '0') * 10 + (s[9] - '0') <= 31 &&
           (s[11] - '0') * 10 + (s[12] - '0') <= 23 && (s[14] - '0') * 10 + (s[15] - '0') <= 59 &&
           (s[17] - '0') * 10 + (s[18] - '0') <= 59 && memcmp(s, "0000", 4) != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), out[32];
    int64_t t;

    memcpy(s, data, size);
    s[size] = '\0';
    t = nd_date_parse(s);
    free(s);
    if (nd_date_format(t, out) != 0) {
        /* no date, or one outside 0001-9999: nothing is written */
        if (out[0] != '\0') {
            fprintf(stderr, "fuzz_date: no date, yet \"%s\" written\n", out);
            abort();
        }
        return 0;
    }
    if (t == ND_TIME_NONE || !rfc3339(out) || nd_date_parse(out) != t) {
        fprintf(stderr, "fuzz_date: %lld written as \"%s\", which reads as %lld\n", (long long)t,
                out, (long long)nd_date_parse(out));
        abort();
    }
    return 0;
}
