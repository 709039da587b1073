#!/usr/bin/python3
"""bench/charts.py: the benchmarks' JSON results drawn as SVG charts for docs/benchmarks.md.

    bench/charts.py [--results DIR] [--out DIR] [--check]

Reads the results the benchmarks write (bench/parse.sh: parse.json; bench/daemon.py:
daemon-sched.json, daemon-control.json, daemon-cycle.json, daemon-publish.json;
bench/dedupe.sh: dedupe-0.json and dedupe-WINDOW.json; bench/near.sh: near-index.json;
bench/cluster.py: cluster.json) from DIR
(default bench/results, the results the figures in docs/benchmarks.md come from; after a new run,
copy them there from bench/out) and writes one SVG a chart into --out (default docs/img). A
chart whose results are missing is left as it is, and named on stderr. --check writes nothing and
exits 1 when a chart in --out differs from what the results make (the tests run it).

Plain SVG written here, standard library only: horizontal bars for comparisons (newsd's bar
in colour, the others grey), lines over a logarithmic axis for figures that grow with a size.
The output depends on the results only, so that a chart changes in git when its figures do.
"""

import argparse
import glob
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WIDTH = 720
LABEL_W = 260     # left column: the bars' labels
BAR_H = 22
GAP = 8
TOP = 56          # title and subtitle
COLOURS = {"newsd": "#2b6cb0", "other": "#a0aec0", "target": "#c53030"}
SERIES = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5"]
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def num(v):
    """A figure as the tables print it: 3 significant digits, thousands separated."""
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return "{:,.0f}".format(v)
    digits = max(0, 2 - int(math.floor(math.log10(abs(v)))))
    return "{:,.{}f}".format(v, digits)


