/*
 * test_config.c: the configuration table: defaults, validation, file:line.
 */
#include <check.h>
#include <string.h>

#include "newsd/config.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
}

static void teardown(void)
{
    tu_rmrf(dir);
    free(dir);
}

/* Load text as a config; returns the config or NULL with err filled. */
static struct nd_config *load(const char *text, char *err, size_t errlen)
{
    char *path = tu_write(dir, "newsd.conf", text);
    struct nd_config *cfg = NULL;
    int rc = nd_config_load(path, &cfg, err, errlen);
    free(path);
    ck_assert(rc == ND_OK ? cfg != NULL : cfg == NULL);
    return cfg;
}

/* The error for text must contain "newsd.conf:LINE:" and what. */
static void refused(const char *text, int line, const char *what)
{
    char err[1024], at[64];
    struct nd_config *cfg = load(text, err, sizeof(err));

    ck_assert_msg(cfg == NULL, "accepted: %s", text);
    snprintf(at, sizeof(at), "newsd.conf:%d: ", line);
    ck_assert_msg(strstr(err, at) != NULL, "expected %s in '%s'", at, err);
    ck_assert_msg(strstr(err, what) != NULL, "expected '%s' in '%s'", what, err);
}

START_TEST(defaults)
{
    char err[1024];
    struct nd_config *cfg =
        load("sources = ( { id = \"a\"; url = \"https://example.org/f\"; } );", err, sizeof(err));

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->state_dir, "/var/lib/newsd");
    ck_assert_int_eq(cfg->publish_endpoints.n, 1);
    ck_assert_str_eq(cfg->publish_endpoints.v[0], "tcp://127.0.0.1:5556");
    ck_assert_str_eq(cfg->control_endpoint, "ipc:///run/newsd/control.sock");
    ck_assert_int_eq(cfg->interval, 900);
    ck_assert_int_eq(cfg->timeout, 30);
    ck_assert_int_eq(cfg->max_body, 16777216);
    ck_assert_int_eq(cfg->near_mode, ND_NEAR_DROP);
    ck_assert_int_eq(cfg->allow_private, 0);
    ck_assert_int_eq(cfg->n_sources, 1);
    ck_assert_str_eq(cfg->sources[0].topic, "news.a");
    ck_assert_int_eq(cfg->sources[0].interval, 900);
    ck_assert_int_eq(cfg->sources[0].allow_private, 0);
    ck_assert_int_eq(cfg->sources[0].enabled, 1);
    nd_config_free(cfg);
}
END_TEST

START_TEST(full)
{
    char err[1024];
    struct nd_config *cfg =
        load("state_dir = \"state\";\n"
             "allow_private = false;\n"
             "publish: { endpoints = [ \"tcp://127.0.0.1:7000\", \"ipc://pub.sock\" ]; };\n"
             "control: { endpoint = \"ipc://ctl/control.sock\"; };\n"
             "defaults: { interval = 60; timeout = 5; max_body = 4096; };\n"
             "dedupe: { near_duplicates = \"mark\"; };\n"
             "sources = (\n"
             "  { id = \"x-1.y_z\"; url = \"http://127.0.0.1:8080/a.xml\"; interval = 1;\n"
             "    topic = \"t.x\"; headers = [ \"X-Token: abc\" ]; },\n"
             "  { id = \"b\"; url = \"https://example.org/b\"; max_body = 2048; allow_private = "
             "true; },\n"
             "  { id = \"local\"; url = \"file:samples/a.rss\"; }\n"
             ");\n",
             err, sizeof(err));
    char *p;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert(asprintf(&p, "%s/state", dir) > 0);
    ck_assert_str_eq(cfg->state_dir, p);
    free(p);
    ck_assert(asprintf(&p, "ipc://%s/ctl/control.sock", dir) > 0);
    ck_assert_str_eq(cfg->control_endpoint, p);
    free(p);
    ck_assert(asprintf(&p, "ipc://%s/pub.sock", dir) > 0);
    ck_assert_str_eq(cfg->publish_endpoints.v[1], p);
    free(p);
    ck_assert_int_eq(cfg->near_mode, ND_NEAR_MARK);
    ck_assert_int_eq(cfg->sources[0].interval, 1);
    ck_assert_int_eq(cfg->sources[0].timeout, 5);
    ck_assert_int_eq(cfg->sources[0].max_body, 4096);
    ck_assert_str_eq(cfg->sources[0].topic, "t.x");
    ck_assert_int_eq(cfg->sources[0].allow_private, 1); /* its own URL names 127.0.0.1 */
    ck_assert_str_eq(cfg->sources[0].headers.v[0], "X-Token: abc");
    ck_assert_int_eq(cfg->sources[1].interval, 60);
    ck_assert_int_eq(cfg->sources[1].max_body, 2048);
    ck_assert_int_eq(cfg->sources[1].allow_private, 1);
    ck_assert(asprintf(&p, "file://%s/samples/a.rss", dir) > 0);
    ck_assert_str_eq(cfg->sources[2].url, p);
    free(p);
    ck_assert_int_eq(cfg->sources[2].allow_private, 0);
    ck_assert_ptr_nonnull(nd_config_source(cfg, "b"));
    ck_assert_ptr_null(nd_config_source(cfg, "nope"));
    nd_config_free(cfg);
}
END_TEST

