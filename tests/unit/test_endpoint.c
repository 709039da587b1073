/*
 * test_endpoint.c: binding endpoints (endpoint.h) and CURVE key files
 * (curve.h): a live socket file is never taken over, a dead one is, only
 * newsd's own file is removed, and which endpoints count as local.
 */
#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "newsd/curve.h"
#include "newsd/endpoint.h"
#include "testutil.h"

static char *dir;
static void *ctx;

static void setup(void)
{
    dir = tu_tmpdir();
    ctx = zmq_ctx_new();
}

static void teardown(void)
{
    zmq_ctx_term(ctx);
    tu_rmrf(dir);
    free(dir);
}

static void *sock(void)
{
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    return s;
}

START_TEST(live_socket_is_refused_and_kept)
{
    char ep[512], err[512];
    struct nd_ipc_file f1, f2;
    void *a = sock(), *b = sock(), *c = zmq_socket(ctx, ZMQ_DEALER);
    struct stat sb;

    snprintf(ep, sizeof(ep), "ipc://%s/run/control.sock", dir);
    ck_assert_int_eq(nd_endpoint_bind(a, ep, 0660, NULL, &f1, err, sizeof(err)), ND_OK);
    ck_assert_int_eq(stat(ep + 6, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0660);
    /* a second binder is refused and leaves the file alone */
    ck_assert_int_eq(nd_endpoint_bind(b, ep, 0660, NULL, &f2, err, sizeof(err)), ND_EEXIST);
    ck_assert_ptr_nonnull(strstr(err, "in use"));
    ck_assert_ptr_null(f2.path);
    zmq_close(b);
    /* the first one still answers */
    ck_assert_int_eq(zmq_connect(c, ep), 0);
    ck_assert_int_eq(zmq_send(c, "hi", 2, 0), 2);
    {
        char id[256], buf[8];
        ck_assert_int_ge(zmq_recv(a, id, sizeof(id), 0), 0);
        ck_assert_int_eq(zmq_recv(a, buf, sizeof(buf), 0), 2);
    }
    zmq_close(c);
    zmq_close(a);
    nd_ipc_file_remove(&f1);
    ck_assert_int_ne(stat(ep + 6, &sb), 0);
}
END_TEST

START_TEST(stale_socket_is_replaced_and_others_files_kept)
{
    char ep[600], err[512], path[512];
    struct nd_ipc_file f;
    void *a = sock();
    struct stat sb;
    int fd;

    /* a socket file nobody listens on: left by a daemon that was killed */
    snprintf(path, sizeof(path), "%s/stale.sock", dir);
    snprintf(ep, sizeof(ep), "ipc://%s", path);
    {
        void *old = sock();
        struct nd_ipc_file of;
        ck_assert_int_eq(nd_endpoint_bind(old, ep, 0, NULL, &of, err, sizeof(err)), ND_OK);
        zmq_close(old); /* closes the listening socket, the file stays (never removed here) */
        free(of.path);
        usleep(100 * 1000);
    }
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(nd_endpoint_bind(a, ep, 0, NULL, &f, err, sizeof(err)), ND_OK);
    zmq_close(a);
    usleep(100 * 1000);
    /* another daemon's socket now stands at the path (ours was stale): not ours to remove,
     * even when the file system gives it our old inode number */
    {
        void *b = sock();
        struct nd_ipc_file bf;
        ck_assert_int_eq(nd_endpoint_bind(b, ep, 0, NULL, &bf, err, sizeof(err)), ND_OK);
        nd_ipc_file_remove(&f);
        ck_assert_int_eq(stat(path, &sb), 0);
        zmq_close(b);
        nd_ipc_file_remove(&bf);
        ck_assert_int_ne(stat(path, &sb), 0);
    }
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    /* and a regular file at the path is refused, not replaced */
    a = sock();
    ck_assert_int_eq(nd_endpoint_bind(a, ep, 0, NULL, &f, err, sizeof(err)), ND_EEXIST);
    ck_assert_ptr_nonnull(strstr(err, "not a socket"));
    zmq_close(a);
}
END_TEST

START_TEST(local_endpoints)
{
    ck_assert(nd_endpoint_is_local("ipc:///run/newsd/control.sock"));
    ck_assert(nd_endpoint_is_local("inproc://x"));
    ck_assert(nd_endpoint_is_local("tcp://127.0.0.1:5557"));
    ck_assert(nd_endpoint_is_local("tcp://127.1.2.3:5557"));
    ck_assert(nd_endpoint_is_local("tcp://[::1]:5557"));
    ck_assert(nd_endpoint_is_local("tcp://localhost:5557"));
    ck_assert(nd_endpoint_is_local("tcp://lo:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://0.0.0.0:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://*:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://eth0:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://[::]:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://192.168.1.5:5557"));
    ck_assert(!nd_endpoint_is_local("tcp://127.0.0.1;10.0.0.1:5557"));
    ck_assert(!nd_endpoint_is_local("ws://127.0.0.1:5557"));
}
END_TEST

START_TEST(key_files)
{
    char path[512], z[ND_Z85_KEY + 1], pub[ND_Z85_KEY + 1], err[512];
    struct nd_strv keys = {0};
    char *p;

    snprintf(path, sizeof(path), "%s/k", dir);
    ck_assert_int_eq(nd_curve_keygen(path, err, sizeof(err)), ND_OK);
    ck_assert_int_ne(nd_curve_keygen(path, err, sizeof(err)), ND_OK); /* never overwritten */
    ck_assert_int_eq(nd_curve_read_key(path, z, err, sizeof(err)), ND_OK);
    ck_assert_int_eq(nd_curve_public(z, pub), ND_OK);
    snprintf(path, sizeof(path), "%s/k.pub", dir);
    ck_assert_int_eq(nd_curve_read_keys(path, &keys, err, sizeof(err)), ND_OK);
    ck_assert_uint_eq(keys.n, 1);
    ck_assert_str_eq(keys.v[0], pub);
    nd_strv_free(&keys);
    /* '#' is a Z85 digit too; comments and blank lines are skipped, spaces trimmed */
    p = tu_write(dir, "clients",
                 "# allowed\n\nnA4+HH!xq=X1w@NXu}X#]3]{1tx=<4oc>}N5MSQj\n"
                 "  &cmTBmcD.w&s1y.S}5c!zjZsUU}4UKkBpgwJGgaT \n");
    ck_assert_int_eq(nd_curve_read_keys(p, &keys, err, sizeof(err)), ND_OK);
    ck_assert_uint_eq(keys.n, 2);
    ck_assert_str_eq(keys.v[0], "nA4+HH!xq=X1w@NXu}X#]3]{1tx=<4oc>}N5MSQj");
    ck_assert_str_eq(keys.v[1], "&cmTBmcD.w&s1y.S}5c!zjZsUU}4UKkBpgwJGgaT");
    nd_strv_free(&keys);
    free(p);
    p = tu_write(dir, "bad", "not a key\n");
    ck_assert_int_eq(nd_curve_read_keys(p, &keys, err, sizeof(err)), ND_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "line 1"));
    free(p);
    p = tu_write(dir, "empty", "# nothing\n");
    ck_assert_int_eq(nd_curve_read_key(p, z, err, sizeof(err)), ND_EINVAL);
    free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("endpoint");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, live_socket_is_refused_and_kept);
    tcase_add_test(tc, stale_socket_is_replaced_and_others_files_kept);
    tcase_add_test(tc, local_endpoints);
    tcase_add_test(tc, key_files);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
