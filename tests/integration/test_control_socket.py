#!/usr/bin/python3
"""The control socket (and the ipc publish endpoints) belong to one daemon and to those allowed.

- A second newsd (its own state_dir) on the first one's ipc control or publish endpoint refuses
  to start with one line naming the endpoint; the first one keeps answering, its socket file
  stays.  A socket file left by a kill -9 does not stop a start; a file that is not a socket
  does (and stays); a daemon removes only the socket file it made.
- A control endpoint reachable from other machines is refused without CURVE (file:line).
- CURVE on the control socket: the allowed key pair is answered, an unknown key and a client
  without CURVE are not (the daemon logs the refusal); a reload re-reads the allowed keys.
- CURVE on the PUB socket: the allowed subscriber gets the articles, the others nothing.
- control.group: the ipc socket file gets that group and mode 0660 (as root)."""

import grp
import json
import os
import socket
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

import zmq  # noqa: E402

NO_REPLY_WAIT = 2.0  # seconds a refused client waits for an answer that must not come


def keypair():
    """A CURVE key pair (public, secret) as Z85 strings."""
    pub, sec = zmq.curve_keypair()
    return pub.decode(), sec.decode()


def write_keys(path, *keys, comment="newsd test key"):
    """A key file as src/curve.c reads it: # comments, one Z85 key a line."""
    with open(path, "w") as f:
        f.write("# %s\n\n" % comment)
        for k in keys:
            f.write("%s\n" % k)
    return path


def curve_opts(pair, server_public):
    """pyzmq socket options of a CURVE client with key pair (public, secret)."""
    return {zmq.CURVE_PUBLICKEY: pair[0].encode(), zmq.CURVE_SECRETKEY: pair[1].encode(),
            zmq.CURVE_SERVERKEY: server_public.encode()}


def request(endpoint, obj, sockopts=None, timeout=NO_REPLY_WAIT):
    """One control request on a DEALER (with sockopts); the reply object, or None when no
    reply came within timeout seconds."""
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    try:
        for opt, value in (sockopts or {}).items():
            s.setsockopt(opt, value)
        s.connect(endpoint)
        s.send_multipart([b"", json.dumps(obj).encode()])
        if not s.poll(int(timeout * 1000)):
            return None
        frames = s.recv_multipart()
    finally:
        s.close()
    if frames and frames[0] == b"":
        frames = frames[1:]
    return json.loads(frames[0])



