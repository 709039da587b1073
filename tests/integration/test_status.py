#!/usr/bin/python3
"""newsctl status: every source with the class of its last poll, over a set of failing servers;
the daemon keeps running through all of them."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

# id -> (httpd rule, expected outcome, expected http_status or None to skip)
CASES = {
    "good": ({}, "ok", 200),
    "unchanged": ({}, "not-modified", 304),          # outcome of the second poll
    "e500": ({"status": 500}, "http-5xx", 500),
    "e503": ({"status": 503, "retry_after": 30}, "http-5xx", 503),
    "e404": ({"status": 404}, "http-4xx", 404),
    "e410": ({"status": 410}, "gone", 410),
    "limited": ({"status": 429, "retry_after": 120}, "rate-limited", 429),
    "limiteddate": ({"status": 429, "retry_after_date": 300}, "rate-limited", 429),
    "hung": ({"hang": True}, "timeout", None),
    "stalled": ({"stall_after": 40}, "timeout", None),
    "garbage": ({"body": "this is not a feed at all { [ <\n",
                 "content_type": "application/rss+xml"}, "parse", 200),
}
FAILED = [i for i, c in CASES.items() if c[1] not in ("ok", "not-modified")]


class StatusTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        sources = []
        for i, (rule, outcome, code) in CASES.items():
            path = "/%s.rss" % i
            self.http.write(path, make_rss(i.capitalize(), [make_item(n, i) for n in (1, 2)]))
            if rule:
                self.http.rule(path, **rule)
            src = {"id": i, "url": self.http.url(path)}
            if i in ("hung", "stalled"):
                src["timeout"] = 2
            sources.append(src)
        # a broken response: Content-Length larger than the body, then close
        self.http.write("/truncated.rss", make_rss("T", [make_item(1, "t")]))
        self.http.rule("/truncated.rss", broken=True)
        sources.append({"id": "truncated", "url": self.http.url("/truncated.rss"),
                        "timeout": 5})
        self.d = self.daemon(sources)
        self.ids = [s["id"] for s in sources]

    def test_outcomes(self):
        self.d.start()
        self.d.wait_polled()
        p, reply = self.d.refresh("unchanged")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["unchanged"]["outcome"], "not-modified")

        p, st = self.d.ctl_json("status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIsInstance(st, dict, "status --json must print one JSON object: %r" % p.stdout)
        self.assertTrue(st["ok"])
        for k in ("version", "pid", "started", "uptime", "config", "seq", "journal",
                  "in_flight", "sources"):
            self.assertIn(k, st)
        self.assertEqual(st["pid"], self.d.proc.pid)
        self.assertEqual(os.path.realpath(st["config"]), os.path.realpath(self.d.conf))
        self.assertEqual([s["id"] for s in st["sources"]], self.ids,
                         "status lists every source, in configuration order")
        srcs = {s["id"]: s for s in st["sources"]}
        for i in self.ids:
            s = srcs[i]
            for k in ("id", "url", "topic", "interval", "state", "last_poll", "last_ok",
                      "next_poll", "http_status", "outcome", "error", "errors", "items",
                      "new", "duplicates", "articles", "redirect"):
                self.assertIn(k, s, "status of %s lacks %r" % (i, k))
            self.assertIn(s["outcome"], harness.OUTCOMES, s)
            self.assertIn(s["state"], ("ok", "backoff", "waiting", "gone", "pending"), s)
            self.assertEqual(s["topic"], "news." + i)
            self.assertRegex(s["last_poll"] or "", harness.RFC3339_UTC)
        for i, (rule, outcome, code) in CASES.items():
            s = srcs[i]
            self.assertEqual(s["outcome"], outcome, "%s: %r" % (i, s))
            if code is not None:
                self.assertEqual(s["http_status"], code, "%s: %r" % (i, s))
        for i in FAILED + ["truncated"]:
            s = srcs[i]
            self.assertGreaterEqual(s["errors"], 1, s)
            self.assertIsInstance(s["error"], str, "%s: a failed poll carries an error text" % i)
            self.assertIsNone(s["last_ok"], s)
        self.assertNotIn(srcs["truncated"]["outcome"], ("ok", "not-modified", None),
                         srcs["truncated"])
        g = srcs["good"]
        self.assertEqual((g["errors"], g["error"], g["items"], g["new"], g["articles"]),
                         (0, None, 2, 2, 2))
        self.assertRegex(g["last_ok"] or "", harness.RFC3339_UTC)
        self.assertEqual(g["state"], "ok")
        self.assertEqual(st["seq"], 4)  # good + unchanged, 2 items each

        # Retry-After sets a floor under the next scheduled poll (DESIGN: server hints)
        for i, floor in (("limited", 120), ("limiteddate", 250)):
            s = srcs[i]
            nxt = harness.parse_time(s["next_poll"])
            last = harness.parse_time(s["last_poll"])
            self.assertGreaterEqual(nxt - last, floor - 5,
                                    "%s: next poll %s, Retry-After %d s after %s"
                                    % (i, s["next_poll"], floor, s["last_poll"]))

        # the text form names every source with its outcome
        p = self.d.ctl("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        for i, (rule, outcome, code) in CASES.items():
            line = [l for l in p.stdout.splitlines() if i in l.split() or ("%s " % i) in l]
            self.assertTrue(line, "newsctl status does not name %s:\n%s" % (i, p.stdout))
            self.assertIn(outcome, "\n".join(line), "%s: %s" % (i, line))

        # refresh exit status: 1 when some source failed, and the reply says why
        p, reply = self.d.refresh("good", "e500", force=True)
        self.assertEqual(p.returncode, 1, "refresh with a failed source exits 1: %r" % p.stderr)
        self.assertEqual(reply["e500"]["outcome"], "http-5xx")
        self.assertEqual(reply["e500"]["http_status"], 500)
        self.assertIsInstance(reply["e500"]["error"], str)
        self.assertIn(reply["good"]["outcome"], ("ok", "not-modified"))
        # a source that asked to wait is skipped, saying why, unless forced
        p = self.d.ctl("refresh", "limited")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("limited skipped: the server asked to wait (Retry-After)", p.stderr)
        p = self.d.ctl("refresh", "--force", "limited")
        self.assertEqual(p.returncode, 1)
        # a body that failed to parse is fetched and refused again on the next poll (its
        # validators were not kept, so no 304 "not-modified" hides the failure)
        p, reply = self.d.refresh("garbage", force=True)
        self.assertEqual(reply["garbage"]["outcome"], "parse", reply)
        self.assertEqual(p.returncode, 1)
        self.assertNotIn("if-none-match", self.http.log("/garbage.rss")[-1]["headers"])

        # the daemon is alive and still answers
        self.assertTrue(self.d.running())
        self.assertTrue(self.d.request({"cmd": "ping"})["ok"])

    def test_recovery(self):
        """A source that failed and then works again goes back to ok with errors 0."""
        self.d.start()
        self.d.wait_polled()
        p, reply = self.d.refresh("e500", force=True)
        self.assertEqual(reply["e500"]["outcome"], "http-5xx")
        self.http.rule("/e500.rss")
        p, reply = self.d.refresh("e500", force=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["e500"]["outcome"], "ok")
        self.assertEqual(reply["e500"]["new"], 2)
        s = {s["id"]: s for s in self.d.status()["sources"]}["e500"]
        self.assertEqual((s["outcome"], s["errors"], s["error"], s["state"]),
                         ("ok", 0, None, "ok"))
        # the hung server did not block anything else, and it times out again
        p, reply = self.d.refresh("hung", force=True)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(reply["hung"]["outcome"], "timeout")
        self.assertTrue(self.d.running())


if __name__ == "__main__":
    harness.main()
