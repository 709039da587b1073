#!/usr/bin/python3
"""The installed newsd, two ways.

`cmake --install BUILD --prefix DIR` (BUILD: the folder of the newsd under test): every file
lands under DIR, /etc included; the unit's ExecStart names DIR/sbin/newsd; systemd-analyze
verifies the unit; a second install keeps an edited newsd.conf; the installed configuration
polls nothing (the installed newsd runs on it and publishes nothing), and its commented sample
sources work once uncommented.

The Debian package (tools/build-deb.sh, debhelper): its control data and conffiles, its file
list (exactly), what `dpkg -x` puts in a clean folder; then a real `dpkg -i`, `dpkg -r` and
`dpkg -P` in a throwaway copy of this machine: an overlay over / in a private mount namespace,
chrooted into, so that the host's dpkg database and files are never touched.  There the
unit is verified with systemd-analyze against the installed man pages and binaries, the
installed newsd runs on its default configuration (in a network namespace of its own) and
publishes nothing, and after the purge nothing of the package is left: the overlay's upper
layer holds only dpkg's and man-db's own bookkeeping.

Skips: without cmake install rules in BUILD; without debhelper (tools/deps.sh installs it);
the dpkg -i part without root, unshare, chroot or overlayfs (a container may forbid mounts);
systemd-analyze checks without systemd-analyze.  Exit 77 when everything was skipped.
"""

import glob
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SRC = harness.SOURCE_DIR
BUILD = os.path.dirname(os.path.abspath(harness.NEWSD))
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
# the examples, installed as source (not built, not compressed)
EXAMPLE_FILES = ("README.md", "python/subscriber.py", "c/subscriber.c", "nats/consumer.c",
                 "node/subscriber.mjs", "node/package.json", "node/package-lock.json")


def project_version():
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        return re.search(r"project\(newsd VERSION ([0-9.]+)", f.read()).group(1)


