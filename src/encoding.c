/*
 * encoding.c: charset detection and conversion to UTF-8 (glibc iconv for
 * everything but UTF-8 and windows-1252, which are done here because they
 * are most of the web and the repair of broken UTF-8 needs the latter).
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/encoding.h"
#include "newsd/text.h"

/*
 * Length of the valid UTF-8 sequence at p (at most end - p bytes), or 0.
 * U+FFFE and U+FFFF count as invalid: XML does not allow them.
 */
static size_t seq_len(const unsigned char *p, const unsigned char *end)
{
    int32_t cp;
    int n = nd_utf8_decode((const char *)p, (size_t)(end - p), &cp);

    return cp < 0 || cp == 0xFFFE || cp == 0xFFFF ? 0 : (size_t)n;
}

/* U+FFFE or U+FFFF: valid UTF-8, but not an XML character; dropped, not re-read. */
static int nonchar(const unsigned char *p, const unsigned char *end)
{
    return end - p >= 3 && p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF);
}

static int bad_control(unsigned char c)
{
    return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

size_t nd_utf8_clean_prefix(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    const uint64_t hi = 0x8080808080808080ULL, k = 0x6060606060606060ULL;
    uint64_t w;
    size_t l;

    while (p < end) {
        /* Fast path: eight bytes all in 0x20..0x7F. */
        while (end - p >= 8) {
            memcpy(&w, p, 8);
            if (((w | ~(w + k)) & hi) != 0)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        if (*p < 0x80) {
            if (bad_control(*p))
                break;
            p++;
            continue;
        }
        if ((l = seq_len(p, end)) == 0)
            break;
        p += l;
    }
    return (size_t)(p - (const unsigned char *)s);
}

/* Append src to the growing output, UTF-8 kept, other bytes read as windows-1252. */
static size_t repair_utf8(const unsigned char *p, const unsigned char *end, char *out)
{
    char *o = out;
    size_t l;

    while (p < end) {
        if (*p < 0x80) {
            if (!bad_control(*p))
                *o++ = (char)*p;
            p++;
        } else if ((l = seq_len(p, end)) != 0) {
            memcpy(o, p, l);
            o += l;
            p += l;
        } else if (nonchar(p, end)) {
            p += 3;
        } else {
            unsigned cp = *p < 0xA0 ? nd_cp1252[*p - 0x80] : *p;
            o += nd_utf8_encode((int32_t)cp, o);
            p++;
        }
    }
    return (size_t)(o - out);
}

const char *nd_encoding_canonical(const char *label, size_t n, char *out, size_t outlen)
{
    static const struct {
        const char *label, *name;
    } alias[] = {
        {"utf-8", "UTF-8"},
        {"utf8", "UTF-8"},
        {"unicode-1-1-utf-8", "UTF-8"},
        {"us-ascii", "WINDOWS-1252"},
        {"ascii", "WINDOWS-1252"},
        {"iso-8859-1", "WINDOWS-1252"},
        {"iso8859-1", "WINDOWS-1252"},
        {"iso_8859-1", "WINDOWS-1252"},
        {"latin1", "WINDOWS-1252"},
        {"latin-1", "WINDOWS-1252"},
        {"l1", "WINDOWS-1252"},
        {"cp819", "WINDOWS-1252"},
        {"windows-1252", "WINDOWS-1252"},
        {"cp1252", "WINDOWS-1252"},
        {"x-cp1252", "WINDOWS-1252"},
        {"iso-8859-9", "WINDOWS-1254"},
        {"latin5", "WINDOWS-1254"},
        {"iso-8859-11", "WINDOWS-874"},
        {"tis-620", "WINDOWS-874"},
        {"gb2312", "GBK"},
        {"gbk", "GBK"},
        {"x-gbk", "GBK"},
        {"cp936", "GBK"},
        {"big5", "BIG5-HKSCS"},
        {"shift_jis", "CP932"},
        {"shift-jis", "CP932"},
        {"sjis", "CP932"},
        {"x-sjis", "CP932"},
        {"ms_kanji", "CP932"},
        {"windows-31j", "CP932"},
        {"euc-kr", "CP949"},
        {"ks_c_5601-1987", "CP949"},
        {"x-mac-roman", "MACINTOSH"},
        {"mac", "MACINTOSH"},
        {"macintosh", "MACINTOSH"},
    };
    char low[40];
    size_t i;

    while (n > 0 && (*label == ' ' || *label == '"' || *label == '\'')) {
        label++;
        n--;
    }
    while (n > 0 && (label[n - 1] == ' ' || label[n - 1] == '"' || label[n - 1] == '\''))
        n--;
    if (n == 0 || n >= sizeof(low) || outlen < sizeof(low))
        return NULL;
    for (i = 0; i < n; i++) {
        char c = label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return NULL;
        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    low[n] = '\0';
    for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
        if (strcmp(alias[i].label, low) == 0) {
            snprintf(out, outlen, "%s", alias[i].name);
            return out;
        }
    for (i = 0; i < n; i++)
        out[i] = (low[i] >= 'a' && low[i] <= 'z') ? (char)(low[i] - 32) : low[i];
    out[n] = '\0';
    return out;
}

static int is_utf8(const char *name)
{
    return name && strcmp(name, "UTF-8") == 0;
}

static int is_wide(const char *name)
{
    return strncmp(name, "UTF-16", 6) == 0 || strncmp(name, "UTF-32", 6) == 0 ||
           strncmp(name, "UCS-", 4) == 0 || strcmp(name, "UNICODE") == 0 ||
           strncmp(name, "ISO-10646", 9) == 0 || strcmp(name, "CSUNICODE") == 0;
}

/* The encoding="..." of an XML declaration near the start, canonicalized into out. */
static const char *xml_declared(const char *data, size_t len, char *out, size_t outlen)
{
    size_t lim = len < 1024 ? len : 1024;
    const char *p = memmem(data, lim, "<?xml", 5), *end, *e, *q;

    if (p == NULL)
        return NULL;
    end = memmem(p, lim - (size_t)(p - data), "?>", 2);
    if (end == NULL)
        return NULL;
    e = memmem(p, (size_t)(end - p), "encoding", 8);
    if (e == NULL)
        return NULL;
    e += 8;
    while (e < end && (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n' || *e == '='))
        e++;
    if (e >= end || (*e != '"' && *e != '\''))
        return NULL;
    q = memchr(e + 1, *e, (size_t)(end - e - 1));
    if (q == NULL)
        return NULL;
    return nd_encoding_canonical(e + 1, (size_t)(q - e - 1), out, outlen);
}

/* Convert with iconv; bytes it cannot read become U+FFFD.  NULL if iconv lacks it. */
static char *iconv_all(const char *name, const char *data, size_t len, size_t *outlen)
{
    iconv_t cd = iconv_open("UTF-8", name);
    size_t cap, inleft = len, outleft;
    char *out, *in = (char *)(uintptr_t)data, *o;

    if (cd == (iconv_t)-1)
        return NULL;
    cap = len * 2 + 16;
    out = xmalloc(cap);
    o = out;
    outleft = cap - 1;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(o - out);
            cap = cap * 2;
            out = xrealloc(out, cap);
            o = out + used;
            outleft = cap - used - 1;
        } else if (errno == EILSEQ || errno == EINVAL) {
            if (outleft < 4) {
                size_t used = (size_t)(o - out);
                cap = cap * 2;
                out = xrealloc(out, cap);
                o = out + used;
                outleft = cap - used - 1;
            }
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            outleft -= 3;
            in++;
            inleft--;
            if (errno == EINVAL)
                break; /* truncated sequence at the end */
        } else {
            break;
        }
    }
    iconv_close(cd);
    *outlen = (size_t)(o - out);
    *o = '\0';
    return out;
}

static char *cp1252_all(const unsigned char *p, size_t len, size_t *outlen)
{
    char *out = xmalloc(len * 3 + 1), *o = out;

    for (size_t i = 0; i < len; i++) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (!bad_control((unsigned char)c))
                *o++ = (char)c;
        } else {
            o += nd_utf8_encode((int32_t)(c < 0xA0 ? nd_cp1252[c - 0x80] : c), o);
        }
    }
    *o = '\0';
    *outlen = (size_t)(o - out);
    return out;
}

/* Make owned/len clean UTF-8 (drop controls) if needed; takes ownership of buf. */
static void take_clean(struct nd_utf8 *u, char *buf, size_t len)
{
    size_t ok = nd_utf8_clean_prefix(buf, len);

    if (ok < len) {
        char *clean = xmalloc(len * 3 + 1);
        memcpy(clean, buf, ok);
        len = ok + repair_utf8((unsigned char *)buf + ok, (unsigned char *)buf + len, clean + ok);
        clean[len] = '\0';
        free(buf);
        buf = clean;
    }
    u->owned = buf;
    u->data = buf;
    u->len = len;
}

static const char *bom_encoding(const unsigned char *p, size_t len, size_t *skip)
{
    *skip = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *skip = 3;
        return "UTF-8";
    }
    if (len >= 4 && p[0] == 0xFF && p[1] == 0xFE && p[2] == 0 && p[3] == 0) {
        *skip = 4;
        return "UTF-32LE";
    }
    if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xFE && p[3] == 0xFF) {
        *skip = 4;
        return "UTF-32BE";
    }
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        *skip = 2;
        return "UTF-16LE";
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *skip = 2;
        return "UTF-16BE";
    }
    /* No BOM: the zero bytes around the first ASCII character tell. */
    if (len >= 4) {
        if (p[0] && !p[1] && !p[2] && !p[3])
            return "UTF-32LE";
        if (!p[0] && !p[1] && !p[2] && p[3])
            return "UTF-32BE";
        if (p[0] && !p[1] && p[2] && !p[3])
            return "UTF-16LE";
        if (!p[0] && p[1] && !p[2] && p[3])
            return "UTF-16BE";
    }
    return NULL;
}

