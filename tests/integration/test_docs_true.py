#!/usr/bin/python3
"""What the docs quote is what newsd does: the settings of newsd.conf(5) and
docs/configuration.md are newsd's own table, the lines docs/operations.md quotes are the lines
newsd prints, the interval's range, -h, and the proxy environment variables."""

import http.server
import importlib.util
import os
import re
import sys
import threading

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

CONFIG_DOCS = os.path.join(harness.SOURCE_DIR, "tools", "config-docs.py")
OPERATIONS = os.path.join(harness.SOURCE_DIR, "docs", "operations.md")


def config_docs():
    spec = importlib.util.spec_from_file_location("config_docs", CONFIG_DOCS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def quoted(needle):
    """The text between backquotes in docs/operations.md that contains needle."""
    with open(OPERATIONS) as f:
        text = f.read()
    # a quote may wrap onto the next line
    for q in re.findall(r"`([^`\n]+(?:\n[^`\n]+)?)`", text.replace("```", "")):
        q = " ".join(q.split("\n"))
        if needle in q:
            return q
    raise AssertionError("docs/operations.md quotes nothing with %r" % needle)


class SettingsTest(harness.NewsdTestCase):
    start_http = False

    def test_docs_are_the_table(self):
        p = harness.run([harness.PYTHON, CONFIG_DOCS, harness.NEWSD, "--check"])
        self.assertEqual(p.returncode, 0, "newsd.conf(5) or docs/configuration.md differ from "
                                          "newsd --help-config:\n" + p.stdout + p.stderr)

    def test_the_check_can_fail(self):
        mod = config_docs()
        with open(mod.MARKDOWN) as f:
            md = f.read()
        with open(mod.MAN) as f:
            man = f.read()
        self.assertEqual(mod.markdown_doc(harness.NEWSD, md), md)
        self.assertEqual(mod.man_doc(harness.NEWSD, man), man)
        wrong = md.replace("| `defaults.interval` | integer | `900` |",
                           "| `defaults.interval` | integer | `600` |")
        self.assertNotEqual(wrong, md)
        self.assertEqual(mod.markdown_doc(harness.NEWSD, wrong), md)
        wrong = man.replace('"900" ", 1 to 2592000', '"900" ", 1 to 30 days')
        self.assertNotEqual(wrong, man)
        self.assertEqual(mod.man_doc(harness.NEWSD, wrong), man)
        gone = re.sub(r'\.TP\n\.BR "retention\.seen".*\n', "", man)
        self.assertNotEqual(gone, man)
        with self.assertRaises(SystemExit):
            mod.man_doc(harness.NEWSD, gone)

    def test_interval_range(self):
        d = self.daemon([{"id": "a", "url": "http://127.0.0.1:9/a.rss"}])
        for value, ok in ((1, True), (2592000, True), (2592001, False), (0, False)):
            with self.subTest(interval=value):
                d.write_config(defaults={"interval": value})
                p = harness.run([harness.NEWSD, "--check-config", "-c", d.conf])
                self.assertEqual(p.returncode, 0 if ok else 1, p.stdout + p.stderr)
                if not ok:
                    self.assertIn("between 1 and 2592000", p.stdout + p.stderr)

    def test_h(self):
        p = harness.run([harness.NEWSD, "-h"])
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: newsd"), p.stdout)
        with open(os.path.join(harness.SOURCE_DIR, "man", "newsd.8")) as f:
            self.assertIn(r".BR \-h", f.read())


class StatesTest(harness.NewsdTestCase):
    """Every state a source can be in (src/poller.c's state_of(), in the order it decides) is
    in docs/control-protocol.md's table, in its order of precedence and in newsctl(1)."""
    start_http = False

    def test_states(self):
        with open(os.path.join(harness.SOURCE_DIR, "src", "poller.c")) as f:
            code = f.read()
        body = code[code.index("static const char *state_of("):]
        body = body[:body.index("\n}\n")]
        states = re.findall(r'return "([a-z]+)";', body)
        self.assertEqual(len(states), 9, body)
        with open(os.path.join(harness.SOURCE_DIR, "docs", "control-protocol.md")) as f:
            doc = f.read()
        table = re.findall(r"^\| `([a-z]+)` \| ", doc[doc.index("| state | meaning |"):],
                           re.M)
        self.assertEqual(sorted(table[:len(states)]), sorted(states))
        order = re.search(r"in the order ((?:`[a-z]+`[,.]?\s*(?:and\s+)?)+)", doc)
        self.assertIsNotNone(order)
        self.assertEqual(re.findall(r"`([a-z]+)`", order.group(1)), states,
                         "the order of precedence is state_of()'s")
        with open(os.path.join(harness.SOURCE_DIR, "man", "newsctl.1")) as f:
            man = f.read()
        status = man[man.index(".BR status"):man.index(".BR sources")]
        for state in states:
            self.assertRegex(status, r"\.BR? %s\b" % state)


class QuotedLinesTest(harness.NewsdTestCase):

    def test_in_use(self):
        self.http.write("a.rss", make_rss("A", [make_item(1, "a")]))
        d = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}])
        d.start()
        state = os.path.join(d.tmpdir, "state")
        p = harness.run([harness.NEWSD, "-c", d.conf])
        self.assertEqual(p.returncode, 1)
        want = quoted("in use by another newsd").replace("/var/lib/newsd", state)
        self.assertIn("<3>%s\n" % want, p.stderr)
        # another state folder, the same control socket
        d2 = self.daemon([{"id": "a", "url": self.http.url("/a.rss")}],
                         folder=os.path.join(self.tmp, "two"), control=d.control)
        p = harness.run([harness.NEWSD, "-c", d2.conf])
        self.assertEqual(p.returncode, 1)
        want = quoted("in use: another process").replace("ipc://...", d.control)
        self.assertIn("<3>%s\n" % want, p.stderr)

    def test_gone(self):
        self.http.write("old.rss", make_rss("Old", [make_item(1, "old")]))
        self.http.rule("/old.rss", status=410)
        d = self.daemon([{"id": "old", "url": self.http.url("/old.rss")}])
        d.start()
        d.wait_polled()
        want = quoted("(HTTP 410)").replace("https://...", self.http.url("/old.rss"))
        self.assertIn("<4>%s" % want, d.log_lines())
        self.assertEqual(d.status()["sources"][0]["state"], "gone")


