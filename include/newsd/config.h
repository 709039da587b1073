/*
 * config.h: the configuration, read from a libconfig file into one
 * immutable struct.  One table of settings (config.c) carries each key's
 * type, default, bounds, whether a reload may change it and whether sources
 * inherit it; it drives parsing, validation, `newsd --check-config`, the
 * reload and the documentation (`newsd --help-config`).
 */
#ifndef NEWSD_CONFIG_H
#define NEWSD_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "newsd/filter.h"
#include "newsd/util.h"

enum nd_near_mode {
    ND_NEAR_DROP = 0,
    ND_NEAR_MARK = 1,
    ND_NEAR_OFF = 2,
};

struct nd_source_conf {
    char *id;
    char *url;               /* as configured; a relative file: URL is made absolute */
    char *title;             /* optional display title, or NULL (then the feed's own title) */
    char *topic;             /* default "news.<id>" */
    int64_t interval;        /* seconds */
    int64_t timeout;         /* seconds, whole transfer */
    int64_t connect_timeout; /* seconds */
    int64_t max_body;        /* bytes, decoded */
    int allow_private;       /* may reach private addresses (explicit, inherited or implied) */
    int enabled;
    struct nd_strv headers;     /* extra request headers, "Name: value" */
    struct nd_filters *filters; /* the source's own keep/drop rules (a reference), or NULL */
    int line;                   /* line of the source in the file */
};

/* ZeroMQ CURVE for a bound socket: both set, or neither. */
struct nd_curve_conf {
    char *secret_key; /* file holding the server's secret key (Z85), or NULL */
    char *clients;    /* file of allowed client public keys, or NULL */
};

/* The JetStream sink (publish.nats): off when servers is empty. */
struct nd_nats_conf {
    int on;                   /* the group is there (then servers has one at least) */
    struct nd_strv servers;   /* nats:// or tls:// URLs */
    char *stream;             /* stream name, created if absent */
    char *subject_prefix;     /* subject = prefix "." sanitised topic */
    char *credentials;        /* .creds file (JWT and NKey seed), or NULL */
    char *tls_ca;             /* CA bundle to verify the servers, or NULL */
    char *tls_cert, *tls_key; /* client certificate and key, both or neither */
    int64_t replicas;         /* of a stream this node creates */
    int64_t duplicate_window; /* seconds, of a stream this node creates */
};

/*
 * Cluster mode (cluster): off when the group is not there.  Sources are
 * hashed into slots; each node polls the sources of the slots it leases in
 * a JetStream key-value bucket (cluster.h).  Needs publish.nats, whose
 * credentials and TLS files it uses too.
 */
struct nd_cluster_conf {
    int on;                 /* the group is there */
    char *node;             /* this node's name: unique, stable across restarts */
    struct nd_strv servers; /* nats:// or tls:// URLs; default publish.nats.servers */
    char *bucket;           /* key-value bucket of the slot leases */
    int64_t lease_ttl;      /* seconds a lease lives without renewal */
    int64_t slots;          /* sources are hashed into this many slots */
    int64_t replicas;       /* of a bucket this node creates */
};

struct nd_config {
    char *path; /* the file, absolute */
    char *dir;  /* its folder */
    char *state_dir;
    int log_level;
    char *user_agent; /* the user_agent setting, else newsd's own with the contact, or NULL */
    char *contact;    /* the operator's address (the contact setting), or NULL */
    int allow_private;
    struct nd_strv publish_endpoints;
    int64_t publish_hwm;
    struct nd_curve_conf publish_curve;
    struct nd_nats_conf nats;
    struct nd_cluster_conf cluster;
    char *control_endpoint;
    char *control_group; /* or NULL */
    struct nd_curve_conf control_curve;
    /* defaults for sources */
    int64_t interval, timeout, connect_timeout, max_body;
    /* scheduler */
    int64_t min_interval, max_backoff, max_in_flight, max_per_host, shutdown_timeout;
    int64_t host_spacing_ms;
    /* dedupe */
    enum nd_near_mode near_mode;
    int64_t near_distance, near_window;
    /* retention, seconds */
    int64_t journal_retention, seen_retention;
    /* metrics: "HOST:PORT" to serve /metrics and /healthz on, or NULL (off) */
    char *metrics_listen;
    int metrics_allow_remote;
    struct nd_filters *filters; /* the global keep/drop rules (a reference), or NULL */
    struct nd_source_conf *sources;
    size_t n_sources;
};

/*
 * Read and validate a configuration file.  On success *out is a new
 * config (caller frees with nd_config_free).  On failure returns
 * ND_EINVAL and writes "file:line: reason" into err.
 */
int nd_config_load(const char *path, struct nd_config **out, char *err, size_t errlen) ND_WUR;
/*
 * The same from text in memory; path names it in messages and gives the
 * folder that relative paths and @include are taken from.
 */
int nd_config_load_string(const char *text, const char *path, struct nd_config **out, char *err,
                          size_t errlen) ND_WUR;
void nd_config_free(struct nd_config *c);

/* Deep copy of a source's settings into dst; free with nd_source_conf_clear. */
void nd_source_conf_copy(struct nd_source_conf *dst, const struct nd_source_conf *src);
void nd_source_conf_clear(struct nd_source_conf *s);

/* The source with this id, or NULL. */
const struct nd_source_conf *nd_config_source(const struct nd_config *c, const char *id);

/* Is id a valid source id ([a-z0-9][a-z0-9._-]*, 64 characters at most)? */
int nd_config_valid_id(const char *id);

/* The default configuration file path. */
const char *nd_config_default_path(void);

enum nd_config_format {
    ND_CONFIG_TEXT,     /* newsd --help-config: a line a setting */
    ND_CONFIG_MARKDOWN, /* the tables of docs/configuration.md */
    ND_CONFIG_MAN,      /* the tag line of each setting's entry in newsd.conf(5) */
};

/*
 * Print every setting with its type, default, bounds, what a reload does
 * with it and whether sources inherit it: the documentation is generated
 * from (or checked against) this, so it says what the parser does.
 */
void nd_config_describe(FILE *fp, enum nd_config_format format);

/*
 * Reload: the settings that change only at restart (bound sockets, open
 * files) keep their running values in next.  Returns how many of them the
 * new file changed, their names in changed ("a, b"; may be cut short).
 */
size_t nd_config_keep_restart(struct nd_config *next, const struct nd_config *running,
                              char *changed, size_t len);

/*
 * What newsctl needs from a configuration file, read leniently: a typo
 * elsewhere in the file does not keep newsctl from reaching the daemon.
 */
struct nd_client_conf {
    char *control_endpoint;   /* control.endpoint, absolute */
    char *publish_endpoint;   /* the first of publish.endpoints, absolute */
    char *control_secret_key; /* control.curve_secret_key (a path), or NULL */
    char *publish_secret_key; /* publish.curve_secret_key (a path), or NULL */
};

/*
 * Read only those keys from path, each as newsd would (relative paths and
 * ipc endpoints against the file's folder), the built-in default for one
 * that is missing.  A key that is there but unusable also gives the
 * default, with one line saying so in warn (else warn is "").  A file
 * libconfig cannot read is read again with the lines of its syntax errors
 * blanked out (a few of them), so that a typo elsewhere does not hide the
 * keys; warn names the first error.  ND_EIO when the file cannot be opened (why in warn,
 * and out has the defaults); 0 otherwise.  Free with nd_client_conf_clear().
 */
int nd_config_load_client(const char *path, struct nd_client_conf *out, char *warn,
                          size_t warnlen) ND_WUR;
void nd_client_conf_clear(struct nd_client_conf *c);

#endif
