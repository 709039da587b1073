/*
 * article.h: one clean article, the unit that is deduped, journaled and
 * published.  Produced by the cleaner from a parser entry (nd_clean_entry),
 * encoded as the contract's JSON by nd_message_encode().
 */
#ifndef NEWSD_ARTICLE_H
#define NEWSD_ARTICLE_H

#include <stdint.h>

#include "newsd/feed.h"
#include "newsd/util.h"

#define ND_ID_HEX 32 /* an article id: 128-bit hash, lowercase hex */

struct nd_article {
    char id[ND_ID_HEX + 1];
    char *url;          /* canonical absolute URL, or NULL */
    int url_shared;     /* other items of the document have this URL: it is no identity */
    char *guid;         /* the feed's own id, or NULL */
    char *title;        /* plain text, never NULL */
    char *summary;      /* plain text, short, never NULL */
    char *content_html; /* sanitized HTML, never NULL */
    char *content_text; /* plain text of the content, never NULL */
    char *language;     /* or NULL */
    struct nd_strv authors;
    struct nd_strv categories;
    int64_t published; /* Unix seconds or ND_TIME_NONE */
    int64_t updated;   /* Unix seconds or ND_TIME_NONE */
    int64_t fetched;
    struct nd_enclosure *enclosures;
    size_t n_enclosures;
    char *image;         /* or NULL */
    char *duplicate_of;  /* id of the first copy, or NULL */
    uint64_t text_hash;  /* hash of normalized title+text (prepare.h); 0 when too little text */
    const char *skipped; /* why it is no article (static, one line), or NULL: see nd_clean_entry */
};

struct nd_clean_ctx {
    const char *source_id;     /* "" outside the daemon */
    const char *feed_language; /* inherited when the item has none; may be NULL */
    int64_t fetched;           /* Unix seconds */
};

/*
 * Turn a parser entry into an article: plain-text title and summary,
 * sanitized content, canonical URL, id.  Pure.
 * An entry with any title, link, guid, text, image, media (content markup
 * such as a video or a player) or enclosure is an article: returns 0.  One
 * with none of them (only an author, categories, a date, or nothing) is
 * skipped: returns ND_EINVAL with out->skipped saying what it had ("only an
 * author and a date"); *out is filled all the same, so that `newsctl parse
 * --all` can show it.  The daemon counts such entries as skipped.
 * The caller frees *out with nd_article_free() in both cases.
 */
int nd_clean_entry(const struct nd_entry *e, const struct nd_clean_ctx *ctx,
                   struct nd_article *out) ND_WUR;

/*
 * The id a would have without its URL: of (source, guid), else of its
 * normalized text.  For an article whose URL turns out to be no identity
 * (the site's home page, or carried by an earlier, other story: dedupe.h).
 */
void nd_article_id_without_url(const struct nd_article *a, const char *source,
                               char out[ND_ID_HEX + 1]);

void nd_article_free(struct nd_article *a);

/* Everything a message carries besides the article itself. */
struct nd_msg_meta {
    const char *event; /* "article" or "update" */
    int64_t seq;
    int64_t topic_seq;
    const char *source_id;
    const char *source_title;
    const char *source_url;
    const char *feed_title;
    const char *feed_url;
    const char *feed_language;
};

/* The contract's JSON object, compact, no trailing newline.  Caller frees. */
char *nd_message_encode(const struct nd_article *a, const struct nd_msg_meta *m);

/* What the dedupe index needs of a message, read back (message_decode.c). */
struct nd_message_in {
    struct nd_article a; /* id, url, guid, title, summary, content_text, dates, duplicate_of */
    int update;          /* event "update" */
    char *source_id;
    char *feed_url; /* the feed's site, or NULL */
};

/*
 * Read a message nd_message_encode() wrote (another node's, in cluster
 * mode).  *out is new whatever happens (nd_message_in_free).  0, or
 * ND_EINVAL when data is no article or update message.
 */
int nd_message_decode(const char *data, size_t len, struct nd_message_in *out) ND_WUR;
void nd_message_in_free(struct nd_message_in *m);

#endif
