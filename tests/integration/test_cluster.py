#!/usr/bin/python3
"""Cluster mode: three newsd nodes with the same sources share the polling through slot
leases in a key-value bucket, on one `nats-server -js` on 127.0.0.1 (ClusterTest) or on a
three-server cluster with R3 stream and buckets (ClusterR3Test).  Every source is polled by
exactly one node (the test HTTP server's log, by User-Agent, agrees with each node's status);
kill -9 of a node: its sources are polled by the others within the lease TTL; a clean stop
hands them over at once; the stream holds each article once (by message id, by article id and
by content); with the server down every node stops polling before its leases could expire,
and the slots are shared again when it returns; the poll state in the bucket: a node taking a
source over sends its validators and honours a Retry-After; a node restarted after kill -9
takes its own slots back before they expire, and a second newsd with a name already running
claims nothing; a refresh on a node of a source
another node holds is skipped, even forced; on the three-server cluster one server stops and
the leases go on through the other two.  Skipped when nats-server is not installed."""

import collections
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402
from natsd import NATS_SERVER, NatsCluster, NatsServer, SinkCase  # noqa: E402

N_SOURCES = 12
ITEMS = 3
TTL = 6  # seconds: cluster.lease_ttl
SLOTS = 64
INTERVAL = 1  # seconds between polls of a source, so that who polls what shows at once


