/*
 * text.c: UTF-8, whitespace, NFC and truncation helpers for the cleaner.
 *
 * Normalization is utf8proc's; this file only avoids calling it when a
 * string cannot change (the common case: text below U+0300 or without
 * combining marks), which is what keeps the cleaner fast.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "newsd/text.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Append to a buffer whose cap the caller has already accounted for. */
static void put(struct nd_buf *b, const char *p, size_t n)
{
    if (nd_buf_add(b, p, n) != ND_OK)
        b->limit = b->len; /* only past the cap: the rest is dropped */
}

int nd_utf8_decode(const char *s, size_t len, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    int32_t v;

    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c < 0xC2)
        goto bad;
    if (c < 0xE0) {
        if (len < 2 || (u[1] & 0xC0) != 0x80)
            goto bad;
        *cp = (int32_t)(((c & 0x1F) << 6) | (u[1] & 0x3F));
        return 2;
    }
    if (c < 0xF0) {
        if (len < 3 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
            goto bad;
        v = (int32_t)(((c & 0x0F) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu));
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
            goto bad;
        *cp = v;
        return 3;
    }
    if (c < 0xF5) {
        if (len < 4 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80 || (u[3] & 0xC0) != 0x80)
            goto bad;
        v = (int32_t)(((c & 0x07) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) |
                      (u[3] & 0x3Fu));
        if (v < 0x10000 || v > 0x10FFFF)
            goto bad;
        *cp = v;
        return 4;
    }
bad:
    *cp = -1;
    return 1;
}

int nd_utf8_encode(int32_t cp, char out[4])
{
    if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int nd_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    int32_t cp;

    while (i < len) {
#ifdef __SSE2__
        if (i + 16 <= len &&
            _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i))) == 0) {
            i += 16;
            continue;
        }
#endif
        if (i + 8 <= len) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            if ((v & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        i += (size_t)nd_utf8_decode(s + i, len - i, &cp);
        if (cp < 0)
            return 0;
    }
    return 1;
}

