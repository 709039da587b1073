/*
 * near_title.c: the words of a title, and how the titles of two title-only
 * items compare (near.h: "title").  A title is a separate signal: it is
 * compared only when neither item has text.
 *
 * A title's words are its canonical words (near_words.c: case-folded, one
 * spelling, number words as digits), lightly stemmed (declares, declared,
 * declaring: declar), with:
 *  - the commonest words and the tags of wire flashes left out (and the
 *    revision number of "UPDATE 2-");
 *  - the words and phrases of one group of tgroups[] counted as one: common
 *    abbreviations (Gov./governor, PM/prime minister, U.S./United States),
 *    and the usual verbs of news in groups of one meaning (sack, dismiss;
 *    buy, acquire; rise, jump, climb...), and what has not happened yet
 *    ("expected to", "vows to") as such a verb;
 *  - a number with its scale as one value ("$3.2B", "3.2 billion" and
 *    "3,200 million" meet; "120,000" and "120k" too), ordinals as numbers.
 * Each word keeps flags: a number; a name (capitalized in a sentence-case
 * title; a direction or a currency in any case); capitalized in an ALL CAPS
 * or Title Case title (a name or not: unknown); one of the verbs of news
 * (an "action"); written as a participle ("Lumen bought by Apple": a
 * headline's passive).
 *
 * Two titles are the same story when they share at least two words, their
 * Jaccard similarity reaches ND_NEAR_TITLE, and the words of one are all
 * words of the other: one may add words (an outlet's name, a clause, a
 * given name), but a title with words of its own on both sides swapped a
 * word, and which words mean the same is known only for the groups above
 * ("upholds" / "overturns", "Mars" / "Venus" are told apart by nothing
 * else).  Nor may one add a number or a verb of news ("14 missing" / "14
 * missing found alive" is the next story), nor may two names both have
 * stand in the other order around a word both have, in the same voice
 * ("Skylark to buy Northjet" / "Northjet to buy Skylark").
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "near_index.h"

#define STEM_MAX    64 /* bytes of a stem (canonical words are at most 64) */
#define TITLE_WORDS 64 /* words of a title looked at; the rest are ignored */
#define PHRASE_MAX  3  /* words of the longest phrase of tgroups[] */

/* --- stems ---------------------------------------------------------------------------------- */

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/*
 * The stem of the canonical word w[0..len) into out (STEM_MAX bytes), its
 * length returned: a number as it is; else "-ies"/"-ied" -> "-y"; "-eed"
 * stays (succeed, succeeds); or one of the endings below is dropped (the word
 * keeps three letters or more; not the "s" of "-ss"), then a final doubled
 * consonant is halved (cutting: cut, planned: plan) and "-enc" is "-ens" (as
 * spell_one() writes "sentence": sentenced, sentences).
 */
static size_t title_stem(const char *w, size_t len, char *out)
{
    /* after spell_one(), "-er" is "-r" and "-ers" is "-rs" (merger: mergr) */
    static const char *const sufs[] = {"ments", "ment", "ings", "ing", "fuly", "ful", "ers", "er",
                                       "rs",    "ed",   "es",   "ly",  "r",    "s",   "e"};

    if (len > STEM_MAX)
        len = STEM_MAX;
    memcpy(out, w, len);
    if (len == 0 || (w[0] >= '0' && w[0] <= '9'))
        return len;
    if (len > 4 && out[len - 3] == 'i' && out[len - 2] == 'e' &&
        (out[len - 1] == 's' || out[len - 1] == 'd')) {
        out[len - 3] = 'y';
        return len - 2;
    }
    if (len > 4 && memcmp(out + len - 4, "eeds", 4) == 0)
        return len - 1;
    if (len > 3 && memcmp(out + len - 3, "eed", 3) == 0)
        return len;
    for (size_t i = 0; i < sizeof(sufs) / sizeof(sufs[0]); i++) {
        size_t n = strlen(sufs[i]);
        if (len > n + 2 && memcmp(out + len - n, sufs[i], n) == 0 &&
            !(n == 1 && out[len - 1] == 's' && out[len - 2] == 's')) {
            len -= n;
            break;
        }
    }
    if (len >= 3 && out[len - 1] == out[len - 2] && !is_vowel(out[len - 1]) && out[len - 1] != 's')
        len--;
    if (len >= 4 && memcmp(out + len - 3, "enc", 3) == 0)
        out[len - 1] = 's';
    return len;
}

/* --- the table of title words ------------------------------------------------------------- */

