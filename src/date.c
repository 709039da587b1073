/*
 * date.c: feed dates (RFC 822 and ISO 8601 families) to Unix seconds UTC.
 *
 * Two readers: a strict one for ISO 8601/RFC 3339/W3C-DTF strings (they
 * start with a four-digit year) and a tolerant token reader for everything
 * else (RFC 822 and the ways feeds get it wrong).  Both fill one struct and
 * one function checks it and does the calendar arithmetic, so no libc time
 * function, locale or TZ setting is involved.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "newsd/date.h"
#include "newsd/feed.h"

#define DATE_MAX 160 /* longer strings are not dates */
#define HOUR     3600

struct dt {
    int64_t year;
    int month, day, hour, min, sec;
    int have_year, have_day, have_time, have_zone;
    int ampm;  /* 0 none, 1 am, 2 pm */
    int zone;  /* seconds east of UTC */
    int korea; /* a Korean format: KST unless a zone is given */
};

enum { W_UNKNOWN, W_MONTH, W_WDAY, W_ZONE, W_AM, W_PM, W_FILLER, W_KYEAR, W_KMONTH, W_KDAY };

struct word {
    const char *s;
    int kind;
    int val; /* month number or zone offset in minutes */
};

/* Lower-case ASCII spellings; non-ASCII letters as written (already lower-case). */
/* clang-format off */
static const struct word words[] = {
    /* English months */
    {"jan", W_MONTH, 1}, {"january", W_MONTH, 1}, {"feb", W_MONTH, 2}, {"february", W_MONTH, 2},
    {"mar", W_MONTH, 3}, {"march", W_MONTH, 3}, {"apr", W_MONTH, 4}, {"april", W_MONTH, 4},
    {"may", W_MONTH, 5}, {"jun", W_MONTH, 6}, {"june", W_MONTH, 6}, {"jul", W_MONTH, 7},
    {"july", W_MONTH, 7}, {"aug", W_MONTH, 8}, {"august", W_MONTH, 8}, {"sep", W_MONTH, 9},
    {"sept", W_MONTH, 9}, {"september", W_MONTH, 9}, {"oct", W_MONTH, 10},
    {"october", W_MONTH, 10}, {"nov", W_MONTH, 11}, {"november", W_MONTH, 11},
    {"dec", W_MONTH, 12}, {"december", W_MONTH, 12},
    /* German */
    {"januar", W_MONTH, 1}, {"jänner", W_MONTH, 1}, {"februar", W_MONTH, 2}, {"märz", W_MONTH, 3},
    {"maerz", W_MONTH, 3}, {"mär", W_MONTH, 3}, {"mai", W_MONTH, 5}, {"juni", W_MONTH, 6},
    {"juli", W_MONTH, 7}, {"oktober", W_MONTH, 10}, {"okt", W_MONTH, 10},
    {"dezember", W_MONTH, 12}, {"dez", W_MONTH, 12},
    /* French */
    {"janvier", W_MONTH, 1}, {"janv", W_MONTH, 1}, {"février", W_MONTH, 2},
    {"fevrier", W_MONTH, 2}, {"févr", W_MONTH, 2}, {"fevr", W_MONTH, 2}, {"mars", W_MONTH, 3},
    {"avril", W_MONTH, 4}, {"avr", W_MONTH, 4}, {"juin", W_MONTH, 6}, {"juillet", W_MONTH, 7},
    {"juil", W_MONTH, 7}, {"août", W_MONTH, 8}, {"aout", W_MONTH, 8}, {"septembre", W_MONTH, 9},
    {"octobre", W_MONTH, 10}, {"novembre", W_MONTH, 11}, {"décembre", W_MONTH, 12},
    {"decembre", W_MONTH, 12}, {"déc", W_MONTH, 12},
    /* Spanish */
    {"enero", W_MONTH, 1}, {"ene", W_MONTH, 1}, {"febrero", W_MONTH, 2}, {"marzo", W_MONTH, 3},
    {"abril", W_MONTH, 4}, {"abr", W_MONTH, 4}, {"mayo", W_MONTH, 5}, {"junio", W_MONTH, 6},
    {"julio", W_MONTH, 7}, {"agosto", W_MONTH, 8}, {"ago", W_MONTH, 8}, {"septiembre", W_MONTH, 9},
    {"setiembre", W_MONTH, 9}, {"octubre", W_MONTH, 10}, {"noviembre", W_MONTH, 11},
    {"diciembre", W_MONTH, 12}, {"dic", W_MONTH, 12},
    /* Italian */
    {"gennaio", W_MONTH, 1}, {"gen", W_MONTH, 1}, {"febbraio", W_MONTH, 2}, {"aprile", W_MONTH, 4},
    {"maggio", W_MONTH, 5}, {"mag", W_MONTH, 5}, {"giugno", W_MONTH, 6}, {"giu", W_MONTH, 6},
    {"luglio", W_MONTH, 7}, {"lug", W_MONTH, 7}, {"settembre", W_MONTH, 9}, {"set", W_MONTH, 9},
    {"ottobre", W_MONTH, 10}, {"ott", W_MONTH, 10}, {"dicembre", W_MONTH, 12},
    /* Dutch */
    {"januari", W_MONTH, 1}, {"februari", W_MONTH, 2}, {"maart", W_MONTH, 3}, {"mrt", W_MONTH, 3},
    {"mei", W_MONTH, 5}, {"augustus", W_MONTH, 8},
    /* Portuguese */
    {"janeiro", W_MONTH, 1}, {"fevereiro", W_MONTH, 2}, {"fev", W_MONTH, 2}, {"março", W_MONTH, 3},
    {"marco", W_MONTH, 3}, {"maio", W_MONTH, 5}, {"junho", W_MONTH, 6}, {"julho", W_MONTH, 7},
    {"setembro", W_MONTH, 9}, {"outubro", W_MONTH, 10}, {"out", W_MONTH, 10},
    {"novembro", W_MONTH, 11}, {"dezembro", W_MONTH, 12},
    /* Hungarian (feedparser's list, with its "máujus") */
    {"január", W_MONTH, 1}, {"február", W_MONTH, 2}, {"március", W_MONTH, 3},
    {"április", W_MONTH, 4}, {"május", W_MONTH, 5}, {"máujus", W_MONTH, 5}, {"június", W_MONTH, 6},
    {"július", W_MONTH, 7}, {"augusztus", W_MONTH, 8}, {"szeptember", W_MONTH, 9},
    {"október", W_MONTH, 10},
    /* Greek (feedparser's list) */
    {"Ιαν", W_MONTH, 1}, {"Φεβ", W_MONTH, 2}, {"Μάώ", W_MONTH, 3}, {"Μαώ", W_MONTH, 3},
    {"Απρ", W_MONTH, 4}, {"Μάι", W_MONTH, 5}, {"Μαϊ", W_MONTH, 5}, {"Μαι", W_MONTH, 5},
    {"Ιούν", W_MONTH, 6}, {"Ιον", W_MONTH, 6}, {"Ιούλ", W_MONTH, 7}, {"Ιολ", W_MONTH, 7},
    {"Αύγ", W_MONTH, 8}, {"Αυγ", W_MONTH, 8}, {"Σεπ", W_MONTH, 9}, {"Οκτ", W_MONTH, 10},
    {"Νοέ", W_MONTH, 11}, {"Νοε", W_MONTH, 11}, {"Δεκ", W_MONTH, 12},
    /* weekdays: read and ignored */
    {"mon", W_WDAY, 0}, {"monday", W_WDAY, 0}, {"tue", W_WDAY, 0}, {"tues", W_WDAY, 0},
    {"tuesday", W_WDAY, 0}, {"wed", W_WDAY, 0}, {"wednesday", W_WDAY, 0}, {"thu", W_WDAY, 0},
    {"thur", W_WDAY, 0}, {"thurs", W_WDAY, 0}, {"thursday", W_WDAY, 0}, {"fri", W_WDAY, 0},
    {"friday", W_WDAY, 0}, {"sat", W_WDAY, 0}, {"saturday", W_WDAY, 0}, {"sun", W_WDAY, 0},
    {"sunday", W_WDAY, 0}, {"montag", W_WDAY, 0}, {"dienstag", W_WDAY, 0}, {"mittwoch", W_WDAY, 0},
    {"donnerstag", W_WDAY, 0}, {"freitag", W_WDAY, 0}, {"samstag", W_WDAY, 0},
    {"sonnabend", W_WDAY, 0}, {"sonntag", W_WDAY, 0}, {"mo", W_WDAY, 0}, {"di", W_WDAY, 0},
    {"mi", W_WDAY, 0}, {"do", W_WDAY, 0}, {"fr", W_WDAY, 0}, {"sa", W_WDAY, 0}, {"so", W_WDAY, 0},
    {"lundi", W_WDAY, 0}, {"mardi", W_WDAY, 0}, {"mercredi", W_WDAY, 0}, {"jeudi", W_WDAY, 0},
    {"vendredi", W_WDAY, 0}, {"samedi", W_WDAY, 0}, {"dimanche", W_WDAY, 0}, {"lun", W_WDAY, 0},
    {"mer", W_WDAY, 0}, {"jeu", W_WDAY, 0}, {"ven", W_WDAY, 0}, {"sam", W_WDAY, 0},
    {"dim", W_WDAY, 0}, {"lunes", W_WDAY, 0}, {"martes", W_WDAY, 0}, {"miércoles", W_WDAY, 0},
    {"miercoles", W_WDAY, 0}, {"jueves", W_WDAY, 0}, {"viernes", W_WDAY, 0}, {"sábado", W_WDAY, 0},
    {"sabado", W_WDAY, 0}, {"domingo", W_WDAY, 0}, {"mié", W_WDAY, 0}, {"jue", W_WDAY, 0},
    {"vie", W_WDAY, 0}, {"sáb", W_WDAY, 0}, {"dom", W_WDAY, 0}, {"lunedì", W_WDAY, 0},
    {"lunedi", W_WDAY, 0}, {"martedì", W_WDAY, 0}, {"martedi", W_WDAY, 0},
    {"mercoledì", W_WDAY, 0}, {"mercoledi", W_WDAY, 0}, {"giovedì", W_WDAY, 0},
    {"giovedi", W_WDAY, 0}, {"venerdì", W_WDAY, 0}, {"venerdi", W_WDAY, 0}, {"sabato", W_WDAY, 0},
    {"domenica", W_WDAY, 0}, {"gio", W_WDAY, 0}, {"maandag", W_WDAY, 0}, {"dinsdag", W_WDAY, 0},
    {"woensdag", W_WDAY, 0}, {"donderdag", W_WDAY, 0}, {"vrijdag", W_WDAY, 0},
    {"zaterdag", W_WDAY, 0}, {"zondag", W_WDAY, 0}, {"ma", W_WDAY, 0}, {"wo", W_WDAY, 0},
    {"vr", W_WDAY, 0}, {"za", W_WDAY, 0}, {"zo", W_WDAY, 0}, {"segunda", W_WDAY, 0},
    {"terça", W_WDAY, 0}, {"terca", W_WDAY, 0}, {"quarta", W_WDAY, 0}, {"quinta", W_WDAY, 0},
    {"sexta", W_WDAY, 0}, {"seg", W_WDAY, 0}, {"ter", W_WDAY, 0}, {"qua", W_WDAY, 0},
    {"qui", W_WDAY, 0}, {"sex", W_WDAY, 0}, {"Κυρ", W_WDAY, 0}, {"Δευ", W_WDAY, 0},
    {"Τρι", W_WDAY, 0}, {"Τετ", W_WDAY, 0}, {"Πεμ", W_WDAY, 0}, {"Παρ", W_WDAY, 0},
    {"Σαβ", W_WDAY, 0},
    /* zones, minutes east of UTC: RFC 822 names, then common unambiguous ones */
    {"ut", W_ZONE, 0}, {"utc", W_ZONE, 0}, {"gmt", W_ZONE, 0}, {"z", W_ZONE, 0},
    {"est", W_ZONE, -300}, {"edt", W_ZONE, -240}, {"cst", W_ZONE, -360}, {"cdt", W_ZONE, -300},
    {"mst", W_ZONE, -420}, {"mdt", W_ZONE, -360}, {"pst", W_ZONE, -480}, {"pdt", W_ZONE, -420},
    {"et", W_ZONE, -300}, {"ct", W_ZONE, -360}, {"mt", W_ZONE, -420}, {"pt", W_ZONE, -480},
    {"ast", W_ZONE, -240}, {"adt", W_ZONE, -180}, {"akst", W_ZONE, -540}, {"akdt", W_ZONE, -480},
    {"hst", W_ZONE, -600}, {"nst", W_ZONE, -210}, {"ndt", W_ZONE, -150}, {"wet", W_ZONE, 0},
    {"west", W_ZONE, 60}, {"bst", W_ZONE, 60}, {"cet", W_ZONE, 60}, {"cest", W_ZONE, 120},
    {"met", W_ZONE, 60}, {"mest", W_ZONE, 120}, {"eet", W_ZONE, 120}, {"eest", W_ZONE, 180},
    {"msk", W_ZONE, 180}, {"jst", W_ZONE, 540}, {"kst", W_ZONE, 540}, {"hkt", W_ZONE, 480},
    {"sgt", W_ZONE, 480}, {"awst", W_ZONE, 480}, {"acst", W_ZONE, 570}, {"acdt", W_ZONE, 630},
    {"aest", W_ZONE, 600}, {"aedt", W_ZONE, 660}, {"nzst", W_ZONE, 720}, {"nzdt", W_ZONE, 780},
    /* RFC 822 military zones with RFC 822's signs (A = -1), as feedparser reads them */
    {"a", W_ZONE, -60}, {"b", W_ZONE, -120}, {"c", W_ZONE, -180}, {"d", W_ZONE, -240},
    {"e", W_ZONE, -300}, {"f", W_ZONE, -360}, {"g", W_ZONE, -420}, {"h", W_ZONE, -480},
    {"i", W_ZONE, -540}, {"k", W_ZONE, -600}, {"l", W_ZONE, -660}, {"m", W_ZONE, -720},
    {"n", W_ZONE, 60}, {"o", W_ZONE, 120}, {"p", W_ZONE, 180}, {"q", W_ZONE, 240},
    {"r", W_ZONE, 300}, {"s", W_ZONE, 360}, {"t", W_ZONE, 420}, {"u", W_ZONE, 480},
    {"v", W_ZONE, 540}, {"w", W_ZONE, 600}, {"x", W_ZONE, 660}, {"y", W_ZONE, 720},
    /* the rest */
    {"am", W_AM, 0}, {"pm", W_PM, 0}, {"오전", W_AM, 0}, {"오후", W_PM, 0}, {"년", W_KYEAR, 0},
    {"월", W_KMONTH, 0}, {"일", W_KDAY, 0}, {"at", W_FILLER, 0}, {"de", W_FILLER, 0},
    {"del", W_FILLER, 0}, {"um", W_FILLER, 0}, {"uhr", W_FILLER, 0}, {"feira", W_FILLER, 0},
    {"le", W_FILLER, 0}, {"den", W_FILLER, 0}, {"of", W_FILLER, 0}, {"the", W_FILLER, 0},
};
/* clang-format on */

