#!/usr/bin/python3
"""The JetStream sink (publish.nats) against a real `nats-server -js` on 127.0.0.1: every
journaled article reaches the stream exactly once (read back with an ordered consumer, the
tests' stream_read tool); a NATS outage never holds polling, the backlog shows in status and
drains when the server returns, and so do the metrics newsd_nats_connected and
newsd_nats_backlog; kill -9 of newsd before the stream's acknowledgement loses
nothing and duplicates nothing; a restart sends nothing again; without publish.nats, status
says so.  Skipped when nats-server is not installed."""

import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402
from natsd import NATS_SERVER, NatsServer, SinkCase  # noqa: E402
from test_metrics import http_get, parse_metrics  # noqa: E402


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class NatsSinkTest(SinkCase):

    def setUp(self):
        super().setUp()
        self.nats = NatsServer(os.path.join(self.tmp, "nats"))
        self.closers.append(self.nats.stop)
        self.alpha = [make_item(i, "alpha") for i in range(1, 6)]
        self.beta = [make_item(i, "beta") for i in range(1, 4)]
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha))
        self.http.write("beta.rss", make_rss("Beta", self.beta))
        listen = "127.0.0.1:%d" % harness.free_port()
        self.metrics = "http://%s/metrics" % listen
        self.d = self.daemon([
            {"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha"},
            # a topic that is no NATS subject as it stands: an empty token, a space, a wildcard
            {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news..beta *"},
        ], publish_opts={"nats": {"servers": [self.nats.url], "stream": "NEWS",
                                  "subject_prefix": "wire"}},
            extra='metrics: { listen = "%s"; };' % listen)

    def nats_metrics(self):
        """(newsd_nats_connected, newsd_nats_backlog) as /metrics shows them."""
        status, body, _ = http_get(self.metrics)
        self.assertEqual(status, 200, body)
        m = parse_metrics(body)
        return (m[("newsd_nats_connected", frozenset())], m[("newsd_nats_backlog", frozenset())])

    def subject_of(self, article):
        return ("wire.news.alpha" if article["source"]["id"] == "alpha"
                else "wire.news._.beta__")

    def assertStreamIsJournal(self):
        return self.assert_stream_is_journal(self.nats.read, self.d, self.subject_of)

    def add_items(self, first, n):
        self.alpha += [make_item(i, "alpha") for i in range(first, first + n)]
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha))

    def test_every_article_once_and_restart(self):
        self.nats.start()
        self.d.start()
        self.d.wait_polled()
        st = self.wait_sent(self.d)
        self.assertEqual(st["seq"], 8)
        self.assertEqual(st["nats"]["acked"], 8)
        self.assertEqual(st["nats"]["stream"], "NEWS")
        self.assertEqual(st["nats"]["server"], self.nats.url)
        self.assertStreamIsJournal()
        p = self.d.ctl("status")
        self.assertIn("nats: stream NEWS, connected, backlog 0", p.stdout)

        # a restart of newsd sends nothing again; a new article follows
        rc, _ = self.d.stop()
        self.assertEqual(rc, 0)
        self.d.start()
        self.d.wait_polled()
        self.add_items(6, 1)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 1, p.stdout + p.stderr)
        self.assertEqual(self.wait_sent(self.d)["nats"]["acked"], 1)
        self.assertEqual(len(self.assertStreamIsJournal()), 9)

    def test_reload_keeps_the_sink(self):
        self.nats.start()
        self.d.start()
        self.d.wait_polled()
        self.wait_sent(self.d)
        self.d.write_config(publish_opts={"nats": {"servers": [self.nats.url], "stream": "OTHER",
                                                   "subject_prefix": "wire"}})
        p = self.d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        harness.wait_until(lambda: any("reload: publish.nats.stream: changed in the file, kept "
                                       "as they are until a restart" in l
                                       for l in self.d.log_lines()),
                           what="the reload to say publish.nats waits for a restart")
        self.add_items(6, 1)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 1)
        st = self.wait_sent(self.d)
        self.assertEqual(st["nats"]["stream"], "NEWS")
        self.assertEqual(len(self.assertStreamIsJournal()), 9)
        self.assertIsNone(self.nats.read("OTHER"))

    def test_outage_polling_goes_on_and_catches_up(self):
        self.nats.start()
        self.d.start()
        self.d.wait_polled()
        self.wait_sent(self.d)
        self.assertEqual(self.nats_metrics(), (1, 0))

        # the server goes away: polls are not held, the articles wait in the journal
        self.nats.stop()
        harness.wait_until(lambda: not self.nats_status(self.d)["connected"],
                           what="newsd to see the server gone")
        self.assertEqual(self.nats_metrics(), (0, 0))
        self.add_items(6, 3)
        t0 = time.monotonic()
        p, reply = self.d.refresh("alpha")
        took = time.monotonic() - t0
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["alpha"]["new"], 3)
        self.assertLess(took, 5.0, "a refresh during the outage took %.1f s" % took)
        harness.wait_until(lambda: self.nats_status(self.d)["backlog"] == 3,
                           what="a backlog of 3 in status")
        self.assertIn("backlog 3", self.d.ctl("status").stdout)
        self.assertEqual(self.nats_metrics(), (0, 3))

        # newsd killed during the outage: the backlog survives it
        self.d.kill()
        self.d.start()
        self.d.wait_polled()
        self.add_items(9, 2)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 2)
        n = harness.wait_until(lambda: (lambda s: s if s["backlog"] == 5 else None)(
            self.nats_status(self.d)), what="a backlog of 5 in status")
        self.assertFalse(n["connected"])
        self.assertTrue(n["error"])

        # the server returns (with its store): everything arrives once
        self.assertEqual(self.nats_metrics(), (0, 5))
        self.nats.start()
        st = self.wait_sent(self.d, "the backlog to drain after the outage")
        self.assertEqual(st["nats"]["acked"], 5)
        self.assertEqual(self.nats_metrics(), (1, 0))
        self.assertEqual(len(self.assertStreamIsJournal()), 13)

    def test_kill9_before_acknowledgement(self):
        self.nats.start()
        self.d.start()
        self.d.wait_polled()
        self.wait_sent(self.d)

        # the server freezes: newsd sends, no acknowledgement comes back
        self.nats.pause()
        self.add_items(6, 4)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 4, p.stdout + p.stderr)
        harness.wait_until(lambda: self.nats_status(self.d)["in_flight"] == 4,
                           what="4 messages sent and not acknowledged")
        self.assertEqual(self.nats_status(self.d)["backlog"], 4)
        # killed between the journal and the acknowledgement
        self.d.kill()
        self.nats.pause(False)
        # the server took what reached it before newsd died
        stored = harness.wait_until(
            lambda: (lambda m: m if m is not None and len(m) == 12 else None)(self.nats.read()),
            what="the 4 messages sent before the kill to be stored")
        self.assertEqual(len(stored), 12)

        # the restart sends the 4 rows again: the stream refuses the copies by message id
        self.d.start()
        self.wait_sent(self.d, "the resent rows to be acknowledged")
        self.assertTrue(any("4 articles to send" in l for l in self.d.log_lines()),
                        "the restart must find the 4 unacknowledged rows")
        time.sleep(1.0)
        self.assertEqual(len(self.assertStreamIsJournal()), 12)


class NoNatsTest(harness.NewsdTestCase):

    def test_status_without_nats(self):
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        d.start()
        d.wait_polled()
        self.assertIsNone(d.status()["nats"])
        self.assertNotIn("nats:", d.ctl("status").stdout)
        self.assertFalse(any("nats" in l for l in d.log_lines()))


if __name__ == "__main__":
    harness.main()
