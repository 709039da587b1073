/*
 * config.c: read newsd.conf (libconfig) through one table of settings.
 *
 * Every key newsd knows is a row below: its path, type, bounds, default,
 * where it lands in struct nd_config (or nd_source_conf), whether a reload
 * may change it and whether sources inherit it.  Parsing, the refusal of
 * unknown keys, the inheritance, what a reload keeps and `newsd
 * --help-config` (from which docs/configuration.md and newsd.conf(5) are
 * checked) all walk these tables.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"
#include "newsd/config.h"
#include "newsd/curve.h"
#include "newsd/endpoint.h"
#include "newsd/jetstream.h"
#include "newsd/log.h"
#include "newsd/metrics.h"
#include "newsd/url.h"
#include "newsd/version.h"

enum stype {
    S_INT,
    S_MS, /* seconds, integer or decimal, kept as int64_t milliseconds */
    S_BOOL,
    S_STR,
    S_PATH, /* a string naming a file, relative to the configuration's folder */
    S_STRLIST,
    S_ENUM,
    S_LOGLEVEL,
    S_FILTERS, /* a list of keep/drop rules: config_filters.c */
};

/*
 * Row flags, or'ed into a row's type.  A row without flags is reloadable
 * and its own:
 *   RESTART   it lives in a bound socket or an open file: a reload keeps the
 *             running value (and says so in the log);
 *   INHERIT   sources may set it too, under the last part of its path, and a
 *             source that does not has this value;
 *   REQUIRED  (a source's string) it must be set.
 */
#define RESTART  0x100
#define INHERIT  0x200
#define REQUIRED 0x400
#define TYPE(st) ((enum stype)((st)->type & 0xff))

struct setting {
    const char *path;
    int type; /* enum stype | flags above */
    size_t off;
    int64_t min, max;
    int64_t def;     /* S_INT, S_BOOL, S_ENUM (index) */
    const char *str; /* S_STR, S_STRLIST (one element), S_LOGLEVEL default */
    const char *const *values;
    const char *doc;
};

static const char *const near_values[] = {"drop", "mark", "off", NULL};

#define G(f) offsetof(struct nd_config, f)
#define DAY  86400
static const struct setting global_settings[] = {
    {"state_dir", S_STR | RESTART, G(state_dir), 0, 0, 0, "/var/lib/newsd", NULL,
     "folder of the SQLite store (created if missing)"},
    {"log_level", S_LOGLEVEL, G(log_level), 0, 0, 0, "info", NULL,
     "what is logged (info: a line per published article and per poll with news)"},
    {"user_agent", S_STR, G(user_agent), 0, 0, 0, NULL, NULL,
     "User-Agent header (default newsd/VERSION, with (+CONTACT) when contact is set)"},
    {"contact", S_STR, G(contact), 0, 0, 0, NULL, NULL,
     "the operator's e-mail address or URL (printable ASCII, no parentheses, at most 256 "
     "characters), put in the default User-Agent"},
    {"allow_private", S_BOOL | INHERIT, G(allow_private), 0, 1, 0, NULL, NULL,
     "may sources reach loopback, private and link-local addresses"},
    {"publish.endpoints", S_STRLIST | RESTART, G(publish_endpoints), 1, 64, 0,
     "tcp://127.0.0.1:5556", NULL, "ZeroMQ PUB endpoints to bind"},
    {"publish.hwm", S_INT | RESTART, G(publish_hwm), 0, 10000000, 100000, NULL, NULL,
     "send high-water mark (messages queued per subscriber)"},
    {"publish.curve_secret_key", S_PATH | RESTART, G(publish_curve.secret_key), 0, 0, 0, NULL, NULL,
     "file with the PUB socket's CURVE secret key (Z85): subscribers must authenticate"},
    {"publish.curve_clients", S_PATH, G(publish_curve.clients), 0, 0, 0, NULL, NULL,
     "file of the subscribers' CURVE public keys allowed, one Z85 key a line"},
    {"publish.nats.servers", S_STRLIST | RESTART, G(nats.servers), 1, 32, 0, NULL, NULL,
     "NATS servers (nats://HOST:PORT or tls://HOST:PORT): the JetStream sink is on"},
    {"publish.nats.stream", S_STR | RESTART, G(nats.stream), 0, 0, 0, "NEWS", NULL,
     "JetStream stream the articles go to (created if absent): letters, digits, - and _, 64 at "
     "most"},
    {"publish.nats.subject_prefix", S_STR | RESTART, G(nats.subject_prefix), 0, 0, 0, "newsd", NULL,
     "an article's subject is this, a dot, and its topic (NATS subject tokens)"},
    {"publish.nats.credentials", S_PATH | RESTART, G(nats.credentials), 0, 0, 0, NULL, NULL,
     "NATS credentials file (user JWT and NKey seed)"},
    {"publish.nats.tls_ca", S_PATH | RESTART, G(nats.tls_ca), 0, 0, 0, NULL, NULL,
     "CA certificates (PEM) that verify the servers"},
    {"publish.nats.tls_cert", S_PATH | RESTART, G(nats.tls_cert), 0, 0, 0, NULL, NULL,
     "client certificate (PEM), with publish.nats.tls_key"},
    {"publish.nats.tls_key", S_PATH | RESTART, G(nats.tls_key), 0, 0, 0, NULL, NULL,
     "client private key (PEM), with publish.nats.tls_cert"},
    {"publish.nats.replicas", S_INT | RESTART, G(nats.replicas), 1, 5, 1, NULL, NULL,
     "replicas of the stream when newsd creates it"},
    {"publish.nats.duplicate_window", S_INT | RESTART, G(nats.duplicate_window), 1, 7 * DAY, 3600,
     NULL, NULL, "seconds the stream refuses a second copy of an article (when newsd creates it)"},
    {"cluster.node", S_STR | RESTART, G(cluster.node), 0, 0, 0, NULL, NULL,
     "this node's name, unique in the cluster and the same at every start (letters, digits, - "
     "and _, 64 at most): cluster mode is on"},
    {"cluster.servers", S_STRLIST | RESTART, G(cluster.servers), 1, 32, 0, NULL, NULL,
     "NATS servers of the lease bucket (default: publish.nats.servers)"},
    {"cluster.bucket", S_STR | RESTART, G(cluster.bucket), 0, 0, 0, "newsd", NULL,
     "JetStream key-value bucket of the slot leases (created if absent; the poll states go in "
     "BUCKET-state): letters, digits, - and _, 58 at most"},
    {"cluster.lease_ttl", S_INT | RESTART, G(cluster.lease_ttl), 3, 3600, 30, NULL, NULL,
     "seconds a lease lives unless renewed: a dead node's sources are polled by the others "
     "within about 4/3 of this"},
    {"cluster.slots", S_INT | RESTART, G(cluster.slots), 1, 65536, 1024, NULL, NULL,
     "sources are hashed into this many slots, the unit of leasing (the same on every node)"},
    {"cluster.replicas", S_INT | RESTART, G(cluster.replicas), 1, 5, 1, NULL, NULL,
     "replicas of the lease bucket when newsd creates it"},
    {"control.endpoint", S_STR | RESTART, G(control_endpoint), 0, 0, 0,
     "ipc:///run/newsd/control.sock", NULL, "ZeroMQ control (ROUTER) endpoint to bind"},
    {"control.group", S_STR | RESTART, G(control_group), 0, 0, 0, NULL, NULL,
     "group owning an ipc control socket (mode 0660), for non-root newsctl users"},
    {"control.curve_secret_key", S_PATH | RESTART, G(control_curve.secret_key), 0, 0, 0, NULL, NULL,
     "file with the control socket's CURVE secret key (Z85); needed off loopback"},
    {"control.curve_clients", S_PATH, G(control_curve.clients), 0, 0, 0, NULL, NULL,
     "file of the newsctl CURVE public keys allowed, one Z85 key a line"},
    {"defaults.interval", S_INT | INHERIT, G(interval), 1, 30 * DAY, 900, NULL, NULL,
     "seconds between polls"},
    {"defaults.timeout", S_INT | INHERIT, G(timeout), 1, 3600, 30, NULL, NULL,
     "seconds for a whole transfer"},
    {"defaults.connect_timeout", S_INT | INHERIT, G(connect_timeout), 1, 600, 10, NULL, NULL,
     "seconds to connect"},
    {"defaults.max_body", S_INT | INHERIT, G(max_body), 1024, 1LL << 30, 16777216, NULL, NULL,
     "largest accepted body in bytes (decoded)"},
    {"scheduler.min_interval", S_INT, G(min_interval), 1, 30 * DAY, 1, NULL, NULL,
     "no source is polled more often, whatever it asks"},
    {"scheduler.max_backoff", S_INT, G(max_backoff), 1, 30 * DAY, DAY, NULL, NULL,
     "longest wait after repeated errors"},
    {"scheduler.max_in_flight", S_INT, G(max_in_flight), 1, 1000, 16, NULL, NULL,
     "transfers at once, overall"},
    {"scheduler.max_per_host", S_INT, G(max_per_host), 1, 100, 2, NULL, NULL,
     "transfers at once to one host"},
    {"scheduler.host_spacing", S_MS, G(host_spacing_ms), 0, 60000, 250, NULL, NULL,
     "seconds between the starts of two requests to one host (0: off)"},
    {"scheduler.shutdown_timeout", S_INT, G(shutdown_timeout), 0, 600, 10, NULL, NULL,
     "seconds to finish transfers in flight at SIGTERM"},
    {"dedupe.near_duplicates", S_ENUM, G(near_mode), 0, 0, ND_NEAR_DROP, NULL, near_values,
     "drop, mark (publish with duplicate_of) or off"},
    {"dedupe.distance", S_INT, G(near_distance), 0, 16, 3, NULL, NULL,
     "no longer used (the SimHash it tuned is gone); accepted so that older files load"},
    {"dedupe.window", S_INT, G(near_window), 60, 365 * DAY, 7 * DAY, NULL, NULL,
     "seconds an article's near-duplicate signature is compared against (about 1 KB of memory an "
     "article)"},
    {"retention.journal", S_INT, G(journal_retention), 3600, 3650LL * DAY, 30 * DAY, NULL, NULL,
     "seconds a published article stays replayable"},
    {"retention.seen", S_INT, G(seen_retention), 3600, 3650LL * DAY, 180 * DAY, NULL, NULL,
     "seconds an article is remembered as seen"},
    {"metrics.listen", S_STR | RESTART, G(metrics_listen), 0, 0, 0, NULL, NULL,
     "HOST:PORT serving Prometheus /metrics and /healthz (default: off)"},
    {"metrics.allow_remote", S_BOOL | RESTART, G(metrics_allow_remote), 0, 1, 0, NULL, NULL,
     "may metrics.listen be an address other machines can reach"},
    {"filters", S_FILTERS, G(filters), 0, 0, 0, NULL, NULL,
     "keep/drop rules for every source, after the source's own"},
};
#undef G