#define TW_STOP   0x01 /* not counted: the commonest words */
#define TW_TAG    0x02 /* a wire tag (FLASH, UPDATE 2-): not counted */
#define TW_ACTION 0x04 /* one of the verbs of news: what happened */
#define TW_PLACE  0x08 /* a direction or a currency: as telling as a name, whatever its case */
#define TW_NUMBER 0x10 /* an ordinal: a number */
#define TW_SCALE  0x20 /* hundred, thousand, million...: scales the number before it */
#define TW_PART   0x40 /* (per word) an irregular participle: "sold", "beaten" */

/*
 * Groups of words and phrases a title comparison counts as one word (the
 * first of the group stands for all), and what is special about them.  Words
 * are written as in a title; they go through the same canonical form and
 * stem as the title's own, so "acquire" also covers "acquires", "acquired",
 * "acquiring".  A "*" after a word marks an irregular participle.  Only
 * general abbreviations and the common verbs of news are here: a group is
 * a claim that its words tell the same story.
 */
static const struct tgroup {
    uint8_t flags;
    const char *words; /* separated by "|" */
} tgroups[] = {
    /* the commonest words; auxiliaries; "agrees to", "plans to" add nothing to what happens */
    {TW_STOP, "a|an|the|in|on|at|of|to|for|as|and|with|by|from|is|are|its|it|be|after|over|"
              "into|this|that|will|would|could|can|may|might|has|have|had|was|were|been|"
              "says|said|say|amid|about|against|vs|versus|near|off|than|via|when|while|despite|"
              "following|during|since|until|but|or|his|her|their|he|she|they|re|inc|corp|co|"
              "ltd|plc|llc|agree to|plan to"},
    {TW_TAG, "breaking|flash|update|updated|urgent|exclusive|live|watch|video|developing|"
             "corrected|correction|refile|rpt|wrapup"},
    /* numbers */
    {TW_SCALE, "hundred"},
    {TW_SCALE, "thousand"},
    {TW_SCALE, "million|mln|mn"},
    {TW_SCALE, "billion|bln|bn"},
    {TW_SCALE, "trillion|tn"},
    {TW_NUMBER, "1st|first"},
    {TW_NUMBER, "2nd|second"},
    {TW_NUMBER, "3rd|third"},
    {TW_NUMBER, "4th|fourth"},
    {TW_NUMBER, "5th|fifth"},
    {TW_NUMBER, "6th|sixth"},
    {TW_NUMBER, "7th|seventh"},
    {TW_NUMBER, "8th|eighth"},
    {TW_NUMBER, "9th|ninth"},
    {TW_NUMBER, "10th|tenth"},
    {0, "percent|pct"},
    /* abbreviations */
    {0, "governor|gov"},
    {0, "senator|sen"},
    {0, "president|pres"},
    {0, "representative|rep"},
    {0, "prime minister|pm"},
    {0, "chief executive|ceo|chief executive officer"},
    {0, "chief financial officer|cfo|finance chief"},
    {0, "government|govt"},
    {0, "department|dept"},
    {0, "international|intl"},
    {0, "university|univ"},
    {0, "mount|mt"},
    {0, "former|ex"},
    {0, "united states|us|usa|u s|u s a"},
    {0, "united kingdom|uk|u k|britain"},
    {0, "european union|eu"},
    {0, "united nations|un|u n"},
    {0, "federal reserve|fed"},
    {0, "earthquake|quake|tremor"},
    /* places and currencies: names whatever their case */
    {TW_PLACE, "north|northern"},
    {TW_PLACE, "south|southern"},
    {TW_PLACE, "east|eastern"},
    {TW_PLACE, "west|western"},
    {TW_PLACE, "northeast|north east|northeastern"},
    {TW_PLACE, "northwest|north west|northwestern"},
    {TW_PLACE, "southeast|south east|southeastern"},
    {TW_PLACE, "southwest|south west|southwestern"},
    {TW_PLACE, "dollar|greenback"},
    {TW_PLACE, "euro"},
    {TW_PLACE, "yen"},
    {TW_PLACE, "yuan|renminbi"},
    {TW_PLACE, "sterling"},
    {TW_PLACE, "franc"},
    {TW_PLACE, "krona|krone"},
    {TW_PLACE, "rupee"},
    {TW_PLACE, "peso"},
    {TW_PLACE, "rouble|ruble"},
    {TW_PLACE, "lira"},
    {TW_PLACE, "bitcoin"},
    /* the verbs of news, a group for each meaning */
    {TW_ACTION, "rise|rose|risen*|raise|hike|increase|jump|climb|gain|surge|soar|rally|"
                "rebound|grow|grew|grown*|boost|up|go up|went up"},
    {TW_ACTION, "fall|fell|fallen*|drop|slide|slid*|slip|plunge|tumble|sink|sank|sunk*|slump|"
                "decline|dip|shrink|cut|reduce|slash|trim|axe|down|go down|went down"},
    {TW_ACTION, "buy|bought*|acquire|purchase|take over|took over|takeover|snap up"},
    {TW_ACTION, "sell|sold*|divest|sell off|offload"},
    /* not "fire": far more often the noun */
    {TW_ACTION, "dismiss|sack|oust|lay off|laid off|layoff"},
    {TW_ACTION, "appoint|name|hire|recruit"},
    {TW_ACTION, "nominate"},
    {TW_ACTION, "resign|quit|step down|stand down"},
    {TW_ACTION, "win|won*|beat|beaten*|clinch"},
    {TW_ACTION, "lose|lost*"},
    {TW_ACTION, "kill|dead|die|died|death|pass away"},
    {TW_ACTION, "injure|hurt|wound"},
    {TW_ACTION, "arrest|detain"},
    {TW_ACTION, "release|free|freed"},
    {TW_ACTION, "approve|pass|endorse|ratify|adopt|green light|greenlight|go ahead"},
    {TW_ACTION, "reject|block|veto|vote down|turn down|refuse"},
    {TW_ACTION, "open"},
    {TW_ACTION, "reopen"},
    {TW_ACTION, "close|shut|shut down|closure"},
    {TW_ACTION, "delay|postpone|push back|defer"},
    {TW_ACTION, "cancel|scrap|call off|abandon"},
    {TW_ACTION, "find|found*|discover|uncover"},
    {TW_ACTION, "hold|held*|keep|kept*|leave unchanged"},
    {TW_ACTION, "lift"},
    {TW_ACTION, "impose"},
    {TW_ACTION, "succeed"},
    {TW_ACTION, "fail"},
    {TW_ACTION, "sue"},
    {TW_ACTION, "charge|indict"},
    {TW_ACTION, "convict|find guilty|found guilty"},
    {TW_ACTION, "acquit"},
    {TW_ACTION, "jail|imprison|sentence"},
    {TW_ACTION, "sign"},
    {TW_ACTION, "expel"},
    {TW_ACTION, "attack"},
    {TW_ACTION, "invade"},
    {TW_ACTION, "accuse"},
    {TW_ACTION, "sanction"},
    {TW_ACTION, "ban"},
    {TW_ACTION, "warn"},
    {TW_ACTION, "threaten"},
    {TW_ACTION, "condemn"},
    {TW_ACTION, "blame"},
    {TW_ACTION, "urge"},
    {TW_ACTION, "join"},
    {TW_ACTION, "merge"},
    {TW_ACTION, "elect"},
    {TW_ACTION, "recall"},
    {TW_ACTION, "evacuate"},
    {TW_ACTION, "rescue"},
    {TW_ACTION, "visit"},
    {TW_ACTION, "launch"},
    /* what has not happened yet: "expected to hold rates" is not "holds rates" */
    {TW_ACTION, "expected to|poised to|set to|likely to|due to"},
    {TW_ACTION, "vow to|pledge to|promise to|threaten to"},
    {TW_ACTION, "seek to|aim to|move to|try to"},
};

