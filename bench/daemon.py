#!/usr/bin/python3
"""bench/daemon.py: benchmarks of the running daemon (not of the parser: see parse.sh).

    bench/daemon.py sched   [-n ROUNDS] [--sources 1000,10000] [--hosts 1,16]
    bench/daemon.py control [-n ROUNDS] [--items 100000]
    bench/daemon.py publish [-n ROUNDS] [--items 20000] [--perf PREFIX]
    bench/daemon.py cycle   [-n ROUNDS] [--feeds 500] [--corpus DIR | --generator GEN]
                            [--hosts 16] [--small 10000] [--no-newsboat] [--perf PREFIX]

sched: the scheduler alone.  N one-item feeds served by nginx on one host name
(127.0.0.1) or spread over H host names (127.0.0.1 .. 127.0.0.H), the same
politeness settings in both (max_in_flight 16, max_per_host 2, host_spacing 0):
one cold cycle of newsd from start until every source is polled and its article
published, wall time and newsd's CPU time (user + system, from /proc).  The
figure of merit is the one-host / H-host ratio of CPU time (issue 7: <= 1.5).

control: the control socket's latency while newsd ingests one large document.
One source serves an RSS document of ITEMS items (~18 MB for 100,000); a client
pings the daemon every 10 ms from the start of the poll until its last article
is published; the same client against the idle daemon is the baseline.  Reports
p50, p99 and max of the round trips (issue 7: p99 under 100 ms).

cycle: newsd end to end against the naive C pipeline (bench/naive.c: libcurl's
multi interface, libxml2's DOM, an HTML parse of each item's content).  The
corpus (FEEDS documents made by bench/gen_corpus.py, or by GEN, cached in
bench/out; or the documents of DIR) is served on H host names, 127.0.0.1 ..
127.0.0.H in turn.  Each round: the fetch floor (naive --fetch-only), the naive
pipeline (which saves the ETags), newsboat when it is installed, then newsd on a
fresh state folder polls every source once (the cold cycle: wall time from its
"newsd started" line until every poll is logged; its CPU time; the bytes it
writes, /proc/PID/io write_bytes less the log; the state folder after a clean
stop), then `refresh` of every source with newsd still running (the warm cycle:
every answer a 304; round trip, CPU and bytes written), and the naive
pipeline's conditional requests (--conditional: If-None-Match, all 304).  Then
the large warm cycle: SMALL one-item feeds (as sched makes them) polled once,
then ROUNDS refreshes of them all, each followed by curl's conditional requests.
Targets of issue 9: cold <= 2x naive, written <= 3x kept per article, warm <=
1.5x curl (500 sources) and <= 2x (10,000), <= 1 KB written per 304.  --perf
records newsd with perf in the first round (whose figures it perturbs).

publish: how fast newsd's messages arrive during a burst, against raw ZeroMQ.
One source whose document gains ITEMS new items (distinct texts, ~2.3 KB
messages); bench/sub_count.c, a C SUB connected beforehand, times the messages
from the first received to the last (the parse before the first is not in it);
newsd is asked to refresh the source.  The baseline: bench/pubsub_raw.c
publishes the same messages (newsd's own, from `newsctl replay --since 1`) as
fast as it can over tcp loopback to the same subscriber.  Also shown: the rate
within runs of messages (arrivals less than 1 ms apart), for newsd the slice of
one group commit.  Target of issue 9: newsd / raw >= 0.75.

Everything runs on 127.0.0.1.  newsd is built in $BUILD_DIR (default
build-bench, the project's default build type); nginx comes from Debian's
nginx-light (apt-get install nginx-light).  Each configuration runs ROUNDS
times, interleaved, and the best round counts (the machine is shared and noisy).
Results go to bench/out/daemon-<kind>.json as well.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
BUILD = os.environ.get("BUILD_DIR") or os.path.join(ROOT, "build-bench")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NEWSCTL = os.path.join(BUILD, "newsctl")


def build():
    if not os.path.exists(os.path.join(BUILD, "CMakeCache.txt")):
        subprocess.run(["cmake", "-S", ROOT, "-B", BUILD], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", BUILD, "--target", "newsd", "newsctl", "-j2"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(BUILD, "newsd")


WORDS = ("harbour council budget rail strike ferry bridge school museum river storm grain port "
         "union minister court election hospital library market festival farmers energy grid "
         "wind solar flood drought census transit airport police museum orchestra vineyard "
         "mountain island coast forest highway tunnel water price tax wage housing rent").split()


def story(i):
    """A distinct news-like text of about 60 words for item i (deterministic)."""
    x = i * 2654435761 % 4294967296 or 1
    words = []
    for _ in range(60):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        words.append(WORDS[x % len(WORDS)])
    return "Item %d: %s, with &lt;b&gt;markup&lt;/b&gt; and an &amp;amp; entity." % (
        i, " ".join(words))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss(title, items):
    """items: (guid, title, text) tuples."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           "<title>%s</title><link>https://bench.example/</link>" % title]
    for guid, t, text in items:
        out.append("<item><title>%s</title><link>https://bench.example/%s</link>"
                   "<guid isPermaLink=\"false\">%s</guid><description>%s</description></item>"
                   % (t, guid, guid, text))
    out.append("</channel></rss>\n")
    return "".join(out)


