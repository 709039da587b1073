/*
 * test_near_sig.c: near-duplicate signatures stay bit-identical.
 *
 * Signatures are stored with the articles and the index is rebuilt from them
 * at start, so the packed bytes of a text's signature must not change unless
 * the blob version does.  This test packs the signatures of many texts and
 * compares a hash of each group of blobs with tests/data/near/sig_hashes.txt:
 *  - every pair of the labeled sets (its history, a and b), one line a pair;
 *  - the shipped samples, the hand-written source files (whole, one text each);
 *  - generated texts: words of many kinds (British and American spellings,
 *    number words, digits with separators and scales, abbreviations, names,
 *    credit and footer lines, accented, Greek, Cyrillic, CJK, Thai, Arabic
 *    text, ligatures, combining marks, emoji, invalid UTF-8, long words),
 *    with titles in sentence, Title and ALL CAPS case, and a few texts past
 *    every cap (units, shingles, keys).
 *
 *   test_near_sig --write    prints the file's lines (only with a new blob version).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "newsd/near.h"
#include "testutil.h"

#define GENERATED 600 /* generated texts */

/* The data are broken: nothing can be compared (also outside Check's runner, with --write). */
static void need(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "test_near_sig: %s\n", what);
        exit(2);
    }
}

static char *data_path(const char *rel)
{
    const char *dir = getenv("NEWSD_TEST_DATA");
    char *p;

    if (asprintf(&p, "%s/%s", dir ? dir : "tests/data", rel) < 0)
        abort();
    return p;
}

/* One group of signatures: a running hash of their packed forms. */
static uint64_t sig_hash(uint64_t h, const char *title, const char *text)
{
    struct nd_near_sig *sig = nd_near_sig_new(title, text);
    uint8_t blob[ND_NEAR_BLOB_MAX + 2];
    int n = nd_near_sig_pack(sig, blob + 2, ND_NEAR_BLOB_MAX);

    nd_near_sig_free(sig);
    if (n <= 0)
        abort();
    blob[0] = (uint8_t)n;
    blob[1] = (uint8_t)(n >> 8);
    return XXH3_64bits_withSeed(blob, (size_t)n + 2, h);
}

static uint64_t item_hash(uint64_t h, json_t *it)
{
    return sig_hash(h, json_string_value(json_object_get(it, "title")),
                    json_string_value(json_object_get(it, "text")));
}

/* --- the lines ------------------------------------------------------------------------------ */

struct line {
    char name[48];
    uint64_t hash;
};

struct lines {
    struct line *v;
    size_t n, cap;
};

static void add(struct lines *ls, const char *name, uint64_t hash)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 1024;
        ls->v = realloc(ls->v, ls->cap * sizeof(*ls->v));
        if (ls->v == NULL)
            abort();
    }
    snprintf(ls->v[ls->n].name, sizeof(ls->v[0].name), "%s", name);
    ls->v[ls->n++].hash = hash;
}

static void pairs(struct lines *ls, const char *rel, const char *tag)
{
    char *path = data_path(rel), *line = NULL, name[48];
    FILE *fp = fopen(path, "r");
    size_t cap = 0, no = 0, i;
    json_t *h;

    need(fp != NULL, path);
    while (getline(&line, &cap, fp) > 0) {
        json_t *p = json_loads(line, 0, NULL);
        uint64_t x = 0;
        need(p != NULL, line);
        json_array_foreach(json_object_get(p, "history"), i, h) x = item_hash(x, h);
        x = item_hash(x, json_object_get(p, "a"));
        x = item_hash(x, json_object_get(p, "b"));
        snprintf(name, sizeof(name), "%s:%zu", tag, ++no);
        add(ls, name, x);
        json_decref(p);
    }
    free(line);
    fclose(fp);
    free(path);
}

