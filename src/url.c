/*
 * url.c: resolve relative references and canonicalize article URLs.
 *
 * Parsing is libcurl's URL API (curl_url), which implements RFC 3986
 * resolution; this file only decides what to keep.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "newsd/text.h"
#include "newsd/addr.h"
#include "newsd/url.h"
#include "newsd/util.h"

#define URL_FLAGS (CURLU_URLENCODE | CURLU_ALLOW_SPACE | CURLU_NON_SUPPORT_SCHEME)

int nd_url_scheme(const char *url, char *out, size_t outlen)
{
    size_t i = 0;

    if (!isalpha((unsigned char)url[0]))
        return -1;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    if (url[i] != ':' || i + 1 > outlen)
        return -1;
    for (size_t j = 0; j < i; j++)
        out[j] = (char)tolower((unsigned char)url[j]);
    out[i] = '\0';
    return 0;
}

static int is_http(const char *scheme)
{
    return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
}

/*
 * A copy of s as the URL standard (WHATWG) reads it: leading and trailing
 * spaces and controls dropped, and every tab and line break inside too
 * ("java\tscript:" is "javascript:").
 */
static char *trimmed(const char *s)
{
    size_t n;
    char *out, *o;
    const char *p;

    while (*s && (unsigned char)*s <= 0x20)
        s++;
    n = strlen(s);
    while (n > 0 && (unsigned char)s[n - 1] <= 0x20)
        n--;
    out = xstrndup(s, n);
    if (memchr(out, '\t', n) == NULL && memchr(out, '\n', n) == NULL &&
        memchr(out, '\r', n) == NULL)
        return out;
    for (o = out, p = out; *p; p++)
        if (*p != '\t' && *p != '\n' && *p != '\r')
            *o++ = *p;
    *o = '\0';
    return out;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Lower-case the host and drop the default port of the http(s) URL in h. */
static void normalize_http(CURLU *h)
{
    char *scheme = NULL, *host = NULL, *port = NULL;

    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !is_http(scheme))
        goto out;
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        for (const char *c = host; *c; c++) {
            if (*c >= 'A' && *c <= 'Z') {
                lower(host);
                curl_url_set(h, CURLUPART_HOST, host, 0);
                break;
            }
        }
    }
    if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
        ((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
         (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
        curl_url_set(h, CURLUPART_PORT, NULL, 0);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
}

/* Could the host be a number that names an IPv4 address (digits, hex, dots)? */
static int numeric_host(const char *host)
{
    int digit = 0;

    for (const char *c = host; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digit = 1;
        else if (!isxdigit((unsigned char)*c) && *c != 'x' && *c != 'X' && *c != '.')
            return 0;
    }
    return digit;
}

/* Is host four decimal numbers of 0 to 255 without leading zeros (as curl writes IPv4)? */
static int dotted_quad(const char *host)
{
    const char *c = host;

    for (int part = 0; part < 4; part++) {
        int n = 0, len = 0;

        if (part > 0 && *c++ != '.')
            return 0;
        for (; *c >= '0' && *c <= '9' && len < 4; c++, len++)
            n = n * 10 + (*c - '0');
        if (len == 0 || len > 3 || n > 255 || (len > 1 && c[-len] == '0'))
            return 0;
    }
    return *c == '\0';
}

/* The URL in h, or NULL when it is not valid UTF-8: curl decodes a host's
 * percent-encoding ("a.%BB.org" gives a raw 0xBB byte), and such a host names
 * nothing anyway. */
static char *url_get(CURLU *h)
{
    char *s = NULL, *host = NULL, *copy = NULL;

    if (curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK)
        return NULL;
    if (!nd_utf8_valid(s, strlen(s)))
        goto out;
    /* what curl gives must read back: a host it decoded from percent-escapes
     * ("https:%ef%bf%bd/x"), an empty one ("https:////x"), would not */
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0')
        goto out;
    if (numeric_host(host) && !dotted_quad(host)) {
        /* a number curl decoded from percent-escapes ("33%33" is 333): read back, it is
         * an IPv4 address (0.0.1.77), so give that */
        CURLU *again = curl_url();
        char *s2 = NULL;
        int ok = again && curl_url_set(again, CURLUPART_URL, s, URL_FLAGS) == CURLUE_OK;
        if (ok) {
            normalize_http(again);
            ok = curl_url_get(again, CURLUPART_URL, &s2, 0) == CURLUE_OK;
        }
        curl_url_cleanup(again);
        curl_free(s);
        s = s2;
        if (!ok || s == NULL)
            goto out;
    }
    for (const char *c = host; *c; c++) {
        if ((unsigned char)*c >= 0x7F || (unsigned char)*c <= 0x20 || *c == '%') {
            CURLU *again = curl_url();
            int ok = again && curl_url_set(again, CURLUPART_URL, s, URL_FLAGS) == CURLUE_OK;
            curl_url_cleanup(again);
            if (!ok)
                goto out;
            break;
        }
    }
    copy = xstrdup(s);
out:
    curl_free(host);
    curl_free(s);
    return copy;
}

/*
 * Is r an absolute http(s) URL that curl would give back unchanged (lower-case
 * host without a port, no dot segments, no empty query or fragment, nothing
 * to encode)?  Most links in feeds are: they skip the URL parser.
 */
static int plain_http_url(const char *r)
{
    /* 0 plain, 1 never plain, 2 '%', 3 '/', 4 '?' and '#' */
    static const unsigned char cls[256] = {
        [0x00 ... 0x20] = 1, [0x7F ... 0xFF] = 1, ['"'] = 1, ['<'] = 1, ['>'] = 1,
        ['\\'] = 1,          ['^'] = 1,           ['`'] = 1, ['{'] = 1, ['|'] = 1,
        ['}'] = 1,           ['%'] = 2,           ['/'] = 3, ['?'] = 4, ['#'] = 4,
    };
    const char *p, *h;

    if (strncmp(r, "https://", 8) == 0)
        p = r + 8;
    else if (strncmp(r, "http://", 7) == 0)
        p = r + 7;
    else
        return 0;
    for (h = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';)
        if (*p++ == '.' && *p == '.')
            return 0; /* an empty label */
    if (p == h || *p != '/' || p[-1] == '.' || *h == '.')
        return 0;
    if (strspn(h, "0123456789.") >= (size_t)(p - h)) {
        char host[64]; /* digits and dots: curl writes a number as an IPv4 address */
        if ((size_t)(p - h) >= sizeof(host))
            return 0;
        memcpy(host, h, (size_t)(p - h));
        host[p - h] = '\0';
        if (!dotted_quad(host))
            return 0;
    }
    for (; *p; p++) {
        switch (cls[(unsigned char)*p]) {
        case 0:
            break;
        case 1:
            return 0;
        case 2:
            if (!(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])))
                return 0;
            break;
        case 3:
            if (p[1] == '.')
                return 0; /* perhaps a dot segment */
            break;
        default:
            if (p[1] == '\0' || p[1] == '#')
                return 0; /* curl drops an empty query or fragment */
            break;
        }
    }
    return 1;
}

/*
 * A relative reference against a plain base (see plain_http_url), by string
 * work: "/path" after the base's origin, "path" after the base's last '/'.
 * That is what curl's resolution does (lib/urlapi.c, concat_url), and when
 * the result is plain curl gives it back unchanged.  NULL when curl is needed:
 * dot segments, "//", "?", "#", a base with a query or fragment, anything
 * not plain.
 */
static char *resolve_plain(const char *base, const char *r)
{
    const char *host, *path;
    size_t keep, rlen;
    char *out;

    if (r[0] == '\0' || r[0] == '?' || r[0] == '#' || r[0] == '.' || (r[0] == '/' && r[1] == '/') ||
        memchr(r, ':', strcspn(r, "/?#")) != NULL || !plain_http_url(base))
        return NULL; /* a colon in the first segment: curl may read a scheme ("-a:b") */
    host = strstr(base, "://") + 3;
    path = host + strcspn(host, "/"); /* a plain URL has a path */
    if (r[0] == '/')
        keep = (size_t)(path - base);
    else if (path[strcspn(path, "?#")] != '\0')
        return NULL;
    else
        keep = (size_t)(strrchr(path, '/') + 1 - base);
    rlen = strlen(r);
    out = xmalloc(keep + rlen + 1);
    memcpy(out, base, keep);
    memcpy(out + keep, r, rlen + 1);
    if (!plain_http_url(out)) {
        free(out);
        return NULL;
    }
    return out;
}

/* May byte c stand in a URL's path, query or fragment as it is? */
static int url_byte_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' &&
           c != '`' && c != '{' && c != '|' && c != '}';
}

