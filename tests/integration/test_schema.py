#!/usr/bin/python3
"""docs/message.schema.json says what newsd publishes: anchors keep their #fragment, updates are
emitted, and the harness's check of every received message (python3-jsonschema) can fail."""

import copy
import os
import sys

import zmq

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ANCHORS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Day</title><link>https://day.example/</link>
<item><title>Morning</title><link>https://day.example/day.html#a1</link>
  <guid isPermaLink="false">m</guid><description>The bridge opened in the morning.</description></item>
<item><title>Evening</title><link>https://day.example/day.html#a2</link>
  <guid isPermaLink="false">e</guid><description>The ferry stopped in the evening.</description></item>
</channel></rss>
"""


def update_rss(text, updated):
    return ("""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>U</title><id>urn:u</id>
<updated>%s</updated>
<entry><id>urn:u:1</id><title>Council vote</title><link href="https://u.example/vote"/>
  <updated>%s</updated><content type="text">%s</content></entry></feed>
""" % (updated, updated, text))


class SchemaTest(harness.NewsdTestCase):

    def test_anchor_and_update_conform(self):
        self.http.write("day.rss", ANCHORS)
        self.http.write("u.atom", update_rss("The council votes on Monday.", "2026-12-01T10:00:00Z"))
        d = self.daemon([{"id": "day", "url": self.http.url("/day.rss")},
                         {"id": "u", "url": self.http.url("/u.atom")}])
        sub = self.start_subscribed(d, ["/day.rss", "/u.atom"])
        objs = sub.wait_count(3)
        self.assertEqual(sorted(m["url"] for m in objs if m["source"]["id"] == "day"),
                         ["https://day.example/day.html#a1", "https://day.example/day.html#a2"])
        self.http.write("u.atom", update_rss("The council voted: the bridge stays open.",
                                             "2026-12-02T10:00:00Z"))
        p, _ = d.refresh("u")
        self.assertEqual(p.returncode, 0, p.stderr)
        objs = sub.wait_count(4)
        self.assertIn("update", [m["event"] for m in objs])
        for m in objs:
            self.assertIsNone(harness.schema_error(m), m)
        self.assertEqual(sub.invalid, [])

    def test_the_check_can_fail(self):
        good = {
            "schema": 1, "event": "article", "seq": 1, "topic_seq": 1,
            "id": "0123456789abcdef0123456789abcdef",
            "source": {"id": "a", "title": None, "url": "http://x.example/f"},
            "feed": {"title": None, "url": None, "language": None},
            "url": "https://x.example/a#part-2", "guid": None, "title": "t", "summary": "",
            "content_html": "", "content_text": "", "authors": [], "categories": [],
            "language": None, "published": None, "updated": None,
            "fetched": "2026-12-06T05:00:00Z", "enclosures": [], "image": None,
            "duplicate_of": None,
        }
        self.assertIsNone(harness.schema_error(good))
        for key, value in (("event", "deleted"), ("url", "https://x.example/a b"),
                           ("url", "ftp://x.example/a"), ("seq", "1"), ("extra", 1),
                           ("fetched", "yesterday")):
            with self.subTest(key=key, value=value):
                bad = copy.deepcopy(good)
                bad[key] = value
                self.assertIsNotNone(harness.schema_error(bad))
        # a Subscriber records what does not conform, for the cleanup to fail the test
        ctx = zmq.Context.instance()
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 0)
        self.closers.append(pub.close)
        port = pub.bind_to_random_port("tcp://127.0.0.1")
        sub = harness.Subscriber("tcp://127.0.0.1:%d" % port)
        self.closers.append(sub.close)
        sub.wait_connected()
        bad = dict(good, event="deleted")
        pub.send_multipart([b"news.a", harness.json.dumps(good).encode()])
        pub.send_multipart([b"news.a", harness.json.dumps(bad).encode()])
        sub.wait_count(2)
        self.assertEqual([m for m, _ in sub.invalid], [bad])
        self.assertIn("event", sub.invalid[0][1])


if __name__ == "__main__":
    harness.main()