/* One word or phrase of tgroups[], by the hash of its stems joined by spaces. */
struct tentry {
    uint64_t key;
    uint64_t group; /* the key of the group's first word */
    uint8_t flags;  /* TW_* */
    uint8_t words;  /* in the phrase */
    uint8_t scale;  /* TW_SCALE: the power of ten */
};

#define TENTRIES_MAX 512

static struct {
    struct tentry e[TENTRIES_MAX];
    size_t n;
    int bad; /* the table is broken (a word in two groups, too many): near_title_check() */
} tw;
static pthread_once_t tw_once = PTHREAD_ONCE_INIT;

/* The stems of words[0..n) of ws joined by spaces: their key. */
static uint64_t stems_key(char stems[][STEM_MAX], const uint8_t *lens, size_t n)
{
    char buf[PHRASE_MAX * (STEM_MAX + 1)];
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf[len++] = ' ';
        memcpy(buf + len, stems[i], lens[i]);
        len += lens[i];
    }
    return XXH3_64bits(buf, len);
}

/* The key of a word or phrase written as in a title (0: not one of 1..PHRASE_MAX words). */
static uint64_t text_key(const char *s, size_t len, size_t *nwords)
{
    struct near_words ws;
    char stems[PHRASE_MAX][STEM_MAX];
    uint8_t lens[PHRASE_MAX];
    uint64_t key = 0;

    near_words_split(s, len, &ws);
    *nwords = ws.n;
    if (ws.n >= 1 && ws.n <= PHRASE_MAX) {
        for (size_t i = 0; i < ws.n; i++)
            lens[i] = (uint8_t)title_stem(ws.buf + ws.w[i].off, ws.w[i].len, stems[i]);
        key = stems_key(stems, lens, ws.n);
    }
    near_words_free(&ws);
    return key;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct tentry *x = a, *y = b;

    return x->key < y->key ? -1 : x->key > y->key;
}

