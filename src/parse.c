/*
 * parse.c: nd_parse(), the parser's entry point.
 *
 * Bytes -> UTF-8 (encoding.c) -> the format, told from the document itself
 * (a JSON object, else XML whose root element parse_feed.c recognizes) ->
 * parse_json.c or parse_fix.c + parse_xml.c -> the checks that make a
 * document count as a feed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newsd/encoding.h"
#include "newsd/parse.h"
#include "parse_int.h"

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Is the document JSON?  Looks past a BOM, NULs (UTF-16/32) and whitespace. */
static int looks_json(const unsigned char *p, size_t len)
{
    size_t i = 0;

    while (i < len && i < 64 &&
           (is_ws(p[i]) || p[i] == 0 || p[i] == 0xEF || p[i] == 0xBB || p[i] == 0xBF ||
            p[i] == 0xFE || p[i] == 0xFF))
        i++;
    return i < len && p[i] == '{';
}

static int parse_xml(const char *p, size_t len, const char *doc_url, int fix_lt,
                     struct nd_feed *out, char *err, size_t errlen)
{
    struct nd_cdata_tab cd = {0};
    size_t fixed_len = 0;
    char *fixed = nd_xml_fix(p, len, &fixed_len, &cd, fix_lt, out);
    int rc;

    if (fixed)
        rc = nd_parse_xml(fixed, fixed_len, doc_url, &cd, out, err, errlen);
    else
        rc = nd_parse_xml(p, len, doc_url, &cd, out, err, errlen);
    free(fixed);
    free(cd.v);
    return rc;
}

void nd_parse_language(char **lang)
{
    char *s = *lang, *o, *sub;
    size_t n, k = 0;

    if (s == NULL)
        return;
    n = strlen(s);
    /* "en-US, fr;q=0.8": the first one; trimmed */
    n = strcspn(s, ",;");
    while (n > 0 && is_ws((unsigned char)s[n - 1]))
        n--;
    o = s;
    for (size_t i = 0; i < n; i++)
        if (!is_ws((unsigned char)s[i]))
            o[k++] = s[i] == '_' ? '-' : s[i];
    o[k] = '\0';
    for (sub = o; *sub;) {
        size_t len = strcspn(sub, "-");
        for (size_t i = 0; i < len; i++) {
            char c = sub[i];
            int upper = sub != o && ((len == 2) || (len == 4 && i == 0));
            if (upper && c >= 'a' && c <= 'z')
                sub[i] = (char)(c - 32);
            else if (!upper && c >= 'A' && c <= 'Z')
                sub[i] = (char)(c + 32);
        }
        sub += len;
        if (*sub == '-')
            sub++;
    }
    if (*o == '\0') {
        free(*lang);
        *lang = NULL;
    }
}

int nd_parse(const char *data, size_t len, const char *doc_url, const char *http_charset,
             struct nd_feed *out, char *err, size_t errlen)
{
    struct nd_parse_in in = {doc_url, http_charset, NULL};

    return nd_parse_doc(data, len, &in, out, err, errlen);
}

int nd_parse_doc(const char *data, size_t len, const struct nd_parse_in *in, struct nd_feed *out,
                 char *err, size_t errlen)
{
    const char *doc_url = in ? in->doc_url : NULL, *http_charset = in ? in->http_charset : NULL;
    struct nd_utf8 u;
    const char *p, *end;
    char dummy[1];
    int rc, json;

    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    if (data == NULL || len == 0) {
        snprintf(err, errlen, "empty document");
        return ND_EPARSE;
    }
    json = looks_json((const unsigned char *)data, len);
    if (nd_encoding_to_utf8(data, len, http_charset, !json, &u) != ND_OK) {
        snprintf(err, errlen, "cannot decode the document");
        return ND_EPARSE;
    }
    if (u.note[0])
        nd_parse_warn(out, "%s", u.note);
    p = u.data;
    end = u.data + u.len;
    while (p < end && is_ws((unsigned char)*p))
        p++;
    if (json) {
        rc = nd_parse_json(p, (size_t)(end - p), doc_url, out, err, errlen);
    } else {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL) {
            snprintf(err, errlen, "not a feed: neither XML nor JSON");
            nd_utf8_free(&u);
            return ND_EPARSE;
        }
        size_t junk = (size_t)(lt - p);
        if (junk)
            nd_parse_warn(out, "%zu %s of junk before the first tag skipped", junk,
                          nd_plural((long long)junk, "byte", "bytes"));
        p = lt;
        rc = parse_xml(p, (size_t)(end - p), doc_url, 0, out, err, errlen);
        if (rc == ND_XML_BAD_LT) {
            /* "3 < 5": libxml2 dropped the '<'; again, with such '<' escaped */
            nd_feed_free(out);
            nd_feed_init(out);
            if (u.note[0])
                nd_parse_warn(out, "%s", u.note);
            if (junk)
                nd_parse_warn(out, "%zu %s of junk before the first tag skipped", junk,
                              nd_plural((long long)junk, "byte", "bytes"));
            rc = parse_xml(p, (size_t)(end - p), doc_url, 1, out, err, errlen);
        }
        if (rc == ND_XML_BAD_LT)
            rc = ND_OK;
    }
    nd_utf8_free(&u);
    if (rc != ND_OK)
        return rc;
    if (out->n_entries == 0 && nd_str_empty(out->title)) {
        snprintf(err, errlen, "no items and no feed title (%s)", out->format);
        return ND_EPARSE;
    }
    if (out->language == NULL && in && in->http_language && *in->http_language)
        out->language = xstrdup(in->http_language); /* the document names none */
    nd_parse_language(&out->language);
    for (size_t i = 0; i < out->n_entries; i++)
        nd_parse_language(&out->entries[i].language);
    nd_feed_mark_shared_pages(out);
    return ND_OK;
}
