#!/usr/bin/python3
"""Cluster mode: three newsd nodes with the same sources share the polling through slot
leases in a key-value bucket, on one `nats-server -js` on 127.0.0.1 (ClusterTest) or on a
three-server cluster with R3 stream and buckets (ClusterR3Test).  Every source is polled by
exactly one node (the test HTTP server's log, by User-Agent, agrees with each node's status);
kill -9 of a node: its sources are polled by the others within the lease TTL; a clean stop
hands them over at once; the stream holds each article once (by message id, by article id and
by content); with the server down every node goes on polling the slots it held, and each
source is held by one node again when it returns; status lists every node with its sources
and lease ages, and the stream; the poll state in the bucket: a node taking a source over
sends its validators and honours a Retry-After; a node restarted after kill -9 takes its own
slots back before they expire, and a second newsd with a name already running claims nothing;
a refresh on a node of a source another node holds is skipped, even forced; on the
three-server cluster one server stops and the leases go on through the other two, and with
two stopped polling goes on and every article reaches the stream once when they return.
Skipped when nats-server is not installed."""

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
        self.serve(ITEMS)
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

    def settle(self, names, timeout=60, what="the slots to be shared"):
        """settled(names), the same a round later (after an outage the loads even out over
        a few rounds): source id -> its holder."""
        def twice():
            first = self.settled(names)
            if first is None:
                return None
            time.sleep(self.ttl / 3 + 0.5)
            return first if self.settled(names) == first else None
        return harness.wait_until(twice, timeout=timeout, what=what)

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

    def assert_stream_once(self, read=None, items=ITEMS):
        """The stream holds every article the feeds serve (items a feed), each once."""
        want = N_SOURCES * items
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
        return msgs

    def serve(self, items):
        """Every feed with items 1..items."""
        for sid in self.ids:
            self.http.write(sid + ".rss", make_rss(sid, [make_item(i, sid)
                                                         for i in range(1, items + 1)]))


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
        self.assertRegex(p.stdout, r"NODE +SLOTS +SOURCES +LEASE AGE +LAST SEEN\n"
                                   r"n1 +2[12] +\d+ .*\nn2 +2[12] +\d+ .*\nn3 +2[12] ")
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
        # the deletions of its keys start a round on the other node at once, not a round later
        self.assertLess(took, TTL / 3, "handover after a clean stop took %.1f s" % took)
        print("handover after a clean stop: %.1f s" % took, file=sys.stderr)
        self.assert_one_poller_each(holders)
        self.assert_stream_once()

    def test_nats_outage(self):
        """With no server no node can renew, and none can claim: each goes on polling the
        slots it held, the control socket keeps answering, and when the server returns (the
        leases expired meanwhile) each claims its slots again: every source held by one node."""
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        holders = harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                                     what="the three nodes to share the slots")
        self.nats.stop()
        for d in self.nodes.values():
            harness.wait_until(lambda: not d.status()["cluster"]["connected"], timeout=2 * TTL,
                               what="status: not connected")
        time.sleep(TTL)  # past every lease's TTL: they would have been dropped before
        self.assertEqual(sum(d.status()["cluster"]["held"] for d in self.nodes.values()), SLOTS)
        self.assertEqual(self.holders(), {sid: [holders[sid]] for sid in self.ids})
        self.assert_one_poller_each(holders)  # polling goes on, each source by its holder
        self.nats.start()
        holders = self.settle(["n1", "n2", "n3"], what="the slots to be shared again")
        self.assert_one_poller_each(holders)
        for d in self.nodes.values():
            rc, took = d.stop()
            self.assertEqual(rc, 0)
            self.assertLess(took, 5)

    def test_status_shows_every_node(self):
        """Every node lists every node with the sources of the slots it announced (together
        each source once), the ages of its keys within the TTL, and the stream's state."""
        self.nats.start()
        for d in self.nodes.values():
            d.start()
        harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                           what="the three nodes to share the slots")
        want = len(self.assert_stream_once())
        holders = {}

        def consistent(name):
            st = self.nodes[name].status()["cluster"]
            if [n["name"] for n in st["nodes"]] != ["n1", "n2", "n3"]:
                return None
            srcs = sorted(sid for n in st["nodes"] for sid in n["sources"])
            if srcs != self.ids or not st["stream"] or st["stream"]["messages"] != want:
                return None
            if sum(n["held"] for n in st["nodes"]) != SLOTS:
                return None  # a round late
            # what the node shows is what the nodes poll (a slot may still move after the
            # loads first settled: the announcements follow a round later)
            shown = {sid: n["name"] for n in st["nodes"] for sid in n["sources"]}
            if shown != self.settled(["n1", "n2", "n3"]):
                return None
            holders.update(shown)
            return st
        for name in self.nodes:
            st = harness.wait_until(lambda: consistent(name),
                                    what="%s to list every node and the stream" % name)
            for n in st["nodes"]:
                self.assertTrue(n["claims"], n)
                self.assertLessEqual(0, n["last_seen_age"])
                self.assertLessEqual(n["last_seen_age"], TTL, n)
                self.assertLessEqual(0, n["lease_age_min"])
                self.assertLessEqual(n["lease_age_min"], n["lease_age_max"])
                self.assertLessEqual(n["lease_age_max"], TTL, n)
            sm = st["stream"]
            self.assertEqual((sm["name"], sm["first_seq"], sm["last_seq"]), ("NEWS", 1, want))
            self.assertGreater(sm["bytes"], 0)
        p = self.nodes["n2"].ctl("status")
        self.assertRegex(p.stdout, r"\nn1 +2[12] +\d+ +\d+s(-\d+s)? +\d+s\n")
        self.assertIn("stream NEWS: %d messages, " % want, p.stdout)
        for name, srcs in (("n1", [sid for sid, n in holders.items() if n == "n1"]),):
            self.assertIn("\n%s polls %s" % (name, ", ".join(sorted(srcs)[:8])), p.stdout)
        p = self.nodes["n2"].ctl("status", "--json")
        cl = json.loads(p.stdout)["cluster"]
        self.assertEqual(sorted(cl["stream"]), ["bytes", "consumers", "first_seq", "last_seq",
                                                "messages", "name"])
        self.assertEqual(sorted(cl["nodes"][0]), ["claims", "held", "last_seen_age",
                                                  "lease_age_max", "lease_age_min", "name",
                                                  "sources"])

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
    leases go on through the other two; two stop and polling goes on without a quorum."""

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
        lapsed = [n for n, d in self.nodes.items()
                  if "cluster: renewing the node key" in d.log_text()]
        print("nodes that could not renew while a server stopped: %s" % (lapsed or "none"),
              file=sys.stderr)
        live = self.cluster.nodes[1]
        self.assert_stream_once(read=lambda: self.read_from(live))

    def test_two_servers_stop(self):
        """Two of three servers stop: no quorum, so no node can renew or claim; polling goes
        on, the new articles wait in the journals, and all arrive once when they return."""
        self.cluster.start()
        for d in self.nodes.values():
            d.start()
        names = ["n1", "n2", "n3"]
        holders = harness.wait_until(lambda: self.settled(names), timeout=90,
                                     what="the three nodes to share the slots")
        live = self.cluster.nodes[2]
        self.assert_stream_once(read=lambda: self.read_from(live))
        gone = self.cluster.nodes[:2]
        for g in gone:
            g.stop()
        self.serve(ITEMS + 2)
        for name in sorted(set(holders.values())):  # a node may hold slots of no source
            d = self.nodes[name]
            harness.wait_until(lambda: d.status()["nats"]["backlog"] > 0, timeout=60,
                               what="%s to journal new articles with no quorum" % name)
        seen = self.polled_by(3 * INTERVAL)
        for sid in self.ids:
            self.assertEqual(seen[sid], {holders[sid]}, "%s during the outage" % sid)
        for g in gone:
            g.start(wait=False)
        for g in gone:
            g.wait_ready()
        self.assert_stream_once(read=lambda: self.read_from(live), items=ITEMS + 2)
        holders = self.settle(names, timeout=90, what="the slots shared once the servers are back")
        self.assert_one_poller_each(holders)

    def read_from(self, server):
        try:
            return server.read()
        except AssertionError:
            return None  # the server catches up


if __name__ == "__main__":
    harness.main()
