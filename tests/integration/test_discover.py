#!/usr/bin/python3
"""newsctl discover URL: the feeds a web page advertises, each fetched and parsed (those that
fail are named on stderr); the usual paths when it advertises none; a feed given instead of a
page. newsctl parse of a web page names its feeds. A URL whose name is not a private address
may not lead to one unless --allow-private (the daemon's rule)."""

import json
import os
import socket
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NEWSCTL, make_item, make_rss, run  # noqa: E402

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog Atom</title><id>urn:x</id>
<updated>2026-11-27T10:00:00Z</updated>
<entry><title>One</title><id>urn:1</id><link href="https://blog.example/1"/>
<updated>2026-11-27T10:00:00Z</updated><content>Text one of the blog.</content></entry>
</feed>
"""


def page(*links, body="<p>Hello, this is the blog.</p>"):
    head = "".join('<link rel="%s" type="%s" href="%s"%s>\n'
                   % (rel, typ, href, ' title="%s"' % title if title else "")
                   for rel, typ, href, title in links)
    return ("<!DOCTYPE html>\n<html><head><title>Blog</title>\n%s</head><body>%s</body></html>\n"
            % (head, body))


class DiscoverTest(harness.NewsdTestCase):

    def ctl(self, *args):
        return run([NEWSCTL] + list(args), timeout=60, cwd=self.tmp)

    def test_advertised_feeds_are_checked(self):
        self.http.write("blog/index.html", page(
            ("alternate", "application/rss+xml", "/feeds/all.rss", "All posts"),
            ("alternate stylesheet", "text/css", "/s.css", None),
            ("Alternate", "application/atom+xml", "atom.xml", None),
            ("alternate", "application/rss+xml", "/feeds/missing.rss", None),
            ("alternate", "application/rss+xml", "/blog/index.html", None),
            ("alternate", "application/json", "/wp-json/wp/v2/pages/1", None)))
        self.http.write("feeds/all.rss", make_rss("All", [make_item(n, "b") for n in (1, 2)]))
        self.http.write("blog/atom.xml", ATOM)
        p = self.ctl("discover", self.http.url("/blog/index.html"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines(), [
            "%s\trss2.0\t2 entries\tAll" % self.http.url("/feeds/all.rss"),
            "%s\tatom1.0\t1 entries\tBlog Atom" % self.http.url("/blog/atom.xml"),
        ])
        err = p.stderr.splitlines()
        self.assertEqual(len(err), 2, p.stderr)
        self.assertIn("%s: advertised, but http-4xx: HTTP 404" % self.http.url("/feeds/missing.rss"),
                      err[0])
        self.assertIn("%s: advertised, but not a feed" % self.http.url("/blog/index.html"),
                      err[1])
        self.assertEqual(self.http.log("/wp-json/wp/v2/pages/1"), [])
        self.assertEqual(self.http.log("/s.css"), [])

        p = self.ctl("discover", "--json", self.http.url("/blog/index.html"))
        found = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(found[0], {"url": self.http.url("/feeds/all.rss"), "title": "All",
                                    "format": "rss2.0", "entries": 2, "advertised": True})

    def test_usual_paths_when_none_is_advertised(self):
        self.http.write("blog/post.html", page())
        self.http.write("blog/feed.xml", ATOM)
        self.http.write("rss.xml", make_rss("Site", [make_item(1, "s")]))
        p = self.ctl("discover", "--json", self.http.url("/blog/post.html"))
        self.assertEqual(p.returncode, 0, p.stderr)
        found = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual([(f["url"], f["advertised"]) for f in found],
                         [(self.http.url("/blog/feed.xml"), False),
                          (self.http.url("/rss.xml"), False)])
        self.assertEqual(p.stderr, "")
        tried = [e["path"] for e in self.http.log() if e["path"] != "/blog/post.html"]
        self.assertEqual(len(tried), 16, tried)
        self.assertIn("/feed", tried)
        self.assertIn("/blog/atom.xml", tried)

    def test_nothing_found(self):
        self.http.write("empty.html", page())
        p = self.ctl("discover", self.http.url("/empty.html"))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("advertises no feed, and none is at the 8 usual paths",
                      self.assertOneLine(p.stderr))
        p = self.ctl("discover", self.http.url("/nothing-here.html"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("http-4xx: HTTP 404", self.assertOneLine(p.stderr))
        p = self.ctl("discover")
        self.assertEqual(p.returncode, 2)

    def test_a_feed_itself(self):
        self.http.write("f.rss", make_rss("Feed", [make_item(1, "f")]))
        p = self.ctl("discover", self.http.url("/f.rss"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "%s\trss2.0\t1 entries\tFeed\n" % self.http.url("/f.rss"))
        self.assertIn("is a feed itself", p.stderr)
        # served as a web page: still a feed
        self.http.rule("/f.rss", content_type="text/html; charset=utf-8")
        p = self.ctl("discover", self.http.url("/f.rss"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "%s\trss2.0\t1 entries\tFeed\n" % self.http.url("/f.rss"))

    def test_parse_of_a_web_page(self):
        html = page(("alternate", "application/rss+xml", "/feeds/all.rss", None),
                    ("alternate", "application/atom+xml", "https://other.example/a.xml", None))
        self.http.write("index.html", html)
        p = self.ctl("parse", self.http.url("/index.html"))
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.stdout, "")
        self.assertEqual(self.assertOneLine(p.stderr),
                         "newsctl: %s: this is a web page; its feeds are: %s, %s"
                         % (self.http.url("/index.html"), self.http.url("/feeds/all.rss"),
                            "https://other.example/a.xml"))
        path = os.path.join(self.tmp, "page.html")
        with open(path, "w") as f:
            f.write(page())
        p = self.ctl("parse", "--base-url", "https://blog.example/", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("this is a web page; it advertises no feed", self.assertOneLine(p.stderr))


class PrivateAddressTest(harness.NewsdTestCase):
    """A URL naming a host that resolves to loopback (this machine's name, when it does) is
    refused, as the daemon refuses it to a source, unless --allow-private."""

    def setUp(self):
        super().setUp()
        self.name = socket.gethostname()
        try:
            addr = socket.gethostbyname(self.name)
        except OSError:
            addr = ""
        if addr != "127.0.0.1" or self.name.endswith("localhost"):
            self.skipTest("this machine's name does not resolve to 127.0.0.1")

    def test_allow_private(self):
        self.http.write("f.rss", make_rss("Feed", [make_item(1, "f")]))
        url = "http://%s:%d/f.rss" % (self.name, self.http.port)
        for cmd in (["discover", url], ["parse", url]):
            p = run([NEWSCTL] + cmd, cwd=self.tmp)
            self.assertNotEqual(p.returncode, 0, cmd)
            line = self.assertOneLine(p.stderr)
            self.assertIn("blocked", line)
            self.assertIn("--allow-private", line)
            p = run([NEWSCTL, "--allow-private"] + cmd, cwd=self.tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(self.http.log("/f.rss")), 2)


if __name__ == "__main__":
    harness.main()
