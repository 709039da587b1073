#!/usr/bin/python3
"""Keep and drop rules (`filters`, global and per source): what they drop is not published, is
counted in status, refresh and the metrics, named in the debug log and by `newsctl explain`;
a source's keep rule overrides a global drop; a bad expression is refused with file:line at start
and at reload (the running rules stay); a rule removed by a reload lets the article through."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import NEWSD, make_item, make_rss, run  # noqa: E402

GLOBAL = '''filters = (
  { field = "title"; match = "^Sponsored:"; name = "sponsored"; },
  { field = "text"; words = ["casino", "crypto giveaway"]; }
);'''
RULES = '''( { field = "title"; match = "(?i)\\\\bcolumn\\\\b"; action = "keep"; },
             { field = "url"; match = "/opinion/"; } )'''


def feed_items():
    items = [make_item(n, "news") for n in (1, 2)]
    ad = make_item(3, "news")
    ad["title"] = "Sponsored: the best harbor cruise"
    spam = make_item(4, "news")
    spam["description"] = "Win big at the Casino tonight, free entry."
    op = make_item(5, "news")
    op["link"] = "https://news.example/opinion/5"
    col = make_item(6, "news")
    col["title"] = "Sponsored: our weekly Column"
    return items + [ad, spam, op, col]


class FiltersTest(harness.NewsdTestCase):

    def make(self, rules=RULES, global_rules=GLOBAL):
        self.http.write("news.rss", make_rss("News", feed_items()))
        src = {"id": "news", "url": self.http.url("/news.rss")}
        d = self.daemon([src], extra=global_rules)
        # the source's filters list is not a plain value: write it into the source's line
        text = d.config_text().replace('"%s"; }' % src["url"],
                                       '"%s"; filters = %s; }' % (src["url"], rules), 1)
        d.write_config(text=text)
        return d

    def test_drops_and_keeps(self):
        d = self.make()
        d.start()
        d.wait_polled()
        guids = sorted(m["guid"] for m in d.replay_all())
        # 3 (global "sponsored"), 4 (global words) and 5 (the source's url rule) are dropped;
        # 6 matches the global rule too but the source's keep comes first
        self.assertEqual(guids, ["news-1", "news-2", "news-6"])
        st = {s["id"]: s for s in d.status()["sources"]}["news"]
        self.assertEqual((st["items"], st["new"], st["filtered"]), (6, 3, 3), st)
        p, r = d.refresh("news", force=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        # not modified: nothing was looked at
        self.assertEqual(r["news"]["filtered"], 0, r)
        self.http.write("news.rss", make_rss("News", feed_items() + [make_item(7, "news")]))
        p, r = d.refresh("news")
        # the dropped ones are checked again at every poll (they are not remembered as seen)
        self.assertEqual((r["news"]["new"], r["news"]["filtered"], r["news"]["duplicates"]),
                         (1, 3, 3), r)

        with open(d.conf) as f:
            conf = f.read()
        line_sponsored = harness.line_of(conf, "^Sponsored:")
        line_words = harness.line_of(conf, "casino")
        line_src = harness.line_of(conf, '"/opinion/"')
        p = d.ctl("explain", "https://news.example/news/3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('dropped by a filter: global filter 1 "sponsored" (%s:%d): drop when title '
                      'matches "^Sponsored:"' % (d.conf, line_sponsored), p.stdout)
        self.assertIn('"Sponsored: the best harbor cruise"', p.stdout)
        p = d.ctl("explain", "https://news.example/news/4?utm_source=x", "--json")
        self.assertIn('global filter 2 (%s:%d): drop when text has the word \\"casino\\" or '
                      '\\"crypto giveaway\\"' % (d.conf, line_words), p.stdout)
        p = d.ctl("explain", "https://news.example/opinion/5")
        self.assertIn("filter 2 of source news (%s:%d): drop when url matches" % (d.conf,
                                                                                   line_src),
                      p.stdout)
        debug = [l for l in d.log_lines(7) if "dropped by" in l]
        self.assertTrue(any(l.startswith('<7>source news: "Sponsored: the best harbor cruise" '
                                         'dropped by global filter 1') for l in debug), debug)

    def test_metrics_by_filter(self):
        port = harness.free_port()
        d = self.make(global_rules=GLOBAL + '\nmetrics: { listen = "127.0.0.1:%d"; };' % port)
        d.start()
        d.wait_polled()
        import urllib.request
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
            text = r.read().decode()
        self.assertIn('newsd_items_filtered_total{filter="sponsored"} 1\n', text)
        self.assertIn('newsd_items_filtered_total{filter="global/2"} 1\n', text)
        self.assertIn('newsd_items_filtered_total{filter="news/2"} 1\n', text)
        self.assertIn("newsd_articles_published_total 3\n", text)

    def test_bad_expression_at_start_and_reload(self):
        d = self.make(rules='( { field = "title"; match = "(unclosed"; } )')
        p = run([NEWSD, "--check-config", "-c", d.conf])
        self.assertEqual(p.returncode, 1)
        line = self.assertOneLine(p.stderr)
        with open(d.conf) as f:
            bad = f.read()
        n = harness.line_of(bad, "(unclosed")
        self.assertIn("%s:%d: filter 1: bad regular expression \"(unclosed\": missing closing "
                      "parenthesis" % (d.conf, n), line)
        d.start(wait=False)
        self.assertEqual(d.proc.wait(20), 1)

        good = bad.replace('( { field = "title"; match = "(unclosed"; } )', RULES)
        d.write_config(text=good)
        d.start()
        d.wait_polled()
        self.assertEqual(len(d.replay_all()), 3)
        d.write_config(text=good.replace('"/opinion/"', '"[/opinion/"'))
        p = d.ctl("reload")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("bad regular expression \"[/opinion/\"", p.stderr)
        # the running rules stay (the file is put back: newsctl reads it for the endpoint)
        d.write_config(text=good)
        self.http.write("news.rss", make_rss("News", feed_items() + [make_item(7, "news")]))
        p, r = d.refresh("news")
        self.assertEqual((r["news"]["new"], r["news"]["filtered"]), (1, 3), r)
        # a reload without the url rule lets item 5 through at the next poll
        d.write_config(text=good.replace(RULES, '( { field = "title"; match = "(?i)column"; '
                                         'action = "keep"; } )'))
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.http.write("news.rss", make_rss("News", feed_items() + [make_item(n, "news")
                                                                     for n in (7, 8)]))
        p, r = d.refresh("news")
        self.assertEqual((r["news"]["new"], r["news"]["filtered"]), (2, 2), r)
        self.assertIn("news-5", [m["guid"] for m in d.replay_all()])


if __name__ == "__main__":
    harness.main()
