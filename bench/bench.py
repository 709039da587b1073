#!/usr/bin/env python3
"""bench.py: the measurements of bench/parse.sh (which builds what this runs).

Runs every parser over the same files, round after round (the parsers take
turns, so a slow moment of a shared machine hits them alike), keeps each
one's fastest round, and prints MB/s, items/s, the ratios against issue 3's
targets and newsctl's peak memory.  See docs/benchmarks.md.
"""
import argparse
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

TARGETS = {  # newsd's throughput must be at least this times the other's
    "dom": 1 / 3,
    "feedsmith": 2.0,
    "feedparser": 20.0,
}


def run_timed_line(cmd, env=None):
    """A runner that times itself and prints "bytes items seconds cpu-seconds"."""
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, env=env).stdout.decode()
    b, n, t, c = out.split()[-4:]
    return int(b), int(n), float(t), float(c)


def count_articles(newsctl, files):
    """How many articles `newsctl parse` prints (one line each); not timed."""
    p = subprocess.Popen([newsctl, "parse"] + files, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines = 0
    while True:
        chunk = p.stdout.read(1 << 20)
        if not chunk:
            break
        lines += chunk.count(b"\n")
    p.wait()
    return lines


def run_newsctl(newsctl, files, articles):
    """The whole `newsctl parse FILE... >/dev/null` process, wall clock and processor
    time: start-up and reading the files included."""
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.Popen([newsctl, "parse"] + files, stdout=null, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        t = time.perf_counter() - t0
    return sum(os.path.getsize(f) for f in files), articles, t, ru.ru_utime + ru.ru_stime


def peak_rss_kb(newsctl, files):
    """newsctl parse's maximum resident set (GNU time), output to /dev/null."""
    if not os.path.exists("/usr/bin/time"):
        return None
    with open(os.devnull, "wb") as null:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", newsctl, "parse"] + files, stdout=null,
                           stderr=subprocess.PIPE)
    m = re.findall(rb"^(\d+)$", r.stderr, re.M)
    return int(m[-1]) if m else None


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = ", %.0f GiB RAM" % (kb / 2 ** 20)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs%s, %s %s" % (cpu, os.cpu_count() or 0, mem, platform.system(), platform.release())


def libxml2_version():
    try:
        return subprocess.run(["pkg-config", "--modversion", "libxml-2.0"], stdout=subprocess.PIPE,
                              check=True).stdout.decode().strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--newsctl", required=True)
    ap.add_argument("--dom", required=True, help="bench/dom_parse binary")
    ap.add_argument("--rounds", "-n", type=int, default=5)
    ap.add_argument("--slow-rounds", type=int, default=2,
                    help="rounds for feedparser, which takes a minute a round (default 2)")
    ap.add_argument("--python", default="/usr/bin/python3", help="a python3 with feedparser")
    ap.add_argument("--node-dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--skip", default="", help="comma-separated parsers to leave out")
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()

    files = sorted(f for f in glob.glob(os.path.join(a.corpus, "*"))
                   if os.path.isfile(f) and not f.endswith((".tsv", ".txt", ".md", ".json.gz")))
    if not files:
        sys.exit("bench: no documents in %s" % a.corpus)
    total = sum(os.path.getsize(f) for f in files)
    here = os.path.dirname(os.path.abspath(__file__))
    skip = set(x for x in a.skip.split(",") if x)

    runners = {
        "dom": ("libxml2 DOM (xmlReadMemory)", lambda: run_timed_line([a.dom, "-n", "2"] + files)),
        "dom+html": ("libxml2 DOM + HTML parse of each item's content",
                     lambda: run_timed_line([a.dom, "--html", "-n", "2"] + files)),
        "newsd": ("newsd: newsctl parse (parse + clean + JSON)",
                  lambda: run_newsctl(a.newsctl, files, articles)),
    }
    notes = []
    node = shutil.which("node")
    mods = os.path.join(a.node_dir, "node_modules")
    for name in ("feedsmith", "rss-parser"):
        if node and os.path.isdir(os.path.join(mods, name)):
            runners[name] = ("npm %s" % name, lambda name=name: run_timed_line(
                [node, os.path.join(here, "run_node.mjs"), name] + files))
        else:
            notes.append("%s: not installed (cd bench && npm ci)" % name)
    has_fp = subprocess.run([a.python, "-c", "import feedparser"], stderr=subprocess.DEVNULL).returncode == 0 \
        if os.path.exists(a.python) else False
    if has_fp:
        runners["feedparser"] = ("python3-feedparser", lambda: run_timed_line(
            [a.python, os.path.join(here, "run_feedparser.py")] + files))
    else:
        notes.append("feedparser: not installed (apt-get install python3-feedparser)")
    for s in skip:
        runners.pop(s, None)

    print("corpus: %s: %d documents, %.1f MB" % (a.corpus, len(files), total / 1e6))
    print("machine: %s; libxml2 %s" % (machine(), libxml2_version()))
    articles = count_articles(a.newsctl, files) if "newsd" in runners else 0
    best = {}  # key -> [bytes, items, best wall, best cpu]
    for r in range(a.rounds):
        for key, (label, fn) in runners.items():
            if key == "feedparser" and r >= a.slow_rounds:
                continue
            b, n, t, c = fn()
            print("  round %d %-11s %8.3f s wall %8.3f s cpu %7d items" % (r + 1, key, t, c, n),
                  flush=True)
            if key not in best:
                best[key] = [b, n, t, c]
            best[key][2] = min(best[key][2], t)
            best[key][3] = min(best[key][3], c)

    print()
    print("| parser | MB/s (wall) | items/s (wall) | MB/s (cpu) | best wall s | best cpu s | items |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key, (label, _) in runners.items():
        b, n, t, c = best[key]
        print("| %s | %.1f | %.0f | %.1f | %.3f | %.3f | %d |" % (label, b / 1e6 / t, n / t, b / 1e6 / c,
                                                                  t, c, n))
    print()
    results = {"corpus": a.corpus, "documents": len(files), "bytes": total, "rounds": a.rounds,
               "slow_rounds": a.slow_rounds,
               "machine": machine(),
               "best": {k: {"bytes": v[0], "items": v[1], "wall": v[2], "cpu": v[3]} for k, v in best.items()}}
    if "newsd" in best:
        print("| ratio of throughputs | wall | cpu | target | met (wall, cpu) |")
        print("|---|---:|---:|---:|---|")
        results["ratios"] = {}
        for key in ("dom", "dom+html", "feedsmith", "rss-parser", "feedparser"):
            if key not in best:
                continue
            rw = best[key][2] / best["newsd"][2]  # same bytes: a ratio of times
            rc = best[key][3] / best["newsd"][3]
            target = TARGETS.get(key)
            met = "-" if not target else "%s, %s" % ("yes" if rw >= target else "NO",
                                                    "yes" if rc >= target else "NO")
            print("| newsd / %s | %.2f | %.2f | %s | %s |" % (key, rw, rc, "%.2f" % target if target else "-",
                                                            met))
            results["ratios"][key] = {"wall": rw, "cpu": rc}
        print()
        largest = max(files, key=os.path.getsize)
        whole, one = peak_rss_kb(a.newsctl, files), peak_rss_kb(a.newsctl, [largest])
        if whole and one:
            print("peak memory of newsctl parse: whole corpus (%.1f MB) %d KB; largest document alone "
                  "(%s, %.1f MB) %d KB" % (total / 1e6, whole, os.path.basename(largest),
                                           os.path.getsize(largest) / 1e6, one))
            results["maxrss_kb"] = {"corpus": whole, "largest": one, "largest_file": largest}
    for n in notes:
        print("note: " + n)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