def run(cmd, timeout=300, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


def unit_value(text, key):
    for line in text.splitlines():
        if line.startswith(key + "="):
            return line[len(key) + 1:]
    return None


def active_sources(conf_text):
    """The non-comment text of the `sources = ( ... );` list."""
    m = re.search(r"^sources\s*=\s*\((.*?)^\);", conf_text, re.S | re.M)
    assert m, "no sources list"
    return "\n".join(l.split("#", 1)[0] for l in m.group(1).splitlines()).strip()


def with_samples(conf_text):
    """The installed configuration with its commented sample sources in place of its own."""
    m = re.search(r"^# sources = \(\n((?:#.*\n)*?)# \);\n", conf_text, re.M)
    assert m, "no commented sample sources in the installed configuration"
    block = "".join(l[2:] if l.startswith("# ") else l[1:] for l in
                    ("# sources = (\n" + m.group(1) + "# );\n").splitlines(True))
    text = re.sub(r"^sources\s*=\s*\(.*?^\);\n", lambda _: block, conf_text, flags=re.S | re.M)
    return text


def scratch_paths(conf_text, tmp, pub_port):
    """The configuration with its state folder and sockets moved into tmp."""
    text = re.sub(r'^state_dir = ".*?";', 'state_dir = "%s/state";' % tmp, conf_text,
                  flags=re.M)
    text = re.sub(r'"tcp://127\.0\.0\.1:5556"', '"tcp://127.0.0.1:%d"' % pub_port, text)
    text = re.sub(r'"ipc:///run/newsd/control\.sock"', '"ipc://%s/control.sock"' % tmp, text)
    return text


class PrefixInstallTest(harness.NewsdTestCase):
    """cmake --install BUILD --prefix DIR."""

    start_http = False

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(BUILD, "cmake_install.cmake")):
            self.skipTest("no cmake install rules in %s" % BUILD)
        if not shutil.which("cmake"):
            self.skipTest("no cmake")
        self.prefix = os.path.join(self.tmp, "prefix")
        self.out = self.install()

    def install(self):
        p = run(["cmake", "--install", BUILD, "--prefix", self.prefix])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p.stdout

    def test_everything_under_prefix(self):
        paths = re.findall(r"^-- (?:Installing|Up-to-date|Keeping): (.*)$", self.out, re.M)
        self.assertTrue(paths, self.out)
        for path in paths:
            self.assertTrue(path.startswith(self.prefix + "/"), "outside the prefix: " + path)
        found = set()
        for root, dirs, files in os.walk(self.prefix):
            found |= {os.path.relpath(os.path.join(root, f), self.prefix) for f in files}
        want = {"sbin/newsd", "bin/newsctl", "etc/newsd/newsd.conf",
                "lib/systemd/system/newsd.service", "share/man/man8/newsd.8",
                "share/man/man1/newsctl.1", "share/man/man5/newsd.conf.5",
                "share/doc/newsd/README.md", "share/doc/newsd/message.schema.json"}
        want |= {"share/doc/newsd/" + os.path.basename(f)
                 for f in glob.glob(os.path.join(SRC, "docs", "*.md"))}
        want |= {"share/newsd/samples/" + f for f in os.listdir(os.path.join(SRC, "etc", "samples"))}
        want |= {"share/doc/newsd/examples/" + f for f in EXAMPLE_FILES}
        want |= {"share/doc/newsd/img/" + os.path.basename(f)
                 for f in glob.glob(os.path.join(SRC, "docs", "img", "*"))}
        want.add("share/doc/newsd/contrib/grafana/newsd.json")
        self.assertLessEqual(want, found, "missing: %s" % sorted(want - found))
        self.assertTrue(os.access(os.path.join(self.prefix, "sbin/newsd"), os.X_OK))

    def test_unit(self):
        with open(os.path.join(self.prefix, "lib/systemd/system/newsd.service")) as f:
            unit = f.read()
        self.assertEqual(unit_value(unit, "ExecStart"), "%s/sbin/newsd -c %s/etc/newsd/newsd.conf"
                         % (self.prefix, self.prefix))
        if not SYSTEMD_ANALYZE:
            self.skipTest("no systemd-analyze")
        # the man pages are under the prefix, not where man looks
        p = run([SYSTEMD_ANALYZE, "verify", "--man=no",
                 os.path.join(self.prefix, "lib/systemd/system/newsd.service")], cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_configuration_is_kept(self):
        conf = os.path.join(self.prefix, "etc/newsd/newsd.conf")
        with open(conf, "a") as f:
            f.write("# the operator's edit\n")
        out = self.install()
        self.assertIn("Keeping: " + conf, out)
        with open(conf) as f:
            self.assertTrue(f.read().endswith("# the operator's edit\n"))

    def test_installed_configuration_polls_nothing(self):
        """The installed newsd on the installed configuration (paths moved into the test's
        folder) has no source and publishes nothing; with the commented samples it polls
        them from DIR/share/newsd/samples."""
        newsd = os.path.join(self.prefix, "sbin/newsd")
        with open(os.path.join(self.prefix, "etc/newsd/newsd.conf")) as f:
            installed = f.read()
        self.assertEqual(active_sources(installed), "")
        p = run([newsd, "--check-config", "-c", os.path.join(self.prefix, "etc/newsd/newsd.conf")])
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "configuration OK"), p.stderr)

        old = harness.NEWSD
        harness.NEWSD = newsd  # Daemon.start runs harness.NEWSD
        self.addCleanup(setattr, harness, "NEWSD", old)
        d = self.daemon([])
        d.write_config(text=scratch_paths(installed, self.tmp, d.pub_port))
        sub = self.subscriber(d.pub_endpoint)
        d.start()
        sub.wait_connected()
        st = d.status()
        self.assertEqual((st["sources"], st["seq"], st["journal"]), ([], 0, 0), st)
        time.sleep(1)
        self.assertEqual(sub.count(), 0)
        self.assertEqual(d.replay_all(), [])
        self.assertEqual(d.stop()[0], 0)

        samples = os.path.join(self.prefix, "share/newsd/samples")
        text = with_samples(installed)
        self.assertIn("file://%s/gazette.rss" % samples, text)
        d.write_config(text=scratch_paths(text, self.tmp, d.pub_port))
        d.start()
        st = d.wait_polled()
        self.assertEqual(sorted(s["id"] for s in st["sources"]),
                         ["digest", "gazette", "review", "wire"])
        self.assertEqual({s["outcome"] for s in st["sources"]}, {"ok"}, st)
        self.assertGreater(len(d.replay_all()), 10)


