#!/usr/bin/python3
"""newsctl that helps: a typo in newsd.conf does not lock it out, tail says what it waits for and
honours --timeout, refresh shows sources as they finish, "did you mean", log times on a terminal,
"1 item"."""

import os
import pty
import re
import select
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402


def run_tty(cmd, timeout=30, cwd=None):
    """Run cmd with stderr on a terminal (stdout a pipe); returns (rc, stdout, terminal text,
    seconds).  rc is None when it was still running after timeout (it is killed)."""
    master, slave = pty.openpty()
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                         cwd=cwd)
    os.close(slave)
    tty = b""
    while time.monotonic() - t0 < timeout:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other side is closed
                chunk = b""
            if not chunk and p.poll() is not None:
                break
            tty += chunk
        elif p.poll() is not None:
            break
    rc = p.poll()
    if rc is None:
        p.kill()
    out = p.communicate()[0]
    os.close(master)
    return rc, out.decode(), tty.decode("utf-8", "replace"), time.monotonic() - t0


class TypoTest(harness.NewsdTestCase):
    """A newsd.conf the daemon would refuse still leads newsctl to the running daemon."""

    def setUp(self):
        super().setUp()
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        self.d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        self.d.start()
        self.d.wait_polled()

    def test_typo_elsewhere(self):
        good = self.d.config_text()
        for what, bad in (
                ("a misspelt key", good.replace("near_duplicates", "near_duplicate")),
                ("a bad value", good.replace("interval = 3600", "interval = \"hourly\"")),
                ("an unknown source key", good.replace("id = \"a\";", "id = \"a\"; intervall = 5;")),
        ):
            with self.subTest(what):
                self.assertNotEqual(bad, good)
                self.d.write_config(text=bad)
                check = harness.run([harness.NEWSD, "--check-config", "-c", self.d.conf])
                self.assertEqual(check.returncode, 1, "newsd refuses %s" % what)
                for args in (["status"], ["sources"], ["refresh", "a"],
                             ["replay", "--since", "0"]):
                    p = self.d.ctl(*args)
                    self.assertEqual(p.returncode, 0, "%s with %s: %s" % (args, what, p.stderr))
                    self.assertTrue(p.stdout.strip())
                    self.assertEqual(p.stderr, "", "newsctl does not judge what it does not read")
                tail = self.d.ctl("tail", "--count", "1", "--timeout", "1")
                self.assertNotIn("newsd would refuse this file (trying ipc", tail.stderr)
                self.assertIn(self.d.pub_endpoint, tail.stderr, "tail found the publish endpoint")
                p = self.d.ctl("reload")
                self.assertNotIn(p.returncode, (0, None))
                line = p.stderr.strip().splitlines()[-1]
                self.assertIn("newsd.conf:", line, "the daemon's own verdict names file:line")
                self.assertTrue(line.startswith("newsctl: reload: %s:" % self.d.conf), line)
                self.assertTrue(self.d.running())
        for what, bad, line in (
                ("an unquoted word", good.replace('log_level = "debug";', "log_level = debug;"),
                 good.split("\n").index('log_level = "debug";') + 1),
                ("a stray brace", good.replace('id = "a";', 'id = "a"; }'),
                 [i for i, l in enumerate(good.split("\n")) if 'id = "a";' in l][0] + 1),
        ):
            with self.subTest(what):
                self.d.write_config(text=bad)
                for args in (["status"], ["refresh", "a"], ["replay", "--since", "0"]):
                    p = self.d.ctl(*args)
                    self.assertEqual(p.returncode, 0, "%s with %s: %s" % (args, what, p.stderr))
                    warning = self.assertOneLine(p.stderr)
                    self.assertIn("newsd.conf:%d: syntax error: newsd would refuse this file "
                                  "(trying %s)" % (line, self.d.control), warning)
                tail = self.d.ctl("tail", "--count", "1", "--timeout", "1")
                self.assertIn("(trying %s)" % self.d.pub_endpoint, tail.stderr)
                p = self.d.ctl("reload")
                self.assertEqual(p.returncode, 3)
                self.assertIn("newsctl: reload: %s:%d: syntax error" % (self.d.conf, line),
                              p.stderr)
        self.d.write_config(text=good)
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "configuration reloaded: 1 source")
        self.assertEqual(p.stderr, "")