#define S(f) offsetof(struct nd_source_conf, f)
static const struct setting source_settings[] = {
    {"id", S_STR | REQUIRED, S(id), 0, 0, 0, NULL, NULL,
     "[a-z0-9][a-z0-9._-]*, 64 characters at most, unique"},
    {"url", S_STR | REQUIRED, S(url), 0, 0, 0, NULL, NULL,
     "http, https or file: URL (file:rel/path: relative to the configuration's folder)"},
    {"title", S_STR, S(title), 0, 0, 0, NULL, NULL,
     "display title in messages (source.title); none: the feed's own"},
    {"topic", S_STR, S(topic), 0, 0, 0, NULL, NULL, "publish topic; none: news.<id>"},
    {"interval", S_INT, S(interval), 1, 30 * DAY, -1, NULL, NULL, "as defaults.interval"},
    {"timeout", S_INT, S(timeout), 1, 3600, -1, NULL, NULL, "as defaults.timeout"},
    {"connect_timeout", S_INT, S(connect_timeout), 1, 600, -1, NULL, NULL,
     "as defaults.connect_timeout"},
    {"max_body", S_INT, S(max_body), 1024, 1LL << 30, -1, NULL, NULL, "as defaults.max_body"},
    {"allow_private", S_BOOL, S(allow_private), 0, 1, -1, NULL, NULL,
     "as allow_private; true when its own URL names a private address or localhost"},
    {"enabled", S_BOOL, S(enabled), 0, 1, 1, NULL, NULL,
     "poll this source on schedule (refresh --force polls a disabled one)"},
    {"headers", S_STRLIST, S(headers), 0, 32, 0, NULL, NULL,
     "extra request headers, \"Name: value\""},
    {"filters", S_FILTERS, S(filters), 0, 0, 0, NULL, NULL,
     "keep/drop rules of this source, before the global ones"},
};
#undef S

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct ctx {
    const char *file;
    const char *dir; /* the configuration's folder */
    char *err;
    size_t errlen;
    int failed;
};

static int fail(struct ctx *c, const config_setting_t *s, const char *fmt, ...) ND_PRINTF(3, 4);