class ProxyTest(harness.NewsdTestCase):
    """http_proxy, as newsd.conf(5) and docs/operations.md say, carries the requests."""

    def test_http_proxy(self):
        seen = []
        body = make_rss("P", [make_item(1, "p", host="far.example")])

        class Proxy(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 -- the standard library's name
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.closers.append(srv.server_close)
        self.closers.append(srv.shutdown)
        # the host does not resolve: only the proxy can fetch it; the proxy is on loopback
        url = "http://far.example/feed.rss"
        d = self.daemon([{"id": "p", "url": url}], extra="allow_private = true;")
        env = {"http_proxy": "http://127.0.0.1:%d" % srv.server_port, "no_proxy": ""}
        d.start(env=env)
        d.wait_polled()
        self.assertEqual(seen, [url], "the proxy got the request in absolute form")
        self.assertEqual(d.status()["sources"][0]["outcome"], "ok")
        self.assertEqual(len(d.replay_all()), 1)
        # without allow_private the proxy on loopback is refused, as documented
        d.stop()
        d2 = self.daemon([{"id": "p", "url": url}], folder=os.path.join(self.tmp, "two"))
        d2.start(env=env)
        d2.wait_polled()
        self.assertEqual(d2.status()["sources"][0]["outcome"], "blocked")
        self.assertEqual(seen, [url])


if __name__ == "__main__":
    harness.main()
