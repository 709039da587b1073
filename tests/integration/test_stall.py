#!/usr/bin/python3
"""The loop is never stalled: a 100,000-item document (about 19 MB) is ingested while
`newsctl status` and a raw ping over the control socket keep answering promptly (under 2 s
each here; the benchmark measures the real p99), another source's 1-second polls keep coming,
and at the end every item is journaled exactly once, seq without gaps."""

import json
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

N = 100000
PROMPT = 2.0      # seconds: the most a status or a ping may take during the ingestion
POLL_GAP = 4.0    # seconds: the most between two polls of the 1-second source
INGEST_LIMIT = 90  # seconds for the whole document to be journaled


def big_rss(n):
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
             "<title>Big</title><link>https://big.example/</link><description>big</description>\n"]
    for i in range(1, n + 1):
        parts.append(
            "<item><title>Big item %d</title><link>https://big.example/a/%d</link>"
            '<guid isPermaLink="false">big-%d</guid><pubDate>Wed, %02d Nov 2026 %02d:%02d:00 GMT'
            "</pubDate><description>Body of big item %d, text %d of its own.</description>"
            "</item>\n" % (i, i, i, 1 + i % 28, i % 24, i % 60, i, i * 7919))
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


class StallTest(harness.NewsdTestCase):

    def test_large_document_does_not_stall_the_loop(self):
        self.http.write("big.rss", big_rss(N))
        self.http.write("small.rss", make_rss("Small", [make_item(1, "small")]))
        d = self.daemon([{"id": "big", "url": self.http.url("/big.rss"), "interval": 3600},
                         {"id": "small", "url": self.http.url("/small.rss"), "interval": 1}],
                        defaults={"max_body": 64 << 20, "timeout": 60})
        self.http.rule("/big.rss", hold=True)
        d.start()
        d.wait_polled(["small"])

        probes = []  # (what, seconds, ok)
        t_release = time.time()
        self.http.rule("/big.rss")
        deadline = time.monotonic() + INGEST_LIMIT
        done = None
        while done is None:
            self.assertLess(time.monotonic(), deadline, "the document was not ingested within "
                            "%d s" % INGEST_LIMIT)
            t = time.monotonic()
            p = d.ctl("status", "--json", timeout=30)
            probes.append(("newsctl status", time.monotonic() - t, p.returncode == 0))
            t = time.monotonic()
            try:
                r = d.request({"cmd": "ping"}, timeout=30)
                ok = r.get("ok") is True
            except TimeoutError:
                ok = False
            probes.append(("ping", time.monotonic() - t, ok))
            if p.returncode == 0:
                for s in json.loads(p.stdout)["sources"]:
                    if s["id"] == "big" and s["outcome"] is not None and s["state"] != "polling":
                        done = s
            time.sleep(0.2)
        t_done = time.time()

        self.assertEqual(done["outcome"], "ok", done)
        self.assertEqual(done["new"], N, done)
        slow = [(w, round(s, 2)) for w, s, ok in probes if s >= PROMPT or not ok]
        self.assertEqual(slow, [], "control requests answered late or not at all during the "
                         "ingestion (%d probes over %.1f s)" % (len(probes), t_done - t_release))
        self.assertGreaterEqual(len(probes), 6, "the ingestion was too short to probe")

        # the other source kept polling on time meanwhile
        times = [e["time"] for e in self.http.log("/small.rss")]
        during = [t for t in times if t_release - 1 <= t <= t_done + 1]
        edges = [t_release] + during + [t_done]
        gaps = [b - a for a, b in zip(edges, edges[1:])]
        self.assertLess(max(gaps), POLL_GAP, "the 1-second source waited %.1f s between polls "
                        "during the ingestion (%.1f s)" % (max(gaps), t_done - t_release))

        # every item journaled exactly once, seq without gaps
        journal = d.replay_all()
        seqs = [m["seq"] for m in journal]
        self.assertEqual(seqs, list(range(1, len(journal) + 1)), "seq has gaps or repeats")
        big = [m["guid"] for m in journal if m["source"]["id"] == "big"]
        self.assertEqual(len(big), N)
        self.assertEqual(len(set(big)), N, "an item was journaled twice")
        self.assertEqual(set(big), {"big-%d" % i for i in range(1, N + 1)})
        self.assertEqual(len(journal), N + 1)  # and the small source's one item
        self.assertTrue(d.running())


if __name__ == "__main__":
    harness.main()