/*
 * The one rule for characters a URL may not hold (non-ASCII, spaces,
 * controls, "<>\^`{|}): outside the host they are percent-encoded, as UTF-8
 * (lower-case hex digits, as libcurl writes them); a '%' that starts no
 * escape is "%25".  The host is kept as written (an IDN host is not turned
 * into punycode).  Caller frees.
 */
/* Does byte p[0] need encoding by the rule? */
static int url_byte_bad(const char *p)
{
    return !url_byte_ok((unsigned char)*p) ||
           (*p == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])));
}

static char *encode_chars(char *r)
{
    static const char hex[] = "0123456789abcdef";
    char scheme[32];
    const char *p, *host = NULL, *host_end = NULL, *at;
    struct nd_buf b;
    size_t i;
    int bad = 0;

    /* the host of "scheme://user@host/..." or "//host/..." is left alone (a scheme as
     * nd_url_scheme() reads one: the same test says whether the URL is relative); its
     * user information follows the rule */
    i = strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    if (nd_url_scheme(r, scheme, sizeof(scheme)) == 0 && r[i + 1] == '/' && r[i + 2] == '/')
        host = r + i + 3;
    else if (r[0] == '/' && r[1] == '/')
        host = r + 2;
    if (host) {
        host_end = host + strcspn(host, "/?#");
        for (at = host_end; at > host && at[-1] != '@';)
            at--;
        host = at; /* after the last '@' of the authority, if any */
    }
    for (p = r; *p && !bad; p++)
        bad = !(host && p >= host && p < host_end) && url_byte_bad(p);
    if (!bad)
        return r;
    nd_buf_init(&b, 0);
    for (p = r; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int rc = !(host && p >= host && p < host_end) && url_byte_bad(p) ? nd_buf_add(&b, enc, 3)
                                                                         : nd_buf_addc(&b, (char)c);
        if (rc != ND_OK) {
            nd_buf_free(&b);
            return r;
        }
    }
    free(r);
    return nd_buf_steal(&b);
}