static void whole_file(struct lines *ls, const char *rel)
{
    char *path = data_path(rel), *buf;
    FILE *fp = fopen(path, "r");
    long len;

    need(fp != NULL, path);
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    rewind(fp);
    buf = malloc((size_t)len + 1);
    need(buf != NULL && fread(buf, 1, (size_t)len, fp) == (size_t)len, path);
    buf[len] = '\0';
    add(ls, rel, sig_hash(sig_hash(0, rel, buf), NULL, buf));
    free(buf);
    fclose(fp);
    free(path);
}

/* --- generated texts ------------------------------------------------------------------------ */

/* clang-format off */
static const char *const words[] = {
    /* common words, some the title stemmer and the sentence rules care about */
    "the", "a", "of", "to", "in", "and", "said", "council", "plan", "homes", "river", "market",
    "rates", "government", "minister", "election", "workers", "union", "report", "after", "over",
    "breaking", "update", "live", "meeting", "mergers", "developing", "payments", "ours", "our",
    "tour", "four", "hour", "sour", "pour", "journal", "your",
    /* British and American spellings, and words the rules touch */
    "colour", "color", "favourite", "favorite", "organise", "organize", "organisation",
    "analyse", "analyze", "travelled", "traveled", "travelling", "cancelled", "canceled", "enrol",
    "enroll", "centre", "center", "centres", "centered", "centred", "metres", "meters", "theatre",
    "fibre", "fiber", "litre", "catalogue", "catalog", "dialogues", "defence", "defense",
    "licence", "license", "offences", "paediatric", "pediatric", "manoeuvre", "foetus", "oestrogen",
    "phone", "graph", "photograph", "grey", "greys", "tyre", "tyres", "programme", "programmes",
    "whilst", "amongst", "towards", "judgement", "aluminium", "cheque", "kerb", "storey",
    "storeys", "pyjamas", "sceptical", "moustache", "mould", "plough", "draught", "jewellery",
    "ageing", "learnt", "spelt", "mum", "smoulder", "aeroplane", "enquiries", "artefact",
    "practise", "practised", "acknowledgement", "cosy", "whiz", "zoo", "buzz", "ball", "llama",
    "peer", "tiger", "tigers", "ogre", "acre", "acres", "entered", "ordered", "ere", "sphere",
    "cooperate", "aerial", "canoe", "shoe", "toe", "aloe",
    /* numbers, number words, scales, percentages */
    "2", "two", "one", "three", "ten", "twelve", "twenty", "fifty", "half", "quarter", "dozen",
    "once", "twice", "million", "billion", "thousand", "hundred", "trillion", "3.2b", "$3.2B",
    "640m", "20k", "0.5bn", "7mn", "6.4", "3,000", "1,000,000", "1.2.3", "12%", "50 %",
    "per cent", "per", "cent", "4x4", "3rd", "1990s", "2024", "0", "007", "6.", "5,", "1..2",
    "3,,4", "US$5", "\xc2\xa3" "20m", "\xe2\x82\xac" "4.5bn", "-7", "+3", "1/2",
    /* abbreviations and initials */
    "Mr.", "Mrs.", "Dr.", "U.S.", "a.m.", "p.m.", "etc.", "No.", "St.", "Inc.", "vs.", "Sept.",
    "Jan.", "Gen.", "Prof.", "Ltd.", "J.", "e.g.", "i.e.",
    /* names */
    "Japan", "Chile", "Elsa", "Marklund", "Northwind", "O'Brien", "McDonald", "NASA", "BBC",
    "iPhone", "eBay", "Kwame", "Boateng", "Reuters",
    /* apostrophes */
    "don't", "it's", "students'", "'quoted'", "rock 'n' roll", "don\xe2\x80\x99t",
    "\xe2\x80\x98single\xe2\x80\x99", "l'h\xc3\xb4pital",
    /* non-ASCII */
    "caf\xc3\xa9", "Z\xc3\xbcrich", "S\xc3\xa3o", "na\xc3\xafve", "Stra\xc3\x9f" "e",
    "\xc3\x89" "COLE", "\xc3\x85ngstr\xc3\xb6m", "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
    "\xce\xa3\xce\x9f\xce\xa6\xce\x9f\xce\xa3", "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0",
    "\xc4\xb0stanbul", "\xef\xac\x81nance", "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd",
    "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
    "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", "\xd7\xa2\xd7\x91\xd7\xa8\xd7\x99\xd7\xaa",
    "\xf0\x9f\x98\x80", "e\xcc\x81t\xc3\xa9", "\xc7\x85" "abc", "\xc2\xbd", "x\xc2\xb2",
    "\xe2\x85\xab", "\xd9\xa3\xd9\xa4", "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x91",
    "\xe3\x81\x8b\xe3\x81\xaa", "\xc3\x9f", "\xe1\xba\x9e", "\xe2\x84\xa2", "\xe2\x80\x94",
    "\xe2\x80\xa6", "\xe2\x80\x9cquoted\xe2\x80\x9d", "\xc2\xa0", "\xc2\xa9 2024", "\xc2\xb5g",
    "\xe2\x84\xaa" "elvin", "\xc5\x89", "\xe1\xbe\x88",
    /* invalid UTF-8 */
    "\xff", "ab\xc3", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80x",
    /* long words, one with a multi-byte letter where the cut falls */
    "Pneumonoultramicroscopicsilicovolcanoconiosisandthensomemorelettersbeyondsixtyfour",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\xc3\xa9",
    "1234567890123456789012345678901234567890123456789012345678901234567890",
    /* cues: credits, captions, footers */
    "Reporting by", "Editing by", "Read more", "Subscribe to our newsletter", "Photo:",
    "All rights reserved", "Copyright", "Sign up", "first appeared on",
    /* punctuation as words */
    "-", "&", "/", "(", ")", "\"", "#", "@", "*", "...", "\xe2\x80\xa8",
};
/* clang-format on */

