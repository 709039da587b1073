"""Shared helpers for the newsd integration tests.

Environment (set by CTest; defaults for running by hand from the source tree):
  NEWSD             path to the newsd binary      (default: <repo>/build/newsd)
  NEWSCTL           path to the newsctl binary    (default: <repo>/build/newsctl)
  NEWSD_SOURCE_DIR  repository root               (default: two folders above this file)
  NEWSD_IT_KEEP=1   keep the temporary folders of failed tests (their path is printed)
  NEWSD_IT_WAIT     seconds to wait for a condition before failing (default 30)

Run one suite by hand:  NEWSD=build/newsd NEWSCTL=build/newsctl python3 tests/integration/test_X.py
(or one test: ... test_X.py Class.test_name).  The suites:
  test_pipeline  four formats, first poll, journal/seq/topic_seq, every message field, replay
  test_refresh   refresh + tail/SUB timing, conditional GET, no-validator refetch, slow polls,
                 concurrent refreshes, every publish endpoint, 1-second intervals
  test_restart   SIGTERM/SIGINT exit 0, restart publishes nothing, kill -9 keeps seq, stable ids
  test_status    status outcomes for 5xx, 4xx, 410, 429, hung, stalled, garbage, truncated, 304
  test_config    --check-config, file:line errors, refused values, relative paths, reload, SIGHUP
  test_cli       newsctl without a daemon, unknown ids, option placement, protocol errors
  test_parse     newsctl parse: files, stdin, missing files, --base-url, URLs, charset, hostile XML
  test_fetch     redirects, max_body (plain, chunked, gzip), gzip, slow bodies, User-Agent
  test_dedupe    near_duplicates drop/mark/off, exact copies under another URL
  test_ssrf      private addresses refused on reused connections and every redirect hop (root,
                 ip netns; skipped otherwise)
  test_control_socket  one daemon per ipc endpoint, loopback-only control, CURVE, control.group
  test_polite    restarts poll only what is due, refresh skips held sources, 410, host spacing
  test_stall     control answers while a 100,000-item document is ingested
  test_errors    full disk (root, tmpfs), bad source URLs, SIGUSR1/SIGUSR2
  test_nats      the JetStream sink against a real nats-server -js: every article once, outages,
                 kill -9 before the acknowledgement, restarts (skipped without nats-server)
  test_nats_cluster  the sink on a three-server cluster, R3 stream: one server down, two down
  test_cluster   cluster mode: three nodes share the sources by slot leases (one poller each),
                 kill -9 and clean stop hand them over, each article once in the stream

Everything runs on 127.0.0.1.  Each test gets a temporary folder holding the configuration
(`newsd.conf`), the state folder, the control socket, the web root of its HTTP server and the
daemon's log.  The daemon is always killed at the end of a test; when a test fails, the daemon's
log (every run of it in that test) and the HTTP request log are printed on stderr.

Pieces:
  HTTPServer   tests/httpd.py run as a separate process (see that file for the rule keys)
  Daemon       writes newsd.conf, starts/stops newsd, runs newsctl, talks the control protocol
  Subscriber   a plain pyzmq SUB socket collecting (topic, JSON) messages in a thread
  LineReader   a subprocess (newsctl tail) whose stdout lines are collected in a thread
  schema_error every message a Subscriber or a tail receives is checked against
               docs/message.schema.json (python3-jsonschema); a test whose messages do not
               conform fails in its cleanup
  NewsdTestCase  unittest.TestCase with the temporary folder, cleanup and helpers
  in_netns     run a function on a thread inside a network namespace (`ip netns` name)
  main         unittest.main; exits 77 (CTest's SKIP_RETURN_CODE) when every test was skipped

The HTTP server and newsd may run under a command prefix (`prefix=["ip", "netns", "exec", NS]`),
the HTTP server on another address (`bind`); HTTPServer(netns=NS) does both and sends its control
requests from inside the namespace.
"""

