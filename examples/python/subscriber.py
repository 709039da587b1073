#!/usr/bin/python3
"""A newsd subscriber that misses nothing: python3 subscriber.py PUB CONTROL STATE

PUB is newsd's publish endpoint (tcp://127.0.0.1:5556), CONTROL its control endpoint
(ipc:///run/newsd/control.sock), STATE a file holding the seq of the last article handled.
Each article is handled once, in seq order: here, printed as "SEQ ID TITLE".

At start, and whenever a message's seq is not the next one (the subscriber was stopped, or
ZeroMQ dropped messages at a high-water mark), the articles after the last one handled are
asked from newsd's journal with the control protocol's `replay` command. The seq is written
to STATE after each article, so a restart resumes where the last run stopped. SIGTERM and
SIGINT stop it between two articles. Needs pyzmq (Debian: python3-zmq).
"""

import json
import os
import signal
import sys

import zmq

stopping = False


def stop(signum, frame):
    global stopping
    stopping = True


def load_seq(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except FileNotFoundError:
        return 0


def save_seq(path, seq):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % seq)
    os.replace(tmp, path)  # atomic: the file holds the old seq or the new one


class Consumer:
    def __init__(self, ctx, control, state):
        self.ctx, self.control, self.state = ctx, control, state
        self.last = load_seq(state)

    def handle(self, msg):
        """Handle one article unless it was handled already."""
        if msg["seq"] <= self.last:
            return
        print(msg["seq"], msg["id"], msg["title"] or "", flush=True)
        self.last = msg["seq"]
        save_seq(self.state, self.last)

    def replay(self):
        """Every journaled article after self.last, page by page."""
        sock = self.ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.control)
        try:
            while True:
                req = {"cmd": "replay", "since": self.last, "limit": 500}
                sock.send_multipart([b"", json.dumps(req).encode()])
                if not sock.poll(10000):
                    sys.exit("subscriber: no answer from newsd at %s" % self.control)
                frames = sock.recv_multipart()[1:]  # after the empty delimiter
                head = json.loads(frames[0])
                if not head["ok"]:
                    sys.exit("subscriber: replay refused: %s" % head["error"])
                for frame in frames[1:]:
                    self.handle(json.loads(frame))
                if not head["more"]:
                    return
        finally:
            sock.close()

    def receive(self, msg):
        if msg["seq"] > self.last + 1:
            print("subscriber: gap after seq %d (got %d), replaying" % (self.last, msg["seq"]),
                  file=sys.stderr, flush=True)
            self.replay()
        self.handle(msg)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: subscriber.py PUB-ENDPOINT CONTROL-ENDPOINT STATE-FILE")
    pub, control, state = sys.argv[1:]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.connect(pub)
    sub.subscribe(b"")  # every topic: seq counts every article
    c = Consumer(ctx, control, state)
    print("subscriber: resuming after seq %d" % c.last, file=sys.stderr, flush=True)
    c.replay()  # what was published while this subscriber was not running
    while not stopping:
        if sub.poll(200):  # short waits, so that a signal stops the loop soon
            topic, body = sub.recv_multipart()
            c.receive(json.loads(body))
    sub.close()
    ctx.term()


if __name__ == "__main__":
    main()
