/*
 * html.c: the allowlist HTML sanitizer and HTML-to-text, in one pass.
 *
 * html_parse.c reads the fragment as the HTML standard's tokenizer does and
 * hands over balanced events (it closes what the markup leaves open); this
 * file only decides, per event, what to write.  No tree is built.  The
 * element table below is both the allowlist and what the reader needs to
 * know of each element (void, raw text, which tags end which).
 *
 * The allowlist follows Miniflux's sanitizer.  Decisions:
 * - Kept: text and structure tags (p, div, h1-h6, lists, dl, blockquote, pre,
 *   code, inline emphasis, sub/sup, small, mark, abbr, cite, q, del/ins, kbd,
 *   samp, var, dfn, time, ruby, br, hr, wbr), tables, figure/figcaption, a,
 *   img, picture, source, video, audio.  div is kept (unwrapping it would join
 *   blocks); span, font, section, article and every unknown tag are unwrapped.
 * - Dropped with their content: script, style, form and its controls,
 *   template, title, dialog, map, noembed, noframes, and iframes that are not
 *   players (below).  Void ones (embed, input, link, meta, base, track...) are
 *   dropped alone.  Comments and processing instructions are dropped.
 * - Unwrapped, their content kept as text a reader should see: the fallback
 *   content of object, applet, canvas and noscript (a reader runs no script
 *   and no plugin, so the fallback is what it shows; an image in noscript
 *   that repeats the lazy-loaded one before it is dropped), and svg and math,
 *   whose text is kept and whose elements are not (their style and script
 *   are dropped like any other).
 * - Attributes per tag only (a: href title; img: src srcset sizes alt title
 *   width height; source: src srcset sizes type media; video: src poster
 *   width height; audio: src; td/th: colspan rowspan; ol: start; abbr: title;
 *   time: datetime).  Never style, class, id or on*.  Numbers must be numbers.
 * - URLs (href, src, poster, srcset entries) are resolved against the base,
 *   tracking parameters removed, and must be http or https (and mailto for
 *   href).  data: URLs are refused, for images too: they bloat every message
 *   and svg ones can carry script.  A link without a usable href is unwrapped;
 *   an image without a usable src is dropped; lazy-loading attributes
 *   (data-src, data-lazy-src, data-original, data-srcset) stand in for src.
 * - Links get rel="noopener noreferrer" but no target: where a link opens is
 *   the reader's choice.  Images get loading="lazy"; video and audio get
 *   controls and preload="none" (never autoplay).
 * - iframes only from a few video and audio players (YouTube, Vimeo,
 *   Dailymotion, SoundCloud, Bandcamp, Spotify, TED, OpenStreetMap), always
 *   https, sandboxed, lazy, with their fallback content dropped.
 * - Tracking pixels are dropped: images whose width and height are both 0 or
 *   1, and images on known tracker hosts (feedburner ~r/~ff, pixel.wp.com,
 *   stats.wordpress.com, google-analytics, scorecardresearch...); links to
 *   those hosts lose the link and keep their text.
 * - Output: balanced tags, attributes double-quoted with & < > " escaped,
 *   void elements without end tags, whitespace runs collapsed outside <pre>,
 *   controls dropped, valid UTF-8 in NFC.  Elements deeper than
 *   ND_HTML_MAX_DEPTH are unwrapped; output past ND_HTML_MAX_OUT is cut.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html_int.h"
#include "newsd/html.h"
#include "newsd/text.h"
#include "newsd/url.h"

/* ---- the allowlist -------------------------------------------------------- */

/* What an element means for the plain text. */
enum role {
    R_INLINE = 0, /* nothing */
    R_BLOCK,      /* a paragraph break before and after */
    R_LINE,       /* a line break before and after */
    R_CELL,       /* a space before and after */
    R_BR,         /* one more line break */
    R_PRE,        /* a block whose whitespace is kept */
    R_NOTEXT,     /* kept, but its text is fallback content (audio, video) */
};

enum attr {
    AT_HREF,
    AT_SRC,
    AT_SRCSET,
    AT_SIZES,
    AT_ALT,
    AT_TITLE,
    AT_WIDTH,
    AT_HEIGHT,
    AT_POSTER,
    AT_TYPE,
    AT_MEDIA,
    AT_COLSPAN,
    AT_ROWSPAN,
    AT_START,
    AT_DATETIME,
    AT_ALLOWFULLSCREEN,
    AT_DATA_SRC,    /* data-src, data-lazy-src, data-original: lazy-loaded images */
    AT_DATA_SRCSET, /* data-srcset, data-lazy-srcset */
    AT_COUNT,
};

#define BIT(a) (1u << (a))

enum special { S_NONE = 0, S_A, S_IMG, S_SOURCE, S_VIDEO, S_AUDIO, S_IFRAME, S_VOID };

#define tag nd_html_tag

/* clang-format off */
#define VOID_   HP_VOID
#define RAW_    HP_RAW
#define CP_     HP_CLOSE_P
#define SP_     HP_SPECIAL
#define BO_     HP_BREAKOUT
#define SC_     HP_SCOPE
#define FM_     HP_FORMAT
#define K(n, r, id, hp)          {n, A_KEEP, r, S_NONE, id, hp, 0}
#define KA(n, r, s, id, hp, a)   {n, A_KEEP, r, s, id, hp, a}
#define U(n, r, id, hp)          {n, A_UNWRAP, r, S_NONE, id, hp, 0}
#define D(n, id, hp)             {n, A_DROP, R_INLINE, S_NONE, id, hp, 0}
#define DV(n, hp)                {n, A_SKIP, R_INLINE, S_NONE, HT_OTHER, VOID_ | (hp), 0}
#define BLOCK_                   (CP_ | SP_)
#define O_                       HT_OTHER
/* clang-format on */