# --------------------------------------------------------------------------------------------
class PackageTest(unittest.TestCase):
    """The .deb of tools/build-deb.sh, built once for the class."""

    maxDiff = None
    tmp = deb = None

    @classmethod
    def setUpClass(cls):
        for tool in ("dpkg-buildpackage", "dh", "dpkg-deb"):
            if not shutil.which(tool):
                raise unittest.SkipTest("%s is missing: sh tools/deps.sh installs debhelper" % tool)
        cls.tmp = tempfile.mkdtemp(prefix="newsd-pkg-")
        out = os.path.join(cls.tmp, "out")
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
        p = run(["sh", os.path.join(SRC, "tools", "build-deb.sh"), out], timeout=1200, env=env)
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("tools/build-deb.sh failed:\n%s\n%s"
                                 % (p.stdout[-4000:], p.stderr[-4000:]))
        debs = glob.glob(os.path.join(out, "newsd_*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]

    @classmethod
    def tearDownClass(cls):
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_control(self):
        self.assertEqual(self.field("Package"), "newsd")
        self.assertEqual(self.field("Version"), project_version(),
                         "debian/changelog and CMakeLists.txt name the same version")
        depends = self.field("Depends")
        for lib in ("libzmq5", "libcurl4", "libconfig9", "libsqlite3-0", "libsystemd0"):
            self.assertIn(lib, depends)
        p = run(["dpkg-deb", "-I", self.deb, "conffiles"])
        self.assertEqual(p.stdout.split(), ["/etc/newsd/newsd.conf"])
        self.assertEqual(os.path.basename(self.deb), "newsd_%s_%s.deb"
                         % (project_version(), self.field("Architecture")))

    def test_build_depends_cover_deps_sh(self):
        """Every library tools/deps.sh installs for building is a Build-Depends."""
        with open(os.path.join(SRC, "tools", "deps.sh")) as f:
            deps = set(re.findall(r"\b[a-z0-9.+-]+-dev\b", f.read())) - {"libclang-rt-14-dev"}
        with open(os.path.join(SRC, "debian", "control")) as f:
            control = f.read()
        bd = re.search(r"^Build-Depends:(.*?)^\S", control, re.S | re.M).group(1)
        have = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", bd))
        self.assertEqual(deps - have, set(), "add them to Build-Depends in debian/control")

    def expected_files(self):
        """{path: [acceptable names]}: docs may be compressed (dh_compress, over 4 KiB)."""
        doc = "/usr/share/doc/newsd/"
        want = {p: [p] for p in (
            "/usr/sbin/newsd", "/usr/bin/newsctl", "/etc/newsd/newsd.conf",
            "/usr/share/bash-completion/completions/newsctl",
            "/lib/systemd/system/newsd.service", doc + "copyright", doc + "changelog.gz",
            doc + "message.schema.json")}
        for page in glob.glob(os.path.join(SRC, "man", "*.[0-9]")):
            name = os.path.basename(page)
            want["man " + name] = ["/usr/share/man/man%s/%s.gz" % (name[-1], name)]
        for md in [os.path.join(SRC, "README.md")] + glob.glob(os.path.join(SRC, "docs", "*.md")):
            p = doc + os.path.basename(md)
            want[p] = [p, p + ".gz"]
        for img in glob.glob(os.path.join(SRC, "docs", "img", "*")):
            p = doc + "img/" + os.path.basename(img)
            want[p] = [p]
        for f in os.listdir(os.path.join(SRC, "etc", "samples")):
            p = "/usr/share/newsd/samples/" + f
            want[p] = [p]
        for f in EXAMPLE_FILES:
            p = doc + "examples/" + f
            want[p] = [p]
        p = doc + "contrib/grafana/newsd.json"
        want[p] = [p]
        return want

    def test_file_list(self):
        listing = run(["dpkg-deb", "-c", self.deb]).stdout.splitlines()
        files = set()
        for line in listing:
            mode, path = line.split()[0], line.split(None, 5)[5]
            if not mode.startswith("d"):
                files.add(path[1:].split(" -> ")[0])
        missing = []
        for key, names in self.expected_files().items():
            hit = [n for n in names if n in files]
            if len(hit) != 1:
                missing.append(key)
            files -= set(hit)
        self.assertEqual(missing, [], "not in the package")
        self.assertEqual(sorted(files), [], "in the package but not expected (add them to "
                         "expected_files in tests/integration/test_package.py if they belong)")

    def test_extracted(self):
        """dpkg -x into a clean folder: the unit, the configuration, the samples it names."""
        root = os.path.join(self.tmp, "x")
        shutil.rmtree(root, ignore_errors=True)
        p = run(["dpkg", "-x", self.deb, root])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(root, "lib/systemd/system/newsd.service")) as f:
            unit = f.read()
        self.assertEqual(unit_value(unit, "ExecStart"), "/usr/sbin/newsd -c /etc/newsd/newsd.conf")
        self.assertEqual(unit_value(unit, "Type"), "notify")
        conf = os.path.join(root, "etc/newsd/newsd.conf")
        with open(conf) as f:
            text = f.read()
        self.assertEqual(active_sources(text), "", "the installed configuration polls nothing")
        self.assertIn("contact", text)
        for url in re.findall(r"file://(/\S+?)\"", with_samples(text)):
            self.assertTrue(url.startswith("/usr/share/newsd/samples/"), url)
            self.assertTrue(os.path.exists(root + url), url)
        p = run([os.path.join(root, "usr/sbin/newsd"), "--check-config", "-c", conf])
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "configuration OK"), p.stderr)
        p = run([os.path.join(root, "usr/sbin/newsd"), "--version"])
        self.assertEqual(p.stdout.split(), ["newsd", project_version()])

    # --- dpkg -i / -r / -P in an overlay of this machine ------------------------------------
    CHROOT_SCRIPT = r"""
set -eu
T=$1; R=$T/root; O=$T/out
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R" || exit 77
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs tmpfs "$R/tmp"
mkdir "$R/run/out" && mount --bind "$O" "$R/run/out"
cp "$T/newsd.deb" "$R/tmp/newsd.deb"
# this machine's own newsd state, if any, is not the package's: out of the copy
rm -rf "$R/var/lib/newsd" "$R/var/lib/private/newsd"
snap() { (cd "$T/upper" && find . -printf '%y %p\n' | sort) >"$O/$1"; }
snap baseline
chroot "$R" dpkg -i /tmp/newsd.deb >"$O/install.log" 2>&1 || { cat "$O/install.log"; exit 1; }
snap installed
chroot "$R" dpkg-query -W -f='${Status}\n${Conffiles}\n' newsd >"$O/query" 2>&1
if command -v systemd-analyze >/dev/null; then
  chroot "$R" systemd-analyze verify /lib/systemd/system/newsd.service >"$O/verify" 2>&1 \
    && echo 0 >"$O/verify.rc" || echo $? >"$O/verify.rc"
fi
# what `systemctl enable --now newsd` starts, on the installed configuration, in a network
# namespace of its own (it binds 127.0.0.1:5556 and /run/newsd/control.sock)
if command -v ip >/dev/null; then
  unshare -n chroot "$R" sh -c '
    ip link set lo up
    /usr/sbin/newsd >/run/out/newsd.log 2>&1 &
    pid=$!
    i=0
    until newsctl status --json >/run/out/status.json 2>/run/out/status.err; do
      i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
    done
    sleep 1
    newsctl replay --since 0 >/run/out/replay.jsonl 2>/run/out/replay.err || true
    kill -TERM $pid; wait $pid; echo $? >/run/out/newsd.rc
    ls /var/lib/newsd >/run/out/state.ls'
fi
echo "# an operator's edit" >>"$R/etc/newsd/newsd.conf"
chroot "$R" dpkg -r newsd >"$O/remove.log" 2>&1 || { cat "$O/remove.log"; exit 1; }
snap removed
cp "$R/etc/newsd/newsd.conf" "$O/conf.after-remove" 2>/dev/null || true
chroot "$R" dpkg -P newsd >"$O/purge.log" 2>&1 || { cat "$O/purge.log"; exit 1; }
snap purged
"""

    # dpkg's database and log, man-db's index: the package manager's own bookkeeping
    BOOKKEEPING = re.compile(r"^\./(var/lib/dpkg(/|$)|var/log/dpkg\.log$|var/cache/man(/|$)|"
                             r"var/cache/debconf(/|$)|var/log/apt(/|$))")

    def test_dpkg_install_remove_purge(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (a mount namespace, an overlay and chroot)")
        for tool in ("unshare", "chroot", "mount", "dpkg"):
            if not shutil.which(tool):
                self.skipTest("%s is missing" % tool)
        t = os.path.join(self.tmp, "chroot")
        for d in ("upper", "work", "root", "out"):
            os.makedirs(os.path.join(t, d))
        shutil.copy(self.deb, os.path.join(t, "newsd.deb"))
        p = run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 self.CHROOT_SCRIPT, "sh", t], timeout=600)
        if p.returncode == 77:
            self.skipTest("cannot mount an overlay over / here: %s" % p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        out = os.path.join(t, "out")

        def read(name):
            with open(os.path.join(out, name)) as f:
                return f.read()

        def snap(name):
            return dict(reversed(l.split(" ", 1)) for l in read(name).splitlines())

        base, installed, removed, purged = (snap(n) for n in
                                            ("baseline", "installed", "removed", "purged"))
        # installed: the files, the conffile, the unit enabled as deb-systemd-helper does it
        for path in ("./usr/sbin/newsd", "./usr/bin/newsctl", "./etc/newsd/newsd.conf",
                     "./usr/share/newsd/samples/gazette.rss",
                     "./etc/systemd/system/multi-user.target.wants/newsd.service"):
            self.assertIn(path, installed)
        query = read("query")
        self.assertIn("install ok installed", query)
        self.assertRegex(query, r"/etc/newsd/newsd\.conf [0-9a-f]{32}")
        if os.path.exists(os.path.join(out, "verify.rc")):
            self.assertEqual(read("verify.rc").strip(), "0", read("verify"))
        if os.path.exists(os.path.join(out, "newsd.rc")):
            st = json.loads(read("status.json"))
            self.assertEqual((st["sources"], st["seq"], st["config"]),
                             ([], 0, "/etc/newsd/newsd.conf"), st)
            self.assertEqual(read("replay.jsonl"), "", "nothing journaled")
            self.assertEqual(read("newsd.rc").strip(), "0", read("newsd.log"))
            self.assertIn("newsd.db", read("state.ls"))
        # removed: the edited conffile and the state stay (so do the unit's enablement links,
        # until the purge: Debian keeps them for a reinstall), the program is gone
        self.assertIn("./etc/newsd/newsd.conf", removed)
        self.assertTrue(read("conf.after-remove").endswith("# an operator's edit\n"))
        for path in ("./usr/sbin/newsd", "./usr/bin/newsctl", "./usr/share/newsd",
                     "./lib/systemd/system/newsd.service", "./usr/share/doc/newsd",
                     "./usr/lib/systemd/system/newsd.service"):
            self.assertNotIn(path, removed)
        if os.path.exists(os.path.join(out, "newsd.rc")):
            self.assertIn("./var/lib/newsd/newsd.db", removed)
        # purged: nothing left but the package manager's bookkeeping (directories that exist
        # on this machine appear in the upper layer when something in them changed)
        left = []
        for path, kind in sorted(purged.items()):
            if base.get(path) == kind or self.BOOKKEEPING.match(path):
                continue
            if kind == "d" and os.path.isdir(os.path.join("/", path)) and \
                    not os.path.islink(os.path.join("/", path)):
                continue
            left.append("%s %s" % (kind, path))
        self.assertEqual(left, [], "left behind after dpkg -P newsd")


if __name__ == "__main__":
    harness.main()