class Nginx:
    """nginx serving root on every loopback address, port `port`."""

    def __init__(self, root, tmp, workers=1, access_log=None, name="nginx"):
        """access_log: a file that gets "$msec $http_user_agent $uri" of every request."""
        self.port = free_port()
        self.dir = os.path.join(tmp, name)
        os.chmod(tmp, 0o755)  # nginx's workers run as nobody
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
worker_processes %(workers)d;
daemon off;
error_log %(d)s/logs/error.log;
pid %(d)s/nginx.pid;
events { worker_connections 4096; }
http {
    log_format bench '$msec $http_user_agent $uri';
    access_log %(log)s;
    etag on;
    keepalive_requests 100000;
    client_body_temp_path %(d)s/body;
    server { listen %(port)d; root %(root)s; default_type application/rss+xml; }
}
""" % {"d": self.dir, "port": self.port, "root": root, "workers": workers,
       "log": "%s bench" % access_log if access_log else "off"})
        self.proc = subprocess.Popen([NGINX, "-c", conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Newsd:
    """newsd on a fresh state folder; its log is read line by line."""

    def __init__(self, newsd, tmp, sources, extra="", publish="", interval=86400):
        """publish: more settings of the publish group; interval: of every source."""
        self.tmp = tmp
        self.conf = os.path.join(tmp, "newsd.conf")
        self.control = "ipc://%s/control.sock" % tmp
        state = os.path.join(tmp, "state")
        shutil.rmtree(state, ignore_errors=True)
        self.state = state
        self.publish = "tcp://127.0.0.1:%d" % free_port()
        lines = ['state_dir = "%s";' % state,
                 'log_level = "info";',
                 'publish: { endpoints = [ "%s" ]; %s };' % (self.publish, publish),
                 'control: { endpoint = "%s"; };' % self.control,
                 extra, "sources = ("]
        lines.append(",\n".join('{ id = "%s"; url = "%s"; interval = %d; }'
                                % (s[0], s[1], interval) for s in sources))
        lines.append(");")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines))
        self.log = open(os.path.join(tmp, "newsd.log"), "w+b")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([newsd, "-c", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.pos = 0
        self.pushed = []
        self.started = None

    def wait_started(self, timeout=60):
        """Until "newsd started" is logged (its threads are there); the lines read are kept
        for the next lines()."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.read_lines()
            self.pushed += got
            if any("newsd started" in x for x in got):
                self.started = (time.monotonic() - self.t0, self.cpu())
                return
            time.sleep(0.002)
        raise RuntimeError("newsd did not start")

    def lines(self):
        if self.pushed:
            out, self.pushed = self.pushed, []
            return out
        return self.read_lines()

    def read_lines(self):
        self.log.flush()
        with open(self.log.name, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        cut = data.rfind(b"\n") + 1
        self.pos += cut
        return data[:cut].decode("utf-8", "replace").splitlines()

    def wait_seq(self, seq, timeout):
        """Until an article with this seq is logged; returns the wall time since start."""
        want = re.compile(r": seq %d: " % seq)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in self.lines():
                if want.search(line):
                    return time.monotonic() - self.t0
            if self.proc.poll() is not None:
                raise RuntimeError("newsd exited:\n" + open(self.log.name).read()[-2000:])
            time.sleep(0.02)
        raise RuntimeError("seq %d not reached in %d s" % (seq, timeout))

    def cpu(self):
        """User + system CPU seconds of the process so far: the run time of its threads in
        ns (/proc/PID/task/*/schedstat), or /proc/PID/stat's ticks when they say more (a
        thread that has exited is only there)."""
        ticks = self.cpu_ticks()
        ns = 0
        try:
            for t in os.listdir("/proc/%d/task" % self.proc.pid):
                with open("/proc/%d/task/%s/schedstat" % (self.proc.pid, t)) as f:
                    ns += int(f.read().split()[0])
        except OSError:
            return ticks
        return ns / 1e9 if ns / 1e9 > ticks - 0.02 else ticks

    def cpu_ticks(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def io(self):
        """/proc/PID/io as a dict (write_bytes: what the process sent to storage)."""
        with open("/proc/%d/io" % self.proc.pid) as f:
            return {k: int(v) for k, v in (line.split(":") for line in f)}

    def logsize(self):
        self.log.flush()
        return os.path.getsize(self.log.name)

    def stop(self):
        """SIGTERM, and wait; returns (cpu, io) read when it has exited, before it is reaped."""
        self.proc.send_signal(signal.SIGTERM)
        final = (None, None)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                r = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
            except ChildProcessError:
                break
            if r is not None:
                try:
                    final = (self.cpu(), self.io())
                except OSError:
                    pass
                break
            time.sleep(0.01)
        try:
            self.proc.wait(1)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return final

    def request(self, req, timeout=3600):
        """One control request through bench/ctl_req.c: (round trip s, reply header)."""
        exe = cc("ctl_req", ["libzmq"])
        r = subprocess.run([exe, self.control, json.dumps(req), str(timeout)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError("ctl_req %s: %s" % (req, r.stderr))
        wall, hdr = r.stdout.split("\n", 1)
        return float(wall), json.loads(hdr)

    def refresh(self, n, outcome):
        """Refresh every source; each of the n must end with this outcome: the round trip."""
        wall, hdr = self.request({"cmd": "refresh"})
        got = [x.get("outcome") for x in hdr.get("sources", [])]
        if not hdr.get("ok") or len(got) != n or any(o != outcome for o in got):
            bad = [x for x in hdr.get("sources", []) if x.get("outcome") != outcome][:3]
            raise RuntimeError("refresh: %d answers, not all %s: %s"
                               % (len(got), outcome, bad or hdr))
        return wall

    def ctl(self, *args, timeout=3600):
        """Runs newsctl against this daemon; returns its wall time and output."""
        t = time.monotonic()
        r = subprocess.run([NEWSCTL, "-c", self.conf, "--timeout", str(timeout)] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wall = time.monotonic() - t
        if r.returncode != 0:
            raise RuntimeError("newsctl %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                            r.stderr.decode()[-2000:]))
        return wall, r.stdout


def sched(args, newsd):
    counts = [int(x) for x in args.sources.split(",")]
    hostsets = [int(x) for x in args.hosts.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsd-bench-") as tmp:
        root = os.path.join(tmp, "www")
        os.makedirs(os.path.join(root, "f"))
        for i in range(max(counts)):
            with open(os.path.join(root, "f", "%d.xml" % i), "w") as f:
                f.write(rss("Feed %d" % i, [("g%d" % i, "Story %d" % i,
                                             "The only story of feed %d, told once." % i)]))
        web = Nginx(root, tmp)
        extra = "scheduler: { max_in_flight = 16; max_per_host = 2; host_spacing = 0; };"
        try:
            for rnd in range(args.rounds):
                for n in counts:
                    for h in hostsets:
                        srcs = [("s%d" % i, "http://127.0.0.%d:%d/f/%d.xml" % (1 + i % h,
                                                                              web.port, i))
                                for i in range(n)]
                        d = Newsd(newsd, tmp, srcs, extra)
                        try:
                            wall = d.wait_seq(n, 1800)
                            cpu = d.cpu()
                        finally:
                            d.stop()
                        key = "%d sources, %d host%s" % (n, h, "s" if h > 1 else "")
                        r = results.setdefault(key, {"sources": n, "hosts": h, "rounds": []})
                        r["rounds"].append({"wall": wall, "cpu": cpu})
                        print("round %d: %-22s wall %7.2f s  cpu %7.2f s" % (rnd + 1, key, wall,
                                                                            cpu), flush=True)
        finally:
            web.stop()
    print()
    print("%-22s %10s %10s" % ("best of %d" % args.rounds, "wall s", "cpu s"))
    for key, r in results.items():
        r["wall"] = min(x["wall"] for x in r["rounds"])
        r["cpu"] = min(x["cpu"] for x in r["rounds"])
        print("%-22s %10.2f %10.2f" % (key, r["wall"], r["cpu"]))
    for n in counts:
        one = results.get("%d sources, 1 host" % n)
        for h in hostsets:
            many = results.get("%d sources, %d hosts" % (n, h))
            if one and many and h > 1:
                print("%d sources: one host / %d hosts: cpu %.2fx, wall %.2fx"
                      % (n, h, one["cpu"] / many["cpu"], one["wall"] / many["wall"]))
    return results


def ping_loop(control, until, interval=0.01):
    """Ping over a DEALER every interval until until() is true; round trips in ms."""
    import zmq
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(control)
    rtts = []
    try:
        while not until():
            t = time.monotonic()
            s.send_multipart([b"", b'{"cmd":"ping"}'])
            if not s.poll(30000):
                raise RuntimeError("no answer to ping within 30 s")
            s.recv_multipart()
            rtts.append((time.monotonic() - t) * 1000)
            time.sleep(interval)
    finally:
        s.close()
    return rtts


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def control(args, newsd):
    results = {"items": args.items, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="newsd-bench-") as tmp:
        root = os.path.join(tmp, "www")
        os.makedirs(root)
        with open(os.path.join(root, "big.xml"), "w") as f:
            f.write(rss("Big", (("b%d" % i, "Story number %d" % i, story(i))
                                for i in range(args.items))))
        size = os.path.getsize(os.path.join(root, "big.xml"))
        web = Nginx(root, tmp)
        try:
            for rnd in range(args.rounds):
                url = "http://127.0.0.1:%d/big.xml" % web.port
                d = Newsd(newsd, tmp, [("big", url)], "defaults: { max_body = 268435456; };")
                try:
                    done = {"t": None}

                    def finished():
                        if done["t"] is None:
                            for line in d.lines():
                                if re.search(r"source big: \d+ items?, ", line):
                                    done["t"] = time.monotonic() - d.t0
                                if re.search(r"source big: [a-z-]+: ", line):
                                    raise RuntimeError("the poll failed: " + line)
                        return done["t"] is not None
                    busy = ping_loop(d.control, finished)
                    t_end = time.monotonic() + 3
                    idle = ping_loop(d.control, lambda: time.monotonic() > t_end)
                finally:
                    d.stop()
                r = {"ingest_s": done["t"], "busy_n": len(busy), "idle_n": len(idle)}
                for name, xs in (("busy", busy), ("idle", idle)):
                    r[name + "_p50"] = pct(xs, 50)
                    r[name + "_p99"] = pct(xs, 99)
                    r[name + "_max"] = max(xs)
                results["rounds"].append(r)
                print("round %d: %d items (%.1f MB) ingested in %.1f s; ping while busy "
                      "p50 %.2f p99 %.2f max %.2f ms (%d pings); idle p50 %.2f p99 %.2f ms"
                      % (rnd + 1, args.items, size / 1e6, r["ingest_s"], r["busy_p50"],
                         r["busy_p99"], r["busy_max"], r["busy_n"], r["idle_p50"],
                         r["idle_p99"]), flush=True)
        finally:
            web.stop()
    best = min(results["rounds"], key=lambda r: r["busy_p99"])
    results.update(best)
    results["bytes"] = size
    print("\nbest round: p99 %.2f ms while ingesting (idle p99 %.2f ms), max %.2f ms"
          % (best["busy_p99"], best["idle_p99"], best["busy_max"]))
    return results


def cc(name, pkgs):
    """bench/NAME.c built with cc -O2 into bench/out/NAME."""
    src = os.path.join(HERE, name + ".c")
    exe = os.path.join(OUT, name)
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + pkgs, check=True,
                               stdout=subprocess.PIPE, text=True).stdout.split()
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", src, "-o", exe] + flags, check=True)
    return exe


def dir_bytes(path):
    """Apparent size and allocated size of every file under path."""
    size = blocks = 0
    for d, _, files in os.walk(path):
        for f in files:
            st = os.lstat(os.path.join(d, f))
            size += st.st_size
            blocks += st.st_blocks * 512
    return size, blocks


POLL_OK = re.compile(r"source (\S+): (\d+) items?, (\d+) new, (\d+) updated, (\d+) duplicates?")
POLL_FAIL = re.compile(r"source (\S+): (dns|connect|tls|timeout|http-4xx|gone|rate-limited|"
                       r"http-5xx|too-large|parse|empty|blocked|error): (.*)")


def wait_polls(d, n, timeout):
    """Until n polls are logged: {wall: since exec, started: when "newsd started" was seen,
    start_cpu: newsd's CPU time then, items, new, updated}."""
    done = set()
    r = {"items": 0, "new": 0, "updated": 0, "started": None, "start_cpu": None}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for line in d.lines():
            m = POLL_OK.search(line)
            if m:
                done.add(m.group(1))
                r["items"] += int(m.group(2))
                r["new"] += int(m.group(3))
                r["updated"] += int(m.group(4))
            elif POLL_FAIL.search(line):
                raise RuntimeError("a poll failed: " + line)
            elif r["started"] is None and "newsd started" in line:
                r["started"], r["start_cpu"] = d.started or (time.monotonic() - d.t0, d.cpu())
        if len(done) >= n:
            r["wall"] = time.monotonic() - d.t0
            return r
        if d.proc.poll() is not None:
            raise RuntimeError("newsd exited:\n" + open(d.log.name).read()[-2000:])
        time.sleep(0.005)
    raise RuntimeError("%d of %d sources polled in %d s" % (len(done), n, timeout))


def run_naive(exe, *args):
    """bench/out/naive ARGS; its figures as a dict."""
    r = subprocess.run([exe] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    f = r.stdout.split()
    if r.returncode != 0 or len(f) != 8:
        raise RuntimeError("naive %s: exit %d: %s %s" % (" ".join(args), r.returncode, r.stdout,
                                                         r.stderr[-2000:]))
    keys = ("transfers", "ok200", "ok304", "failed", "bytes", "items", "wall", "cpu")
    return dict(zip(keys, [int(x) for x in f[:6]] + [float(x) for x in f[6:]]))


def corpus_dir(args):
    """The folder of feed documents of the cold cycle: --corpus, or made by --generator."""
    if args.corpus:
        return args.corpus
    if args.generator:
        gen = args.generator
        name = "ext-%s-" % re.sub(r"[^A-Za-z0-9]+", "-", os.path.splitext(os.path.basename(gen))[0])
    else:  # bench/parse.sh's naming: the first FEEDS of its corpus
        gen, name = os.path.join(HERE, "gen_corpus.py"), ""
    out = os.path.join(OUT, "corpus-%s%d" % (name, args.feeds))
    if not os.path.exists(os.path.join(out, ".done")):
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, gen, out, "--feeds", str(args.feeds)], check=True,
                       stdout=subprocess.DEVNULL)
        open(os.path.join(out, ".done"), "w").close()
    return out


FEED_EXT = (".rss", ".atom", ".rdf", ".xml", ".json")
SETTLE = 1.5  # s after a cycle before reading the counters: a 304's timing is written within 1 s
SCHED = "scheduler: { max_in_flight = 16; max_per_host = 2; host_spacing = 0; };"


def sources_on(hosts, port, paths):
    """(id, url) of each path, the host names 127.0.0.1 .. 127.0.0.H taken in turn."""
    return [("s%d" % i, "http://127.0.0.%d:%d/%s" % (1 + i % hosts, port, p))
            for i, p in enumerate(paths)]


def newsboat_cycle(urls_file, tmp):
    """One cold `newsboat -x reload` of the URLs into a new cache, 16 reload threads:
    {wall, cpu} (CPU from wait4), or None when newsboat is not installed or fails."""
    nb = shutil.which("newsboat")
    if nb is None:
        return None
    d = os.path.join(tmp, "newsboat")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    conf = os.path.join(d, "config")
    with open(conf, "w") as f:
        f.write("reload-threads 16\n")
    env = dict(os.environ, HOME=d, XDG_CONFIG_HOME=d, XDG_DATA_HOME=d)
    t = time.monotonic()
    p = subprocess.Popen([nb, "-x", "reload", "-u", urls_file, "-c", os.path.join(d, "cache.db"),
                          "-C", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t
    if p.returncode != 0:
        return None
    import sqlite3
    db = sqlite3.connect(os.path.join(d, "cache.db"))
    items = db.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    db.close()
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "items": items}


class Perf:
    """perf record -g of a running process (software clock: no hardware counters needed)."""

    def __init__(self, pid, path):
        self.path = path
        self.proc = None
        if path and shutil.which("perf"):
            self.proc = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "999",
                                          "--call-graph", "dwarf,16384",
                                          "-p", str(pid), "-o", path],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.3)  # perf attaches (it misses the start of the cold cycle)

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait()
            print("perf: %s (perf report -i %s --no-children)" % (self.path, self.path))


def cycle_big(args, newsd, tmp, web, root, naive):
    """(a) and (b): the cold cycle of the corpus, then its warm cycle, against the naive runs."""
    files = sorted(f for f in os.listdir(os.path.join(root, "c")) if f.endswith(FEED_EXT))
    files = files[:args.feeds]
    srcs = sources_on(args.hosts, web.port, ["c/" + f for f in files])
    urls = os.path.join(tmp, "urls-big.txt")
    with open(urls, "w") as f:
        f.write("".join(u + "\n" for _, u in srcs))
    etags = os.path.join(tmp, "etags-big.txt")
    corpus_bytes = sum(os.path.getsize(os.path.join(root, "c", f)) for f in files)
    n = len(srcs)
    rounds = []
    for rnd in range(args.rounds):
        r = {}
        r["floor"] = run_naive(naive, "--fetch-only", urls)
        r["naive"] = run_naive(naive, "--save-etags", etags, urls)
        if r["naive"]["ok200"] != n or r["floor"]["ok200"] != n:
            raise RuntimeError("naive: not every URL answered 200")
        nb = newsboat_cycle(urls, tmp) if not args.no_newsboat else None
        if nb:
            r["newsboat"] = nb
        d = Newsd(newsd, tmp, srcs, SCHED)
        perf = None
        try:
            if args.perf and rnd == 0:
                d.wait_started()  # perf -p follows the threads there when it attaches
                perf = Perf(d.proc.pid, args.perf + "-cold.data")
            log0 = d.logsize()
            w = wait_polls(d, n, 1800)
            if perf:
                perf.stop()
            time.sleep(SETTLE)
            cpu, io, log1 = d.cpu(), d.io(), d.logsize()
            r["newsd_cold"] = {"wall": w["wall"] - w["started"], "wall_exec": w["wall"],
                               "cpu": cpu, "start_cpu": w["start_cpu"],
                               "write_bytes": io["write_bytes"],
                               "store_bytes": io["write_bytes"] - (log1 - log0),
                               "wchar": io["wchar"], "items": w["items"], "new": w["new"],
                               "updated": w["updated"]}
            # (b) the warm cycle: every source answers 304
            c0, io0, log0 = d.cpu(), d.io(), d.logsize()
            wwall = d.refresh(n, "not-modified")
            time.sleep(SETTLE)
            c1, io1, log1 = d.cpu(), d.io(), d.logsize()
            wb = io1["write_bytes"] - io0["write_bytes"]
            r["newsd_warm"] = {"wall": wwall, "cpu": c1 - c0, "write_bytes": wb,
                               "store_bytes": wb - (log1 - log0),
                               "wchar": io1["wchar"] - io0["wchar"]}
        finally:
            fcpu, fio = d.stop()
        if fio:
            r["newsd_cold"]["stop_write_bytes"] = fio["write_bytes"] - io1["write_bytes"]
        r["state_bytes"], r["state_alloc"] = dir_bytes(d.state)
        r["naive_cond"] = run_naive(naive, "--conditional", etags, urls)
        if r["naive_cond"]["ok304"] != n:
            raise RuntimeError("naive --conditional: %d of %d answers were 304"
                               % (r["naive_cond"]["ok304"], n))
        rounds.append(r)
        c, w, nv, fl, nc = r["newsd_cold"], r["newsd_warm"], r["naive"], r["floor"], r["naive_cond"]
        print("round %d: cold: newsd wall %.2f cpu %.2f s (%d new, %.0f MB written, state %.0f MB)"
              "; naive wall %.2f cpu %.2f; fetch floor wall %.3f cpu %.3f%s"
              % (rnd + 1, c["wall"], c["cpu"], c["new"], c["store_bytes"] / 1e6,
                 r["state_bytes"] / 1e6, nv["wall"], nv["cpu"], fl["wall"], fl["cpu"],
                 "; newsboat wall %.2f cpu %.2f" % (nb["wall"], nb["cpu"]) if nb else ""),
              flush=True)
        print("         warm: newsd wall %.3f cpu %.3f s (%.0f KB written); curl conditional "
              "wall %.3f cpu %.3f" % (w["wall"], w["cpu"], w["store_bytes"] / 1e3, nc["wall"],
                                      nc["cpu"]), flush=True)
    return summarize_big(rounds, n, corpus_bytes)


def pick(rounds, path, key):
    vals = []
    for r in rounds:
        x = r
        for p in path:
            x = x.get(p) if x else None
        if x and x.get(key) is not None:
            vals.append(x[key])
    return min(vals) if vals else None


def paired(rounds, a, b, key):
    """The median over the rounds of a's figure over b's in the same round."""
    xs = sorted(r[a][key] / r[b][key] for r in rounds if a in r and b in r and r[b][key])
    if not xs:
        return None
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def summarize_big(rounds, n, corpus_bytes):
    s = {"sources": n, "corpus_bytes": corpus_bytes, "rounds": rounds}
    for who in ("newsd_cold", "newsd_warm", "naive", "floor", "naive_cond", "newsboat"):
        for key in ("wall", "cpu"):
            v = pick(rounds, (who,), key)
            if v is not None:
                s["%s_%s" % (who, key)] = v
    cold = min(rounds, key=lambda r: r["newsd_cold"]["cpu"])["newsd_cold"]
    articles = cold["new"] + cold["updated"]
    s["articles"] = articles
    written = min(r["newsd_cold"]["store_bytes"] + r["newsd_cold"].get("stop_write_bytes", 0)
                  for r in rounds)
    kept = min(r["state_bytes"] for r in rounds)
    s["cold_written_bytes"] = written
    s["state_bytes"] = kept
    s["written_per_article"] = written / max(articles, 1)
    s["kept_per_article"] = kept / max(articles, 1)
    s["written_per_kept"] = written / max(kept, 1)
    warm_bytes = min(r["newsd_warm"]["store_bytes"] for r in rounds)
    s["bytes_per_304"] = warm_bytes / n
    s["newsd_cpu_us_per_304"] = s["newsd_warm_cpu"] / n * 1e6
    s["curl_cpu_us_per_304"] = s["naive_cond_cpu"] / n * 1e6
    for key in ("wall", "cpu"):
        s["paired_cold_vs_naive_" + key] = paired(rounds, "newsd_cold", "naive", key)
        s["paired_warm_vs_curl_" + key] = paired(rounds, "newsd_warm", "naive_cond", key)
        s["cold_vs_naive_" + key] = s["newsd_cold_" + key] / s["naive_" + key]
        s["cold_vs_floor_" + key] = s["newsd_cold_" + key] / s["floor_" + key]
        s["warm_vs_curl_" + key] = s["newsd_warm_" + key] / s["naive_cond_" + key]
        if "newsboat_" + key in s:
            s["newsboat_vs_cold_" + key] = s["newsboat_" + key] / s["newsd_cold_" + key]
    return s


def cycle_small(args, newsd, tmp, web, naive):
    """(c): N one-item feeds polled once, then warm cycles against curl's conditional requests."""
    n = args.small
    srcs = sources_on(args.hosts, web.port, ["f/%d.xml" % i for i in range(n)])
    urls = os.path.join(tmp, "urls-small.txt")
    with open(urls, "w") as f:
        f.write("".join(u + "\n" for _, u in srcs))
    etags = os.path.join(tmp, "etags-small.txt")
    run_naive(naive, "--fetch-only", "--save-etags", etags, urls)
    res = {"sources": n, "rounds": []}
    d = Newsd(newsd, tmp, srcs, SCHED)
    try:
        log0 = d.logsize()
        w = wait_polls(d, n, 3600)
        time.sleep(SETTLE)
        io, log1 = d.io(), d.logsize()
        res["first_poll"] = {"wall": w["wall"] - w["started"], "cpu": d.cpu(), "new": w["new"],
                             "store_bytes": io["write_bytes"] - (log1 - log0)}
        fp = res["first_poll"]
        print("%d sources: first poll wall %.2f s cpu %.2f s, %d new, %.1f MB written"
              % (n, fp["wall"], fp["cpu"], fp["new"], fp["store_bytes"] / 1e6),
              flush=True)
        for rnd in range(args.rounds):
            c0, io0, log0 = d.cpu(), d.io(), d.logsize()
            perf = Perf(d.proc.pid, args.perf + "-warm%d.data" % n if args.perf and rnd == 0
                        else None)
            wwall = d.refresh(n, "not-modified")
            perf.stop()
            time.sleep(SETTLE)
            c1, io1, log1 = d.cpu(), d.io(), d.logsize()
            wb = io1["write_bytes"] - io0["write_bytes"] - (log1 - log0)
            nc = run_naive(naive, "--conditional", etags, urls)
            if nc["ok304"] != n:
                raise RuntimeError("naive --conditional: %d of %d answers were 304"
                                   % (nc["ok304"], n))
            r = {"newsd_warm": {"wall": wwall, "cpu": c1 - c0, "store_bytes": wb},
                 "naive_cond": nc}
            res["rounds"].append(r)
            print("round %d: warm %d: newsd wall %.2f cpu %.2f s (%.0f KB written); curl "
                  "conditional wall %.2f cpu %.2f" % (rnd + 1, n, wwall, c1 - c0, wb / 1e3,
                                                      nc["wall"], nc["cpu"]), flush=True)
    finally:
        d.stop()
    rounds = res["rounds"]
    for who in ("newsd_warm", "naive_cond"):
        for key in ("wall", "cpu"):
            res["%s_%s" % (who, key)] = pick(rounds, (who,), key)
    for key in ("wall", "cpu"):
        res["paired_warm_vs_curl_" + key] = paired(rounds, "newsd_warm", "naive_cond", key)
        res["warm_vs_curl_" + key] = res["newsd_warm_" + key] / res["naive_cond_" + key]
    res["bytes_per_304"] = min(r["newsd_warm"]["store_bytes"] for r in rounds) / n
    res["newsd_cpu_us_per_304"] = res["newsd_warm_cpu"] / n * 1e6
    res["curl_cpu_us_per_304"] = res["naive_cond_cpu"] / n * 1e6
    return res


def cycle(args, newsd):
    naive = cc("naive", ["libcurl", "libxml-2.0"])
    corpus = corpus_dir(args) if args.feeds else None
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsd-bench-") as tmp:
        root = os.path.join(tmp, "www")
        os.makedirs(os.path.join(root, "c"))
        os.makedirs(os.path.join(root, "f"))
        if corpus:
            for f in sorted(os.listdir(corpus)):
                if f.endswith(FEED_EXT):
                    shutil.copyfile(os.path.join(corpus, f), os.path.join(root, "c", f))
        for i in range(args.small):  # texts apart, so that no story is a near-duplicate
            with open(os.path.join(root, "f", "%d.xml" % i), "w") as f:
                f.write(rss("Feed %d" % i, [("g%d" % i, "Story %d" % i, story(i))]))
        web = Nginx(root, tmp)
        try:
            if corpus:
                results["cold"] = cycle_big(args, newsd, tmp, web, root, naive)
            if args.small:
                results["small"] = cycle_small(args, newsd, tmp, web, naive)
        finally:
            web.stop()
    report_cycle(results)
    return results


def report_cycle(res):
    print()
    s = res.get("cold")
    if s:
        print("cold cycle, %d feeds (%.1f MB), %d articles, best of %d rounds:"
              % (s["sources"], s["corpus_bytes"] / 1e6, s["articles"], len(s["rounds"])))
        print("  %-26s %8s %8s" % ("", "wall s", "cpu s"))
        for who, name in (("newsd_cold", "newsd"), ("naive", "naive (curl+DOM+HTML)"),
                          ("floor", "fetch floor (curl)"), ("newsboat", "newsboat")):
            if who + "_wall" in s:
                print("  %-26s %8.3f %8.3f" % (name, s[who + "_wall"], s[who + "_cpu"]))
        print("  newsd / naive: wall %.2fx cpu %.2fx (target <= 2); paired rounds' median: "
              "wall %.2fx cpu %.2fx" % (s["cold_vs_naive_wall"], s["cold_vs_naive_cpu"],
                                        s["paired_cold_vs_naive_wall"],
                                        s["paired_cold_vs_naive_cpu"]))
        print("  newsd / fetch floor: wall %.1fx cpu %.1fx"
              % (s["cold_vs_floor_wall"], s["cold_vs_floor_cpu"]))
        if "newsboat_vs_cold_wall" in s:
            print("  newsboat / newsd: wall %.2fx cpu %.2fx (target >= 5)"
                  % (s["newsboat_vs_cold_wall"], s["newsboat_vs_cold_cpu"]))
        print("  written %.1f MB, kept %.1f MB: %.0f bytes written and %.0f kept per article, "
              "written / kept %.2f (target <= 3)"
              % (s["cold_written_bytes"] / 1e6, s["state_bytes"] / 1e6,
                 s["written_per_article"], s["kept_per_article"], s["written_per_kept"]))
        print("warm cycle, %d sources: newsd wall %.3f cpu %.3f s; curl conditional wall %.3f "
              "cpu %.3f s" % (s["sources"], s["newsd_warm_wall"], s["newsd_warm_cpu"],
                              s["naive_cond_wall"], s["naive_cond_cpu"]))
        print("  newsd / curl: wall %.2fx cpu %.2fx (target <= 1.5; paired median wall %.2fx "
              "cpu %.2fx); per 304: newsd %.0f us, curl %.0f us of cpu, %.0f bytes written "
              "(target <= 1024)"
              % (s["warm_vs_curl_wall"], s["warm_vs_curl_cpu"], s["paired_warm_vs_curl_wall"],
                 s["paired_warm_vs_curl_cpu"], s["newsd_cpu_us_per_304"],
                 s["curl_cpu_us_per_304"], s["bytes_per_304"]))
    s = res.get("small")
    if s:
        print("warm cycle, %d one-item sources, best of %d: newsd wall %.3f cpu %.3f s; curl "
              "conditional wall %.3f cpu %.3f s" % (s["sources"], len(s["rounds"]),
                                                   s["newsd_warm_wall"], s["newsd_warm_cpu"],
                                                   s["naive_cond_wall"], s["naive_cond_cpu"]))
        print("  newsd / curl: wall %.2fx cpu %.2fx (target <= 2; paired median wall %.2fx cpu "
              "%.2fx); per 304: newsd %.0f us, curl %.0f us of cpu, %.0f bytes written "
              "(target <= 1024)"
              % (s["warm_vs_curl_wall"], s["warm_vs_curl_cpu"], s["paired_warm_vs_curl_wall"],
                 s["paired_warm_vs_curl_cpu"], s["newsd_cpu_us_per_304"],
                 s["curl_cpu_us_per_304"], s["bytes_per_304"]))


class Sub:
    """bench/sub_count on an endpoint, counting up to n messages."""

    def __init__(self, exe, endpoint, n, times, idle=5):
        self.times = times
        self.proc = subprocess.Popen([exe, endpoint, str(n), str(idle), times],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("sub_count did not start")

    def result(self, timeout=600):
        out, _ = self.proc.communicate(timeout=timeout)
        f = out.split()
        r = {"messages": int(f[0]), "bytes": int(f[1]), "span": float(f[2]),
             "sub_cpu": float(f[3]), "first": float(f[4])}
        with open(self.times) as t:
            r.update(runs([float(x) for x in t]))
        return r

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


RUN_GAP = 0.001  # s: messages closer than this belong to one run (one group commit's slice)


def runs(times):
    """How the messages came: in runs of arrivals closer than RUN_GAP, with gaps between."""
    spans, gaps, count = [], [], 0
    start = prev = times[0] if times else 0
    for t in times[1:]:
        if t - prev > RUN_GAP:
            spans.append(prev - start)
            gaps.append(t - prev)
            start = t
        else:
            count += 1
        prev = t
    spans.append(prev - start)
    flowing = sum(spans)
    return {"runs": len(spans), "in_run_msgs_per_s": count / flowing if flowing else None,
            "gap_s": sum(gaps), "max_gap_s": max(gaps) if gaps else 0}


def rate(r):
    """Messages and bytes per second from the first message received to the last."""
    span = max(r["span"], 1e-9)
    r["msgs_per_s"] = (r["messages"] - 1) / span
    r["mb_per_s"] = r["bytes"] * (r["messages"] - 1) / r["messages"] / span / 1e6
    return r


def publish(args, newsd):
    sub = cc("sub_count", ["libzmq"])
    raw = cc("pubsub_raw", ["libzmq"])
    n = args.items
    words = ("harbour bridge council vote budget storm river school minister court trial "
             "market energy rail strike festival museum village election report police "
             "hospital tariff summit flood harvest port union survey museum").split()
    rng = random.Random(9)

    def text(i):
        """Three paragraphs of words drawn at random: no two items near-duplicates."""
        return "".join("<p>%s <b>%s</b>, <a href=\"https://bench.example/%d/%d\">%s</a>.</p>"
                       % (" ".join(rng.choice(words) for _ in range(24)), rng.choice(words), i,
                          k, " ".join(rng.choice(words) for _ in range(4))) for k in range(3))
    results = {"items": n, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="newsd-bench-") as tmp:
        root = os.path.join(tmp, "www")
        os.makedirs(root)
        doc = os.path.join(root, "pub.xml")
        small = rss("Burst", [("p0", "Story zero", "The first story.")])
        big = rss("Burst", (("p%d" % i, "Story number %d" % i, escape(text(i)))
                            for i in range(1, n + 1)))
        web = Nginx(root, tmp)
        try:
            for rnd in range(args.rounds):
                with open(doc, "w") as f:
                    f.write(small)
                url = "http://127.0.0.1:%d/pub.xml" % web.port
                d = Newsd(newsd, tmp, [("pub", url)], "defaults: { max_body = 268435456; };")
                s = None
                try:
                    d.wait_seq(1, 60)
                    s = Sub(sub, d.publish, n, os.path.join(tmp, "times-newsd.txt"))
                    time.sleep(0.5)  # the subscription reaches newsd
                    with open(doc + ".new", "w") as f:
                        f.write(big)
                    os.rename(doc + ".new", doc)
                    perf = Perf(d.proc.pid, args.perf + "-publish.data" if args.perf and rnd == 0
                                else None)
                    c0 = d.cpu()
                    t0 = time.monotonic()
                    wall, hdr = d.request({"cmd": "refresh"})
                    c1 = d.cpu()
                    perf.stop()
                    got = hdr["sources"][0]
                    if got.get("outcome") != "ok" or got.get("new") != n:
                        raise RuntimeError("refresh: %s" % got)
                    r = rate(s.result())
                    r["to_first"] = r["first"] - t0
                    r["refresh_s"] = wall
                    r["newsd_cpu"] = c1 - c0
                    _, out = d.ctl("replay", "--since", "1", timeout=600)
                finally:
                    if s:
                        s.kill()
                    d.stop()
                lines = os.path.join(tmp, "messages.jsonl")
                with open(lines, "wb") as f:
                    f.write(out)
                sizes = [len(x) for x in out.splitlines()]
                if len(sizes) != n:
                    raise RuntimeError("replay gave %d messages, not %d" % (len(sizes), n))
                ep = "tcp://127.0.0.1:%d" % free_port()
                s = Sub(sub, ep, n, os.path.join(tmp, "times-raw.txt"))
                try:
                    subprocess.run([raw, ep, "news.pub", lines], check=True,
                                   stdout=subprocess.DEVNULL, timeout=600)
                    b = rate(s.result())
                finally:
                    s.kill()
                res = {"newsd": r, "raw": b, "ratio": r["msgs_per_s"] / b["msgs_per_s"],
                       "mean_message": sum(sizes) / n}
                results["rounds"].append(res)
                print("round %d: newsd %d msgs in %.3f s (%.0f/s, %.1f MB/s; first %.2f s after "
                      "the refresh, which took %.2f s and %.2f s of cpu; %d runs, %.0f/s within "
                      "them, %.3f s of gaps); raw %d msgs in %.3f s (%.0f/s, %d runs, %.0f/s "
                      "within them): %.2f"
                      % (rnd + 1, r["messages"], r["span"], r["msgs_per_s"], r["mb_per_s"],
                         r["to_first"], r["refresh_s"], r["newsd_cpu"], r["runs"],
                         r["in_run_msgs_per_s"] or 0, r["gap_s"], b["messages"], b["span"],
                         b["msgs_per_s"], b["runs"], b["in_run_msgs_per_s"] or 0, res["ratio"]),
                      flush=True)
                if r["messages"] != n or b["messages"] != n:
                    print("  (messages lost: newsd %d, raw %d of %d)"
                          % (n - r["messages"], n - b["messages"], n))
        finally:
            web.stop()
    rounds = results["rounds"]
    results["newsd_msgs_per_s"] = max(x["newsd"]["msgs_per_s"] for x in rounds)
    results["raw_msgs_per_s"] = max(x["raw"]["msgs_per_s"] for x in rounds)
    results["ratio"] = results["newsd_msgs_per_s"] / results["raw_msgs_per_s"]
    results["newsd_in_run_msgs_per_s"] = max(x["newsd"]["in_run_msgs_per_s"] or 0 for x in rounds)
    results["raw_in_run_msgs_per_s"] = max(x["raw"]["in_run_msgs_per_s"] or 0 for x in rounds)
    results["in_run_ratio"] = (results["newsd_in_run_msgs_per_s"]
                               / results["raw_in_run_msgs_per_s"])
    results["mean_message"] = rounds[0]["mean_message"]
    print("\nbest of %d: newsd %.0f msgs/s, raw ZeroMQ %.0f msgs/s (%d messages of %.0f bytes on "
          "average): newsd / raw %.2f (target >= 0.75)"
          % (len(rounds), results["newsd_msgs_per_s"], results["raw_msgs_per_s"], n,
             results["mean_message"], results["ratio"]))
    print("within runs of messages (arrivals less than %.0f ms apart; for newsd, one commit's "
          "slice): newsd %.0f msgs/s, raw %.0f msgs/s: %.2f"
          % (RUN_GAP * 1000, results["newsd_in_run_msgs_per_s"],
             results["raw_in_run_msgs_per_s"], results["in_run_ratio"]))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    p = sub.add_parser("sched")
    p.add_argument("-n", "--rounds", type=int, default=3)
    p.add_argument("--sources", default="1000,10000")
    p.add_argument("--hosts", default="1,16")
    p = sub.add_parser("control")
    p.add_argument("-n", "--rounds", type=int, default=3)
    p.add_argument("--items", type=int, default=100000)
    p = sub.add_parser("publish")
    p.add_argument("-n", "--rounds", type=int, default=3)
    p.add_argument("--items", type=int, default=20000)
    p.add_argument("--perf", metavar="PREFIX",
                   help="perf record newsd's first burst into PREFIX-publish.data")
    p = sub.add_parser("cycle")
    p.add_argument("-n", "--rounds", type=int, default=3)
    p.add_argument("--feeds", type=int, default=500,
                   help="feeds of the cold cycle (0: none)")
    p.add_argument("--corpus", help="a folder of feed documents (default: generated)")
    p.add_argument("--generator", help="the corpus generator (default bench/gen_corpus.py)")
    p.add_argument("--hosts", type=int, default=16)
    p.add_argument("--small", type=int, default=10000,
                   help="one-item sources of the large warm cycle (0: none)")
    p.add_argument("--perf", metavar="PREFIX",
                   help="perf record newsd's first cold cycle and first large warm cycle "
                        "into PREFIX-cold.data and PREFIX-warmN.data")
    p.add_argument("--no-newsboat", action="store_true",
                   help="leave newsboat out (it runs when it is installed)")
    args = ap.parse_args()
    newsd = build()
    os.makedirs(OUT, exist_ok=True)
    res = {"sched": sched, "control": control, "cycle": cycle,
           "publish": publish}[args.kind](args, newsd)
    with open(os.path.join(OUT, "daemon-%s.json" % args.kind), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
