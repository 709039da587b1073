#!/usr/bin/python3
"""The User-Agent newsd sends: the program and version only by default; with `contact` the
operator's address in it; `user_agent` replaces it whole; a bad contact is refused at start and
at reload; a reload changes it."""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402


def version():
    out = harness.run([harness.NEWSD, "--version"]).stdout.split()
    return out[1]  # "newsd 0.1.0"


class UserAgentTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.http.write("/a.rss", make_rss("A", [make_item(1, "a")]))
        self.sources = [{"id": "a", "url": self.http.url("/a.rss")}]

    def agents(self):
        return [e["headers"].get("user-agent") for e in self.http.log("/a.rss")]

    def poll_once(self, extra=""):
        d = self.daemon(self.sources, extra=extra)
        d.start()
        d.wait_polled(["a"])
        return d

    def test_default_names_program_and_version_only(self):
        self.poll_once()
        self.assertEqual(self.agents(), ["newsd/" + version()])

    def test_contact(self):
        d = self.poll_once('contact = "ops@example.org";')
        self.assertEqual(self.agents(), ["newsd/%s (+ops@example.org)" % version()])
        # a reload takes another contact
        d.write_config(extra='contact = "https://example.org/about/newsd";')
        p = d.ctl("reload")
        self.assertEqual(p.returncode, 0, p.stderr)
        d.refresh("a", force=True)
        self.assertEqual(self.agents()[-1],
                         "newsd/%s (+https://example.org/about/newsd)" % version())

    def test_user_agent_wins(self):
        self.poll_once('contact = "ops@example.org";\nuser_agent = "Example Reader/2";')
        self.assertEqual(self.agents(), ["Example Reader/2"])

    def test_bad_contact_refused(self):
        for bad in ('"ops (Jane) @example.org"', '"ops@example.org\\r\\nX-Evil: 1"', '""',
                    '"' + "x" * 300 + '"'):
            d = harness.Daemon(os.path.join(self.tmp, "bad"), self.sources,
                               extra="\ncontact = %s;" % bad)
            p = harness.run([harness.NEWSD, "--check-config", "-c", d.conf])
            self.assertEqual(p.returncode, 1, "%s: %r" % (bad, p.stdout))
            line = self.assertOneLine(p.stdout + p.stderr)
            with open(d.conf) as f:
                n = harness.line_of(f.read(), "contact =")
            self.assertIn("newsd.conf:%d: 'contact'" % n, line)


if __name__ == "__main__":
    harness.main()