int64_t nd_date_days(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int nd_date_format(int64_t t, char out[32])
{
    int64_t days, secs, z, era, doe, yoe, y, doy, mp;
    int m, d;

    out[0] = '\0';
    /* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
    if (t < -62135596800LL || t > 253402300799LL)
        return -1;
    days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    secs = t - days * 86400;
    /* the inverse of nd_date_days() (H. Hinnant's civil_from_days) */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = (int)(doy - (153 * mp + 2) / 5 + 1);
    m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y += m <= 2;
    {
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
                 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
        memcpy(out, tmp, 21);
    }
    return 0;
}

static int month_days(int64_t y, int m)
{
    static const int t[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return t[m - 1];
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}

/* Read up to max digits; returns how many were read (0: none). */
static int read_num(const char **pp, int max, int *out)
{
    const char *p = *pp;
    int n = 0, v = 0;

    while (n < max && is_digit(*p)) {
        v = v * 10 + (*p - '0');
        p++;
        n++;
    }
    *pp = p;
    *out = v;
    return n;
}

static int64_t finish(struct dt *t)
{
    int64_t days;

    if (!t->have_year || !t->have_day || t->month < 1 || t->month > 12)
        return ND_TIME_NONE;
    if (t->year < 1 || t->year > 9999 || t->day < 1 || t->day > month_days(t->year, t->month))
        return ND_TIME_NONE;
    if (t->ampm) {
        if (!t->have_time || t->hour < 1 || t->hour > 12)
            return ND_TIME_NONE;
        t->hour = t->hour % 12 + (t->ampm == 2 ? 12 : 0);
    }
    if (t->hour > 24 || t->min > 59 || t->sec > 60 || (t->hour == 24 && (t->min || t->sec)))
        return ND_TIME_NONE;
    if (t->korea && !t->have_zone)
        t->zone = 9 * HOUR;
    days = nd_date_days(t->year, t->month, t->day);
    return days * 86400 + t->hour * HOUR + t->min * 60 + t->sec - t->zone;
}

static int word_lookup(const char *w, size_t n, int *val)
{
    char low[32];

    if (n == 0 || n >= sizeof(low))
        return W_UNKNOWN;
    for (size_t i = 0; i < n; i++)
        low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? (char)(w[i] + 32) : w[i];
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (words[i].s[0] == low[0] && strcmp(words[i].s, low) == 0) {
            *val = words[i].val;
            return words[i].kind;
        }
    }
    return W_UNKNOWN;
}

/* "hh:mm[:ss[.fff]]" with p at the first digit of the hour. */
static int read_time(const char **pp, struct dt *t)
{
    const char *p = *pp;
    int h, m, s = 0;

    if (read_num(&p, 2, &h) == 0)
        return -1;
    if (*p != ':' && *p != '.')
        return -1;
    p++;
    if (read_num(&p, 2, &m) != 2)
        return -1;
    if (*p == ':' || (*p == '.' && is_digit(p[1]) && is_digit(p[2]) && !is_digit(p[3]))) {
        p++;
        if (read_num(&p, 2, &s) != 2)
            return -1;
        if ((*p == '.' || *p == ',') && is_digit(p[1])) {
            p++;
            while (is_digit(*p))
                p++;
        }
    }
    t->hour = h;
    t->min = m;
    t->sec = s;
    t->have_time = 1;
    *pp = p;
    return 0;
}

/* "+hhmm", "-hh:mm", "+h": p at the sign. */
static int read_offset(const char **pp, struct dt *t)
{
    const char *p = *pp;
    int sign = *p == '-' ? -1 : 1, h, m = 0, n;

    p++;
    n = read_num(&p, 4, &h);
    if (n == 4) {
        m = h % 100;
        h /= 100;
    } else if (n == 3) {
        m = h % 100;
        h /= 100;
    } else if (n >= 1) {
        if (*p == ':' && is_digit(p[1])) {
            p++;
            n = read_num(&p, 2, &m);
            if (n != 2 && !(n == 1 && m == 0)) /* "+00:0" is still UTC */
                return -1;
        }
    } else {
        return -1;
    }
    if (is_digit(*p) || h > 23 || m > 59)
        return -1;
    t->zone = sign * (h * HOUR + m * 60);
    t->have_zone = 1;
    *pp = p;
    return 0;
}

/* After a time: spaces, then nothing, "Z", an offset or a zone name (then a comment). */
static int read_zone_tail(const char *p, struct dt *t)
{
    const char *w;
    int val;

    while (is_space(*p))
        p++;
    if (*p == '+' || *p == '-') {
        if (read_offset(&p, t) != 0)
            return -1;
    } else if (is_letter(*p)) {
        w = p;
        while (is_letter(*p))
            p++;
        if (word_lookup(w, (size_t)(p - w), &val) != W_ZONE)
            return -1;
        t->zone = val * 60;
        t->have_zone = 1;
        if ((*p == '+' || *p == '-') && val == 0 && read_offset(&p, t) != 0)
            return -1;
    }
    while (is_space(*p))
        p++;
    if (*p == '(') {
        while (*p && *p != ')')
            p++;
        if (*p == ')')
            p++;
        while (is_space(*p))
            p++;
    }
    return *p == '\0' ? 0 : -1;
}

/* ISO 8601 / RFC 3339 / W3C-DTF, and the Hungarian "2004-július-13T9:15+02:00". */
static int64_t parse_iso(const char *p)
{
    struct dt t = {0};
    int y, n, v;

    if (read_num(&p, 4, &y) != 4)
        return ND_TIME_NONE;
    t.year = y;
    t.have_year = 1;
    t.month = 1;
    t.day = 1;
    t.have_day = 1;
    if (*p == '-') {
        p++;
        if (is_letter(*p)) {
            const char *w = p;
            while (is_letter(*p))
                p++;
            if (word_lookup(w, (size_t)(p - w), &v) != W_MONTH)
                return ND_TIME_NONE;
            t.month = v;
            if (*p != '-')
                return ND_TIME_NONE;
            p++;
            if (read_num(&p, 2, &t.day) == 0)
                return ND_TIME_NONE;
        } else {
            n = read_num(&p, 3, &v);
            if (n == 3 && *p == '-' && v >= 1 && v <= 12)
                n = 2;    /* "2003-012-31": a month with an extra zero (Google's feeds) */
            if (n == 3) { /* ordinal date */
                if (v < 1 || v > 365 + (month_days(y, 2) == 29))
                    return ND_TIME_NONE;
                while (v > month_days(y, t.month)) {
                    v -= month_days(y, t.month);
                    t.month++;
                }
                t.day = v;
            } else if (n >= 1) {
                t.month = v;
                if (*p == '-') {
                    p++;
                    if (read_num(&p, 2, &t.day) == 0)
                        return ND_TIME_NONE;
                }
            } else {
                return ND_TIME_NONE;
            }
        }
    } else if (is_digit(*p)) {
        n = read_num(&p, 4, &v);
        if (n == 4) {
            t.month = v / 100;
            t.day = v % 100;
        } else if (n == 3) {
            if (v < 1 || v > 365 + (month_days(y, 2) == 29))
                return ND_TIME_NONE;
            while (v > month_days(y, t.month)) {
                v -= month_days(y, t.month);
                t.month++;
            }
            t.day = v;
        } else {
            return ND_TIME_NONE;
        }
    }
    if (is_digit(*p))
        return ND_TIME_NONE;
    if (*p == 'T' || *p == 't' || (is_space(*p) && (is_digit(p[1]) || is_space(p[1])))) {
        p++;
        while (is_space(*p))
            p++;
        if (!is_digit(*p))
            return ND_TIME_NONE;
        n = read_num(&p, 6, &v);
        if (n == 6 || n == 4) { /* basic format */
            t.hour = n == 6 ? v / 10000 : v / 100;
            t.min = n == 6 ? v / 100 % 100 : v % 100;
            t.sec = n == 6 ? v % 100 : 0;
            if ((*p == '.' || *p == ',') && is_digit(p[1]))
                for (p++; is_digit(*p);)
                    p++;
        } else if (n <= 2) {
            t.hour = v;
            if (*p == ':') {
                p++;
                if (read_num(&p, 2, &t.min) != 2)
                    return ND_TIME_NONE;
                if (*p == ':') {
                    p++;
                    if (read_num(&p, 2, &t.sec) != 2)
                        return ND_TIME_NONE;
                }
                if ((*p == '.' || *p == ',') && is_digit(p[1]))
                    for (p++; is_digit(*p);)
                        p++;
            }
        } else {
            return ND_TIME_NONE;
        }
        t.have_time = 1;
        if (*p == 'Z' || *p == 'z') {
            t.have_zone = 1;
            p++;
        }
    }
    if (read_zone_tail(p, &t) != 0)
        return ND_TIME_NONE;
    return finish(&t);
}

static int set_number(struct dt *t, int v, int ndig)
{
    if (ndig == 4) {
        if (t->have_year)
            return -1;
        t->year = v;
        t->have_year = 1;
    } else if (ndig <= 2 && !t->have_day) {
        t->day = v;
        t->have_day = 1;
    } else if (ndig == 2 && !t->have_year) {
        t->year = v < 50 ? 2000 + v : 1900 + v; /* RFC 2822 4.3 */
        t->have_year = 1;
    } else {
        return -1;
    }
    return 0;
}

/* RFC 822 and everything else: a tolerant token reader. */
static int64_t parse_loose(const char *p)
{
    struct dt t = {0};
    const char *w;
    int v, n, kind, last_utc = 0, month_first = 0;
    const char *start = p;

    while (*p) {
        if (is_space(*p) || *p == ',' || *p == '.' || *p == ';') {
            p++;
            last_utc = 0;
        } else if (*p == '(') {
            while (*p && *p != ')')
                p++;
            if (*p)
                p++;
        } else if (is_digit(*p)) {
            w = p;
            n = read_num(&p, 9, &v);
            if ((*p == ':' || (*p == '.' && is_digit(p[1]) && t.have_year && t.have_day)) &&
                n <= 2) {
                p = w;
                if (t.have_time || read_time(&p, &t) != 0)
                    return ND_TIME_NONE;
            } else if (n == 4 && (*p == '/' || *p == '-') && is_digit(p[1])) {
                char sep = *p;
                if (t.have_year || t.month || t.have_day)
                    return ND_TIME_NONE;
                t.year = v;
                p++;
                if (read_num(&p, 2, &t.month) == 0 || *p != sep || !is_digit(p[1]))
                    return ND_TIME_NONE;
                p++;
                if (read_num(&p, 2, &t.day) == 0)
                    return ND_TIME_NONE;
                t.have_year = t.have_day = 1;
            } else if (n > 4) {
                return ND_TIME_NONE;
            } else {
                const char *q = p;
                while (is_space(*q))
                    q++;
                kind = W_UNKNOWN;
                if ((unsigned char)*q >= 0x80) {
                    const char *e = q;
                    while (is_letter(*e))
                        e++;
                    kind = word_lookup(q, (size_t)(e - q), &(int){0});
                    if (kind == W_KYEAR || kind == W_KMONTH || kind == W_KDAY)
                        p = e;
                }
                if (kind == W_KYEAR && !t.have_year) {
                    t.year = v;
                    t.have_year = t.korea = 1;
                } else if (kind == W_KMONTH && !t.month) {
                    t.month = v;
                } else if (kind == W_KDAY && !t.have_day) {
                    t.day = v;
                    t.have_day = 1;
                } else if (set_number(&t, v, n) != 0) {
                    return ND_TIME_NONE;
                }
            }
            last_utc = 0;
        } else if (*p == '+' || *p == '-') {
            if (is_digit(p[1]) && (t.have_time || last_utc) &&
                (!t.have_zone || last_utc || t.zone == 0)) {
                if (read_offset(&p, &t) != 0)
                    return ND_TIME_NONE;
            } else if (*p == '-') {
                p++; /* "10-Jun-2003" */
            } else {
                return ND_TIME_NONE;
            }
            last_utc = 0;
        } else if (is_letter(*p)) {
            w = p;
            while (is_letter(*p))
                p++;
            kind = word_lookup(w, (size_t)(p - w), &v);
            last_utc = 0;
            switch (kind) {
            case W_MONTH:
                /* "mar., 10 juin": a leading "mar" was the weekday (mardi, martes) */
                if (t.month && !month_first)
                    return ND_TIME_NONE;
                month_first = w == start && !t.month;
                t.month = v;
                break;
            case W_WDAY:
            case W_FILLER:
                break;
            case W_AM:
            case W_PM:
                if ((unsigned char)*w >= 0x80) {
                    t.korea = 1; /* Nate: "2004-05-25 오후 11:23:17" */
                } else if (!t.have_time) {
                    if (kind == W_AM)
                        break; /* German "am 5. Mai" */
                    return ND_TIME_NONE;
                }
                if (t.ampm)
                    return ND_TIME_NONE;
                t.ampm = kind == W_AM ? 1 : 2;
                break;
            case W_ZONE:
                if (t.have_zone) {
                    if (v * 60 != t.zone && v != 0)
                        return ND_TIME_NONE;
                    break; /* "+0000 GMT" */
                }
                t.zone = v * 60;
                t.have_zone = 1;
                last_utc = v == 0;
                break;
            default:
                return ND_TIME_NONE;
            }
        } else if (*p == '/' || *p == '"' || *p == '\'') {
            p++;
        } else {
            return ND_TIME_NONE;
        }
    }
    return finish(&t);
}

/*
 * ISO 8601 with a two-digit year ("03-12-31", "031231", "-03-12", "-0312",
 * "03335", "03-335", then an optional time): written into out with the year
 * in four digits (00-49 are 20xx, 50-99 19xx, RFC 2822's rule) for
 * parse_iso().  0 when s is such a date.
 */
static int iso_two_digit_year(const char *s, char *out, size_t outlen)
{
    const char *p = s, *d;
    char date[16];
    int dash = *p == '-', yy, n;

    if (dash)
        p++;
    if (!is_digit(p[0]) || !is_digit(p[1]))
        return -1;
    yy = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    d = p;
    if (*p == '-') { /* YY-MM-DD, YY-DDD, -YY-MM */
        p++;
        for (n = 0; is_digit(p[n]); n++)
            ;
        if (n == 2 && p[2] == '-' && is_digit(p[3]) && is_digit(p[4]) && !is_digit(p[5]) && !dash)
            n = 5;
        else if (!(n == 3 && !dash) && !(n == 2 && dash))
            return -1;
        snprintf(date, sizeof(date), "%.*s", n, p);
        p += n;
    } else { /* YYMMDD, YYDDD, -YYMM */
        for (n = 0; is_digit(p[n]); n++)
            ;
        if (!(n == 4 && !dash) && !(n == 3 && !dash) && !(n == 2 && dash))
            return -1;
        if (n == 4)
            snprintf(date, sizeof(date), "%.2s-%.2s", p, p + 2);
        else
            snprintf(date, sizeof(date), "%.*s", n, p);
        p += n;
    }
    (void)d;
    if (*p != '\0' && *p != 'T' && *p != 't' && !is_space(*p))
        return -1;
    n = snprintf(out, outlen, "%04d-%s%s", yy < 50 ? 2000 + yy : 1900 + yy, date, p);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int64_t nd_date_parse(const char *s)
{
    char buf[DATE_MAX];
    size_t n;
    int64_t t;

    if (s == NULL)
        return ND_TIME_NONE;
    while (is_space(*s))
        s++;
    n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(buf))
        return ND_TIME_NONE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (is_digit(buf[0]) || buf[0] == '-') {
        char iso[DATE_MAX + 8];
        if (iso_two_digit_year(buf, iso, sizeof(iso)) == 0 && (t = parse_iso(iso)) != ND_TIME_NONE)
            return t;
    }
    if (n >= 4 && is_digit(buf[0]) && is_digit(buf[1]) && is_digit(buf[2]) && is_digit(buf[3]) &&
        (buf[4] == '-' || is_digit(buf[4]) || buf[4] == '\0')) {
        t = parse_iso(buf);
        if (t != ND_TIME_NONE)
            return t;
    }
    return parse_loose(buf);
}
