/*
 * near_score.c: comparing two near-duplicate views, and the index query.
 *
 * Texts: one merge of the two sorted hash arrays gives the Jaccard estimate
 * (over the hashes both sketches hold, those <= the smaller tau: an exact
 * sample of both sets), the containment of the smaller text's lead in the
 * other text (hashes the other does not hold count as missing), and which
 * units share text.  Short texts must agree on the numbers of the units they
 * share and must not each have a name the other lacks.  Titles: word sets.
 * A text contained in a much longer one is a copy only through the lead (a
 * teaser); elsewhere it must cover half of the other (an update, a copy with
 * a footer), or it is an excerpt (a digest's quotation).
 */
#include <string.h>

#include "near_index.h"

static int has_key(const struct near_view *v, uint16_t h, int kind)
{
    for (unsigned i = 0; i < v->nkeys; i++)
        if (v->keys[i].h == h && (kind == 0 || v->keys[i].kind == kind))
            return 1;
    return 0;
}

/*
 * Do the numbers and names of the units a and b share agree?  Numbers: every
 * number in a shared unit of one is a number of the other.  Names: not both
 * sides have a name, in a shared unit, that the other lacks ("Japan" against
 * "Chile"); one side alone may add names (a credit, a caption).
 */
static const char *keys_disagree(const struct near_view *a, const uint8_t *ma,
                                 const struct near_view *b, const uint8_t *mb)
{
    int a_name = 0, b_name = 0;

    for (unsigned i = 0; i < a->nkeys; i++) {
        const struct near_key *k = &a->keys[i];
        if (!ma[k->unit])
            continue;
        if (k->kind == NEAR_KEY_NUMBER && !has_key(b, k->h, NEAR_KEY_NUMBER))
            return "numbers differ";
        if (k->kind == NEAR_KEY_NAME && !has_key(b, k->h, 0))
            a_name = 1;
    }
    for (unsigned i = 0; i < b->nkeys; i++) {
        const struct near_key *k = &b->keys[i];
        if (!mb[k->unit])
            continue;
        if (k->kind == NEAR_KEY_NUMBER && !has_key(a, k->h, NEAR_KEY_NUMBER))
            return "numbers differ";
        if (k->kind == NEAR_KEY_NAME && !has_key(a, k->h, 0))
            b_name = 1;
    }
    return a_name && b_name ? "names differ" : NULL;
}

static int is_cue(const struct near_view *v, unsigned unit)
{
    return (v->cue[unit / 8] >> (unit % 8)) & 1;
}

/*
 * Containment of s in o, from one merge: over s's lead (*lead_c) and over
 * s's hashes <= tau (*samp_c), each with its count of hashes that decide it.
 * A hash of s on a cue line (a credit, a footer) that o lacks is left out.
 */
struct merge {
    unsigned m, at, bt;           /* hashes <= tau: in both, in a, in b */
    unsigned lead[2], lead_in[2]; /* lead hashes of a, b that count; those found in the other */
    unsigned samp[2], samp_in[2]; /* hashes <= tau of a, b that count; those found */
    uint8_t ma[ND_NEAR_MAX_UNITS], mb[ND_NEAR_MAX_UNITS]; /* units that share text */
};

static void side(const struct near_view *v, unsigned k, int found, uint32_t tau, int who,
                 struct merge *g)
{
    uint16_t meta = v->meta[k];
    int counts = found || !is_cue(v, meta & 0xFF);

    if ((meta & NEAR_META_LEAD) && counts) {
        g->lead[who]++;
        g->lead_in[who] += (unsigned)found;
    }
    if (v->vals[k] <= tau && counts) {
        g->samp[who]++;
        g->samp_in[who] += (unsigned)found;
    }
}

