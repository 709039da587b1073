#!/usr/bin/python3
"""newsctl opml import FILE|URL writes the feeds of an OPML list as source entries of a file that
newsd.conf includes (ids from titles, unique and kept across imports; folders and categories as
topics), saying what it added, skipped and why; newsd polls them once included. newsctl opml
export writes the configured sources as OPML 2.0; a round trip through both keeps ids, titles,
URLs and topics (configuration first), and titles, URLs and categories (OPML first)."""

import json
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NEWSCTL, make_item, make_rss, run  # noqa: E402

NS = "{https://github.com/newsd/newsd/opml}"

LIST = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Tech News">
      <outline text="Alpha Daily" type="rss" xmlUrl="%(base)s/alpha.rss" htmlUrl="%(base)s/"/>
      <outline text="Linux">
        <outline text="x" title="Beta &amp; Co" type="rss" xmlUrl="beta.rss"/>
      </outline>
    </outline>
    <outline text="Caf\u00e9 \u00c9conomie" type="rss" xmlUrl="%(base)s/cafe.rss"
             category="/Business/Europe"/>
    <outline text="Alpha Daily" type="rss" xmlUrl="%(base)s/alpha-2.rss"/>
    <outline text="Alpha again" type="rss" xmlUrl="%(base)s/alpha.rss"/>
    <outline text="Known" type="rss" xmlUrl="%(base)s/known.rss"/>
    <outline text="A page" type="link" url="%(base)s/"/>
    <outline text="Local" type="rss" xmlUrl="file:///etc/hostname"/>
  </body>
</opml>
"""


def entries(path):
    """The source entries of an import's file, as dicts (one entry a line)."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                fields = {}
                for part in line.strip().rstrip(",").strip("{} ").split("; "):
                    k, _, v = part.rstrip(";").partition(" = ")
                    fields[k] = v.strip('"')
                out.append(fields)
    return out