static char *resolve(const char *base, const char *ref);

char *nd_url_resolve(const char *base, const char *ref)
{
    const char *p;
    char *b, *out;

    if (ref && plain_http_url(ref))
        return xstrdup(ref); /* most links: nothing to trim, encode or resolve */
    /* the base follows the same rule as what is resolved against it (a plain one does) */
    if (base == NULL || plain_http_url(base))
        return resolve(base, ref);
    for (p = base; *p; p++)
        if (!url_byte_ok((unsigned char)*p) ||
            (*p == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]))))
            break;
    if (*p == '\0')
        return resolve(base, ref);
    b = encode_chars(trimmed(base));
    out = resolve(b, ref);
    free(b);
    return out;
}

static char *resolve(const char *base, const char *ref)
{
    char scheme[32];
    char *r, *out = NULL;
    CURLU *h;

    if (ref == NULL)
        return NULL;
    r = trimmed(ref);
    if (plain_http_url(r))
        return r; /* most links: nothing to encode, nothing to resolve */
    if (nd_url_scheme(r, scheme, sizeof(scheme)) != 0 || is_http(scheme) ||
        strcmp(scheme, "file") == 0)
        r = encode_chars(r);
    if (plain_http_url(r))
        return r;
    if (nd_url_scheme(r, scheme, sizeof(scheme)) == 0 && !is_http(scheme) &&
        strcmp(scheme, "file") != 0)
        return r; /* mailto:, data:, javascript:... the caller judges */
    if (base != NULL && nd_url_scheme(r, scheme, sizeof(scheme)) != 0 &&
        (out = resolve_plain(base, r)) != NULL) {
        free(r);
        return out;
    }
    h = curl_url();
    if (h == NULL)
        goto out;
    if (nd_url_scheme(r, scheme, sizeof(scheme)) != 0) {
        /* relative: needs an absolute base */
        if (base == NULL || curl_url_set(h, CURLUPART_URL, base, URL_FLAGS) != CURLUE_OK)
            goto out;
        if (r[0] == '\0' || r[0] == '#') {
            /* RFC 3986 5.2.2: the base itself with the ref's fragment (curl drops the
             * last path segment here, as for a redirect) */
            if (curl_url_set(h, CURLUPART_FRAGMENT, r[0] && r[1] ? r + 1 : NULL, 0) != CURLUE_OK)
                goto out;
            normalize_http(h);
            out = url_get(h);
            goto out;
        }
    }
    if (curl_url_set(h, CURLUPART_URL, r, URL_FLAGS) != CURLUE_OK)
        goto out;
    normalize_http(h);
    out = url_get(h);
out:
    curl_url_cleanup(h);
    free(r);
    return out;
}

