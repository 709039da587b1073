#!/usr/bin/python3
"""The example subscribers (examples/: Python, C, Node) against a live newsd.

The three run side by side, each with its own state file, behind a relay (a SUB socket on the
daemon and an XPUB socket the subscribers connect to) that the test can tell to drop messages:
a ZeroMQ loss made on purpose, where it happens in life (a high-water mark, a reconnect).
  1. articles published before any subscriber runs: each starts, replays them from seq 0;
  2. articles the relay drops: the next article shows a gap in seq, each replays it;
  3. articles published while the subscribers are stopped (SIGTERM): restarted, each resumes
     after the seq in its state file;
  4. one more article, live.
Each subscriber's output over both runs must be every journaled article once, in seq order,
and its stderr must name the gap it recovered.

The C subscriber is BUILD/examples/newsd-subscriber.  The Node one runs from a copy in
BUILD/examples/node after `npm ci` there (the `zeromq` package from the npm registry); when
npm cannot fetch it, the Node part fails, unless the registry cannot be reached at all (no
name resolution or no connection), when it is skipped, saying so.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import zmq

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402

SRC = harness.SOURCE_DIR
EXAMPLES = os.path.join(SRC, "examples")
BUILD = os.path.dirname(os.path.abspath(harness.NEWSD))
C_SUBSCRIBER = os.path.join(BUILD, "examples", "newsd-subscriber")
NODE_DIR = os.path.join(BUILD, "examples", "node")
REGISTRY = ("registry.npmjs.org", 443)


def registry_unreachable():
    """Why the npm registry cannot be reached from here at all, or None when it can."""
    try:
        with socket.create_connection(REGISTRY, timeout=10):
            return None
    except OSError as e:
        return "%s:%d unreachable (%s)" % (REGISTRY[0], REGISTRY[1], e)


def prepare_node():
    """(True, None) when the Node subscriber can run from NODE_DIR; (False, reason) when the
    registry cannot be reached; raises AssertionError for every other failure."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            raise AssertionError("%s is missing: sh tools/deps.sh installs it" % tool)
    os.makedirs(NODE_DIR, exist_ok=True)
    for name in ("subscriber.mjs", "package.json", "package-lock.json"):
        shutil.copy(os.path.join(EXAMPLES, "node", name), NODE_DIR)
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "zeromq")):
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR,
                           capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            why = registry_unreachable()
            if why:
                return False, "npm ci: " + why
            raise AssertionError("npm ci in %s failed:\n%s" % (NODE_DIR, p.stderr[-3000:]))
    return True, None


class Relay:
    """SUB on the daemon -> XPUB for the subscribers, dropping while `dropping` is set.
    Counts the subscriptions it sees (XPUB_VERBOSE: one per subscriber that connects)."""

    def __init__(self, upstream):
        ctx = zmq.Context.instance()
        self.sub = ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.subscribe(b"")
        self.mon = self.sub.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
        self.sub.connect(upstream)
        self.connected = threading.Event()
        self.pub = ctx.socket(zmq.XPUB)
        self.pub.setsockopt(zmq.LINGER, 0)
        self.pub.setsockopt(zmq.XPUB_VERBOSE, 1)
        port = self.pub.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = "tcp://127.0.0.1:%d" % port
        self.dropping = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.subscriptions = 0
        self.seen = []      # seqs from the daemon
        self.dropped = []   # those not passed on
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        poller = zmq.Poller()
        poller.register(self.sub, zmq.POLLIN)
        poller.register(self.pub, zmq.POLLIN)
        poller.register(self.mon, zmq.POLLIN)
        while not self.stopping.is_set():
            for sock, _ in poller.poll(100):
                frames = sock.recv_multipart()
                if sock is self.mon:
                    self.connected.set()
                    continue
                if sock is self.pub:
                    with self.lock:
                        self.subscriptions += frames[0][:1] == b"\x01"
                    continue
                seq = json.loads(frames[1])["seq"]
                with self.lock:
                    self.seen.append(seq)
                    if self.dropping.is_set():
                        self.dropped.append(seq)
                        continue
                self.pub.send_multipart(frames)
        self.sub.disable_monitor()
        self.mon.close()
        self.sub.close()
        self.pub.close()

    def wait_connected(self):
        """Until the SUB socket's handshake with newsd, and a moment for the subscription."""
        if not self.connected.wait(harness.WAIT):
            raise AssertionError("the relay did not connect to newsd")
        time.sleep(0.5)

    def count(self, what):
        with self.lock:
            return len(getattr(self, what)) if what != "subscriptions" else self.subscriptions

    def close(self):
        self.stopping.set()
        self.thread.join(10)


