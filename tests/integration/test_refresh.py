#!/usr/bin/python3
"""newsctl refresh, newsctl tail and conditional GET.

Two generated RSS sources, alpha and beta (2 items each).  A new item added to alpha is seen by
`newsctl tail` (and by a plain SUB socket) shortly after `newsctl refresh alpha` returns, with the
next seq; a refresh of unchanged sources publishes nothing and uses conditional GET."""

import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

# The contract: a subscriber "sees a new item within a second of newsctl refresh"; allow 3 s.
SEEN_WITHIN = 3.0


class RefreshTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.alpha_items = [make_item(i, "alpha") for i in (1, 2)]
        self.beta_items = [make_item(i, "beta") for i in (1, 2)]
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha_items))
        self.http.write("beta.rss", make_rss("Beta", self.beta_items))
        self.d = self.daemon([
            {"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha"},
            {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news.beta"},
        ])

    def start(self):
        self.d.start()
        self.d.wait_polled()
        harness.wait_until(lambda: len(self.d.replay_all()) >= 4, what="4 journaled articles")

    def add_alpha(self, n):
        self.alpha_items.append(make_item(n, "alpha"))
        self.http.write("alpha.rss", make_rss("Alpha", self.alpha_items))
        return "https://news.example/alpha/%d" % n

    def prime_tail(self, tail):
        """PUB/SUB slow joiner: add items to beta and refresh it until the tail prints one."""
        for k in range(10):
            self.primed = getattr(self, "primed", 100) + 1
            self.beta_items.append(make_item(self.primed, "beta"))
            self.http.write("beta.rss", make_rss("Beta", self.beta_items))
            p = self.d.ctl("refresh", "beta")
            self.assertEqual(p.returncode, 0, p.stderr)
            got = tail.wait_for(lambda objs: len(objs) >= 1, timeout=3)
            if got:
                return
        self.fail("newsctl tail printed nothing after 10 refreshes with new items; stderr: %s"
                  % tail.stderr())

    def test_tail_sees_new_item_after_refresh(self):
        self.start()
        tail = self.tail(self.d)
        sub = self.subscriber(self.d.pub_endpoint)
        sub.wait_connected()
        self.prime_tail(tail)
        time.sleep(0.5)
        journal = self.d.replay_all()
        last = journal[-1]["seq"]
        self.assertEqual([m["seq"] for m in journal], list(range(1, last + 1)))
        alpha_topic_seq = max(m["topic_seq"] for m in journal if m["source"]["id"] == "alpha")
        before_tail = len(tail.objs())
        before_sub = sub.count()

        url = self.add_alpha(3)
        p, reply = self.d.refresh("alpha")
        returned = time.monotonic()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(set(reply), {"alpha"}, p.stdout)
        a = reply["alpha"]
        self.assertEqual(a["outcome"], "ok")
        self.assertEqual(a["http_status"], 200)
        self.assertEqual(a["items"], 3)
        self.assertEqual(a["new"], 1)
        self.assertEqual(a["duplicates"], 2)
        self.assertIsNone(a["error"])
        self.assertEqual(a["seq"], last + 1)

        objs = tail.wait_for(lambda o: len(o) > before_tail, timeout=SEEN_WITHIN)
        self.assertGreater(len(objs), before_tail,
                           "newsctl tail did not print the new item within %.0f s of the "
                           "refresh reply" % SEEN_WITHIN)
        new = objs[before_tail:]
        self.assertEqual(len(new), 1, new)
        m = new[0]
        self.assertEqual(m["url"], url)
        self.assertEqual(m["seq"], last + 1)
        self.assertEqual(m["topic_seq"], alpha_topic_seq + 1)
        self.assertEqual(m["event"], "article")
        self.assertMessageShape(m)

        left = SEEN_WITHIN - (time.monotonic() - returned)
        msgs = sub.wait_count(before_sub + 1, timeout=max(left, 0.1))
        self.assertEqual(len(msgs), before_sub + 1, "SUB socket did not get the new item")
        self.assertEqual(msgs[-1], m, "tail prints the published object as is")

        # The journal has it too, right after the refresh answered.
        journal = self.d.replay_all()
        self.assertEqual(journal[-1], m)

        # tail with a topic prefix (and -e naming the publish endpoint) only shows that topic
        tail_b = self.tail(self.d, "-e", self.d.pub_endpoint, "news.beta")
        sub_b = self.subscriber(self.d.pub_endpoint, ["news.beta"])
        sub_b.wait_connected()
        self.prime_tail(tail_b)
        self.add_alpha(4)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 1, p.stdout)
        time.sleep(1.5)
        self.assertTrue(all(o["source"]["id"] == "beta" for o in tail_b.objs()), tail_b.objs())
        self.assertTrue(all(o["source"]["id"] == "beta" for o in sub_b.objs()))

    def test_unchanged_refresh_publishes_nothing(self):
        self.start()
        sub = self.subscriber(self.d.pub_endpoint)
        sub.wait_connected()
        served = {p: self.http.log(p)[-1] for p in ("/alpha.rss", "/beta.rss")}
        self.http.clear_log()
        seq = self.d.status()["seq"]

        p, reply = self.d.refresh()  # all sources
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(set(reply), {"alpha", "beta"})
        for i in ("alpha", "beta"):
            self.assertEqual(reply[i]["outcome"], "not-modified", reply[i])
            self.assertEqual(reply[i]["http_status"], 304)
            self.assertEqual(reply[i]["new"], 0)
            self.assertEqual(reply[i]["seq"], seq)
            self.assertIsNone(reply[i]["error"])
        time.sleep(1.5)
        self.assertEqual(sub.objs(), [], "a refresh of unchanged sources published something")
        self.assertEqual(self.d.status()["seq"], seq)

        for path, first in served.items():
            reqs = self.http.log(path)
            self.assertEqual(len(reqs), 1, "one request per source per refresh: %r" % reqs)
            h = reqs[0]["headers"]
            self.assertEqual(h.get("if-none-match"), first["etag"],
                             "conditional GET must send the stored ETag verbatim")
            self.assertEqual(h.get("if-modified-since"), first["last_modified"],
                             "conditional GET must send the stored Last-Modified verbatim")
            self.assertEqual(reqs[0]["status"], 304)

        st = {s["id"]: s for s in self.d.status()["sources"]}
        self.assertEqual(st["alpha"]["outcome"], "not-modified")
        self.assertEqual(st["alpha"]["errors"], 0)

        # plain refresh (no --json): exit 0 when everything is ok or not-modified
        p = self.d.ctl("refresh", "alpha", "beta")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_last_modified_only(self):
        """A server without ETag: If-Modified-Since alone gives the 304."""
        self.http.rule("/beta.rss", etag=False)
        self.start()
        self.assertIsNotNone(self.http.log("/beta.rss")[-1]["last_modified"])
        self.assertNotIn("if-none-match", self.http.log("/beta.rss")[-1]["headers"])
        self.beta_items.append(make_item(3, "beta"))
        self.http.write("beta.rss", make_rss("Beta", self.beta_items))
        p, reply = self.d.refresh("beta")
        self.assertEqual(reply["beta"]["new"], 1, p.stdout + p.stderr)
        lm = self.http.log("/beta.rss")[-1]["last_modified"]
        self.http.clear_log()
        p, reply = self.d.refresh("beta")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["beta"]["outcome"], "not-modified", reply)
        req = self.http.log("/beta.rss")[-1]
        self.assertEqual(req["headers"].get("if-modified-since"), lm)
        self.assertNotIn("if-none-match", req["headers"])

    def test_no_validators_same_content(self):
        """Without validators the body comes again: everything is a duplicate, nothing new."""
        self.http.rule("/alpha.rss", etag=False, last_modified=False)
        self.http.rule("/beta.rss", etag=False, last_modified=False)
        self.start()
        self.http.clear_log()
        sub = self.subscriber(self.d.pub_endpoint)
        sub.wait_connected()
        seq = self.d.status()["seq"]
        p, reply = self.d.refresh("alpha", "beta")
        self.assertEqual(p.returncode, 0, p.stderr)
        for i in ("alpha", "beta"):
            self.assertEqual(reply[i]["outcome"], "ok", reply)
            self.assertEqual(reply[i]["http_status"], 200)
            self.assertEqual(reply[i]["items"], 2)
            self.assertEqual(reply[i]["new"], 0)
            self.assertEqual(reply[i]["duplicates"], 2)
            self.assertEqual(reply[i]["seq"], seq)
        for path in ("/alpha.rss", "/beta.rss"):
            h = self.http.log(path)[-1]["headers"]
            self.assertNotIn("if-none-match", h, "no ETag was given: none may be sent")
            self.assertNotIn("if-modified-since", h, "no date may be synthesized")
        time.sleep(1.0)
        self.assertEqual(sub.objs(), [])

    def test_refresh_answers_when_done(self):
        """A slow server: the reply waits for the poll, and the journal already has the item."""
        self.start()
        self.http.rule("/alpha.rss", delay=2)
        url = self.add_alpha(3)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(reply["alpha"]["outcome"], "ok")
        self.assertEqual(reply["alpha"]["new"], 1)
        journal = self.d.replay_all()
        self.assertEqual(journal[-1]["url"], url)
        self.assertEqual(journal[-1]["seq"], reply["alpha"]["seq"])
        # while a slow refresh is pending, the daemon still answers other clients
        self.http.rule("/alpha.rss", delay=4)
        self.add_alpha(4)
        slow = harness.LineReader([harness.NEWSCTL, "-c", self.d.conf, "refresh", "--json",
                                   "alpha"], cwd=self.d.cwd)
        self.closers.append(slow.stop)
        harness.wait_until(lambda: any(e["status"] is None for e in self.http.log("/alpha.rss")),
                           what="the slow poll to start")
        st = self.d.status()
        self.assertTrue(st["ok"])
        objs = slow.wait_for(lambda o: len(o) >= 1, timeout=harness.WAIT)
        self.assertEqual(len(objs), 1, "refresh did not answer")
        self.assertEqual(objs[0]["sources"][0]["new"], 1)


    def test_concurrent_refresh_waits_for_the_same_poll(self):
        """A refresh of a source already being polled waits for that poll."""
        self.start()
        self.http.rule("/alpha.rss", delay=2)
        self.add_alpha(3)
        self.http.clear_log()
        cmd = [harness.NEWSCTL, "-c", self.d.conf, "refresh", "--json", "alpha"]
        first = harness.LineReader(cmd, cwd=self.d.cwd)
        self.closers.append(first.stop)
        harness.wait_until(lambda: self.http.log("/alpha.rss"), what="the poll to start")
        second = harness.LineReader(cmd, cwd=self.d.cwd)
        self.closers.append(second.stop)
        for r in (first, second):
            objs = r.wait_for(lambda o: len(o) >= 1)
            self.assertEqual(len(objs), 1, "refresh did not answer: %s" % r.stderr())
            a = objs[0]["sources"][0]
            self.assertEqual((a["id"], a["outcome"], a["seq"]), ("alpha", "ok", 5), objs)
            self.assertEqual(r.proc.wait(10), 0)
        self.assertEqual(len(self.http.log("/alpha.rss")), 1,
                         "the second refresh joins the poll in progress")
        self.assertEqual(len(self.d.replay_all()), 5)

    def test_every_publish_endpoint(self):
        """The PUB socket is bound to every configured endpoint; tail -c uses the first."""
        second = "ipc://" + os.path.join(self.tmp, "pub2.sock")
        third = "tcp://127.0.0.1:%d" % harness.free_port()
        self.d.write_config(more_publish=[second, third])
        self.start()
        subs = [self.subscriber(ep) for ep in (self.d.pub_endpoint, second, third)]
        for s in subs:
            s.wait_connected(settle=0)
        tail = self.tail(self.d)
        time.sleep(0.5)
        self.prime_tail(tail)  # published on the first endpoint (tail -c)
        url = self.add_alpha(3)
        p, reply = self.d.refresh("alpha")
        self.assertEqual(reply["alpha"]["new"], 1, p.stdout + p.stderr)
        for ep, s in zip((self.d.pub_endpoint, second, third), subs):
            objs = harness.wait_until(lambda: [o for o in s.objs() if o["url"] == url],
                                      timeout=SEEN_WITHIN, what="the item on %s" % ep)
            self.assertEqual(len(objs), 1)

    def test_short_interval(self):
        """An interval of 1 s is honoured: the source is polled again and again by itself,
        and a new item comes out without a manual refresh."""
        self.d.write_config(sources=[
            {"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha",
             "interval": 1},
            {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news.beta"},
        ])
        self.start()
        harness.wait_until(lambda: len(self.http.log("/alpha.rss")) >= 4, timeout=harness.WAIT,
                           what="4 polls of a source with interval 1")
        self.assertEqual(len(self.http.log("/beta.rss")), 1, "beta has interval 3600")
        url = self.add_alpha(3)
        m = harness.wait_until(
            lambda: [j for j in self.d.replay_all() if j["url"] == url], timeout=harness.WAIT,
            what="the new item to be published by a scheduled poll")
        self.assertEqual(len(m), 1)
        self.assertEqual(m[0]["seq"], 5)


if __name__ == "__main__":
    harness.main()
