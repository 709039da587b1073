#!/usr/bin/python3
"""The private-address rule on every request, reused connections and redirect hops included.

Built the way it failed (issue 7): a network namespace made by the test holds
  - a "private" HTTP server on 127.0.0.1:P serving /feed.rss (an allowed source polls it: a
    loopback URL implies allow_private) and /private.rss (nobody may fetch it),
  - a "public" HTTP server on 192.0.2.1 (documentation range: public for newsd), named
    public.test in the namespace's hosts file, whose /pub.rss redirects to
    http://127.0.0.1:P/private.rss,
  - newsd itself (run with `ip netns exec`), both sources at interval 1.
libcurl keeps the allowed source's connection to 127.0.0.1:P in its pool; following the public
source's redirect could take it without opening a socket.  Many polls later, not one request
may have reached /private.rss, nothing of it may be journaled or published, the public source's
outcome is `blocked` naming 127.0.0.1, and the allowed source keeps working.

A second test redirects public sources (on http://192.0.2.1:Q/) to other private forms:
127.0.0.2, 0.0.0.0, localhost, CGNAT 100.64.0.1, benchmarking 198.18.0.1, [::1] and
[::ffff:127.0.0.1], each with something listening there: every one is refused, nothing is
fetched.

Needs root and `ip` (iproute2); otherwise every test is skipped (exit 77)."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # tests/httpd.py
import harness  # noqa: E402
import httpd  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

PUBLIC_IP = "192.0.2.1"
PUBLIC_NAME = "public.test"
# Private forms a public source's redirect may not reach: source id -> the address, put on lo
# inside the namespace with a test server listening on it, so that a request would be seen.
CANARIES = {
    "loop2": "127.0.0.2",           # loopback, another address of 127/8
    "bench": "198.18.0.1",          # benchmarking 198.18.0.0/15
    "cgnat": "100.64.0.1",          # CGNAT 100.64.0.0/10
    "ten": "10.1.2.3",              # RFC 1918
    "one72": "172.16.5.4",
    "one92": "192.168.7.8",
    "linklocal": "169.254.9.9",     # link-local
    "ietf": "192.0.0.9",            # IETF protocol assignments 192.0.0.0/24
    "v6loop": "::1",
    "ula": "fd00::1",               # unique-local fc00::/7
    "sitelocal": "fec0::1",         # site-local fec0::/10
    "nat64": "64:ff9b::7f00:1",     # NAT64 of 127.0.0.1
    "sixtofour": "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "compat": "::7f00:1",           # IPv4-compatible 127.0.0.1
    "discard": "100::1",            # discard-only 100::/64
    "v6bench": "2001:2::1",         # benchmarking 2001:2::/48
}


def why_skip():
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    if shutil.which("ip") is None:
        return "needs ip (iproute2)"
    return None


def ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), p.stderr.strip()))
    return p


class Netns:
    """A network namespace of this test: lo up, 192.0.2.1/24 on a dummy interface (or on lo
    when the kernel has no dummy driver), public.test in /etc/netns/NAME/hosts."""

    def __init__(self):
        self.name = "newsd-it-%d-%s" % (os.getpid(), secrets.token_hex(3))
        self.etc = os.path.join("/etc/netns", self.name)
        self.made_etc_netns = not os.path.isdir("/etc/netns")
        self.created = False

    def create(self):
        ip("netns", "add", self.name)
        self.created = True
        ip("-n", self.name, "link", "set", "lo", "up")
        if ip("-n", self.name, "link", "add", "pub0", "type", "dummy", check=False).returncode == 0:
            ip("-n", self.name, "addr", "add", PUBLIC_IP + "/24", "dev", "pub0")
            ip("-n", self.name, "link", "set", "pub0", "up")
        else:  # no dummy driver: lo holds it just as well (it is local either way)
            ip("-n", self.name, "addr", "add", PUBLIC_IP + "/24", "dev", "lo")
        for a in CANARIES.values():
            if a.startswith("127.") or a == "::1":
                continue  # lo has them
            if ":" in a:
                ip("-n", self.name, "addr", "add", a + "/128", "dev", "lo", "nodad")
            else:
                ip("-n", self.name, "addr", "add", a + "/32", "dev", "lo")
        os.makedirs(self.etc, exist_ok=True)
        with open(os.path.join(self.etc, "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n::1 localhost\n%s %s\n" % (PUBLIC_IP, PUBLIC_NAME))

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def delete(self):
        if self.created:
            ip("netns", "del", self.name, check=False)
        shutil.rmtree(self.etc, ignore_errors=True)
        if self.made_etc_netns:
            try:
                os.rmdir("/etc/netns")
            except OSError:
                pass


class V6Server(httpd.TestHTTPServer):
    address_family = socket.AF_INET6


def canary(ns, root, bind):
    """A test HTTP server inside the namespace, in this process (its log is read directly)."""
    cls = V6Server if ":" in bind else httpd.TestHTTPServer

    def make():
        srv = cls((bind, 0), root)
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                             daemon=True)
        t.start()
        return srv
    return harness.in_netns(ns.name, make)


class SSRFTest(harness.NewsdTestCase):
    start_http = False

    def setUp(self):
        reason = why_skip()
        if reason:
            self.skipTest(reason)
        self.ns = Netns()
        self.addCleanup(self.ns.delete)  # runs last: after the daemons and servers stopped
        try:
            self.ns.create()
        except RuntimeError as e:
            self.skipTest("cannot make a network namespace: %s" % e)
        super().setUp()
        self.priv = harness.HTTPServer(os.path.join(self.tmp, "www-private"),
                                       os.path.join(self.tmp, "private.log"),
                                       bind="127.0.0.1", netns=self.ns.name)
        self.http = self.priv  # its requests are printed when a test fails
        self.pub = harness.HTTPServer(os.path.join(self.tmp, "www-public"),
                                      os.path.join(self.tmp, "public.log"),
                                      bind=PUBLIC_IP, netns=self.ns.name)
        self.closers.append(self.pub.stop)
        self.allowed_items = [make_item(i, "allowed") for i in (1, 2)]
        self.priv.write("feed.rss", make_rss("Allowed", self.allowed_items))
        self.priv.write("private.rss", make_rss("Private", [make_item(i, "private")
                                                            for i in (1, 2, 3)]))
        self.pub_sock = "ipc://%s" % os.path.join(self.tmp, "pub.sock")

    def start_daemon(self, sources):
        d = self.daemon(sources, prefix=self.ns.prefix(), more_publish=[self.pub_sock])
        sub = self.subscriber(self.pub_sock)
        d.start()
        sub.wait_connected()
        return d, sub

    def assertNothingPrivate(self, d, sub):
        journal = d.replay_all()
        private = [m for m in journal if "/private/" in (m.get("url") or "")]
        self.assertEqual(private, [], "articles of /private.rss were journaled")
        self.assertEqual([m for m in sub.objs() if "/private/" in (m.get("url") or "")], [],
                         "articles of /private.rss were published")
        self.assertEqual([m["seq"] for m in journal], list(range(1, len(journal) + 1)))
        return journal

    def test_redirect_onto_the_allowed_sources_connection(self):
        self.pub.rule("/pub.rss", redirect=self.priv.url("/private.rss"))
        pub_url = "http://%s:%d/pub.rss" % (PUBLIC_NAME, self.pub.port)
        d, sub = self.start_daemon([
            {"id": "allowed", "url": self.priv.url("/feed.rss"), "interval": 1},
            {"id": "public", "url": pub_url, "interval": 1},
        ])
        d.wait_polled(["allowed", "public"])

        # The public source backs off after each refusal: refresh --force keeps it polling,
        # at moments that fall anywhere in the allowed source's 1-second cycle.
        t0 = time.monotonic()
        replies = []
        for i in range(28):
            ids = ("allowed", "public") if i % 4 == 3 else ("public",)
            p, reply = d.refresh(*ids, force=True, timeout=30)
            self.assertIn("public", reply, "refresh gave no result for public: %s %s"
                          % (p.stdout, p.stderr))
            replies.append(reply["public"])
            if i == 14:  # the allowed source keeps working: a new item comes through
                self.allowed_items.append(make_item(3, "allowed"))
                self.priv.write("feed.rss", make_rss("Allowed", self.allowed_items))
            time.sleep(0.1 + (i % 7) * 0.13)
        elapsed = time.monotonic() - t0

        private_hits = self.priv.log("/private.rss")
        self.assertEqual(len(private_hits), 0, "requests reached /private.rss on 127.0.0.1: %s"
                         % [(e["target"], e["status"]) for e in private_hits[:5]])
        self.assertGreaterEqual(len(self.pub.log("/pub.rss")), 28,
                                "the public source was not polled on every refresh")
        # the allowed source polled on its own about every second meanwhile
        self.assertGreaterEqual(len(self.priv.log("/feed.rss")), min(10, int(elapsed / 2)))

        for r in replies:
            self.assertEqual(r["outcome"], "blocked", r)
            self.assertIn("127.0.0.1", r["error"] or "", r)
            self.assertEqual(r["new"], 0, r)

        st = {s["id"]: s for s in d.status()["sources"]}
        self.assertEqual(st["public"]["outcome"], "blocked", st["public"])
        self.assertIn("127.0.0.1", st["public"]["error"], st["public"])
        self.assertEqual(st["public"]["articles"], 0, st["public"])
        self.assertIn(st["allowed"]["outcome"], ("ok", "not-modified"), st["allowed"])
        self.assertEqual(st["allowed"]["errors"], 0, st["allowed"])

        harness.wait_until(lambda: any(m["url"].endswith("/allowed/3")
                                       for m in d.replay_all()),
                           timeout=15, what="the allowed source's new item in the journal")
        journal = self.assertNothingPrivate(d, sub)
        self.assertEqual(sorted(m["url"].rsplit("/", 1)[1] for m in journal), ["1", "2", "3"])
        self.assertTrue(d.running())

    def test_redirects_to_other_private_forms_are_refused(self):
        www = os.path.join(self.tmp, "www-canary")
        os.makedirs(www)
        with open(os.path.join(www, "x.rss"), "wb") as f:
            f.write(make_rss("Canary", [make_item(1, "private")]))
        canaries = {}
        targets = {}  # source id: (redirect target, the addresses the error may name)
        for sid, addr in CANARIES.items():
            srv = canary(self.ns, www, addr)
            self.closers.append(srv.server_close)
            self.closers.append(srv.shutdown)
            canaries[addr] = srv
            host = "[%s]" % addr if ":" in addr else addr
            targets[sid] = ("http://%s:%d/x.rss" % (host, srv.server_port),
                            [addr, "127.0.0.1"] if addr == "::7f00:1" else [addr])
        P = self.priv.port
        targets.update({
            "mapped": ("http://[::ffff:127.0.0.1]:%d/private.rss" % P, ["127.0.0.1"]),
            "zero": ("http://0.0.0.0:%d/private.rss" % P, ["0.0.0.0"]),
            "localhost": ("http://localhost:%d/private.rss" % P, ["127.0.0.1", "::1"]),
        })
        sources = []
        for sid, (target, _) in targets.items():
            self.pub.rule("/to-" + sid, redirect=target)
            sources.append({"id": sid, "url": "http://%s:%d/to-%s" % (PUBLIC_IP, self.pub.port,
                                                                      sid)})
        # two hops: public name -> public address -> private
        self.pub.rule("/chain", status=301, redirect="http://%s:%d/to-loop2"
                      % (PUBLIC_IP, self.pub.port))
        sources.append({"id": "chain", "url": "http://%s:%d/chain" % (PUBLIC_NAME,
                                                                      self.pub.port)})
        targets["chain"] = (None, ["127.0.0.2"])
        d, sub = self.start_daemon(sources)
        st = d.wait_polled()
        by_id = {s["id"]: s for s in st["sources"]}
        for sid, (_, ips) in targets.items():
            s = by_id[sid]
            self.assertEqual(s["outcome"], "blocked", s)
            self.assertTrue(any(a in (s["error"] or "") for a in ips),
                            "%s: the error names none of %s: %r" % (sid, ips, s["error"]))
            self.assertEqual(s["articles"], 0, s)
            path = "/chain" if sid == "chain" else "/to-" + sid
            self.assertEqual(len(self.pub.log(path)), 2 if sid == "loop2" else 1,
                             "the public server did not see %s's request once" % sid)
        for bind, srv in canaries.items():
            self.assertEqual(srv.log_snapshot(), [], "a request reached %s" % bind)
        self.assertEqual(self.priv.log(), [], "a request reached 127.0.0.1:%d" % P)
        self.assertEqual(self.assertNothingPrivate(d, sub), [])


if __name__ == "__main__":
    harness.main()