/* Control characters of a value quoted in a message, escaped: the message stays one line. */
static void escape_controls(const char *in, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *in && o + 5 < outlen; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == '\n' || ch == '\t' || ch == '\r') {
            out[o++] = '\\';
            out[o++] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static int fail(struct ctx *c, const config_setting_t *s, const char *fmt, ...)
{
    char msg[512], clean[1024];
    va_list ap;
    const char *file = s ? config_setting_source_file(s) : NULL;
    int line = s ? config_setting_source_line(s) : 0;

    if (c->failed)
        return ND_EINVAL;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    escape_controls(msg, clean, sizeof(clean));
    snprintf(c->err, c->errlen, "%s:%d: %s", file ? file : c->file, line, clean);
    c->failed = 1;
    return ND_EINVAL;
}

static const char *type_name(enum stype t)
{
    switch (t) {
    case S_INT:
        return "an integer";
    case S_MS:
        return "a number of seconds";
    case S_BOOL:
        return "true or false";
    case S_STRLIST:
        return "a list of strings";
    case S_FILTERS:
        return "a list of filters";
    default:
        return "a string";
    }
}

/* An enum's values as "a, b, c". */
static void values_list(const struct setting *st, char *out, size_t len)
{
    size_t o = 0;

    out[0] = '\0';
    for (int i = 0; st->values[i] && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : "", st->values[i]);
}

/* Make a path absolute against the configuration folder.  Caller frees. */
static char *relative_to(const char *dir, const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    return xasprintf("%s/%s", dir, path);
}

/* Store one setting's value (or its default when s is NULL) into base. */
static int apply(struct ctx *c, const struct setting *st, const config_setting_t *s, char *base,
                 const char *name)
{
    void *dst = base + st->off;
    int t = s ? config_setting_type(s) : CONFIG_TYPE_NONE;

    switch (TYPE(st)) {
    case S_FILTERS:
        return 0; /* read by load_filters(), once the scope is known */
    case S_INT: {
        int64_t v = st->def;
        if (s) {
            if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
                return fail(c, s, "'%s' must be %s", name, type_name(TYPE(st)));
            v = config_setting_get_int64(s);
            if (v < st->min || v > st->max)
                return fail(c, s, "'%s' must be between %lld and %lld (got %lld)", name,
                            (long long)st->min, (long long)st->max, (long long)v);
        }
        *(int64_t *)dst = v;
        return 0;
    }
    case S_MS: {
        int64_t v = st->def;
        if (s) {
            double secs;
            if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
                secs = (double)config_setting_get_int64(s);
            else if (t == CONFIG_TYPE_FLOAT)
                secs = config_setting_get_float(s);
            else
                return fail(c, s, "'%s' must be %s", name, type_name(TYPE(st)));
            if (!(secs * 1000 >= (double)st->min && secs * 1000 <= (double)st->max))
                return fail(c, s, "'%s' must be between %g and %g seconds (got %g)", name,
                            (double)st->min / 1000, (double)st->max / 1000, secs);
            v = (int64_t)(secs * 1000 + 0.5);
        }
        *(int64_t *)dst = v;
        return 0;
    }
    case S_BOOL:
        if (s && t != CONFIG_TYPE_BOOL)
            return fail(c, s, "'%s' must be %s", name, type_name(TYPE(st)));
        *(int *)dst = s ? config_setting_get_bool(s) : (int)st->def;
        return 0;
    case S_STR:
    case S_PATH:
    case S_ENUM:
    case S_LOGLEVEL: {
        const char *v = st->str;
        if (s) {
            if (t != CONFIG_TYPE_STRING)
                return fail(c, s, "'%s' must be %s", name, type_name(TYPE(st)));
            v = config_setting_get_string(s);
        }
        if (TYPE(st) == S_STR || TYPE(st) == S_PATH) {
            if (s && *v == '\0')
                return fail(c, s, "'%s' must not be empty", name);
            if (TYPE(st) == S_PATH && v)
                nd_str_take((char **)dst, relative_to(c->dir, v));
            else
                nd_str_set((char **)dst, v);
            return 0;
        }
        if (TYPE(st) == S_LOGLEVEL) {
            int level = log_level_parse(v);
            if (level < 0)
                return fail(c, s, "'%s' must be error, warning, notice, info or debug (got \"%s\")",
                            name, v);
            *(int *)dst = level;
            return 0;
        }
        if (s == NULL) {
            *(int *)dst = (int)st->def;
            return 0;
        }
        for (int i = 0; st->values[i]; i++)
            if (strcmp(v, st->values[i]) == 0) {
                *(int *)dst = i;
                return 0;
            }
        char list[256];
        values_list(st, list, sizeof(list));
        return fail(c, s, "'%s' must be one of %s (got \"%s\")", name, list, v);
    }
    case S_STRLIST: {
        struct nd_strv *sv = dst;
        nd_strv_free(sv);
        if (s == NULL) {
            if (st->str)
                nd_strv_push(sv, st->str);
            return 0;
        }
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return fail(c, s, "'%s' must be %s", name, type_name(TYPE(st)));
        int n = config_setting_length(s);
        if (n < st->min || n > st->max)
            return fail(c, s, "'%s' must have between %lld and %lld elements", name,
                        (long long)st->min, (long long)st->max);
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING || *config_setting_get_string(e) == 0)
                return fail(c, e, "'%s' must be %s", name, type_name(TYPE(st)));
            nd_strv_push(sv, config_setting_get_string(e));
        }
        return 0;
    }
    }
    return 0;
}

/* Does `path` (a table row) name the setting s under group prefix? */
static const struct setting *find_row(const struct setting *rows, size_t n, const char *group,
                                      const char *name)
{
    size_t gl = group ? strlen(group) : 0;

    for (size_t i = 0; i < n; i++) {
        const char *p = rows[i].path;
        if (group) {
            if (strncmp(p, group, gl) != 0 || p[gl] != '.')
                continue;
            p += gl + 1;
        } else if (strchr(p, '.')) {
            continue;
        }
        if (strcmp(p, name) == 0)
            return &rows[i];
    }
    return NULL;
}

static int is_group_name(const char *name)
{
    size_t l = strlen(name);

    for (size_t i = 0; i < NELEM(global_settings); i++)
        if (strncmp(global_settings[i].path, name, l) == 0 && global_settings[i].path[l] == '.')
            return 1;
    return 0;
}

/* Refuse any key of group s (named path) that no table row names; inner groups too. */
static int check_group(struct ctx *c, const config_setting_t *s, const char *path)
{
    int m = config_setting_length(s);

    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return fail(c, s, "'%s' must be a group: %s: { ... };", path, config_setting_name(s));
    for (int j = 0; j < m; j++) {
        const config_setting_t *k = config_setting_get_elem(s, (unsigned)j);
        char *inner = xasprintf("%s.%s", path, config_setting_name(k));
        int rc = 0;
        if (is_group_name(inner))
            rc = check_group(c, k, inner);
        else if (!find_row(global_settings, NELEM(global_settings), path, config_setting_name(k)))
            rc = fail(c, k, "unknown setting '%s'", inner);
        free(inner);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Refuse any key that no table row names. */
static int check_unknown(struct ctx *c, const config_setting_t *root)
{
    int n = config_setting_length(root);

    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        if (strcmp(name, "sources") == 0)
            continue;
        if (is_group_name(name)) {
            if (check_group(c, s, name) != 0)
                return ND_EINVAL;
        } else if (!find_row(global_settings, NELEM(global_settings), NULL, name)) {
            return fail(c, s, "unknown setting '%s'", name);
        }
    }
    return 0;
}

int nd_config_valid_id(const char *id)
{
    if (!(islower((unsigned char)id[0]) || isdigit((unsigned char)id[0])))
        return 0;
    for (const char *p = id; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '_' ||
              *p == '-'))
            return 0;
    return strlen(id) <= 64;
}

/* ipc://relative/path is taken relative to the configuration folder. */
static void absolutize_endpoint(const char *dir, char **ep)
{
    const char *p;

    if (strncmp(*ep, "ipc://", 6) != 0)
        return;
    p = *ep + 6;
    if (*p == '/' || *p == '@' || *p == '\0')
        return;
    nd_str_take(ep, xasprintf("ipc://%s/%s", dir, p));
}

