/*
 * filter.h: keep and drop rules (docs/configuration.md, "Filters").
 *
 * A rule looks at one field of a clean article (title, text, url, author,
 * category, language) with a PCRE2 regular expression or a list of words
 * (case-insensitive, whole words), and keeps or drops the article when it
 * matches.  The daemon checks a source's own rules, then the global ones,
 * in order, after cleaning and before dedupe; the first rule that matches
 * decides, and an article no rule matches goes on.
 *
 * Rules are compiled once, when the configuration is read; a rule list is
 * shared (reference counted) by the configuration, the sources' copies of
 * their settings and the polls in progress, so that a reload never frees
 * one in use.  One thread: the loop's (the reference count is plain).
 * Checking an article is pure.
 */
#ifndef NEWSD_FILTER_H
#define NEWSD_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "newsd/article.h"
#include "newsd/util.h"

enum nd_filter_field {
    ND_FILTER_TITLE = 0,
    ND_FILTER_TEXT,     /* the content's plain text (else the summary) */
    ND_FILTER_URL,      /* the canonical URL */
    ND_FILTER_AUTHOR,   /* any of the authors */
    ND_FILTER_CATEGORY, /* any of the categories */
    ND_FILTER_LANGUAGE, /* the BCP 47 tag ("en-US") */
};

struct nd_filter {
    enum nd_filter_field field;
    int keep;             /* keep when it matches; else drop */
    char *match;          /* the regular expression as written, or NULL */
    struct nd_strv words; /* or the words */
    char *label;          /* its name, or "SCOPE/N": the metrics' label */
    int named;            /* the label is a name given in the configuration */
    char *where;          /* "file:line" */
    int index;            /* 1-based, in its list */
    void *re;             /* the compiled pattern (pcre2_code) */
};

struct nd_filters {
    int refs;
    char *scope; /* "global" or the source's id */
    struct nd_filter *v;
    size_t n;
};

/* The field of that name ("title"...), or -1. */
int nd_filter_field_parse(const char *name);
const char *nd_filter_field_name(enum nd_filter_field f);

/* An empty list for scope ("global" or a source id), one reference. */
struct nd_filters *nd_filters_new(const char *scope);
struct nd_filters *nd_filters_ref(struct nd_filters *f);
/* Drop a reference; the last frees.  NULL does nothing. */
void nd_filters_unref(struct nd_filters *f);

/*
 * Compile and append a rule: exactly one of match (a PCRE2 pattern) and
 * words (n_words > 0) is given; name may be NULL; where is "file:line".
 * 0, or ND_EINVAL with the reason in err (PCRE2's message and offset).
 */
int nd_filters_add(struct nd_filters *fs, enum nd_filter_field field, int keep, const char *match,
                   const char *const *words, size_t n_words, const char *name, const char *where,
                   char *err, size_t errlen) ND_WUR;

/*
 * The rule that decides for a: the first of first's rules that matches,
 * else the first of then's; NULL when none does.  Either list may be NULL.
 * A rule whose pattern hits PCRE2's match limit does not match.  Pure.
 */
const struct nd_filter *nd_filters_check(const struct nd_filters *first,
                                         const struct nd_filters *then, const struct nd_article *a);

/* One line: `filter 2 of source wire (newsd.conf:31): drop when title matches "(?i)sponsored"`. */
void nd_filter_describe(const struct nd_filters *fs, const struct nd_filter *f, char *out,
                        size_t outlen);

/*
 * What the filters dropped lately, for `newsctl explain`: dropped articles
 * are not remembered as seen (they are checked again at each poll, so a
 * rule removed by a reload lets them through), so this keeps the last cap
 * of them in memory, by id and by canonical URL.  Lost at restart; the
 * next poll of the source fills it again.
 */
struct nd_filter_memo;

struct nd_filter_drop {
    char id[ND_ID_HEX + 1];
    char *url; /* canonical, or NULL */
    char *source;
    char *title;
    char *why;    /* nd_filter_describe() */
    int64_t seen; /* Unix seconds, the last time */
};

struct nd_filter_memo *nd_filter_memo_new(size_t cap);
void nd_filter_memo_free(struct nd_filter_memo *m);
/* Remember that a was dropped (strings copied); the same id again is refreshed. */
void nd_filter_memo_add(struct nd_filter_memo *m, const struct nd_article *a, const char *source,
                        const char *why, int64_t now);
/* The drop of the article with this id (or else this canonical URL), or NULL. */
const struct nd_filter_drop *nd_filter_memo_find(const struct nd_filter_memo *m, const char *id,
                                                 const char *url);

#endif