class SecondDaemonTest(harness.NewsdTestCase):
    """ipc endpoints: one daemon each."""

    def setUp(self):
        super().setUp()
        self.items = [make_item(i, "one") for i in (1, 2)]
        self.http.write("one.rss", make_rss("One", self.items))
        self.sources = [{"id": "one", "url": self.http.url("/one.rss")}]
        self.pub_ipc = "ipc://%s" % os.path.join(self.tmp, "pub.sock")
        self.d1 = self.daemon(self.sources, more_publish=[self.pub_ipc])
        self.sock_path = self.d1.control[len("ipc://"):]

    def second(self, **config):
        return self.daemon(self.sources, folder=os.path.join(self.tmp, "second"), **config)

    def assertRefused(self, d2, endpoint):
        """d2 exits 1 at start with one error line naming endpoint and saying it is in use."""
        d2.start(wait=False)
        try:
            rc = d2.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.fail("the second newsd did not exit: it runs on %s" % endpoint)
        d2.log_file.close()
        self.assertEqual(rc, 1, d2.log_text())
        errors = d2.log_lines(3)
        self.assertEqual(len(errors), 1, "expected one error line:\n%s" % d2.log_text())
        self.assertIn(endpoint, errors[0])
        self.assertIn("in use", errors[0])

    def assertFirstAnswers(self):
        self.assertTrue(self.d1.running(), self.d1.log_text())
        st = os.lstat(self.sock_path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode), "%s is not a socket any more" % self.sock_path)
        p = self.d1.ctl("status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["pid"], self.d1.proc.pid)

    def test_second_daemon_on_the_control_endpoint(self):
        self.d1.start()
        self.d1.wait_polled()
        ino = os.lstat(self.sock_path).st_ino
        d2 = self.second(control=self.d1.control)
        self.assertRefused(d2, self.d1.control)
        self.assertFirstAnswers()
        self.assertEqual(os.lstat(self.sock_path).st_ino, ino, "the socket file was replaced")
        # and once more with a running daemon's refresh: the first one does the work
        self.items.append(make_item(3, "one"))
        self.http.write("one.rss", make_rss("One", self.items))
        p, reply = self.d1.refresh("one")
        self.assertEqual(reply["one"]["new"], 1, p.stdout + p.stderr)

    def test_second_daemon_on_an_ipc_publish_endpoint(self):
        sub = self.start_subscribed(self.d1, ["/one.rss"])
        self.assertEqual(len(sub.wait_count(2)), 2)
        pub_path = self.pub_ipc[len("ipc://"):]
        ino = os.lstat(pub_path).st_ino
        d2 = self.second(more_publish=[self.pub_ipc])
        self.assertRefused(d2, self.pub_ipc)
        self.assertFirstAnswers()
        st = os.lstat(pub_path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_ino, ino, "the publish socket file was replaced")
        # a subscriber on the ipc endpoint still hears the first daemon
        ipc_sub = self.subscriber(self.pub_ipc)
        ipc_sub.wait_connected()
        self.items.append(make_item(3, "one"))
        self.http.write("one.rss", make_rss("One", self.items))
        p, reply = self.d1.refresh("one")
        self.assertEqual(reply["one"]["new"], 1, p.stdout + p.stderr)
        got = ipc_sub.wait_count(1, timeout=10)
        self.assertEqual([m["url"] for m in got], ["https://news.example/one/3"])

    def test_stale_socket_files_do_not_stop_a_start(self):
        self.d1.start()
        self.d1.wait_polled()
        self.d1.kill()  # SIGKILL: the socket files stay behind
        pub_path = self.pub_ipc[len("ipc://"):]
        self.assertTrue(os.path.exists(self.sock_path))
        self.assertTrue(os.path.exists(pub_path))
        self.d1.start()
        self.assertFirstAnswers()
        ipc_sub = self.subscriber(self.pub_ipc)
        ipc_sub.wait_connected()
        self.items.append(make_item(3, "one"))
        self.http.write("one.rss", make_rss("One", self.items))
        p, reply = self.d1.refresh("one")
        self.assertEqual(reply["one"]["new"], 1, p.stdout + p.stderr)
        self.assertEqual(len(ipc_sub.wait_count(1, timeout=10)), 1)
        rc, _ = self.d1.stop()
        self.assertEqual(rc, 0)
        self.assertFalse(os.path.exists(self.sock_path), "newsd left its control socket file")
        self.assertFalse(os.path.exists(pub_path), "newsd left its publish socket file")

    def test_a_file_that_is_not_a_socket_is_refused_and_kept(self):
        with open(self.sock_path, "w") as f:
            f.write("not a socket\n")
        self.d1.start(wait=False)
        rc = self.d1.proc.wait(20)
        self.d1.log_file.close()
        self.assertEqual(rc, 1, self.d1.log_text())
        errors = self.d1.log_lines(3)
        self.assertEqual(len(errors), 1, self.d1.log_text())
        self.assertIn(self.d1.control, errors[0])
        with open(self.sock_path) as f:
            self.assertEqual(f.read(), "not a socket\n")

    def test_only_its_own_socket_file_is_removed(self):
        self.d1.start()
        # someone removes newsd's socket file and binds another socket there
        os.unlink(self.sock_path)
        other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.closers.append(other.close)
        other.bind(self.sock_path)
        other.listen(1)
        ino = os.lstat(self.sock_path).st_ino
        rc, _ = self.d1.stop()
        self.assertEqual(rc, 0)
        self.assertTrue(os.path.exists(self.sock_path),
                        "newsd removed a socket file it did not create")
        self.assertEqual(os.lstat(self.sock_path).st_ino, ino)


class EndpointCheckTest(harness.NewsdTestCase):
    """A control endpoint reachable from other machines needs CURVE."""

    def check(self, endpoint, **config):
        d = self.daemon([{"id": "x", "url": self.http.url("/x.rss")}], control=endpoint,
                        **config)
        p = harness.run([harness.NEWSD, "--check-config", "-c", d.conf], timeout=30)
        return d, p

    def test_non_loopback_control_endpoint_needs_curve(self):
        port = harness.free_port()
        for ep in ("tcp://0.0.0.0:%d" % port, "tcp://*:%d" % port, "tcp://[::]:%d" % port):
            with self.subTest(endpoint=ep):
                d, p = self.check(ep)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                line = self.assertOneLine(p.stderr)
                with open(d.conf) as f:
                    text = f.read()
                self.assertTrue(line.startswith("%s:%d: " % (d.conf, harness.line_of(
                    text, "control:"))), line)
                self.assertIn(ep, line)
                self.assertIn("curve", line.lower())
                # and newsd refuses to start on it
                r = harness.run([harness.NEWSD, "-c", d.conf], timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(ep, r.stderr)

    def test_loopback_control_endpoints_are_accepted(self):
        port = harness.free_port()
        for ep in ("tcp://127.0.0.1:%d" % port, "tcp://[::1]:%d" % port,
                   "tcp://localhost:%d" % port):
            with self.subTest(endpoint=ep):
                d, p = self.check(ep)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.strip(), "configuration OK")

    def test_loopback_tcp_control_endpoint_works(self):
        ep = "tcp://127.0.0.1:%d" % harness.free_port()
        self.http.write("x.rss", make_rss("X", [make_item(1, "x")]))
        d = self.daemon([{"id": "x", "url": self.http.url("/x.rss")}], control=ep)
        d.start()
        p = d.ctl("status", "--json", endpoint=ep)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["pid"], d.proc.pid)

    def test_curve_settings_are_checked(self):
        keys = os.path.join(self.tmp, "keys")
        os.makedirs(keys)
        server = keypair()
        write_keys(os.path.join(keys, "server.key"), server[1])
        write_keys(os.path.join(keys, "clients"), keypair()[0])
        write_keys(os.path.join(keys, "bad"), "this is not a key")
        ep = "tcp://0.0.0.0:%d" % harness.free_port()
        d, p = self.check(ep, control_opts={"curve_secret_key": "keys/server.key",
                                            "curve_clients": "keys/clients"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "configuration OK")
        for opts, what in [({"curve_secret_key": "keys/server.key"}, "curve_clients"),
                           ({"curve_clients": "keys/clients"}, "curve_secret_key"),
                           ({"curve_secret_key": "keys/bad", "curve_clients": "keys/clients"},
                            "bad"),
                           ({"curve_secret_key": "keys/server.key", "curve_clients": "keys/no"},
                            "keys/no")]:
            with self.subTest(opts=opts):
                d, p = self.check(ep, control_opts=opts)
                self.assertEqual(p.returncode, 1, p.stdout)
                line = self.assertOneLine(p.stderr)
                with open(d.conf) as f:
                    text = f.read()
                self.assertTrue(line.startswith("%s:%d: " % (d.conf, harness.line_of(
                    text, "control:"))), line)
                self.assertIn(what, line)


class CurveTest(harness.NewsdTestCase):
    """CURVE on the control and the PUB sockets, keys from files (made here with pyzmq)."""

    def setUp(self):
        super().setUp()
        self.keys = os.path.join(self.tmp, "keys")
        os.makedirs(self.keys)
        self.server = keypair()
        self.client = keypair()
        self.stranger = keypair()
        write_keys(os.path.join(self.keys, "server.key"), self.server[1],
                   comment="the server's secret key")
        self.clients_file = write_keys(os.path.join(self.keys, "clients"), self.client[0],
                                       comment="allowed clients")
        self.items = [make_item(i, "c") for i in (1, 2, 3)]
        self.http.write("c.rss", make_rss("C", self.items))
        self.sources = [{"id": "c", "url": self.http.url("/c.rss")}]
        self.curve_conf = {"curve_secret_key": "keys/server.key", "curve_clients": "keys/clients"}

    def newsctl_has_curve_options(self):
        p = harness.run([harness.NEWSCTL, "--help"])
        return "--curve-key" in p.stdout + p.stderr

    def test_control_socket_with_curve(self):
        port = harness.free_port()
        bind = "tcp://0.0.0.0:%d" % port
        ep = "tcp://127.0.0.1:%d" % port
        d = self.daemon(self.sources, control=bind, control_opts=self.curve_conf)
        d.start(wait=False)
        allowed = curve_opts(self.client, self.server[0])

        def ready():
            if not d.running():
                raise AssertionError("newsd exited:\n%s" % d.log_text())
            r = request(ep, {"cmd": "ping"}, allowed, timeout=1.0)
            return r and r.get("ok")
        harness.wait_until(ready, what="newsd to answer a CURVE client")

        st = request(ep, {"cmd": "status"}, allowed, timeout=10)
        self.assertIsNotNone(st, "the allowed client got no status")
        self.assertTrue(st["ok"], st)
        self.assertEqual(st["pid"], d.proc.pid)

        # an unknown key: refused at the handshake, no answer; the daemon logs it
        self.assertIsNone(request(ep, {"cmd": "status"}, curve_opts(self.stranger,
                                                                     self.server[0])),
                          "a client with an unknown key was answered")
        harness.wait_until(lambda: any("refused" in l and self.stranger[0] in l
                                       for l in d.log_lines(4)),
                           timeout=10, what="a warning naming the refused key")
        self.assertFalse(any(self.client[0] in l and "refused" in l for l in d.log_lines()),
                         "the allowed key was logged as refused")
        # no CURVE at all: no answer either
        self.assertIsNone(request(ep, {"cmd": "status"}), "a client without CURVE was answered")
        # the right key pair but the wrong server key: no answer
        self.assertIsNone(request(ep, {"cmd": "ping"}, curve_opts(self.client,
                                                                  self.stranger[0])))
        # newsctl without keys gets no answer and says so
        p = d.ctl("--timeout", "2", "status", endpoint=ep)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn(ep, p.stderr)

        # a reload reads the allowed keys again: the stranger is let in, nobody else
        write_keys(self.clients_file, self.client[0], self.stranger[0])
        r = request(ep, {"cmd": "reload"}, allowed, timeout=10)
        self.assertTrue(r and r["ok"], r)
        r = request(ep, {"cmd": "ping"}, curve_opts(self.stranger, self.server[0]), timeout=5)
        self.assertTrue(r and r["ok"], "a key added to curve_clients was refused after reload")
        self.assertIsNone(request(ep, {"cmd": "ping"}, curve_opts(keypair(), self.server[0])))
        # a reload with a broken key file is refused and the running keys stay
        write_keys(self.clients_file, "not a key")
        r = request(ep, {"cmd": "reload"}, allowed, timeout=10)
        self.assertFalse(r["ok"], r)
        self.assertIn("clients", r["error"])
        r = request(ep, {"cmd": "ping"}, curve_opts(self.stranger, self.server[0]), timeout=5)
        self.assertTrue(r and r["ok"], "the running keys were dropped by a failed reload")
        self.assertTrue(d.running())

    def test_newsctl_with_curve_keys(self):
        if not self.newsctl_has_curve_options():
            self.skipTest("newsctl has no --curve-key/--server-key options")
        port = harness.free_port()
        ep = "tcp://127.0.0.1:%d" % port
        d = self.daemon(self.sources, control="tcp://0.0.0.0:%d" % port,
                        control_opts=self.curve_conf)
        d.start(wait=False)
        ck = write_keys(os.path.join(self.keys, "client.key"), self.client[1])
        sk = write_keys(os.path.join(self.keys, "server.pub"), self.server[0])
        xk = write_keys(os.path.join(self.keys, "stranger.key"), self.stranger[1])

        def ready():
            if not d.running():
                raise AssertionError("newsd exited:\n%s" % d.log_text())
            return d.ctl("--timeout", "1", "--curve-key", ck, "--server-key", sk, "status",
                         endpoint=ep).returncode == 0
        harness.wait_until(ready, what="newsctl with CURVE keys to get an answer")
        p = d.ctl("--timeout", "2", "--curve-key", xk, "--server-key", sk, "status",
                  endpoint=ep)
        self.assertNotEqual(p.returncode, 0, p.stdout)

    def test_publish_socket_with_curve(self):
        d = self.daemon(self.sources, publish_opts=self.curve_conf)
        self.http.rule("/c.rss", hold=True)
        try:
            good = self.subscriber(d.pub_endpoint,
                                   sockopts=curve_opts(self.client, self.server[0]))
            stranger = self.subscriber(d.pub_endpoint,
                                       sockopts=curve_opts(self.stranger, self.server[0]))
            plain = self.subscriber(d.pub_endpoint)
            d.start()
            good.wait_connected()
            harness.wait_until(lambda: any("refused" in l and self.stranger[0] in l
                                           for l in d.log_lines(4)),
                               timeout=15, what="a warning naming the refused subscriber key")
        finally:
            self.http.rule("/c.rss")
        msgs = good.wait_count(3)
        self.assertEqual(sorted(m["url"] for m in msgs),
                         ["https://news.example/c/%d" % i for i in (1, 2, 3)])
        time.sleep(1.5)
        self.assertEqual(stranger.count(), 0, "a subscriber with an unknown key got articles")
        self.assertEqual(plain.count(), 0, "a subscriber without CURVE got articles")
        self.assertNotIn(zmq.EVENT_HANDSHAKE_SUCCEEDED, stranger.events)
        self.assertNotIn(zmq.EVENT_HANDSHAKE_SUCCEEDED, plain.events)

    def test_control_and_publish_keys_are_apart(self):
        """A subscriber's key does not open the control socket, nor a control key the PUB."""
        subs = write_keys(os.path.join(self.keys, "subscribers"), self.stranger[0])
        port = harness.free_port()
        ep = "tcp://127.0.0.1:%d" % port
        d = self.daemon(self.sources, control="tcp://0.0.0.0:%d" % port,
                        control_opts=self.curve_conf,
                        publish_opts={"curve_secret_key": "keys/server.key",
                                      "curve_clients": subs})
        self.http.rule("/c.rss", hold=True)
        try:
            good = self.subscriber(d.pub_endpoint,
                                   sockopts=curve_opts(self.stranger, self.server[0]))
            ctl_key = self.subscriber(d.pub_endpoint,
                                      sockopts=curve_opts(self.client, self.server[0]))
            d.start(wait=False)
            allowed = curve_opts(self.client, self.server[0])
            harness.wait_until(lambda: d.running() and request(ep, {"cmd": "ping"}, allowed,
                                                               timeout=1.0),
                               what="newsd to answer the control key")
            good.wait_connected()
            harness.wait_until(lambda: any("refused" in l and self.client[0] in l
                                           for l in d.log_lines(4)),
                               timeout=15, what="the control key refused on the PUB socket")
        finally:
            self.http.rule("/c.rss")
        self.assertIsNone(request(ep, {"cmd": "ping"}, curve_opts(self.stranger,
                                                                   self.server[0])),
                          "a subscriber's key opened the control socket")
        self.assertEqual(len(good.wait_count(3)), 3)
        time.sleep(1)
        self.assertEqual(ctl_key.count(), 0, "the control key subscribed")


class GroupTest(harness.NewsdTestCase):

    def test_control_group(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (chown to another group)")
        try:
            gid = grp.getgrnam("adm").gr_gid
        except KeyError:
            self.skipTest("no group adm")
        self.http.write("g.rss", make_rss("G", [make_item(1, "g")]))
        d = self.daemon([{"id": "g", "url": self.http.url("/g.rss")}],
                        control_opts={"group": "adm"})
        d.start()
        st = os.lstat(d.control[len("ipc://"):])
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(st.st_gid, gid, "the control socket's group is not adm")
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660, oct(st.st_mode))
        # an unknown group is refused at start, naming it
        d2 = self.daemon([{"id": "g", "url": self.http.url("/g.rss")}],
                         folder=os.path.join(self.tmp, "second"),
                         control_opts={"group": "no-such-group-newsd"})
        d2.start(wait=False)
        self.assertEqual(d2.proc.wait(20), 1)
        d2.log_file.close()
        self.assertIn("no-such-group-newsd", d2.log_text())


if __name__ == "__main__":
    harness.main()