static int check_endpoint(struct ctx *c, const config_setting_t *s, const char *what,
                          const char *ep)
{
    static const char *const schemes[] = {"tcp://",  "ipc://",  "inproc://", "pgm://",
                                          "epgm://", "vmci://", "ws://",     "tipc://"};
    for (size_t i = 0; i < NELEM(schemes); i++)
        if (strncmp(ep, schemes[i], strlen(schemes[i])) == 0 && ep[strlen(schemes[i])] != '\0')
            return 0;
    return fail(c, s, "'%s': \"%s\" is not a ZeroMQ endpoint (tcp://HOST:PORT or ipc://PATH)", what,
                ep);
}

/* What is wrong with a source URL, or NULL. */
static const char *check_url(const char *url)
{
    char scheme[16], *host = NULL;
    const char *why = NULL;
    CURLU *h;

    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return "has a space or a control character in it (percent-encode it)";
    nd_url_scheme(url, scheme, sizeof(scheme));
    if (strcmp(scheme, "file") == 0)
        return NULL;
    if (strncmp(url + strlen(scheme), ":///", 4) == 0)
        return "has no host name"; /* curl would take the first path segment for one */
    h = curl_url();
    if (h == NULL)
        return NULL;
    if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
        why = "is not a valid URL";
    else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL || !*host)
        why = "has no host name";
    curl_free(host);
    curl_url_cleanup(h);
    return why;
}

/* The source row a global INHERIT row gives its value to: the last part of its path. */
static const struct setting *heir(const struct setting *g)
{
    const char *dot = strrchr(g->path, '.');

    return find_row(source_settings, NELEM(source_settings), NULL, dot ? dot + 1 : g->path);
}

/* What a source did not set of the INHERIT rows (left at -1) it takes from the configuration. */
static void inherit(const struct nd_config *cfg, struct nd_source_conf *src)
{
    for (size_t i = 0; i < NELEM(global_settings); i++) {
        const struct setting *g = &global_settings[i], *s = heir(g);
        const char *from = (const char *)cfg + g->off;
        char *to = (char *)src + (s ? s->off : 0);

        if (!(g->type & INHERIT) || s == NULL)
            continue;
        switch (TYPE(g)) {
        case S_INT:
        case S_MS:
            if (*(int64_t *)to < 0)
                *(int64_t *)to = *(const int64_t *)from;
            break;
        case S_BOOL:
        case S_ENUM:
            if (*(int *)to < 0)
                *(int *)to = *(const int *)from;
            break;
        default:
            break; /* strings are not inherited (yet) */
        }
    }
}

/* The `filters` list of group g (the root or a source), if it has one. */
static int load_filters(struct ctx *c, const config_setting_t *g, const char *scope,
                        struct nd_filters **out)
{
    const config_setting_t *list = config_setting_get_member(g, "filters");

    if (list == NULL || nd_config_filters(list, scope, c->file, out, c->err, c->errlen) == ND_OK)
        return 0;
    c->failed = 1;
    return ND_EINVAL;
}

/* metrics.listen: an address, and one other machines can reach only when allowed. */
static int check_metrics(struct ctx *c, config_t *lc, const struct nd_config *cfg)
{
    const config_setting_t *s = config_lookup(lc, "metrics.listen");
    struct sockaddr_storage addr;
    socklen_t len;
    int loopback;
    char why[512];

    if (cfg->metrics_listen == NULL)
        return 0;
    if (nd_metrics_parse_listen(cfg->metrics_listen, &addr, &len, &loopback, why, sizeof(why)) !=
        ND_OK)
        return fail(c, s, "metrics.listen: %s", why);
    if (!loopback && !cfg->metrics_allow_remote)
        return fail(c, s,
                    "metrics.listen \"%s\" can be reached from other machines and the metrics "
                    "have no authentication: bind it to 127.0.0.1 or [::1], or set "
                    "metrics.allow_remote = true",
                    cfg->metrics_listen);
    return 0;
}

static int load_source(struct ctx *c, struct nd_config *cfg, const config_setting_t *s,
                       struct nd_source_conf *src)
{
    int n, implied;
    char scheme[16];

    memset(src, 0, sizeof(*src));
    src->line = config_setting_source_line(s);
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return fail(c, s, "each source must be a group: { id = \"...\"; url = \"...\"; }");
    n = config_setting_length(s);
    for (int j = 0; j < n; j++) {
        const config_setting_t *k = config_setting_get_elem(s, (unsigned)j);
        if (!find_row(source_settings, NELEM(source_settings), NULL, config_setting_name(k)))
            return fail(c, k, "unknown setting '%s' in source", config_setting_name(k));
    }
    for (size_t i = 0; i < NELEM(source_settings); i++) {
        const struct setting *st = &source_settings[i];
        if (apply(c, st, config_setting_get_member(s, st->path), (char *)src, st->path) != 0)
            return ND_EINVAL;
    }
    for (size_t i = 0; i < NELEM(source_settings); i++) {
        const struct setting *st = &source_settings[i];
        if ((st->type & REQUIRED) && *(char **)((char *)src + st->off) == NULL)
            return src->id ? fail(c, s, "source '%s' without '%s'", src->id, st->path)
                           : fail(c, s, "source without '%s'", st->path);
    }
    if (!nd_config_valid_id(src->id))
        return fail(c, config_setting_get_member(s, "id"),
                    "source id \"%s\" must match [a-z0-9][a-z0-9._-]* (64 characters at most)",
                    src->id);
    if (nd_url_scheme(src->url, scheme, sizeof(scheme)) != 0 ||
        (strcmp(scheme, "http") && strcmp(scheme, "https") && strcmp(scheme, "file")))
        return fail(c, config_setting_get_member(s, "url"),
                    "source '%s': url must be http://, https:// or file: (got \"%s\")", src->id,
                    src->url);
    if (check_url(src->url) != NULL)
        return fail(c, config_setting_get_member(s, "url"), "source '%s': url \"%s\" %s", src->id,
                    src->url, check_url(src->url));
    if (strcmp(scheme, "file") == 0 && strncmp(src->url, "file://", 7) != 0) {
        /* file:relative/path: relative to the configuration folder */
        char *path = relative_to(cfg->dir, src->url + 5);
        nd_str_take(&src->url, xasprintf("file://%s", path));
        free(path);
    }
    if (src->topic == NULL)
        src->topic = xasprintf("news.%s", src->id);
    /* a source whose own URL names a private address may reach one, unless it says no */
    implied = src->allow_private < 0 && nd_url_host_is_private(src->url);
    inherit(cfg, src);
    if (implied)
        src->allow_private = 1;
    for (size_t i = 0; i < src->headers.n; i++) {
        const char *h = src->headers.v[i], *colon = strchr(h, ':');
        if (colon == NULL || colon == h || strpbrk(h, "\r\n"))
            return fail(c, config_setting_get_member(s, "headers"),
                        "source '%s': header \"%s\" must be \"Name: value\"", src->id, h);
    }
    return load_filters(c, s, src->id, &src->filters);
}