START_TEST(refusals)
{
    refused("state_dir = \"x\";\nstatedir = \"y\";\n", 2, "unknown setting 'statedir'");
    refused("defaults: {\n  interval = 60;\n  intervl = 5;\n};\n", 3,
            "unknown setting 'defaults.intervl'");
    refused("sources = (\n { id = \"a\"; url = \"http://e.org/\";\n   intervl = 5; }\n);\n", 3,
            "unknown setting 'intervl'");
    refused("defaults: { interval = -5; };\n", 1, "between");
    refused("defaults: { interval = \"5\"; };\n", 1, "integer");
    refused("\n\ndedupe: { near_duplicates = \"maybe\"; };\n", 3, "drop, mark, off");
    refused("sources = (\n { id = \"a\"; url = \"http://e.org/1\"; },\n"
            " { id = \"a\"; url = \"http://e.org/2\"; }\n);\n",
            3, "duplicate source id 'a'");
    refused("sources = ( { id = \"Bad Id\"; url = \"http://e.org/\"; } );\n", 1, "must match");
    refused("sources = ( { id = \"a\"; url = \"gopher://e.org/\"; } );\n", 1, "url must be");
    refused("sources = ( { id = \"a\"; } );\n", 1, "without 'url'");
    refused("sources = ( { url = \"http://e.org/\"; } );\n", 1, "without 'id'");
    refused("publish: { endpoints = [ \"localhost:5556\" ]; };\n", 1, "not a ZeroMQ endpoint");
    refused("publish: { endpoints = [ ]; };\n", 1, "between 1 and");
    refused("log_level = \"loud\";\n", 1, "log_level");
    refused("allow_private = 1;\n", 1, "true or false");
    refused("defaults = 5;\n", 1, "must be a group");
    refused("sources = ( { id = \"a\"; url = \"http://e.org/\"; headers = [ \"nocolon\" ]; } );\n",
            1, "Name: value");
    refused("state_dir = \"x\";\nlog_level = ;\n", 2, "syntax error");
}
END_TEST