char *nd_utf8_repair(const char *s, size_t len, size_t *outlen)
{
    struct nd_buf b;
    size_t i = 0, start = 0;
    int32_t cp = 0;
    int n;

    nd_buf_init(&b, 0);
    put(&b, "", 0);
    while (i < len) {
        if (s[i] != '\0' && (unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        n = s[i] == '\0' ? 1 : nd_utf8_decode(s + i, len - i, &cp);
        if (s[i] != '\0' && cp >= 0) {
            i += (size_t)n;
            continue;
        }
        put(&b, s + start, i - start);
        if (s[i] != '\0')
            put(&b, REPLACEMENT, 3);
        i++;
        start = i;
    }
    put(&b, s + start, i - start);
    if (outlen)
        *outlen = b.len;
    return nd_buf_steal(&b);
}

size_t nd_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* ---- NFC ---------------------------------------------------------------- */

static int is_mark(const utf8proc_property_t *p)
{
    return p->category == UTF8PROC_CATEGORY_MN || p->category == UTF8PROC_CATEGORY_MC ||
           p->category == UTF8PROC_CATEGORY_ME;
}

static int nfc_maybe_slow(int32_t cp)
{
    const utf8proc_property_t *p;
    utf8proc_int32_t d[8];
    utf8proc_ssize_t n;
    int bc = 0;

    if (cp >= 0x1100 && cp <= 0x11FF)
        return 1; /* Hangul conjoining jamo compose algorithmically */
    p = utf8proc_get_property(cp);
    if (p->combining_class != 0 || is_mark(p) || p->comp_exclusion)
        return 1; /* may reorder or compose with what precedes */
    if (p->decomp_seqindex == UINT16_MAX || p->decomp_type != 0)
        return 0; /* no canonical decomposition */
    /* A precomposed character: NFC keeps it only if it recomposes to itself. */
    n = utf8proc_decompose_char(cp, d, 8, UTF8PROC_DECOMPOSE, &bc);
    if (n < 2 || n > 8)
        return 1;
    n = utf8proc_normalize_utf32(d, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    return !(n == 1 && d[0] == cp);
}

/* The answers for the BMP, filled as they are asked: 0 not yet, 1 no, 2 maybe. */
static _Atomic unsigned char nfc_memo[0x10000];

int nd_text_nfc_maybe(int32_t cp)
{
    unsigned char m;
    int r;

    if (cp < 0x300)
        return 0; /* Latin-1 and Latin Extended: NFC_QC=Yes, combining class 0 */
    if (cp >= 0x10000)
        return nfc_maybe_slow(cp);
    m = atomic_load_explicit(&nfc_memo[cp], memory_order_relaxed);
    if (m != 0)
        return m == 2;
    r = nfc_maybe_slow(cp);
    atomic_store_explicit(&nfc_memo[cp], r ? 2 : 1, memory_order_relaxed);
    return r;
}

/* Append the NFC form of s[0..len) (valid UTF-8) to out. */
static int nfc_segment(struct nd_buf *out, const char *s, size_t len)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n;
    int rc;

    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &dst,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return ND_EINVAL;
    rc = nd_buf_add(out, dst, (size_t)n);
    free(dst);
    return rc;
}

/*
 * Only the stretches that may change go through utf8proc: text can be cut
 * before any code point that nd_text_nfc_maybe() clears (combining class 0,
 * NFC_Quick_Check=Yes, composes with nothing before it), and the NFC of the
 * whole is the NFC of the pieces put together (UAX #15, "Stable Code
 * Points").  A long text with a few combining marks costs a scan, not a
 * normalization of all of it.
 */
int nd_text_nfc_buf(struct nd_buf *b)
{
    struct nd_buf out;
    size_t i = 0, done = 0, seg = 0, keep;
    int dirty = 0, rc = ND_OK;
    int32_t cp;

    if (b->len == 0)
        return ND_OK;
    nd_buf_init(&out, 0);
    while (i < b->len && rc == ND_OK) {
        unsigned char c;
        int n = 1;
        if (!dirty && i + 8 <= b->len) { /* plain ASCII: 8 boundaries at a time */
            uint64_t v;
            memcpy(&v, b->data + i, 8);
            if ((v & ND_BYTES(0x80)) == 0) {
                seg = i + 7;
                i += 8;
                continue;
            }
        }
        c = (unsigned char)b->data[i];
        if (c < 0xCC) { /* below U+0300: a boundary, and never changed */
            if (c >= 0x80) {
                n = nd_utf8_decode(b->data + i, b->len - i, &cp);
                if (cp < 0) {
                    rc = ND_EINVAL;
                    break;
                }
            }
            cp = 0;
        } else {
            n = nd_utf8_decode(b->data + i, b->len - i, &cp);
            if (cp < 0) {
                rc = ND_EINVAL;
                break;
            }
        }
        if (cp == 0 || !nd_text_nfc_maybe(cp)) {
            if (dirty) { /* the stretch [seg, i) may change: normalize it */
                if ((rc = nd_buf_add(&out, b->data + done, seg - done)) == ND_OK)
                    rc = nfc_segment(&out, b->data + seg, i - seg);
                done = i;
                dirty = 0;
            }
            seg = i;
        } else {
            dirty = 1;
        }
        i += (size_t)n;
    }
    if (rc == ND_OK && dirty) {
        if ((rc = nd_buf_add(&out, b->data + done, seg - done)) == ND_OK)
            rc = nfc_segment(&out, b->data + seg, b->len - seg);
        done = b->len;
    }
    if (rc != ND_OK) {
        nd_buf_free(&out);
        return ND_EINVAL;
    }
    if (done == 0) { /* nothing could change */
        nd_buf_free(&out);
        return ND_OK;
    }
    if (nd_buf_add(&out, b->data + done, b->len - done) != ND_OK) {
        nd_buf_free(&out);
        return ND_EINVAL;
    }
    keep = out.len;
    if (keep > b->limit) {
        /* NFC may grow a string (up to 3x); stay under the cap, on a code point */
        keep = b->limit;
        while (keep > 0 && ((unsigned char)out.data[keep] & 0xC0) == 0x80)
            keep--;
        out.data[keep] = '\0';
    }
    free(b->data);
    b->data = out.data;
    b->len = keep;
    b->cap = out.cap;
    return ND_OK;
}

/* ---- the plain-text writer ---------------------------------------------- */

enum { C_TEXT = 0, C_SPACE, C_NEWLINE, C_DROP, C_CR };

static const unsigned char ascii_class[128] = {
    /* 0x00 */ C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    /* 0x08 */ C_DROP,
    C_SPACE,
    C_NEWLINE,
    C_SPACE,
    C_SPACE,
    C_CR,
    C_DROP,
    C_DROP,
    /* 0x10 */ C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    /* 0x18 */ C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    C_DROP,
    /* 0x20 */ C_SPACE,
    /* 0x21-0x7e are text */
    [0x7F] = C_DROP,
};

/* The class of a non-ASCII code point. */
static int uclass(int32_t cp)
{
    if (cp < 0xA0)
        return C_DROP; /* C1 controls */
    if (cp == 0xA0)
        return C_SPACE;
    if (cp == 0xAD)
        return C_DROP; /* soft hyphen */
    if (cp < 0x1680)
        return C_TEXT;
    if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
        cp == 0x3000)
        return C_SPACE;
    if (cp == 0x200B || cp == 0x2060 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
        return C_DROP;
    if (cp == 0x2028 || cp == 0x2029)
        return C_NEWLINE;
    return C_TEXT;
}

void nd_textw_init(struct nd_textw *w, struct nd_buf *b, unsigned flags)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
    w->flags = flags;
}

/* Append as much of p[0..n) as fits, cut on a code point. */
static void add_capped(struct nd_textw *w, const char *p, size_t n)
{
    struct nd_buf *b = w->b;
    size_t room;

    if (b->len + n < b->cap && b->len + n <= b->limit) { /* the common case, without a call */
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    if (nd_buf_add(w->b, p, n) == ND_OK)
        return;
    room = w->b->limit - w->b->len;
    while (room > 0 && ((unsigned char)p[room] & 0xC0) == 0x80)
        room--;
    put(w->b, p, room);
    w->full = 1;
}

static void flush_pending(struct nd_textw *w)
{
    static const char *const seps[] = {"", " ", "\n", "\n\n"};
    int p = w->pending;

    w->pending = 0;
    if (p == 0 || w->b->len == 0)
        return;
    if (w->flags & ND_TEXT_ONELINE)
        p = 1;
    if (p > 1) /* no spaces at the end of a line (preformatted text has them) */
        while (w->b->len > 0 &&
               (w->b->data[w->b->len - 1] == ' ' || w->b->data[w->b->len - 1] == '\t'))
            w->b->data[--w->b->len] = '\0';
    add_capped(w, seps[p], (size_t)(p == 3 ? 2 : 1));
}

static void emit(struct nd_textw *w, const char *p, size_t n)
{
    if (w->b->len == 0) {
        /* trim the start, also of preformatted text */
        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
    }
    if (w->full || n == 0)
        return;
    if (w->pending)
        flush_pending(w);
    add_capped(w, p, n);
}

void nd_textw_break(struct nd_textw *w, int level)
{
    if (w->pending < level)
        w->pending = level;
}

void nd_textw_newline(struct nd_textw *w)
{
    w->pending = w->pending >= ND_BREAK_LINE ? ND_BREAK_PARA : ND_BREAK_LINE;
}

/* A newline in the input: a line break in plain text and <pre>, a space in HTML. */
static void input_newline(struct nd_textw *w)
{
    if ((w->pre > 0 || (w->flags & ND_TEXT_KEEP_LINES)) && !(w->flags & ND_TEXT_ONELINE))
        nd_textw_newline(w);
    else
        nd_textw_break(w, ND_BREAK_SPACE);
}

/*
 * Byte classes of the text scanner: 0 text (ASCII, continuation bytes, lead
 * bytes of U+00C0-U+02FF), 1 ASCII whitespace and controls, 2 the lead byte
 * of a code point to look at (spaces, controls, invisibles, NFC).
 */
static const unsigned char tclass[256] = {
    [0x00 ... 0x20] = 1,
    [0x7F] = 1,
    [0xC0 ... 0xC2] = 2,
    [0xCC ... 0xFF] = 2,
};

void nd_textw_put(struct nd_textw *w, const char *s, size_t len)
{
    size_t i = 0, j;
    int pre = w->pre > 0 && !(w->flags & ND_TEXT_ONELINE);
    int32_t cp;
    int n, cls;
    unsigned char c;

    while (i < len && !w->full) {
        /* the longest run of text characters (spaces too inside <pre>) */
        for (j = i; j < len; j++) {
#ifdef __SSE2__
            /* 16 bytes at a time while their spaces are single spaces between text:
             * not two in a row, not first in the run, not last unless text follows */
            while (!pre && j + 16 <= len) {
                unsigned sp;
                if (!nd_text_plain16(s + j, 0x7F, 0x7F, 0x7F, &sp) || (sp & (sp >> 1)) ||
                    ((sp & 1) && j == i) ||
                    ((sp & 0x8000) && !(j + 16 < len && tclass[(unsigned char)s[j + 16]] == 0)))
                    break;
                j += 16;
            }
#endif
            while (!pre && j + 8 <= len &&
                   nd_text_ascii_words8(s + j, ND_BYTES(0x7F), ND_BYTES(0x7F), ND_BYTES(0x7F)))
                j += 8;
            if (j >= len)
                break;
            c = (unsigned char)s[j];
            if (tclass[c] == 0)
                continue;
            if (tclass[c] == 2) {
                n = nd_utf8_decode(s + j, len - j, &cp);
                if (cp < 0 || uclass(cp) != C_TEXT)
                    break;
                if (!w->need_nfc && nd_text_nfc_maybe(cp))
                    w->need_nfc = 1;
                j += (size_t)n - 1;
                continue;
            }
            if (pre && (c == ' ' || c == '\t'))
                continue;
            /* one space between two words needs no collapsing */
            if (c == ' ' && j > i && j + 1 < len && tclass[(unsigned char)s[j + 1]] == 0)
                continue;
            break;
        }
        if (j > i) {
            emit(w, s + i, j - i);
            i = j;
            continue;
        }
        /* one character that is not plain text */
        if ((unsigned char)s[i] < 0x80) {
            cls = ascii_class[(unsigned char)s[i]];
            n = 1;
            if (cls == C_CR && i + 1 < len && s[i + 1] == '\n')
                n = 2;
        } else {
            n = nd_utf8_decode(s + i, len - i, &cp);
            if (cp < 0) {
                emit(w, REPLACEMENT, 3);
                i += (size_t)n;
                continue;
            }
            if (cp >= 0x80 && cp < 0xA0 && nd_cp1252[cp - 0x80] != 0xFFFD) {
                /* a C1 control is a windows-1252 character read as ISO-8859-1 */
                char enc[4];
                emit(w, enc, (size_t)nd_utf8_encode(nd_cp1252[cp - 0x80], enc));
                i += (size_t)n;
                continue;
            }
            cls = uclass(cp);
        }
        if (cls == C_SPACE && pre)
            emit(w, " ", 1);
        else if (cls == C_SPACE)
            nd_textw_break(w, ND_BREAK_SPACE);
        else if (cls == C_NEWLINE || cls == C_CR)
            input_newline(w);
        i += (size_t)n;
    }
}

void nd_textw_finish(struct nd_textw *w)
{
    struct nd_buf *b = w->b;

    w->pending = 0;
    while (b->len > 0 && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t' ||
                          b->data[b->len - 1] == '\n'))
        b->data[--b->len] = '\0';
    if (w->need_nfc && nd_text_nfc_buf(w->b) == ND_OK)
        w->need_nfc = 0;
}

char *nd_text_clean(const char *s, size_t len, unsigned flags)
{
    struct nd_buf b;
    struct nd_textw w;
    char *fixed = NULL;

    if (s == NULL)
        return xstrdup("");
    if (len > ND_TEXT_MAX) {
        len = ND_TEXT_MAX; /* on a code point */
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    if (!nd_utf8_valid(s, len)) {
        fixed = nd_utf8_repair(s, len, &len);
        s = fixed;
    }
    nd_buf_init(&b, ND_TEXT_MAX);
    nd_textw_init(&w, &b, (flags & ND_TEXT_ONELINE) ? flags : flags | ND_TEXT_KEEP_LINES);
    nd_textw_put(&w, s, len);
    nd_textw_finish(&w);
    free(fixed);
    return nd_buf_steal(&b);
}

/* ---- entities and escaping ----------------------------------------------- */

char *nd_text_decode_entities(const char *s, size_t len)
{
    struct nd_buf b;
    const char *amp, *p = s, *end = s + len;
    char enc[8];
    size_t n, elen;

    nd_buf_init(&b, 0);
    put(&b, "", 0);
    while ((amp = memchr(p, '&', (size_t)(end - p))) != NULL) {
        put(&b, p, (size_t)(amp - p));
        n = nd_text_ref(amp, (size_t)(end - amp), ND_REF_TEXT, enc, &elen);
        if (n == 0) {
            put(&b, "&", 1);
            p = amp + 1;
            continue;
        }
        put(&b, enc, elen);
        p = amp + n;
    }
    put(&b, p, (size_t)(end - p));
    return nd_buf_steal(&b);
}

/* ---- doubly encoded UTF-8 ------------------------------------------------- */

/* The windows-1252 byte of code point cp, or -1 when it has none. */
static int cp1252_byte(int32_t cp)
{
    if (cp < 0x100)
        return cp; /* C1 controls stand for their bytes too */
    for (int i = 0; i < 32; i++)
        if (nd_cp1252[i] == cp && cp != 0xFFFD)
            return 0x80 + i;
    return -1;
}

/*
 * The bytes of s as windows-1252 (one per character) into b[0..*nb), at most
 * max; -1 when a character has no windows-1252 byte.
 */
static int as_cp1252(const char *s, size_t n, unsigned char *b, size_t *nb)
{
    size_t i = 0, o = 0;
    int32_t cp;
    int k, byte;

    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            b[o++] = (unsigned char)s[i++];
            continue;
        }
        k = nd_utf8_decode(s + i, n - i, &cp);
        if (cp < 0 || (byte = cp1252_byte(cp)) < 0)
            return -1;
        b[o++] = (unsigned char)byte;
        i += (size_t)k;
    }
    *nb = o;
    return 0;
}

