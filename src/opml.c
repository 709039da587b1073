/*
 * opml.c: OPML subscription lists read and written with libxml2's tree API
 * (opml.h).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "newsd/opml.h"
#include "newsd/strmap.h"
#include "newsd/text.h"
#include "newsd/url.h"

#define SLUG_MAX 40

struct reader {
    struct nd_opml *out;
    const char *base;
    int capped;
};

/* U+FFFE and U+FFFF, which XML cannot carry (a recovered document may), as U+FFFD, in place. */
static char *xml_chars(char *s)
{
    for (unsigned char *p = (unsigned char *)s; s && *p; p++)
        if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            p[2] = 0xBD;
    return s;
}

/* An attribute's value, trimmed, valid UTF-8, or NULL when absent or empty (caller frees). */
static char *attr(const xmlNode *n, const char *name, const char *ns)
{
    xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
                    : xmlGetNoNsProp(n, (const xmlChar *)name);
    char *s, *end;

    if (v == NULL)
        return NULL;
    s = (char *)v;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    /* a recovered document may hold bytes its encoding did not allow: out as U+FFFD */
    if (end == s)
        s = NULL;
    else if (nd_utf8_valid(s, (size_t)(end - s)))
        s = xstrndup(s, (size_t)(end - s));
    else
        s = nd_utf8_repair(s, (size_t)(end - s), NULL);
    xmlFree(v);
    return xml_chars(s);
}

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* A URL resolved against the document's URL when it has one. */
static char *resolved(const struct reader *r, char *url)
{
    char *abs;

    if (url == NULL || r->base == NULL)
        return url;
    abs = nd_url_resolve(r->base, url);
    if (abs == NULL)
        return url;
    free(url);
    return abs;
}

/* The first category of a category attribute ("/Tech/Linux,/News" -> "Tech/Linux"). */
static char *first_category(char *cat)
{
    char *s, *comma;

    if (cat == NULL)
        return NULL;
    s = cat + strspn(cat, "/ ");
    comma = strchr(s, ',');
    if (comma)
        *comma = '\0';
    s = *s ? xstrdup(s) : NULL;
    free(cat);
    return s;
}

static void read_feed(struct reader *r, const xmlNode *n, char *xml_url, const char *folder)
{
    struct nd_opml_feed *f;

    if (r->out->n >= ND_OPML_MAX) {
        r->capped = 1;
        free(xml_url);
        return;
    }
    r->out->feeds = xrealloc(r->out->feeds, (r->out->n + 1) * sizeof(*r->out->feeds));
    f = &r->out->feeds[r->out->n++];
    memset(f, 0, sizeof(*f));
    f->xml_url = resolved(r, xml_url);
    f->html_url = resolved(r, attr(n, "htmlUrl", NULL));
    f->id = attr(n, "id", ND_OPML_NS);
    f->title = attr(n, "title", NULL);
    if (f->title == NULL)
        f->title = attr(n, "text", NULL);
    /* export writes the id as the text of a source without a title */
    if (f->title && f->id && xmlHasProp(n, (const xmlChar *)"title") == NULL &&
        strcmp(f->title, f->id) == 0) {
        free(f->title);
        f->title = NULL;
    }
    f->category = folder ? xstrdup(folder) : first_category(attr(n, "category", NULL));
    f->topic = attr(n, "topic", ND_OPML_NS);
    f->line = (int)xmlGetLineNo(n);
}

/* The outlines below parent; folder is the path of the folders around them ("" at the top). */
static void read_outlines(struct reader *r, const xmlNode *parent, const char *folder, int depth)
{
    for (const xmlNode *n = parent->children; n; n = n->next) {
        char *xml_url, *name, *path;

        if (!is_elem(n, "outline"))
            continue;
        xml_url = attr(n, "xmlUrl", NULL);
        if (xml_url == NULL)
            xml_url = attr(n, "xmlurl", NULL); /* some exporters */
        if (xml_url) {
            read_feed(r, n, xml_url, *folder ? folder : NULL);
            continue;
        }
        name = attr(n, "title", NULL);
        if (name == NULL)
            name = attr(n, "text", NULL);
        if (n->children == NULL || depth >= ND_OPML_DEPTH) {
            nd_strv_take(&r->out->ignored,
                         xasprintf("line %ld: \"%s\": %s", xmlGetLineNo(n), name ? name : "",
                                   n->children ? "folders nested too deep" : "no xmlUrl"));
            free(name);
            continue;
        }
        /* a '/' in a folder's name would read as two folders */
        for (char *p = name; p && *p; p++)
            if (*p == '/')
                *p = '-';
        path = *folder ? xasprintf("%s/%s", folder, name ? name : "") : xstrdup(name ? name : "");
        read_outlines(r, n, path, depth + 1);
        free(path);
        free(name);
    }
}