START_TEST(nats)
{
    char err[1024], *p;
    struct nd_config *cfg = load("", err, sizeof(err));

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->nats.on, 0); /* no group, no sink */
    ck_assert_int_eq(cfg->nats.servers.n, 0);
    nd_config_free(cfg);

    free(tu_write(dir, "nats.creds", "x"));
    cfg =
        load("publish: { nats: { servers = [ \"nats://127.0.0.1:4222\" ]; }; };", err, sizeof(err));
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->nats.on, 1);
    ck_assert_str_eq(cfg->nats.stream, "NEWS");
    ck_assert_str_eq(cfg->nats.subject_prefix, "newsd");
    ck_assert_int_eq(cfg->nats.replicas, 1);
    ck_assert_int_eq(cfg->nats.duplicate_window, 3600);
    ck_assert_ptr_null(cfg->nats.credentials);
    nd_config_free(cfg);

    cfg = load("publish: {\n nats: {\n  servers = [ \"nats://a:4222\", \"tls://b:4222\" ];\n"
               "  stream = \"ARTICLES_1\"; subject_prefix = \"corp.news\";\n"
               "  credentials = \"nats.creds\"; replicas = 3; duplicate_window = 600;\n };\n};\n",
               err, sizeof(err));
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->nats.servers.n, 2);
    ck_assert_str_eq(cfg->nats.servers.v[1], "tls://b:4222");
    ck_assert_str_eq(cfg->nats.stream, "ARTICLES_1");
    ck_assert_str_eq(cfg->nats.subject_prefix, "corp.news");
    ck_assert_int_eq(cfg->nats.replicas, 3);
    ck_assert_int_eq(cfg->nats.duplicate_window, 600);
    ck_assert(asprintf(&p, "%s/nats.creds", dir) > 0); /* relative to the file's folder */
    ck_assert_str_eq(cfg->nats.credentials, p);
    free(p);
    nd_config_free(cfg);

    refused("publish: {\n nats: { stream = \"N\"; };\n};\n", 2, "needs 'servers'");
    refused("publish: { nats: { servers = [ ]; }; };\n", 1, "between 1 and");
    refused("publish: {\n nats: {\n  servers = [ \"127.0.0.1:4222\" ];\n };\n};\n", 3,
            "not nats://HOST:PORT");
    refused("publish: { nats: {\n servers = [ \"nats://a:1\" ];\n sever = 1; }; };\n", 3,
            "unknown setting 'publish.nats.sever'");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ];\n stream = \"a.b\"; }; };\n", 2,
            "'publish.nats.stream' \"a.b\"");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ];\n subject_prefix = \"a..b\"; }; };\n",
            2, "'publish.nats.subject_prefix'");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ];\n subject_prefix = \"a.>\"; }; };\n",
            2, "'publish.nats.subject_prefix'");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ];\n tls_cert = \"nats.creds\"; }; };\n",
            2, "go together");
    refused(
        "publish: { nats: { servers = [ \"nats://a:1\" ];\n credentials = \"none.creds\"; }; };\n",
        2, "none.creds");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ];\n replicas = 7; }; };\n", 2,
            "between 1 and 5");
    refused("publish: { nats = 1; };\n", 1, "must be a group");
}
END_TEST

START_TEST(cluster)
{
    struct nd_config *cfg;
    char err[512];
    const char *sink =
        "publish: { nats: { servers = [ \"nats://a:4222\", \"nats://b:4222\" ]; }; };\n";
    char *text;

    cfg = load("", err, sizeof(err));
    ck_assert_ptr_nonnull(cfg);
    ck_assert_int_eq(cfg->cluster.on, 0); /* no group: one node, as before */
    nd_config_free(cfg);

    ck_assert(asprintf(&text, "%scluster: { node = \"n-1\"; };\n", sink) > 0);
    cfg = load(text, err, sizeof(err));
    free(text);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->cluster.on, 1);
    ck_assert_str_eq(cfg->cluster.node, "n-1");
    ck_assert_str_eq(cfg->cluster.bucket, "newsd");
    ck_assert_int_eq(cfg->cluster.lease_ttl, 30);
    ck_assert_int_eq(cfg->cluster.slots, 1024);
    ck_assert_int_eq(cfg->cluster.servers.n, 2); /* publish.nats.servers */
    ck_assert_str_eq(cfg->cluster.servers.v[1], "nats://b:4222");
    nd_config_free(cfg);

    ck_assert(asprintf(&text,
                       "%scluster: { node = \"n2\"; servers = [ \"nats://c:1\" ];\n"
                       " bucket = \"leases\"; lease_ttl = 6; slots = 64; replicas = 3; };\n",
                       sink) > 0);
    cfg = load(text, err, sizeof(err));
    free(text);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->cluster.servers.n, 1);
    ck_assert_str_eq(cfg->cluster.servers.v[0], "nats://c:1");
    ck_assert_str_eq(cfg->cluster.bucket, "leases");
    ck_assert_int_eq(cfg->cluster.lease_ttl, 6);
    ck_assert_int_eq(cfg->cluster.slots, 64);
    ck_assert_int_eq(cfg->cluster.replicas, 3);
    nd_config_free(cfg);

    refused("\ncluster: { node = \"n1\"; };\n", 2, "cluster needs publish.nats");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\ncluster: { };\n", 2,
            "needs 'node'");
    refused(
        "publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\ncluster: {\n node = \"a.b\"; };\n",
        3, "'cluster.node' \"a.b\"");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\n"
            "cluster: { node = \"n\";\n bucket = \"a b\"; };\n",
            3, "'cluster.bucket'");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\n"
            "cluster: { node = \"n\";\n servers = [ \"a:1\" ]; };\n",
            3, "not nats://HOST:PORT");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\n"
            "cluster: { node = \"n\";\n lease_ttl = 1; };\n",
            3, "between 3 and 3600");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\n"
            "cluster: { node = \"n\";\n slots = 0; };\n",
            3, "between 1 and 65536");
    refused("publish: { nats: { servers = [ \"nats://a:1\" ]; }; };\n"
            "cluster: { node = \"n\";\n nodes = 3; };\n",
            3, "unknown setting 'cluster.nodes'");
}
END_TEST