static const char *const seps[] = {
    " ",   " ",  " ",   " ",  " ",   " ",  " ",
    " ",   " ",  " ",   " ",  " ",   " ",  " ",
    ", ",  ". ", ". ",  ". ", "! ",  "? ", ".\n\n",
    ".\n", "\n", "; ",  ": ", " - ", ".",  "\xe2\x80\xa9",
    "\t",  "  ", ".\"",
};

static const char *const headlines[] = {"Housing plan approved", "Rates cut twice",
                                        "Quake off Japan", "Storm knocks out power"};

/* Append a piece to a growing text. */
static void put(char **buf, size_t *len, size_t *cap, const char *s, int upper)
{
    size_t n = strlen(s);

    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
        if (*buf == NULL)
            abort();
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        (*buf)[(*len)++] = upper && c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    (*buf)[*len] = '\0';
}

/* A text of nwords words; sentences begin with a capital; sep_mod sets how often they end. */
static char *gen_text(uint64_t *x, size_t nwords, unsigned sep_mod, int upper, int title_case)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;

    put(&buf, &len, &cap, "", 0);
    for (size_t i = 0; i < nwords; i++) {
        const char *w = TU_PICK(words, x);
        size_t at = len;
        put(&buf, &len, &cap, w, upper);
        if ((title_case || tu_next(x) % 5 == 0) && buf[at] >= 'a' && buf[at] <= 'z')
            buf[at] = (char)(buf[at] - 32);
        if (i + 1 < nwords)
            put(&buf, &len, &cap, tu_next(x) % sep_mod == 0 ? TU_PICK(seps, x) : " ", 0);
    }
    return buf;
}

