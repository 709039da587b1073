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

/* Copy of s without leading and trailing whitespace (as HTML attribute values are read). */
static char *trimmed(const char *s)
{
    size_t n;

    while (*s && isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
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

static char *url_get(CURLU *h)
{
    char *s = NULL, *copy;

    if (curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK)
        return NULL;
    copy = xstrdup(s);
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
    const char *p, *h;

    if (strncmp(r, "https://", 8) == 0)
        p = r + 8;
    else if (strncmp(r, "http://", 7) == 0)
        p = r + 7;
    else
        return 0;
    for (h = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';)
        p++;
    if (p == h || *p != '/' || p[-1] == '.' || *h == '.' || memmem(h, (size_t)(p - h), "..", 2))
        return 0;
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
            c == '`' || c == '{' || c == '|' || c == '}')
            return 0;
        if (c == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])))
            return 0;
        if (c == '/' && p[1] == '.')
            return 0; /* perhaps a dot segment */
        if ((c == '?' || c == '#') && (p[1] == '\0' || p[1] == '#'))
            return 0; /* curl drops an empty query or fragment */
    }
    return 1;
}

char *nd_url_resolve(const char *base, const char *ref)
{
    char scheme[32];
    char *r, *out = NULL;
    CURLU *h;

    if (ref == NULL)
        return NULL;
    r = trimmed(ref);
    if (plain_http_url(r))
        return r;
    if (nd_url_scheme(r, scheme, sizeof(scheme)) == 0 && !is_http(scheme) &&
        strcmp(scheme, "file") != 0)
        return r; /* mailto:, data:, javascript:... the caller judges */
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

int nd_url_is_tracking_param(const char *name, size_t len)
{
    static const char *const prefixes[] = {"utm_", "mtm_", "pk_", "matomo_", "piwik_", "hsa_"};
    /* clang-format off */
    static const char *const names[] = {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "mc_cid", "mc_eid", "mc_tc", "_hsenc", "_hsmi", "__hstc",
        "__hssc", "__hsfp", "hsctatracking", "mkt_tok", "igshid", "si", "_ga", "_gl",
        "_openstat", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clickid", "s_cid",
        "wickedid", "srsltid", "ncid", "sr_share", "cmpid", "soc_src", "soc_trk", "ref_src",
        "ref_url", "spm", "scm", "__twitter_impression", "at_medium", "at_campaign", "xtor",
        "echobox", "tracking_source",
    };
    /* clang-format on */

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        if (len > pl && strncasecmp(name, prefixes[i], pl) == 0)
            return 1;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
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
 * "<>\^`{|}, non-ASCII) encoded.  Caller frees.
 */
static char *normalize_pct(const char *s)
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
            if (unreserved(c)) {
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
        norm = normalize_pct(query);
        clean = clean_query(norm);
        curl_url_set(h, CURLUPART_QUERY, clean, 0);
    }
    if (curl_url_get(h, CURLUPART_PATH, &path, 0) != CURLUE_OK || *path == '\0') {
        curl_url_set(h, CURLUPART_PATH, "/", 0);
    } else {
        free(norm);
        norm = normalize_pct(path);
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

static int ipv4_private(const unsigned char *a)
{
    return a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
           (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
           (a[0] == 100 && (a[1] & 0xc0) == 64);
}

int nd_addr_is_private(int family, const void *addr)
{
    static const unsigned char zero6[16], loop6[16] = {[15] = 1};
    const unsigned char *a = addr;

    if (family == AF_INET)
        return ipv4_private(a);
    if (family != AF_INET6)
        return 1;
    return memcmp(a, loop6, 16) == 0 || memcmp(a, zero6, 16) == 0 || (a[0] & 0xfe) == 0xfc ||
           (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
           (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && ipv4_private(a + 12));
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
