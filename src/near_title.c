/*
 * near_title.c: the words of a title, and how the titles of two title-only
 * items compare (near.h: "title").  A title is a separate signal: it is
 * compared only when neither item has text.
 */
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "near_index.h"

struct word_lit {
    const char *w;
    size_t len;
};
#define LIT(w)                                                                                     \
    {                                                                                              \
        w, sizeof(w) - 1                                                                           \
    }

/* Words a title comparison ignores: tags of wire flashes, and the commonest words. */
static const struct word_lit title_skip[] = {
    LIT("breaking"),  LIT("flash"), LIT("update"), LIT("updated"), LIT("urgent"),
    LIT("exclusive"), LIT("live"),  LIT("watch"),  LIT("video"),   LIT("developing"),
    LIT("a"),         LIT("an"),    LIT("the"),    LIT("in"),      LIT("on"),
    LIT("at"),        LIT("of"),    LIT("to"),     LIT("for"),     LIT("as"),
    LIT("and"),       LIT("with"),  LIT("by"),     LIT("from"),    LIT("is"),
    LIT("are"),       LIT("its"),   LIT("it"),     LIT("be"),      LIT("after"),
    LIT("over"),      LIT("into"),  LIT("this"),   LIT("that"),
};

static size_t title_stem(const char *w, size_t len, char *out, size_t cap)
{
    /* after spell_one(), "-er" is "-r" and "-ers" is "-rs" (merger: mergr) */
    static const struct word_lit sufs[] = {
        LIT("ments"), LIT("ment"), LIT("ings"), LIT("ing"), LIT("ers"), LIT("er"),
        LIT("rs"),    LIT("ed"),   LIT("es"),   LIT("r"),   LIT("s"),   LIT("e"),
    };

    for (size_t i = 0; i < sizeof(title_skip) / sizeof(title_skip[0]); i++)
        if (title_skip[i].len == len && title_skip[i].w[0] == w[0] &&
            memcmp(title_skip[i].w, w, len) == 0)
            return 0;
    if (len == 0 || len > cap)
        return 0;
    memcpy(out, w, len);
    if (w[0] >= '0' && w[0] <= '9')
        return len;
    for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
        size_t n = sufs[i].len;
        if (len > n + 2 && out[len - 1] == sufs[i].w[n - 1] &&
            memcmp(out + len - n, sufs[i].w, n) == 0) {
            len -= n;
            break;
        }
    }
    return len;
}

/*
 * The title's words.  Capitals mark names only in a title written in
 * sentence case: in an ALL CAPS or Title Case headline (most words
 * capitalized) they say nothing, and every word may be a name.
 */
void near_title_keep(struct nd_near_sig *sig, const struct near_words *ws)
{
    char stem[64];
    size_t words = 0, caps = 0;
    int headline_case;

    for (size_t i = 0; i < ws->n; i++) {
        if (ws->w[i].num)
            continue;
        words++;
        caps += ws->w[i].cap;
    }
    headline_case = words >= 3 && caps * 5 >= words * 3;

    for (size_t i = 0; i < ws->n && sig->ntitle < ND_NEAR_MAX_TITLE; i++) {
        const struct near_word *w = &ws->w[i];
        size_t n = title_stem(ws->buf + w->off, w->len, stem, sizeof(stem));
        uint16_t h;
        int dup = 0;
        if (n == 0)
            continue;
        h = (uint16_t)XXH3_64bits(stem, n);
        for (unsigned j = 0; j < sig->ntitle && !dup; j++)
            dup = sig->title[j].h == h;
        if (dup)
            continue;
        sig->title[sig->ntitle].h = h;
        sig->title[sig->ntitle].flags =
            (uint8_t)((w->num ? NEAR_TITLE_NUMBER : 0) | (headline_case ? NEAR_TITLE_CASED
                                                          : w->cap      ? NEAR_TITLE_NAME
                                                                        : 0));
        sig->ntitle++;
    }
}

static int title_has(const struct near_view *v, uint16_t h)
{
    for (unsigned i = 0; i < v->ntitle; i++)
        if (v->title[i].h == h)
            return 1;
    return 0;
}

void near_title_compare(const struct near_view *a, const struct near_view *b, struct near_score *s)
{
    unsigned inter = 0;
    int a_name = 0, b_name = 0, a_own = 0, b_own = 0;

    s->measure = "title";
    s->threshold = ND_NEAR_TITLE;
    if (a->ntitle == 0 || b->ntitle == 0) {
        s->reason = "no title to compare";
        return;
    }
    for (unsigned i = 0; i < a->ntitle; i++) {
        int in = title_has(b, a->title[i].h);
        inter += (unsigned)in;
        if (!in && (a->title[i].flags & NEAR_TITLE_NUMBER)) {
            s->reason = "title numbers differ";
            return;
        }
        if (!in && (a->title[i].flags & (NEAR_TITLE_NAME | NEAR_TITLE_CASED)))
            a_name = 1;
        a_own |= !in;
    }
    for (unsigned i = 0; i < b->ntitle; i++) {
        int in = title_has(a, b->title[i].h);
        if (!in && (b->title[i].flags & NEAR_TITLE_NUMBER)) {
            s->reason = "title numbers differ";
            return;
        }
        if (!in && (b->title[i].flags & (NEAR_TITLE_NAME | NEAR_TITLE_CASED)))
            b_name = 1;
        b_own |= !in;
    }
    s->title = (double)inter / (double)(a->ntitle + b->ntitle - inter);
    s->score = s->title;
    if (a_name && b_name) {
        s->reason = "title names differ";
        return;
    }
    /* a word swapped for another (each title has a word of its own) needs more */
    if (a_own && b_own)
        s->threshold = ND_NEAR_TITLE_SWAP;
    s->pass = inter >= 2 && s->title >= s->threshold;
    s->reason = s->pass ? "title-only items with the same title" : "titles differ";
}