static unsigned scale_of(const char *w)
{
    static const char *const names[] = {"hundred", "thousand", "million", "billion", "trillion"};
    static const uint8_t powers[] = {2, 3, 6, 9, 12};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(w, names[i]) == 0)
            return powers[i];
    return 0;
}

static void tw_init(void)
{
    for (size_t g = 0; g < sizeof(tgroups) / sizeof(tgroups[0]); g++) {
        const char *p = tgroups[g].words;
        uint64_t group = 0;
        unsigned scale = 0;
        while (*p) {
            const char *end = strchr(p, '|');
            size_t len = end ? (size_t)(end - p) : strlen(p), nwords;
            uint8_t flags = tgroups[g].flags;
            char first[32];
            if (len > 0 && p[len - 1] == '*') {
                flags |= TW_PART;
                len--;
            }
            if (group == 0 && len < sizeof(first)) { /* the group's first word */
                memcpy(first, p, len);
                first[len] = '\0';
                scale = scale_of(first);
            }
            if (tw.n == TENTRIES_MAX) {
                tw.bad = 1;
                return;
            }
            tw.e[tw.n] = (struct tentry){text_key(p, len, &nwords), 0, flags, 0, (uint8_t)scale};
            tw.e[tw.n].words = (uint8_t)nwords;
            if (tw.e[tw.n].key == 0)
                tw.bad = 1;
            if (group == 0)
                group = tw.e[tw.n].key;
            tw.e[tw.n++].group = group;
            p += len + (p[len] == '*') + (end != NULL);
        }
    }
    qsort(tw.e, tw.n, sizeof(tw.e[0]), entry_cmp);
    for (size_t i = 1; i < tw.n; i++) /* a word in two groups: one of them is never found */
        if (tw.e[i].key == tw.e[i - 1].key && tw.e[i].group != tw.e[i - 1].group)
            tw.bad = 1;
}

static const struct tentry *tw_find(uint64_t key)
{
    size_t lo = 0, hi = tw.n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tw.e[mid].key == key)
            return &tw.e[mid];
        if (tw.e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int near_title_check(void)
{
    pthread_once(&tw_once, tw_init);
    return tw.bad ? -1 : 0;
}

/* --- a title's words ---------------------------------------------------------------------- */

/*
 * The number w[0..len) (digits with "," or "." between them) times
 * 10^scale, written as its plain decimal value into out (STEM_MAX bytes):
 * "3.2" and 9 give "3200000000", "120,000" gives "120000".  A comma before
 * three digits groups thousands; another is a decimal comma.  0 when w is
 * not such a number ("3rd", "4x4", "1.2.3") or the value is too long.
 */
static size_t number_value(const char *w, size_t len, unsigned scale, char *out)
{
    char d[STEM_MAX];
    size_t nd = 0, point = SIZE_MAX, n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = w[i];
        if (c >= '0' && c <= '9') {
            d[nd++] = c;
            continue;
        }
        if ((c != '.' && c != ',') || i == 0 || i + 1 == len)
            return 0;
        if (c == ',' && point == SIZE_MAX && i + 4 <= len && w[i + 1] >= '0' && w[i + 1] <= '9' &&
            w[i + 2] >= '0' && w[i + 2] <= '9' && w[i + 3] >= '0' && w[i + 3] <= '9' &&
            (i + 4 == len || w[i + 4] == ',' || w[i + 4] == '.'))
            continue; /* thousands */
        if (point != SIZE_MAX)
            return 0;
        point = nd;
    }
    if (point == SIZE_MAX)
        point = nd;
    point += scale;
    if (point + 1 >= STEM_MAX)
        return 0;
    for (size_t i = 0; i < point; i++) /* the whole part, without leading zeros */
        if (n > 0 || i + 1 == point || (i < nd ? d[i] : '0') != '0')
            out[n++] = i < nd ? d[i] : '0';
    if (point < nd) {
        size_t last = nd;
        while (last > point && d[last - 1] == '0')
            last--;
        if (last > point) {
            if (n == 0)
                out[n++] = '0';
            out[n++] = '.';
            memcpy(out + n, d + point, last - point);
            n += last - point;
        }
    }
    return n;
}

