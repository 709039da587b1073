"""A real `nats-server -js` for the JetStream sink's tests: one server, or a node of a cluster,
on 127.0.0.1 with its store in a folder, and the stream read back with the tests' stream_read
tool (an ordered consumer)."""

import json
import os
import shutil
import signal
import subprocess

import harness

NATS_SERVER = shutil.which("nats-server")
STREAM_READ = os.environ.get("STREAM_READ") or os.path.join(
    harness.SOURCE_DIR, "build", "tests", "stream_read")


class NatsServer:
    """One `nats-server -js` on 127.0.0.1 with its store in a folder; may be restarted."""

    def __init__(self, folder, cluster=None):
        """cluster: (name, this server's route port, every route port) for a cluster node."""
        self.folder = folder
        self.port = harness.free_port()
        self.url = "nats://127.0.0.1:%d" % self.port
        self.cluster = cluster
        self.proc = None
        self.runs = 0
        os.makedirs(folder, exist_ok=True)

    def start(self, wait=True):
        self.runs += 1
        self.log = open(os.path.join(self.folder, "nats-server.%d.log" % self.runs), "wb")
        cmd = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port),
               "-sd", os.path.join(self.folder, "store")]
        if self.cluster:
            name, port, ports = self.cluster
            cmd += ["-n", os.path.basename(self.folder), "--cluster_name", name,
                    "--cluster", "nats://127.0.0.1:%d" % port,
                    "--routes", ",".join("nats://127.0.0.1:%d" % p for p in ports)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        harness.wait_until(self._ready, what="nats-server to listen")

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("nats-server exited: %s" % self.log_text())
        return "Server is ready" in self.log_text()

    def stop(self):
        if self.proc:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGCONT)  # a paused server must see the SIGTERM
            harness.terminate(self.proc)
            self.log.close()

    def pause(self, paused=True):
        self.proc.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    def log_text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def read(self, stream="NEWS"):
        """Every message of the stream, oldest first (an ordered consumer), or None when the
        stream does not exist yet."""
        p = subprocess.run([STREAM_READ, self.url, stream], capture_output=True, timeout=60)
        if p.returncode == 2:
            return None
        if p.returncode != 0:
            raise AssertionError("stream_read: %s" % p.stderr.decode(errors="replace"))
        return [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]


class NatsCluster:
    """Three clustered servers (JetStream R3 possible); the nodes are self.nodes."""

    def __init__(self, folder, n=3):
        routes = [harness.free_port() for _ in range(n)]
        self.nodes = [NatsServer(os.path.join(folder, "n%d" % (i + 1)),
                                 cluster=("newsd-test", routes[i], routes))
                      for i in range(n)]

    def start(self):
        for s in self.nodes:
            s.start(wait=False)
        for s in self.nodes:
            s.wait_ready()
        harness.wait_until(lambda: all(self._knows_leader(s.log_text()) for s in self.nodes),
                           what="the JetStream cluster to elect a leader")

    @staticmethod
    def _knows_leader(log):
        return ("new metadata leader" in log
                or "Self is new JetStream cluster metadata leader" in log)

    def stop(self):
        for s in self.nodes:
            s.stop()

    def urls(self):
        return [s.url for s in self.nodes]

    def node(self, url):
        return next(s for s in self.nodes if s.url == url)



class SinkCase(harness.NewsdTestCase):
    """Checks of a daemon's JetStream sink and of what its stream holds."""

    def nats_status(self, daemon):
        return daemon.status()["nats"]

    def wait_sent(self, daemon, what="the backlog to drain", timeout=harness.WAIT):
        """Until every journaled article was acknowledged; returns the status."""
        def drained():
            st = daemon.status()
            n = st["nats"]
            return st if n["connected"] and n["backlog"] == 0 and n["in_flight"] == 0 else None
        return harness.wait_until(drained, timeout=timeout, what=what)

    def assert_stream_is_journal(self, read, daemon, subject_of):
        """The stream (read()) holds every journaled article of daemon once, in journal order,
        as published, on subject_of(article)."""
        journal = daemon.replay_all()
        msgs = harness.wait_until(
            lambda: (lambda m: m if m is not None and len(m) >= len(journal) else None)(read()),
            what="%d messages in the stream" % len(journal))
        self.assertEqual(len(msgs), len(journal), "one message per journaled article")
        ids = [m["msg_id"] for m in msgs]
        self.assertEqual(len(set(ids)), len(ids), "a message id twice: %r" % ids)
        self.assertEqual([json.loads(m["data"]) for m in msgs], journal)
        self.assertEqual([int(m["newsd_seq"]) for m in msgs], [j["seq"] for j in journal])
        self.assertEqual([m["stream_seq"] for m in msgs], list(range(1, len(msgs) + 1)))
        for m, j in zip(msgs, journal):
            self.assertTrue(m["msg_id"].startswith(j["id"] + "."), m["msg_id"])
            self.assertEqual(m["subject"], subject_of(j))
        return msgs
