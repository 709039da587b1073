#!/usr/bin/python3
"""The cross-node near-duplicate race, measured (docs/scaling.md "Global dedupe").

Two newsd nodes in cluster mode on one nats-server -js on 127.0.0.1 share a pool of sources.
For each offset D, a batch of labelled near-duplicate pairs (tests/data/near/pairs.jsonl and holdout/pairs.jsonl, label
"tie": rewrites, credits, teasers, updates of one story) is served, the first copy of each pair
on a source node n1 holds and the second on a source n2 holds; n1 is told to refresh its
sources at t0 and n2 at t0 + D.  A pair "slips through" when the stream holds both copies.
At a large D the nodes see each other's articles in time, and what slips through is the
near-duplicate detector's own misses (its recall on these pairs); the race is the excess at
small D.  Every text is used once.

  bench/cluster_race.py [--pairs-per-offset N] [--offsets 0,2,5,...] [--json FILE]

Needs a build (build/newsd, build/tests/stream_read) and nats-server.
"""

import argparse
import html
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.dont_write_bytecode = True
import harness  # noqa: E402
from harness import make_rss  # noqa: E402
from natsd import NatsServer  # noqa: E402

NEAR = os.path.join(HERE, "..", "tests", "data", "near")
PAIRS = [os.path.join(NEAR, "pairs.jsonl"), os.path.join(NEAR, "holdout", "pairs.jsonl")]
POOL = 64  # sources; each node holds about half
SLOTS = 64


def tie_pairs():
    out = []
    for path in PAIRS:
        with open(path, encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)
                if p["label"] == "tie" and p["a"]["text"].strip() and p["b"]["text"].strip():
                    out.append(p)
    return out


def item(text, title, tag):
    paras = [x for x in text.split("\n") if x.strip()]
    return {"title": title, "link": "https://race.example/%s" % tag, "guid": tag,
            "description": "".join("<p>%s</p>" % html.escape(x) for x in paras)}


class Race(harness.NewsdTestCase):
    """Not a test: the harness's folders, HTTP server and daemons, driven by main()."""

    def runTest(self):
        pass


def holders(nodes, ids):
    for d in nodes.values():
        c = d.status()["cluster"]
        if c["live_nodes"] != len(nodes) or abs(c["held"] - SLOTS // len(nodes)) > 1:
            return None
    out = {}
    for name, d in nodes.items():
        for s in d.status()["sources"]:
            if s["state"] != "elsewhere":
                out.setdefault(s["id"], []).append(name)
    if sorted(out) == sorted(ids) and all(len(v) == 1 for v in out.values()):
        return {k: v[0] for k, v in out.items()}
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs-per-offset", type=int, default=12)
    ap.add_argument("--offsets", default="0,2,5,10,20,50,100,1000",
                    help="milliseconds between the two nodes' refreshes")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()
    offsets = [int(x) for x in args.offsets.split(",")]
    pairs = tie_pairs()
    need = args.pairs_per_offset * len(offsets)
    if len(pairs) < need:
        sys.exit("only %d tie pairs for %d" % (len(pairs), need))

    case = Race()
    case.setUp()
    try:
        nats = NatsServer(os.path.join(case.tmp, "nats"))
        case.closers.append(nats.stop)
        nats.start()
        ids = ["r%02d" % i for i in range(POOL)]
        for sid in ids:
            case.http.write(sid + ".rss", make_rss(sid, []))
        sources = [{"id": sid, "url": case.http.url("/%s.rss" % sid), "interval": 86400}
                   for sid in ids]
        nodes = {}
        for name in ("n1", "n2"):
            nodes[name] = case.daemon(
                sources, folder=os.path.join(case.tmp, name), near_duplicates="drop",
                log_level="notice", publish_opts={"nats": {"servers": [nats.url]}},
                extra='scheduler: { host_spacing = 0; max_per_host = 64; };\ncluster: %s;'
                % harness.conf_group({"node": name, "lease_ttl": 10, "slots": SLOTS}))
            nodes[name].start()
        held = harness.wait_until(lambda: holders(nodes, ids), timeout=60,
                                  what="the two nodes to share the sources")
        mine = {n: [s for s in ids if held[s] == n] for n in nodes}
        k = min(len(mine["n1"]), len(mine["n2"]))
        if k < args.pairs_per_offset:
            sys.exit("the nodes hold %d and %d sources: too few for %d pairs"
                     % (len(mine["n1"]), len(mine["n2"]), args.pairs_per_offset))
        rows = []
        it = iter(pairs)
        for rnd, off in enumerate(offsets):
            batch = [next(it) for _ in range(args.pairs_per_offset)]
            first, second = (("n1", "n2") if rnd % 2 == 0 else ("n2", "n1"))
            used = {first: [], second: []}
            for j, p in enumerate(batch):
                sa, sb = mine[first][j], mine[second][j]
                case.http.write(sa + ".rss", make_rss(sa, [item(p["a"]["text"], p["a"]["title"],
                                                                "%d-%d-a" % (rnd, j))]))
                case.http.write(sb + ".rss", make_rss(sb, [item(p["b"]["text"], p["b"]["title"],
                                                                "%d-%d-b" % (rnd, j))]))
                used[first].append(sa)
                used[second].append(sb)

            def go(name, delay, t0):
                time.sleep(max(0.0, t0 + delay - time.monotonic()))
                nodes[name].request({"cmd": "refresh", "ids": used[name], "force": True},
                                    timeout=120)
            t0 = time.monotonic() + 0.3
            th = [threading.Thread(target=go, args=(first, 0.0, t0)),
                  threading.Thread(target=go, args=(second, off / 1000.0, t0))]
            for t in th:
                t.start()
            for t in th:
                t.join()
            time.sleep(1.0)  # both nodes' outboxes sent, the followers caught up
            guids = {json.loads(m["data"])["guid"] for m in nats.read()}
            slipped = sum(1 for j in range(len(batch))
                          if "%d-%d-a" % (rnd, j) in guids and "%d-%d-b" % (rnd, j) in guids)
            both_sent = sum(1 for j in range(len(batch)) if "%d-%d-a" % (rnd, j) in guids)
            rows.append({"offset_ms": off, "pairs": len(batch), "slipped": slipped,
                         "first_published": both_sent})
            print("offset %5d ms: %2d of %2d pairs published twice" % (off, slipped, len(batch)),
                  flush=True)
        res = {"bench": "cluster_race", "nodes": 2, "pool": POOL, "rows": rows}
        if args.json:
            with open(args.json, "w") as f:
                json.dump(res, f, indent=1)
    finally:
        case.tearDown()


if __name__ == "__main__":
    main()
