#!/usr/bin/python3
"""End to end: four sources in four formats, first poll, journal, message fields.

Feeds (tests/integration/feeds/): alpha.rss (RSS 2.0, 3 items), beta.atom (Atom 1.0, 3 entries),
gamma.rdf (RSS 1.0, 2 items), delta.json (JSON Feed 1.1, 2 items).  One story ("Shared story
about the harbour") is in alpha and beta under the same canonical URL with different tracking
parameters, so the first poll publishes 3 + 2 + 2 + 2 = 9 articles.
"""

import datetime
import html.parser
import os
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_schema  # noqa: E402
import harness  # noqa: E402


class Attrs(html.parser.HTMLParser):
    """Collects (tag, attrs) of every start tag of an HTML fragment."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(text or "")
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def attr(self, tag, name):
        return [a[name] for t, a in self.tags if t == tag and name in a]


FEEDS = ["alpha.rss", "beta.atom", "gamma.rdf", "delta.json"]
EXPECTED_TOTAL = 9


class PipelineTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.urls = {f.split(".")[0]: self.http.copy_feed(f) for f in FEEDS}
        self.d = self.daemon([
            {"id": "alpha", "url": self.urls["alpha"], "topic": "news.alpha"},
            {"id": "beta", "url": self.urls["beta"], "topic": "news.beta"},
            {"id": "gamma", "url": self.urls["gamma"], "topic": "news.gamma"},
            {"id": "delta", "url": self.urls["delta"]},  # topic defaults to news.delta
        ])

    def first_poll(self):
        """Start with a SUB socket connected (the feeds are held by the HTTP server until it
        is).  Returns (subscriber, subscriber messages, replay messages)."""
        sub = self.start_subscribed(self.d, ["/" + f for f in FEEDS])
        self.d.wait_polled()
        sub.wait_count(EXPECTED_TOTAL)
        time.sleep(1.0)  # anything extra would show up now
        self.assertEqual(sub.bad, [], "malformed messages on the PUB socket")
        msgs = sub.objs()
        p = self.d.ctl("replay", "--since", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        replay = harness.json_lines(p.stdout)
        return sub, msgs, replay

    def test_first_poll_journal_and_fields(self):
        sub, msgs, replay = self.first_poll()

        # --- the journal: every item once, seq 1..N without a gap, topic_seq per topic 1..k
        self.assertEqual(len(msgs), EXPECTED_TOTAL,
                         "published: %r" % [(m.get("source", {}).get("id"), m.get("title"))
                                            for m in msgs])
        self.assertEqual([m["seq"] for m in msgs], list(range(1, EXPECTED_TOTAL + 1)),
                         "seq must run 1..N in publication order")
        self.assertEqual(replay, msgs, "replay --since 0 must give the published objects, "
                                       "oldest first")
        for m in msgs:  # docs/message.schema.json, rule by rule
            self.assertIsNone(check_schema.check_message(m), m)
        per_topic = {}
        for frames, topic, m in sub.messages:
            self.assertEqual(frames[0].decode(), topic)
            per_topic.setdefault(topic, []).append(m["topic_seq"])
        self.assertEqual(sorted(per_topic), ["news.alpha", "news.beta", "news.delta",
                                             "news.gamma"])
        # alpha and beta share one story: whichever was polled first has 3 articles
        self.assertEqual(sorted([per_topic["news.alpha"], per_topic["news.beta"]]),
                         [[1, 2], [1, 2, 3]])
        self.assertEqual(per_topic["news.gamma"], [1, 2])
        self.assertEqual(per_topic["news.delta"], [1, 2])
        for frames, topic, m in sub.messages:
            self.assertEqual(topic, "news." + m["source"]["id"])
            self.assertNotIn(b"\n", frames[1][-1:], "no trailing newline in the JSON frame")

        ids = [m["id"] for m in msgs]
        self.assertEqual(len(set(ids)), len(ids), "article ids must be unique")
        for m in msgs:
            self.assertMessageShape(m)
            self.assertEqual(m["event"], "article")
            self.assertIsNone(m["duplicate_of"])

        # --- the duplicate story appears once (from whichever source was polled first)
        shared = [m for m in msgs if m["url"] == "https://shared.example.com/story/1?id=7"]
        self.assertEqual(len(shared), 1, "the shared story must be published exactly once: %r"
                         % [m["url"] for m in msgs])
        winner = shared[0]["source"]["id"]
        self.assertIn(winner, ("alpha", "beta"))
        loser = "beta" if winner == "alpha" else "alpha"
        self.assertFalse([m for m in msgs if "shared.example.com" in m["url"]
                          and m is not shared[0]])

        by_url = {m["url"]: m for m in msgs}
        port = self.http.port
        now = datetime.datetime.now(datetime.timezone.utc)

        # --- alpha item 1 (RSS 2.0), every field
        a1 = by_url.get("https://alpha.example/2026/11/cafe?ref=home")
        self.assertIsNotNone(a1, "canonical URL of alpha item 1 (tracking params and fragment "
                                 "removed, ref kept) not found in %r" % sorted(by_url))
        self.assertEqual(a1["source"], {"id": "alpha", "title": "Alpha News",
                                        "url": self.urls["alpha"]})
        self.assertEqual(a1["feed"], {"title": "Alpha News", "url": "https://alpha.example/",
                                      "language": "en"})
        self.assertEqual(a1["guid"], "alpha-0001")
        self.assertEqual(a1["title"], "Caf\u00e9 & Bar \u2014 grand opening")
        self.assertEqual(a1["summary"], "The grand opening of a caf\u00e9.")
        self.assertEqual(a1["published"], "2026-11-27T10:00:00Z", "+0200 converted to UTC")
        self.assertIsNone(a1["updated"])
        self.assertEqual(a1["authors"], ["Jane Doe"])
        self.assertEqual(a1["categories"], ["World", "Politics"])
        self.assertIn(a1["language"], ("en", None))
        self.assertEqual(a1["enclosures"], [{"url": "https://cdn.example/audio/ep1.mp3",
                                             "type": "audio/mpeg", "length": 12345}])
        self.assertEqual(a1["image"], "https://img.example/lead.jpg")
        fetched = datetime.datetime.strptime(a1["fetched"][:19], "%Y-%m-%dT%H:%M:%S") \
            .replace(tzinfo=datetime.timezone.utc)
        self.assertLess(abs((now - fetched).total_seconds()), 3600, "fetched is the fetch time")
        ch = a1["content_html"]
        self.assertNotIn("<script", ch.lower())
        self.assertNotIn("owned", ch, "script content must be dropped with the element")
        self.assertNotIn("onclick", ch.lower())
        doc = Attrs(ch)
        self.assertEqual(doc.attr("a", "href"), ["http://127.0.0.1:%d/rel/page.html" % port],
                         "relative link made absolute against the document URL: %r" % ch)
        self.assertEqual(doc.attr("img", "src"), ["http://127.0.0.1:%d/images/pic.jpg" % port],
                         ch)
        ct = a1["content_text"]
        self.assertIn("Full story with a relative link.", ct)
        self.assertIn("Second paragraph", ct)
        self.assertNotIn("<", ct)
        self.assertNotIn("owned", ct)

        # --- the shared story: host lowercased, default port and fragment gone, tracking
        # parameters gone, the others kept in order (checked above by the URL itself)
        a2 = shared[0]
        if winner == "alpha":
            self.assertEqual(a2["guid"], "alpha-0002")
            self.assertEqual(a2["published"], "2026-11-26T07:00:00Z")
        else:
            self.assertEqual(a2["guid"], "tag:beta.example,2026:shared")
            self.assertEqual(a2["published"], "2026-11-26T07:05:00Z")

        # --- alpha item 3: no date -> null, never the fetch time
        a3 = by_url.get("https://alpha.example/a/3")
        self.assertIsNotNone(a3)
        self.assertIsNone(a3["published"])
        self.assertIsNone(a3["updated"])
        self.assertEqual(a3["guid"], "https://alpha.example/a/3")
        self.assertEqual(a3["enclosures"], [])
        self.assertEqual(a3["authors"], [])
        self.assertEqual(a3["categories"], [])

        # --- beta (Atom 1.0)
        b1 = by_url.get("https://beta.example/posts/2?page=1")
        self.assertIsNotNone(b1, "canonical URL of beta entry 1 (fbclid, gclid removed) not in "
                                 "%r" % sorted(by_url))
        self.assertEqual(b1["source"], {"id": "beta", "title": "Beta Blog",
                                        "url": self.urls["beta"]})
        self.assertEqual(b1["feed"], {"title": "Beta Blog", "url": "https://beta.example/",
                                      "language": "de"})
        self.assertEqual(b1["guid"], "tag:beta.example,2026:2")
        self.assertEqual(b1["title"], "Zweiter Artikel", "type=html title as plain text")
        self.assertEqual(b1["summary"], "Kurze Zusammenfassung.")
        self.assertEqual(b1["published"], "2026-11-26T06:30:00Z")
        self.assertEqual(b1["updated"], "2026-11-26T14:15:30Z")
        self.assertEqual(b1["authors"], ["Max Mustermann"])
        self.assertEqual(b1["categories"], ["Technik"])
        self.assertIn(b1["language"], ("de", None))
        self.assertEqual(Attrs(b1["content_html"]).attr("a", "href"),
                         ["https://beta.example/posts/relative/link"],
                         "relative link resolved against xml:base: %r" % b1["content_html"])
        self.assertEqual(b1["content_text"].strip(), "Inhalt mit Link.")
        b3 = by_url.get("https://beta.example/posts/3")
        self.assertIsNotNone(b3)
        self.assertIsNone(b3["published"], "an Atom entry with only <updated> has no published")
        self.assertEqual(b3["updated"], "2026-11-25T12:00:00Z")

        # --- gamma (RSS 1.0 / RDF)
        g1 = by_url.get("https://gamma.example/g/1")
        self.assertIsNotNone(g1, "canonical URL of gamma 1 (mc_cid, mc_eid removed) not in %r"
                             % sorted(by_url))
        self.assertEqual(g1["feed"], {"title": "Gamma Digest", "url": "https://gamma.example/",
                                      "language": "fr"})
        self.assertEqual(g1["title"], "Gamma one")
        self.assertEqual(g1["summary"], "First gamma item, about culture.")
        self.assertEqual(g1["authors"], ["Pierre Martin"])
        self.assertEqual(g1["categories"], ["Culture"])
        self.assertEqual(g1["published"], "2026-11-25T17:00:00Z", "dc:date as published")
        g2 = by_url.get("https://gamma.example/g/2")
        self.assertIsNotNone(g2)
        self.assertIsNone(g2["published"])

        # --- delta (JSON Feed 1.1)
        d1 = by_url.get("https://delta.example/d/1?topic=space")
        self.assertIsNotNone(d1, "canonical URL of delta 1 not in %r" % sorted(by_url))
        self.assertEqual(d1["source"], {"id": "delta", "title": "Delta Feed",
                                        "url": self.urls["delta"]})
        self.assertEqual(d1["feed"], {"title": "Delta Feed", "url": "https://delta.example/",
                                      "language": "en"})
        self.assertEqual(d1["guid"], "delta-1")
        self.assertEqual(d1["title"], "Delta one")
        self.assertEqual(d1["summary"], "Delta one summary.")
        self.assertEqual(d1["published"], "2026-11-24T18:00:00Z")
        self.assertEqual(d1["updated"], "2026-11-24T11:00:00Z")
        self.assertEqual(d1["authors"], ["Dee Writer"])
        self.assertEqual(d1["categories"], ["Science", "Space"])
        self.assertEqual(d1["language"], "fr")
        self.assertEqual(d1["image"], "https://delta.example/img/1.png")
        self.assertEqual(d1["enclosures"], [{"url": "https://delta.example/pod/1.mp3",
                                             "type": "audio/mpeg", "length": 999}])
        dh = d1["content_html"]
        self.assertNotIn("<script", dh.lower())
        self.assertNotIn("evil.example", dh)
        self.assertNotIn("style=", dh)
        self.assertNotIn("class=", dh)
        self.assertIn("<strong>one</strong>", dh)
        self.assertEqual(d1["content_text"].strip(), "Delta one body.")
        d2 = by_url.get("https://delta.example/d/2")
        self.assertIsNotNone(d2)
        self.assertEqual(d2["content_text"].strip(), "Plain text only body.")
        self.assertEqual(d2["summary"], "Plain text only body.",
                         "a summary is derived from the content when the feed has none")

        # --- status after the first poll
        st = self.d.status()
        self.assertTrue(st["ok"])
        self.assertEqual(st["seq"], EXPECTED_TOTAL)
        self.assertEqual(st["journal"], EXPECTED_TOTAL)
        self.assertEqual(st["in_flight"], 0)
        srcs = {s["id"]: s for s in st["sources"]}
        self.assertEqual((srcs[winner]["items"], srcs[winner]["new"],
                          srcs[winner]["duplicates"]), (3, 3, 0))
        self.assertEqual((srcs[loser]["items"], srcs[loser]["new"],
                          srcs[loser]["duplicates"]), (3, 2, 1))
        self.assertEqual(srcs["delta"]["topic"], "news.delta")
        for i, n in ((winner, 3), (loser, 2), ("gamma", 2), ("delta", 2)):
            self.assertEqual(srcs[i]["outcome"], "ok", i)
            self.assertEqual(srcs[i]["articles"], n, i)

    def test_ids_stable_and_replay_filters(self):
        """The id of an article is a function of the article: newsctl parse of the same
        document gives the same ids; replay filters by topic prefix and by seq."""
        self.d.start()
        self.d.wait_polled()
        msgs = harness.wait_until(
            lambda: (lambda r: r if len(r) >= EXPECTED_TOTAL else None)(self.d.replay_all()),
            what="9 journaled articles")
        self.assertEqual(len(msgs), EXPECTED_TOTAL)

        p = self.d.ctl("parse", self.urls["gamma"], self.urls["delta"])
        self.assertEqual(p.returncode, 0, p.stderr)
        parsed = harness.json_lines(p.stdout)
        journal_ids = {m["url"]: m["id"] for m in msgs}
        for m in parsed:
            self.assertEqual(m["seq"], 0)
            self.assertEqual(journal_ids.get(m["url"]), m["id"],
                             "id of %s differs between parse and the daemon" % m["url"])

        p = self.d.ctl("replay", "--since", "0", "news.gamma", "news.delta")
        self.assertEqual(p.returncode, 0, p.stderr)
        sel = harness.json_lines(p.stdout)
        self.assertEqual(sorted(m["source"]["id"] for m in sel),
                         ["delta", "delta", "gamma", "gamma"])
        self.assertEqual([m["seq"] for m in sel], sorted(m["seq"] for m in sel))

        p = self.d.ctl("replay", "--since", "5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["seq"] for m in harness.json_lines(p.stdout)],
                         list(range(6, EXPECTED_TOTAL + 1)))

        p = self.d.ctl("replay", "--since", str(EXPECTED_TOTAL))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "")

        # replay through the protocol: paging with limit
        frames = self.d.request_frames({"cmd": "replay", "since": 0, "limit": 4})
        head = harness.json.loads(frames[0])
        self.assertEqual((head.get("ok"), head.get("count"), head.get("last"), head.get("more")),
                         (True, 4, 4, True), head)
        self.assertEqual([harness.json.loads(f)["seq"] for f in frames[1:]], [1, 2, 3, 4])
        frames = self.d.request_frames({"cmd": "replay", "since": 4, "limit": 500,
                                        "topics": ["news.al"]})
        head = harness.json.loads(frames[0])
        self.assertTrue(head["ok"])
        self.assertFalse(head["more"])
        got = [harness.json.loads(f) for f in frames[1:]]
        self.assertEqual(head["count"], len(got))
        self.assertTrue(all(m["source"]["id"] == "alpha" and m["seq"] > 4 for m in got), got)


class ReplayPagingTest(harness.NewsdTestCase):
    """newsctl replay pages through a journal longer than one reply (500 by default)."""

    def test_replay_pages(self):
        n = 1234
        self.http.write("many.rss", harness.make_rss(
            "Many", [harness.make_item(i, "many") for i in range(1, n + 1)]))
        d = self.daemon([{"id": "many", "url": self.http.url("/many.rss")}])
        d.start()
        st = d.wait_polled()
        self.assertEqual(st["sources"][0]["new"], n)
        p = d.ctl("replay", "--since", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["seq"] for m in harness.json_lines(p.stdout)], list(range(1, n + 1)))
        p = d.ctl("replay", "--since", "100", "news.many")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["seq"] for m in harness.json_lines(p.stdout)],
                         list(range(101, n + 1)))
        p = d.ctl("replay", "--since", "0", "news.other")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "")


if __name__ == "__main__":
    harness.main()
