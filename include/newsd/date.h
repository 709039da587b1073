/*
 * date.h: the dates feeds carry, read as Unix seconds UTC.  Pure: no locale,
 * no TZ, no clock.
 */
#ifndef NEWSD_DATE_H
#define NEWSD_DATE_H

#include <stdint.h>

/*
 * Parse a feed date.  Understood: RFC 822/1123/2822 and their real-world
 * variants (weekday optional and never checked, seconds optional, 2- or
 * 4-digit years, lower-case or full month names, named zones UT GMT Z UTC
 * EST EDT CST CDT MST MDT PST PDT and a few more, RFC 822 military letters
 * with RFC 822's signs as feedparser reads them, numeric offsets, comments
 * in parentheses, asctime order, YYYY/MM/DD); RFC 3339, W3C-DTF and ISO 8601
 * (extended and basic formats, fractions, offsets, date only, ordinal
 * dates); month names in German, French, Spanish, Italian, Dutch,
 * Portuguese, Greek and Hungarian; the two Korean formats feedparser knows.
 * A date without a zone is taken as UTC; a date without a time as midnight.
 * Returns Unix seconds UTC, or ND_TIME_NONE (INT64_MIN) when the string is
 * not a date this function is sure of: an unknown zone name or an
 * impossible day is never guessed.
 */
int64_t nd_date_parse(const char *s);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t nd_date_days(int64_t year, int month, int day);

/*
 * t (Unix seconds UTC) as RFC 3339 ("2003-12-31T10:14:55Z", the year always
 * four digits: "0099-12-31T23:00:01Z") into out.  Returns 0, or -1 when t
 * has no RFC 3339 form (ND_TIME_NONE, before year 1 or after 9999): out is
 * then "".  Every date newsd emits goes through here.
 */
int nd_date_format(int64_t t, char out[32]);

#endif