class Example:
    """One example subscriber: its command, state file, and the output of all its runs."""

    def __init__(self, name, cmd, folder):
        self.name, self.cmd = name, cmd
        self.state = os.path.join(folder, name + ".seq")
        self.out = os.path.join(folder, name + ".out")
        self.err = os.path.join(folder, name + ".err")
        self.proc = None

    def start(self, pub, control):
        with open(self.out, "ab") as out, open(self.err, "ab") as err:
            self.proc = subprocess.Popen(self.cmd + [pub, control, self.state],
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL)

    def stop(self):
        """SIGTERM; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "still running 20 s after SIGTERM"

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def lines(self):
        with open(self.out, encoding="utf-8") as f:
            return f.read().splitlines()

    def seqs(self):
        return [int(l.split(" ", 1)[0]) for l in self.lines()]

    def stderr(self):
        with open(self.err, encoding="utf-8", errors="replace") as f:
            return f.read()


class ExamplesTest(harness.NewsdTestCase):

    @classmethod
    def setUpClass(cls):
        cls.node_ready, cls.node_why = prepare_node()

    def test_node_subscriber_available(self):
        """The Node part of test_gap_and_restart runs (skipped only without any network)."""
        if not self.node_ready:
            self.skipTest("the Node subscriber cannot be installed: %s" % self.node_why)

    def examples(self):
        out = [Example("python", [harness.PYTHON, os.path.join(EXAMPLES, "python",
                                                               "subscriber.py")], self.tmp)]
        self.assertTrue(os.access(C_SUBSCRIBER, os.X_OK),
                        "%s is not built (NEWSD_EXAMPLES=OFF?)" % C_SUBSCRIBER)
        out.append(Example("c", [C_SUBSCRIBER], self.tmp))
        if self.node_ready:
            out.append(Example("node", ["node", os.path.join(NODE_DIR, "subscriber.mjs")],
                               self.tmp))
        for e in out:
            self.closers.append(e.kill)
        return out

    def publish(self, items):
        """Serve alpha and beta with `items` of each and refresh both; returns the journal."""
        self.http.write("alpha.rss", make_rss("Alpha", [make_item(i, "alpha") for i in items]))
        self.http.write("beta.rss", make_rss("Beta", [make_item(i, "beta") for i in items]))
        p, by_id = self.d.refresh()
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.d.replay_all()

    def wait_printed(self, examples, last):
        for e in examples:
            harness.wait_until(lambda: os.path.exists(e.out) and e.seqs()[-1:] == [last],
                               what="the %s subscriber to print seq %d" % (e.name, last))

    def start_all(self, examples, relay):
        before = relay.count("subscriptions")
        for e in examples:
            e.start(relay.endpoint, self.d.control)
        harness.wait_until(lambda: relay.count("subscriptions") >= before + len(examples),
                           what="every subscriber to subscribe")

    def test_gap_and_restart(self):
        self.d = self.daemon([
            {"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha"},
            {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news.beta"},
        ])
        self.http.write("alpha.rss", make_rss("Alpha", [make_item(i, "alpha") for i in (1, 2)]))
        self.http.write("beta.rss", make_rss("Beta", [make_item(i, "beta") for i in (1, 2)]))
        self.d.start()
        self.d.wait_polled()
        relay = Relay(self.d.pub_endpoint)
        self.closers.append(relay.close)
        relay.wait_connected()
        examples = self.examples()

        # 1. published before they ran: replayed from seq 0 at start
        self.start_all(examples, relay)
        self.wait_printed(examples, 4)

        # 2. dropped in transit: the next article shows the gap
        relay.dropping.set()
        journal = self.publish(range(1, 6))
        harness.wait_until(lambda: relay.count("dropped") == 6, what="6 articles dropped")
        relay.dropping.clear()
        journal = self.publish(range(1, 7))
        self.assertEqual(journal[-1]["seq"], 12)
        self.wait_printed(examples, 12)

        # 3. published while they were stopped: resumed from the state file
        for e in examples:
            self.assertEqual(e.stop(), 0, "%s: exit status after SIGTERM\n%s"
                             % (e.name, e.stderr()))
        self.publish(range(1, 9))
        self.start_all(examples, relay)
        self.wait_printed(examples, 16)

        # 4. live again
        journal = self.publish(range(1, 10))
        self.assertEqual(journal[-1]["seq"], 18)
        self.wait_printed(examples, 18)
        for e in examples:
            self.assertEqual(e.stop(), 0, "%s: exit status after SIGTERM\n%s"
                             % (e.name, e.stderr()))

        want = ["%d %s %s" % (m["seq"], m["id"], m["title"]) for m in journal]
        self.assertEqual(relay.dropped, list(range(5, 11)))
        for e in examples:
            with self.subTest(subscriber=e.name):
                self.assertEqual(e.lines(), want, e.stderr())
                err = e.stderr()
                self.assertIn("gap after seq 4 (got 11), replaying", err)
                self.assertIn("resuming after seq 0", err)
                self.assertIn("resuming after seq 12", err)
                with open(e.state) as f:
                    self.assertEqual(f.read().strip(), "18")
        self.assertEqual(sorted(e.name for e in examples),
                         ["c", "node", "python"] if self.node_ready else ["c", "python"])


if __name__ == "__main__":
    harness.main()