/* The length of the (valid) character at s. */
static size_t char_len(const char *s, size_t n)
{
    int32_t cp;

    return (unsigned char)*s < 0x80 ? 1 : (size_t)nd_utf8_decode(s, n, &cp);
}

/* The length of a UTF-8 sequence that starts at b[i] (lead and continuation bytes), or 0. */
static size_t utf8_seq(const unsigned char *b, size_t n, size_t i)
{
    int32_t cp;
    int k;

    if (b[i] < 0xC2 || b[i] > 0xF4)
        return 0;
    k = nd_utf8_decode((const char *)b + i, n - i, &cp);
    return cp < 0 ? 0 : (size_t)k;
}

/*
 * Is there a sequence that only double encoding makes: a character
 * U+00C2..U+00F4 (the lead byte of a UTF-8 sequence, read as windows-1252)
 * followed by the characters of its continuation bytes (0x80-0xBF read as
 * windows-1252), making a valid character of three or four bytes, or of two
 * from "Â" or "Ã"?  Such leads are the UTF-8 bytes C3 82..C3 B4: found by
 * memchr, so text without them costs nothing.
 */
static int mojibake_seen(const char *s, size_t n)
{
    const char *p = s, *end = s + n;

    while ((p = memchr(p, 0xC3, (size_t)(end - p))) != NULL && end - p >= 2) {
        unsigned char seq[4];
        unsigned lead = 0xC0 | ((unsigned char)p[1] & 0x3F);
        size_t want = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4, k = 1;
        const char *q = p + 2;
        int32_t cp;

        p += 2;
        if (((unsigned char)p[-1] & 0xC0) != 0x80 || lead < 0xC2 || lead > 0xF4 ||
            (want == 2 && lead != 0xC2 && lead != 0xC3))
            continue;
        seq[0] = (unsigned char)lead;
        while (k < want && q < end) {
            int32_t c;
            int l = (unsigned char)*q < 0x80 ? 1 : nd_utf8_decode(q, (size_t)(end - q), &c);
            int byte = (unsigned char)*q < 0x80 ? -1 : c < 0 ? -1 : cp1252_byte(c);
            if (byte < 0x80 || byte > 0xBF)
                break;
            seq[k++] = (unsigned char)byte;
            q += l;
        }
        if (k == want && nd_utf8_decode((const char *)seq, want, &cp) == (int)want && cp >= 0)
            return 1;
    }
    return 0;
}

