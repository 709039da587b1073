#!/usr/bin/python3
"""Prometheus metrics and /healthz (metrics.listen): a scrape after known polls (new articles, a
304, a 500, duplicates) shows exactly those counts; healthz answers 200, and 503 with the
reason while the store cannot commit (also when the daemon is idle: /healthz then writes to the
store itself); a non-loopback address needs metrics.allow_remote; a port in use stops the start
with one line."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NEWSD, make_item, make_rss, run  # noqa: E402

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def http_get(url):
    """(status, body text), never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.read().decode(), r.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Content-Type")


def parse_metrics(text):
    """{(name, frozenset of label pairs): value}, checking that every sample's family was
    declared with # TYPE before it."""
    out, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels, value = m.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or family in types, "no # TYPE for %s" % name
        out[(name, frozenset(LABEL.findall(labels or "")))] = float(value)
    return out


class MetricsTest(harness.NewsdTestCase):

    def scrape(self):
        status, body, ctype = http_get(self.base + "/metrics")
        self.assertEqual(status, 200, body)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        return parse_metrics(body)

    def value(self, m, name, **labels):
        return m.get((name, frozenset(labels.items())))

    def start(self, sources, **config):
        self.port = harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        extra = 'metrics: { listen = "127.0.0.1:%d"; };\n%s' % (self.port,
                                                               config.pop("extra", ""))
        d = self.daemon(sources, extra=extra, **config)
        d.start()
        return d

    def test_scrape_counts_what_happened(self):
        items = [make_item(n, "a") for n in (1, 2, 3)]
        feed = make_rss("A", items)
        self.http.write("a.rss", feed)
        self.http.write("b.rss", make_rss("B", [make_item(1, "b")]))
        self.http.rule("/b.rss", status=500)
        d = self.start([{"id": "a", "url": self.http.url("/a.rss")},
                        {"id": "b", "url": self.http.url("/b.rss")}])
        d.wait_polled()
        m = self.scrape()
        self.assertEqual(self.value(m, "newsd_polls_total", source="a", outcome="ok"), 1)
        self.assertEqual(self.value(m, "newsd_polls_total", source="b", outcome="http-5xx"), 1)
        self.assertEqual(self.value(m, "newsd_polls_total", source="b", outcome="ok"), 0)
        self.assertEqual(self.value(m, "newsd_articles_published_total"), 3)
        self.assertEqual(self.value(m, "newsd_journal_last_seq"), 3)
        self.assertEqual(self.value(m, "newsd_journal_articles"), 3)
        self.assertEqual(self.value(m, "newsd_dedupe_articles"), 3)
        self.assertGreater(self.value(m, "newsd_dedupe_memory_bytes"), 0)
        self.assertEqual(self.value(m, "newsd_sources", state="ok"), 1)
        self.assertEqual(self.value(m, "newsd_sources", state="backoff"), 1)
        self.assertEqual(self.value(m, "newsd_fetch_duration_seconds_count"), 2)
        self.assertEqual(self.value(m, "newsd_fetch_duration_seconds_bucket", le="+Inf"), 2)
        fetched = self.value(m, "newsd_fetched_bytes_total")
        self.assertGreaterEqual(fetched, len(feed))  # and the 500's short body
        self.assertLess(fetched, len(feed) + 200)
        self.assertEqual(self.value(m, "newsd_fetch_saved_bytes_total"), 0)
        self.assertGreaterEqual(self.value(m, "newsd_store_commit_duration_seconds_count"), 1)
        self.assertEqual(self.value(m, "newsd_store_commit_errors_total"), 0)
        self.assertEqual(self.value(m, "newsd_build_info", version=d.status()["version"]), 1)

        # a 304 saves the size of the last 200's body
        p, r = d.refresh("a")
        self.assertEqual(r["a"]["outcome"], "not-modified", p.stdout + p.stderr)
        m = self.scrape()
        self.assertEqual(self.value(m, "newsd_polls_total", source="a", outcome="not-modified"),
                         1)
        self.assertEqual(self.value(m, "newsd_fetch_saved_bytes_total"), len(feed))
        self.assertEqual(self.value(m, "newsd_fetched_bytes_total"), fetched)

        # one new item, the three others seen again (the source's own guids); a copy of item 1
        # under another guid and URL (same title and text)
        items.append(make_item(4, "a"))
        copy = dict(make_item(1, "a"), guid="copy-1", link="https://copies.example/1")
        self.http.write("a.rss", make_rss("A", items + [copy]))
        p, r = d.refresh("a")
        self.assertEqual(r["a"]["new"], 1, r)
        m = self.scrape()
        self.assertEqual(self.value(m, "newsd_polls_total", source="a", outcome="ok"), 2)
        self.assertEqual(self.value(m, "newsd_articles_published_total"), 4)
        self.assertEqual(self.value(m, "newsd_duplicates_total", kind="guid"), 3)
        self.assertEqual(self.value(m, "newsd_duplicates_total", kind="text"), 1)
        self.assertEqual(self.value(m, "newsd_duplicates_total", kind="url"), 0)
        self.assertEqual(self.value(m, "newsd_duplicates_total", kind="near"), 0)
        self.assertEqual(self.value(m, "newsd_journal_last_seq"), 4)

        status, body, _ = http_get(self.base + "/healthz")
        self.assertEqual((status, body), (200, "ok\n"))
        status, body, _ = http_get(self.base + "/nothing")
        self.assertEqual(status, 404)
        self.assertTrue(any("metrics: http://127.0.0.1:%d/metrics" % self.port in l
                            for l in d.log_lines(6)), d.log_text())

    def test_reload_keeps_the_address(self):
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        d = self.start([{"id": "a", "url": self.http.url("/a.rss")}])
        d.wait_polled()
        other = harness.free_port()
        d.write_config(extra='metrics: { listen = "127.0.0.1:%d"; };' % other)
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(http_get(self.base + "/healthz")[0], 200)
        self.assertTrue(any("reload: metrics.listen: changed in the file, kept as they are until "
                            "a restart" in l
                            for l in d.log_lines(4)), d.log_text())

    def test_remote_address_needs_allow_remote(self):
        d = self.daemon([], extra='metrics: { listen = "0.0.0.0:9464"; };')
        p = run([NEWSD, "--check-config", "-c", d.conf])
        self.assertEqual(p.returncode, 1)
        line = self.assertOneLine(p.stderr)
        with open(d.conf) as f:
            n = harness.line_of(f.read(), "metrics:")
        self.assertIn("newsd.conf:%d: metrics.listen \"0.0.0.0:9464\" can be reached from other "
                      "machines" % n, line)
        self.assertIn("metrics.allow_remote = true", line)
        d.write_config(extra='metrics: { listen = "0.0.0.0:9464"; allow_remote = true; };')
        p = run([NEWSD, "--check-config", "-c", d.conf])
        self.assertEqual(p.returncode, 0, p.stderr)
        for bad in ("127.0.0.1", "127.0.0.1:http", "localhost:99999", "[::1:9464"):
            d.write_config(extra='metrics: { listen = "%s"; };' % bad)
            p = run([NEWSD, "--check-config", "-c", d.conf])
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn("metrics.listen", p.stderr)

    def test_port_in_use(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        port = s.getsockname()[1]
        d = self.daemon([], extra='metrics: { listen = "127.0.0.1:%d"; };' % port)
        d.start(wait=False)
        rc = d.proc.wait(20)
        self.assertEqual(rc, 1)
        self.assertIn("metrics: cannot listen on 127.0.0.1:%d" % port, d.log_text())


class HealthIdleStoreTest(harness.NewsdTestCase):
    """An idle daemon commits nothing: /healthz writes to the store itself when the store took no
    write for 10 s. While another process holds the store's write lock it says 503 and SQLite's
    reason; once the lock is gone, 200 again."""

    def test_idle_store_is_probed(self):
        self.http.write("idle.rss", make_rss("Idle", [make_item(1, "idle")]))
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        d = self.daemon([{"id": "idle", "url": self.http.url("/idle.rss")}],
                        extra='metrics: { listen = "127.0.0.1:%d"; };' % port)
        d.start()
        d.wait_polled()
        self.assertEqual(http_get(base + "/healthz")[:2], (200, "ok\n"))
        db = sqlite3.connect(os.path.join(self.tmp, "state", "newsd.db"), timeout=30,
                             isolation_level=None)
        self.addCleanup(db.close)
        db.execute("BEGIN EXCLUSIVE")
        status, body, _ = harness.wait_until(
            lambda: (lambda r: r if r[0] != 200 else None)(http_get(base + "/healthz")),
            timeout=60, what="/healthz to see the store locked")
        self.assertEqual(status, 503, body)
        self.assertIn("store: the last commit failed: database is locked", body)
        db.execute("ROLLBACK")
        harness.wait_until(lambda: http_get(base + "/healthz")[:2] == (200, "ok\n"),
                           timeout=60, what="/healthz to see the store well again")
        self.assertTrue(d.running())


class HealthFullDiskTest(harness.NewsdTestCase):
    """/healthz says 503 and SQLite's reason while commits fail, 200 again once they pass."""

    def setUp(self):
        super().setUp()
        self.state = self.small_disk("1m")

    def test_store_failure(self):
        def item(n):
            it = make_item(n, "disk")
            it["description"] = " ".join("w%d-%d" % (n, k) for k in range(5000))
            return it
        items = [item(1)]
        self.http.write("disk.rss", make_rss("Disk", items))
        port = harness.free_port()
        base = "http://127.0.0.1:%d" % port
        d = self.daemon([{"id": "disk", "url": self.http.url("/disk.rss")}],
                        extra='metrics: { listen = "127.0.0.1:%d"; };' % port)
        d.start()
        d.wait_polled()
        self.assertEqual(http_get(base + "/healthz")[:2], (200, "ok\n"))
        failed = False
        while not failed and len(items) < 60:
            items += [item(len(items) + k) for k in (1, 2, 3, 4)]
            self.http.write("disk.rss", make_rss("Disk", items))
            p, _ = d.refresh("disk")
            failed = p.returncode != 0
        self.assertTrue(failed, "60 items of 50 KB fit in a 1 MB store")
        status, body, _ = http_get(base + "/healthz")
        self.assertEqual(status, 503)
        self.assertIn("store: the last commit failed: database or disk is full", body)
        m = parse_metrics(http_get(base + "/metrics")[1])
        self.assertGreaterEqual(m[("newsd_store_commit_errors_total", frozenset())], 1)
        p = subprocess.run(["mount", "-o", "remount,size=64m", self.state], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p, r = d.refresh("disk", force=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(http_get(base + "/healthz")[:2], (200, "ok\n"))


if __name__ == "__main__":
    harness.main()
