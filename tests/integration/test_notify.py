#!/usr/bin/python3
"""systemd notification: READY=1 once the sockets are bound, STATUS= after polls,
RELOADING=1/READY=1 around a SIGHUP reload, WATCHDOG=1 from the loop, STOPPING=1 at SIGTERM.
A real AF_UNIX datagram socket plays systemd's part (NOTIFY_SOCKET, WATCHDOG_USEC)."""

import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class NotifyTest(harness.NewsdTestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.seen = []

    def tearDown(self):
        self.sock.close()
        super().tearDown()

    def collect(self, until, timeout=harness.WAIT):
        """Read datagrams until one has a line for which until(line) holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            lines = data.split("\n")
            self.seen += lines
            if any(until(x) for x in lines):
                return
        self.fail("no matching notification within %s s; got %r" % (timeout, self.seen))

    def test_lifecycle(self):
        url = self.http.copy_feed("alpha.rss")
        d = self.daemon([{"id": "alpha", "url": url}])
        d.start(env={"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": "400000"})
        self.collect(lambda x: x == "READY=1")
        self.collect(lambda x: x.startswith("STATUS=") and "alpha" in x)
        # the watchdog is fed from the loop, at least every half period
        count = len([x for x in self.seen if x == "WATCHDOG=1"])
        self.collect(lambda x: x == "WATCHDOG=1")
        self.collect(lambda x: x == "WATCHDOG=1" and
                     len([y for y in self.seen if y == "WATCHDOG=1"]) >= count + 3, timeout=5)
        d.send_signal(signal.SIGHUP)
        self.collect(lambda x: x == "RELOADING=1")
        self.collect(lambda x: x == "READY=1")
        rc, _ = d.stop()
        self.assertEqual(rc, 0)
        self.collect(lambda x: x == "STOPPING=1", timeout=5)


if __name__ == "__main__":
    harness.main()
