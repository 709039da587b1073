#!/usr/bin/env python3
"""run_feedparser.py FILE...: one timed pass of feedparser.parse() over the
files (read into memory first).  Prints "bytes items seconds cpu-seconds".  Run with
Debian's python3 (python3-feedparser)."""
import sys
import time

import feedparser


def main():
    docs = []
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            docs.append(f.read())
    items = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for d in docs:
        items += len(feedparser.parse(d).entries)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    print("%d %d %.6f %.6f" % (sum(len(d) for d in docs), items, t, c))


if __name__ == "__main__":
    main()
