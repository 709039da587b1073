/*
 * html_int.h: what the HTML reader (html_parse.c) and the sanitizer
 * (html.c) share; not a public header.
 *
 * html.c owns the element table: one row per element the sanitizer or the
 * reader knows, with what the sanitizer does with it and how the reader
 * parses it.  html_parse.c reads a fragment the way the HTML standard's
 * tokenizer does and hands the sanitizer balanced events: every start has
 * its end, void elements end at once, what the markup leaves open is closed.
 */
#ifndef NEWSD_HTML_INT_H
#define NEWSD_HTML_INT_H

#include <stddef.h>
#include <stdint.h>

/* How the reader parses an element (struct nd_html_tag.parse). */
#define HP_VOID     0x001 /* no content, no end tag: br, img, embed... */
#define HP_RAW      0x002 /* text up to its end tag: script, style, textarea, title, xmp... */
#define HP_PLAIN    0x004 /* plaintext: everything after it is text */
#define HP_CLOSE_P  0x008 /* its start tag ends an open <p> */
#define HP_HEADING  0x010 /* h1-h6 */
#define HP_BREAKOUT 0x020 /* its start tag ends svg or math content */
#define HP_SPECIAL  0x040 /* the standard's "special" category: li, dd, dt look no further */
#define HP_FOREIGN  0x080 /* svg, math: foreign content (no raw text, "/>" honoured) */
#define HP_SCOPE    0x100 /* a scope boundary: table, td, th, caption, button, object... */
#define HP_FORMAT   0x200 /* a formatting element (a, b, i, em...): reopened in the next block */

/* What the sanitizer does with an element (struct nd_html_tag.action). */
enum nd_html_action {
    A_KEEP,   /* written with its allowed attributes */
    A_UNWRAP, /* tag dropped, content kept */
    A_DROP,   /* dropped with everything inside */
    A_SKIP,   /* a void element dropped */
};

/* Elements the reader's tree rules name. */
enum {
    HT_OTHER = 0,
    HT_A,
    HT_BODY,
    HT_BR,
    HT_DD,
    HT_DT,
    HT_FONT,
    HT_HEAD,
    HT_HTML,
    HT_LI,
    HT_LIST, /* ul, ol, menu */
    HT_DL,
    HT_OPTION,
    HT_OPTGROUP,
    HT_P,
    HT_TABLE,
    HT_TSECTION, /* thead, tbody, tfoot */
    HT_TR,
    HT_TCELL,       /* td, th */
    HT_ADDRESS_DIV, /* address, div: li, dd, dt look past them */
    HT_NOSCRIPT,
};

struct nd_html_tag {
    const char *name;
    uint8_t action;  /* the sanitizer's (enum nd_html_action) */
    uint8_t role;    /* what it means for the text (html.c) */
    uint8_t special; /* the sanitizer's special handling (html.c) */
    uint8_t id;      /* HT_* */
    uint16_t parse;  /* HP_* */
    uint32_t attrs;  /* the attributes kept (html.c) */
};

/* The row of the element named name[0..n) (lower case), or of an unknown element. */
const struct nd_html_tag *nd_html_tag_lookup(const char *name, size_t n);

/* What the reader calls, with the ud given to nd_html_parse(). */
struct nd_html_sink {
    /* attrs: name, value, name, value, ..., NULL (names lower case, values decoded);
     * returns 1 when the element is in the output, 0 when it is not (unwrapped,
     * dropped): the reader's rules count only the elements in the output */
    int (*start)(void *ud, const struct nd_html_tag *t, const char *const *attrs);
    void (*end)(void *ud, const struct nd_html_tag *t);
    void (*text)(void *ud, const char *s, size_t n); /* decoded text, any cut */
};

/* Deeper elements are read as if their tags were not there.  A little more than the
 * sanitizer keeps (ND_HTML_MAX_DEPTH): it bounds what a tag costs (the open elements it
 * looks through for the one it ends) whatever the markup. */
#define ND_HTML_PARSE_DEPTH 320

/*
 * Read the fragment html[0..len) (valid UTF-8) and call the sink.  The
 * tokenizer is the HTML standard's (comments, character references, raw
 * text elements, foreign content, "<" that starts no tag is text); the tree
 * rules are a subset of its tree construction: implied end tags (p, li,
 * dd, dt, table rows and cells, options), formatting elements that a block
 * cut short reopened inside it, an end tag closes the nearest open element of
 * its name and what is open inside it, stray end tags are ignored.  Comments end at "-->", "--!>"
 * or "-- >"; one never closed ends at the next ">", so that it does not swallow the rest of the
 * fragment. Pure, no allocation that outlives the call.
 */
void nd_html_parse(const char *html, size_t len, const struct nd_html_sink *sink, void *ud);

#endif
