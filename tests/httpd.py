#!/usr/bin/python3
"""A real HTTP/1.1 test server for the newsd integration tests (standard library only).

Start it as a process:

    python3 tests/httpd.py --root DIR [--port 0] [--port-file FILE] [--bind 127.0.0.1]
                           [--exit-with-parent]

It prints the port it listens on as one line on stdout (and writes it to --port-file, atomically,
when given), then serves the files under DIR until SIGTERM/SIGINT.  Or use it as a module:

    import httpd
    srv = httpd.serve(root)            # started in a daemon thread
    srv.server_port; srv.set_rule("/a.xml", {"status": 500}); srv.shutdown()

Every file is served with a strong ETag (a hash of the bytes sent) and a Last-Modified header
(the file's mtime).  A matching If-None-Match answers 304; If-Modified-Since answers 304 when the
resource is not newer (and is ignored when If-None-Match is present, as RFC 9110 says).

Control endpoints (all JSON; they are not logged):

    GET  /_ping                 -> "ok"
    GET  /_log                  -> [ {"n", "time", "method", "target", "path", "query",
                                      "headers": {lower-case name: value}, "status",
                                      "etag", "last_modified"}, ... ]
                                   every request so far, in arrival order ("status" is null while
                                   a request is still being answered, or for a hung one; "etag"
                                   and "last_modified" are the validators of the resource)
    POST /_log/clear            -> clears the log
    GET  /_control              -> the rules in force: {path: rule}
    POST /_control              body {"path": "/a.xml", ...rule...}  sets (replaces) the rule for
                                   that path; {"path": "/a.xml"} alone removes it;
                                   {"reset": true} removes every rule (releasing held requests)

A rule applies to requests whose path (without the query string) equals "path".  Rule keys
(all optional, freely combined):

    status: int              answer with this status (a short text/plain body unless "body" given)
    redirect: "URL-or-path"  Location header; status defaults to 302 (use status 301/307/308)
    retry_after: int|str     Retry-After header verbatim (seconds or an HTTP date)
    retry_after_date: int    Retry-After as an HTTP date this many seconds from now
    body: str                the body (UTF-8), instead of the file
    body_latin1: str         the body encoded as ISO-8859-1
    body_b64: str            the body, base64
    generate: int            a body of exactly this many bytes (an XML comment padding a tiny RSS)
    content_type: str        the Content-Type header (e.g. "application/rss+xml; charset=ISO-8859-1")
    headers: {name: value}   extra response headers
    etag: false | str        no ETag at all, or this exact ETag value (quoted by you)
    last_modified: false|str no Last-Modified, or this exact value
    gzip: true               gzip the body, Content-Encoding: gzip (validators stay those of the
                             identity body)
    chunked: true            Transfer-Encoding: chunked (chunk_size bytes per chunk, default 1024)
    chunk_size: int
    delay: float             seconds to wait before sending anything
    trickle: float           seconds to wait between body pieces of chunk_size (default 64) bytes
    broken: true             Content-Length larger than the body (by broken_extra, default 1000),
                             send the body, close the connection
    stall_after: int         send the headers and this many body bytes, then never send more
                             (the connection stays open until the client goes away)
    hang: true               accept the request and never answer (until the client goes away)
    hold: true               wait (without answering) until the rule is changed or removed; then
                             the request is answered under the new rule.  Lets a test make the
                             daemon's first poll wait until a subscriber is ready.
    close: true              Connection: close after the response
    times: int               the rule applies to this many more requests, then is removed

Without a rule, a missing file is a 404.  HEAD is answered like GET without the body.
"""

import argparse
import base64
import email.utils
import gzip
import hashlib
import json
import mimetypes
import os
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".xml": "application/xml",
    ".json": "application/feed+json",
    ".txt": "text/plain",
    ".html": "text/html",
}

REASONS = {429: "Too Many Requests"}


def content_type_for(path):
    ext = os.path.splitext(path)[1].lower()
    if ext in TYPES:
        return TYPES[ext]
    guess = mimetypes.guess_type(path)[0]
    return guess or "application/octet-stream"