class TailWaitTest(harness.NewsdTestCase):
    """tail on an endpoint where no newsd publishes."""

    def test_waiting_on_a_terminal(self):
        ep = "tcp://127.0.0.1:%d" % harness.free_port()
        rc, out, tty, secs = run_tty([harness.NEWSCTL, "-e", ep, "tail", "--timeout", "2"])
        self.assertIsNotNone(rc, "tail --timeout 2 gave up by itself")
        self.assertNotEqual(rc, 0)
        self.assertLess(secs, 6)
        self.assertIn("newsctl: waiting for newsd at %s..." % ep, tty)
        self.assertIn("no message from %s within 2 s" % ep, tty)
        self.assertEqual(out, "")

    def test_quiet_off_a_terminal(self):
        ep = "tcp://127.0.0.1:%d" % harness.free_port()
        t0 = time.monotonic()
        p = harness.run([harness.NEWSCTL, "-e", ep, "tail", "--timeout", "1"], timeout=10)
        self.assertNotEqual(p.returncode, 0)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertNotIn("waiting", p.stderr, "a pipe or a log file gets no progress chatter")
        self.assertIn("no message from %s within 1 s" % ep, self.assertOneLine(p.stderr))

    def test_waits_then_connects(self):
        """Started before the daemon: waiting on a terminal, then the messages."""
        self.http.write("a.rss", make_rss("A", [make_item(1, "a"), make_item(2, "a")]))
        d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        master, slave = pty.openpty()
        p = subprocess.Popen([harness.NEWSCTL, "-e", d.pub_endpoint, "tail", "--count", "1"],
                             stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
        os.close(slave)
        self.closers.append(p.kill)
        tty = b""
        end = time.monotonic() + 10
        while b"waiting for newsd" not in tty and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                tty += os.read(master, 4096)
        self.assertIn(b"waiting for newsd at %s..." % d.pub_endpoint.encode(), tty)
        d.start()
        # the first poll may run before tail's subscription is through: poll again until a
        # message reaches it
        n = 3
        while p.poll() is None and time.monotonic() < end + harness.WAIT:
            self.http.write("a.rss", make_rss("A", [make_item(i, "a") for i in range(1, n)]))
            d.refresh("a")
            n += 1
            time.sleep(0.3)
        self.assertEqual(p.wait(5), 0)
        self.assertTrue(harness.json_lines(p.stdout.read().decode()))
        p.stdout.close()
        while select.select([master], [], [], 0.2)[0]:
            try:
                tty += os.read(master, 4096)
            except OSError:
                break
        os.close(master)
        self.assertIn(b"connected to %s" % d.pub_endpoint.encode(), tty)

    def test_timeout_bounds_the_connect_probe(self):
        ep = "tcp://127.0.0.1:%d" % harness.free_port()
        t0 = time.monotonic()
        p = harness.run([harness.NEWSCTL, "-e", ep, "--timeout", "1", "status"], timeout=10)
        secs = time.monotonic() - t0
        self.assertNotIn(p.returncode, (0, 1))
        self.assertLess(secs, 2.5, "--timeout 1 bounds the connection (it was fixed at 3 s)")
        self.assertIn(ep, self.assertOneLine(p.stderr))


class RefreshProgressTest(harness.NewsdTestCase):
    """A refresh of many sources shows each as it finishes."""

    N = 6

    def setUp(self):
        super().setUp()
        srcs = []
        for i in range(self.N):
            self.http.write("s%d.rss" % i, make_rss("S%d" % i, [make_item(1, "s%d" % i)]))
            srcs.append({"id": "s%d" % i, "url": self.http.url("/s%d.rss" % i)})
        self.d = self.daemon(srcs)
        self.d.start()
        self.d.wait_polled()
        self.http.rule("/s0.rss", delay=4)  # the slow one

    def test_lines_as_sources_finish(self):
        cmd = [harness.NEWSCTL, "-c", self.d.conf, "refresh", "--force"]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.closers.append(p.kill)
        seen = []
        for line in p.stdout:
            seen.append((time.monotonic() - t0, line.rstrip("\n")))
        p.wait(30)
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(sorted(l.split(":")[0] for _, l in seen),
                         ["s%d" % i for i in range(self.N)], "every source once")
        fast = [t for t, l in seen if not l.startswith("s0:")]
        slow = [t for t, l in seen if l.startswith("s0:")]
        self.assertLess(max(fast), 3, "the fast sources are shown before the slow one is done")
        self.assertGreater(slow[0], 3.5)
        self.assertEqual(seen[-1][1].split(":")[0], "s0")
        self.assertRegex(seen[0][1], r"^s\d: not-modified \(HTTP 304\)|^s\d: ok \(HTTP 200\), "
                                     r"1 item, 0 new, 0 updated, 1 duplicate$")

    def test_bar_on_a_terminal(self):
        rc, out, tty, _ = run_tty([harness.NEWSCTL, "-c", self.d.conf, "refresh", "--force"])
        self.assertEqual(rc, 0, tty)
        self.assertIn("refresh: [", tty)
        self.assertIn("5 of 6 sources done", tty, "the bar moves as sources finish")
        self.assertTrue(tty.endswith("\r\033[K"), "the bar is gone at the end: %r" % tty[-40:])
        self.assertEqual(len(out.splitlines()), self.N)

    def test_json_unchanged(self):
        p, obj = self.d.ctl_json("refresh", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(obj["sources"]), self.N)
        self.assertNotIn("progress", obj)
        self.assertEqual(p.stdout.count("\n"), 1, "one JSON object, no progress in it")

    def test_protocol(self):
        """Progress frames come before the reply only when asked for."""
        s = self.d.ctx.socket(harness.zmq.DEALER)
        s.setsockopt(harness.zmq.LINGER, 0)
        self.closers.append(s.close)
        s.connect(self.d.control)
        s.send_multipart([b"", b'{"cmd":"refresh","force":true,"progress":true}'])
        msgs = []
        while not msgs or msgs[-1].get("progress"):
            self.assertTrue(s.poll(20000))
            frames = s.recv_multipart()
            msgs.append(harness.json.loads(frames[1]))
        first, progress, reply = msgs[0], msgs[:-1], msgs[-1]
        self.assertEqual((first["done"], first["total"]), (0, self.N))
        self.assertEqual([m["done"] for m in progress], sorted(m["done"] for m in progress))
        ids = [x["id"] for m in progress for x in m["sources"]]
        self.assertEqual(len(ids), len(set(ids)), "each source in progress at most once")
        self.assertNotIn("s0", ids, "the last source is in the reply, not in a progress frame")
        self.assertTrue(reply["ok"])
        self.assertNotIn("progress", reply)
        self.assertEqual(len(reply["sources"]), self.N, "the reply still names every source")


class WordsTest(harness.NewsdTestCase):
    """Did you mean, log times on a terminal, and "1 item"."""

    def test_did_you_mean(self):
        for args, guess in ((["stauts"], "status"), (["refersh"], "refresh"),
                            (["replya"], "replay"), (["status", "--jsno"], "--json"),
                            (["refresh", "--forse"], "--force"), (["--confg", "x", "status"],
                                                                  "--config"),
                            (["tail", "--cout", "1"], "--count")):
            with self.subTest(args=args):
                p = harness.run([harness.NEWSCTL] + args, timeout=10)
                self.assertEqual(p.returncode, 2)
                self.assertIn("did you mean '%s'?" % guess, self.assertOneLine(p.stderr))
        p = harness.run([harness.NEWSCTL, "frobnicate"], timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("did you mean", self.assertOneLine(p.stderr))
        self.assertIn("unknown command 'frobnicate'", p.stderr)

    def test_missing_files(self):
        """Exit 3 and one "newsctl: FILE: reason" line, as newsctl(1) says."""
        nope = os.path.join(self.tmp, "nope")
        for args in (["-c", nope, "status"], ["explain", "--text", nope]):
            with self.subTest(args=args):
                p = harness.run([harness.NEWSCTL] + args, timeout=10)
                self.assertEqual(p.returncode, 3)
                self.assertEqual(self.assertOneLine(p.stderr).strip(),
                                 "newsctl: %s: No such file or directory" % nope)

    def test_log_times_on_a_terminal(self):
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        master, slave = pty.openpty()
        p = subprocess.Popen([harness.NEWSD, "-c", d.conf], stdout=slave, stderr=slave,
                             stdin=subprocess.DEVNULL)
        os.close(slave)
        self.closers.append(p.kill)
        text = b""
        end = time.monotonic() + harness.WAIT
        while b"source a: 1 item" not in text and time.monotonic() < end:
            if select.select([master], [], [], 0.2)[0]:
                text += os.read(master, 4096)
        p.terminate()
        p.wait(10)
        os.close(master)
        lines = text.decode().replace("\r", "").splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <\d>\S")
        self.assertIn("<6>source a: 1 item, 1 new, 0 updated, 0 duplicates", text.decode())
        # off a terminal (the journal) the lines start with the priority
        d.start()
        d.stop()
        with open(d.logs[-1]) as f:
            lines = f.read().splitlines()
        self.assertIn("newsd started", lines[1])
        for line in lines:
            self.assertRegex(line, r"^<\d>\S")

    def test_one_item(self):
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        d.start()
        d.wait_polled()
        self.http.write("a.rss", make_rss("A", [make_item(2, "a")]))
        p = d.ctl("refresh", "a")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "a: ok (HTTP 200), 1 item, 1 new, 0 updated, 0 duplicates\n")
        p = d.ctl("status")
        self.assertIn(", 0 transfers in flight", p.stdout)
        self.assertIn("source a: 1 item, 1 new, 0 updated, 0 duplicates", d.log_text())
        self.assertIn("newsd started: 1 source,", d.log_text())


if __name__ == "__main__":
    harness.main()
