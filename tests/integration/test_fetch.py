#!/usr/bin/python3
"""Fetch behaviour: redirects, the body cap (max_body, per source), gzip, slow servers, the
HTTP charset, request headers.  (The private-address policy is not tested here.)"""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FEEDS, make_item, make_rss  # noqa: E402

CAP = 4096


class FetchTest(harness.NewsdTestCase):

    def feed(self, path, prefix, n=2):
        """A distinct 2-item feed at path (distinct items: no dedupe across sources)."""
        self.http.write(path, make_rss(prefix, [make_item(i, prefix) for i in range(1, n + 1)]))

    def setUp(self):
        super().setUp()
        h = self.http
        sources = []

        def src(i, path, **kw):
            sources.append(dict({"id": i, "url": h.url(path)}, **kw))

        # redirects
        for code in (301, 302, 307, 308):
            self.feed("/feeds/t%d.rss" % code, "t%d" % code)
            h.rule("/r%d.rss" % code, status=code, redirect="/feeds/t%d.rss" % code)
            src("r%d" % code, "/r%d.rss" % code)
        self.feed("/feeds/tchain.rss", "chain")
        h.rule("/c1.rss", status=302, redirect=h.url("/c2.rss"))
        h.rule("/c2.rss", status=301, redirect="/feeds/tchain.rss")
        src("chain", "/c1.rss")
        h.rule("/loop.rss", status=302, redirect="/loop.rss")
        src("loop", "/loop.rss")
        # a redirect to another scheme than http(s) is not followed
        secret = os.path.join(self.tmp, "secret.rss")
        with open(secret, "wb") as f:
            f.write(make_rss("Secret", [make_item(1, "secret")]))
        h.rule("/tofile.rss", status=302, redirect="file://" + secret)
        src("tofile", "/tofile.rss")
        # the body cap
        h.rule("/big.rss", generate=5 * CAP)
        src("big", "/big.rss", max_body=CAP)
        h.rule("/bigchunked.rss", generate=5 * CAP, chunked=True)
        src("bigchunked", "/bigchunked.rss", max_body=CAP)
        h.rule("/biggzip.rss", generate=20 * CAP, gzip=True)  # small on the wire, big decoded
        src("biggzip", "/biggzip.rss", max_body=CAP)
        h.rule("/small.rss", generate=CAP // 2)
        src("small", "/small.rss", max_body=CAP)
        # content coding and slow servers
        self.feed("/gz.rss", "gz")
        h.rule("/gz.rss", gzip=True)
        src("gz", "/gz.rss")
        self.feed("/gzchunked.rss", "gzc", n=30)
        h.rule("/gzchunked.rss", gzip=True, chunked=True, chunk_size=100)
        src("gzchunked", "/gzchunked.rss")
        self.feed("/slow.rss", "slow")
        h.rule("/slow.rss", delay=1.5)
        src("slow", "/slow.rss", timeout=10)
        self.feed("/trickle.rss", "trickle")
        h.rule("/trickle.rss", trickle=0.05, chunk_size=100)
        src("trickle", "/trickle.rss", timeout=10)
        # the HTTP charset
        with open(os.path.join(FEEDS, "latin1.rss"), "rb") as f:
            h.write("/latin/latin1.rss", f.read())
        h.rule("/latin/latin1.rss", content_type="application/rss+xml; charset=ISO-8859-1")
        src("latin", "/latin/latin1.rss")
        self.d = self.daemon(sources)
        self.d.start()
        self.st = {s["id"]: s for s in self.d.wait_polled()["sources"]}
        self.journal = self.d.replay_all()

    def articles(self, source_id):
        return [m for m in self.journal if m["source"]["id"] == source_id]

    def test_redirects(self):
        port = self.http.port
        for code in (301, 302, 307, 308):
            i = "r%d" % code
            s = self.st[i]
            self.assertEqual((s["outcome"], s["http_status"], s["new"]), ("ok", 200, 2),
                             "%s: %r" % (i, s))
            self.assertEqual(len(self.articles(i)), 2)
            # the source keeps its configured URL
            self.assertEqual(s["url"], self.http.url("/r%d.rss" % code))
            self.assertEqual(self.articles(i)[0]["source"]["url"], self.http.url("/r%d.rss"
                                                                                 % code))
        for code in (301, 308):
            r = self.st["r%d" % code]["redirect"]
            self.assertIsInstance(r, str, "a permanent redirect is reported in status")
            self.assertTrue(r.endswith("/feeds/t%d.rss" % code), r)
        for code in (302, 307):
            self.assertIsNone(self.st["r%d" % code]["redirect"],
                              "a temporary redirect is not reported as permanent")
        self.assertNotIn(self.st["tofile"]["outcome"], ("ok", "not-modified", None),
                         "a redirect to file:// must not be followed: %r" % self.st["tofile"])
        self.assertEqual(self.articles("tofile"), [])
        self.assertEqual(self.st["chain"]["outcome"], "ok")
        self.assertEqual(len(self.articles("chain")), 2)
        self.assertNotIn(self.st["loop"]["outcome"], ("ok", "not-modified", None))
        self.assertLessEqual(len(self.http.log("/loop.rss")), 12,
                             "at most 10 redirects are followed")
        self.assertTrue(self.d.running())
        del port

    def test_body_cap(self):
        for i in ("big", "bigchunked", "biggzip"):
            self.assertEqual(self.st[i]["outcome"], "too-large", "%s: %r" % (i, self.st[i]))
            self.assertEqual(self.articles(i), [])
        self.assertEqual(self.st["small"]["outcome"], "ok", self.st["small"])
        # a second poll fetches the body again and refuses it again: the validators of a
        # refused body must not be kept (else the next poll is a 304 "not-modified" and the
        # source never gets its content while the server's stays the same)
        for i in ("big", "bigchunked", "biggzip"):
            p, reply = self.d.refresh(i, force=True)  # in backoff after the first failure
            self.assertEqual(reply[i]["outcome"], "too-large", "%s, second poll: %r" % (i, reply))
            self.assertEqual(p.returncode, 1)
            self.assertNotIn("if-none-match", self.http.log("/%s.rss" % i)[-1]["headers"])

    def test_gzip_and_slow(self):
        for i, n in (("gz", 2), ("gzchunked", 30), ("slow", 2), ("trickle", 2)):
            self.assertEqual((self.st[i]["outcome"], self.st[i]["new"]), ("ok", n),
                             "%s: %r" % (i, self.st[i]))
            self.assertEqual(len(self.articles(i)), n)
        ae = self.http.log("/gz.rss")[0]["headers"].get("accept-encoding", "")
        self.assertIn("gzip", ae, "the fetcher asks for compressed content")

    def test_charset(self):
        (m,) = self.articles("latin")
        self.assertEqual(m["title"], "Caf\u00e9 cr\u00e8me \u00e0 la carte")
        self.assertEqual(m["summary"], "D\u00e9j\u00e0 vu, \u00e7a va.")
        self.assertEqual(m["url"], self.http.url("/latin/story.html"))

    def test_request_headers(self):
        for e in self.http.log():
            ua = e["headers"].get("user-agent", "")
            self.assertIn("newsd", ua.lower(), "an honest User-Agent: %r" % ua)
            self.assertEqual(e["method"], "GET")


if __name__ == "__main__":
    harness.main()