int nd_opml_parse(const char *data, size_t len, const char *base_url, struct nd_opml *out,
                  char *err, size_t errlen)
{
    struct reader r = {out, base_url, 0};
    const xmlNode *root, *head = NULL, *body = NULL;
    xmlDoc *doc;
    int rc = ND_EPARSE;

    memset(out, 0, sizeof(*out));
    if (len > INT32_MAX) {
        snprintf(err, errlen, "document too large");
        return ND_EPARSE;
    }
    /* entities are of no use in OPML: none is declared, none expanded */
    if (memmem(data, len, "<!ENTITY", 8) != NULL) {
        snprintf(err, errlen, "not read: the document declares entities");
        return ND_EPARSE;
    }
    doc = xmlReadMemory(data, (int)len, base_url, NULL,
                        XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOWARNING |
                            XML_PARSE_NOERROR);
    if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
        snprintf(err, errlen, "not OPML: no XML element found");
        goto out;
    }
    if (!is_elem(root, "opml")) {
        snprintf(err, errlen, "not OPML: the root element is <%s>", (const char *)root->name);
        goto out;
    }
    for (const xmlNode *n = root->children; n; n = n->next) {
        if (is_elem(n, "head") && head == NULL)
            head = n;
        else if (is_elem(n, "body") && body == NULL)
            body = n;
    }
    if (body == NULL) {
        snprintf(err, errlen, "not OPML: no <body>");
        goto out;
    }
    for (const xmlNode *n = head ? head->children : NULL; n; n = n->next)
        if (is_elem(n, "title") && out->title == NULL) {
            xmlChar *t = xmlNodeGetContent(n);
            if (t && *t)
                out->title =
                    xml_chars(nd_utf8_repair((const char *)t, strlen((const char *)t), NULL));
            xmlFree(t);
        }
    read_outlines(&r, body, "", 0);
    if (r.capped)
        nd_strv_take(&out->ignored, xasprintf("feeds after the first %d: not read", ND_OPML_MAX));
    rc = ND_OK;
out:
    xmlFreeDoc(doc);
    return rc;
}

void nd_opml_free(struct nd_opml *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++) {
        struct nd_opml_feed *f = &o->feeds[i];
        free(f->title);
        free(f->xml_url);
        free(f->html_url);
        free(f->category);
        free(f->id);
        free(f->topic);
    }
    free(o->feeds);
    free(o->title);
    nd_strv_free(&o->ignored);
    memset(o, 0, sizeof(*o));
}

/* ------------------------------------------------------------------------------------------ */

