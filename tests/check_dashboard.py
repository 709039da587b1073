#!/usr/bin/python3
"""Check contrib/grafana/newsd.json: python3 tests/check_dashboard.py [SOURCE_DIR]

Every metric a panel's query names must be one newsd serves: a name src/metrics.c writes (a
histogram's NAME_bucket, NAME_sum and NAME_count included), and every metric src/metrics.c
writes must be on some panel. Also the dashboard's shape: panels with unique ids and a place
on the grid, each query with a refId. Exit 0 when all holds, 1 naming what does not, 77 (a
skip for CTest) when the tree has no src/metrics.c.
"""

import json
import os
import re
import sys

METRIC = re.compile(r"\bnewsd_[a-z0-9_]+")
WRITTEN = re.compile(r'"(newsd_[a-z0-9_]+)')
HISTOGRAM = re.compile(r'histogram\(\s*b,\s*"(newsd_[a-z0-9_]+)"')


def served(metrics_c):
    with open(metrics_c) as f:
        text = f.read()
    names = set(WRITTEN.findall(text))
    for h in HISTOGRAM.findall(text):
        names |= {h + "_bucket", h + "_sum", h + "_count"}
    return names, set(HISTOGRAM.findall(text))


def queries(panel):
    for t in panel.get("targets", []):
        yield t
    for p in panel.get("panels", []):
        yield from queries(p)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    metrics_c = os.path.join(src, "src", "metrics.c")
    with open(os.path.join(src, "contrib", "grafana", "newsd.json")) as f:
        dash = json.load(f)
    problems = []
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        problems.append("panel ids repeat: %s" % ids)
    used = set()
    for p in dash["panels"]:
        if not all(k in p.get("gridPos", {}) for k in "xywh"):
            problems.append("panel %r has no place on the grid" % p.get("title"))
        if p["type"] != "row" and not p.get("targets"):
            problems.append("panel %r has no query" % p.get("title"))
        for t in queries(p):
            if not t.get("refId") or not t.get("expr"):
                problems.append("panel %r: a query without refId or expr" % p.get("title"))
            used |= set(METRIC.findall(t.get("expr", "")))
    for v in dash["templating"]["list"]:
        used |= set(METRIC.findall(json.dumps(v.get("query", ""))))
    if not os.path.exists(metrics_c):
        print("check_dashboard: no %s in this tree: the metric names are not checked" % metrics_c)
        return 77 if not problems else 1
    names, histograms = served(metrics_c)
    for m in sorted(used - names):
        problems.append("%s is on the dashboard but src/metrics.c does not write it" % m)
    plain = {n for n in names if not any(n.startswith(h + "_") for h in histograms)}
    for m in sorted(plain - used - {h for h in histograms if h + "_bucket" in used}):
        problems.append("%s is served but on no panel" % m)
    for p in problems:
        print("contrib/grafana/newsd.json: " + p, file=sys.stderr)
    if not problems:
        print("contrib/grafana/newsd.json: %d metrics, all served by src/metrics.c" % len(used))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
