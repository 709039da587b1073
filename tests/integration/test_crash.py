#!/usr/bin/python3
"""kill -9 at random moments while group commits run: nothing lost, nothing journaled twice.

Twelve sources grow by bursts of items while newsd is killed (SIGKILL) fifty times at random
moments of its work: while transfers run, documents are prepared on the worker and admitted in
group commits, and messages go out.  A subscriber stays connected through every run.  At the end
a last run polls everything once more and stops cleanly; then:
  - every item the server ever served is in the journal exactly once (by guid), seq runs
    1..N without a gap, and no article id is journaled twice;
  - every message the subscriber saw is in the journal under the same seq, with the same id
    (nothing was published that the store did not keep);
  - SQLite's integrity_check of the store says ok.
NEWSD_CRASH_ROUNDS changes the number of kills (default 50)."""

import os
import random
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_rss  # noqa: E402

SOURCES = 12
ROUNDS = int(os.environ.get("NEWSD_CRASH_ROUNDS", "50"))
WORDS = ("harbour council budget rail strike ferry bridge school museum river storm grain port "
         "union minister court election hospital library market festival farmers energy grid "
         "wind solar flood drought census transit airport police orchestra vineyard mountain "
         "island coast forest highway tunnel water price tax wage housing rent").split()


def story(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


class CrashTest(harness.NewsdTestCase):

    def test_kill9_during_group_commits(self):
        rng = random.Random(20261206)
        feeds = {i: [] for i in range(SOURCES)}
        served = set()

        def grow(k):
            """k new items on random feeds (each a distinct story of ~150 words)."""
            for _ in range(k):
                i = rng.randrange(SOURCES)
                n = len(feeds[i])
                guid = "s%d-%d" % (i, n)
                feeds[i].insert(0, {"title": "Story %d of feed %d" % (n, i),
                                    "link": "https://crash.example/%d/%d" % (i, n),
                                    "guid": guid,
                                    "description": "%s (%s)" % (story(rng, 150), guid)})
                served.add(guid)
            for i in range(SOURCES):
                self.http.write("f%d.rss" % i, make_rss("Feed %d" % i, feeds[i][:400]))

        grow(SOURCES * 20)
        published_before_last = 0
        srcs = [{"id": "f%d" % i, "url": self.http.url("/f%d.rss" % i), "interval": 1}
                for i in range(SOURCES)]
        d = self.daemon(srcs, near_duplicates="off", log_level="info")
        sub = self.subscriber(d.pub_endpoint)
        for r in range(ROUNDS):
            d.start(wait=False)
            if r == 0:
                sub.wait_connected()
            time.sleep(rng.uniform(0.05, 1.2))
            d.kill()
            grow(rng.randrange(0, 60))
        # the kills fell on running work: articles were journaled and published meanwhile
        published_before_last = sub.count()
        self.assertGreater(published_before_last, len(served) // 4,
                           "the killed runs did too little for the test to mean much")
        # a last run: everything is polled again, then a clean stop
        d.start()
        p, reply = d.refresh(force=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        harness.wait_until(lambda: len(d.replay_all()) >= len(served), timeout=120,
                           what="every item served to be journaled")
        time.sleep(1.0)
        journal = d.replay_all()
        rc, _ = d.stop()
        self.assertEqual(rc, 0)

        seqs = [m["seq"] for m in journal]
        self.assertEqual(seqs, list(range(1, len(journal) + 1)), "seq without a gap")
        guids = [m["guid"] for m in journal]
        self.assertEqual(len(guids), len(set(guids)), "an item journaled twice")
        self.assertEqual(set(guids), served, "items lost")
        self.assertEqual(len({m["id"] for m in journal}), len(journal))
        by_seq = {m["seq"]: m for m in journal}
        seen = sub.objs()
        self.assertGreater(len(seen), 0)
        for m in seen:
            self.assertIn(m["seq"], by_seq, "seq %d was published but is not in the journal"
                          % m["seq"])
            self.assertEqual(m["id"], by_seq[m["seq"]]["id"],
                             "seq %d was published as another article" % m["seq"])
        db = sqlite3.connect(os.path.join(self.tmp, "state", "newsd.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        db.close()
        kills = len(d.logs) - 1
        self.assertEqual(kills, ROUNDS)


if __name__ == "__main__":
    harness.main()