START_TEST(missing_file)
{
    struct nd_config *cfg;
    char err[512];

    ck_assert_int_eq(nd_config_load("/nonexistent/newsd.conf", &cfg, err, sizeof(err)), ND_EINVAL);
    ck_assert_ptr_null(cfg);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/newsd.conf"));
}
END_TEST

START_TEST(shipped_config)
{
    char *path, err[1024];
    struct nd_config *cfg;
    const char *data = getenv("NEWSD_TEST_DATA");

    ck_assert_ptr_nonnull(data);
    ck_assert(asprintf(&path, "%s/../../etc/newsd.conf", data) > 0);
    ck_assert_msg(nd_config_load(path, &cfg, err, sizeof(err)) == ND_OK, "%s", err);
    ck_assert_int_ge(cfg->n_sources, 4);
    nd_config_free(cfg);
    free(path);
}
END_TEST

/* A reload keeps what lives in bound sockets and open files, and names what it kept. */
START_TEST(keep_restart)
{
    char err[1024], changed[256];
    struct nd_config *run, *next;

    run = load("state_dir = \"/a\";\npublish: { endpoints = [\"tcp://127.0.0.1:1\"]; hwm = 5; };\n"
               "defaults: { interval = 60; };\nlog_level = \"info\";\n",
               err, sizeof(err));
    ck_assert_msg(run != NULL, "%s", err);
    next = load("state_dir = \"/b\";\npublish: { endpoints = [\"tcp://127.0.0.1:1\", "
                "\"tcp://127.0.0.1:2\"]; hwm = 5; };\ndefaults: { interval = 120; };\n"
                "log_level = \"debug\";\ncontrol: { group = \"news\"; };\n",
                err, sizeof(err));
    ck_assert_msg(next != NULL, "%s", err);
    ck_assert_int_eq(nd_config_keep_restart(next, run, changed, sizeof(changed)), 3);
    ck_assert_str_eq(changed, "state_dir, publish.endpoints, control.group");
    ck_assert_str_eq(next->state_dir, "/a");
    ck_assert_int_eq(next->publish_endpoints.n, 1);
    ck_assert_ptr_null(next->control_group);
    ck_assert_int_eq(next->interval, 120); /* reloadable: the new value */
    ck_assert_int_eq(next->log_level, 7);
    ck_assert_int_eq(nd_config_keep_restart(next, run, changed, sizeof(changed)), 0);
    ck_assert_str_eq(changed, "");
    nd_config_free(next);
    /* a JetStream sink added by a reload waits for a restart, off as it runs */
    next = load("state_dir = \"/a\";\npublish: { endpoints = [\"tcp://127.0.0.1:1\"]; hwm = 5; "
                "nats: { servers = [\"nats://127.0.0.1:4222\"]; stream = \"S\"; }; };\n",
                err, sizeof(err));
    ck_assert_msg(next != NULL, "%s", err);
    ck_assert_int_eq(next->nats.on, 1);
    ck_assert_int_eq(nd_config_keep_restart(next, run, changed, sizeof(changed)), 2);
    ck_assert_str_eq(changed, "publish.nats.servers, publish.nats.stream");
    ck_assert_int_eq(next->nats.on, 0);
    ck_assert_int_eq(next->nats.servers.n, 0);
    ck_assert_str_eq(next->nats.stream, "NEWS");
    nd_config_free(run);
    nd_config_free(next);
}
END_TEST

