#!/usr/bin/python3
"""The JetStream sink on a three-server nats-server cluster (127.0.0.1) with a replicated
stream (R3): every article arrives once; the server newsd is connected to stops and publishing
goes on through the other two; two servers stop (no quorum) and polling goes on, the articles
wait in the journal and arrive once when the servers return; a restart of newsd sends nothing
again.  Skipped when nats-server is not installed."""

import os
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402
from natsd import NATS_SERVER, NatsCluster, SinkCase  # noqa: E402

RECOVER = 90  # seconds: a JetStream cluster elects stream leaders again after a restart


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class NatsClusterTest(SinkCase):

    def setUp(self):
        super().setUp()
        self.cluster = NatsCluster(os.path.join(self.tmp, "nats"))
        self.closers.append(self.cluster.stop)
        self.items = [make_item(i, "alpha") for i in range(1, 5)]
        self.http.write("alpha.rss", make_rss("Alpha", self.items))
        self.d = self.daemon([{"id": "alpha", "url": self.http.url("/alpha.rss")}],
                             publish_opts={"nats": {"servers": self.cluster.urls(),
                                                    "replicas": 3}})

    def add_items(self, n):
        first = len(self.items) + 1
        self.items += [make_item(i, "alpha") for i in range(first, first + n)]
        self.http.write("alpha.rss", make_rss("Alpha", self.items))
        p, reply = self.d.refresh("alpha")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["alpha"]["new"], n, reply)

    def warnings(self):
        return [l for l in self.d.log_lines() if l.startswith("<4>nats: ")]

    def read_from(self, node):
        """The stream as node serves it; None (try again) while the node catches up."""
        def read():
            try:
                return node.read()
            except AssertionError:
                return None
        return read

    def assert_every_node_has_journal(self):
        for node in self.cluster.nodes:
            if node.running():
                self.assert_stream_is_journal(self.read_from(node), self.d,
                                              lambda a: "newsd.news.alpha")

    def test_r3_stream_through_server_losses(self):
        self.cluster.start()
        self.d.start()
        self.d.wait_polled()
        st = self.wait_sent(self.d, timeout=RECOVER)
        self.assertEqual(st["nats"]["acked"], 4)
        self.assert_every_node_has_journal()

        # the server newsd is connected to stops: it goes on through another
        first = self.cluster.node(st["nats"]["server"])
        first.stop()
        self.add_items(3)
        st = self.wait_sent(self.d, "the articles to go through the two servers left",
                            timeout=RECOVER)
        self.assertNotEqual(st["nats"]["server"], first.url)
        self.assertEqual(st["nats"]["acked"], 7)

        # a second server stops: no quorum; polling goes on, the articles wait in the journal
        second = self.cluster.node(st["nats"]["server"])
        warned = len(self.warnings())
        second.stop()
        self.add_items(2)
        n = harness.wait_until(lambda: (lambda s: s if s["backlog"] == 2 else None)(
            self.nats_status(self.d)), what="a backlog of 2")
        harness.wait_until(lambda: len(self.warnings()) > warned,
                           what="a warning that the articles wait")
        self.assertIn("backlog 2", self.d.ctl("status").stdout)
        self.assertEqual(n["acked"], 7)

        # both return: everything arrives, once, on every server
        first.start(wait=False)
        second.start(wait=False)
        first.wait_ready()
        second.wait_ready()
        st = self.wait_sent(self.d, "the backlog to drain once the cluster is whole",
                            timeout=RECOVER)
        self.assertEqual(st["seq"], 9)
        self.assert_every_node_has_journal()

        # a restart of newsd sends nothing again
        rc, _ = self.d.stop()
        self.assertEqual(rc, 0)
        self.d.start()
        self.d.wait_polled()
        st = self.wait_sent(self.d, timeout=RECOVER)
        self.assertEqual(st["nats"]["acked"], 0)
        self.assertEqual(len(self.cluster.nodes[0].read()), 9)


if __name__ == "__main__":
    harness.main()