class OpmlTest(harness.NewsdTestCase):

    def ctl(self, d, *args):
        return run([NEWSCTL, "-c", d.conf] + list(args), timeout=60, cwd=self.tmp)

    def include(self, d, name="opml-sources.conf"):
        """Rewrite d's configuration with the import's file as the last element of sources."""
        text = d.config_text()
        head, _, tail = text.rpartition("\n);")
        if d.sources:
            head += ","
        d.write_config(text='%s\n  @include "%s"\n);%s' % (head, name, tail))

    def write_list(self):
        self.http.write("list.opml", LIST % {"base": self.http.base})
        path = os.path.join(self.tmp, "list.opml")
        with open(path, "w") as f:
            f.write(LIST % {"base": self.http.base})
        return path

    def test_import_then_poll(self):
        for name in ("alpha.rss", "alpha-2.rss", "beta.rss", "cafe.rss", "known.rss"):
            self.http.write(name, make_rss(name, [make_item(1, name.split(".")[0])]))
        d = self.daemon([{"id": "known", "url": self.http.url("/known.rss")}])
        out = os.path.join(self.tmp, "opml-sources.conf")
        p = self.ctl(d, "opml", "import", "--dry-run", self.http.url("/list.opml"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("http-4xx", self.assertOneLine(p.stderr))
        path = self.write_list()
        p = self.ctl(d, "opml", "import", "--dry-run", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(out))
        # a relative xmlUrl in a file has nothing to be taken from
        self.assertIn("skipped beta.rss (line 8): not an absolute http(s) URL", p.stdout)
        self.assertIn("3 added, 4 skipped: nothing written (--dry-run)", p.stdout)

        # from a URL: relative xmlUrls are taken from the list's own URL
        p = self.ctl(d, "opml", "import", self.http.url("/list.opml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        b = self.http.base
        self.assertEqual(p.stdout.splitlines(), [
            'ignored line 16: "A page": no xmlUrl',
            "added alpha-daily %s/alpha.rss topic news.tech-news.alpha-daily" % b,
            "added beta-co %s/beta.rss topic news.tech-news.linux.beta-co" % b,
            "added cafe-economie %s/cafe.rss topic news.business.europe.cafe-economie" % b,
            "added alpha-daily-2 %s/alpha-2.rss" % b,
            "skipped %s/alpha.rss (line 14): listed twice (first at line 6)" % b,
            "skipped %s/known.rss (line 15): already configured as known" % b,
            "skipped file:///etc/hostname (line 17): not an absolute http(s) URL",
            "4 added, 3 skipped: %s" % out,
        ])
        self.assertIn('does not include %s yet' % out, p.stderr)
        self.assertIn('@include "opml-sources.conf"', p.stderr)
        self.assertEqual(entries(out), [
            {"id": "alpha-daily", "url": b + "/alpha.rss", "title": "Alpha Daily",
             "topic": "news.tech-news.alpha-daily"},
            {"id": "beta-co", "url": b + "/beta.rss", "title": "Beta & Co",
             "topic": "news.tech-news.linux.beta-co"},
            {"id": "cafe-economie", "url": b + "/cafe.rss", "title": "Caf\u00e9 \u00c9conomie",
             "topic": "news.business.europe.cafe-economie"},
            {"id": "alpha-daily-2", "url": b + "/alpha-2.rss", "title": "Alpha Daily"},
        ])

        # included: a second import adds nothing and changes nothing
        self.include(d)
        with open(out) as f:
            before = f.read()
        p = self.ctl(d, "opml", "import", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("skipped %s/alpha.rss (line 6): already configured as alpha-daily" % b,
                      p.stdout)
        self.assertIn("0 added, 7 skipped\n", p.stdout)
        with open(out) as f:
            self.assertEqual(f.read(), before)

        # a list with one more feed: appended, the ids taken stay taken
        more = LIST.replace('<outline text="Known"', '<outline text="Alpha Daily" '
                            'xmlUrl="%(base)s/alpha-3.rss"/>\n<outline text="Known"')
        self.http.write("alpha-3.rss", make_rss("a3", [make_item(1, "a3")]))
        with open(path, "w") as f:
            f.write(more % {"base": b})
        p = self.ctl(d, "opml", "import", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("added alpha-daily-3 %s/alpha-3.rss\n" % b, p.stdout)
        self.assertIn("newsctl reload (or systemctl reload newsd) polls them", p.stdout)
        self.assertEqual(p.stderr, "")
        self.assertEqual(len(entries(out)), 5)

        d.start()
        ids = ["known", "alpha-daily", "beta-co", "cafe-economie", "alpha-daily-2",
               "alpha-daily-3"]
        d.wait_polled(ids)
        p = self.ctl(d, "sources", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        topics = {s["id"]: s["topic"] for s in json.loads(p.stdout)["sources"]}
        self.assertEqual(topics["beta-co"], "news.tech-news.linux.beta-co")
        self.assertEqual(topics["alpha-daily-2"], "news.alpha-daily-2")
        self.assertEqual(len(d.replay_all()), 6)

    def test_not_opml(self):
        d = self.daemon([])
        path = os.path.join(self.tmp, "x.opml")
        with open(path, "w") as f:
            f.write(make_rss("x", []).decode())
        p = self.ctl(d, "opml", "import", path)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(self.assertOneLine(p.stderr),
                         "newsctl: %s: not OPML: the root element is <rss>" % path)
        p = self.ctl(d, "opml", "import", os.path.join(self.tmp, "missing.opml"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.opml: cannot read", self.assertOneLine(p.stderr))
        # standard input
        p = run([NEWSCTL, "-c", d.conf, "opml", "import", "--dry-run", "-"],
                input=LIST % {"base": self.http.base}, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("added known %s/known.rss\n" % self.http.base, p.stdout)
        self.assertIn("4 added, 3 skipped: nothing written (--dry-run)", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "opml-sources.conf")))
        p = self.ctl(d, "opml", "frobnicate")
        self.assertEqual(p.returncode, 2)

    def test_round_trip_from_the_configuration(self):
        sources = [
            {"id": "plain", "url": "https://a.example/feed"},
            {"id": "titled", "url": "https://b.example/feed?x=1&y=2",
             "title": "B \"quoted\" & <more>"},
            {"id": "in-folder", "url": "https://c.example/rss", "title": "C",
             "topic": "news.tech.linux.in-folder"},
            {"id": "odd", "url": "https://d.example/rss", "topic": "custom.topic"},
        ]
        d = self.daemon(sources)
        p = self.ctl(d, "opml", "export")
        self.assertEqual(p.returncode, 0, p.stderr)
        root = ET.fromstring(p.stdout.encode())
        self.assertEqual(root.get("version"), "2.0")
        feeds = {o.get(NS + "id"): o for o in root.iter("outline") if o.get("xmlUrl")}
        self.assertEqual(feeds["titled"].get("title"), 'B "quoted" & <more>')
        self.assertEqual(feeds["odd"].get(NS + "topic"), "custom.topic")
        folders = [o.get("text") for o in root.iter("outline") if not o.get("xmlUrl")]
        self.assertEqual(folders, ["tech", "linux"])

        path = os.path.join(self.tmp, "out.opml")
        with open(path, "w") as f:
            f.write(p.stdout)
        other = self.daemon([], folder=os.path.join(self.tmp, "other"))
        p = self.ctl(other, "opml", "import", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        got = entries(os.path.join(self.tmp, "other", "opml-sources.conf"))
        want = []
        for s in sources:
            e = dict(s)
            if "title" in e:
                e["title"] = e["title"].replace('"', '\\"')
            want.append(e)
        key = lambda e: e["id"]  # noqa: E731
        self.assertEqual(sorted(got, key=key), sorted(want, key=key))

    def test_round_trip_from_opml(self):
        d = self.daemon([])
        self.write_list()
        p = self.ctl(d, "opml", "import", self.http.url("/list.opml"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.include(d)
        p = self.ctl(d, "opml", "export", "-o", os.path.join(self.tmp, "back.opml"))
        self.assertEqual(p.returncode, 0, p.stderr)

        def feeds(text, base):
            root = ET.fromstring(text.encode())
            out = set()

            def walk(node, path):
                for o in node.findall("outline"):
                    if o.get("xmlUrl"):
                        url = o.get("xmlUrl")
                        if "://" not in url:
                            url = base + "/" + url
                        cat = path or "/".join(
                            c.strip("/") for c in (o.get("category") or "").split(",")[:1])
                        slug = "/".join("-".join("".join(ch if ch.isalnum() else " "
                                                         for ch in seg.lower()).split())
                                        for seg in cat.split("/") if seg)
                        out.add((o.get("title") or o.get("text"), url, slug))
                    else:
                        walk(o, (path + "/" if path else "") + o.get("text"))
            walk(root.find("body"), "")
            return out

        with open(os.path.join(self.tmp, "back.opml")) as f:
            back = feeds(f.read(), None)
        orig = {f for f in feeds(LIST % {"base": self.http.base}, self.http.base)
                if f[1].startswith("http") and f[0] != "Alpha again"}
        self.assertEqual(back, orig)


if __name__ == "__main__":
    harness.main()