/* An attribute, its control characters (not allowed in XML 1.0) as spaces. */
static void set(xmlNode *n, xmlNs *ns, const char *name, const char *value)
{
    char *text;

    if (value == NULL || *value == '\0')
        return;
    text = xstrdup(value);
    for (char *p = text; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
            *p = ' ';
    xmlNewNsProp(n, ns, (const xmlChar *)name, (const xmlChar *)text);
    free(text);
}

/*
 * The folder outline for category path cat below body, made as needed;
 * folders maps the paths of those made so far ("a", "a/b") to them.
 */
static xmlNode *folder(xmlNode *body, const char *cat, struct nd_strmap *folders)
{
    xmlNode *parent = body;
    char *key = xmalloc(strlen(cat) + 1);
    size_t k = 0;
    int levels = 0;

    /* no deeper than a reader follows (ND_OPML_DEPTH): the rest of the path is not written */
    for (const char *p = cat; *p && levels < ND_OPML_DEPTH;) {
        size_t l = strcspn(p, "/");
        if (l > 0) {
            levels++;
            char *seg = xstrndup(p, l);
            xmlNode *found;
            if (k > 0)
                key[k++] = '/';
            memcpy(key + k, p, l);
            k += l;
            key[k] = '\0';
            if ((found = nd_strmap_get(folders, key)) == NULL) {
                found = xmlNewChild(parent, NULL, (const xmlChar *)"outline", NULL);
                set(found, NULL, "text", seg);
                nd_strmap_put(folders, key, found);
            }
            parent = found;
            free(seg);
        }
        p += l + (p[l] == '/');
    }
    free(key);
    return parent;
}

char *nd_opml_write(const char *title, const struct nd_opml_feed *feeds, size_t n, int64_t now)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"opml");
    xmlNode *head, *body;
    xmlNs *ns;
    xmlChar *mem = NULL;
    struct nd_strmap folders = {0};
    char date[64], *out;
    int size = 0;
    time_t t = (time_t)now;
    struct tm tm;

    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, (const xmlChar *)"version", (const xmlChar *)"2.0");
    ns = xmlNewNs(root, (const xmlChar *)ND_OPML_NS, (const xmlChar *)"newsd");
    head = xmlNewChild(root, NULL, (const xmlChar *)"head", NULL);
    xmlNewTextChild(head, NULL, (const xmlChar *)"title",
                    (const xmlChar *)(title ? title : "newsd sources"));
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    xmlNewTextChild(head, NULL, (const xmlChar *)"dateCreated", (const xmlChar *)date);
    body = xmlNewChild(root, NULL, (const xmlChar *)"body", NULL);
    for (size_t i = 0; i < n; i++) {
        const struct nd_opml_feed *f = &feeds[i];
        xmlNode *parent = f->category && *f->category ? folder(body, f->category, &folders) : body;
        xmlNode *o = xmlNewChild(parent, NULL, (const xmlChar *)"outline", NULL);
        const char *text = f->title ? f->title : f->id ? f->id : f->xml_url;

        set(o, NULL, "type", "rss");
        set(o, NULL, "text", text);
        set(o, NULL, "title", f->title);
        set(o, NULL, "xmlUrl", f->xml_url);
        set(o, NULL, "htmlUrl", f->html_url);
        set(o, ns, "id", f->id);
        set(o, ns, "topic", f->topic);
    }
    nd_strmap_free(&folders);
    xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
    out = xstrndup((const char *)mem, (size_t)size);
    xmlFree(mem);
    xmlFreeDoc(doc);
    return out;
}

/* ------------------------------------------------------------------------------------------ */

void nd_opml_slug(const char *title, char out[SLUG_MAX + 1])
{
    utf8proc_uint8_t *folded = NULL;
    size_t o = 0;
    int dash = 0;

    out[0] = '\0';
    if (title == NULL)
        return;
    if (utf8proc_map((const utf8proc_uint8_t *)title, 0, &folded,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                         UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD) < 0)
        folded = NULL;
    for (const unsigned char *p = folded ? folded : (const unsigned char *)""; *p && o < SLUG_MAX;
         p++) {
        int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        if (!alnum) {
            dash = o > 0;
            continue;
        }
        if (dash && o + 1 < SLUG_MAX)
            out[o++] = '-';
        dash = 0;
        out[o++] = (char)*p;
    }
    out[o] = '\0';
    free(folded);
}

char *nd_opml_topic(const char *category, const char *id)
{
    struct nd_buf b;
    char *path, *save = NULL, slug[SLUG_MAX + 1];
    int any = 0;

    if (category == NULL)
        return NULL;
    nd_buf_init(&b, 4096);
    path = xstrdup(category);
    if (nd_buf_adds(&b, "news") != ND_OK)
        goto fail;
    for (char *seg = strtok_r(path, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        nd_opml_slug(seg, slug);
        if (!*slug)
            continue;
        if (nd_buf_printf(&b, ".%s", slug) != ND_OK)
            goto fail;
        any = 1;
    }
    if (!any || nd_buf_printf(&b, ".%s", id) != ND_OK)
        goto fail;
    free(path);
    return nd_buf_steal(&b);
fail:
    free(path);
    nd_buf_free(&b);
    return NULL;
}

char *nd_opml_category(const char *topic, const char *id)
{
    size_t tl, il = strlen(id);
    char *cat;

    if (topic == NULL || strncmp(topic, "news.", 5) != 0)
        return NULL;
    topic += 5;
    tl = strlen(topic);
    if (strcmp(topic, id) == 0)
        return xstrdup("");
    if (tl < il + 2 || topic[tl - il - 1] != '.' || strcmp(topic + tl - il, id) != 0)
        return NULL;
    cat = xstrndup(topic, tl - il - 1);
    for (char *p = cat, *seg = cat;; p++) {
        if (*p == '.' || *p == '\0') {
            char slug[SLUG_MAX + 1], keep = *p;
            *p = '\0';
            nd_opml_slug(seg, slug);
            if (!*slug || strcmp(slug, seg) != 0) {
                free(cat);
                return NULL;
            }
            if (keep == '\0')
                break;
            *p = '/';
            seg = p + 1;
        }
    }
    return cat;
}