size_t nd_text_fix_mojibake(char *s, size_t n)
{
    unsigned char small[512], *b;
    size_t nb = 0, o = 0, i, k;

    if (n < 4 || !mojibake_seen(s, n))
        return n;
    b = n <= sizeof(small) ? small : xmalloc(n);
    if (as_cp1252(s, n, b, &nb) != 0)
        goto out; /* a character windows-1252 does not have: not that mistake */
    /* each sequence becomes the character it encodes; the rest stays as written */
    {
        size_t si = 0;
        for (i = 0; i < nb; i++) {
            size_t span = 0;
            k = utf8_seq(b, nb, i);
            /* the bytes of the k characters (1 if none) of s that made it */
            for (size_t j = 0; j < (k ? k : 1); j++)
                span += char_len(s + si + span, n - si - span);
            if (k) {
                memcpy(s + o, b + i, k);
                o += k;
                i += k - 1;
            } else {
                memmove(s + o, s + si, span);
                o += span;
            }
            si += span;
        }
    }
    if (o < n)
        s[o] = '\0';
out:
    if (b != small)
        free(b);
    return o ? o : n;
}

int nd_text_escape_html(struct nd_buf *b, const char *s, size_t len, int attr)
{
    size_t i, start = 0;
    const char *rep;
    int rc;

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            if (!attr)
                continue;
            rep = "&quot;";
            break;
        default:
            continue;
        }
        if ((rc = nd_buf_add(b, s + start, i - start)) != ND_OK ||
            (rc = nd_buf_adds(b, rep)) != ND_OK)
            return rc;
        start = i + 1;
    }
    return nd_buf_add(b, s + start, len - start);
}