class ClusterCase(SinkCase):
    """Three newsd nodes with the same sources; helpers to see who polls what."""

    def make_nodes(self, servers, ttl=TTL, replicas=1):
        """Sources s00..s11 on the HTTP server; nodes n1..n3 (not started) on servers."""
        self.ttl = ttl
        self.ids = ["s%02d" % i for i in range(N_SOURCES)]
        for sid in self.ids:
            self.http.write(sid + ".rss", make_rss(sid, [make_item(i, sid)
                                                         for i in range(1, ITEMS + 1)]))
        sources = [{"id": sid, "url": self.http.url("/%s.rss" % sid), "interval": INTERVAL}
                   for sid in self.ids]
        self.nodes = {}
        for i, name in enumerate(("n1", "n2", "n3")):
            mine = servers[i:] + servers[:i]  # each node starts with another server
            self.nodes[name] = self.daemon(
                sources, folder=os.path.join(self.tmp, name),
                publish_opts={"nats": {"servers": mine, "replicas": replicas}},
                extra='user_agent = "newsd-test-%s";\ncluster: %s;'
                % (name, harness.conf_group({"node": name, "lease_ttl": ttl, "slots": SLOTS,
                                             "replicas": replicas})))

    def holders(self, names=None):
        """source id -> the nodes (of names, all running ones when None) whose status says
        they poll it (any state but elsewhere)."""
        out = collections.defaultdict(list)
        for name, d in self.nodes.items():
            if (names is not None and name not in names) or not d.running():
                continue
            for s in d.status()["sources"]:
                if s["state"] != "elsewhere":
                    out[s["id"]].append(name)
        return out

    def settled(self, names):
        """Every slot held by one of names, each holding its share (floor or ceil), every
        source held by exactly one of them: source id -> its holder."""
        sts = {n: self.nodes[n].status()["cluster"] for n in names}
        if sum(st["held"] for st in sts.values()) != SLOTS:
            return None
        if any(st["live_nodes"] != len(names) for st in sts.values()):
            return None
        lo, hi = SLOTS // len(names), -(-SLOTS // len(names))
        if any(not lo <= st["held"] <= hi for st in sts.values()):
            return None  # similar loads: 64 slots on 3 nodes are 21, 21 and 22
        h = self.holders(names)
        if sorted(h) == sorted(self.ids) and all(len(v) == 1 for v in h.values()):
            return {sid: v[0] for sid, v in h.items()}
        return None

    def polled_by(self, seconds):
        """source id -> the set of nodes (by User-Agent) that fetched it in the next seconds."""
        self.http.clear_log()
        time.sleep(seconds)
        out = collections.defaultdict(set)
        for e in self.http.log():
            sid = os.path.basename(e["path"]).rsplit(".", 1)[0]
            out[sid].add(e["headers"].get("user-agent", "").rsplit("-", 1)[-1])
        return out

    def assert_one_poller_each(self, holders):
        seen = self.polled_by(4 * INTERVAL)
        for sid in self.ids:
            self.assertEqual(seen[sid], {holders[sid]},
                             "%s fetched by %s, held by %s" % (sid, seen[sid], holders[sid]))

    def assert_stream_once(self, read=None):
        """The stream holds every article the feeds serve, each once."""
        want = N_SOURCES * ITEMS
        read = read or self.nats.read
        msgs = harness.wait_until(
            lambda: (lambda m: m if m is not None and len(m) >= want else None)(read()),
            what="%d messages in the stream" % want)
        self.assertEqual(len(msgs), want)
        arts = [json.loads(m["data"]) for m in msgs]
        for key, what in ((lambda m: m["msg_id"], "message id"),
                          (lambda a: a["id"], "article id"),
                          (lambda a: (a["title"], a["content_text"]), "content")):
            vals = [key(m) for m in (msgs if what == "message id" else arts)]
            dup = [v for v, n in collections.Counter(vals).items() if n > 1]
            self.assertEqual(dup, [], "the same %s twice in the stream" % what)
        self.assertEqual(sorted({a["source"]["id"] for a in arts}), self.ids)


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class ClusterTest(ClusterCase):
    """On one nats-server."""

    def setUp(self):
        super().setUp()
        self.nats = NatsServer(os.path.join(self.tmp, "nats"))
        self.closers.append(self.nats.stop)
        self.make_nodes([self.nats.url])

    def test_one_node_per_source_and_takeover(self):
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        holders = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                     what="the three nodes to share the slots")
        self.assertEqual(sorted(set(holders.values())), ["n1", "n2", "n3"],
                         "a node polls nothing: %r" % holders)
        self.assert_one_poller_each(holders)
        st = self.nodes["n1"].status()["cluster"]
        self.assertEqual((st["node"], st["bucket"], st["connected"], st["slots"]),
                         ("n1", "newsd", True, SLOTS))
        # every live node with the count it announced (a round late)
        nodes = harness.wait_until(
            lambda: (lambda n: n if sum(n.values()) == SLOTS else None)(
                {n["name"]: n["held"] for n in self.nodes["n1"].status()["cluster"]["nodes"]}),
            what="the announced counts to add up")
        self.assertEqual(sorted(nodes), ["n1", "n2", "n3"])
        p = self.nodes["n1"].ctl("status")
        self.assertIn("cluster: node n1, bucket newsd, connected, holds", p.stdout)
        self.assertRegex(p.stdout, r"nodes: n1 \(2[12] slots\), n2 \(2[12] slots\), "
                                   r"n3 \(2[12] slots\)")
        self.assertIn(" elsewhere ", p.stdout)

        # kill -9 of the node that holds s00: the others take its slots within the lease TTL
        victim = holders["s00"]
        rest = sorted(set(self.nodes) - {victim})
        t0 = time.monotonic()
        self.nodes[victim].kill()
        holders = harness.wait_until(lambda: self.settled(rest), timeout=4 * TTL,
                                     what="the two nodes left to take every slot")
        took = time.monotonic() - t0
        self.assertLess(took, TTL + TTL / 3 + 3, "takeover took %.1f s" % took)
        print("takeover after kill -9: %.1f s (lease_ttl %d s)" % (took, TTL), file=sys.stderr)
        self.assertEqual(sorted(set(holders.values())), rest)
        self.assert_one_poller_each(holders)

        # a clean stop hands over at once, without waiting for the TTL
        leaver, stay = rest
        rc, _ = self.nodes[leaver].stop()
        self.assertEqual(rc, 0)
        t0 = time.monotonic()
        holders = harness.wait_until(lambda: self.settled([stay]), timeout=4 * TTL,
                                     what="the last node to take every slot")
        took = time.monotonic() - t0
        self.assertLess(took, TTL, "handover after a clean stop took %.1f s" % took)
        print("handover after a clean stop: %.1f s" % took, file=sys.stderr)
        self.assert_one_poller_each(holders)
        self.assert_stream_once()

    def test_nats_outage(self):
        """With no server, no node can renew: each stops polling before its leases could have
        expired, the control socket keeps answering, and the slots are shared again when the
        server returns."""
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                           what="the three nodes to share the slots")
        self.nats.stop()
        t0 = time.monotonic()
        harness.wait_until(lambda: not self.holders(), timeout=3 * TTL,
                           what="every node to stop polling")
        self.assertLess(time.monotonic() - t0, TTL, "a node polled past its lease")
        for d in self.nodes.values():
            harness.wait_until(lambda: (lambda st: (st["connected"], st["held"]) == (False, 0))(
                d.status()["cluster"]), timeout=2 * TTL, what="status: not connected, none held")
        self.assertEqual(self.polled_by(2 * INTERVAL), {}, "polled without a lease")
        self.nats.start()
        holders = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                     what="the slots to be shared again")
        self.assert_one_poller_each(holders)
        for d in self.nodes.values():
            rc, took = d.stop()
            self.assertEqual(rc, 0)
            self.assertLess(took, 5)

    def test_takeover_resumes_politely(self):
        """The poll state in the bucket: the node that takes a source over sends the validators
        its last holder got, and does not poll a source that asked to wait (Retry-After)."""
        self.http.rule("/s01.rss", status=503, retry_after=3600)
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        holders = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                     what="the three nodes to share the slots")

        def polled(sid, state=None):
            st = {s["id"]: s for s in self.nodes[holders[sid]].status()["sources"]}[sid]
            return st["last_poll"] and (state is None or st["state"] == state)
        harness.wait_until(lambda: polled("s00", "ok") and polled("s01", "waiting"),
                           what="s00 and s01 polled by their holders")
        victims = sorted({holders["s00"], holders["s01"]})
        rest = sorted(set(self.nodes) - set(victims))
        for v in victims:
            self.nodes[v].kill()
        self.http.clear_log()
        holders = harness.wait_until(lambda: self.settled(rest), timeout=4 * TTL,
                                     what="the nodes left to take every slot")
        time.sleep(3 * INTERVAL)
        log = self.http.log()
        cond = [e for e in log if e["path"] == "/s00.rss"]
        self.assertTrue(cond, "s00 not polled after the takeover")
        for e in cond:
            self.assertTrue(any(h in e["headers"] for h in ("if-none-match", "if-modified-since")),
                            "a request without validators after the takeover: %r" % e["headers"])
        self.assertEqual([e for e in log if e["path"] == "/s01.rss"], [],
                         "s01 polled before the time its server asked for")
        st = {s["id"]: s for s in self.nodes[holders["s01"]].status()["sources"]}["s01"]
        self.assertEqual(st["state"], "waiting", st)
        self.assertIn("source s01: state from the cluster", self.nodes[holders["s01"]].log_text())

    def test_restart_and_a_second_process_with_one_name(self):
        """A node restarted after kill -9 takes its own slots back before they expire; a second
        newsd started with a name already running claims nothing and says why."""
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        before = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                    what="the three nodes to share the slots")
        self.nodes["n1"].kill()
        t0 = time.monotonic()
        self.nodes["n1"].start()
        after = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                   what="n1 to hold its slots again")
        took = time.monotonic() - t0
        # half a TTL to see that no other process renews n1's key, then its slots come back;
        # had they expired, n2 and n3 would have claimed some of them
        self.assertLess(took, TTL + 2, "n1 took %.1f s to hold its slots again" % took)
        self.assertEqual(after, before, "the slots moved")
        print("restart after kill -9: slots back in %.1f s (lease_ttl %d s)" % (took, TTL),
              file=sys.stderr)

        twin = self.daemon(self.nodes["n1"].sources, folder=os.path.join(self.tmp, "twin"),
                           publish_opts={"nats": {"servers": [self.nats.url]}},
                           extra='user_agent = "newsd-test-twin";\ncluster: %s;'
                           % harness.conf_group({"node": "n1", "lease_ttl": TTL,
                                                 "slots": SLOTS}))
        twin.start()
        st = harness.wait_until(
            lambda: (lambda c: c if c["error"] and "another newsd runs as node n1" in c["error"]
                     else None)(twin.status()["cluster"]), timeout=3 * TTL,
            what="the twin to see the name is taken")
        self.assertEqual(st["held"], 0, st)
        time.sleep(TTL)
        self.assertEqual(twin.status()["cluster"]["held"], 0)
        self.assertEqual(self.settled(["n1", "n2", "n3"]), before)
        self.assertNotIn("twin", set().union(*self.polled_by(2 * INTERVAL).values()))

    def test_refresh_of_a_source_held_elsewhere(self):
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        holders = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                     what="the three nodes to share the slots")
        sid = next(s for s in self.ids if holders[s] != "n1")
        for force in (False, True):  # skipped, even forced: two nodes would poll it
            p, reply = self.nodes["n1"].refresh(sid, force=force)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(reply[sid]["outcome"], "skipped", reply)
            self.assertIn("polled by another node of the cluster", reply[sid]["reason"])

    def test_config_needs_publish_nats(self):
        d = self.daemon([], folder=os.path.join(self.tmp, "bare"),
                        extra='cluster: { node = "n1"; };')
        p = harness.run([harness.NEWSD, "--check-config", "-c", d.conf])
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stdout + p.stderr, r"newsd\.conf:\d+: cluster needs publish\.nats")


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class ClusterR3Test(ClusterCase):
    """On a three-server nats-server cluster, stream and buckets R3: one server stops and the
    leases go on through the other two."""

    R3_TTL = 15  # seconds: room for a leader election of the bucket

    def setUp(self):
        super().setUp()
        self.cluster = NatsCluster(os.path.join(self.tmp, "nats"))
        self.closers.append(self.cluster.stop)
        self.make_nodes(self.cluster.urls(), ttl=self.R3_TTL, replicas=3)

    def test_one_server_stops(self):
        self.cluster.start()
        for d in self.nodes.values():
            d.start()
        names = ["n1", "n2", "n3"]
        holders = harness.wait_until(lambda: self.settled(names), timeout=90,
                                     what="the three nodes to share the slots")
        self.assert_one_poller_each(holders)
        gone = self.cluster.nodes[0]
        gone.stop()
        time.sleep(self.R3_TTL)  # past every lease's deadline: renewals went through the others
        holders = harness.wait_until(lambda: self.settled(names), timeout=90,
                                     what="the slots shared once a server is gone")
        self.assert_one_poller_each(holders)
        lapsed = [n for n, d in self.nodes.items() if "could not renew" in d.log_text()]
        print("nodes whose leases lapsed while a server stopped: %s" % (lapsed or "none"),
              file=sys.stderr)
        live = self.cluster.nodes[1]
        self.assert_stream_once(read=lambda: self.read_from(live))

    def read_from(self, server):
        try:
            return server.read()
        except AssertionError:
            return None  # the server catches up


if __name__ == "__main__":
    harness.main()