import ctypes
import email.utils
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import jsonschema
import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("NEWSD_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
NEWSD = os.environ.get("NEWSD") or os.path.join(SOURCE_DIR, "build", "newsd")
NEWSCTL = os.environ.get("NEWSCTL") or os.path.join(SOURCE_DIR, "build", "newsctl")
FEEDS = os.path.join(HERE, "feeds")
HTTPD = os.path.join(os.path.dirname(HERE), "httpd.py")
PYTHON = sys.executable or "/usr/bin/python3"

SCHEMA = os.path.join(SOURCE_DIR, "docs", "message.schema.json")

# Generous waits: the machine is shared and noisy.
WAIT = float(os.environ.get("NEWSD_IT_WAIT", "30"))

MESSAGE_KEYS = [
    "schema", "event", "seq", "topic_seq", "id", "source", "feed", "url", "guid", "title",
    "summary", "content_html", "content_text", "authors", "categories", "language",
    "published", "updated", "fetched", "enclosures", "image", "duplicate_of",
]
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
OUTCOMES = {"ok", "not-modified", "dns", "connect", "tls", "timeout", "http-4xx", "gone",
            "rate-limited", "http-5xx", "too-large", "parse", "empty", "blocked", "error"}


def free_port():
    """A TCP port free on 127.0.0.1 right now (bind port 0, read it, close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


CLONE_NEWNET = 0x40000000


def in_netns(name, fn, *args, **kwargs):
    """Call fn(*args, **kwargs) on a new thread that first enters the network namespace `name`
    (made by `ip netns add`, so /run/netns/NAME); returns what fn returns, raises what it
    raises.  Sockets made by fn belong to that namespace for good.  Needs root."""
    out = {}

    def body():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(os.path.join("/run/netns", name), os.O_RDONLY | os.O_CLOEXEC)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, "setns %s: %s" % (name, os.strerror(err)))
            finally:
                os.close(fd)
            out["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: BLE001 -- handed to the caller
            out["error"] = e

    t = threading.Thread(target=body, daemon=True)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def terminate(proc, timeout=10):
    """SIGTERM a child process if it runs; SIGKILL it after timeout seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(pred, timeout=WAIT, interval=0.1, what="condition"):
    """Poll pred() until it returns a true value (returned); AssertionError after timeout."""
    end = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = pred()
        except (zmq.ZMQError, OSError, ValueError) as e:  # not ready yet
            last = None
            err = e
        else:
            err = None
        if last:
            return last
        if time.monotonic() >= end:
            raise AssertionError("timed out after %.0f s waiting for %s%s"
                                 % (timeout, what, (": %r" % err) if err else ""))
        time.sleep(interval)


def line_of(text, needle, nth=1):
    """1-based line number of the nth line of text containing needle."""
    count = 0
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            count += 1
            if count == nth:
                return i
    raise ValueError("%r not in text" % needle)


def json_lines(text):
    """Parse JSON Lines output; every non-empty line must be one JSON object."""
    out = []
    for line in text.splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


# --------------------------------------------------------------------------------------------
# Feed documents generated by the tests (static ones live in feeds/).

def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def make_item(n, prefix="item", host="news.example", date=None):
    """One RSS item description (a dict for make_rss)."""
    return {
        "title": "%s number %d" % (prefix.capitalize(), n),
        "link": "https://%s/%s/%d" % (host, prefix, n),
        "guid": "%s-%d" % (prefix, n),
        "description": "Body text of %s %d, distinct from every other one (%d)." % (
            prefix, n, n * 7919),
        "date": date if date is not None else "Wed, %02d Nov 2026 %02d:00:00 GMT"
        % (1 + n % 28, n % 24),
    }


def make_rss(title, items, link="https://news.example/"):
    """A small RSS 2.0 document (bytes) with the given items (dicts of make_item)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n',
             "<title>%s</title><link>%s</link><description>%s feed</description>\n"
             % (xml_escape(title), xml_escape(link), xml_escape(title))]
    for it in items:
        parts.append("<item><title>%s</title><link>%s</link>"
                     % (xml_escape(it["title"]), xml_escape(it["link"])))
        if it.get("guid"):
            parts.append('<guid isPermaLink="false">%s</guid>' % xml_escape(it["guid"]))
        if it.get("date"):
            parts.append("<pubDate>%s</pubDate>" % it["date"])
        if it.get("description"):
            parts.append("<description>%s</description>" % xml_escape(it["description"]))
        parts.append("</item>\n")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")


# --------------------------------------------------------------------------------------------
class HTTPServer:
    """tests/httpd.py as a separate process serving `root`.

    bind: the address it listens on (default 127.0.0.1; base and url() use it, or 127.0.0.1
    for a wildcard).  prefix: a command run in front of it (e.g. ["ip", "netns", "exec", NS]).
    netns: run it in that network namespace (sets prefix) and send the control requests
    (rule, log, ...) from inside it."""

    def __init__(self, root, log_path, bind="127.0.0.1", prefix=None, netns=None):
        self.root = root
        self.netns = netns
        if netns and prefix is None:
            prefix = ["ip", "netns", "exec", netns]
        os.makedirs(root, exist_ok=True)
        port_file = os.path.splitext(log_path)[0] + ".port"  # httpd.log -> httpd.port
        self.log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(
            list(prefix or []) +
            [PYTHON, HTTPD, "--root", root, "--port", "0", "--port-file", port_file,
             "--bind", bind, "--exit-with-parent"],
            stdout=subprocess.DEVNULL, stderr=self.log_file)
        wait_until(lambda: os.path.exists(port_file) or self.proc.poll() is not None,
                   timeout=20, what="the test HTTP server to start")
        if self.proc.poll() is not None:
            raise RuntimeError("tests/httpd.py did not start")
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.host = "127.0.0.1" if bind in ("", "0.0.0.0") else bind
        self.base = "http://%s:%d" % ("[%s]" % self.host if ":" in self.host else self.host,
                                      self.port)

    def url(self, path):
        return self.base + path

    def _call(self, path, obj=None):
        if self.netns:
            return in_netns(self.netns, self._call_here, path, obj)
        return self._call_here(path, obj)

    def _call_here(self, path, obj=None):
        data = None if obj is None else json.dumps(obj).encode()
        req = urllib.request.Request(self.base + path, data=data,
                                     method="GET" if data is None else "POST")
        # never through a proxy named in the environment
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=20) as r:
            return json.loads(r.read())

    def rule(self, path, **rule):
        """Set (replace) the rule for path; no keywords removes it."""
        self._call("/_control", dict(rule, path=path))

    def reset(self):
        """Remove every rule (held requests go on)."""
        self._call("/_control", {"reset": True})

    def log(self, path=None):
        """Requests received so far (optionally only those for path)."""
        entries = self._call("/_log")
        if path is not None:
            entries = [e for e in entries if e["path"] == path]
        return entries

    def clear_log(self):
        self._call("/_log/clear", {})

    def write(self, name, data, bump=True):
        """Write a file into the web root.  The mtime moves on by at least 2 s each time so
        that Last-Modified changes even when a test rewrites a file within a second."""
        path = os.path.join(self.root, name.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        old = os.stat(path).st_mtime if os.path.exists(path) else 0
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        if bump:
            t = max(time.time() - 60, old + 2)
            os.utime(path, (t, t))
        return path

    def copy_feed(self, name, dest=None):
        """Copy tests/integration/feeds/NAME into the web root; returns its URL."""
        with open(os.path.join(FEEDS, name), "rb") as f:
            self.write(dest or name, f.read())
        return self.url("/" + (dest or name).lstrip("/"))

    def stop(self):
        terminate(self.proc)
        self.log_file.close()


# --------------------------------------------------------------------------------------------
def conf_value(v):
    """A Python value as libconfig syntax."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[ " + ", ".join(conf_value(x) for x in v) + " ]"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return conf_group(v)
    raise TypeError(v)


def conf_group(d):
    return "{ " + " ".join("%s = %s;" % (k, conf_value(v)) for k, v in d.items()) + " }"


def make_config(tmpdir, pub_port, sources, defaults=None, near_duplicates="off", extra="",
                state_dir="state", control=None, log_level="debug", more_publish=(),
                publish_opts=None, control_opts=None):
    """The text of a newsd.conf.  Every source is written on one line (so a test can find the
    line of a source by its id).  `extra` is appended verbatim.  The first publish endpoint is
    tcp://127.0.0.1:pub_port; more_publish adds others.  publish_opts and control_opts are more
    keys of the publish and control groups (e.g. {"curve_secret_key": "server.key"})."""
    d = {"interval": 3600, "timeout": 10, "max_body": 16777216}
    d.update(defaults or {})
    control = control or "ipc://%s" % os.path.join(tmpdir, "control.sock")
    lines = [
        "# newsd integration test configuration",
        "state_dir = %s;" % conf_value(state_dir),
    ]
    if log_level:
        lines.append("log_level = %s;" % conf_value(log_level))
    publish = {"endpoints": ["tcp://127.0.0.1:%d" % pub_port] + list(more_publish)}
    publish.update(publish_opts or {})
    control_group = {"endpoint": control}
    control_group.update(control_opts or {})
    lines += [
        "publish: %s;" % conf_group(publish),
        "control: %s;" % conf_group(control_group),
        "defaults: %s;" % conf_group(d),
        "dedupe: { near_duplicates = %s; };" % conf_value(near_duplicates),
        "sources = (",
    ]
    for i, s in enumerate(sources):
        lines.append("  " + conf_group(s) + ("," if i < len(sources) - 1 else ""))
    lines.append(");")
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


class Daemon:
    """One newsd instance (config, state and logs in tmpdir); may be started several times."""

    def __init__(self, tmpdir, sources, pub_port=None, prefix=None, **config):
        """prefix: a command run in front of newsd (e.g. ["ip", "netns", "exec", NS])."""
        self.tmpdir = tmpdir
        self.prefix = list(prefix or [])
        os.makedirs(tmpdir, exist_ok=True)
        self.pub_port = pub_port or free_port()
        self.pub_endpoint = "tcp://127.0.0.1:%d" % self.pub_port
        self.control = config.get("control") or "ipc://%s" % os.path.join(tmpdir, "control.sock")
        config["control"] = self.control
        self.conf = os.path.join(tmpdir, "newsd.conf")
        self.sources = sources
        self.config_args = config
        self.write_config(sources, **config)
        self.proc = None
        self.runs = 0
        self.logs = []
        self.cwd = os.path.join(tmpdir, "cwd")  # an unrelated working folder
        os.makedirs(self.cwd, exist_ok=True)
        self.ctx = zmq.Context.instance()

    # --- configuration ---------------------------------------------------------------------
    def config_text(self, sources=None, **config):
        args = dict(self.config_args)
        args.update(config)
        return make_config(self.tmpdir, self.pub_port, self.sources if sources is None
                           else sources, **args)

    def write_config(self, sources=None, text=None, **config):
        if text is None:
            if sources is not None:
                self.sources = sources
            text = self.config_text(**config)
        with open(self.conf, "w") as f:
            f.write(text)
        return text

    # --- process ---------------------------------------------------------------------------
    def start(self, wait=True, args=None, env=None):
        assert self.proc is None or self.proc.poll() is not None, "daemon already running"
        self.runs += 1
        log = os.path.join(self.tmpdir, "newsd.%d.log" % self.runs)
        self.logs.append(log)
        self.log_file = open(log, "wb")
        cmd = self.prefix + [NEWSD, "-c", self.conf] + list(args or [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=subprocess.STDOUT, cwd=self.cwd,
                                     env=dict(os.environ, **env) if env else None)
        if wait:
            self.wait_ready()
        return self.proc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=WAIT):
        """Until the control socket answers ping (fails at once if the daemon exits)."""
        def ready():
            if not self.running():
                raise AssertionError("newsd exited with status %s during start-up:\n%s"
                                     % (self.proc.returncode, self.log_text()))
            try:
                r = self.request({"cmd": "ping"}, timeout=1.0)
            except TimeoutError:
                return False
            return r.get("ok")
        wait_until(ready, timeout=timeout, interval=0.2, what="newsd to answer ping")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Send sig and wait up to timeout; returns (exit status, seconds) or (None, timeout)."""
        if not self.running():
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None, timeout
        finally:
            pass
        self.log_file.close()
        return rc, time.monotonic() - t0

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and not self.log_file.closed:
            self.log_file.close()

    def log_lines(self, level=None):
        """The lines of every run's log ("<N>" prefix kept), optionally only of one level."""
        out = []
        for p in self.logs:
            with open(p, "rb") as f:
                out += f.read().decode("utf-8", "replace").splitlines()
        if level is not None:
            out = [l for l in out if l.startswith("<%d>" % level)]
        return out

    def log_text(self):
        out = []
        for p in self.logs:
            try:
                with open(p, "rb") as f:
                    out.append("==== %s ====\n%s" % (os.path.basename(p),
                                                     f.read().decode("utf-8", "replace")))
            except OSError:
                pass
        return "\n".join(out)

    # --- newsctl ---------------------------------------------------------------------------
    def ctl(self, *args, timeout=60, conf=True, input=None, endpoint=None):
        """Run newsctl [-c CONF | -e ENDPOINT] ARGS; returns CompletedProcess (text)."""
        cmd = [NEWSCTL]
        if endpoint:
            cmd += ["-e", endpoint]
        elif conf:
            cmd += ["-c", self.conf]
        cmd += list(args)
        return run(cmd, timeout=timeout, input=input, cwd=self.cwd)

    def ctl_json(self, *args, timeout=60):
        """newsctl ARGS --json; returns (CompletedProcess, parsed object or None)."""
        p = self.ctl(*args, timeout=timeout)
        try:
            obj = json.loads(p.stdout)
        except ValueError:
            obj = None
        return p, obj

    def refresh(self, *ids, timeout=90, force=False):
        """newsctl refresh --json [--force] IDS -> (CompletedProcess, {id: source reply})."""
        args = ["refresh", "--json"] + (["--force"] if force else []) + list(ids)
        p, obj = self.ctl_json(*args, timeout=timeout)
        by_id = {}
        if isinstance(obj, dict):
            by_id = {s.get("id"): s for s in obj.get("sources") or []}
        return p, by_id

    # --- control protocol (direct, for waiting and for protocol tests) ----------------------
    def request_frames(self, obj, timeout=10.0, raw=None):
        """Send one request on a DEALER socket; returns the reply frames after the delimiter."""
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        try:
            s.connect(self.control)
            payload = raw if raw is not None else json.dumps(obj).encode()
            s.send_multipart([b"", payload])
            if not s.poll(int(timeout * 1000)):
                raise TimeoutError("no reply to %r within %.0f s" % (obj, timeout))
            frames = s.recv_multipart()
        finally:
            s.close()
        if frames and frames[0] == b"":
            frames = frames[1:]
        return frames

    def request(self, obj, timeout=10.0, raw=None):
        frames = self.request_frames(obj, timeout=timeout, raw=raw)
        return json.loads(frames[0])

    def status(self):
        return self.request({"cmd": "status"})

    def replay_all(self, since=0):
        """Every journaled article with seq > since (direct protocol, paging)."""
        out = []
        while True:
            frames = self.request_frames({"cmd": "replay", "since": since, "limit": 500})
            head = json.loads(frames[0])
            if not head.get("ok"):
                raise AssertionError("replay refused: %r" % head)
            out += [json.loads(f) for f in frames[1:]]
            if not head.get("more"):
                return out
            since = head["last"]

    def wait_polled(self, ids=None, timeout=WAIT):
        """Until every named source (all when None) has a last poll outcome; when all sources
        are meant, also until nothing is in flight.  Returns the status reply."""
        def done():
            st = self.status()
            srcs = {s["id"]: s for s in st.get("sources", [])}
            want = ids if ids is not None else list(srcs)
            for i in want:
                s = srcs.get(i)
                if s is None or s.get("outcome") is None:
                    return False
            if ids is None and st.get("in_flight", 0):
                return False
            return st
        return wait_until(done, timeout=timeout, interval=0.2,
                          what="the first poll of %s" % (ids or "every source"))


def run(cmd, timeout=60, input=None, cwd=None):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              input=input, cwd=cwd, stdin=None if input is not None
                              else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("%s did not finish within %s s (stdout %r, stderr %r)"
                             % (" ".join(cmd), timeout, e.stdout, e.stderr))


# --------------------------------------------------------------------------------------------
_validator = None
_validator_lock = threading.Lock()


def schema_error(obj):
    """None when obj is a message docs/message.schema.json allows, else the first violation
    (one line), as a real JSON Schema validator (python3-jsonschema) sees it."""
    global _validator
    with _validator_lock:
        if _validator is None:
            with open(SCHEMA) as f:
                schema = json.load(f)
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            _validator = cls(schema, format_checker=jsonschema.FormatChecker())
        err = jsonschema.exceptions.best_match(_validator.iter_errors(obj))
    if err is None:
        return None
    return "%s: %s" % ("/".join(str(x) for x in err.absolute_path) or "message", err.message)


class Subscriber:
    """A pyzmq SUB socket, connected to endpoint, collecting messages in a background thread.
    Each message is recorded as (frames, topic, obj) where obj is the parsed JSON of frame 2."""

    def __init__(self, endpoint, prefixes=("",), sockopts=None):
        """sockopts: {zmq option: value} set before connecting (e.g. the CURVE keys)."""
        self.endpoint = endpoint
        self.messages = []
        self.bad = []  # messages that are not two frames of (topic, JSON object)
        self.invalid = []  # (object, violation): messages the schema does not allow
        self.events = []
        self.cond = threading.Condition()
        self.stopping = False
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.RCVHWM, 100000)
        for opt, value in (sockopts or {}).items():
            self.sock.setsockopt(opt, value)
        for p in prefixes:
            self.sock.setsockopt(zmq.SUBSCRIBE, p.encode())
        self.mon = self.sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED
                                                | zmq.EVENT_CONNECTED
                                                | zmq.EVENT_DISCONNECTED)
        self.sock.connect(endpoint)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        poller.register(self.mon, zmq.POLLIN)
        while not self.stopping:
            for s, _ in poller.poll(100):
                if s is self.mon:
                    ev = self.mon.recv_multipart()
                    event = int.from_bytes(ev[0][:2], "little")
                    with self.cond:
                        self.events.append(event)
                        self.cond.notify_all()
                else:
                    frames = self.sock.recv_multipart()
                    with self.cond:
                        try:
                            if len(frames) != 2:
                                raise ValueError("%d frames" % len(frames))
                            obj = json.loads(frames[1].decode("utf-8"))
                            if not isinstance(obj, dict):
                                raise ValueError("not an object")
                            self.messages.append((frames, frames[0].decode("utf-8"), obj))
                            err = schema_error(obj)
                            if err:
                                self.invalid.append((obj, err))
                        except ValueError as e:
                            self.bad.append((frames, str(e)))
                        self.cond.notify_all()
        self.sock.disable_monitor()
        self.mon.close(0)
        self.sock.close(0)

    def wait_connected(self, timeout=WAIT, settle=0.5):
        """Until the ZMTP handshake with the publisher succeeded, then settle seconds more so
        that the subscription has reached the publisher."""
        with self.cond:
            ok = self.cond.wait_for(
                lambda: zmq.EVENT_HANDSHAKE_SUCCEEDED in self.events, timeout)
        if not ok:
            raise AssertionError("SUB socket did not connect to %s within %.0f s"
                                 % (self.endpoint, timeout))
        time.sleep(settle)

    def objs(self):
        with self.cond:
            return [m[2] for m in self.messages]

    def count(self):
        with self.cond:
            return len(self.messages)

    def wait_count(self, n, timeout=WAIT):
        """Until at least n messages arrived; returns the parsed objects."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.messages) >= n, timeout)
            return [m[2] for m in self.messages]

    def close(self):
        self.stopping = True
        self.thread.join(5)


class LineReader:
    """A subprocess whose stdout lines are collected by a thread (e.g. `newsctl tail`)."""

    def __init__(self, cmd, cwd=None, validate=False):
        """validate: each line is a published message (tail): checked against the schema."""
        self.cmd = cmd
        self.validate = validate
        self.invalid = []  # (line, violation)
        self.lines = []
        self.cond = threading.Condition()
        self.err_path = tempfile.mktemp(prefix="newsd-it-stderr-")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err,
                                     stdin=subprocess.DEVNULL, cwd=cwd)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if self.validate:
                try:
                    err = schema_error(json.loads(line))
                except ValueError as e:
                    err = "not JSON: %s" % e
                if err:
                    self.invalid.append((line, err))
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def objs(self):
        with self.cond:
            return [json.loads(l) for l in self.lines if l.strip()]

    def wait_for(self, pred, timeout=WAIT):
        """Until pred(list of parsed lines) is true; returns that list (or the last one)."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                objs = [json.loads(l) for l in self.lines if l.strip()]
                if pred(objs):
                    return objs
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self.thread.is_alive():
                    return objs
                self.cond.wait(min(left, 0.2))

    def stderr(self):
        self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.thread.join(5)
        self.err.close()
        try:
            os.unlink(self.err_path)
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
class NewsdTestCase(unittest.TestCase):
    """Base class: a temporary folder, an HTTP server on it, cleanup and failure logs."""

    maxDiff = None
    start_http = True  # False: no HTTP server on 127.0.0.1 (self.http stays None)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="newsd-it-")
        self.daemons = []
        self.closers = []
        self.receivers = []  # Subscribers and tails whose messages must conform to the schema
        self.http = None
        # a cleanup, not tearDown: it also runs when setUp fails half-way
        self.addCleanup(self._cleanup)
        if self.start_http:
            self.http = HTTPServer(os.path.join(self.tmp, "www"),
                                   os.path.join(self.tmp, "httpd.log"))

    def small_disk(self, size):
        """A folder on a tmpfs of `size` ("1m"), unmounted at cleanup once every daemon is
        killed (nothing may hold the store open); the test is skipped without root or mounts."""
        if os.geteuid() != 0:
            self.skipTest("needs root (mounts a tmpfs)")
        path = os.path.join(self.tmp, "state")
        os.makedirs(path)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs",
                            path], capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest("cannot mount a tmpfs: %s" % p.stderr.strip())

        def unmount():
            for d in self.daemons:
                d.kill()
            subprocess.run(["umount", path], capture_output=True)
        self.addCleanup(unmount)
        return path

    def _failed(self):
        """Has this test (or one of its subtests) failed so far?  (Read from the result:
        unittest resets _outcome.success around each part it runs, cleanups included.)"""
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return True
        for test, _ in list(result.failures) + list(result.errors):
            if test is self or getattr(test, "test_case", None) is self:
                return True
        return False

    def _cleanup(self):
        failed = self._failed()
        for c in reversed(self.closers):
            try:
                c()
            except Exception as e:  # noqa: BLE001 -- cleanup must go on
                print("cleanup error: %r" % e, file=sys.stderr)
        for d in self.daemons:
            d.kill()
        if failed:
            print("\n######## %s failed; temporary folder %s" % (self.id(), self.tmp),
                  file=sys.stderr)
            for d in self.daemons:
                print(d.log_text(), file=sys.stderr)
            try:
                entries = self.http.log() if self.http else []
                print("==== HTTP requests ====", file=sys.stderr)
                for e in entries[-60:]:
                    print("%s %s -> %s  %s" % (e["method"], e["target"], e["status"],
                                               {k: v for k, v in e["headers"].items()
                                                if k.startswith("if-")}), file=sys.stderr)
            except Exception:  # noqa: BLE001
                pass
        if self.http:
            self.http.stop()
        if not (failed and os.environ.get("NEWSD_IT_KEEP")):
            shutil.rmtree(self.tmp, ignore_errors=True)
        invalid = [x for r in self.receivers for x in r.invalid]
        if invalid:
            raise AssertionError("%d published messages do not conform to %s; the first: %s\n%s"
                                 % (len(invalid), SCHEMA, invalid[0][1], invalid[0][0]))

    # --- helpers ---------------------------------------------------------------------------
    def daemon(self, sources, folder=None, **config):
        """A Daemon in the test's folder (or in `folder`, for a second one)."""
        d = Daemon(folder or self.tmp, sources, **config)
        self.daemons.append(d)
        return d

    def subscriber(self, endpoint, prefixes=("",), sockopts=None):
        s = Subscriber(endpoint, prefixes, sockopts)
        self.closers.append(s.close)
        self.receivers.append(s)
        return s

    def tail(self, daemon, *args):
        r = LineReader([NEWSCTL, "tail", "-c", daemon.conf] + list(args), cwd=daemon.cwd,
                       validate=True)
        self.closers.append(r.stop)
        self.receivers.append(r)
        return r

    def start_subscribed(self, daemon, paths, prefixes=("",)):
        """Start daemon so that a SUB socket sees its first poll: hold the feeds' paths in the
        HTTP server, start, wait for the subscriber's handshake, release.  Returns the
        Subscriber."""
        for p in paths:
            self.http.rule(p, hold=True)
        sub = self.subscriber(daemon.pub_endpoint, prefixes)
        try:
            daemon.start()
            sub.wait_connected()
        finally:
            for p in paths:
                self.http.rule(p)
        return sub

    def assertOneLine(self, text, msg=None):
        lines = [l for l in text.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, msg or "expected exactly one line on stderr, got %r"
                         % text)
        return lines[0]

    def assertMessageShape(self, m):
        """Every contract key present with the right JSON type."""
        for k in MESSAGE_KEYS:
            self.assertIn(k, m, "message lacks %r: %r" % (k, m))
        self.assertEqual(m["schema"], 1)
        self.assertIn(m["event"], ("article", "update"))
        self.assertIsInstance(m["seq"], int)
        self.assertIsInstance(m["topic_seq"], int)
        self.assertRegex(m["id"], r"^[0-9a-f]+$")
        self.assertIsInstance(m["source"], dict)
        for k in ("id", "title", "url"):
            self.assertIn(k, m["source"])
        self.assertIsInstance(m["feed"], dict)
        for k in ("title", "url", "language"):
            self.assertIn(k, m["feed"])
        for k in ("title", "summary", "content_html", "content_text"):
            self.assertIsInstance(m[k], (str, type(None)), k)
        self.assertIsInstance(m["authors"], list)
        self.assertIsInstance(m["categories"], list)
        self.assertIsInstance(m["enclosures"], list)
        for k in ("published", "updated"):
            if m[k] is not None:
                self.assertRegex(m[k], RFC3339_UTC, k)
        self.assertRegex(m["fetched"] or "", RFC3339_UTC, "fetched")


def parse_time(s):
    """Seconds since the epoch of an RFC 3339 UTC time ("...Z")."""
    import calendar
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


SKIPPED = 77  # the integration tests' SKIP_RETURN_CODE in tests/CMakeLists.txt


def main():
    """Run the suite; exit 0 when it passed, 1 when it failed, 77 when every test was skipped
    (so that CTest reports the suite as skipped, not passed)."""
    prog = unittest.main(verbosity=2, exit=False)
    r = prog.result
    if not r.wasSuccessful():
        sys.exit(1)
    if r.testsRun > 0 and len(r.skipped) == r.testsRun:
        sys.exit(SKIPPED)
    sys.exit(0)
