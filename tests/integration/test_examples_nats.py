#!/usr/bin/python3
"""The JetStream consumer example (examples/nats/consumer.c) against a real `nats-server -js`
and a real newsd with publish.nats:
  - stopped with SIGTERM, killed with kill -9 between two articles, restarted: over all its runs
    it prints every article of the stream once, in stream order, and --json prints each as
    published;
  - a stream with max_msgs small enough that messages go while it is stopped: it says, once,
    exactly how many it lost (at most how many, with a subject filter);
  - a subject filter for one topic: the other topic's stream sequences are no gap;
  - a state file past the stream's end (the stream was made again): refused.
Skipped when nats-server is not installed or the example is not built."""

import json
import os
import signal
import socket
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_item, make_rss  # noqa: E402
from natsd import NATS_SERVER, NatsServer, SinkCase  # noqa: E402

BUILD = os.path.dirname(os.path.abspath(harness.NEWSD))
CONSUMER = os.path.join(BUILD, "examples", "newsd-nats-consumer")


def js_api(url, subject, request):
    """One JetStream API request over the plain NATS protocol (no client library needed):
    returns the decoded reply."""
    host, port = url[len("nats://"):].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        f = s.makefile("rb")
        f.readline()  # INFO
        body = json.dumps(request).encode()
        s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.it 1\r\n'
                  b"PUB %s _INBOX.it %d\r\n%s\r\n" % (subject.encode(), len(body), body))
        while True:
            line = f.readline()
            if not line:
                raise AssertionError("nats-server closed the connection")
            if line.startswith(b"PING"):
                s.sendall(b"PONG\r\n")
            elif line.startswith(b"-ERR"):
                raise AssertionError(line.decode())
            elif line.startswith(b"MSG "):
                data = f.read(int(line.split()[-1]))
                return json.loads(data)


