/*
 * util.h: error codes, allocation, growable buffers and string vectors.
 *
 * Allocation failure is not an error newsd recovers from: xmalloc() and
 * friends print one line and abort, as redis and chrony do.  Every other
 * fallible function returns 0 or a negative ND_E* code; nd_strerror() names it.
 */
#ifndef NEWSD_UTIL_H
#define NEWSD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ND_WUR          __attribute__((warn_unused_result))
#define ND_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum {
    ND_OK = 0,
    ND_EINVAL = -1,  /* bad argument or malformed input */
    ND_ENOMEM = -2,  /* a cap was reached */
    ND_EIO = -3,     /* I/O error, see errno */
    ND_EPARSE = -4,  /* document could not be parsed */
    ND_ETOOBIG = -5, /* input larger than its cap */
    ND_ESTORE = -6,  /* the state store failed */
    ND_ENOTFOUND = -7,
    ND_EEXIST = -8,
};

const char *nd_strerror(int err);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a new string; caller frees. */
char *xasprintf(const char *fmt, ...) ND_PRINTF(1, 2);

/* Replace *dst by a copy of src (or NULL); frees the old value. */
void nd_str_set(char **dst, const char *src);
/* Replace *dst by src, taking ownership of src; frees the old value. */
void nd_str_take(char **dst, char *src);
int nd_str_empty(const char *s);
/* Are a and b equal strings, or both NULL? */
int nd_str_same(const char *a, const char *b);
/* The word for n of a thing: one ("item") when n is 1, else many ("items"). */
const char *nd_plural(long long n, const char *one, const char *many);
/*
 * Levenshtein distance between a and b (at most 64 bytes of each are
 * compared; longer strings count as far apart): for "did you mean".
 */
size_t nd_edit_distance(const char *a, const char *b);

/*
 * A growable byte buffer with a hard cap.  The data is always NUL
 * terminated (the NUL is not counted in len).  Appends past the cap
 * fail with ND_ETOOBIG and leave the buffer as it was.
 */
struct nd_buf {
    char *data;
    size_t len;
    size_t cap;   /* allocated */
    size_t limit; /* hard cap on len; 0 means SIZE_MAX/2 */
};

void nd_buf_init(struct nd_buf *b, size_t limit);
void nd_buf_free(struct nd_buf *b);
void nd_buf_reset(struct nd_buf *b);
int nd_buf_add(struct nd_buf *b, const void *p, size_t n) ND_WUR;
int nd_buf_addc(struct nd_buf *b, char c) ND_WUR;
int nd_buf_adds(struct nd_buf *b, const char *s) ND_WUR;
int nd_buf_printf(struct nd_buf *b, const char *fmt, ...) ND_PRINTF(2, 3) ND_WUR;
/* Give up the data to the caller (caller frees); the buffer is left empty. */
char *nd_buf_steal(struct nd_buf *b);

/* A vector of owned strings. */
struct nd_strv {
    char **v;
    size_t n;
    size_t cap;
};

void nd_strv_push(struct nd_strv *sv, const char *s); /* copies s */
void nd_strv_take(struct nd_strv *sv, char *s);       /* takes ownership of s */
int nd_strv_contains(const struct nd_strv *sv, const char *s);
void nd_strv_free(struct nd_strv *sv);

/* Wall clock, Unix seconds and milliseconds; monotonic milliseconds. */
int64_t nd_now(void);
int64_t nd_now_ms(void);
int64_t nd_mono_ms(void);
int64_t nd_mono_us(void);

/* Format a Unix time as RFC 3339 UTC ("2026-11-27T10:00:00Z"); out needs 21+ bytes. */
void nd_time_rfc3339(int64_t t, char out[32]);

/* Read a whole file (capped at limit bytes); caller frees *out. */
int nd_read_file(const char *path, size_t limit, char **out, size_t *len) ND_WUR;

/* mkdir -p; 0 or -1 with errno. */
int nd_mkdir_p(const char *dir, unsigned mode);
/* For an ipc:// endpoint, create the folder of its socket file; 0 or -1 with errno. */
int nd_ipc_prepare(const char *endpoint);

/* strtol-style parsing of a whole string; 0 or ND_EINVAL. */
int nd_parse_i64(const char *s, int64_t *out) ND_WUR;

#endif