static void generated(struct lines *ls)
{
    uint64_t x = 20250611;
    char name[48];

    for (unsigned k = 0; k < GENERATED; k++) {
        unsigned shape = (unsigned)(tu_next(&x) % 10);
        size_t nwords = shape < 3   ? (size_t)(tu_next(&x) % 40)    /* short items */
                        : shape < 9 ? (size_t)(tu_next(&x) % 1200)  /* articles */
                                    : (size_t)(tu_next(&x) % 6000); /* long ones */
        unsigned sep_mod = 2 + (unsigned)(tu_next(&x) % 6);
        unsigned tshape = (unsigned)(tu_next(&x) % 6);
        char *text = gen_text(&x, nwords, sep_mod, 0, 0);
        char *title = tshape == 0   ? NULL
                      : tshape == 1 ? gen_text(&x, 1 + tu_next(&x) % 12, 50, 1, 0)
                      : tshape == 2 ? gen_text(&x, 1 + tu_next(&x) % 12, 50, 0, 1)
                      : tshape == 3 ? strdup(text)
                                    : gen_text(&x, tu_next(&x) % 16, 50, 0, 0);
        uint64_t h = sig_hash(0, title, text);
        /* the same text as a title-only item, and under a plain headline */
        h = sig_hash(h, text, NULL);
        h = sig_hash(h, TU_PICK(headlines, &x), text);
        snprintf(name, sizeof(name), "gen:%u", k);
        add(ls, name, h);
        free(text);
        free(title);
    }
    /* past every cap: many units, many shingles, many keys; one line of many cues */
    for (unsigned k = 0; k < 4; k++) {
        char *text = gen_text(&x, k < 2 ? 30000 : 4000, k % 2 ? 2 : 7, 0, k == 3);
        snprintf(name, sizeof(name), "big:%u", k);
        add(ls, name, sig_hash(0, "Big", text));
        free(text);
    }
}

static void all_lines(struct lines *ls)
{
    static const char *const files[] = {
        "near/src/articles1.txt",  "near/src/articles2.txt", "near/src/articles3.txt",
        "near/src/articles4.txt",  "near/src/backtrans.txt", "near/src/independent.txt",
        "near/src/outlets.txt",    "near/src/shorts.txt",    "near/src/flashes.txt",
        "near/holdout/stories.md",
    };
    char *path = data_path("near/samples.jsonl"), *line = NULL, name[48];
    FILE *fp;
    size_t cap = 0, no = 0;

    pairs(ls, "near/pairs.jsonl", "pairs");
    pairs(ls, "near/titles.jsonl", "titles");
    pairs(ls, "near/holdout/pairs.jsonl", "holdout");
    fp = fopen(path, "r");
    need(fp != NULL, path);
    while (getline(&line, &cap, fp) > 0) {
        json_t *it = json_loads(line, 0, NULL);
        need(it != NULL, line);
        snprintf(name, sizeof(name), "samples:%zu", ++no);
        add(ls, name, item_hash(0, it));
        json_decref(it);
    }
    free(line);
    fclose(fp);
    free(path);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        whole_file(ls, files[i]);
    generated(ls);
}

START_TEST(signatures_unchanged)
{
    struct lines got = {0};
    char *path = data_path("near/sig_hashes.txt"), *line = NULL, name[48];
    FILE *fp = fopen(path, "r");
    size_t cap = 0, n = 0, bad = 0;

    need(fp != NULL, path);
    all_lines(&got);
    while (getline(&line, &cap, fp) > 0) {
        unsigned long long want;
        if (line[0] == '#')
            continue;
        ck_assert_int_eq(sscanf(line, "%47s %llx", name, &want), 2);
        ck_assert_msg(n < got.n, "%s: more lines than texts", path);
        ck_assert_str_eq(name, got.v[n].name);
        if (got.v[n].hash != want && bad++ < 10)
            fprintf(stderr, "test_near_sig: %s: %016llx, expected %016llx\n", name,
                    (unsigned long long)got.v[n].hash, want);
        n++;
    }
    ck_assert_uint_eq(n, got.n);
    ck_assert_msg(bad == 0, "%zu of %zu signature groups changed", bad, n);
    free(got.v);
    free(line);
    fclose(fp);
    free(path);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("near_sig");
    TCase *tc = tcase_create("golden");

    if (argc > 1 && strcmp(argv[1], "--write") == 0) {
        struct lines ls = {0};
        all_lines(&ls);
        printf(
            "# near-duplicate signatures: XXH3 of each group's packed blobs (test_near_sig.c)\n");
        for (size_t i = 0; i < ls.n; i++)
            printf("%s %016llx\n", ls.v[i].name, (unsigned long long)ls.v[i].hash);
        free(ls.v);
        return 0;
    }
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, signatures_unchanged);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
