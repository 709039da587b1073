/*
 * dom_walk.h: what the benchmarks' DOM baselines (dom_parse.c, naive.c) do
 * with a parsed feed: count its items and HTML-parse each item's content,
 * as a reader built on libxml2's DOM would.  Header-only, for the two.
 */
#ifndef NEWSD_BENCH_DOM_WALK_H
#define NEWSD_BENCH_DOM_WALK_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define XML_OPTS (XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
#define HTML_OPTS                                                                                  \
    (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING)

static int is_name(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* HTML-parse the content of one item: its markup as text, or inline XHTML. */
static void parse_content(xmlNode *c)
{
    xmlNode *k;
    int inline_xhtml = 0;

    for (k = c->children; k; k = k->next)
        if (k->type == XML_ELEMENT_NODE)
            inline_xhtml = 1;
    if (inline_xhtml) {
        xmlBufferPtr b = xmlBufferCreate();
        for (k = c->children; k; k = k->next)
            xmlNodeDump(b, c->doc, k, 0, 0);
        xmlFreeDoc(htmlReadMemory((const char *)xmlBufferContent(b), xmlBufferLength(b), NULL,
                                  "UTF-8", HTML_OPTS));
        xmlBufferFree(b);
    } else {
        xmlChar *s = xmlNodeGetContent(c);
        if (s) {
            xmlFreeDoc(htmlReadMemory((const char *)s, (int)strlen((const char *)s), NULL, "UTF-8",
                                      HTML_OPTS));
            xmlFree(s);
        }
    }
}

/* Count the items under n; with html, parse the content of each. */
static size_t walk(xmlNode *n, int html)
{
    size_t count = 0;

    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (is_name(n, "item") || is_name(n, "entry")) {
            xmlNode *k, *content = NULL, *summary = NULL;
            count++;
            for (k = n->children; html && k; k = k->next) {
                if (is_name(k, "encoded") || is_name(k, "content"))
                    content = k;
                else if (is_name(k, "description") || is_name(k, "summary"))
                    summary = k;
            }
            if (content || summary)
                parse_content(content ? content : summary);
            continue;
        }
        count += walk(n->children, html);
    }
    return count;
}

#endif
