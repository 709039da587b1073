#!/usr/bin/python3
"""newsctl errors and option placement, and the control protocol's error handling."""

import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

CLIENT_WAIT = 30  # newsctl must give up on a missing daemon by itself, well before this


class NoDaemonTest(harness.NewsdTestCase):
    """newsctl against a daemon that is not running."""

    def setUp(self):
        super().setUp()
        self.d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])

    def run_parallel(self, cmds):
        """Run several newsctl commands at once (each may wait for its own timeout)."""
        procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, text=True, cwd=self.d.cwd)
                 for c in cmds]
        self.closers.extend(p.kill for p in procs)
        out = []
        deadline = time.monotonic() + CLIENT_WAIT
        for c, p in zip(cmds, procs):
            try:
                so, se = p.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                so, se = p.communicate()
                out.append((c, None, so, se))
                continue
            out.append((c, p.returncode, so, se))
        return out

    def test_not_running(self):
        cmds = [[harness.NEWSCTL, "-c", self.d.conf] + args
                for args in (["status"], ["status", "--json"], ["sources"], ["refresh"],
                             ["refresh", "a"], ["refresh", "--json", "a"], ["reload"],
                             ["replay", "--since", "0"])]
        cmds += [[harness.NEWSCTL, "-e", ep, "status"]
                 for ep in (self.d.control, "tcp://127.0.0.1:%d" % harness.free_port())]
        for cmd, rc, so, se in self.run_parallel(cmds):
            with self.subTest(cmd=cmd[1:]):
                self.assertIsNotNone(rc, "%s without a daemon did not give up within %d s"
                                     % (cmd[1:], CLIENT_WAIT))
                self.assertNotEqual(rc, 0, "newsctl %s without a daemon" % cmd[1:])
                if "refresh" in cmd:
                    self.assertNotEqual(rc, 1, "refresh: exit 1 means 'some source failed'; "
                                               "no daemon is a failed request")
                self.assertOneLine(se)
                self.assertEqual(so.strip(), "")

    def test_missing_config(self):
        p = harness.run([harness.NEWSCTL, "-c", os.path.join(self.tmp, "nope.conf"), "status"],
                        timeout=CLIENT_WAIT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("nope.conf", self.assertOneLine(p.stderr))
        p = harness.run([harness.NEWSD, "-c", os.path.join(self.tmp, "nope.conf")],
                        timeout=CLIENT_WAIT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("nope.conf", p.stderr)

    def test_usage_errors(self):
        for args in (["no-such-command"], ["replay"], ["replay", "--since", "many"],
                     ["--no-such-option", "status"]):
            with self.subTest(args=args):
                p = self.d.ctl(*args, timeout=CLIENT_WAIT)
                self.assertNotEqual(p.returncode, 0)
                self.assertTrue(p.stderr.strip(), "a usage error says something on stderr")

    def test_version_help(self):
        for prog in (harness.NEWSD, harness.NEWSCTL):
            p = harness.run([prog, "--version"], timeout=30)
            self.assertEqual(p.returncode, 0, "%s --version: %s" % (prog, p.stderr))
            self.assertIn("0.", p.stdout)
        p = harness.run([harness.NEWSD, "--help"], timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--check-config", p.stdout)


class RunningDaemonTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.http.write("a.rss", make_rss("A", [make_item(i, "a") for i in (1, 2)]))
        self.http.write("b.rss", make_rss("B", [make_item(i, "b") for i in (1, 2)]))
        self.d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")},
                              {"id": "b", "url": self.http.url("/b.rss")}])
        self.d.start()
        self.d.wait_polled()

    def test_refresh_unknown_id(self):
        self.http.clear_log()
        p = self.d.ctl("refresh", "nosuch")
        self.assertNotEqual(p.returncode, 0)
        self.assertNotEqual(p.returncode, 1, "exit 1 means 'some source failed'; an unknown id "
                                             "is a failed request")
        self.assertIn("nosuch", self.assertOneLine(p.stderr))
        p = self.d.ctl("refresh", "a", "nosuch")
        self.assertNotIn(p.returncode, (0, 1))
        self.assertOneLine(p.stderr)
        self.assertEqual(self.http.log(), [], "an unknown id is refused at once, nothing polled")
        r = self.d.request({"cmd": "refresh", "sources": ["a", "nosuch"]})
        self.assertFalse(r["ok"])
        self.assertIsInstance(r["error"], str)
        self.assertEqual(self.http.log(), [])
        self.assertTrue(self.d.running())

    def test_option_placement(self):
        ep = self.d.control
        variants = [
            [harness.NEWSCTL, "-c", self.d.conf, "status", "--json"],
            [harness.NEWSCTL, "status", "--json", "-c", self.d.conf],
            [harness.NEWSCTL, "status", "-c", self.d.conf, "--json"],
            [harness.NEWSCTL, "-e", ep, "status", "--json"],
            [harness.NEWSCTL, "status", "--json", "-e", ep],
        ]
        for cmd in variants:
            with self.subTest(cmd=cmd[1:]):
                p = harness.run(cmd, cwd=self.d.cwd)
                self.assertEqual(p.returncode, 0, p.stderr)
                st = json.loads(p.stdout)
                self.assertTrue(st["ok"])
                self.assertEqual([s["id"] for s in st["sources"]], ["a", "b"])
        p = harness.run([harness.NEWSCTL, "refresh", "--json", "a", "-c", self.d.conf])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([s["id"] for s in json.loads(p.stdout)["sources"]], ["a"])
        p = harness.run([harness.NEWSCTL, "replay", "--since", "0", "-e", ep])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(harness.json_lines(p.stdout)), 4)

    def test_control_socket_mode(self):
        path = self.d.control[len("ipc://"):]
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o660,
                         "an ipc control endpoint is created with mode 0660")

    def test_sources_output(self):
        p = self.d.ctl("sources")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(self.http.url("/a.rss"), p.stdout)
        self.assertIn(self.http.url("/b.rss"), p.stdout)
        r = self.d.request({"cmd": "sources"})
        self.assertTrue(r["ok"])
        self.assertEqual([(s["id"], s["url"], s["topic"], s["interval"]) for s in r["sources"]],
                         [("a", self.http.url("/a.rss"), "news.a", 3600),
                          ("b", self.http.url("/b.rss"), "news.b", 3600)])

    def test_protocol_errors(self):
        """Malformed requests are answered with ok:false and one line of error text."""
        d = self.d
        bad = [
            (None, b"this is not json"),
            (None, b"[1, 2, 3]"),
            ({"nocmd": 1}, None),
            ({"cmd": "no-such-command"}, None),
            ({"cmd": "refresh", "sources": "a"}, None),
            ({"cmd": "refresh", "sources": [1, 2]}, None),
            ({"cmd": "replay", "since": "zero"}, None),
            ({"cmd": "replay", "since": 0, "topics": "news"}, None),
            (None, json.dumps({"cmd": "ping", "pad": "x" * (70 * 1024)}).encode()),
        ]
        for obj, raw in bad:
            with self.subTest(request=(obj, raw[:40] if raw else None)):
                r = d.request(obj, raw=raw)
                self.assertIs(r.get("ok"), False, r)
                self.assertIsInstance(r.get("error"), str)
                self.assertNotIn("\n", r["error"])
        r = d.request({"cmd": "ping"})
        self.assertEqual(r.get("ok"), True)
        self.assertEqual(r.get("pid"), d.proc.pid)
        self.assertIsInstance(r.get("version"), str)
        self.assertTrue(d.running())


if __name__ == "__main__":
    harness.main()
