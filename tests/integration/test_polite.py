#!/usr/bin/python3
"""Polite across restarts, refreshes, dead sources and busy hosts (what the server saw, when).

- Restart (SIGTERM, then kill -9): a source told `Retry-After: 7200`, one backing off after a
  500 and a healthy one with interval 3600 are not polled at start; a source never polled
  before is.
- `newsctl refresh` skips the rate-limited, backing-off, gone and disabled sources, one line on
  stderr each saying why, exit 0, no request; `--force` polls each.
- 410 Gone: state `gone`, one warning asking to remove the source, no more polls (not even after
  a restart); `refresh --force` polls it; a reload with a new URL polls the new URL.
- Host spacing: requests to one host start at least scheduler.host_spacing apart; 0 turns it
  off; two hosts are spaced independently."""

import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

QUIET = 3.0  # seconds after a start during which nothing that is not due may be requested
SPACING = 0.5
SPACING_MIN = 0.45  # what the server may see between two requests to one host



class PoliteTest(harness.NewsdTestCase):

    def feed(self, name, n=2):
        self.http.write(name + ".rss", make_rss(name.capitalize(),
                                                [make_item(i, name) for i in range(1, n + 1)]))
        return {"id": name, "url": self.http.url("/%s.rss" % name)}

    def requests(self, *names):
        """Requests the server saw for /NAME.rss of each name."""
        return [e for e in self.http.log() if e["path"] in ["/%s.rss" % n for n in names]]

    def by_id(self, d):
        return {s["id"]: s for s in d.status()["sources"]}

    def assertQuiet(self, d, names, seconds=QUIET, start=None):
        """No request for names during `seconds` after `start` (default: now)."""
        end = (start or time.monotonic()) + seconds
        while time.monotonic() < end:
            self.assertTrue(d.running(), d.log_text())
            time.sleep(0.2)
        seen = self.requests(*names)
        self.assertEqual([e["path"] for e in seen], [],
                         "polled although not due: %s" % [e["path"] for e in seen])

    # --- restarts ---------------------------------------------------------------------------
    def test_restart_polls_only_what_is_due(self):
        limited = dict(self.feed("limited"), interval=1)
        failing = dict(self.feed("failing"), interval=30)
        healthy = dict(self.feed("healthy"), interval=3600)
        self.http.rule("/limited.rss", status=429, retry_after=7200)
        self.http.rule("/failing.rss", status=500)
        sources = [limited, failing, healthy]
        d = self.daemon(sources)
        d.start()
        d.wait_polled()
        st = self.by_id(d)
        self.assertEqual(st["limited"]["outcome"], "rate-limited", st["limited"])
        self.assertEqual(st["failing"]["outcome"], "http-5xx", st["failing"])
        self.assertEqual(st["healthy"]["outcome"], "ok", st["healthy"])
        old = ("limited", "failing", "healthy")

        for how, fresh in (("SIGTERM", "fresh"), ("kill -9", "fresher")):
            with self.subTest(how=how):
                if how == "SIGTERM":
                    rc, _ = d.stop()
                    self.assertEqual(rc, 0)
                else:
                    d.kill()
                sources = sources + [self.feed(fresh)]
                d.write_config(sources)
                self.http.clear_log()
                t0 = time.monotonic()
                d.start()
                harness.wait_until(lambda: self.requests(fresh), timeout=10,
                                   what="the never-polled source %s to be polled at start"
                                   % fresh)
                self.assertQuiet(d, old + (("fresh",) if fresh == "fresher" else ()),
                                 start=t0)
                self.assertEqual(len(self.requests(fresh)), 1)
                st = self.by_id(d)
                now = time.time()
                self.assertEqual(st["limited"]["state"], "waiting", st["limited"])
                self.assertGreater(harness.parse_time(st["limited"]["next_poll"]), now + 7000,
                                   st["limited"])
                self.assertIsNotNone(st["limited"]["retry_until"], st["limited"])
                self.assertEqual(st["failing"]["state"], "backoff", st["failing"])
                self.assertEqual(st["failing"]["errors"], 1, st["failing"])
                self.assertGreater(harness.parse_time(st["failing"]["next_poll"]), now + 5,
                                   st["failing"])
                self.assertEqual(st["healthy"]["outcome"], "ok", st["healthy"])
                self.assertGreater(harness.parse_time(st["healthy"]["next_poll"]), now + 3000,
                                   st["healthy"])
                self.assertEqual(st[fresh]["outcome"], "ok", st[fresh])

    def not_modified_then_restart(self, how):
        """A source (interval 10) polled with a 200, then with a 304 by a refresh shortly before
        its due time: its next poll moved 10 s on.  Restarted (how) after the old due time: it
        is not due, and must not be polled at start."""
        d = self.daemon([dict(self.feed("quiet"), interval=10)])
        d.start()
        d.wait_polled()
        t0 = time.monotonic()  # the 200
        time.sleep(8.5)
        p, reply = d.refresh("quiet")
        self.assertEqual(reply["quiet"]["outcome"], "not-modified", p.stdout + p.stderr)
        due = harness.parse_time(self.by_id(d)["quiet"]["next_poll"])
        self.assertGreater(due, time.time() + 8, "the 304 did not move the next poll")
        # past the due time the 200 gave (interval + at most a tenth of it as jitter)
        time.sleep(max(0.0, t0 + 11.5 - time.monotonic()))
        if how == "SIGTERM":
            rc, _ = d.stop()
            self.assertEqual(rc, 0)
        else:
            d.kill()
        self.http.clear_log()
        t1 = time.monotonic()
        d.start()
        self.assertLess(time.time() + QUIET, due)
        self.assertQuiet(d, ["quiet"], start=t1)

    def test_not_modified_timing_survives_sigterm(self):
        self.not_modified_then_restart("SIGTERM")

    def test_not_modified_timing_survives_kill_9(self):
        self.not_modified_then_restart("kill -9")

    # --- refresh ----------------------------------------------------------------------------
    def held_sources(self):
        """limited (429 + Retry-After in seconds), busy (503 + Retry-After as a date), failing
        (500, backing off), gone (410), off (disabled), fine (healthy): started and polled.
        Returns the daemon."""
        srcs = [dict(self.feed("limited"), interval=1), dict(self.feed("busy"), interval=1),
                dict(self.feed("failing"), interval=30),
                dict(self.feed("gone"), interval=1), dict(self.feed("off"), enabled=False),
                self.feed("fine")]
        self.http.rule("/limited.rss", status=429, retry_after=7200)
        self.http.rule("/busy.rss", status=503, retry_after_date=600)
        self.http.rule("/failing.rss", status=500)
        self.http.rule("/gone.rss", status=410)
        d = self.daemon(srcs)
        d.start()
        d.wait_polled(["limited", "busy", "failing", "gone", "fine"])
        return d

    def test_refresh_skips_sources_that_asked_to_wait(self):
        d = self.held_sources()
        st = self.by_id(d)
        self.assertEqual(st["gone"]["state"], "gone", st["gone"])
        self.assertEqual(st["off"]["state"], "disabled", st["off"])
        self.assertEqual(self.requests("off"), [], "a disabled source was polled")
        held = {"limited": "Retry-After", "busy": "Retry-After", "failing": "backing off",
                "gone": "410",
                "off": "enabled = false"}
        self.http.clear_log()
        for args in (list(held), []):  # by name, then every source
            with self.subTest(args=args):
                p = d.ctl("refresh", *args)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                lines = p.stderr.splitlines()
                for sid, why in held.items():
                    mine = [l for l in lines if l.startswith("newsctl: %s " % sid)]
                    self.assertEqual(len(mine), 1, "one line about %s expected: %r"
                                     % (sid, p.stderr))
                    self.assertIn("skipped", mine[0])
                    self.assertIn(why, mine[0])
                self.assertFalse(any(l.startswith("newsctl: fine ") for l in lines), p.stderr)
                self.assertEqual([e["path"] for e in self.requests(*held)], [],
                                 "refresh without --force polled a held source")
        self.assertEqual(len(self.requests("fine")), 1, "refresh did not poll fine")

        # --force polls each (the server has recovered meanwhile)
        for name in held:
            self.http.rule("/%s.rss" % name)
        self.http.clear_log()
        p, reply = d.refresh(*held, force=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stderr.strip(), "")
        self.assertEqual(sorted(e["path"] for e in self.requests(*held)),
                         sorted("/%s.rss" % n for n in held))
        for sid in held:
            self.assertEqual(reply[sid]["outcome"], "ok", reply[sid])
            self.assertEqual(reply[sid]["new"], 2, reply[sid])
        st = self.by_id(d)
        self.assertEqual(st["off"]["state"], "disabled", st["off"])
        self.assertEqual(st["gone"]["outcome"], "ok", st["gone"])
        # the gone source is back on its interval (1 s); the disabled one is not
        harness.wait_until(lambda: len(self.requests("gone")) >= 3, timeout=15,
                           what="the recovered gone source to be polled on its interval")
        self.assertEqual(len(self.requests("off")), 1, "a disabled source was polled again")

    # --- 410 --------------------------------------------------------------------------------
    def test_gone_stops_polling(self):
        d = self.daemon([dict(self.feed("gone"), interval=1), dict(self.feed("fine"),
                                                                   interval=1)])
        self.http.rule("/gone.rss", status=410)
        d.start()
        d.wait_polled()

        def warnings():
            return [l for l in d.log_lines(4) if "source gone:" in l]

        st = self.by_id(d)
        self.assertEqual(st["gone"]["outcome"], "gone", st["gone"])
        self.assertEqual(st["gone"]["state"], "gone", st["gone"])
        time.sleep(4)
        self.assertEqual(len(self.requests("gone")), 1, "a gone source was polled again")
        self.assertGreaterEqual(len(self.requests("fine")), 3, "the other source stopped")
        w = warnings()
        self.assertEqual(len(w), 1, "one warning about the gone source expected: %s" % w)
        self.assertIn("remove", w[0])
        self.assertIn("configuration", w[0])

        p = d.ctl("refresh", "gone")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("410", p.stderr)
        self.assertEqual(len(self.requests("gone")), 1)

        p, reply = d.refresh("gone", force=True)
        self.assertEqual(reply["gone"]["outcome"], "gone", p.stdout + p.stderr)
        self.assertEqual(len(self.requests("gone")), 2, "refresh --force did not poll it")
        time.sleep(3)
        self.assertEqual(len(self.requests("gone")), 2, "polled again after refresh --force")
        self.assertEqual(len(warnings()), 1, "the warning was repeated: %s" % warnings())

        # nor does a reload that leaves its URL alone
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        time.sleep(QUIET)
        self.assertEqual(len(self.requests("gone")), 2, "polled after a reload")

        # a restart does not bring it back either
        rc, _ = d.stop()
        self.assertEqual(rc, 0)
        d.start()
        time.sleep(QUIET)
        self.assertEqual(len(self.requests("gone")), 2, "polled after a restart")
        self.assertEqual(self.by_id(d)["gone"]["state"], "gone")
        self.assertEqual(len(warnings()), 1, "the warning was repeated: %s" % warnings())

        # a reload that changes its URL polls the new one, on its interval again
        self.feed("moved")
        d.write_config([{"id": "gone", "url": self.http.url("/moved.rss"), "interval": 1},
                        {"id": "fine", "url": self.http.url("/fine.rss"), "interval": 1}])
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        harness.wait_until(lambda: len(self.requests("moved")) >= 2, timeout=15,
                           what="the new URL to be polled (twice)")
        st = self.by_id(d)
        self.assertIn(st["gone"]["outcome"], ("ok", "not-modified"), st["gone"])
        self.assertGreaterEqual(st["gone"]["articles"], 2, st["gone"])
        self.assertNotEqual(st["gone"]["state"], "gone", st["gone"])
        self.assertEqual(len(self.requests("gone")), 2, "the old URL was polled again")

    # --- host spacing -----------------------------------------------------------------------
    def spaced_sources(self, servers, per_host):
        srcs = []
        for k, srv in enumerate(servers):
            for i in range(per_host):
                name = "h%d-%02d" % (k, i)
                srv.write(name + ".rss", make_rss(name, [make_item(1, name)]))
                srcs.append({"id": name, "url": srv.url("/%s.rss" % name)})
        return srcs

    def times(self, srv, n):
        entries = harness.wait_until(lambda: len(srv.log()) >= n and srv.log(), timeout=60,
                                     what="%d requests" % n)
        return sorted(e["time"] for e in entries)

    def gaps(self, ts):
        return [b - a for a, b in zip(ts, ts[1:])]

    def test_host_spacing(self):
        d = self.daemon(self.spaced_sources([self.http], 20),
                        extra="scheduler: { host_spacing = %s; max_per_host = 2; };" % SPACING)
        d.start()
        ts = self.times(self.http, 20)
        g = self.gaps(ts)
        self.assertGreaterEqual(min(g), SPACING_MIN, "requests to one host closer than %.2f s: "
                                "%s" % (SPACING_MIN, ["%.3f" % x for x in g]))
        d.wait_polled()

    def test_no_host_spacing(self):
        d = self.daemon(self.spaced_sources([self.http], 20),
                        extra="scheduler: { host_spacing = 0; max_per_host = 2; };")
        d.start()
        ts = self.times(self.http, 20)
        # held apart, 20 requests would take 19 * 0.45 s at least
        self.assertLess(ts[-1] - ts[0], 4.0, "20 requests with host_spacing = 0 took %.1f s"
                        % (ts[-1] - ts[0]))
        self.assertLess(min(self.gaps(ts)), 0.2)

    def test_two_hosts_are_spaced_independently(self):
        other = harness.HTTPServer(os.path.join(self.tmp, "www2"),
                                   os.path.join(self.tmp, "httpd2.log"), bind="127.0.0.2")
        self.closers.append(other.stop)
        n = 12
        d = self.daemon(self.spaced_sources([self.http, other], n),
                        extra="scheduler: { host_spacing = %s; max_per_host = 2; };" % SPACING)
        d.start()
        a = self.times(self.http, n)
        b = self.times(other, n)
        for host, ts in (("127.0.0.1", a), ("127.0.0.2", b)):
            g = self.gaps(ts)
            self.assertGreaterEqual(min(g), SPACING_MIN, "%s: requests closer than %.2f s: %s"
                                    % (host, SPACING_MIN, ["%.3f" % x for x in g]))
        both = sorted(a + b)
        span = both[-1] - both[0]
        # one spacing for both hosts would need (2n - 1) * 0.45 = 10.4 s; each on its own
        # needs (n - 1) * 0.5 = 5.5 s
        self.assertLess(span, (2 * n - 1) * SPACING_MIN * 0.8,
                        "the two hosts were not spaced independently: %d requests in %.1f s"
                        % (2 * n, span))


if __name__ == "__main__":
    harness.main()
