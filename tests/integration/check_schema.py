#!/usr/bin/env python3
"""Check a JSON Lines stream of newsd article messages against the message format.

Reads stdin (or the files named on the command line), one JSON object a line, and applies
the rules of docs/message.schema.json without a JSON Schema library: every key present and
no other at the top level, the types (null only where allowed), the id and date patterns,
the enums and constants.  Exits 0 when every line conforms, 1 with one clear line on stderr
at the first violation, 2 on a usage error.

Extra stream checks, off by default:
  --parse      the stream is `newsctl parse` output: seq and topic_seq must be 0
  --published  the stream is `newsctl tail`/`replay` output: seq and topic_seq >= 1 and seq
               strictly increasing from line to line
  --min N      fail when fewer than N messages were read

Standard library only; Python 3.7 or later.  Importable: check_message(obj) returns None or
a message naming the first violation.
"""

import argparse
import json
import re
import sys

# re.ASCII: \d and \s as in the schema's ECMA-262 patterns, not Unicode digits and spaces.
ID_RE = re.compile(r"[0-9a-f]{32}", re.ASCII)
DATE_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
SOURCE_ID_RE = re.compile(r"(|[a-z0-9][a-z0-9._-]*)", re.ASCII)
URL_RE = re.compile(r"https?://[^\s#]+(#[^\s#]+)?", re.ASCII)

TOP_KEYS = (
    "schema", "event", "seq", "topic_seq", "id", "source", "feed", "url", "guid", "title",
    "summary", "content_html", "content_text", "authors", "categories", "language",
    "published", "updated", "fetched", "enclosures", "image", "duplicate_of",
)


class Violation(Exception):
    pass