void nd_source_conf_clear(struct nd_source_conf *s)
{
    free(s->id);
    free(s->url);
    free(s->title);
    free(s->topic);
    nd_strv_free(&s->headers);
    nd_filters_unref(s->filters);
    memset(s, 0, sizeof(*s));
}

void nd_source_conf_copy(struct nd_source_conf *dst, const struct nd_source_conf *src)
{
    *dst = *src;
    dst->id = xstrdup(src->id);
    dst->url = xstrdup(src->url);
    dst->title = src->title ? xstrdup(src->title) : NULL;
    dst->topic = xstrdup(src->topic);
    memset(&dst->headers, 0, sizeof(dst->headers));
    for (size_t i = 0; i < src->headers.n; i++)
        nd_strv_push(&dst->headers, src->headers.v[i]);
    dst->filters = nd_filters_ref(src->filters);
}

void nd_config_free(struct nd_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_sources; i++)
        nd_source_conf_clear(&cfg->sources[i]);
    free(cfg->sources);
    free(cfg->path);
    free(cfg->dir);
    free(cfg->state_dir);
    free(cfg->user_agent);
    free(cfg->contact);
    nd_strv_free(&cfg->publish_endpoints);
    free(cfg->publish_curve.secret_key);
    free(cfg->publish_curve.clients);
    nd_strv_free(&cfg->nats.servers);
    free(cfg->nats.stream);
    free(cfg->nats.subject_prefix);
    free(cfg->nats.credentials);
    free(cfg->nats.tls_ca);
    free(cfg->nats.tls_cert);
    free(cfg->nats.tls_key);
    free(cfg->cluster.node);
    nd_strv_free(&cfg->cluster.servers);
    free(cfg->cluster.bucket);
    free(cfg->control_endpoint);
    free(cfg->control_group);
    free(cfg->control_curve.secret_key);
    free(cfg->control_curve.clients);
    free(cfg->metrics_listen);
    nd_filters_unref(cfg->filters);
    free(cfg);
}

/* The contact goes into the default User-Agent, "newsd/VERSION (+CONTACT)": printable
 * ASCII without parentheses, so that the header stays one well-formed comment.  An explicit
 * user_agent wins. */
static int apply_contact(struct ctx *c, const config_setting_t *s, struct nd_config *cfg)
{
    if (cfg->contact == NULL)
        return 0;
    for (const unsigned char *p = (const unsigned char *)cfg->contact; *p; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '(' || *p == ')')
            return fail(c, s,
                        "'contact' must be an e-mail address or a URL (printable ASCII, "
                        "no parentheses)");
    if (strlen(cfg->contact) > 256)
        return fail(c, s, "'contact' must be at most 256 characters");
    if (cfg->user_agent == NULL)
        cfg->user_agent = xasprintf(NEWSD_USER_AGENT " (+%s)", cfg->contact);
    return 0;
}

static char *absolute_path(const char *path)
{
    char cwd[PATH_MAX];

    if (path[0] == '/')
        return xstrdup(path);
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        return xstrdup(path);
    return xasprintf("%s/%s", cwd, path);
}

/* CURVE settings: both files or neither, and both readable and well formed. */
static int check_curve(struct ctx *c, config_t *lc, const char *group, struct nd_curve_conf *cc)
{
    char path[64], key[ND_Z85_KEY + 1], pub[ND_Z85_KEY + 1], why[512];
    struct nd_strv keys = {0};
    const config_setting_t *s;
    int rc;

    if (cc->secret_key == NULL && cc->clients == NULL)
        return 0;
    if (cc->secret_key == NULL || cc->clients == NULL) {
        snprintf(path, sizeof(path), "%s.%s", group,
                 cc->secret_key ? "curve_secret_key" : "curve_clients");
        return fail(c, config_lookup(lc, path),
                    "%s.curve_secret_key and %s.curve_clients go together", group, group);
    }
    snprintf(path, sizeof(path), "%s.curve_secret_key", group);
    s = config_lookup(lc, path);
    if (nd_curve_read_key(cc->secret_key, key, why, sizeof(why)) != ND_OK ||
        nd_curve_public(key, pub) != ND_OK)
        return fail(c, s, "%s", why);
    snprintf(path, sizeof(path), "%s.curve_clients", group);
    rc = nd_curve_read_keys(cc->clients, &keys, why, sizeof(why));
    nd_strv_free(&keys);
    if (rc != ND_OK)
        return fail(c, config_lookup(lc, path), "%s", why);
    return 0;
}

/* A file setting of publish.nats names a readable file. */
static int check_readable(struct ctx *c, config_t *lc, const char *key, const char *path)
{
    char full[64];

    if (path == NULL || access(path, R_OK) == 0)
        return 0;
    snprintf(full, sizeof(full), "publish.nats.%s", key);
    return fail(c, config_lookup(lc, full), "%s: %s: %s", full, path, strerror(errno));
}

/* Is every one of servers a nats:// or tls:// URL?  The first that is not, or NULL. */
static const char *bad_server(const struct nd_strv *servers)
{
    for (size_t i = 0; i < servers->n; i++) {
        const char *u = servers->v[i];
        if (!((strncmp(u, "nats://", 7) == 0 && u[7]) || (strncmp(u, "tls://", 6) == 0 && u[6])))
            return u;
    }
    return NULL;
}

/* publish.nats: servers given, names NATS accepts, files that are there. */
static int check_nats(struct ctx *c, config_t *lc, struct nd_config *cfg)
{
    struct nd_nats_conf *n = &cfg->nats;
    const config_setting_t *g = config_lookup(lc, "publish.nats");

    n->on = g != NULL;
    if (g == NULL)
        return 0;
    if (n->servers.n == 0)
        return fail(c, g, "publish.nats needs 'servers' (a list of nats://HOST:PORT)");
    if (bad_server(&n->servers))
        return fail(c, config_lookup(lc, "publish.nats.servers"),
                    "'publish.nats.servers': \"%s\" is not nats://HOST:PORT or tls://HOST:PORT",
                    bad_server(&n->servers));
    if (!nd_js_stream_name_valid(n->stream))
        return fail(c, config_lookup(lc, "publish.nats.stream"),
                    "'publish.nats.stream' \"%s\" must be letters, digits, '-' and '_' "
                    "(no spaces, dots, '*', '>', slashes)",
                    n->stream);
    if (!nd_js_subject_valid(n->subject_prefix))
        return fail(c, config_lookup(lc, "publish.nats.subject_prefix"),
                    "'publish.nats.subject_prefix' \"%s\" must be NATS subject tokens "
                    "separated by dots (no spaces, '*' or '>', no empty token)",
                    n->subject_prefix);
    if ((n->tls_cert == NULL) != (n->tls_key == NULL))
        return fail(
            c, config_lookup(lc, n->tls_cert ? "publish.nats.tls_cert" : "publish.nats.tls_key"),
            "publish.nats.tls_cert and publish.nats.tls_key go together");
    if (check_readable(c, lc, "credentials", n->credentials) != 0 ||
        check_readable(c, lc, "tls_ca", n->tls_ca) != 0 ||
        check_readable(c, lc, "tls_cert", n->tls_cert) != 0 ||
        check_readable(c, lc, "tls_key", n->tls_key) != 0)
        return ND_EINVAL;
    return 0;
}

