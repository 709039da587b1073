/*
 * config_filters.c: the `filters` lists of newsd.conf (global and per
 * source) into compiled rules (filter.h): each rule a group of field,
 * match or words, action and an optional name; a bad one is refused with
 * "file:line: reason".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static int refuse(const config_setting_t *s, const char *file, char *err, size_t errlen,
                  const char *fmt, ...) ND_PRINTF(5, 6);

static int refuse(const config_setting_t *s, const char *file, char *err, size_t errlen,
                  const char *fmt, ...)
{
    const char *f = config_setting_source_file(s);
    char msg[768], clean[1024];
    size_t o = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* a pattern quoted in the message may hold control characters: one line all the same */
    for (const char *p = msg; *p && o + 5 < sizeof(clean); p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(clean + o, sizeof(clean) - o, "\\x%02x", (unsigned char)*p);
        else
            clean[o++] = *p;
    }
    clean[o] = '\0';
    snprintf(err, errlen, "%s:%d: %s", f ? f : file, config_setting_source_line(s), clean);
    return ND_EINVAL;
}

static const char *string_of(const config_setting_t *g, const char *key)
{
    const config_setting_t *s = config_setting_get_member(g, key);

    return s && config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
}

/* One rule (group g, the n-th of its list) appended to fs. */
static int one_rule(struct nd_filters *fs, const config_setting_t *g, int n, const char *file,
                    char *err, size_t errlen)
{
    static const char *const keys[] = {"field", "match", "words", "action", "name"};
    const config_setting_t *words = config_setting_get_member(g, "words");
    const char *field = string_of(g, "field"), *match = string_of(g, "match");
    const char *action = string_of(g, "action"), *name = string_of(g, "name");
    const char **list = NULL;
    char where[512], why[768];
    int f, rc, nw = 0;

    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return refuse(g, file, err, errlen,
                      "each filter must be a group: { field = \"title\"; match = \"...\"; "
                      "action = \"drop\"; }");
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *k = config_setting_get_elem(g, (unsigned)i);
        size_t j = 0;
        while (j < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[j], config_setting_name(k)))
            j++;
        if (j == sizeof(keys) / sizeof(keys[0]))
            return refuse(k, file, err, errlen,
                          "unknown setting '%s' in filter (field, match, words, action, name)",
                          config_setting_name(k));
        if (j != 2 && config_setting_type(k) != CONFIG_TYPE_STRING)
            return refuse(k, file, err, errlen, "filter: '%s' must be a string", keys[j]);
    }
    if (field == NULL || (f = nd_filter_field_parse(field)) < 0)
        return refuse(g, file, err, errlen,
                      "filter %d: 'field' must be title, text, url, author, category or "
                      "language%s%s%s",
                      n, field ? " (got \"" : "", field ? field : "", field ? "\")" : "");
    if ((match != NULL) == (words != NULL))
        return refuse(g, file, err, errlen,
                      "filter %d: give either 'match' (a regular expression) or 'words' (a list)",
                      n);
    if (action && strcmp(action, "drop") != 0 && strcmp(action, "keep") != 0)
        return refuse(config_setting_get_member(g, "action"), file, err, errlen,
                      "filter %d: 'action' must be drop or keep (got \"%s\")", n, action);
    if (name && (*name == '\0' || strlen(name) > 64))
        return refuse(config_setting_get_member(g, "name"), file, err, errlen,
                      "filter %d: 'name' must be 1 to 64 characters", n);
    if (match && *match == '\0')
        return refuse(config_setting_get_member(g, "match"), file, err, errlen,
                      "filter %d: 'match' must not be empty", n);
    if (words) {
        int t = config_setting_type(words);
        nw = t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST ? config_setting_length(words) : 0;
        if (nw == 0)
            return refuse(words, file, err, errlen,
                          "filter %d: 'words' must be a non-empty list of strings: [\"a\", \"b\"]",
                          n);
        list = xcalloc((size_t)nw, sizeof(*list));
        for (int i = 0; i < nw; i++) {
            const config_setting_t *w = config_setting_get_elem(words, (unsigned)i);
            const char *v =
                config_setting_type(w) == CONFIG_TYPE_STRING ? config_setting_get_string(w) : NULL;
            if (v == NULL || v[strspn(v, " \t")] == '\0') {
                free(list);
                return refuse(words, file, err, errlen,
                              "filter %d: 'words' must be non-empty strings", n);
            }
            list[i] = v;
        }
    }
    snprintf(where, sizeof(where), "%s:%d",
             config_setting_source_file(g) ? config_setting_source_file(g) : file,
             config_setting_source_line(g));
    rc = nd_filters_add(fs, (enum nd_filter_field)f, action && strcmp(action, "keep") == 0, match,
                        list, (size_t)nw, name, where, why, sizeof(why));
    free(list);
    if (rc != ND_OK)
        return refuse(match ? config_setting_get_member(g, "match") : words, file, err, errlen,
                      "filter %d: %s", n, why);
    return ND_OK;
}

int nd_config_filters(const config_setting_t *list, const char *scope, const char *file,
                      struct nd_filters **out, char *err, size_t errlen)
{
    struct nd_filters *fs;
    int t = config_setting_type(list);

    *out = NULL;
    if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && config_setting_length(list) == 0))
        return refuse(list, file, err, errlen,
                      "'filters' must be a list of groups: filters = ( { field = \"title\"; "
                      "match = \"...\"; action = \"drop\"; } );");
    fs = nd_filters_new(scope);
    for (int i = 0; i < config_setting_length(list); i++)
        if (one_rule(fs, config_setting_get_elem(list, (unsigned)i), i + 1, file, err, errlen) !=
            ND_OK) {
            nd_filters_unref(fs);
            return ND_EINVAL;
        }
    *out = fs;
    return ND_OK;
}
