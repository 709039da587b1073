#!/usr/bin/python3
"""Global dedupe in cluster mode: every node follows the stream and learns what the others
published.  Three newsd nodes on one `nats-server -js` share twelve sources:
- restart: every node stops, one comes back alone and takes every source over; the feeds
  are served anew (new validators, same items): it publishes nothing, although two thirds of
  the articles were published by the others; then all three come back: nothing again;
- kill -9 of a node while the feeds gain an item each: the survivors take its sources over
  and publish only the new items; the stream holds every article once (by message id, by
  article id, by content), and no node's journal holds an article another node published;
- a syndicated copy: a story published by one node, a rewrite of it on a source another
  node holds: dropped there as a near-duplicate, and `newsctl explain` names the stream
  sequence it was learned from;
- status: each node's follower is caught up, at the stream's last sequence.
Skipped when nats-server is not installed."""

import collections
import html
import json
import os
import sys
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402
from natsd import NATS_SERVER, NatsCluster, NatsServer  # noqa: E402
from test_cluster import ITEMS, N_SOURCES, SLOTS, ClusterCase  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PAIRS = os.path.join(HERE, "..", "data", "near", "pairs.jsonl")


def near_pair():
    """A labelled syndicated copy (a rewrite with another title, the same story)."""
    with open(PAIRS, encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p["label"] == "tie" and p["kind"] in ("credit", "outlet-name", "retitle"):
                return p["a"], p["b"]
    raise AssertionError("no tie pair in %s" % PAIRS)


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class FollowTest(ClusterCase):

    dup_window = None  # publish.nats.duplicate_window, when a test sets it

    def daemon(self, sources, folder=None, **config):
        config.setdefault("near_duplicates", "drop")  # the default, which the harness turns off
        if self.dup_window and "publish_opts" in config:
            config["publish_opts"]["nats"]["duplicate_window"] = self.dup_window
        return super().daemon(sources, folder=folder, **config)

    def setUp(self):
        super().setUp()
        self.nats = NatsServer(os.path.join(self.tmp, "nats"))
        self.closers.append(self.nats.stop)
        self.make_nodes([self.nats.url])

    def start_all(self, names=("n1", "n2", "n3")):
        for n in names:
            self.nodes[n].start()
        return harness.wait_until(lambda: self.settled(list(names)), timeout=60,
                                  what="%s to share the slots" % ", ".join(names))

    def serve_again(self, extra=0, tag="again"):
        """Every feed written anew (new validators): its items, and `extra` new ones."""
        for sid in self.ids:
            items = [make_item(i, sid) for i in range(1, ITEMS + 1 + extra)]
            self.http.write(sid + ".rss", make_rss("%s %s" % (sid, tag), items[::-1]))

    def journal_ids(self, name):
        return [a["id"] for a in self.nodes[name].replay_all()]

    def wait_caught_up(self, names):
        def ok():
            last = self.stream_last()
            for n in names:
                f = self.nodes[n].status()["cluster"].get("follow")
                if not f or not f["caught_up"] or f["seq"] < last:
                    return None
            return True
        return harness.wait_until(ok, what="the followers to reach the stream's end")

    def stream_last(self):
        msgs = self.nats.read() or []
        return msgs[-1]["stream_seq"] if msgs else 0

    def polled_everything(self, names, since):
        """Every source polled (200 or 304) after since (an HTTP log mark) by one of names."""
        seen = {os.path.basename(e["path"]).rsplit(".", 1)[0] for e in self.http.log()[since:]}
        return seen >= set(self.ids)

    def test_restart_publishes_nothing_again(self):
        self.nats.start()
        self.start_all()
        self.assert_stream_once()
        before = {n: self.nodes[n].status()["seq"] for n in self.nodes}
        self.assertEqual(sum(before.values()), N_SOURCES * ITEMS)
        for n in self.nodes:
            self.nodes[n].stop()

        # one node alone takes every source over; the feeds come with new validators
        self.serve_again()
        mark = len(self.http.log())
        self.start_all(["n1"])
        harness.wait_until(lambda: self.polled_everything(["n1"], mark),
                           what="n1 to poll every source")
        time.sleep(2)  # a second round of polls, then what it published
        st = self.nodes["n1"].status()
        self.assertEqual(st["seq"], before["n1"], "n1 published what the others had")
        f = st["cluster"]["follow"]
        self.assertTrue(f["caught_up"])
        self.assertEqual(f["seq"], self.stream_last())  # it had learned them before it stopped

        # all three again
        self.serve_again(tag="once more")
        for n in ("n2", "n3"):
            self.nodes[n].start()
        harness.wait_until(lambda: self.settled(["n1", "n2", "n3"]), timeout=60,
                           what="the three to share the slots again")
        self.wait_caught_up(["n1", "n2", "n3"])
        mark = len(self.http.log())
        harness.wait_until(lambda: self.polled_everything(list(self.nodes), mark),
                           what="every source polled again")
        time.sleep(2)
        after = {n: self.nodes[n].status()["seq"] for n in self.nodes}
        self.assertEqual(after, before, "a restart published something again")
        self.assert_stream_once()

    def test_takeover_publishes_only_what_is_new(self):
        self.nats.start()
        holders = self.start_all()
        self.assert_stream_once()
        self.wait_caught_up(list(self.nodes))
        old = {n: set(self.journal_ids(n)) for n in self.nodes}
        victim = holders["s00"]
        rest = sorted(set(self.nodes) - {victim})
        self.nodes[victim].kill()
        self.serve_again(extra=1)
        harness.wait_until(lambda: self.settled(rest), timeout=60,
                           what="the two nodes left to take every slot")
        want = N_SOURCES * (ITEMS + 1)
        msgs = harness.wait_until(
            lambda: (lambda m: m if m and len(m) >= want else None)(self.nats.read()),
            what="%d messages in the stream" % want)
        time.sleep(2)
        msgs = self.nats.read()
        arts = [json.loads(m["data"]) for m in msgs]
        self.assertEqual(len(arts), want)
        for what, key in (("article id", lambda a: a["id"]),
                          ("content", lambda a: (a["title"], a["content_text"]))):
            dup = [v for v, c in collections.Counter(map(key, arts)).items() if c > 1]
            self.assertEqual(dup, [], "the same %s twice in the stream" % what)
        everyone_old = set().union(*old.values())
        for n in rest:
            new = set(self.journal_ids(n)) - old[n]
            self.assertEqual(new & everyone_old, set(),
                             "%s published again what was in the stream" % n)
        total_new = sum(len(set(self.journal_ids(n)) - old[n]) for n in rest)
        self.assertEqual(total_new, N_SOURCES, "one new item per source, each published once")

    def test_syndicated_copy_on_another_node(self):
        self.nats.start()
        holders = self.start_all()
        self.assert_stream_once()
        by_node = collections.defaultdict(list)
        for sid, n in sorted(holders.items()):
            by_node[n].append(sid)
        (na, sa), (nb, sb) = [(n, by_node[n][0]) for n in sorted(by_node)[:2]]
        a, b = near_pair()

        def story(sid, text, title, n):
            it = make_item(n, sid)
            paras = [x for x in text.split("\n") if x.strip()]  # paragraphs as feeds send them
            it.update(title=title, guid="%s-story" % sid,
                      description="".join("<p>%s</p>" % html.escape(x) for x in paras),
                      link="https://%s.example/story" % sid)
            return it

        items_a = [make_item(i, sa) for i in range(1, ITEMS + 1)]
        self.http.write(sa + ".rss", make_rss(sa, [story(sa, a["text"], a["title"], 99)]
                                              + items_a))
        got = harness.wait_until(
            lambda: [m for m in (self.nats.read() or [])
                     if json.loads(m["data"])["title"] == a["title"]],
            what="the story in the stream")
        seq_a = got[0]["stream_seq"]
        self.wait_caught_up(list(self.nodes))
        before = self.nodes[nb].status()["seq"]
        items_b = [make_item(i, sb) for i in range(1, ITEMS + 1)]
        self.http.write(sb + ".rss", make_rss(sb, [story(sb, b["text"], b["title"], 98)]
                                              + items_b))
        mark = len(self.http.log())
        harness.wait_until(lambda: any(e["path"].endswith(sb + ".rss")
                                       for e in self.http.log()[mark:]),
                           what="%s polled again" % sb)
        time.sleep(2)
        self.assertEqual(self.nodes[nb].status()["seq"], before,
                         "%s (%s) published a copy of a story %s (%s) had published"
                         % (nb, sb, na, sa))
        titles = [json.loads(m["data"])["title"] for m in self.nats.read()]
        self.assertNotIn(b["title"], titles)
        link = "https://%s.example/story" % sb
        p = self.nodes[nb].ctl("explain", link)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("near", p.stdout)
        if seq_a is not None:
            p = self.nodes[nb].ctl("explain", "https://%s.example/story" % sa)
            self.assertIn("stream seq %d" % seq_a, p.stdout)

    def test_a_node_back_after_its_articles_went_out_elsewhere(self):
        """A node killed with articles in its outbox (NATS was away): the survivors take its
        sources over and publish those articles; when it comes back, after the stream's
        duplicate window, it learns them from the stream first and does not send them."""
        self.dup_window = 3
        self.make_nodes([self.nats.url])
        self.nats.start()
        holders = self.start_all()
        self.assert_stream_once()
        victim = holders["s00"]
        rest = sorted(set(self.nodes) - {victim})
        self.nats.pause()
        try:
            self.serve_again(extra=1)
            harness.wait_until(lambda: self.nodes[victim].status()["nats"]["backlog"] > 0,
                               what="the victim to journal the new items")
            self.nodes[victim].kill()
        finally:
            self.nats.pause(False)
        harness.wait_until(lambda: self.settled(rest), timeout=60,
                           what="the two nodes left to take every slot")
        want = N_SOURCES * (ITEMS + 1)
        # (acknowledgements lost in the pause are waited for, then the rows are sent again)
        harness.wait_until(lambda: len(self.nats.read() or []) >= want, timeout=120,
                           what="%d messages in the stream" % want)
        time.sleep(self.dup_window + 1)  # the stream would take a copy now
        self.nodes[victim].start()
        harness.wait_until(lambda: self.settled(list(self.nodes)), timeout=60,
                           what="the three nodes to share the slots again")
        st = self.wait_sent(self.nodes[victim])
        self.assertGreater(st["cluster"]["follow"]["not_sent"], 0, st["cluster"]["follow"])
        time.sleep(1)
        arts = [json.loads(m["data"]) for m in self.nats.read()]
        self.assertEqual(len(arts), want)
        dup = [v for v, c in collections.Counter(a["id"] for a in arts).items() if c > 1]
        self.assertEqual(dup, [], "an article twice in the stream")

    def test_status_shows_the_follower(self):
        self.nats.start()
        self.start_all()
        self.assert_stream_once()
        self.wait_caught_up(list(self.nodes))
        last = self.stream_last()
        for n, d in self.nodes.items():
            f = d.status()["cluster"]["follow"]
            self.assertTrue(f["connected"] and f["caught_up"], f)
            self.assertEqual(f["seq"], last)
            self.assertEqual(f["learned"] + f["repeats"], last, f)
            self.assertEqual(f["unreadable"], 0)
        self.assertEqual(SLOTS, sum(d.status()["cluster"]["held"] for d in self.nodes.values()))


class R3:
    """A three-server cluster where FollowTest expects one server: read from any."""

    def __init__(self, cluster):
        self.cluster = cluster

    def start(self):
        self.cluster.start()

    def pause(self, paused=True):
        for s in self.cluster.nodes:
            s.pause(paused)

    def read(self):
        for s in self.cluster.nodes:
            try:
                return s.read()
            except AssertionError:
                continue  # this server catches up
        return None


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
class FollowR3Test(FollowTest):
    """The restart and the takeover on a three-server cluster, stream and buckets R3."""

    test_syndicated_copy_on_another_node = None  # the same code on one server: not again
    test_status_shows_the_follower = None
    test_a_node_back_after_its_articles_went_out_elsewhere = None

    def setUp(self):
        harness.NewsdTestCase.setUp(self)
        cluster = NatsCluster(os.path.join(self.tmp, "nats"))
        self.closers.append(cluster.stop)
        self.nats = R3(cluster)
        self.make_nodes(cluster.urls(), ttl=15, replicas=3)


if __name__ == "__main__":
    harness.main()