int nd_encoding_to_utf8(const char *data, size_t len, const char *http_charset, int is_xml,
                        struct nd_utf8 *u)
{
    char declbuf[40], httpbuf[40];
    const char *bom, *decl = NULL, *http = NULL, *use = NULL;
    size_t skip, ok, outlen;
    char *buf;

    memset(u, 0, sizeof(*u));
    bom = bom_encoding((const unsigned char *)data, len, &skip);
    data += skip;
    len -= skip;
    if (bom && !is_utf8(bom)) {
        buf = iconv_all(bom, data, len, &outlen);
        if (buf == NULL) /* glibc always has these; be safe */
            buf = cp1252_all((const unsigned char *)data, len, &outlen);
        u->encoding = bom;
        take_clean(u, buf, outlen);
        return ND_OK;
    }
    if (!bom) {
        if (is_xml)
            decl = xml_declared(data, len, declbuf, sizeof(declbuf));
        if (http_charset)
            http =
                nd_encoding_canonical(http_charset, strlen(http_charset), httpbuf, sizeof(httpbuf));
        if (decl && is_wide(decl))
            decl = NULL; /* we just read it as ASCII, so it is not */
        if (http && is_wide(http))
            http = NULL;
    }
    ok = nd_utf8_clean_prefix(data, len);
    if (ok == len && (bom || (!decl && !http) || is_utf8(decl) || is_utf8(http))) {
        u->data = data;
        u->len = len;
        u->encoding = "UTF-8";
        if (decl && http && strcmp(decl, http) != 0)
            snprintf(u->note, sizeof(u->note), "declared %s, HTTP says %s: read as UTF-8", decl,
                     http);
        return ND_OK;
    }
    /* Not (clean) UTF-8, or another encoding was claimed. */
    if (!bom) {
        if (decl && !is_utf8(decl))
            use = decl;
        else if (http && !is_utf8(http))
            use = http;
    }
    if (use && strcmp(use, "WINDOWS-1252") == 0) {
        buf = cp1252_all((const unsigned char *)data, len, &outlen);
    } else if (use && (buf = iconv_all(use, data, len, &outlen)) != NULL) {
        ; /* converted */
    } else {
        if (use)
            snprintf(u->note, sizeof(u->note), "unknown encoding %s: read as UTF-8", use);
        use = NULL;
        buf = NULL;
    }
    if (buf) {
        snprintf(u->label, sizeof(u->label), "%s", use);
        u->encoding = u->label;
        if (decl && http && strcmp(decl, http) != 0 && !u->note[0])
            snprintf(u->note, sizeof(u->note), "declared %s, HTTP says %s: read as %s",
                     decl ? decl : "nothing", http ? http : "nothing", use);
        take_clean(u, buf, outlen);
        return ND_OK;
    }
    /* UTF-8 with broken bytes or control characters: repair. */
    buf = xmalloc(len * 3 + 1);
    memcpy(buf, data, ok);
    {
        /* Were there invalid bytes, or only control characters? */
        size_t n = ok;
        int invalid = 0;
        while (n < len) {
            unsigned char c = (unsigned char)data[n];
            size_t l;
            if (c < 0x80) {
                n++;
            } else if ((l = seq_len((const unsigned char *)data + n,
                                    (const unsigned char *)data + len)) != 0) {
                n += l;
            } else if (nonchar((const unsigned char *)data + n,
                               (const unsigned char *)data + len)) {
                n += 3;
            } else {
                invalid = 1;
                break;
            }
        }
        if (invalid && !u->note[0])
            snprintf(u->note, sizeof(u->note),
                     "invalid UTF-8 at byte %zu: such bytes read as windows-1252", ok + skip);
        u->encoding = invalid ? "UTF-8+WINDOWS-1252" : "UTF-8";
    }
    outlen = ok + repair_utf8((const unsigned char *)data + ok, (const unsigned char *)data + len,
                              buf + ok);
    buf[outlen] = '\0';
    u->owned = buf;
    u->data = buf;
    u->len = outlen;
    return ND_OK;
}

void nd_utf8_free(struct nd_utf8 *u)
{
    if (u == NULL)
        return;
    free(u->owned);
    u->owned = NULL;
    u->data = NULL;
    u->len = 0;
}