def nice_step(raw):
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least raw."""
    if raw <= 0:
        return 1
    p = 10 ** math.floor(math.log10(raw))
    return next(m * p for m in (1, 2, 2.5, 5, 10) if m * p >= raw)


def header(title, subtitle, height):
    return ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'role="img" aria-label="%s">' % (WIDTH, height, WIDTH, height, esc(title)),
            '<rect width="100%%" height="100%%" fill="#ffffff"/>',
            '<text x="12" y="22" %s font-size="15" font-weight="bold" fill="#1a202c">%s</text>'
            % (FONT, esc(title)),
            '<text x="12" y="42" %s font-size="12" fill="#4a5568">%s</text>'
            % (FONT, esc(subtitle))]


def bars(title, subtitle, rows, unit, target=None):
    """rows: [(label, value, is_newsd)].  target: (value, label) drawn as a dashed line."""
    scale_max = max([v for _, v, _ in rows] + ([target[0]] if target else [])) or 1
    plot_w = WIDTH - LABEL_W - 120
    height = TOP + len(rows) * (BAR_H + GAP) + (30 if target else 14)
    out = header(title, subtitle, height)
    for i, (label, value, mine) in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        w = max(1.0, value / scale_max * plot_w)
        out.append('<text x="%d" y="%d" %s font-size="12" text-anchor="end" fill="#1a202c"%s>'
                   '%s</text>' % (LABEL_W - 8, y + 15, FONT,
                                  ' font-weight="bold"' if mine else "", esc(label)))
        out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                   % (LABEL_W, y, w, BAR_H, COLOURS["newsd" if mine else "other"]))
        out.append('<text x="%.1f" y="%d" %s font-size="12" fill="#1a202c">%s %s</text>'
                   % (LABEL_W + w + 6, y + 15, FONT, num(value), esc(unit)))
    if target:
        x = LABEL_W + target[0] / scale_max * plot_w
        y1 = TOP + len(rows) * (BAR_H + GAP)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="1.5" '
                   'stroke-dasharray="5,4"/>' % (x, TOP - 4, x, y1, COLOURS["target"]))
        out.append('<text x="%.1f" y="%d" %s font-size="11" fill="%s" text-anchor="middle">%s'
                   '</text>' % (x, y1 + 14, FONT, COLOURS["target"], esc(target[1])))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def lines(title, subtitle, xs, series, unit, xlabel):
    """series: [(label, [y per x])]; x on a logarithmic axis (sizes 10^4, 10^5, ...)."""
    left, right, plot_h = 70, WIDTH - 190, 220
    top = TOP + 4
    height = top + plot_h + 50
    step = nice_step(max(max(ys) for _, ys in series) / 4)
    ymax = step * 4
    lx = [math.log10(x) for x in xs]
    x0, x1 = min(lx), max(lx)

    def px(x):
        return left + (math.log10(x) - x0) / ((x1 - x0) or 1) * (right - left)

    def py(y):
        return top + plot_h - y / ymax * plot_h

    out = header(title, subtitle, height)
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4a5568"/>'
               % (left, top + plot_h, right, top + plot_h))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4a5568"/>'
               % (left, top, left, top + plot_h))
    for k in range(5):  # y grid
        y = step * k
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e2e8f0"/>'
                   % (left, py(y), right, py(y)))
        out.append('<text x="%d" y="%.1f" %s font-size="11" text-anchor="end" fill="#4a5568">'
                   '%s</text>' % (left - 6, py(y) + 4, FONT, num(y)))
    for x in xs:
        out.append('<text x="%.1f" y="%d" %s font-size="11" text-anchor="middle" '
                   'fill="#4a5568">%s</text>' % (px(x), top + plot_h + 16, FONT, num(x)))
    out.append('<text x="%d" y="%d" %s font-size="11" text-anchor="middle" fill="#4a5568">%s'
               '</text>' % ((left + right) // 2, top + plot_h + 36, FONT, esc(xlabel)))
    out.append('<text x="14" y="%d" %s font-size="11" fill="#4a5568" transform="rotate(-90 14 %d)"'
               ' text-anchor="middle">%s</text>' % (top + plot_h // 2, FONT, top + plot_h // 2,
                                                    esc(unit)))
    for i, (label, ys) in enumerate(series):
        colour = SERIES[i % len(SERIES)]
        pts = " ".join("%.1f,%.1f" % (px(x), py(y)) for x, y in zip(xs, ys))
        out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>'
                   % (pts, colour))
        for x, y in zip(xs, ys):
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(x), py(y), colour))
        ly = top + 10 + i * 18
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                   % (right + 12, ly, right + 30, ly, colour))
        out.append('<text x="%d" y="%d" %s font-size="11" fill="#1a202c">%s</text>'
                   % (right + 36, ly + 4, FONT, esc(label)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- one function a chart: results -> {file name: SVG text} ---------------------------------

PARSERS = [("dom", "libxml2 DOM (the floor)"), ("dom+html", "libxml2 DOM + HTML of items"),
           ("newsd", "newsd: newsctl parse"), ("feedsmith", "npm feedsmith"),
           ("rss-parser", "npm rss-parser"), ("feedparser", "python3-feedparser")]


def chart_parse(r):
    best = r["best"]
    rows = [(label, best[k]["bytes"] / 1e6 / best[k]["wall"], k == "newsd")
            for k, label in PARSERS if k in best]
    return {"parse-throughput.svg": bars(
        "Parse + clean throughput, MB/s (wall, best round)",
        "bench/parse.sh: %s documents, %.1f MB, the same files for every parser"
        % ("{:,}".format(r["documents"]), r["bytes"] / 1e6), rows, "MB/s")}


def chart_cycle(r):
    out = {}
    c = r.get("cold")
    if c:
        rows = [("fetch floor (curl, body dropped)", c["floor_wall"], False),
                ("naive C: curl + libxml2 DOM + HTML", c["naive_wall"], False),
                ("newsd, cold cycle", c["newsd_cold_wall"], True)]
        if c.get("newsboat_wall"):
            rows.append(("newsboat -x reload", c["newsboat_wall"], False))
        out["cycle-cold.svg"] = bars(
            "First poll of %d feeds, seconds (wall, best round)" % c["sources"],
            "bench/daemon.py cycle: %.1f MB, %s articles kept; newsd / naive %.2f (target <= 2)"
            % (c["corpus_bytes"] / 1e6, "{:,}".format(c["articles"]), c["cold_vs_naive_wall"]),
            rows, "s")
    s = r.get("small")
    if c and s:
        rows = [("curl, %d conditional GETs" % c["sources"], c["naive_cond_wall"] * 1e3, False),
                ("newsd, refresh of %d sources" % c["sources"], c["newsd_warm_wall"] * 1e3, True),
                ("curl, %s conditional GETs" % "{:,}".format(s["sources"]),
                 s["naive_cond_wall"] * 1e3, False),
                ("newsd, refresh of %s sources" % "{:,}".format(s["sources"]),
                 s["newsd_warm_wall"] * 1e3, True)]
        out["cycle-warm.svg"] = bars(
            "Warm cycle, every answer a 304: milliseconds (wall, best round)",
            "bench/daemon.py cycle: newsd / curl %.2f at %d sources, %.2f at %s"
            % (c["warm_vs_curl_wall"], c["sources"], s["warm_vs_curl_wall"],
               "{:,}".format(s["sources"])), rows, "ms")
    return out


def chart_publish(r):
    rows = [("raw ZeroMQ, the same messages", r["raw_msgs_per_s"], False),
            ("newsd, within one commit's slice", r["newsd_in_run_msgs_per_s"], True),
            ("newsd, first message to last", r["newsd_msgs_per_s"], True)]
    return {"publish.svg": bars(
        "Publish burst: messages a second",
        "bench/daemon.py publish: %s messages of %s bytes on average, best of %d"
        % ("{:,}".format(r["items"]), num(r["mean_message"]), len(r["rounds"])),
        rows, "msg/s")}


def chart_sched(r):
    rows = []
    for key, v in r.items():
        if isinstance(v, dict) and "cpu" in v:
            rows.append(("%s sources, %d host%s" % ("{:,}".format(v["sources"]), v["hosts"],
                                                    "s" if v["hosts"] > 1 else ""),
                         v["cpu"], True))
    return {"sched.svg": bars(
        "Scheduler: processor time of one cold cycle, seconds",
        "bench/daemon.py sched: one-item feeds on one host name or spread over several",
        rows, "s")}


def chart_control(r):
    rows = [("idle daemon, p50", r["idle_p50"], False), ("idle daemon, p99", r["idle_p99"], False),
            ("while ingesting, p50", r["busy_p50"], True),
            ("while ingesting, p99", r["busy_p99"], True),
            ("while ingesting, max", r["busy_max"], True)]
    return {"control.svg": bars(
        "Control socket round trip, milliseconds",
        "bench/daemon.py control: ping every 10 ms while a %s-item document (%.1f MB) is "
        "ingested" % ("{:,}".format(r["items"]), r["bytes"] / 1e6),
        rows, "ms", target=(100, "target: p99 < 100 ms"))}


def chart_dedupe(results):
    """results: {window: rows} of the dedupe-WINDOW.json files present."""
    out = {}
    sizes = sorted({row["articles"] for rows in results.values() for row in rows})
    series, resident = [], []
    for window, rows in sorted(results.items()):
        by = {row["articles"]: row for row in rows}
        if sorted(by) != sizes:
            continue
        name = "window: every article" if window == 0 else \
            "window: the last %s" % "{:,}".format(window)
        series.append((name, [by[n]["admit_us"] for n in sizes]))
        resident.append((name, [by[n]["rss_per_article"] for n in sizes]))
    if series and len(sizes) > 1:
        out["dedupe-admit.svg"] = lines(
            "Admitting a new article: microseconds", "bench/dedupe.sh: the daemon's store and "
            "dedupe index on a real SQLite file", sizes, series, "µs / article",
            "articles remembered")
        out["dedupe-resident.svg"] = lines(
            "Resident memory per remembered article: bytes", "bench/dedupe.sh", sizes, resident,
            "bytes / article", "articles remembered")
    return out


def chart_near(rows):
    sizes = [row["articles"] for row in rows]
    if len(sizes) < 2:
        return {}
    series = [("look-up, new article", [row["lookup_new_us"] for row in rows]),
              ("look-up, edited copy", [row["lookup_copy_us"] for row in rows]),
              ("insert", [row["insert_us"] for row in rows]),
              ("signature", [row["signature_us"] for row in rows])]
    return {"near-index.svg": lines(
        "Near-duplicate index: microseconds an article", "bench/near.sh: synthetic news-like "
        "articles", sizes, series, "µs / article", "articles in the index")}


def chart_cluster(r):
    rows = [("1 node: cycle", r["one"]["cycle_s"], True),
            ("3 nodes: cycle", r["three"]["cycle_s"], True)]
    took = sorted(x["takeover"]["takeover_s"] for x in r["rounds"] if "takeover" in x)
    if took:
        rows.append(("takeover after kill -9, best round", took[0], True))
        rows.append(("takeover after kill -9, worst round", took[-1], True))
    return {"cluster.svg": bars(
        "Cluster mode on one machine: seconds",
        "bench/cluster.py: %s one-item sources, one nats-server, %d cores, best of %d"
        % ("{:,}".format(r["sources"]), r["cpus"], len(r["rounds"])),
        rows, "s", target=(r["ttl"], "lease_ttl %d s" % r["ttl"]))}


def load(path):
    with open(path) as f:
        return json.load(f)


def make_all(results):
    """{file name: SVG text} of every chart whose results are in the folder; the names of the
    results files that are missing."""
    charts, missing = {}, []
    single = [("parse.json", chart_parse), ("daemon-cycle.json", chart_cycle),
              ("daemon-publish.json", chart_publish), ("daemon-sched.json", chart_sched),
              ("daemon-control.json", chart_control), ("near-index.json", chart_near),
              ("cluster.json", chart_cluster)]
    for name, fn in single:
        path = os.path.join(results, name)
        if os.path.exists(path):
            charts.update(fn(load(path)))
        else:
            missing.append(name)
    dedupe = {load(p)["window"]: load(p)["rows"]
              for p in sorted(glob.glob(os.path.join(results, "dedupe-*.json")))}
    if dedupe:
        charts.update(chart_dedupe(dedupe))
    else:
        missing.append("dedupe-WINDOW.json")
    return charts, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "img"))
    ap.add_argument("--check", action="store_true",
                    help="compare with the charts in --out instead of writing them")
    a = ap.parse_args()
    charts, missing = make_all(a.results)
    for name in missing:
        print("charts: no %s in %s: its charts are left as they are" % (name, a.results),
              file=sys.stderr)
    stale = []
    for name, svg in sorted(charts.items()):
        path = os.path.join(a.out, name)
        if a.check:
            try:
                with open(path) as f:
                    same = f.read() == svg
            except FileNotFoundError:
                same = False
            if not same:
                stale.append(path)
            continue
        os.makedirs(a.out, exist_ok=True)
        with open(path, "w") as f:
            f.write(svg)
        print(path)
    if stale:
        print("charts: not what %s makes (run bench/charts.py): %s"
              % (a.results, " ".join(stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