/* newsctl reads its few keys from a file newsd would refuse. */
START_TEST(client_lenient)
{
    struct nd_client_conf cc;
    char warn[512], *path;

    path = tu_write(dir, "newsd.conf",
                    "intervl = 5;\ncontrol: { endpoint = \"ipc://ctl.sock\"; "
                    "curve_secret_key = \"k/server.key\"; };\npublish: { endpoints = "
                    "[\"tcp://127.0.0.1:7\"]; hwm = \"x\"; };\nsources = ( { id = \"BAD\"; } );\n");
    ck_assert_int_eq(nd_config_load_client(path, &cc, warn, sizeof(warn)), ND_OK);
    ck_assert_str_eq(warn, "");
    ck_assert_ptr_nonnull(strstr(cc.control_endpoint, "ctl.sock"));
    ck_assert_int_eq(strncmp(cc.control_endpoint, "ipc:///", 7), 0); /* made absolute */
    ck_assert_str_eq(cc.publish_endpoint, "tcp://127.0.0.1:7");
    ck_assert_ptr_nonnull(strstr(cc.control_secret_key, "/k/server.key"));
    ck_assert_ptr_null(cc.publish_secret_key);
    nd_client_conf_clear(&cc);
    free(path);

    /* a key newsctl needs that is unusable: the default, and a line saying why */
    path = tu_write(dir, "newsd.conf", "control: { endpoint = 5; };\n");
    ck_assert_int_eq(nd_config_load_client(path, &cc, warn, sizeof(warn)), ND_OK);
    ck_assert_str_eq(cc.control_endpoint, "ipc:///run/newsd/control.sock");
    ck_assert_str_eq(cc.publish_endpoint, "tcp://127.0.0.1:5556");
    ck_assert_msg(strstr(warn, "newsd.conf:1: 'control.endpoint' is not a string") != NULL, "%s",
                  warn);
    nd_client_conf_clear(&cc);
    free(path);

    /* syntax errors: read around them, and libconfig's file:line of the first */
    path = tu_write(dir, "newsd.conf",
                    "control: { endpoint = \"ipc:///c.sock\"; };\nlog_level = ;\n"
                    "sources = ( { id = \"a\" url = \"http://x/\"; } );\n"
                    "publish: { endpoints = [ \"tcp://127.0.0.1:7\" ]; };\n");
    ck_assert_int_eq(nd_config_load_client(path, &cc, warn, sizeof(warn)), ND_OK);
    ck_assert_str_eq(cc.control_endpoint, "ipc:///c.sock");
    ck_assert_str_eq(cc.publish_endpoint, "tcp://127.0.0.1:7");
    ck_assert_msg(strstr(warn, "newsd.conf:2: syntax error") != NULL, "%s", warn);
    nd_client_conf_clear(&cc);
    free(path);
    /* past what can be read around: the defaults */
    path = tu_write(dir, "newsd.conf", "control: { endpoint = \"ipc:///c.sock\";\n");
    ck_assert_int_eq(nd_config_load_client(path, &cc, warn, sizeof(warn)), ND_OK);
    ck_assert_str_eq(cc.control_endpoint, "ipc:///run/newsd/control.sock");
    ck_assert_msg(strstr(warn, "newsd would refuse") != NULL, "%s", warn);
    nd_client_conf_clear(&cc);
    free(path);

    ck_assert_int_eq(nd_config_load_client("/nonexistent/newsd.conf", &cc, warn, sizeof(warn)),
                     ND_EIO);
    ck_assert_ptr_nonnull(strstr(warn, "/nonexistent/newsd.conf: No such file"));
    /* and the defaults, for newsctl without -c and without an installed file */
    ck_assert_str_eq(cc.control_endpoint, "ipc:///run/newsd/control.sock");
    ck_assert_str_eq(cc.publish_endpoint, "tcp://127.0.0.1:5556");
    nd_client_conf_clear(&cc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, full);
    tcase_add_test(tc, refusals);
    tcase_add_test(tc, nats);
    tcase_add_test(tc, cluster);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, shipped_config);
    tcase_add_test(tc, keep_restart);
    tcase_add_test(tc, client_lenient);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
