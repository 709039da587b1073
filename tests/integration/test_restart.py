#!/usr/bin/python3
"""Stopping and restarting: SIGTERM/SIGINT exit 0 within seconds, the journal and seq survive,
nothing is published twice, and after kill -9 a new item is published once with the next seq."""

import os
import signal
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

STOP_WITHIN = 10.0  # "SIGTERM stops it cleanly": allow 10 s on a noisy machine


class RestartTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.alpha_items = [make_item(i, "alpha") for i in (1, 2, 3)]
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha_items))
        self.http.write("beta.rss", make_rss("Beta", [make_item(i, "beta") for i in (1, 2)]))
        self.paths = ["/alpha.rss", "/beta.rss"]
        self.d = self.daemon([
            {"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha"},
            {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news.beta"},
        ])

    def first_run(self):
        self.d.start()
        self.d.wait_polled()
        journal = harness.wait_until(
            lambda: (lambda j: j if len(j) >= 5 else None)(self.d.replay_all()),
            what="5 journaled articles")
        self.assertEqual([m["seq"] for m in journal], [1, 2, 3, 4, 5])
        return journal

    def stop(self, sig=signal.SIGTERM):
        rc, took = self.d.stop(sig, timeout=STOP_WITHIN)
        self.assertIsNotNone(rc, "newsd did not exit within %.0f s of %s"
                             % (STOP_WITHIN, signal.Signals(sig).name))
        self.assertEqual(rc, 0, "newsd must exit 0 on %s" % signal.Signals(sig).name)

    def replay_cli(self):
        p = self.d.ctl("replay", "--since", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        return harness.json_lines(p.stdout)

    def test_sigterm_restart_kill9(self):
        journal = self.first_run()

        # --- SIGTERM: exit 0 within seconds
        self.stop(signal.SIGTERM)

        # --- restart: the first poll and a refresh publish nothing; the journal is intact
        sub = self.start_subscribed(self.d, self.paths)
        self.d.wait_polled()
        p, reply = self.d.refresh()
        self.assertEqual(p.returncode, 0, p.stderr)
        for i in ("alpha", "beta"):
            self.assertEqual(reply[i]["new"], 0, reply)
            self.assertIn(reply[i]["outcome"], ("ok", "not-modified"))
            self.assertEqual(reply[i]["seq"], 5)
        time.sleep(1.0)
        self.assertEqual(sub.objs(), [], "nothing may be published again after a restart")
        self.assertEqual(self.replay_cli(), journal,
                         "replay --since 0 after a restart must show the same journal")
        st = self.d.status()
        self.assertEqual(st["seq"], 5)
        # the stored validators survived: the refresh was a conditional GET
        last = self.http.log("/alpha.rss")[-1]
        self.assertIn("if-none-match", last["headers"])
        self.assertEqual(last["status"], 304)

        # --- kill -9, a new item, restart: published once, seq continues without a gap.
        # A restart polls only what is due: alpha is not, so the refresh finds the new item.
        self.d.kill()
        self.alpha_items.append(make_item(4, "alpha"))
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha_items))
        polls = len(self.http.log("/alpha.rss"))
        sub2 = self.start_subscribed(self.d, self.paths)
        time.sleep(1.0)
        self.assertEqual(len(self.http.log("/alpha.rss")), polls,
                         "a restart polls only the sources that are due")
        p, reply = self.d.refresh()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["alpha"]["new"], 1)
        msgs = sub2.wait_count(1)
        p, reply = self.d.refresh()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["alpha"]["new"], 0, "the new item was already published")
        time.sleep(1.0)
        msgs = sub2.objs()
        self.assertEqual(len(msgs), 1, [m.get("url") for m in msgs])
        m = msgs[0]
        self.assertEqual(m["url"], "https://news.example/alpha/4")
        self.assertEqual(m["seq"], 6, "seq continues after kill -9 (no gap, no repeat)")
        alpha_ts = [j["topic_seq"] for j in journal if j["source"]["id"] == "alpha"]
        self.assertEqual(m["topic_seq"], max(alpha_ts) + 1)
        after = self.replay_cli()
        self.assertEqual([j["seq"] for j in after], [1, 2, 3, 4, 5, 6])
        self.assertEqual(after[:5], journal)
        self.assertEqual(after[5], m)
        self.assertEqual(len({j["id"] for j in after}), 6, "no article journaled twice")

        # --- one more clean stop, with SIGINT this time
        self.stop(signal.SIGINT)

    def test_ids_stable_across_restart_with_new_state(self):
        """The same article gets the same id from a daemon with a fresh state folder."""
        journal = self.first_run()
        self.stop()
        import shutil
        shutil.rmtree(os.path.join(self.tmp, "state"))
        self.d.start()
        self.d.wait_polled()
        again = harness.wait_until(
            lambda: (lambda j: j if len(j) >= 5 else None)(self.d.replay_all()),
            what="5 journaled articles")
        self.assertEqual({m["url"]: m["id"] for m in again},
                         {m["url"]: m["id"] for m in journal})

    def test_sigterm_during_slow_poll(self):
        """SIGTERM while a transfer hangs: still exit 0 within 10 s."""
        self.http.rule("/beta.rss", hang=True)
        self.d.start()
        harness.wait_until(lambda: self.http.log("/beta.rss"), what="the poll of beta")
        time.sleep(0.5)
        self.stop(signal.SIGTERM)


if __name__ == "__main__":
    harness.main()