static void merge(const struct near_view *a, const struct near_view *b, struct merge *g)
{
    uint32_t tau = a->tau < b->tau ? a->tau : b->tau;
    unsigned i = 0, j = 0;

    memset(g, 0, sizeof(*g));
    while (i < a->nels || j < b->nels) {
        uint32_t va = i < a->nels ? a->vals[i] : UINT32_MAX;
        uint32_t vb = j < b->nels ? b->vals[j] : UINT32_MAX;
        if (j >= b->nels || (i < a->nels && va < vb)) {
            g->at += va <= tau;
            side(a, i++, 0, tau, 0, g);
        } else if (i >= a->nels || vb < va) {
            g->bt += vb <= tau;
            side(b, j++, 0, tau, 1, g);
        } else {
            if (va <= tau) {
                g->m++;
                g->at++;
                g->bt++;
            }
            g->ma[a->meta[i] & 0xFF] = 1;
            g->mb[b->meta[j] & 0xFF] = 1;
            side(a, i++, 1, tau, 0, g);
            side(b, j++, 1, tau, 1, g);
        }
    }
}

static double ratio(unsigned x, unsigned n)
{
    return n ? (double)x / (double)n : 0;
}

static void pass(struct near_score *s, const char *measure, double score, double thr,
                 const char *reason)
{
    s->pass = 1;
    s->measure = measure;
    s->score = score;
    s->threshold = thr;
    s->reason = reason;
}

void near_compare(const struct near_view *a, const struct near_view *b, struct near_score *s)
{
    struct merge g;
    int w, is_short;
    double thr_j, thr_c, c_lead, c_samp;

    memset(s, 0, sizeof(*s));
    if (a->n < NEAR_MIN_TEXT || b->n < NEAR_MIN_TEXT) {
        if (a->n < NEAR_MIN_TEXT && b->n < NEAR_MIN_TEXT)
            near_title_compare(a, b, s);
        else
            s->reason = "only one of the two has text";
        return;
    }
    merge(a, b, &g);
    w = a->n <= b->n ? 0 : 1; /* the shorter text */
    is_short = (w == 0 ? a->n : b->n) < ND_NEAR_SHORT;
    thr_j = is_short ? ND_NEAR_JACCARD_SHORT : ND_NEAR_JACCARD;
    thr_c = is_short ? ND_NEAR_CONTAIN_SHORT : ND_NEAR_CONTAIN;
    s->jaccard = ratio(g.m, g.at + g.bt - g.m);
    c_lead = ratio(g.lead_in[w], g.lead[w]);
    c_samp = ratio(g.samp_in[w], g.samp[w]);
    s->contain = c_lead < c_samp ? c_lead : c_samp;
    if (s->jaccard >= thr_j && c_samp >= thr_c)
        pass(s, "jaccard", s->jaccard, thr_j, "the texts share most of their shingles");
    else if (g.lead[w] >= NEAR_MIN_TEXT && c_lead >= thr_c &&
             (g.samp[w] < NEAR_MIN_SAMPLES || c_samp >= thr_c))
        pass(s, "containment", c_lead, thr_c,
             "the shorter text's lead is contained in the other (a teaser, a truncated copy)");
    else if (g.samp[w] >= NEAR_MIN_SAMPLES * 3 && c_samp >= thr_c &&
             2 * (w == 0 ? a->n : b->n) >= (w == 0 ? b->n : a->n))
        pass(s, "containment", c_samp, thr_c,
             "the shorter text is contained in the other (an update, a copy with additions)");
    if (!s->pass) {
        int c = s->contain / thr_c > s->jaccard / thr_j;
        s->measure = c ? "containment" : "jaccard";
        s->score = c ? s->contain : s->jaccard;
        s->threshold = c ? thr_c : thr_j;
        s->reason = "the texts differ";
        return;
    }
    if (is_short) {
        const char *why = keys_disagree(a, g.ma, b, g.mb);
        if (why) {
            s->pass = 0;
            s->reason = why;
        }
    }
}

/* --- the query ---------------------------------------------------------------------------- */

