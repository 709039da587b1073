/*
 * testutil.h: small helpers shared by the unit tests (header-only).
 */
#ifndef NEWSD_TESTUTIL_H
#define NEWSD_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh temporary folder; caller frees the string. */
static inline char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/newsd-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static inline void tu_rmrf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

/* Write text to dir/name; returns the path (caller frees). */
static inline char *tu_write(const char *dir, const char *name, const char *text)
{
    char *path;
    FILE *fp;

    if (asprintf(&path, "%s/%s", dir, name) < 0)
        abort();
    fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Run one suite; the exit status for main(). */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

/* The next number of a xorshift64 sequence: the tests' reproducible randomness. */
static inline uint64_t tu_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* One of n pieces picked by tu_next(). */
#define TU_PICK(pieces, x) ((pieces)[tu_next(x) % (sizeof(pieces) / sizeof((pieces)[0]))])

/* Append p to buf (*len bytes so far) when it fits with a NUL in cap bytes; 0 when it does not. */
static inline int tu_append(char *buf, size_t cap, size_t *len, const char *p)
{
    size_t n = strlen(p);

    if (*len + n >= cap)
        return 0;
    memcpy(buf + *len, p, n + 1);
    *len += n;
    return 1;
}

#endif