def _tname(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _short(v):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 60 else s[:57] + "..."


def _type(path, v, *types):
    """types: names among string, integer, array, object, null."""
    t = _tname(v)
    if t not in types:
        got = t if t in ("null", "object", "array") else "%s %s" % (t, _short(v))
        raise Violation("%s: expected %s, got %s" % (path, " or ".join(types), got))


def _pattern(path, v, regex, what):
    if isinstance(v, str) and not regex.fullmatch(v):
        raise Violation("%s: %s does not match %s (%s)" % (path, _short(v), regex.pattern, what))


def _keys(path, obj, required, closed):
    for k in required:
        if k not in obj:
            raise Violation("%s: missing key %r" % (path, k))
    if closed:
        for k in obj:
            if k not in required:
                raise Violation("%s: unexpected key %r" % (path, k))


def _date(path, v, nullable):
    if nullable:
        _type(path, v, "string", "null")
    else:
        _type(path, v, "string")
    _pattern(path, v, DATE_RE, "RFC 3339 UTC, e.g. 2026-11-27T10:00:00Z")


def _string_array(path, v):
    _type(path, v, "array")
    for i, s in enumerate(v):
        _type("%s[%d]" % (path, i), s, "string")
        if s == "":
            raise Violation("%s[%d]: empty string" % (path, i))


def _check(m):
    _type("message", m, "object")
    _keys("message", m, TOP_KEYS, closed=True)

    if m["schema"] != 1 or _tname(m["schema"]) != "integer":
        raise Violation("schema: expected the integer 1, got %s" % _short(m["schema"]))
    _type("event", m["event"], "string")
    if m["event"] not in ("article", "update"):
        raise Violation("event: expected \"article\" or \"update\", got %s" % _short(m["event"]))
    for k in ("seq", "topic_seq"):
        _type(k, m[k], "integer")
        if m[k] < 0:
            raise Violation("%s: negative (%d)" % (k, m[k]))
    _type("id", m["id"], "string")
    _pattern("id", m["id"], ID_RE, "32 lowercase hex digits")

    src = m["source"]
    _type("source", src, "object")
    _keys("source", src, ("id", "title", "url"), closed=False)
    _type("source.id", src["id"], "string")
    _pattern("source.id", src["id"], SOURCE_ID_RE, "a configured source id")
    _type("source.title", src["title"], "string", "null")
    _type("source.url", src["url"], "string")

    feed = m["feed"]
    _type("feed", feed, "object")
    _keys("feed", feed, ("title", "url", "language"), closed=False)
    for k in ("title", "url", "language"):
        _type("feed." + k, feed[k], "string", "null")

    _type("url", m["url"], "string", "null")
    _pattern("url", m["url"], URL_RE, "canonical absolute http(s) URL (a fragment only for an anchor)")
    _type("guid", m["guid"], "string", "null")
    for k in ("title", "summary", "content_html", "content_text"):
        _type(k, m[k], "string")
    _string_array("authors", m["authors"])
    _string_array("categories", m["categories"])
    _type("language", m["language"], "string", "null")
    _date("published", m["published"], nullable=True)
    _date("updated", m["updated"], nullable=True)
    _date("fetched", m["fetched"], nullable=False)

    _type("enclosures", m["enclosures"], "array")
    for i, e in enumerate(m["enclosures"]):
        p = "enclosures[%d]" % i
        _type(p, e, "object")
        _keys(p, e, ("url", "type", "length"), closed=False)
        _type(p + ".url", e["url"], "string")
        if e["url"] == "":
            raise Violation("%s.url: empty string" % p)
        _type(p + ".type", e["type"], "string", "null")
        _type(p + ".length", e["length"], "integer", "null")
        if e["length"] is not None and e["length"] < 0:
            raise Violation("%s.length: negative (%d)" % (p, e["length"]))

    _type("image", m["image"], "string", "null")
    _type("duplicate_of", m["duplicate_of"], "string", "null")
    _pattern("duplicate_of", m["duplicate_of"], ID_RE, "32 lowercase hex digits")


def check_message(obj):
    """None when obj conforms to the message format, else a one-line description."""
    try:
        _check(obj)
    except Violation as e:
        return str(e)
    return None


def _no_dup_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise Violation("duplicate key %r" % k)
        seen[k] = v
    return seen


def _no_constant(name):
    raise Violation("%s is not valid JSON" % name)


def parse_line(raw):
    """Decode one line (bytes or str) into an object; raises Violation."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Violation("not valid UTF-8 (%s)" % e.reason)
    text = raw[:-1] if raw.endswith("\n") else raw
    if text.strip() == "":
        raise Violation("empty line")
    try:
        return json.loads(text, object_pairs_hook=_no_dup_keys, parse_constant=_no_constant)
    except ValueError as e:
        raise Violation("not one JSON value (%s)" % e)


def check_stream(lines, mode=None, name="<stdin>"):
    """Check an iterable of lines; returns the number of messages or raises Violation
    with the line number in the message.  mode: None, "parse" or "published"."""
    n = 0
    last_seq = None
    for n, raw in enumerate(lines, 1):
        try:
            m = parse_line(raw)
            _check(m)
            if mode == "parse":
                for k in ("seq", "topic_seq"):
                    if m[k] != 0:
                        raise Violation("%s: expected 0 in newsctl parse output, got %d" % (k, m[k]))
            elif mode == "published":
                for k in ("seq", "topic_seq"):
                    if m[k] < 1:
                        raise Violation("%s: expected >= 1 in published messages, got %d" % (k, m[k]))
                if last_seq is not None and m["seq"] <= last_seq:
                    raise Violation("seq: %d does not increase (previous line had %d)"
                                    % (m["seq"], last_seq))
                last_seq = m["seq"]
        except Violation as e:
            raise Violation("%s:%d: %s" % (name, n, e))
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check newsd messages (JSON Lines) against the "
                                 "message format of docs/message.schema.json.")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--parse", action="store_const", dest="mode", const="parse",
                   help="newsctl parse output: seq and topic_seq are 0")
    g.add_argument("--published", action="store_const", dest="mode", const="published",
                   help="tail/replay output: seq, topic_seq >= 1, seq strictly increasing")
    ap.add_argument("--min", type=int, default=0, metavar="N",
                    help="fail when fewer than N messages were read")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    ap.add_argument("files", nargs="*", help="JSON Lines files (default: stdin)")
    args = ap.parse_args(argv)

    total = 0
    try:
        if not args.files:
            total = check_stream(sys.stdin.buffer, args.mode)
        for path in args.files:
            try:
                with open(path, "rb") as f:
                    total += check_stream(f, args.mode, name=path)
            except OSError as e:
                print("check_schema: %s: %s" % (path, e.strerror), file=sys.stderr)
                return 1
    except Violation as e:
        print("check_schema: %s" % e, file=sys.stderr)
        return 1
    if total < args.min:
        print("check_schema: %d message(s), expected at least %d" % (total, args.min),
              file=sys.stderr)
        return 1
    if not args.quiet:
        print("check_schema: %d message(s) OK" % total, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