#define SEEN_CAP 2048 /* > 2 * ND_NEAR_MAX_CANDIDATES, a power of two */

/* Add slot to the set; 1 when it was not there. */
static int seen_add(uint32_t *seen, uint32_t slot)
{
    uint32_t k = slot + 1;

    for (uint32_t i = (k * 0x9E3779B1u) & (SEEN_CAP - 1);; i = (i + 1) & (SEEN_CAP - 1)) {
        if (seen[i] == k)
            return 0;
        if (seen[i] == 0) {
            seen[i] = k;
            return 1;
        }
    }
}

/* One candidate's comparison into the answer: the best pass, else the nearest failure. */
static void weigh(struct nd_near_match *m, const struct near_score *s, uint64_t ref, double *best,
                  double *near_best)
{
    if (s->pass && s->score > *best) {
        *best = s->score;
        m->verdict = ND_NEAR_DUP;
        m->ref = ref;
        m->score = s->score;
        m->threshold = s->threshold;
        m->measure = s->measure;
        m->reason = s->reason;
    } else if (!s->pass && *best < 0 && s->score > *near_best) {
        *near_best = s->score;
        m->has_nearest = 1;
        m->nearest_ref = ref;
        m->nearest_score = s->score;
        m->score = s->score;
        m->threshold = s->threshold;
        m->measure = s->measure;
        m->reason = s->reason;
    }
}

static void answer_start(struct nd_near_match *m)
{
    memset(m, 0, sizeof(*m));
    m->verdict = ND_NEAR_NEW;
    m->reason = "no earlier article shares enough text";
}

static void answer_end(struct nd_near_match *m)
{
    if (m->verdict == ND_NEAR_DUP) {
        m->has_nearest = 0;
        m->nearest_ref = 0;
        m->nearest_score = 0;
    }
}

void nd_near_index_query(const struct nd_near_index *ix, const struct nd_near_sig *sig,
                         const char *source, struct nd_near_match *m)
{
    uint32_t keys[NEAR_MAX_POST_KEYS];
    uint32_t seen[SEEN_CAP];
    uint8_t drop[NEAR_UNIT_BYTES];
    struct near_view v, cv;
    size_t nk;
    double best = -1, near_best = -1;

    answer_start(m);
    if (nd_near_sig_empty(sig) || ix->count == 0)
        return;
    near_boiler(ix, sig, source, drop);
    near_view_of(&v, sig, drop);
    memset(seen, 0, sizeof(seen));
    nk = near_view_keys(&v, keys);
    for (size_t k = 0; k < nk && m->candidates < ND_NEAR_MAX_CANDIDATES; k++) {
        uint32_t one;
        unsigned np;
        const uint32_t *pl = near_postings(ix, keys[k], &one, &np);
        for (unsigned p = np; p-- > 0 && m->candidates < ND_NEAR_MAX_CANDIDATES;) {
            const struct near_entry *e = ix->entries[pl[p]];
            struct near_score s;
            if (!seen_add(seen, pl[p]))
                continue;
            m->candidates++;
            near_entry_view(e, &cv);
            near_compare(&v, &cv, &s);
            weigh(m, &s, e->ref, &best, &near_best);
        }
    }
    answer_end(m);
}

void nd_near_compare(const struct nd_near_sig *a, const struct nd_near_sig *b,
                     struct nd_near_match *m)
{
    struct near_view va, vb;
    struct near_score s;
    double best = -1, near_best = -1;

    answer_start(m);
    if (nd_near_sig_empty(a) || nd_near_sig_empty(b)) {
        m->reason = "nothing to compare: no text and no title";
        return;
    }
    near_view_of(&va, a, NULL);
    near_view_of(&vb, b, NULL);
    m->candidates = 1;
    near_compare(&va, &vb, &s);
    weigh(m, &s, 0, &best, &near_best);
    answer_end(m);
}
