#!/usr/bin/python3
"""Errors that say what happened.

- A full disk (a small tmpfs as state_dir, as root): the log has SQLite's own message
  ("database or disk is full"), not "not an error"; nothing unjournaled is published; once
  there is space again the rest of the articles come, each once, seq without gaps.
- `--check-config` refuses a source URL without a host, with a space or with a newline, at
  file:line.
- SIGUSR1 logs a status line, SIGUSR2 toggles debug logging; neither stops the daemon."""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_rss  # noqa: E402

WORDS = ("harbor bridge council river station market school garden tower museum library "
         "street railway festival theatre hospital airport stadium factory village").split()


def big_item(n, size=40000):
    """An RSS item whose description is about size bytes of text of its own."""
    words = []
    k = n * 7919
    while sum(len(w) + 1 for w in words) < size:
        k = (k * 1103515245 + 12345) & 0x7fffffff
        words.append("%s%d" % (WORDS[k % len(WORDS)], k % 1000))
    return {"title": "Large item %d" % n, "link": "https://disk.example/a/%d" % n,
            "guid": "disk-%d" % n, "description": " ".join(words),
            "date": "Wed, %02d Nov 2026 10:00:00 GMT" % (1 + n % 28)}



class FullDiskTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.state = self.small_disk("2m")

    def test_full_disk(self):
        items = [big_item(i) for i in range(1, 6)]
        self.http.write("disk.rss", make_rss("Disk", items))
        d = self.daemon([{"id": "disk", "url": self.http.url("/disk.rss")}])
        sub = self.start_subscribed(d, ["/disk.rss"])
        self.assertEqual(len(sub.wait_count(5)), 5)

        # 4 more items of 40 KB at each refresh until the 2 MB store is full
        failed = None
        while failed is None and len(items) < 80:
            n = len(items)
            items += [big_item(i) for i in range(n + 1, n + 5)]
            self.http.write("disk.rss", make_rss("Disk", items))
            p, reply = d.refresh("disk")
            if p.returncode != 0:
                failed = reply["disk"]
        self.assertIsNotNone(failed, "80 items of 40 KB fit in a 2 MB store")
        self.assertEqual(failed["outcome"], "error", failed)
        self.assertIn("database or disk is full", failed["error"] or "", failed)
        total = len(items)
        # still full: polled again, it fails the same way and publishes nothing
        p, reply = d.refresh("disk", force=True)
        self.assertEqual(reply["disk"]["outcome"], "error", reply["disk"])

        lines = d.log_lines()
        full = [l for l in lines if "database or disk is full" in l]
        self.assertTrue(full, "SQLite's message is not in the log")
        self.assertTrue(any(l.startswith("<4>store: ") and "source disk" in l for l in full),
                        full)
        self.assertEqual([l for l in lines if "not an error" in l], [])
        st = {s["id"]: s for s in d.status()["sources"]}["disk"]
        self.assertIn("database or disk is full", st["error"] or "", st)

        # nothing unjournaled was published
        time.sleep(1)
        journal = d.replay_all()
        self.assertEqual([m["seq"] for m in journal], list(range(1, len(journal) + 1)))
        self.assertLess(len(journal), total, "everything fit: the disk was not full")
        self.assertGreater(len(journal), 5, "the first refresh already failed")
        by_seq = {m["seq"]: m for m in journal}
        for m in sub.objs():
            self.assertEqual(by_seq.get(m["seq"]), m, "published but not journaled: seq %d"
                             % m["seq"])

        # room again: the rest comes, once
        p = subprocess.run(["mount", "-o", "remount,size=64m", self.state], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p, reply = d.refresh("disk", force=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(reply["disk"]["outcome"], "ok", reply["disk"])
        self.assertEqual(reply["disk"]["new"], total - len(journal), reply["disk"])
        journal = d.replay_all()
        self.assertEqual([m["seq"] for m in journal], list(range(1, total + 1)))
        self.assertEqual(sorted(m["guid"] for m in journal),
                         sorted("disk-%d" % i for i in range(1, total + 1)))
        sub.wait_count(total, timeout=15)
        time.sleep(0.5)
        msgs = sub.objs()
        self.assertEqual([m["seq"] for m in msgs], list(range(1, total + 1)),
                         "the subscriber did not get every article once, in order")
        self.assertEqual(msgs, journal)
        # and a restart finds the store sound
        rc, _ = d.stop()
        self.assertEqual(rc, 0)
        d.start()
        self.assertEqual(d.status()["seq"], total)


class URLCheckTest(harness.NewsdTestCase):

    def test_bad_urls_are_refused_at_file_line(self):
        cases = [("nohost", "http://", "host"),
                 ("space", "http://example.org/a feed.xml", "space"),
                 ("newline", "http://example.org/feed.xml\nX-Injected: 1", "control character"),
                 ("tab", "http://example.org/\tfeed.xml", "control character")]
        for sid, url, why in cases:
            with self.subTest(url=url):
                d = self.daemon([{"id": "good", "url": self.http.url("/good.rss")},
                                 {"id": sid, "url": url}])
                with open(d.conf) as f:
                    text = f.read()
                p = harness.run([harness.NEWSD, "--check-config", "-c", d.conf])
                self.assertEqual(p.returncode, 1, p.stdout)
                line = self.assertOneLine(p.stderr)
                self.assertTrue(line.startswith("%s:%d: " % (d.conf, harness.line_of(
                    text, 'id = "%s"' % sid))), line)
                self.assertIn(sid, line)
                self.assertIn(why, line)
                r = harness.run([harness.NEWSD, "-c", d.conf], timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(line, self.assertOneLine(r.stderr))


class SignalTest(harness.NewsdTestCase):

    def test_sigusr1_and_sigusr2(self):
        self.http.write("s.rss", make_rss("S", []))
        d = self.daemon([{"id": "s", "url": self.http.url("/s.rss")}], log_level="info")
        d.start()
        d.wait_polled()

        def debug_lines():
            return len(d.log_lines(7))

        self.assertEqual(debug_lines(), 0, "debug lines at log_level info")
        d.send_signal(signal.SIGUSR1)
        harness.wait_until(lambda: [l for l in d.log_lines(6) if l.startswith("<6>status: ")],
                           timeout=10, what="the status line SIGUSR1 logs")
        line = [l for l in d.log_lines(6) if l.startswith("<6>status: ")][0]
        self.assertIn("1 source:", line)
        self.assertTrue(d.running())

        d.send_signal(signal.SIGUSR2)
        harness.wait_until(lambda: any("SIGUSR2" in l and "debug" in l for l in d.log_lines()),
                           timeout=10, what="SIGUSR2 to turn debug logging on")
        self.assertTrue(d.request({"cmd": "ping"})["ok"])
        harness.wait_until(lambda: debug_lines() > 0, timeout=10,
                           what="debug lines after SIGUSR2")
        d.send_signal(signal.SIGUSR2)
        harness.wait_until(lambda: sum("SIGUSR2" in l for l in d.log_lines()) >= 2, timeout=10,
                           what="the second SIGUSR2")
        n = debug_lines()
        self.assertTrue(d.request({"cmd": "ping"})["ok"])
        p = d.ctl("refresh", "s")
        self.assertEqual(p.returncode, 0, p.stderr)
        time.sleep(1)
        self.assertEqual(debug_lines(), n, "debug lines after the second SIGUSR2")

        for _ in range(5):
            d.send_signal(signal.SIGUSR1)
            d.send_signal(signal.SIGUSR2)
        time.sleep(1)
        self.assertTrue(d.running(), d.log_text())
        self.assertTrue(d.request({"cmd": "ping"})["ok"])
        rc, _ = d.stop()
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    harness.main()
