/*
 * url.h: URL resolution and canonicalization (libcurl's URL API).  Pure.
 */
#ifndef NEWSD_URL_H
#define NEWSD_URL_H

#include <stddef.h>

/*
 * Resolve ref against base.  An absolute ref is returned as it is (trimmed;
 * http and https ones normalized).  Returns NULL when ref is relative and
 * base is NULL or not absolute, or when the result is not a URL.  Caller frees.
 */
char *nd_url_resolve(const char *base, const char *ref);

/*
 * The canonical form of an absolute http(s) URL: scheme and host lower-case,
 * default port, fragment and tracking parameters removed, empty path as "/",
 * other query parameters kept in order, dot segments removed, percent-encoding
 * normalized (RFC 3986 6.2.2: hex digits in one case, unreserved characters
 * decoded, characters not allowed in a URL encoded).  An IDN host stays as
 * it is written (not punycode).  NULL when url is not an absolute
 * http(s) URL.  Caller frees.
 */
char *nd_url_canonical(const char *url);

/*
 * A copy of url without its tracking query parameters; everything else
 * (fragment, port, other parameters in order) is kept verbatim.  Caller frees.
 */
char *nd_url_strip_tracking(const char *url);

/* Is this query parameter name (not NUL-terminated) a tracking parameter? */
int nd_url_is_tracking_param(const char *name, size_t len);

/* The scheme of an absolute URL, lower-cased into out; 0 if found, -1 if relative. */
int nd_url_scheme(const char *url, char *out, size_t outlen);

/* Does the host of this URL name "localhost" or an address addr.h refuses? */
int nd_url_host_is_private(const char *url);

#endif
