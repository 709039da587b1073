#!/usr/bin/python3
"""bash completion for newsctl (contrib/bash-completion/newsctl): commands, options, source ids
from the running daemon; and `cmake --install` puts it where bash-completion finds it."""

import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

COMPLETION = os.path.join(harness.SOURCE_DIR, "contrib", "bash-completion", "newsctl")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"  # Debian's bash-completion
BUILD = os.path.dirname(harness.NEWSCTL)


def complete(line, cwd=None):
    """What bash would offer for the last word of line (a command line typed so far)."""
    script = """
source %s
source %s
COMP_LINE=$1
COMP_POINT=${#COMP_LINE}
read -r -a COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_newsctl newsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
""" % (BASH_COMPLETION, COMPLETION)
    env = dict(os.environ, PATH=BUILD + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
    p = subprocess.run(["bash", "-c", script, "bash", line], capture_output=True, text=True,
                       env=env, cwd=cwd, timeout=30)
    if p.returncode != 0:
        raise AssertionError("bash: %s" % p.stderr)
    return sorted(w for w in p.stdout.splitlines() if w)


class CompletionTest(harness.NewsdTestCase):

    def test_commands_and_options(self):
        self.assertTrue(os.path.exists(BASH_COMPLETION), "tools/deps.sh installs bash-completion")
        self.assertEqual(complete("newsctl re"), ["refresh", "reload", "replay"])
        self.assertEqual(complete("newsctl st"), ["status"])
        self.assertEqual(complete("newsctl refresh --f"), ["--force"])
        self.assertEqual(complete("newsctl status --j"), ["--json"])
        self.assertEqual(complete("newsctl tail --c"), ["--config", "--count", "--curve-key"])
        self.assertEqual(complete("newsctl --ver"), ["--version"])
        self.assertEqual(complete("newsctl --timeout 5 sta"), ["status"])
        self.assertEqual(complete("newsctl opml "), ["export", "import"])
        self.assertEqual(complete("newsctl opml import --d"), ["--dry-run"])
        self.assertEqual(complete("newsctl discover --j"), ["--json"])
        # every command newsctl knows is offered, and nothing else
        usage = harness.run([harness.NEWSCTL, "--help"]).stdout
        section = usage.split("commands:\n", 1)[1].split("\n\n", 1)[0]
        commands = sorted({l.split()[0] for l in section.splitlines()
                           if l.startswith("  ") and not l.startswith("   ")})
        self.assertEqual(complete("newsctl "), commands)

    def test_files(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "feed.xml"), "w").close()
            open(os.path.join(d, "my.conf"), "w").close()
            self.assertEqual(complete("newsctl parse fe", cwd=d), ["feed.xml"])
            self.assertEqual(complete("newsctl -c my", cwd=d), ["my.conf"])

    def test_source_ids(self):
        for sid in ("alpha", "beta", "gamma"):
            self.http.write(sid + ".rss", make_rss(sid, [make_item(1, sid)]))
        d = self.daemon([{"id": s, "url": self.http.url("/%s.rss" % s)}
                         for s in ("alpha", "beta", "gamma")])
        d.start()
        self.assertEqual(complete("newsctl -c %s refresh " % d.conf), ["alpha", "beta", "gamma"])
        self.assertEqual(complete("newsctl refresh -c %s --force b" % d.conf), ["beta"])
        self.assertEqual(complete("newsctl -c %s explain --text x --source g" % d.conf),
                         ["gamma"])
        d.stop()
        self.assertEqual(complete("newsctl -c %s refresh " % d.conf), [],
                         "no daemon: nothing to offer, and no error")

    def test_installed(self):
        build = os.path.join(BUILD)
        if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
            self.skipTest("NEWSCTL is not in a CMake build folder")
        dest = os.path.join(self.tmp, "root")
        p = subprocess.run(["cmake", "--install", build], env=dict(os.environ, DESTDIR=dest),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        found = [os.path.join(r, f) for r, _, fs in os.walk(dest) for f in fs
                 if r.endswith("share/bash-completion/completions")]
        self.assertEqual([os.path.basename(f) for f in found], ["newsctl"])
        with open(found[0]) as f, open(COMPLETION) as g:
            self.assertEqual(f.read(), g.read())


if __name__ == "__main__":
    harness.main()