class Consumer:
    """One consumer with its state file; the output of all its runs in one file."""

    def __init__(self, folder, name, server, *args):
        self.cmd = [CONSUMER, "-s", server] + list(args)
        self.state = os.path.join(folder, name + ".seq")
        self.out = os.path.join(folder, name + ".out")
        self.err = os.path.join(folder, name + ".err")
        self.proc = None

    def start(self):
        with open(self.out, "ab") as out, open(self.err, "ab") as err:
            self.proc = subprocess.Popen(self.cmd + [self.state], stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    def run(self):
        """Start and wait for the exit (a start that is refused); returns the exit status."""
        self.start()
        return self.proc.wait(30)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
            return "still running 20 s after SIGTERM"

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def lines(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out, encoding="utf-8") as f:
            return f.read().splitlines()

    def seqs(self):
        return [int(l.split("\t", 1)[0]) for l in self.lines()]

    def stored(self):
        try:
            with open(self.state) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def stderr(self):
        with open(self.err, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_handled(self, seq):
        """Until the article of stream sequence seq is printed and its sequence stored: the
        consumer is then between two articles."""
        harness.wait_until(lambda: self.seqs()[-1:] == [seq] and self.stored() == seq,
                           what="the consumer to handle stream sequence %d" % seq)


@unittest.skipUnless(NATS_SERVER, "nats-server is not installed")
@unittest.skipUnless(os.access(CONSUMER, os.X_OK), "examples/nats is not built")
class NatsConsumerTest(SinkCase):

    def setUp(self):
        super().setUp()
        self.nats = NatsServer(os.path.join(self.tmp, "nats"))
        self.closers.append(self.nats.stop)
        self.items = {"alpha": [], "beta": []}

    def start(self, alpha, beta=0, stream=None):
        """nats-server (with `stream` made beforehand when given), then newsd with its default
        stream NEWS and subject prefix newsd, serving `alpha` and `beta` items."""
        self.nats.start()
        if stream:
            reply = js_api(self.nats.url, "$JS.API.STREAM.CREATE.NEWS",
                           dict(name="NEWS", subjects=["newsd.>"], storage="file", **stream))
            self.assertNotIn("error", reply)
        sources = [{"id": "alpha", "url": self.http.url("/alpha.rss"), "topic": "news.alpha"},
                   {"id": "beta", "url": self.http.url("/beta.rss"), "topic": "news.beta"}]
        self.d = self.daemon(sources, publish_opts={"nats": {"servers": [self.nats.url]}})
        self.add(alpha, beta, refresh=False)
        self.d.start()
        self.d.wait_polled()
        self.wait_sent(self.d)

    def add(self, alpha=0, beta=0, refresh=True):
        """New items in the feeds; with refresh, polled and sent to the stream."""
        for name, n in (("alpha", alpha), ("beta", beta)):
            have = self.items[name]
            have += [make_item(i, name) for i in range(len(have) + 1, len(have) + 1 + n)]
            self.http.write(name + ".rss", make_rss(name.title(), have))
        if refresh:
            p, reply = self.d.refresh()
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(sum(s["new"] for s in reply.values()), alpha + beta)
            self.wait_sent(self.d)

    def consumer(self, name, *args):
        c = Consumer(self.tmp, name, self.nats.url, *args)
        self.closers.append(c.kill)
        return c

    def stream(self):
        return self.nats.read()

    @staticmethod
    def line(m):
        a = json.loads(m["data"])
        return "%d\t%s\t%s\t%s" % (m["stream_seq"], m["subject"][len("newsd."):], a["title"],
                                   a["url"])

    def test_restarts_every_article_once_in_order(self):
        self.start(alpha=3, beta=2)
        c = self.consumer("all")
        c.start()
        c.wait_handled(5)

        # SIGTERM; articles published meanwhile come at the restart, then live ones
        self.assertEqual(c.stop(), 0, c.stderr())
        self.add(alpha=2)
        c.start()
        c.wait_handled(7)
        self.add(beta=2)
        c.wait_handled(9)

        # kill -9 between two articles; articles published meanwhile, then live ones
        c.proc.kill()
        c.proc.wait()
        self.add(alpha=3)
        c.start()
        c.wait_handled(12)
        self.add(alpha=1, beta=1)
        c.wait_handled(14)
        self.assertEqual(c.stop(), 0, c.stderr())

        msgs = self.stream()
        self.assertEqual(len(msgs), 14)
        self.assertEqual(c.lines(), [self.line(m) for m in msgs])
        self.assertEqual({l.split("\t")[1] for l in c.lines()}, {"news.alpha", "news.beta"})
        err = c.stderr()
        self.assertIn("consumer: stream NEWS, newsd.>, from the first message the stream holds",
                      err)
        self.assertIn("resuming after stream sequence 5", err)
        self.assertIn("resuming after stream sequence 9", err)
        self.assertIn("consumer: stopped after stream sequence 14", err)
        self.assertNotIn("lost", err)

        # --json: each article as published, which is the journal
        j = self.consumer("json", "--json")
        j.start()
        harness.wait_until(lambda: j.stored() == 14, what="the --json consumer to read 14")
        self.assertEqual(j.stop(), 0, j.stderr())
        self.assertEqual([json.loads(l) for l in j.lines()], self.d.replay_all())

        # a state file past the stream's end: the stream was made again
        with open(os.path.join(self.tmp, "ahead.seq"), "w") as f:
            f.write("100\n")
        a = self.consumer("ahead")
        self.assertEqual(a.run(), 1)
        self.assertIn("ahead.seq holds stream sequence 100 but stream NEWS ends at 14: the "
                      "stream was made again", a.stderr())
        self.assertEqual(a.lines(), [])

    def test_messages_removed_while_stopped_are_counted(self):
        self.start(alpha=4, stream={"max_msgs": 6})
        c = self.consumer("all")
        f = self.consumer("alpha", "--subject", "newsd.news.alpha")
        c.start()
        f.start()
        c.wait_handled(4)
        f.wait_handled(4)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(f.stop(), 0, f.stderr())

        # 8 more while they are stopped: the stream keeps 7 to 12, 5 and 6 are gone unread
        self.add(alpha=8)
        self.assertEqual([m["stream_seq"] for m in self.stream()], list(range(7, 13)))
        c.start()
        f.start()
        c.wait_handled(12)
        f.wait_handled(12)
        self.add(alpha=1)  # live: no gap
        c.wait_handled(13)
        f.wait_handled(13)
        self.assertEqual(c.stop(), 0, c.stderr())
        self.assertEqual(f.stop(), 0, f.stderr())

        want = [1, 2, 3, 4] + list(range(7, 14))
        self.assertEqual(c.seqs(), want)
        self.assertEqual(f.seqs(), want)
        err = c.stderr()
        self.assertEqual(err.count("lost"), 1, err)
        self.assertIn("consumer: 2 messages lost: the stream removed sequences 5 to 6 (its "
                      "limits: max_age, max_msgs, max_bytes) before they were read\n", err)
        # a filter: the removed messages' subjects are not known any more
        err = f.stderr()
        self.assertEqual(err.count("lost"), 1, err)
        self.assertIn("consumer: up to 2 messages lost: the stream removed sequences 5 to 6", err)

    def test_subject_filter_no_false_gap(self):
        self.start(alpha=2, beta=2)
        msgs = self.stream()
        betas = [m for m in msgs if m["subject"] == "newsd.news.beta"]
        c = self.consumer("beta", "--subject", "newsd.news.beta")
        c.start()
        c.wait_handled(betas[-1]["stream_seq"])
        self.assertEqual(c.stop(), 0, c.stderr())

        # other subjects' messages come first, then the topic's: a jump that is no loss
        self.add(alpha=3)
        self.add(beta=2)
        c.start()
        msgs = self.stream()
        betas = [m for m in msgs if m["subject"] == "newsd.news.beta"]
        c.wait_handled(betas[-1]["stream_seq"])
        self.add(alpha=2)
        self.add(beta=1)
        betas = [m for m in self.stream() if m["subject"] == "newsd.news.beta"]
        c.wait_handled(betas[-1]["stream_seq"])
        self.assertEqual(c.stop(), 0, c.stderr())

        self.assertEqual(c.lines(), [self.line(m) for m in betas])
        self.assertGreater(betas[2]["stream_seq"], betas[1]["stream_seq"] + 1,
                           "the resumed consumer's first message must jump other subjects")
        err = c.stderr()
        self.assertIn("resuming after stream sequence %d" % betas[1]["stream_seq"], err)
        self.assertNotIn("lost", err)
        self.assertNotIn("not delivered", err)


if __name__ == "__main__":
    harness.main()