/* cluster: a node name, publish.nats there, names NATS takes; servers default to the sink's. */
static int check_cluster(struct ctx *c, config_t *lc, struct nd_config *cfg)
{
    struct nd_cluster_conf *k = &cfg->cluster;
    const config_setting_t *g = config_lookup(lc, "cluster");

    k->on = g != NULL;
    if (g == NULL)
        return 0;
    if (!cfg->nats.on)
        return fail(c, g,
                    "cluster needs publish.nats: the nodes share one JetStream stream (set "
                    "publish.nats.servers)");
    if (k->node == NULL)
        return fail(c, g, "cluster needs 'node' (this node's name, unique in the cluster)");
    if (!nd_js_stream_name_valid(k->node))
        return fail(c, config_lookup(lc, "cluster.node"),
                    "'cluster.node' \"%s\" must be letters, digits, '-' and '_' (64 at most)",
                    k->node);
    if (!nd_js_stream_name_valid(k->bucket) || strlen(k->bucket) > 58)
        return fail(c, config_lookup(lc, "cluster.bucket"),
                    "'cluster.bucket' \"%s\" must be letters, digits, '-' and '_' (58 at most: "
                    "the poll states go in \"%s-state\")",
                    k->bucket, k->bucket);
    if (bad_server(&k->servers))
        return fail(c, config_lookup(lc, "cluster.servers"),
                    "'cluster.servers': \"%s\" is not nats://HOST:PORT or tls://HOST:PORT",
                    bad_server(&k->servers));
    if (k->servers.n == 0)
        for (size_t i = 0; i < cfg->nats.servers.n; i++)
            nd_strv_push(&k->servers, cfg->nats.servers.v[i]);
    return 0;
}

static int load(struct ctx *c, config_t *lc, struct nd_config *cfg)
{
    const config_setting_t *root = config_root_setting(lc), *list;

    if (check_unknown(c, root) != 0)
        return ND_EINVAL;
    for (size_t i = 0; i < NELEM(global_settings); i++) {
        const struct setting *st = &global_settings[i];
        if (apply(c, st, config_lookup(lc, st->path), (char *)cfg, st->path) != 0)
            return ND_EINVAL;
    }
    if (apply_contact(c, config_lookup(lc, "contact"), cfg) != 0)
        return ND_EINVAL;
    for (size_t i = 0; i < cfg->publish_endpoints.n; i++) {
        absolutize_endpoint(cfg->dir, &cfg->publish_endpoints.v[i]);
        if (check_endpoint(c, config_lookup(lc, "publish.endpoints"), "publish.endpoints",
                           cfg->publish_endpoints.v[i]))
            return ND_EINVAL;
    }
    absolutize_endpoint(cfg->dir, &cfg->control_endpoint);
    if (check_endpoint(c, config_lookup(lc, "control.endpoint"), "control.endpoint",
                       cfg->control_endpoint))
        return ND_EINVAL;
    if (check_curve(c, lc, "publish", &cfg->publish_curve) != 0 ||
        check_curve(c, lc, "control", &cfg->control_curve) != 0 || check_nats(c, lc, cfg) != 0 ||
        check_cluster(c, lc, cfg) != 0)
        return ND_EINVAL;
    if (!nd_endpoint_is_local(cfg->control_endpoint) && cfg->control_curve.secret_key == NULL)
        return fail(c, config_lookup(lc, "control.endpoint"),
                    "control.endpoint \"%s\" can be reached from other machines: bind it to "
                    "127.0.0.1, [::1] or an ipc:// path, or set control.curve_secret_key and "
                    "control.curve_clients",
                    cfg->control_endpoint);
    nd_str_take(&cfg->state_dir, relative_to(cfg->dir, cfg->state_dir));
    if (check_metrics(c, lc, cfg) != 0 || load_filters(c, root, "global", &cfg->filters) != 0)
        return ND_EINVAL;

    list = config_lookup(lc, "sources");
    if (list == NULL)
        return 0;
    if (config_setting_type(list) != CONFIG_TYPE_LIST &&
        config_setting_type(list) != CONFIG_TYPE_ARRAY)
        return fail(c, list, "'sources' must be a list: sources = ( { ... }, { ... } );");
    int n = config_setting_length(list);
    cfg->sources = xcalloc((size_t)n + 1, sizeof(*cfg->sources));
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        struct nd_source_conf *src = &cfg->sources[cfg->n_sources];
        int rc = load_source(c, cfg, s, src);
        cfg->n_sources++;
        if (rc != 0)
            return rc;
        for (size_t j = 0; j + 1 < cfg->n_sources; j++)
            if (strcmp(cfg->sources[j].id, src->id) == 0)
                return fail(c, config_setting_get_member(s, "id"),
                            "duplicate source id '%s' (first at line %d)", src->id,
                            cfg->sources[j].line);
    }
    return 0;
}

