/*
 * testutil.h: small helpers shared by the unit tests (header-only).
 */
#ifndef NEWSD_TESTUTIL_H
#define NEWSD_TESTUTIL_H

#include <check.h>
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

#endif