/*
 * Does the title open with a wire tag and its revision number ("UPDATE 2-",
 * "WRAPUP 1:")?  Then that number is not the story's.
 */
static int tag_number(const char *t)
{
    size_t i = 0, letters = 0, digits = 0;

    while (t[i] == ' ')
        i++;
    while ((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z') {
        i++;
        letters++;
    }
    while (t[i] == ' ')
        i++;
    while (t[i] >= '0' && t[i] <= '9') {
        i++;
        digits++;
    }
    while (t[i] == ' ')
        i++;
    return letters >= 3 && digits >= 1 && digits <= 2 &&
           (t[i] == '-' || t[i] == ':' ||
            (t[i] == '\xe2' && t[i + 1] == '\x80' && (t[i + 2] == '\x93' || t[i + 2] == '\x94')));
}

/* Add one word to sig->title[] (a word already there is not added again). */
static void put_word(struct nd_near_sig *sig, uint64_t key, uint8_t flags)
{
    uint16_t h = (uint16_t)key;

    if (sig->ntitle == ND_NEAR_MAX_TITLE)
        return;
    for (unsigned j = 0; j < sig->ntitle; j++)
        if (sig->title[j].h == h)
            return;
    sig->title[sig->ntitle].h = h;
    sig->title[sig->ntitle].flags = flags;
    sig->ntitle++;
}

/* Is the canonical word w[0..len) written as a participle: "-ed"? */
static int participle(const char *w, size_t len)
{
    return len >= 4 && w[len - 2] == 'e' && w[len - 1] == 'd';
}

void near_title_keep(struct nd_near_sig *sig, const struct near_words *ws, const char *title)
{
    char stems[TITLE_WORDS][STEM_MAX];
    uint8_t lens[TITLE_WORDS];
    size_t n = ws->n < TITLE_WORDS ? ws->n : TITLE_WORDS, words = 0, caps = 0;
    int headline_case, skip_number;

    pthread_once(&tw_once, tw_init);
    for (size_t i = 0; i < ws->n; i++) {
        if (ws->w[i].num)
            continue;
        words++;
        caps += ws->w[i].cap;
    }
    /* capitals mark names only in a sentence-case title: in an ALL CAPS or Title Case
     * headline they say nothing, and every word may be a name */
    headline_case = words >= 3 && caps * 5 >= words * 3;
    skip_number = title && tag_number(title);
    for (size_t i = 0; i < n; i++)
        lens[i] = (uint8_t)title_stem(ws->buf + ws->w[i].off, ws->w[i].len, stems[i]);

    for (size_t i = 0; i < n;) {
        const struct near_word *w = &ws->w[i];
        const struct tentry *e = NULL;
        uint8_t flags = (uint8_t)(headline_case ? NEAR_TITLE_CASED : w->cap ? NEAR_TITLE_NAME : 0);
        const struct near_word *last;
        uint64_t key;
        size_t k;

        for (k = n - i < PHRASE_MAX ? n - i : PHRASE_MAX; k > 0 && e == NULL; k--) {
            e = tw_find(stems_key(&stems[i], &lens[i], k));
            if (e && e->words != k)
                e = NULL;
        }
        k = e ? e->words : 1;
        last = &ws->w[i + k - 1];
        if (e && (e->flags & TW_TAG)) {
            skip_number &= i == 0;
            if (skip_number && i + 1 < n && ws->w[i + 1].num)
                i++; /* the tag's revision number */
            i++;
            continue;
        }
        skip_number = 0;
        i += k;
        if (e && (e->flags & TW_STOP))
            continue;
        if (w->num && w->len > 0 && ws->buf[w->off] >= '0' && ws->buf[w->off] <= '9') {
            /* a number, with the scale after it */
            char v[STEM_MAX];
            const struct tentry *s = NULL;
            size_t vl;
            if (i < n) {
                s = tw_find(stems_key(&stems[i], &lens[i], 1));
                if (s && (!(s->flags & TW_SCALE) || s->words != 1))
                    s = NULL;
            }
            vl = number_value(ws->buf + w->off, w->len, s ? s->scale : 0, v);
            if (vl > 0) {
                i += s != NULL;
                put_word(sig, XXH3_64bits(v, vl), flags | NEAR_TITLE_NUMBER);
                continue;
            }
        }
        key = e ? e->group : stems_key(&stems[i - k], &lens[i - k], 1);
        if (w->num || (e && (e->flags & (TW_NUMBER | TW_SCALE))))
            flags |= NEAR_TITLE_NUMBER;
        if (e && (e->flags & TW_PLACE))
            flags |= NEAR_TITLE_NAME;
        if (e && (e->flags & TW_ACTION))
            flags |= NEAR_TITLE_ACTION;
        if ((e && (e->flags & TW_PART)) || participle(ws->buf + last->off, last->len))
            flags |= NEAR_TITLE_PASSIVE;
        put_word(sig, key, flags);
    }
}

/* --- comparing two titles ----------------------------------------------------------------- */

#define NAMEISH (NEAR_TITLE_NAME | NEAR_TITLE_CASED)

/* in[i]: where a's word i is in b, or -1. */
static unsigned match_words(const struct near_view *a, const struct near_view *b, int8_t *in)
{
    unsigned inter = 0;

    for (unsigned i = 0; i < a->ntitle; i++) {
        in[i] = -1;
        for (unsigned j = 0; j < b->ntitle && in[i] < 0; j++)
            if (a->title[i].h == b->title[j].h)
                in[i] = (int8_t)j;
        inter += in[i] >= 0;
    }
    return inter;
}

/* Has v a word of its own (not in the other title, in[i] < 0) with one of these flags (0: any)? */
static int own_with(const struct near_view *v, const int8_t *in, uint8_t flags)
{
    for (unsigned i = 0; i < v->ntitle; i++)
        if (in[i] < 0 && (flags == 0 || (v->title[i].flags & flags)))
            return 1;
    return 0;
}

/*
 * Do two names both titles have stand in the other order, with a word both
 * have between them in each, written in the same voice?  ("Skylark to buy
 * Northjet" / "Northjet to buy Skylark"; "Northjet bought by Skylark" turns
 * them round; "Moreau and Ivanova" / "Ivanova and Moreau" have nothing
 * between them.)
 */
static int roles_swapped(const struct near_view *a, const struct near_view *b, const int8_t *in)
{
    for (unsigned x = 0; x < a->ntitle; x++) {
        int bx = in[x];
        if (bx < 0 || !(a->title[x].flags & NAMEISH) || !(b->title[bx].flags & NAMEISH))
            continue;
        for (unsigned y = x + 2; y < a->ntitle; y++) {
            int by = in[y];
            if (by < 0 || by >= bx || !(a->title[y].flags & NAMEISH) ||
                !(b->title[by].flags & NAMEISH))
                continue;
            for (unsigned v = x + 1; v < y; v++)
                if (in[v] > by && in[v] < bx &&
                    !((a->title[v].flags ^ b->title[in[v]].flags) & NEAR_TITLE_PASSIVE))
                    return 1;
        }
    }
    return 0;
}

void near_title_compare(const struct near_view *a, const struct near_view *b, struct near_score *s)
{
    int8_t in_a[ND_NEAR_MAX_TITLE], in_b[ND_NEAR_MAX_TITLE];
    unsigned inter;

    s->measure = "title";
    s->threshold = ND_NEAR_TITLE;
    if (a->ntitle == 0 || b->ntitle == 0) {
        s->reason = "no title to compare";
        return;
    }
    inter = match_words(a, b, in_a);
    match_words(b, a, in_b);
    s->title = (double)inter / (double)(a->ntitle + b->ntitle - inter);
    s->score = s->title;
    if (own_with(a, in_a, NEAR_TITLE_NUMBER) || own_with(b, in_b, NEAR_TITLE_NUMBER))
        s->reason = "title numbers differ";
    else if (own_with(a, in_a, 0) && own_with(b, in_b, 0))
        s->reason = "each title has words of its own";
    else if (own_with(a, in_a, NEAR_TITLE_ACTION) || own_with(b, in_b, NEAR_TITLE_ACTION))
        s->reason = "title verbs differ";
    else if (roles_swapped(a, b, in_a))
        s->reason = "title names in other roles";
    if (s->reason)
        return;
    s->pass = inter >= 2 && s->title >= s->threshold;
    s->reason = s->pass ? "title-only items with the same title" : "titles differ";
}
