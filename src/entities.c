/*
 * entities.c: the HTML5 named character references (&eacute; &check;
 * &NotEqualTilde; ...), which RSS feeds use as if XML declared them.
 *
 * The table (entities_html5.inc) is generated from Python's
 * html.entities.html5 by a script kept here so the table can be remade:
 *
 *   import html.entities as H
 *   e = {k[:-1]: [ord(c) for c in v] for k, v in H.html5.items() if k[-1] == ";"}
 *   e["apos"] = [39]
 *   names = sorted(e, key=str.encode)
 *   second = sorted({c[1] for c in e.values() if len(c) == 2})
 *   then print names end to end as one string, second[], and per name
 *   {offset, length, second.index(c[1]) + 1 or 0, c[0]}, four to a line.
 *
 * Lookups are a binary search over 2125 entries: 11 comparisons.
 */
#include <string.h>

#include "parse_int.h"

struct ent {
    uint16_t off;
    uint8_t len;
    uint8_t second; /* index + 1 into second[], 0: one code point */
    uint32_t cp;
};

#include "entities_html5.inc"

#define N_ENTS (sizeof(ents) / sizeof(ents[0]))

static const struct ent *find(const char *name, size_t n)
{
    size_t lo = 0, hi = N_ENTS;

    if (n == 0 || n > 32)
        return NULL;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct ent *e = &ents[mid];
        size_t k = e->len < n ? e->len : n;
        int c = memcmp(names + e->off, name, k);
        if (c == 0)
            c = e->len < n ? -1 : e->len > n ? 1 : 0;
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

unsigned nd_entity_lookup(const char *name, size_t n)
{
    const struct ent *e = find(name, n);

    return e ? e->cp : 0;
}

size_t nd_entity_lookup2(const char *name, size_t n, unsigned cp[2])
{
    const struct ent *e = find(name, n);

    if (e == NULL)
        return 0;
    cp[0] = e->cp;
    if (e->second == 0)
        return 1;
    cp[1] = second[e->second - 1];
    return 2;
}
