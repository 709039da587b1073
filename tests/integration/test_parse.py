#!/usr/bin/python3
"""newsctl parse: files, stdin and URLs, without a daemon."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FEEDS  # noqa: E402

ALPHA_TITLES = ["Caf\u00e9 & Bar \u2014 grand opening", "Shared story about the harbour",
                "Alpha without a date"]
BETA_TITLES = ["Zweiter Artikel", "Shared story about the harbour",
               "Beta entry with only an update date"]
GAMMA_TITLES = ["Gamma one", "Gamma two"]
DELTA_TITLES = ["Delta one", "Delta two"]


def feed(name):
    return os.path.join(FEEDS, name)


class ParseTest(harness.NewsdTestCase):

    def parse(self, *args, input=None):
        return harness.run([harness.NEWSCTL, "parse"] + list(args), timeout=60, input=input,
                           cwd=self.tmp)

    def test_files_in_order(self):
        p = self.parse(feed("alpha.rss"), feed("beta.atom"), feed("gamma.rdf"),
                       feed("delta.json"))
        self.assertEqual(p.returncode, 0, p.stderr)
        items = harness.json_lines(p.stdout)
        self.assertEqual([m["title"] for m in items],
                         ALPHA_TITLES + BETA_TITLES + GAMMA_TITLES + DELTA_TITLES,
                         "every item, document order, one document after the other, no dedupe")
        for m in items:
            self.assertMessageShape(m)
            self.assertEqual(m["seq"], 0)
        urls = [m["url"] for m in items]
        self.assertEqual(urls.count("https://shared.example.com/story/1?id=7"), 2)
        self.assertEqual(items[0]["url"], "https://alpha.example/2026/11/cafe?ref=home")
        self.assertEqual(items[0]["published"], "2026-11-27T10:00:00Z")
        self.assertEqual(items[3]["updated"], "2026-11-26T14:15:30Z")

    def test_missing_and_broken_files(self):
        missing = os.path.join(self.tmp, "does-not-exist.xml")
        p = self.parse(feed("alpha.rss"), missing, feed("gamma.rdf"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does-not-exist.xml", self.assertOneLine(p.stderr))
        self.assertEqual([m["title"] for m in harness.json_lines(p.stdout)],
                         ALPHA_TITLES + GAMMA_TITLES, "the other documents still come out")

        p = self.parse(feed("broken.xml"), feed("delta.json"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("broken.xml", self.assertOneLine(p.stderr))
        self.assertEqual([m["title"] for m in harness.json_lines(p.stdout)], DELTA_TITLES)

    def test_stdin(self):
        with open(feed("gamma.rdf")) as f:
            p = self.parse("-", input=f.read())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([m["title"] for m in harness.json_lines(p.stdout)], GAMMA_TITLES)

    def test_hostile_documents(self):
        """External entities are never loaded; entity expansion is bounded."""
        secret = os.path.join(self.tmp, "secret.txt")
        with open(secret, "w") as f:
            f.write("TOPSECRET-8412\n")
        xxe = os.path.join(self.tmp, "xxe.rss")
        with open(xxe, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<!DOCTYPE rss [ <!ENTITY secret SYSTEM "file://%s">\n'
                    '  <!ENTITY remote SYSTEM "%s"> ]>\n'
                    '<rss version="2.0"><channel><title>X</title>'
                    '<link>https://xxe.example/</link><description>d</description>\n'
                    '<item><title>Leak [&secret;] end</title><link>https://xxe.example/1</link>'
                    '<description>Remote [&remote;] end</description></item>\n'
                    '</channel></rss>\n' % (secret, self.http.url("/entity.txt")))
        p = self.parse(xxe)
        self.assertNotIn("TOPSECRET", p.stdout + p.stderr)
        self.assertEqual(self.http.log(), [], "no external entity is fetched")
        for m in harness.json_lines(p.stdout):
            self.assertEqual(m["url"], "https://xxe.example/1")

        p = self.parse(feed("laughs.rss"))  # ten levels of ten-fold expansion
        self.assertLess(len(p.stdout), 1 << 20, "entity expansion must be bounded")
        titles = [m["title"] for m in harness.json_lines(p.stdout)]
        self.assertIn("Quiet item", titles, "the rest of the document still comes out")

    def test_base_url(self):
        p = self.parse("--base-url", "https://base.example/feeds/main.xml", feed("relative.rss"))
        self.assertEqual(p.returncode, 0, p.stderr)
        items = harness.json_lines(p.stdout)
        self.assertEqual([m["url"] for m in items],
                         ["https://base.example/feeds/posts/1.html",
                          "https://base.example/abs/2.html"])
        self.assertEqual(items[0]["feed"]["url"], "https://base.example/")
        html = items[0]["content_html"] or ""
        self.assertIn('https://base.example/other/page.html', html)
        self.assertIn('https://base.example/feeds/img/a.png', html)

    def test_url_redirect_and_charset(self):
        """An http URL: fetched with the daemon's fetcher; the final URL after a redirect is the
        base for relative links; the charset of Content-Type decodes a document whose XML
        declaration names no encoding."""
        with open(feed("latin1.rss"), "rb") as f:
            self.http.write("/sub/dir/latin1.rss", f.read())
        self.http.rule("/sub/dir/latin1.rss",
                       content_type="application/rss+xml; charset=ISO-8859-1")
        self.http.rule("/old/feed.xml", status=301, redirect="/sub/dir/latin1.rss")
        p = self.parse(self.http.url("/old/feed.xml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        items = harness.json_lines(p.stdout)
        self.assertEqual(len(items), 1, p.stdout)
        m = items[0]
        self.assertEqual(m["title"], "Caf\u00e9 cr\u00e8me \u00e0 la carte")
        self.assertEqual(m["summary"], "D\u00e9j\u00e0 vu, \u00e7a va.")
        self.assertEqual(m["url"], self.http.url("/sub/dir/story.html"))
        self.assertEqual(m["seq"], 0)
        self.assertEqual([e["path"] for e in self.http.log()],
                         ["/old/feed.xml", "/sub/dir/latin1.rss"])

    def test_url_errors_and_gzip(self):
        for name in ("alpha.rss", "delta.json"):
            self.http.copy_feed(name)
        self.http.rule("/alpha.rss", gzip=True)
        self.http.rule("/gone.rss", status=404)
        p = self.parse(self.http.url("/alpha.rss"), self.http.url("/gone.rss"),
                       self.http.url("/delta.json"))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("/gone.rss", self.assertOneLine(p.stderr))
        self.assertEqual([m["title"] for m in harness.json_lines(p.stdout)],
                         ALPHA_TITLES + DELTA_TITLES)
        items = harness.json_lines(p.stdout)
        port = self.http.port
        self.assertIn("http://127.0.0.1:%d/rel/page.html" % port, items[0]["content_html"])
        self.assertIn("gzip", self.http.log("/alpha.rss")[0]["headers"].get("accept-encoding", ""))


if __name__ == "__main__":
    harness.main()