def generated_body(size):
    """A body of exactly `size` bytes: a small RSS document padded with an XML comment."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            b'<title>Big</title><link>http://big.example/</link><description>big</description>'
            b'<item><title>Big item</title><link>http://big.example/1</link></item>\n<!-- ')
    tail = b' -->\n</channel></rss>\n'
    pad = size - len(head) - len(tail)
    if pad < 0:
        return (head + tail)[:size]
    return head + b"x" * pad + tail


class TestHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections when newsd opens many at once on a
    # loaded machine (the kernel retries the SYN a second later, past short timeouts)
    request_queue_size = 128

    def __init__(self, addr, root):
        self.root = os.path.abspath(root)
        self.rules = {}
        self.log = []
        self.lock = threading.Condition()
        self.stopping = threading.Event()
        self.started = time.time()
        super().__init__(addr, Handler)

    # --- rules -----------------------------------------------------------------------------
    def set_rule(self, path, rule):
        with self.lock:
            if rule:
                self.rules[path] = dict(rule)
            else:
                self.rules.pop(path, None)
            self.lock.notify_all()

    def reset(self):
        with self.lock:
            self.rules.clear()
            self.lock.notify_all()

    def take_rule(self, path, conn):
        """The rule for path (waiting while it says hold), consuming one use of `times`."""
        with self.lock:
            while True:
                rule = self.rules.get(path)
                if not rule or not rule.get("hold"):
                    break
                if self.stopping.is_set() or peer_closed(conn):
                    return None, True
                self.lock.wait(0.2)
            if rule is None:
                return {}, False
            rule = dict(rule)
            if "times" in rule:
                left = int(rule["times"]) - 1
                if left <= 0:
                    del self.rules[path]
                else:
                    self.rules[path]["times"] = left
            return rule, False

    # --- log -------------------------------------------------------------------------------
    def log_request_entry(self, entry):
        with self.lock:
            entry["n"] = len(self.log) + 1
            self.log.append(entry)

    def log_snapshot(self):
        with self.lock:
            return json.loads(json.dumps(self.log))

    def clear_log(self):
        with self.lock:
            self.log.clear()

    def shutdown(self):
        self.stopping.set()
        with self.lock:
            self.lock.notify_all()
        super().shutdown()


def peer_closed(conn):
    """True when the client has closed its side of the connection (or it is broken)."""
    try:
        r, _, _ = select.select([conn], [], [], 0)
        if not r:
            return False
        data = conn.recv(1, socket.MSG_PEEK)
        return data == b""
    except (OSError, ValueError):
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newsd-test-httpd/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    # --- plumbing --------------------------------------------------------------------------
    def send_json(self, obj, status=200):
        body = (json.dumps(obj, indent=1) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def wait_until_gone(self, limit=600):
        """Keep the connection open, answering nothing, until the client leaves."""
        end = time.time() + limit
        conn = self.connection
        while time.time() < end and not self.server.stopping.is_set():
            if peer_closed(conn):
                break
            time.sleep(0.1)
        self.close_connection = True

    # --- control ---------------------------------------------------------------------------
    def control(self, method, path):
        srv = self.server
        if path == "/_ping":
            return self.send_json("ok")
        if path == "/_log" and method in ("GET", "HEAD"):
            return self.send_json(srv.log_snapshot())
        if path == "/_log/clear" and method == "POST":
            self.read_body()
            srv.clear_log()
            return self.send_json({"ok": True})
        if path == "/_control" and method == "GET":
            with srv.lock:
                rules = json.loads(json.dumps(srv.rules))
            return self.send_json(rules)
        if path == "/_control" and method == "POST":
            try:
                req = json.loads(self.read_body() or b"{}")
            except ValueError as e:
                return self.send_json({"ok": False, "error": str(e)}, 400)
            if req.get("reset"):
                srv.reset()
                return self.send_json({"ok": True})
            p = req.pop("path", None)
            if not p or not p.startswith("/"):
                return self.send_json({"ok": False, "error": "path missing"}, 400)
            srv.set_rule(p, req)
            return self.send_json({"ok": True})
        return self.send_json({"ok": False, "error": "unknown control request"}, 404)

    # --- requests --------------------------------------------------------------------------
    def do_GET(self):
        self.handle_any("GET")

    def do_HEAD(self):
        self.handle_any("HEAD")

    def do_POST(self):
        self.handle_any("POST")

    def handle_any(self, method):
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        if path.startswith("/_"):
            return self.control(method, path)
        entry = {
            "time": time.time(),
            "method": method,
            "target": self.path,
            "path": path,
            "query": parts.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "status": None,
            "etag": None,
            "last_modified": None,
        }
        self.server.log_request_entry(entry)
        rule, gone = self.server.take_rule(path, self.connection)
        if gone:
            self.close_connection = True
            return
        try:
            entry["status"] = self.answer(method, path, rule, entry)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer(self, method, path, rule, entry):
        srv = self.server
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        if rule.get("hang"):
            self.wait_until_gone()
            return None

        status = rule.get("status")
        if rule.get("redirect") and not status:
            status = 302

        # The body: from the rule, or the file.
        body = None
        mtime = srv.started
        ctype = None
        if "body" in rule:
            body = rule["body"].encode("utf-8")
        elif "body_latin1" in rule:
            body = rule["body_latin1"].encode("iso-8859-1")
        elif "body_b64" in rule:
            body = base64.b64decode(rule["body_b64"])
        elif "generate" in rule:
            body = generated_body(int(rule["generate"]))
            ctype = "application/rss+xml"
        elif status is None:
            fpath = os.path.normpath(os.path.join(srv.root, path.lstrip("/")))
            if not (fpath == srv.root or fpath.startswith(srv.root + os.sep)) \
                    or not os.path.isfile(fpath):
                status = 404
            else:
                with open(fpath, "rb") as f:
                    body = f.read()
                mtime = os.stat(fpath).st_mtime
                ctype = content_type_for(fpath)
        if body is None:
            body = ("%d %s\n" % (status, self.responses.get(status, ("",))[0])).encode()
            ctype = "text/plain"
        if status is None:
            status = 200
        if rule.get("content_type"):
            ctype = rule["content_type"]

        headers = []
        etag = None
        lastmod = None
        if status == 200:
            etag = '"%s"' % hashlib.sha1(body).hexdigest()[:20]
            if "etag" in rule:
                etag = rule["etag"] or None
            lastmod = email.utils.formatdate(int(mtime), usegmt=True)
            if "last_modified" in rule:
                lastmod = rule["last_modified"] or None
        if etag:
            headers.append(("ETag", etag))
        entry["etag"] = etag
        entry["last_modified"] = lastmod
        if lastmod:
            headers.append(("Last-Modified", lastmod))
        if rule.get("redirect"):
            headers.append(("Location", rule["redirect"]))
        if "retry_after" in rule:
            headers.append(("Retry-After", str(rule["retry_after"])))
        if "retry_after_date" in rule:
            headers.append(("Retry-After", email.utils.formatdate(
                time.time() + float(rule["retry_after_date"]), usegmt=True)))
        for k, v in (rule.get("headers") or {}).items():
            headers.append((k, str(v)))

        # Conditional GET.
        if status == 200 and method in ("GET", "HEAD"):
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            not_modified = False
            if inm is not None:
                tags = [t.strip() for t in inm.split(",")]
                tags = [t[2:] if t.startswith("W/") else t for t in tags]
                not_modified = bool(etag) and (etag in tags or "*" in tags)
            elif ims is not None and lastmod:
                try:
                    since = email.utils.parsedate_to_datetime(ims).timestamp()
                    modified = email.utils.parsedate_to_datetime(lastmod).timestamp()
                    not_modified = modified <= since
                except (TypeError, ValueError, IndexError):
                    not_modified = False
            if not_modified:
                self.send_response(304)
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                return 304

        if rule.get("gzip"):
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))

        self.send_response(status, REASONS.get(status))
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if rule.get("close"):
            self.send_header("Connection", "close")
            self.close_connection = True

        chunk = int(rule.get("chunk_size") or (64 if rule.get("trickle") else 1024))
        trickle = float(rule.get("trickle") or 0)

        if rule.get("broken"):
            extra = int(rule.get("broken_extra") or 1000)
            self.send_header("Content-Length", str(len(body) + extra))
            self.send_header("Connection", "close")
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
                self.wfile.flush()
            self.close_connection = True
            return status

        if rule.get("chunked"):
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if method == "HEAD":
                return status
            for i in range(0, len(body), chunk):
                piece = body[i:i + chunk]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
                if trickle:
                    time.sleep(trickle)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return status

        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if method == "HEAD":
            return status
        if "stall_after" in rule:
            self.wfile.write(body[:int(rule["stall_after"])])
            self.wfile.flush()
            self.wait_until_gone()
            return status
        if trickle:
            for i in range(0, len(body), chunk):
                self.wfile.write(body[i:i + chunk])
                self.wfile.flush()
                time.sleep(trickle)
        else:
            self.wfile.write(body)
        self.wfile.flush()
        return status


def serve(root, port=0, bind="127.0.0.1"):
    """Start a server in a daemon thread; returns it (srv.server_port, srv.shutdown())."""
    srv = TestHTTPServer((bind, port), root)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    srv.thread = t
    return srv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=".", help="folder to serve (default: .)")
    ap.add_argument("--port", type=int, default=0, help="port (default 0: any free one)")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="stop when the process that started this one goes away")
    args = ap.parse_args()

    srv = TestHTTPServer((args.bind, args.port), args.root)
    port = srv.server_port
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print(port, flush=True)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        parent = os.getppid()

        def watch():
            while not srv.stopping.is_set():
                if os.getppid() != parent:
                    srv.shutdown()
                    return
                time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever(poll_interval=0.1)
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