/* Read the file at path, or text when it is not NULL (then path only names it). */
static int read_config(const char *path, const char *text, struct nd_config **out, char *err,
                       size_t errlen)
{
    struct ctx c = {path, NULL, err, errlen, 0};
    struct nd_config *cfg;
    config_t lc;
    char *slash;
    int rc = ND_EINVAL;

    *out = NULL;
    cfg = xcalloc(1, sizeof(*cfg));
    cfg->path = absolute_path(path);
    cfg->dir = xstrdup(cfg->path);
    slash = strrchr(cfg->dir, '/');
    if (slash == cfg->dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';

    c.dir = cfg->dir;
    config_init(&lc);
    config_set_include_dir(&lc, cfg->dir);
    if (text == NULL && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((text ? config_read_string(&lc, text) : config_read_file(&lc, path)) != CONFIG_TRUE) {
        snprintf(err, errlen, "%s:%d: %s", config_error_file(&lc) ? config_error_file(&lc) : path,
                 config_error_line(&lc), config_error_text(&lc));
        goto out;
    }
    if (load(&c, &lc, cfg) == 0) {
        rc = ND_OK;
        *out = cfg;
        cfg = NULL;
    }
out:
    config_destroy(&lc);
    nd_config_free(cfg);
    return rc;
}

int nd_config_load(const char *path, struct nd_config **out, char *err, size_t errlen)
{
    return read_config(path, NULL, out, err, errlen);
}

int nd_config_load_string(const char *text, const char *path, struct nd_config **out, char *err,
                          size_t errlen)
{
    return read_config(path, text, out, err, errlen);
}

const struct nd_source_conf *nd_config_source(const struct nd_config *c, const char *id)
{
    for (size_t i = 0; i < c->n_sources; i++)
        if (strcmp(c->sources[i].id, id) == 0)
            return &c->sources[i];
    return NULL;
}

const char *nd_config_default_path(void)
{
    return NEWSD_SYSCONFDIR "/newsd/newsd.conf";
}

/* --- the table as documentation ----------------------------------------------------------- */

/* The global row a source row inherits from, or NULL. */
static const struct setting *heir_of(const struct setting *st)
{
    for (size_t i = 0; i < NELEM(global_settings); i++)
        if ((global_settings[i].type & INHERIT) && heir(&global_settings[i]) == st)
            return &global_settings[i];
    return NULL;
}

/* One row in words, the same for every format. */
struct row_words {
    char name[80];    /* its full path: sources.* for a source's */
    const char *type; /* "integer", "file"... */
    char def[128];    /* the default, "" for none */
    char bounds[128]; /* "1 to 64", "drop, mark, off", "" for none */
    const char *from; /* a source row: the global setting it inherits, else NULL */
    int restart, inherit, required;
};

static void row_words(const struct setting *st, int source, struct row_words *w)
{
    static const char *const types[] = {
        [S_INT] = "integer",
        [S_MS] = "number of seconds",
        [S_BOOL] = "boolean",
        [S_STR] = "string",
        [S_PATH] = "file",
        [S_STRLIST] = "list of strings",
        [S_ENUM] = "string",
        [S_LOGLEVEL] = "string",
        [S_FILTERS] = "list of filters",
    };
    const struct setting *from = source ? heir_of(st) : NULL;

    memset(w, 0, sizeof(*w));
    snprintf(w->name, sizeof(w->name), "%s%s", source ? "sources." : "", st->path);
    w->type = types[TYPE(st)];
    w->from = from ? from->path : NULL;
    w->restart = !!(st->type & RESTART);
    w->inherit = !!(st->type & INHERIT);
    w->required = !!(st->type & REQUIRED);
    switch (TYPE(st)) {
    case S_INT:
        if (st->def >= 0)
            snprintf(w->def, sizeof(w->def), "%lld", (long long)st->def);
        snprintf(w->bounds, sizeof(w->bounds), "%lld to %lld", (long long)st->min,
                 (long long)st->max);
        break;
    case S_MS:
        snprintf(w->def, sizeof(w->def), "%g", (double)st->def / 1000);
        snprintf(w->bounds, sizeof(w->bounds), "%g to %g", (double)st->min / 1000,
                 (double)st->max / 1000);
        break;
    case S_BOOL:
        if (st->def >= 0)
            snprintf(w->def, sizeof(w->def), "%s", st->def ? "true" : "false");
        break;
    case S_ENUM:
        snprintf(w->def, sizeof(w->def), "%s", st->values[st->def]);
        snprintf(w->bounds, sizeof(w->bounds), "one of ");
        values_list(st, w->bounds + 7, sizeof(w->bounds) - 7);
        break;
    case S_LOGLEVEL:
        snprintf(w->def, sizeof(w->def), "%s", st->str);
        snprintf(w->bounds, sizeof(w->bounds), "one of error, warning, notice, info, debug");
        break;
    case S_STRLIST:
        if (st->str)
            snprintf(w->def, sizeof(w->def), "[\"%s\"]", st->str);
        if (st->min > 0)
            snprintf(w->bounds, sizeof(w->bounds), "%lld to %lld", (long long)st->min,
                     (long long)st->max);
        else
            snprintf(w->bounds, sizeof(w->bounds), "up to %lld", (long long)st->max);
        break;
    default:
        if (st->str)
            snprintf(w->def, sizeof(w->def), "%s", st->str);
    }
}

/* A default as a reader sees it: the inherited setting, "required", the value or "none". */
static const char *shown_default(const struct row_words *w)
{
    return w->from ? w->from : w->required ? "required" : w->def[0] ? w->def : "none";
}

static void describe_text(FILE *fp, const struct setting *st, const struct row_words *w)
{
    fprintf(fp, "%-26s %-18s default %-24s %s", w->name, type_name(TYPE(st)), shown_default(w),
            st->doc);
    if (TYPE(st) == S_INT || TYPE(st) == S_MS)
        fprintf(fp, " [%s]", w->bounds);
    if (w->restart)
        fprintf(fp, "; changes at restart only");
    if (w->inherit)
        fprintf(fp, "; sources may set it too");
    fputc('\n', fp);
}

/* Markdown: one table row; `code` for names and values. */
static void describe_markdown(FILE *fp, const struct setting *st, const struct row_words *w,
                              int source)
{
    fprintf(fp, "| `%s` | %s | ", source ? st->path : w->name, w->type);
    if (w->from || w->def[0])
        fprintf(fp, "`%s` | ", shown_default(w));
    else
        fprintf(fp, "%s | ", shown_default(w));
    fprintf(fp, "%s | ", w->bounds);
    if (!source)
        fprintf(fp, "%s | %s | ", w->restart ? "restart" : "reload", w->inherit ? "yes" : "");
    for (const char *p = st->doc; *p; p++) {
        if (*p == '|') /* it would end the cell */
            fputc('\\', fp);
        fputc(*p, fp);
    }
    fputs(" |\n", fp);
}

/* roff: a value in bold, its quotes and minus signs escaped. */
static void man_value(FILE *fp, const char *v)
{
    fputc('"', fp);
    for (; *v; v++) {
        if (*v == '"')
            fputs("\\(dq", fp);
        else if (*v == '\\')
            fputs("\\e", fp);
        else if (*v == '-')
            fputs("\\-", fp);
        else
            fputc(*v, fp);
    }
    fputc('"', fp);
}

/* roff: the tag line of a setting's entry in newsd.conf(5); the text under it is hand-written. */
static void describe_man(FILE *fp, const struct setting *st, const struct row_words *w, int source)
{
    fputs(".BR ", fp);
    man_value(fp, source ? st->path : w->name);
    fprintf(fp, " \" (%s", w->type);
    if (w->required) {
        fputs(", required", fp);
    } else if (w->from || w->def[0]) {
        fputs(", default \" ", fp);
        man_value(fp, shown_default(w));
        fputs(" \"", fp);
    } else {
        fputs(", default none", fp);
    }
    if (w->bounds[0])
        fprintf(fp, ", %s", w->bounds);
    if (w->restart)
        fputs("; changes at restart only", fp);
    if (w->inherit)
        fputs("; also per source", fp);
    fputs(")\"\n", fp);
}

static void describe(FILE *fp, enum nd_config_format format, const struct setting *rows, size_t n,
                     int source)
{
    struct row_words w;

    if (format == ND_CONFIG_MARKDOWN)
        fputs(source ? "| setting | type | default | bounds | meaning |\n|---|---|---|---|---|\n"
                     : "| setting | type | default | bounds | at reload | per source | meaning "
                       "|\n|---|---|---|---|---|---|---|\n",
              fp);
    for (size_t i = 0; i < n; i++) {
        row_words(&rows[i], source, &w);
        if (format == ND_CONFIG_MARKDOWN)
            describe_markdown(fp, &rows[i], &w, source);
        else if (format == ND_CONFIG_MAN)
            describe_man(fp, &rows[i], &w, source);
        else
            describe_text(fp, &rows[i], &w);
    }
}

void nd_config_describe(FILE *fp, enum nd_config_format format)
{
    describe(fp, format, global_settings, NELEM(global_settings), 0);
    if (format == ND_CONFIG_MARKDOWN)
        fputc('\n', fp);
    describe(fp, format, source_settings, NELEM(source_settings), 1);
}

/* --- reload ------------------------------------------------------------------------------- */

static int same_value(const struct setting *st, const char *a, const char *b)
{
    const struct nd_strv *x = (const void *)a, *y = (const void *)b;

    switch (TYPE(st)) {
    case S_INT:
    case S_MS:
        return *(const int64_t *)a == *(const int64_t *)b;
    case S_BOOL:
    case S_ENUM:
    case S_LOGLEVEL:
        return *(const int *)a == *(const int *)b;
    case S_STRLIST:
        if (x->n != y->n)
            return 0;
        for (size_t i = 0; i < x->n; i++)
            if (strcmp(x->v[i], y->v[i]) != 0)
                return 0;
        return 1;
    default:
        return nd_str_same(*(char *const *)a, *(char *const *)b);
    }
}

static void copy_value(const struct setting *st, char *to, const char *from)
{
    const struct nd_strv *src = (const void *)from;
    struct nd_strv *dst = (void *)to;

    switch (TYPE(st)) {
    case S_INT:
    case S_MS:
        *(int64_t *)to = *(const int64_t *)from;
        break;
    case S_BOOL:
    case S_ENUM:
    case S_LOGLEVEL:
        *(int *)to = *(const int *)from;
        break;
    case S_STRLIST:
        nd_strv_free(dst);
        for (size_t i = 0; i < src->n; i++)
            nd_strv_push(dst, src->v[i]);
        break;
    default:
        nd_str_set((char **)to, *(char *const *)from);
    }
}

size_t nd_config_keep_restart(struct nd_config *next, const struct nd_config *running,
                              char *changed, size_t len)
{
    size_t n = 0, o = 0;

    if (len)
        changed[0] = '\0';
    for (size_t i = 0; i < NELEM(global_settings); i++) {
        const struct setting *st = &global_settings[i];
        char *to = (char *)next + st->off;
        const char *from = (const char *)running + st->off;

        if (!(st->type & RESTART) || same_value(st, to, from))
            continue;
        if (o < len)
            o += (size_t)snprintf(changed + o, len - o, "%s%s", n ? ", " : "", st->path);
        n++;
        copy_value(st, to, from);
    }
    next->nats.on = running->nats.on;       /* the sink is on with its servers, a RESTART row */
    next->cluster.on = running->cluster.on; /* and cluster mode with its node */
    return n;
}

/* --- newsctl's lenient read ---------------------------------------------------------------- */

/* The default of a global row (a string setting or the first of a list). */
static const char *default_str(const char *path)
{
    for (size_t i = 0; i < NELEM(global_settings); i++)
        if (strcmp(global_settings[i].path, path) == 0)
            return global_settings[i].str;
    return NULL;
}

/* A string at path (or the first string of a list there), or NULL with a warning when unusable. */
static const char *client_string(config_t *lc, const char *file, const char *path, int list,
                                 char *warn, size_t warnlen)
{
    const config_setting_t *s = config_lookup(lc, path);
    const config_setting_t *e = s;

    if (s == NULL)
        return NULL;
    if (list &&
        (config_setting_type(s) == CONFIG_TYPE_ARRAY || config_setting_type(s) == CONFIG_TYPE_LIST))
        e = config_setting_get_elem(s, 0);
    if (e && config_setting_type(e) == CONFIG_TYPE_STRING && *config_setting_get_string(e))
        return config_setting_get_string(e);
    if (warn[0] == '\0')
        snprintf(warn, warnlen, "%s:%d: '%s' is not %s: newsd would refuse this file",
                 config_setting_source_file(s) ? config_setting_source_file(s) : file,
                 config_setting_source_line(s), path, list ? "a list of endpoints" : "a string");
    return NULL;
}

#define CLIENT_SKIP_MAX 16 /* lines a lenient read blanks out, at most */

/*
 * The file path that libconfig could not read, read again with the line of
 * each syntax error blanked out (up to CLIENT_SKIP_MAX of them), so that the
 * settings before and after a typo are still found.  Only errors in path
 * itself, not in a file it includes.  1 when lc holds what could be read.
 */
static int read_around_errors(config_t *lc, const char *path)
{
    char *text;
    size_t len;
    int ok = 0;

    if (nd_read_file(path, 16 << 20, &text, &len) != ND_OK)
        return 0;
    for (int n = 0; n < CLIENT_SKIP_MAX && !ok; n++) {
        const char *file = config_error_file(lc);
        int line = config_error_line(lc);
        char *p = text;

        if (line < 1 || (file && strcmp(file, path) != 0))
            break;
        for (int l = 1; l < line && p; l++)
            if ((p = strchr(p, '\n')) != NULL)
                p++;
        if (p == NULL)
            break;
        for (; *p && *p != '\n'; p++)
            *p = ' ';
        ok = config_read_string(lc, text) == CONFIG_TRUE;
    }
    free(text);
    return ok;
}

int nd_config_load_client(const char *path, struct nd_client_conf *out, char *warn, size_t warnlen)
{
    char *abs = absolute_path(path), *dir = xstrdup(abs), *slash = strrchr(dir, '/');
    const char *v;
    config_t lc;
    int rc = ND_OK, readable;

    memset(out, 0, sizeof(*out));
    warn[0] = '\0';
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    config_init(&lc);
    config_set_include_dir(&lc, dir);
    if (access(path, R_OK) != 0) {
        snprintf(warn, warnlen, "%s: %s", path, strerror(errno));
        rc = ND_EIO;
        readable = 0;
    } else if (!(readable = config_read_file(&lc, path) == CONFIG_TRUE)) {
        snprintf(warn, warnlen, "%s:%d: %s: newsd would refuse this file",
                 config_error_file(&lc) ? config_error_file(&lc) : path, config_error_line(&lc),
                 config_error_text(&lc));
        readable = read_around_errors(&lc, path);
    }
    v = readable ? client_string(&lc, path, "control.endpoint", 0, warn, warnlen) : NULL;
    out->control_endpoint = xstrdup(v ? v : default_str("control.endpoint"));
    v = readable ? client_string(&lc, path, "publish.endpoints", 1, warn, warnlen) : NULL;
    out->publish_endpoint = xstrdup(v ? v : default_str("publish.endpoints"));
    absolutize_endpoint(dir, &out->control_endpoint);
    absolutize_endpoint(dir, &out->publish_endpoint);
    v = readable ? client_string(&lc, path, "control.curve_secret_key", 0, warn, warnlen) : NULL;
    out->control_secret_key = v ? relative_to(dir, v) : NULL;
    v = readable ? client_string(&lc, path, "publish.curve_secret_key", 0, warn, warnlen) : NULL;
    out->publish_secret_key = v ? relative_to(dir, v) : NULL;
    config_destroy(&lc);
    free(dir);
    free(abs);
    return rc;
}

void nd_client_conf_clear(struct nd_client_conf *c)
{
    free(c->control_endpoint);
    free(c->publish_endpoint);
    free(c->control_secret_key);
    free(c->publish_secret_key);
    memset(c, 0, sizeof(*c));
}