/* A string literal and its length. */
struct lit {
    const char *s;
    size_t n;
};
#define LIT(s)                                                                                     \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }

int nd_url_is_tracking_param(const char *name, size_t len)
{
    static const struct lit prefixes[] = {LIT("utm_"),    LIT("mtm_"),   LIT("pk_"),
                                          LIT("matomo_"), LIT("piwik_"), LIT("hsa_")};
    /* clang-format off */
    static const struct lit names[] = {
        LIT("fbclid"), LIT("gclid"), LIT("gclsrc"), LIT("dclid"), LIT("gbraid"), LIT("wbraid"),
        LIT("msclkid"), LIT("yclid"), LIT("twclid"), LIT("ttclid"), LIT("li_fat_id"),
        LIT("mc_cid"), LIT("mc_eid"), LIT("mc_tc"), LIT("_hsenc"), LIT("_hsmi"), LIT("__hstc"),
        LIT("__hssc"), LIT("__hsfp"), LIT("hsctatracking"), LIT("mkt_tok"), LIT("igshid"),
        LIT("si"), LIT("_ga"), LIT("_gl"), LIT("_openstat"), LIT("oly_anon_id"),
        LIT("oly_enc_id"), LIT("vero_id"), LIT("vero_conv"), LIT("rb_clickid"), LIT("s_cid"),
        LIT("wickedid"), LIT("srsltid"), LIT("ncid"), LIT("sr_share"), LIT("cmpid"),
        LIT("soc_src"), LIT("soc_trk"), LIT("ref_src"), LIT("ref_url"), LIT("spm"), LIT("scm"),
        LIT("__twitter_impression"), LIT("at_medium"), LIT("at_campaign"), LIT("xtor"),
        LIT("echobox"), LIT("tracking_source"),
    };
    /* clang-format on */

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (len > prefixes[i].n && strncasecmp(name, prefixes[i].s, prefixes[i].n) == 0)
            return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].n == len && strncasecmp(name, names[i].s, len) == 0)
            return 1;
    return 0;
}

