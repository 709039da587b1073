#!/usr/bin/python3
"""Configuration: newsd --check-config, file:line errors, refused values, relative paths,
newsctl reload (bad: refused, old configuration kept; good: a new source is polled), SIGHUP."""

import os
import re
import signal
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402


class ConfigTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.http.write("a.rss", make_rss("A", [make_item(i, "a") for i in (1, 2)]))
        self.http.write("b.rss", make_rss("B", [make_item(i, "b") for i in (1, 2, 3)]))
        self.src_a = {"id": "a", "url": self.http.url("/a.rss")}
        self.src_b = {"id": "b", "url": self.http.url("/b.rss"), "topic": "news.bee"}
        self.d = self.daemon([self.src_a])

    def check(self, text=None):
        """newsd --check-config -c CONF on the given text (or the daemon's file)."""
        if text is not None:
            self.d.write_config(text=text)
        return harness.run([harness.NEWSD, "--check-config", "-c", self.d.conf],
                           timeout=30, cwd=self.d.cwd)

    def assertRefused(self, text, needle, what):
        """--check-config refuses text with a 'newsd.conf:LINE:' error at the line of needle
        (needle None: any line)."""
        p = self.check(text)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, "%s: --check-config must exit 1, output %r"
                         % (what, out))
        self.assertNotIn("configuration OK", out)
        if needle is None:
            self.assertRegex(out, r"newsd\.conf:\d+:", what)
        else:
            line = harness.line_of(text, needle)
            self.assertIn("newsd.conf:%d:" % line, out,
                          "%s: expected an error at newsd.conf:%d:, got %r" % (what, line, out))
        return out

    # ------------------------------------------------------------------------------------
    def test_check_config_ok(self):
        p = self.check()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("configuration OK", p.stdout + p.stderr)
        # --check-config does not start a daemon nor poll anything
        self.assertEqual(self.http.log(), [])

    def test_typo_key(self):
        text = self.d.config_text(sources=[self.src_a, dict(self.src_b, intervl=5)])
        out = self.assertRefused(text, "intervl", "a misspelt key in a source")
        self.assertIn("intervl", out)
        # the same for a misspelt top-level key and a misspelt group key
        text = self.d.config_text(extra="allow_privat = false;")
        self.assertRefused(text, "allow_privat", "a misspelt top-level key")
        text = self.d.config_text().replace("near_duplicates", "near_duplicate")
        self.assertRefused(text, "near_duplicate ", "a misspelt key in dedupe")

    def test_syntax_error(self):
        # (libconfig makes the ';' optional: a missing value is a real syntax error)
        text = self.d.config_text(extra="oops = ;")
        self.assertRefused(text, "oops", "a syntax error")

    def test_bad_values(self):
        cases = [
            ("a negative interval", [self.src_a, dict(self.src_b, interval=-5)], {},
             "interval = -5"),
            ("an unknown near_duplicates value", [self.src_a], {"near_duplicates": "sometimes"},
             "sometimes"),
            ("a duplicate source id", [self.src_a, dict(self.src_b, id="a")], {}, None),
            ("upper case in an id", [self.src_a, dict(self.src_b, id="Bee")], {}, '"Bee"'),
            ("a space in an id", [self.src_a, dict(self.src_b, id="b b")], {}, '"b b"'),
            ("an id starting with a dot", [self.src_a, dict(self.src_b, id=".b")], {}, '".b"'),
            ("a source without url", [self.src_a, {"id": "nourl"}], {}, None),
            ("an interval of the wrong type", [self.src_a, dict(self.src_b, interval="soon")],
             {}, "soon"),
        ]
        for what, sources, cfg, needle in cases:
            with self.subTest(what):
                text = self.d.config_text(sources=sources, **cfg)
                self.assertRefused(text, needle, what)
        # the line of a duplicate id: the second definition (each source is on one line)
        text = self.d.config_text(sources=[self.src_a, dict(self.src_b, id="a")])
        p = self.check(text)
        lines = [int(n) for n in re.findall(r"newsd\.conf:(\d+):", p.stdout + p.stderr)]
        self.assertIn(harness.line_of(text, 'id = "a"', nth=2), lines,
                      "the duplicate id is reported at its line: %r" % (p.stdout + p.stderr))

    def test_daemon_refuses_bad_config(self):
        text = self.d.config_text(sources=[dict(self.src_a, intervl=5)])
        self.d.write_config(text=text)
        self.d.start(wait=False)
        try:
            rc = self.d.proc.wait(harness.WAIT)
        except Exception:  # noqa: BLE001
            self.fail("newsd kept running on a bad configuration")
        self.assertNotEqual(rc, 0)
        self.assertIn("newsd.conf:%d:" % harness.line_of(text, "intervl"), self.d.log_text())
        self.assertEqual(self.http.log(), [], "nothing is polled on a refused configuration")

    def test_relative_paths(self):
        """state_dir and an ipc endpoint relative to the configuration file's folder (the
        daemon runs in an unrelated working folder)."""
        d = self.d
        d.write_config(control="ipc://run/control.sock")
        # the direct protocol helpers use the absolute path
        d.control = "ipc://" + os.path.join(self.tmp, "run", "control.sock")
        d.start()
        d.wait_polled()
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "run", "control.sock")))
        self.assertTrue(os.path.isdir(os.path.join(self.tmp, "state")))
        self.assertTrue(os.listdir(os.path.join(self.tmp, "state")), "the store is in state/")
        self.assertEqual(os.listdir(d.cwd), [], "nothing may be created in the working folder")
        p = d.ctl("status")  # newsctl resolves the relative endpoint the same way
        self.assertEqual(p.returncode, 0, p.stderr)
        other = os.path.join(self.tmp, "elsewhere")
        os.makedirs(other)
        p = harness.run([harness.NEWSCTL, "sources", "-c", d.conf], cwd=other)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("a", p.stdout)

    # ------------------------------------------------------------------------------------
    def test_reload(self):
        d = self.d
        d.start()
        d.wait_polled()
        good = d.config_text(sources=[self.src_a])

        # a broken file: refused with file:line, the old configuration stays
        broken = d.config_text(sources=[self.src_a, dict(self.src_b, intervl=5)])
        d.write_config(text=broken)
        p = d.ctl("reload", conf=False, endpoint=d.control)
        self.assertNotEqual(p.returncode, 0, "reload of a broken file must fail")
        err = self.assertOneLine(p.stderr)
        self.assertIn("newsd.conf:%d:" % harness.line_of(broken, "intervl"), err)
        self.assertTrue(d.running())
        st = d.status()
        self.assertEqual([s["id"] for s in st["sources"]], ["a"], "old configuration kept")
        p = d.ctl("sources", conf=False, endpoint=d.control)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("news.bee", p.stdout)
        self.assertEqual(self.http.log("/b.rss"), [], "a refused source is never polled")

        # the same through the protocol
        r = d.request({"cmd": "reload"})
        self.assertFalse(r["ok"])
        self.assertIn("newsd.conf:%d:" % harness.line_of(broken, "intervl"), r["error"])

        # a good file: the new source is there and gets polled
        new = d.config_text(sources=[self.src_a, self.src_b])
        d.write_config(text=new)
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = d.ctl("sources")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("news.bee", p.stdout)
        r = d.request({"cmd": "sources"})
        self.assertEqual([(s["id"], s["topic"]) for s in r["sources"]],
                         [("a", "news.a"), ("b", "news.bee")])
        # (a new source is polled right away, like at start: the refresh may find it unchanged)
        p, reply = d.refresh("b")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(reply["b"]["outcome"], ("ok", "not-modified"))
        self.assertEqual(len(self.http.log("/b.rss")), 2 if reply["b"]["outcome"] ==
                         "not-modified" else 1, self.http.log("/b.rss"))
        topics = [m["source"]["id"] for m in d.replay_all()]
        self.assertEqual(topics.count("b"), 3)
        self.assertEqual(topics.count("a"), 2, "a reload does not publish a again")

        # removing a source by reload
        d.write_config(text=good)
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([s["id"] for s in d.status()["sources"]], ["a"])
        p = d.ctl("refresh", "b")
        self.assertNotEqual(p.returncode, 0, "b is no longer configured")

    def test_reload_keeps_restart_settings(self):
        """What lives in a bound socket or an open file (the table's RESTART rows) waits for a
        restart: a reload applies the rest, keeps those and names them in the log."""
        d = self.d
        d.start()
        d.wait_polled()
        d.write_config(state_dir="state2", publish_opts={"hwm": 7},
                       defaults={"interval": 1800})
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        line = harness.wait_until(
            lambda: [l for l in d.log_lines(4) if "reload:" in l], what="the reload warning")
        self.assertEqual(line, ["<4>reload: state_dir, publish.hwm: changed in the file, kept as "
                                "they are until a restart"])
        self.assertEqual(d.status()["sources"][0]["interval"], 1800, "reloadable: applied")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "state2")))
        # nothing of the kind: no warning
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len([l for l in d.log_lines(4) if "reload:" in l]), 2,
                         "the file still differs from the running values")
        d.write_config(state_dir="state", publish_opts={}, defaults={"interval": 1800})
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len([l for l in d.log_lines(4) if "reload:" in l]), 2)

    def test_sighup_reload(self):
        d = self.d
        d.start()
        d.wait_polled()
        d.write_config(sources=[self.src_a, self.src_b])
        d.send_signal(signal.SIGHUP)
        harness.wait_until(lambda: [s["id"] for s in d.status()["sources"]] == ["a", "b"],
                           what="SIGHUP to add source b")
        # a bad file on SIGHUP: logged, the daemon keeps running on what it had
        d.write_config(text=d.config_text(sources=[self.src_a, self.src_b]).replace(
            "interval = 3600", "interval = -5"))
        d.send_signal(signal.SIGHUP)
        harness.wait_until(lambda: re.search(r"newsd\.conf:\d+:", d.log_text()),
                           what="the SIGHUP reload error in the log")
        self.assertTrue(d.running())
        self.assertEqual([s["id"] for s in d.status()["sources"]], ["a", "b"])
        # status still names the configuration file after reloads
        self.assertEqual(d.status()["config"], os.path.abspath(d.conf))


if __name__ == "__main__":
    harness.main()