/* ---- truncation ------------------------------------------------------------ */

static int trailing_junk(int32_t cp)
{
    return cp == ' ' || cp == '\n' || cp == ',' || cp == ';' || cp == ':' || cp == '.' ||
           cp == '-' || cp == 0x2013 || cp == 0x2014 || cp == 0x2026 || cp == '(' || cp == '[';
}

/* Does the code point at s[i] attach to the one before it (mark, joiner, selector)? */
static int attaches(const char *s, size_t len, size_t i)
{
    int32_t cp;

    if (i >= len)
        return 0;
    nd_utf8_decode(s + i, len - i, &cp);
    if (cp < 0x300)
        return 0;
    return cp == 0x200D || is_mark(utf8proc_get_property(cp));
}

/* Byte offset of the code point before offset i. */
static size_t prev_cp(const char *s, size_t i)
{
    while (i > 0 && ((unsigned char)s[--i] & 0xC0) == 0x80)
        ;
    return i;
}

char *nd_text_truncate(const char *s, size_t max)
{
    size_t len, i = 0, count = 0, cut = 0, space = 0, half;
    struct nd_buf b;
    int32_t cp;

    if (max < 2)
        return xstrdup("");
    /* Only the first max code points matter: a string of 4 * max + 4 bytes or more
     * has more than that (summaries are cut from whole articles). */
    len = max < SIZE_MAX / 8 ? strnlen(s, 4 * max + 4) : strlen(s);
    /* offset of code point number max-1 (room for the ellipsis), and the total */
    half = (max - 1) / 2;
    while (i < len && count < max) {
        if (count == max - 1)
            cut = i;
        if ((s[i] == ' ' || s[i] == '\n') && count >= half)
            space = i;
        if ((unsigned char)s[i] < 0x80)
            i++;
        else
            i += (size_t)nd_utf8_decode(s + i, len - i, &cp);
        count++;
    }
    if (i >= len)
        return xstrdup(s); /* fits */
    if (space > 0 && space <= cut)
        cut = space;
    else if (cut < len && (s[cut] == ' ' || s[cut] == '\n'))
        ; /* the cut falls on a boundary already */
    else
        while (cut > 0 && attaches(s, len, cut))
            cut = prev_cp(s, cut);
    /* drop trailing spaces and punctuation before the ellipsis */
    while (cut > 0) {
        size_t p = prev_cp(s, cut);
        nd_utf8_decode(s + p, len - p, &cp);
        if (!trailing_junk(cp) && cp != 0x200D)
            break;
        cut = p;
    }
    nd_buf_init(&b, 0);
    put(&b, s, cut);
    put(&b, "\xE2\x80\xA6", 3);
    return nd_buf_steal(&b);
}