/*
 * Sorted by name (binary search).  Anything not listed is unwrapped.  The
 * reader's columns (id, HP_*) are the HTML standard's categories.
 */
/* clang-format off */
static const struct tag tags[] = {
    KA("a", R_INLINE, S_A, HT_A, FM_, BIT(AT_HREF) | BIT(AT_TITLE)),
    KA("abbr", R_INLINE, S_NONE, O_, 0, BIT(AT_TITLE)),
    U("address", R_BLOCK, HT_ADDRESS_DIV, BLOCK_),
    U("applet", R_INLINE, O_, SP_ | SC_),
    DV("area", SP_),
    U("article", R_BLOCK, O_, BLOCK_),
    U("aside", R_BLOCK, O_, BLOCK_),
    KA("audio", R_NOTEXT, S_AUDIO, O_, 0, BIT(AT_SRC)),
    K("b", R_INLINE, O_, BO_ | FM_),
    DV("base", SP_),
    DV("basefont", SP_),
    DV("bgsound", SP_),
    U("big", R_INLINE, O_, BO_ | FM_),
    K("blockquote", R_BLOCK, O_, BLOCK_ | BO_),
    U("body", R_BLOCK, HT_BODY, SP_ | BO_),
    KA("br", R_BR, S_VOID, HT_BR, VOID_ | SP_ | BO_, 0),
    D("button", O_, SP_ | SC_),
    U("canvas", R_INLINE, O_, 0),
    K("caption", R_LINE, O_, SP_ | SC_),
    U("center", R_BLOCK, O_, BLOCK_ | BO_),
    K("cite", R_INLINE, O_, 0),
    K("code", R_INLINE, O_, BO_ | FM_),
    DV("col", SP_),
    D("colgroup", O_, SP_),
    D("datalist", O_, 0),
    K("dd", R_LINE, HT_DD, BLOCK_ | BO_),
    K("del", R_INLINE, O_, 0),
    U("details", R_BLOCK, O_, BLOCK_),
    K("dfn", R_INLINE, O_, 0),
    D("dialog", O_, BLOCK_),
    U("dir", R_BLOCK, O_, BLOCK_),
    K("div", R_BLOCK, HT_ADDRESS_DIV, BLOCK_ | BO_),
    K("dl", R_BLOCK, HT_DL, BLOCK_ | BO_),
    K("dt", R_LINE, HT_DT, BLOCK_ | BO_),
    K("em", R_INLINE, O_, BO_ | FM_),
    DV("embed", SP_ | BO_),
    U("fieldset", R_BLOCK, O_, BLOCK_),
    K("figcaption", R_LINE, O_, BLOCK_),
    K("figure", R_BLOCK, O_, BLOCK_),
    U("font", R_INLINE, HT_FONT, FM_),
    U("footer", R_BLOCK, O_, BLOCK_),
    D("form", O_, BLOCK_),
    DV("frame", SP_),
    D("frameset", O_, SP_),
    K("h1", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    K("h2", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    K("h3", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    K("h4", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    K("h5", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    K("h6", R_BLOCK, O_, BLOCK_ | HP_HEADING | BO_),
    U("head", R_BLOCK, HT_HEAD, SP_ | BO_),
    U("header", R_BLOCK, O_, BLOCK_),
    U("hgroup", R_BLOCK, O_, BLOCK_),
    KA("hr", R_BLOCK, S_VOID, O_, VOID_ | BLOCK_ | BO_, 0),
    U("html", R_BLOCK, HT_HTML, SP_ | SC_),
    K("i", R_INLINE, O_, BO_ | FM_),
    KA("iframe", R_INLINE, S_IFRAME, O_, RAW_ | SP_,
       BIT(AT_SRC) | BIT(AT_WIDTH) | BIT(AT_HEIGHT) | BIT(AT_ALLOWFULLSCREEN)),
    KA("img", R_INLINE, S_IMG, O_, VOID_ | SP_ | BO_, BIT(AT_SRC) | BIT(AT_ALT) | BIT(AT_TITLE) |
       BIT(AT_WIDTH) | BIT(AT_HEIGHT) | BIT(AT_SRCSET) | BIT(AT_SIZES)),
    DV("input", SP_),
    K("ins", R_INLINE, O_, 0),
    K("kbd", R_INLINE, O_, 0),
    DV("keygen", SP_),
    U("legend", R_BLOCK, O_, 0),
    K("li", R_LINE, HT_LI, BLOCK_ | BO_),
    DV("link", SP_),
    U("listing", R_PRE, O_, BLOCK_ | BO_),
    U("main", R_BLOCK, O_, BLOCK_),
    D("map", O_, 0),
    K("mark", R_INLINE, O_, 0),
    U("marquee", R_BLOCK, O_, SP_ | SC_),
    U("math", R_INLINE, O_, HP_FOREIGN),
    U("menu", R_BLOCK, HT_LIST, BLOCK_ | BO_),
    DV("meta", SP_ | BO_),
    D("meter", O_, 0),
    U("nav", R_BLOCK, O_, BLOCK_),
    U("nobr", R_INLINE, O_, BO_ | FM_),
    D("noembed", O_, RAW_ | SP_),
    D("noframes", O_, RAW_ | SP_),
    U("noscript", R_INLINE, HT_NOSCRIPT, SP_),
    U("object", R_INLINE, O_, SP_ | SC_),
    KA("ol", R_BLOCK, S_NONE, HT_LIST, BLOCK_ | BO_, BIT(AT_START)),
    D("optgroup", HT_OPTGROUP, 0),
    D("option", HT_OPTION, 0),
    K("p", R_BLOCK, HT_P, BLOCK_ | BO_),
    DV("param", SP_),
    K("picture", R_INLINE, O_, 0),
    U("plaintext", R_PRE, O_, HP_PLAIN | BLOCK_),
    K("pre", R_PRE, O_, BLOCK_ | BO_),
    D("progress", O_, 0),
    K("q", R_INLINE, O_, 0),
    K("rp", R_INLINE, O_, 0),
    K("rt", R_INLINE, O_, 0),
    K("ruby", R_INLINE, O_, BO_),
    K("s", R_INLINE, O_, BO_ | FM_),
    K("samp", R_INLINE, O_, 0),
    D("script", O_, RAW_ | SP_),
    U("section", R_BLOCK, O_, BLOCK_),
    D("select", O_, SP_),
    K("small", R_INLINE, O_, BO_ | FM_),
    KA("source", R_INLINE, S_SOURCE, O_, VOID_ | SP_,
       BIT(AT_SRC) | BIT(AT_SRCSET) | BIT(AT_TYPE) | BIT(AT_MEDIA) | BIT(AT_SIZES)),
    U("span", R_INLINE, O_, BO_),
    U("strike", R_INLINE, O_, BO_ | FM_),
    K("strong", R_INLINE, O_, BO_ | FM_),
    D("style", O_, RAW_ | SP_),
    K("sub", R_INLINE, O_, BO_),
    U("summary", R_BLOCK, O_, BLOCK_),
    K("sup", R_INLINE, O_, BO_),
    U("svg", R_INLINE, O_, HP_FOREIGN),
    K("table", R_BLOCK, HT_TABLE, BLOCK_ | SC_ | BO_),
    K("tbody", R_INLINE, HT_TSECTION, SP_),
    KA("td", R_CELL, S_NONE, HT_TCELL, SP_ | SC_, BIT(AT_COLSPAN) | BIT(AT_ROWSPAN)),
    D("template", O_, SP_ | SC_),
    D("textarea", O_, RAW_ | SP_),
    K("tfoot", R_INLINE, HT_TSECTION, SP_),
    KA("th", R_CELL, S_NONE, HT_TCELL, SP_ | SC_, BIT(AT_COLSPAN) | BIT(AT_ROWSPAN)),
    K("thead", R_INLINE, HT_TSECTION, SP_),
    KA("time", R_INLINE, S_NONE, O_, 0, BIT(AT_DATETIME)),
    D("title", O_, RAW_ | SP_),
    K("tr", R_LINE, HT_TR, SP_),
    DV("track", SP_),
    U("tt", R_INLINE, O_, BO_ | FM_),
    K("u", R_INLINE, O_, BO_ | FM_),
    K("ul", R_BLOCK, HT_LIST, BLOCK_ | BO_),
    K("var", R_INLINE, O_, BO_),
    KA("video", R_NOTEXT, S_VIDEO, O_, 0,
       BIT(AT_SRC) | BIT(AT_POSTER) | BIT(AT_WIDTH) | BIT(AT_HEIGHT)),
    KA("wbr", R_INLINE, S_VOID, O_, VOID_ | SP_, 0),
    U("xmp", R_PRE, O_, RAW_ | BLOCK_),
};
/* clang-format on */

static const struct tag unknown_tag = U("", R_INLINE, O_, 0);

static int is_void(const struct tag *t)
{
    return (t->parse & HP_VOID) != 0;
}

const struct nd_html_tag *nd_html_tag_lookup(const char *name, size_t n)
{
    size_t lo = 0, hi = sizeof(tags) / sizeof(tags[0]), mid;
    int c;

    if (n == 0)
        return &unknown_tag;
    while (lo < hi) {
        mid = (lo + hi) / 2;
        c = (unsigned char)name[0] - (unsigned char)tags[mid].name[0];
        if (c == 0) {
            /* name[0..n) against a NUL-terminated row name (name may hold a NUL) */
            c = strncmp(name, tags[mid].name, n);
            if (c == 0) {
                size_t tl = strnlen(tags[mid].name, n + 1);
                c = tl > n ? -1 : tl < n ? 1 : 0; /* a prefix of the row's, or longer */
            }
        }
        if (c == 0)
            return &tags[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &unknown_tag;
}

/* Attribute names as written, in output order (enum attr). */
static const char *const attr_names[AT_COUNT] = {
    "href",     "src",         "srcset",   "sizes",
    "alt",      "title",       "width",    "height",
    "poster",   "type",        "media",    "colspan",
    "rowspan",  "start",       "datetime", "allowfullscreen",
    "data-src", "data-srcset",
};

static int attr_lookup(const char *name)
{
    switch (name[0]) { /* most attributes are none of ours */
    case 'a':
    case 'c':
    case 'h':
    case 'm':
    case 'p':
    case 'r':
    case 's':
    case 't':
    case 'w':
        break;
    case 'd':
        if (strncmp(name, "data-", 5) == 0) {
            name += 5;
            if (strcmp(name, "src") == 0 || strcmp(name, "lazy-src") == 0 ||
                strcmp(name, "original") == 0)
                return AT_DATA_SRC;
            if (strcmp(name, "srcset") == 0 || strcmp(name, "lazy-srcset") == 0)
                return AT_DATA_SRCSET;
            return -1;
        }
        break;
    default:
        return -1;
    }
    for (int i = 0; i < AT_DATA_SRC; i++)
        if (strcmp(name, attr_names[i]) == 0)
            return i;
    return -1;
}

/*
 * Hosts whose images are tracking pixels or share widgets: dropped (links to
 * them are unwrapped).  path, when set, is a prefix of the path.
 */
/* clang-format off */
static const struct {
    const char *host;
    const char *path;
} trackers[] = {
    {"feeds.feedburner.com", "/~r/"}, {"feeds.feedburner.com", "/~ff/"},
    {"feedproxy.google.com", "/~r/"}, {"feedproxy.google.com", "/~ff/"},
    {"feeds.feedblitz.com", "/~/i/"}, {"feeds.wordpress.com", "/1.0/"},
    {"pixel.wp.com", NULL}, {"stats.wordpress.com", NULL},
    {"stats.wp.com", NULL}, {"pixel.quantserve.com", NULL},
    {"www.google-analytics.com", NULL}, {"ssl.google-analytics.com", NULL},
    {"sb.scorecardresearch.com", NULL}, {"b.scorecardresearch.com", NULL},
    {"pi.feedsportal.com", NULL}, {"da.feedsportal.com", NULL},
    {"feedads.g.doubleclick.net", NULL}, {"ad.doubleclick.net", NULL},
    {"pixel.mathtag.com", NULL}, {"www.facebook.com", "/tr"},
    {"api.flattr.com", NULL}, {"feeds.feedblitz.com", "/~/t/"},
};
/* clang-format on */

/* Hosts whose players may be embedded (https, in a sandboxed iframe). */
static const char *const iframe_hosts[] = {
    "www.youtube.com",      "youtube.com",      "www.youtube-nocookie.com",
    "youtube-nocookie.com", "player.vimeo.com", "www.dailymotion.com",
    "geo.dailymotion.com",  "w.soundcloud.com", "bandcamp.com",
    "open.spotify.com",     "embed.ted.com",    "www.openstreetmap.org",
};

/* The host and path of an absolute URL (scheme://[user@]host[:port]/path). */
static int url_parts(const char *url, const char **host, size_t *hlen, const char **path)
{
    const char *p = strstr(url, "://"), *h, *at;

    if (p == NULL)
        return -1;
    h = p + 3;
    p = h + strcspn(h, "/?#");
    at = memchr(h, '@', (size_t)(p - h));
    if (at)
        h = at + 1;
    *host = h;
    *hlen = strcspn(h, ":/?#");
    *path = p;
    return 0;
}

static int host_is(const char *host, size_t hlen, const char *name)
{
    return strncasecmp(host, name, hlen) == 0 && name[hlen] == '\0';
}

static int is_tracker(const char *url)
{
    const char *host, *path;
    size_t hlen;

    if (url_parts(url, &host, &hlen, &path) != 0)
        return 0;
    for (size_t i = 0; i < sizeof(trackers) / sizeof(trackers[0]); i++)
        if (host_is(host, hlen, trackers[i].host) &&
            (trackers[i].path == NULL ||
             strncmp(path, trackers[i].path, strlen(trackers[i].path)) == 0))
            return 1;
    return 0;
}

static int iframe_allowed(const char *url)
{
    const char *host, *path;
    size_t hlen;

    if (strncmp(url, "https://", 8) != 0 || url_parts(url, &host, &hlen, &path) != 0 ||
        host != url + 8) /* no user@ */
        return 0;
    for (size_t i = 0; i < sizeof(iframe_hosts) / sizeof(iframe_hosts[0]); i++)
        if (host_is(host, hlen, iframe_hosts[i]))
            return 1;
    return 0;
}

/* ---- the sanitizer state ---------------------------------------------------- */

struct frame {
    const struct tag *tag;
    unsigned char written; /* 0: nothing written, 1: open tag written, 2: void */
    size_t from, to;       /* where its start tag is in the HTML */
};

struct san {
    struct nd_buf html;
    struct nd_buf text;
    struct nd_textw tw;
    const char *base;
    char *image;
    struct frame stack[ND_HTML_MAX_DEPTH];
    int depth;
    int overflow; /* open elements past the depth cap (unwrapped, not on the stack) */
    int drop;     /* > 0: inside a dropped element; counts open elements there */
    int notext;   /* > 0: inside audio/video: their text is fallback content */
    int pre;      /* > 0: inside a kept <pre>: whitespace is kept in the HTML */
    int links;    /* > 0: inside a kept <a> */
    int noscript; /* > 0: inside a noscript */
    int foreign;  /* > 0: inside svg or math: text only */
    int want_html;
    int html_full;
    int need_nfc;   /* the HTML may not be NFC */
    char *last_img; /* the src of the last image written */
};

/* Append to the HTML unless it is full.  Closing tags use the reserve past the cap. */
static void out(struct san *st, const char *s, size_t n)
{
    struct nd_buf *b = &st->html;

    if (st->html_full)
        return;
    if (b->len + n > ND_HTML_MAX_OUT) {
        st->html_full = 1;
        return;
    }
    if (b->len + n < b->cap) { /* the common case, without a call */
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    if (nd_buf_add(b, s, n) != ND_OK)
        st->html_full = 1;
}

static void outs(struct san *st, const char *s)
{
    out(st, s, strlen(s));
}

/* A closing tag: written even when the HTML is full, from the reserve. */
static void out_close(struct san *st, const char *name)
{
    if (nd_buf_add(&st->html, "</", 2) != ND_OK || nd_buf_adds(&st->html, name) != ND_OK ||
        nd_buf_add(&st->html, ">", 1) != ND_OK)
        st->html_full = 1; /* cannot happen: the reserve holds every closing tag */
}

static void out_escaped(struct san *st, const char *s, size_t n)
{
    struct nd_buf tmp;

    if (st->html_full)
        return;
    if (st->html.len + n * 6 <= ND_HTML_MAX_OUT) {
        if (nd_text_escape_html(&st->html, s, n, 1) != ND_OK)
            st->html_full = 1;
        return;
    }
    nd_buf_init(&tmp, 0);
    if (nd_text_escape_html(&tmp, s, n, 1) == ND_OK)
        out(st, tmp.data, tmp.len);
    nd_buf_free(&tmp);
}

/* Note a code point that may need NFC in the HTML. */
static void check_nfc(struct san *st, const char *s, size_t n)
{
    int32_t cp;

    for (size_t i = 0; i < n && !st->need_nfc;) {
        if ((unsigned char)s[i] < 0xCC) {
            i++;
            continue;
        }
        i += (size_t)nd_utf8_decode(s + i, n - i, &cp);
        if (cp >= 0 && nd_text_nfc_maybe(cp))
            st->need_nfc = 1;
    }
}

static void out_attr(struct san *st, const char *name, const char *value)
{
    check_nfc(st, value, strlen(value));
    outs(st, " ");
    outs(st, name);
    outs(st, "=\"");
    out_escaped(st, value, strlen(value));
    outs(st, "\"");
}

/*
 * Byte classes of the HTML text scanner (the text is valid UTF-8): 0 copied
 * as it is, 1 ASCII that needs care (whitespace, controls, & < >), 2 the lead
 * byte of a code point to look at (C1 controls, noncharacters, NFC).
 */
static const unsigned char hclass[256] = {
    [0x00 ... 0x20] = 1, ['&'] = 1,           ['<'] = 1,           ['>'] = 1,
    [0x7F] = 1,          [0xC0 ... 0xC2] = 2, [0xCC ... 0xFF] = 2,
};

/*
 * Text into the HTML: & < > escaped, controls dropped, runs of whitespace
 * collapsed to one space or newline outside <pre>.
 */
static void html_text(struct san *st, const char *s, size_t len)
{
    size_t i = 0, j;
    unsigned char c;
    int32_t cp;
    int n;

    while (i < len && !st->html_full) {
        for (j = i; j < len; j++) {
#ifdef __SSE2__
            /* 16 bytes at a time while their spaces are single spaces between words:
             * not two in a row, not first in the run, not last unless a word follows */
            while (st->pre == 0 && j + 16 <= len) {
                unsigned sp;
                if (!nd_text_plain16(s + j, '&', '<', '>', &sp) || (sp & (sp >> 1)) ||
                    ((sp & 1) && j == i) ||
                    ((sp & 0x8000) && !(j + 16 < len && hclass[(unsigned char)s[j + 16]] == 0)))
                    break;
                j += 16;
            }
#endif
            while (st->pre == 0 && j + 8 <= len &&
                   nd_text_ascii_words8(s + j, ND_BYTES('&'), ND_BYTES('<'), ND_BYTES('>')))
                j += 8;
            if (j >= len)
                break;
            c = (unsigned char)s[j];
            if (hclass[c] == 0)
                continue;
            if (hclass[c] == 2) {
                n = nd_utf8_decode(s + j, len - j, &cp);
                if (cp < 0 || (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFE || cp == 0xFFFF)
                    break;
                if (!st->need_nfc && nd_text_nfc_maybe(cp))
                    st->need_nfc = 1;
                j += (size_t)n - 1;
                continue;
            }
            /* one space between two words needs no collapsing */
            if (c == ' ' && j > i && j + 1 < len && hclass[(unsigned char)s[j + 1]] == 0)
                continue;
            break;
        }
        if (j > i) {
            out(st, s + i, j - i);
            i = j;
            continue;
        }
        c = (unsigned char)s[i];
        if (c == '&') {
            outs(st, "&amp;");
        } else if (c == '<') {
            outs(st, "&lt;");
        } else if (c == '>') {
            outs(st, "&gt;");
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            /* (a vertical tab is a space, as in the text: text.c) */
            if (st->pre > 0) {
                if (c == '\f' || c == '\v')
                    out(st, " ", 1);
                else if (c != '\r')
                    out(st, s + i, 1);
                else if (i + 1 >= len || s[i + 1] != '\n')
                    out(st, "\n", 1); /* CR LF and CR are one newline */
            } else {
                int nl = 0;
                for (j = i; j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' ||
                                        s[j] == '\r' || s[j] == '\f' || s[j] == '\v');
                     j++)
                    nl |= s[j] == '\n' || s[j] == '\r';
                if (st->html.len > 0 && st->html.data[st->html.len - 1] != ' ' &&
                    st->html.data[st->html.len - 1] != '\n')
                    out(st, nl ? "\n" : " ", 1);
                i = j;
                continue;
            }
        } else if (c >= 0x80) {
            /* a C1 control is windows-1252 read as ISO-8859-1 (text.c does the same);
             * one that stands for nothing, a noncharacter or a malformed byte: dropped */
            n = nd_utf8_decode(s + i, len - i, &cp);
            if (cp >= 0x80 && cp < 0xA0 && nd_cp1252[cp - 0x80] != 0xFFFD) {
                char enc[4];
                out(st, enc, (size_t)nd_utf8_encode(nd_cp1252[cp - 0x80], enc));
            }
            i += (size_t)n;
            continue;
        }
        i++;
    }
}

/* ---- URL attributes ----------------------------------------------------------- */

enum { URL_LINK, URL_MEDIA };

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The absolute, scheme-checked, tracking-free form of a URL attribute, or NULL. */
static char *clean_url(struct san *st, const char *v, int kind)
{
    char scheme[16], *u, *clean;
    const char *p = v;

    if (v == NULL || strlen(v) > ND_HTML_MAX_URL)
        return NULL;
    while (is_space(*p))
        p++;
    if (st->base == NULL && p[0] == '/' && p[1] == '/') {
        /* protocol-relative without a base: https */
        clean = xasprintf("https:%s", p);
        u = nd_url_resolve(NULL, clean);
        free(clean);
    } else {
        u = nd_url_resolve(st->base, v);
    }
    if (u == NULL)
        return NULL;
    if (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) {
        /* resolved http(s) URLs come back with the scheme in lower case */
        if (strchr(u, '?') == NULL)
            return u;
        clean = nd_url_strip_tracking(u);
        free(u);
        return clean;
    }
    if (kind == URL_LINK && nd_url_scheme(u, scheme, sizeof(scheme)) == 0 &&
        strcmp(scheme, "mailto") == 0 && u[7] != '\0')
        return u;
    free(u);
    return NULL;
}

/* Is d a srcset descriptor: "<int>w", "<number>x" (or empty)? */
static int srcset_descriptor_ok(const char *d, size_t n)
{
    size_t i = 0, digits = 0;

    if (n == 0)
        return 1;
    if (n > 16 || (d[n - 1] != 'w' && d[n - 1] != 'x'))
        return 0;
    for (; i < n - 1; i++) {
        if (d[i] >= '0' && d[i] <= '9')
            digits++;
        else if (!(d[i] == '.' && d[n - 1] == 'x'))
            return 0;
    }
    return digits > 0;
}

/*
 * A srcset with every candidate's URL cleaned and bad candidates dropped,
 * or NULL when none is left.  *first gets the first URL (caller frees).
 */
static char *clean_srcset(struct san *st, const char *v, char **first)
{
    struct nd_buf b;
    const char *p = v, *u, *d;
    size_t ulen, dlen, count = 0;
    char *ref, *url;

    if (v == NULL || strlen(v) > ND_HTML_MAX_URL * 4)
        return NULL;
    nd_buf_init(&b, ND_HTML_MAX_URL * 8);
    while (*p && count < 32) {
        while (is_space(*p) || *p == ',')
            p++;
        if (*p == '\0')
            break;
        u = p;
        while (*p && !is_space(*p))
            p++;
        ulen = (size_t)(p - u);
        d = p;
        dlen = 0;
        if (ulen > 0 && u[ulen - 1] == ',') {
            while (ulen > 0 && u[ulen - 1] == ',')
                ulen--;
        } else {
            while (is_space(*p))
                p++;
            d = p;
            while (*p && *p != ',')
                p++;
            dlen = (size_t)(p - d);
            while (dlen > 0 && is_space(d[dlen - 1]))
                dlen--;
        }
        if (ulen == 0 || !srcset_descriptor_ok(d, dlen))
            continue;
        ref = xstrndup(u, ulen);
        url = clean_url(st, ref, URL_MEDIA);
        free(ref);
        if (url == NULL || strchr(url, ',') != NULL || strchr(url, ' ') != NULL) {
            free(url); /* a URL with a comma cannot be written back unambiguously */
            continue;
        }
        if ((b.len && nd_buf_add(&b, ", ", 2) != ND_OK) || nd_buf_adds(&b, url) != ND_OK ||
            (dlen && (nd_buf_addc(&b, ' ') != ND_OK || nd_buf_add(&b, d, dlen) != ND_OK))) {
            free(url);
            break;
        }
        if (first && *first == NULL)
            *first = url;
        else
            free(url);
        count++;
    }
    if (b.len == 0) {
        nd_buf_free(&b);
        return NULL;
    }
    return nd_buf_steal(&b);
}

/* A non-negative integer attribute (width="640"), or -1. */
static long number(const char *v)
{
    long n = 0;
    int digits = 0;

    if (v == NULL)
        return -1;
    while (is_space(*v))
        v++;
    for (; *v >= '0' && *v <= '9' && digits < 7; v++, digits++)
        n = n * 10 + (*v - '0');
    while (is_space(*v))
        v++;
    if (digits == 0 || (*v != '\0' && strcmp(v, "px") != 0))
        return -1;
    return n;
}

static void out_number_attr(struct san *st, const char *name, const char *v)
{
    char num[24];
    long n = number(v);

    if (n < 0)
        return;
    snprintf(num, sizeof(num), "%ld", n);
    out_attr(st, name, num);
}

/* A short text attribute (alt, title, ...): one clean line. */
static void out_text_attr(struct san *st, const char *name, const char *v)
{
    char *t;

    if (v == NULL)
        return;
    t = nd_text_clean(v, strnlen(v, 4096), ND_TEXT_ONELINE);
    if (*t || strcmp(name, "alt") == 0)
        out_attr(st, name, t);
    free(t);
}

/* ---- elements ------------------------------------------------------------------- */

static void text_role_start(struct san *st, int role)
{
    switch (role) {
    case R_BLOCK:
        nd_textw_break(&st->tw, ND_BREAK_PARA);
        break;
    case R_PRE:
        nd_textw_break(&st->tw, ND_BREAK_PARA);
        st->tw.pre++;
        break;
    case R_LINE:
        nd_textw_break(&st->tw, ND_BREAK_LINE);
        break;
    case R_CELL:
        nd_textw_break(&st->tw, ND_BREAK_SPACE);
        break;
    case R_BR:
        nd_textw_newline(&st->tw);
        break;
    case R_NOTEXT:
        st->notext++;
        break;
    default:
        break;
    }
}

static void text_role_end(struct san *st, int role)
{
    switch (role) {
    case R_BLOCK:
        nd_textw_break(&st->tw, ND_BREAK_PARA);
        break;
    case R_PRE:
        st->tw.pre--;
        nd_textw_break(&st->tw, ND_BREAK_PARA);
        break;
    case R_LINE:
        nd_textw_break(&st->tw, ND_BREAK_LINE);
        break;
    case R_CELL:
        nd_textw_break(&st->tw, ND_BREAK_SPACE);
        break;
    case R_NOTEXT:
        st->notext--;
        break;
    default:
        break;
    }
}

/*
 * Write the start tag of a kept element.  Returns 1 when written, 0 when
 * the element is to be unwrapped, -1 when it is to be dropped.
 */
static int start_tag(struct san *st, const struct tag *t, const char **av)
{
    char *href = NULL, *src = NULL, *srcset = NULL, *poster = NULL, *first = NULL;
    int rc = 1;

    switch (t->special) {
    case S_A:
        if (st->links > 0)
            return 0; /* no links in links */
        href = clean_url(st, av[AT_HREF], URL_LINK);
        if (href == NULL)
            return 0;
        if (is_tracker(href)) {
            rc = 0; /* a redirector or share widget: the text stays, the link goes */
            goto out;
        }
        break;
    case S_IMG:
        src = clean_url(st, av[AT_SRC], URL_MEDIA);
        if (src == NULL)
            src = clean_url(st, av[AT_DATA_SRC], URL_MEDIA);
        srcset = clean_srcset(st, av[AT_SRCSET] ? av[AT_SRCSET] : av[AT_DATA_SRCSET],
                              src ? NULL : &first);
        if (src == NULL)
            src = first, first = NULL;
        if (src == NULL || is_tracker(src) ||
            (number(av[AT_WIDTH]) >= 0 && number(av[AT_WIDTH]) <= 1 && number(av[AT_HEIGHT]) >= 0 &&
             number(av[AT_HEIGHT]) <= 1)) {
            rc = -1;
            goto out;
        }
        if (st->noscript > 0 && st->last_img && strcmp(st->last_img, src) == 0) {
            rc = -1; /* <noscript> repeating the lazy-loaded image before it */
            goto out;
        }
        if (st->image == NULL)
            st->image = xstrdup(src);
        nd_str_set(&st->last_img, src);
        break;
    case S_SOURCE:
        src = clean_url(st, av[AT_SRC], URL_MEDIA);
        srcset = clean_srcset(st, av[AT_SRCSET] ? av[AT_SRCSET] : av[AT_DATA_SRCSET], NULL);
        if ((src == NULL && srcset == NULL) || (src && is_tracker(src))) {
            rc = -1;
            goto out;
        }
        break;
    case S_VIDEO:
    case S_AUDIO:
        src = clean_url(st, av[AT_SRC], URL_MEDIA);
        poster = t->special == S_VIDEO ? clean_url(st, av[AT_POSTER], URL_MEDIA) : NULL;
        break;
    case S_IFRAME:
        src = clean_url(st, av[AT_SRC], URL_MEDIA);
        if (src && strncmp(src, "http://", 7) == 0) {
            char *https = xasprintf("https://%s", src + 7);
            free(src);
            src = https;
        }
        if (src == NULL || !iframe_allowed(src)) {
            rc = -1;
            goto out;
        }
        break;
    default:
        break;
    }

    outs(st, "<");
    outs(st, t->name);
    for (int a = 0; a < AT_DATA_SRC; a++) {
        if (!(t->attrs & BIT(a)))
            continue;
        switch (a) {
        case AT_HREF:
            out_attr(st, "href", href);
            break;
        case AT_SRC:
            if (src)
                out_attr(st, "src", src);
            break;
        case AT_SRCSET:
            if (srcset)
                out_attr(st, "srcset", srcset);
            break;
        case AT_POSTER:
            if (poster)
                out_attr(st, "poster", poster);
            break;
        case AT_WIDTH:
        case AT_HEIGHT:
        case AT_COLSPAN:
        case AT_ROWSPAN:
        case AT_START:
            out_number_attr(st, attr_names[a], av[a]);
            break;
        case AT_ALLOWFULLSCREEN:
            if (av[a])
                out_attr(st, attr_names[a], "");
            break;
        default:
            out_text_attr(st, attr_names[a], av[a]);
            break;
        }
    }
    switch (t->special) {
    case S_A:
        outs(st, " rel=\"noopener noreferrer\"");
        break;
    case S_IMG:
        outs(st, " loading=\"lazy\"");
        break;
    case S_VIDEO:
    case S_AUDIO:
        outs(st, " controls=\"\" preload=\"none\"");
        break;
    case S_IFRAME:
        outs(st, " sandbox=\"allow-scripts allow-same-origin allow-popups "
                 "allow-popups-to-escape-sandbox\" loading=\"lazy\"></iframe");
        break;
    default:
        break;
    }
    outs(st, ">");
out:
    free(href);
    free(src);
    free(srcset);
    free(poster);
    free(first);
    return rc;
}

static int on_start(void *ctx, const struct tag *t, const char *const *atts)
{
    struct san *st = ctx;
    const char *av[AT_COUNT] = {0};
    struct frame *f;
    int a, rc;

    if (st->drop > 0) {
        st->drop++;
        return 0;
    }
    if (t->action == A_DROP) {
        st->drop = 1;
        return 0;
    }
    if (st->depth >= ND_HTML_MAX_DEPTH || st->overflow > 0) {
        st->overflow++; /* too deep: unwrapped */
        return 0;
    }
    if (st->foreign > 0 || (t->parse & HP_FOREIGN)) {
        /* svg and math: their elements are not HTML's, only their text is kept */
        st->foreign++;
        t = &unknown_tag;
    }
    f = &st->stack[st->depth];
    f->tag = t;
    f->written = 0;
    if (t->id == HT_NOSCRIPT)
        st->noscript++;
    if (t->action == A_KEEP && st->want_html && !st->html_full) {
        for (int i = 0; atts && atts[i]; i += 2) {
            if ((a = attr_lookup(atts[i])) >= 0 && av[a] == NULL)
                av[a] = atts[i + 1];
        }
        f->from = st->html.len;
        rc = start_tag(st, t, av);
        f->to = st->html.len;
        if (t->special == S_IFRAME || (rc < 0 && !is_void(t))) {
            /* dropped, or an iframe written whole: nothing inside it counts */
            if (t->id == HT_NOSCRIPT)
                st->noscript--;
            st->drop = 1;
            return 0;
        }
        f->written = rc <= 0 ? 0 : is_void(t) ? 2 : 1;
        if (f->written == 1 && t->special == S_A)
            st->links++;
        if (f->written == 1 && t->role == R_PRE)
            st->pre++;
    } else if (t->special == S_IFRAME) {
        st->drop = 1; /* an iframe's content is only fallback */
        return 0;
    }
    st->depth++;
    text_role_start(st, t->role);
    /* in the output: written, or (text only) an element that would be */
    return st->want_html ? f->written == 1 : t->action == A_KEEP;
}

static void on_end(void *ctx, const struct tag *t)
{
    struct san *st = ctx;
    struct frame *f;

    (void)t;
    if (st->drop > 0) {
        st->drop--;
        return;
    }
    if (st->overflow > 0) {
        st->overflow--;
        return;
    }
    if (st->depth == 0)
        return;
    f = &st->stack[--st->depth];
    if (st->foreign > 0)
        st->foreign--;
    if (f->tag->id == HT_NOSCRIPT)
        st->noscript--;
    text_role_end(st, f->tag->role);
    if (f->written == 1) {
        if ((f->tag->role == R_INLINE || f->tag->id == HT_P) && st->html.len == f->to &&
            !st->html_full) {
            /* an empty link, bold, paragraph...: nothing to show, not written */
            st->html.len = f->from;
            st->html.data[st->html.len] = '\0';
        } else {
            out_close(st, f->tag->name);
        }
        if (f->tag->special == S_A)
            st->links--;
        if (f->tag->role == R_PRE)
            st->pre--;
    }
}

static void on_text(void *ctx, const char *s, size_t len)
{
    struct san *st = ctx;

    if (st->drop > 0 || len == 0)
        return;
    if (st->want_html)
        html_text(st, s, len);
    if (st->notext == 0)
        nd_textw_put(&st->tw, s, len);
}

/* ---- running the parser ------------------------------------------------------------ */

/* Allocate room for n bytes at once, rather than doubling up to it. */
static void reserve(struct nd_buf *b, size_t n)
{
    if (n > b->limit)
        n = b->limit;
    if (b->cap >= n + 1)
        return;
    b->data = xrealloc(b->data, n + 1);
    if (b->cap == 0)
        b->data[0] = '\0';
    b->cap = n + 1;
}

static void san_init(struct san *st, const char *base, int want_html, size_t len)
{
    /* everything but the stack, whose frames are written as elements open */
    memset(st, 0, offsetof(struct san, stack));
    memset((char *)st + offsetof(struct san, stack) + sizeof(st->stack), 0,
           sizeof(*st) - offsetof(struct san, stack) - sizeof(st->stack));
    st->base = base;
    st->want_html = want_html;
    /* the reserve past the cap holds the closing tags of every open element */
    nd_buf_init(&st->html, ND_HTML_MAX_OUT + ND_HTML_MAX_DEPTH * 16);
    nd_buf_init(&st->text, ND_TEXT_MAX);
    /* sanitized HTML is about as long as its input, the text about half of it */
    if (want_html)
        reserve(&st->html, len + len / 8 + 64);
    reserve(&st->text, len / 2 + 64);
    nd_textw_init(&st->tw, &st->text, 0);
}

static void san_free(struct san *st)
{
    nd_buf_free(&st->html);
    nd_buf_free(&st->text);
    free(st->image);
    free(st->last_img);
}

static const struct nd_html_sink sanitizer = {on_start, on_end, on_text};

static void run_parser(struct san *st, const char *html, size_t len)
{
    char *fixed = NULL;

    if (!nd_utf8_valid(html, len)) {
        fixed = nd_utf8_repair(html, len, &len);
        html = fixed;
    }
    nd_html_parse(html, len, &sanitizer, st);
    free(fixed);
    /* close whatever is still open (the reader does, but never rely on it) */
    while (st->depth > 0 || st->overflow > 0 || st->drop > 0)
        on_end(st, &unknown_tag);
}

/* Trim trailing whitespace of the HTML and put it into NFC. */
static void finish_html(struct san *st)
{
    while (st->html.len > 0 &&
           (st->html.data[st->html.len - 1] == ' ' || st->html.data[st->html.len - 1] == '\n'))
        st->html.data[--st->html.len] = '\0';
    if (st->need_nfc && nd_text_nfc_buf(&st->html) != ND_OK)
        st->need_nfc = 0; /* cannot happen: the HTML is valid UTF-8 */
}

int nd_html_clean(const char *html, size_t len, const char *base, struct nd_html_out *o)
{
    struct san st;

    memset(o, 0, sizeof(*o));
    if (html == NULL) {
        html = "";
        len = 0;
    }
    san_init(&st, base, 1, len);
    run_parser(&st, html, len);
    finish_html(&st);
    nd_textw_finish(&st.tw);
    o->truncated = st.html_full || st.tw.full;
    o->html = nd_buf_steal(&st.html);
    o->text = nd_buf_steal(&st.text);
    o->image = st.image;
    st.image = NULL;
    san_free(&st);
    return ND_OK;
}

void nd_html_out_free(struct nd_html_out *o)
{
    if (o == NULL)
        return;
    free(o->html);
    free(o->text);
    free(o->image);
    memset(o, 0, sizeof(*o));
}

/* Text without markup: entities and whitespace only (newlines are spaces in HTML). */
static char *markup_free_text(const char *html, size_t len)
{
    char *decoded, *s;

    if (memchr(html, '&', len) == NULL)
        return nd_text_clean(html, len, ND_TEXT_ONELINE);
    decoded = nd_text_decode_entities(html, len);
    s = nd_text_clean(decoded, strlen(decoded), ND_TEXT_ONELINE);
    free(decoded);
    return s;
}

char *nd_html_to_text(const char *html, size_t len, unsigned flags)
{
    struct san st;
    char *s;

    if (html == NULL)
        return xstrdup("");
    if (memchr(html, '<', len) == NULL)
        return markup_free_text(html, len);
    /* "<p>text</p>", the usual shape of a summary: one paragraph, whose breaks trimming drops */
    if (len >= 7 && memcmp(html, "<p>", 3) == 0 && memcmp(html + len - 4, "</p>", 4) == 0 &&
        memchr(html + 3, '<', len - 7) == NULL)
        return markup_free_text(html + 3, len - 7);
    san_init(&st, NULL, 0, len);
    st.tw.flags = flags & ND_TEXT_ONELINE;
    run_parser(&st, html, len);
    nd_textw_finish(&st.tw);
    s = nd_buf_steal(&st.text);
    san_free(&st);
    return s;
}