/* The query without tracking parameters, or NULL when nothing is left.  Caller frees. */
static char *clean_query(const char *q)
{
    struct nd_buf b;
    const char *p = q, *amp, *eq;
    size_t len, nlen;

    nd_buf_init(&b, 0);
    while (*p) {
        amp = strchr(p, '&');
        len = amp ? (size_t)(amp - p) : strlen(p);
        eq = memchr(p, '=', len);
        nlen = eq ? (size_t)(eq - p) : len;
        if (len > 0 && !nd_url_is_tracking_param(p, nlen)) {
            if (b.len && nd_buf_addc(&b, '&') != ND_OK)
                break;
            if (nd_buf_add(&b, p, len) != ND_OK)
                break;
        }
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    if (b.len == 0) {
        nd_buf_free(&b);
        return NULL;
    }
    return nd_buf_steal(&b);
}

char *nd_url_strip_tracking(const char *url)
{
    const char *q, *hash;
    char *clean, *out;
    size_t qlen;

    if (url == NULL)
        return NULL;
    hash = strchr(url, '#');
    q = memchr(url, '?', hash ? (size_t)(hash - url) : strlen(url));
    if (q == NULL)
        return xstrdup(url);
    qlen = hash ? (size_t)(hash - q - 1) : strlen(q + 1);
    out = xstrndup(q + 1, qlen);
    clean = clean_query(out);
    free(out);
    out = xasprintf("%.*s%s%s%s", (int)(q - url), url, clean ? "?" : "", clean ? clean : "",
                    hash ? hash : "");
    free(clean);
    return out;
}

static int unreserved(int c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * RFC 3986 6.2.2 normalization of a path or query: percent-encodings in one
 * case (lower: libcurl 7.88 rewrites them so anyway), unreserved characters
 * decoded, characters that may not appear in a URL (controls, space,
 * "<>\^`{|}, non-ASCII) encoded.  path: an encoded dot stays encoded.  Caller frees.
 */
static char *normalize_pct(const char *s, int path)
{
    static const char hex[] = "0123456789abcdef";
    struct nd_buf b;
    int hi, lo;

    nd_buf_init(&b, 0);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char enc[3];
        if (c == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
            hi = isdigit((unsigned char)s[1]) ? s[1] - '0'
                                              : (tolower((unsigned char)s[1]) - 'a' + 10);
            lo = isdigit((unsigned char)s[2]) ? s[2] - '0'
                                              : (tolower((unsigned char)s[2]) - 'a' + 10);
            c = (unsigned char)(hi * 16 + lo);
            s += 2;
            /* (an encoded '.' stays encoded in a path: decoded, it could make a dot
             * segment that a second pass would remove) */
            if (unreserved(c) && !(path && c == '.')) {
                if (nd_buf_addc(&b, (char)c) != ND_OK)
                    break;
                continue;
            }
        } else if (c > 0x20 && c < 0x7f && !strchr("\"<>\\^`{|}", c)) {
            if (nd_buf_addc(&b, (char)c) != ND_OK)
                break;
            continue;
        }
        enc[0] = '%';
        enc[1] = hex[c >> 4];
        enc[2] = hex[c & 15];
        if (nd_buf_add(&b, enc, 3) != ND_OK)
            break;
    }
    return nd_buf_steal(&b);
}

/* The canonical form of a plain URL (see plain_http_url) without '%': string work only. */
static char *canonical_plain(const char *url)
{
    char *copy = xstrndup(url, strcspn(url, "#")), *out;

    out = nd_url_strip_tracking(copy);
    free(copy);
    return out;
}

char *nd_url_canonical(const char *url)
{
    char *scheme = NULL, *host = NULL, *query = NULL, *path = NULL;
    char *clean = NULL, *norm = NULL, *out = NULL;
    CURLU *h;

    if (url == NULL)
        return NULL;
    if (plain_http_url(url) && strchr(url, '%') == NULL)
        return canonical_plain(url);
    h = curl_url();
    if (h == NULL)
        return NULL;
    if (curl_url_set(h, CURLUPART_URL, url, CURLU_URLENCODE | CURLU_ALLOW_SPACE) != CURLUE_OK)
        goto out;
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !is_http(scheme))
        goto out;
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0')
        goto out;
    normalize_http(h);
    curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
    if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
        norm = normalize_pct(query, 0);
        clean = clean_query(norm);
        curl_url_set(h, CURLUPART_QUERY, clean, 0);
    }
    if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK || *path == '\0') {
        curl_url_set(h, CURLUPART_PATH, "/", 0);
    } else {
        free(norm);
        norm = normalize_pct(path, 1);
        curl_url_set(h, CURLUPART_PATH, norm, 0);
    }
    out = url_get(h);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(path);
    free(clean);
    free(norm);
    curl_url_cleanup(h);
    return out;
}

int nd_url_host_is_private(const char *url)
{
    char *host = NULL;
    unsigned char addr[16];
    int priv = 0;
    size_t n;
    CURLU *h = curl_url();

    if (h == NULL)
        return 0;
    if (curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;
    n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        char *zone = strchr(host + 1, '%');
        if (zone)
            *zone = '\0';
        priv = inet_pton(AF_INET6, host + 1, addr) == 1 && nd_addr_is_private(AF_INET6, addr);
    } else if (inet_pton(AF_INET, host, addr) == 1) {
        priv = nd_addr_is_private(AF_INET, addr);
    } else {
        lower(host);
        priv =
            strcmp(host, "localhost") == 0 || (n > 10 && strcmp(host + n - 10, ".localhost") == 0);
    }
out:
    curl_free(host);
    curl_url_cleanup(h);
    return priv;
}
