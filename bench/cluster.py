#!/usr/bin/python3
"""bench/cluster.py: cluster mode (docs/scaling.md): one node against three on one machine.

    bench/cluster.py [-n ROUNDS] [--sources 10000] [--hosts 16] [--ttl 6] [--slots 1024]
                     [--window 512] [--interval S] [--no-takeover]

One `nats-server -js` on 127.0.0.1 (a fresh store for each configuration), SOURCES one-item
feeds of distinct stories served by nginx on HOSTS host names (as bench/daemon.py cycle
--small makes them), and newsd nodes in cluster mode (`cluster { node; lease_ttl; slots; }`
and `publish.nats`, the same sources on every node, each on a fresh state folder).  Each round:

cycle, 1 node and 3 nodes: the nodes are started together; the cycle is the time from their
start until every source was polled once (the union of the nodes' "source X: N items" lines)
and every article is in the stream (the stream's last message, as the server stamped it); the
processor time of each node (its threads' run time, /proc) and of nats-server at that moment;
the stream publish rate: the articles over the time from the stream's first message to its
last.

raw: bench/js_raw.c reads the stream the one-node cycle filled and publishes the same
messages (same data, headers and message ids, subjects of the same length) into a new stream
of the same server with js_PublishMsgAsync, WINDOW of them waiting for their acknowledgement
(newsd's sink keeps 512 in flight); its rate is measured as newsd's, first message to last.

takeover: three nodes whose sources have an interval of INTERVAL (default 2/3 of the TTL, so
that every source is due again before a lease can expire), all settled; kill -9 of the node
n2; the time from the kill until every source n2 held was fetched by a survivor (nginx's
access log, by User-Agent), against the lease TTL.

Two cores run all of it: three nodes on the machine measure what coordination costs (leases,
handovers, three processes on the same cores), not scale-out.  The best round counts (the
shortest cycle, the highest rate, the shortest takeover).  Results go to
bench/out/cluster.json; newsd is built in $BUILD_DIR (default build-bench).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon  # noqa: E402
from daemon import OUT, POLL_FAIL, POLL_OK, SCHED, Newsd, Nginx, cc, free_port, rss  # noqa: E402

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
STREAM = "NEWS"      # publish.nats.stream's default
RAW_STREAM = "RAW"
RAW_PREFIX = "bench"  # as long as "newsd", the sink's subject prefix: the same sizes
COME = re.compile(r"cluster: (\d+) sources? comes? to poll here")


class NatsServer:
    """One nats-server -js on 127.0.0.1 with its store in folder."""

    def __init__(self, folder):
        self.port = free_port()
        self.url = "nats://127.0.0.1:%d" % self.port
        os.makedirs(folder, exist_ok=True)
        self.log = open(os.path.join(folder, "nats-server.log"), "w+b")
        self.proc = subprocess.Popen([NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port),
                                      "-sd", os.path.join(folder, "store")],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            with open(self.log.name, "rb") as f:
                if b"Server is ready" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("nats-server did not start")

    def cpu(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


def js_raw(*args, timeout=600):
    exe = cc("js_raw", ["libnats"])
    r = subprocess.run([exe] + [str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("js_raw %s: %s" % (" ".join(map(str, args)), r.stderr.strip()))
    return [line.split() for line in r.stdout.splitlines()]


def stat_fields(f):
    return {"msgs": int(f[0]), "bytes": int(f[1]), "first_ns": int(f[2]), "last_ns": int(f[3])}


def start_nodes(newsd, tmp, phase, names, nats, srcs, args, interval=86400):
    """The nodes of names, in cluster mode on nats, started one after the other."""
    nodes = {}
    for name in names:
        folder = os.path.join(tmp, "%s-%s" % (phase, name))
        os.makedirs(folder, exist_ok=True)
        extra = ('user_agent = "newsd-bench-%s";\n%s\ncluster: { node = "%s"; lease_ttl = %d; '
                 'slots = %d; };' % (name, SCHED, name, args.ttl, args.slots))
        nodes[name] = Newsd(newsd, folder, srcs, extra,
                            publish='nats: { servers = [ "%s" ]; };' % nats.url,
                            interval=interval)
    return nodes


def stop_nodes(nodes):
    for d in nodes.values():
        if d.proc.poll() is None:
            d.stop()
        else:
            d.log.close()


def wait_cycle(nodes, n, timeout, events=None):
    """Until n distinct sources were polled by the nodes together: {source: monotonic time of
    its first poll}, and the polls per node.  events: a list that gets (time seen, node,
    line) of each "cluster:" line."""
    seen, per = {}, {name: 0 for name in nodes}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for name, d in nodes.items():
            for line in d.lines():
                m = POLL_OK.search(line)
                if events is not None and "cluster:" in line:
                    events.append((round(time.monotonic(), 3), name, line.lstrip("<0123456789>")))
                if m:
                    per[name] += 1
                    seen.setdefault(m.group(1), time.monotonic())
                elif POLL_FAIL.search(line):
                    raise RuntimeError("%s: a poll failed: %s" % (name, line))
            if d.proc.poll() is not None:
                raise RuntimeError("%s exited:\n%s" % (name, open(d.log.name).read()[-2000:]))
        if len(seen) >= n:
            return seen, per
        time.sleep(0.005)
    raise RuntimeError("%d of %d sources polled in %d s" % (len(seen), n, timeout))


def cycle(newsd, tmp, rnd, k, srcs, args):
    """One cold cycle of k nodes on a fresh nats-server; the raw baseline after it when k is
    1.  Returns the round's figures."""
    n = len(srcs)
    nats = NatsServer(os.path.join(tmp, "nats-%d-%d" % (rnd, k)))
    nodes = {}
    try:
        c_nats = nats.cpu()
        t0_wall, t0 = time.time(), time.monotonic()
        nodes = start_nodes(newsd, tmp, "c%d" % k, ["n%d" % (i + 1) for i in range(k)], nats,
                            srcs, args)
        events = []
        seen, per = wait_cycle(nodes, n, 600, events)
        polled = max(seen.values()) - t0
        first_poll = min(seen.values()) - t0
        st = stat_fields(js_raw("wait", nats.url, STREAM, n, 600)[0])
        cpu = {name: d.cpu() for name, d in nodes.items()}
        nats_cpu = nats.cpu() - c_nats
        in_stream = st["last_ns"] / 1e9 - t0_wall
        time.sleep(1)
        after = stat_fields(js_raw("stat", nats.url, STREAM)[0])
        stop_nodes(nodes)
        nodes = {}
        if after["msgs"] != n:
            raise RuntimeError("%d nodes: %d messages in the stream, not %d"
                               % (k, after["msgs"], n))
        span = (st["last_ns"] - st["first_ns"]) / 1e9
        r = {"nodes": k, "cycle_s": max(polled, in_stream), "polled_s": polled,
             "in_stream_s": in_stream, "first_poll_s": first_poll,
             "first_in_stream_s": st["first_ns"] / 1e9 - t0_wall, "cpu_s": cpu,
             "cpu_total_s": sum(cpu.values()),
             "nats_cpu_s": nats_cpu, "polls": per, "stream_span_s": span,
             "stream_msgs_per_s": (n - 1) / span if span > 0 else None,
             "stream_bytes": st["bytes"],
             "cluster_log": [(round(t - t0, 3), name, line) for t, name, line in events]}
        if k == 1:
            r["catch_up"] = catch_up(newsd, tmp, rnd, nats, srcs, args, n)
            out = js_raw("publish", nats.url, STREAM, RAW_STREAM, RAW_PREFIX, args.window)
            f = out[0]
            rs = stat_fields(out[1])
            raw_span = (rs["last_ns"] - rs["first_ns"]) / 1e9
            r["raw"] = {"msgs": int(f[0]), "data_bytes": int(f[1]), "wall_s": float(f[2]),
                        "cpu_s": float(f[3]), "stream_span_s": raw_span,
                        "stream_msgs_per_s": (rs["msgs"] - 1) / raw_span,
                        "stream_bytes": rs["bytes"], "window": args.window}
            if rs["msgs"] != n or rs["bytes"] - st["bytes"] > n * 8:
                raise RuntimeError("raw: %d messages, %d bytes; newsd %d, %d bytes"
                                   % (rs["msgs"], rs["bytes"], n, st["bytes"]))
    finally:
        stop_nodes(nodes)
        nats.stop()
    line = ("round %d: %d node%s: cycle %.2f s (first poll %.2f, first in the stream %.2f; "
            "polled %.2f, in the stream %.2f); cpu %s "
            "= %.2f s, nats-server %.2f s; stream %.0f msgs/s over %.2f s; polls %s"
            % (rnd + 1, k, "s" if k > 1 else "", r["cycle_s"], first_poll,
               r["first_in_stream_s"], polled, in_stream,
               " + ".join("%.2f" % c for c in cpu.values()), r["cpu_total_s"], nats_cpu,
               r["stream_msgs_per_s"], span, " ".join("%s %d" % x for x in per.items())))
    if "catch_up" in r:
        cu = r["catch_up"]
        line += ("\n         a late node learned the %d articles of the stream in %.2f s "
                 "(%.0f msgs/s, %.0f us of cpu each, start-up included)"
                 % (cu["msgs"], cu["wall_s"], cu["msgs_per_s"], cu["cpu_us_per_msg"]))
    if "raw" in r:
        line += ("\n         raw js_PublishMsgAsync (window %d): %.0f msgs/s over %.2f s in the "
                 "stream (%.2f s, %.2f s of cpu from first publish to last ack)"
                 % (args.window, r["raw"]["stream_msgs_per_s"], r["raw"]["stream_span_s"],
                    r["raw"]["wall_s"], r["raw"]["cpu_s"]))
    print(line, flush=True)
    return r


CAUGHT = re.compile(r"follow: caught up with the stream at seq (\d+) \((\d+) articles? learned\)")


def catch_up(newsd, tmp, rnd, nats, srcs, args, n):
    """A node with an empty store joins after the stream holds n articles (the one node of
    the cycle stopped): the time and processor time it takes to learn them all (global
    dedupe: docs/scaling.md), before it claims a slot or polls anything."""
    d = start_nodes(newsd, tmp, "late%d" % rnd, ["late"], nats, srcs, args)["late"]
    try:
        t0, c0 = time.monotonic(), d.cpu()
        end = t0 + 600
        while time.monotonic() < end:
            for line in d.lines():
                m = CAUGHT.search(line)
                if m:
                    wall, cpu = time.monotonic() - t0, d.cpu() - c0
                    learned = int(m.group(2))
                    if int(m.group(1)) != n or learned != n:
                        raise RuntimeError("catch-up: %s" % line)
                    return {"msgs": n, "wall_s": wall, "cpu_s": cpu,
                            "msgs_per_s": n / wall, "cpu_us_per_msg": cpu / n * 1e6}
            if d.proc.poll() is not None:
                raise RuntimeError("late node exited:\n%s" % open(d.log.name).read()[-2000:])
            time.sleep(0.01)
        raise RuntimeError("the late node did not catch up in 600 s")
    finally:
        stop_nodes({"late": d})


def status(d):
    return d.request({"cmd": "status"}, timeout=60)[1]


def settled(nodes, slots):
    sts = {name: status(d)["cluster"] for name, d in nodes.items()}
    lo, hi = slots // len(nodes), -(-slots // len(nodes))
    return (sum(s["held"] for s in sts.values()) == slots
            and all(s["live_nodes"] == len(nodes) and lo <= s["held"] <= hi
                    for s in sts.values()))


def takeover(newsd, tmp, rnd, srcs, access, args):
    """Three nodes settled, kill -9 of n2: how long until a survivor fetched each of its
    sources."""
    interval = args.interval or max(1, args.ttl * 2 // 3)
    nats = NatsServer(os.path.join(tmp, "nats-%d-t" % rnd))
    nodes = {}
    try:
        nodes = start_nodes(newsd, tmp, "t", ["n1", "n2", "n3"], nats, srcs, args,
                            interval=interval)
        wait_cycle(nodes, len(srcs), 600)
        end = time.monotonic() + 20 * args.ttl
        while not settled(nodes, args.slots):
            if time.monotonic() > end:
                raise RuntimeError("the three nodes did not settle")
            time.sleep(0.5)
        time.sleep(interval + 1)  # every source polled by its holder since
        victim = nodes["n2"]
        held = sorted(s["id"] for s in status(victim)["sources"] if s["state"] != "elsewhere")
        ids = {int(sid[1:]) for sid in held}
        survivors = {name: d for name, d in nodes.items() if name != "n2"}
        for d in survivors.values():
            d.lines()  # what they logged before
        pos = os.path.getsize(access)
        t_kill, m_kill = time.time(), time.monotonic()
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        first, came, claimed, events = {}, 0, None, []
        end = time.monotonic() + 10 * args.ttl + 4 * interval
        while len(first) < len(ids) and time.monotonic() < end:
            for name, d in survivors.items():
                for line in d.lines():
                    if "cluster:" in line:
                        events.append((round(time.monotonic() - m_kill, 3), name,
                                       line.lstrip("<0123456789>")))
                    m = COME.search(line)
                    if m:
                        came += int(m.group(1))
                        if claimed is None and came >= len(ids):
                            claimed = time.monotonic() - m_kill
            with open(access, "rb") as f:
                f.seek(pos)
                data = f.read()
            cut = data.rfind(b"\n") + 1
            pos += cut
            for line in data[:cut].decode().splitlines():
                msec, ua, uri = line.split(" ", 2)
                m = re.match(r"/f/(\d+)\.xml$", uri)
                if (m and ua != "newsd-bench-n2" and float(msec) >= t_kill
                        and int(m.group(1)) in ids):
                    first.setdefault(int(m.group(1)), float(msec) - t_kill)
            time.sleep(0.05)
        if len(first) < len(ids):
            raise RuntimeError("takeover: %d of %d sources of n2 polled by a survivor"
                               % (len(first), len(ids)))
        times = sorted(first.values())
        r = {"ttl_s": args.ttl, "interval_s": interval, "sources_of_dead_node": len(ids),
             "takeover_s": times[-1], "first_s": times[0], "median_s": times[len(times) // 2],
             "vs_ttl": times[-1] / args.ttl, "claimed_s": claimed, "cluster_log": events}
    finally:
        stop_nodes(nodes)
        nats.stop()
    print("round %d: takeover after kill -9 of n2 (%d sources, lease_ttl %d s, interval %d s): "
          "every source polled by a survivor %.2f s after the kill (%.2f x the TTL; first %.2f s, "
          "median %.2f s; the survivors took them %s s after)"
          % (rnd + 1, len(ids), args.ttl, interval, r["takeover_s"], r["vs_ttl"], r["first_s"],
             r["median_s"], "%.2f" % claimed if claimed is not None else "?"), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--rounds", type=int, default=3)
    ap.add_argument("--sources", type=int, default=10000)
    ap.add_argument("--hosts", type=int, default=16)
    ap.add_argument("--ttl", type=int, default=6, help="cluster.lease_ttl, seconds")
    ap.add_argument("--slots", type=int, default=1024, help="cluster.slots")
    ap.add_argument("--window", type=int, default=512,
                    help="the raw publisher's messages waiting for their acknowledgement")
    ap.add_argument("--interval", type=int, default=0,
                    help="the sources' interval in the takeover (default 2/3 of the TTL)")
    ap.add_argument("--no-takeover", action="store_true")
    args = ap.parse_args()
    newsd = daemon.build()
    os.makedirs(OUT, exist_ok=True)
    cc("js_raw", ["libnats"])
    cc("ctl_req", ["libzmq"])
    res = {"sources": args.sources, "hosts": args.hosts, "ttl": args.ttl, "slots": args.slots,
           "window": args.window, "cpus": os.cpu_count(), "rounds": []}
    with tempfile.TemporaryDirectory(prefix="newsd-bench-") as tmp:
        root = os.path.join(tmp, "www")
        os.makedirs(os.path.join(root, "f"))
        for i in range(args.sources):
            with open(os.path.join(root, "f", "%d.xml" % i), "w") as f:
                f.write(rss("Feed %d" % i, [("g%d" % i, "Story %d" % i, daemon.story(i))]))
        access = os.path.join(tmp, "access.log")
        web = Nginx(root, tmp)
        logged = None if args.no_takeover else Nginx(root, tmp, access_log=access,
                                                    name="nginx-logged")
        try:
            for rnd in range(args.rounds):
                srcs = daemon.sources_on(args.hosts, web.port,
                                         ["f/%d.xml" % i for i in range(args.sources)])
                r = {"one": cycle(newsd, tmp, rnd, 1, srcs, args),
                     "three": cycle(newsd, tmp, rnd, 3, srcs, args)}
                if logged:
                    srcs = daemon.sources_on(args.hosts, logged.port,
                                             ["f/%d.xml" % i for i in range(args.sources)])
                    r["takeover"] = takeover(newsd, tmp, rnd, srcs, access, args)
                res["rounds"].append(r)
        finally:
            web.stop()
            if logged:
                logged.stop()
    summarize(res)
    with open(os.path.join(OUT, "cluster.json"), "w") as f:
        json.dump(res, f, indent=1)


def summarize(res):
    rounds = res["rounds"]
    for k in ("one", "three"):
        rs = [r[k] for r in rounds]
        res[k] = {"cycle_s": min(x["cycle_s"] for x in rs),
                  "cpu_total_s": min(x["cpu_total_s"] for x in rs),
                  "cpu_max_node_s": min(max(x["cpu_s"].values()) for x in rs),
                  "nats_cpu_s": min(x["nats_cpu_s"] for x in rs),
                  "stream_msgs_per_s": max(x["stream_msgs_per_s"] for x in rs),
                  "cycle_rounds_s": [x["cycle_s"] for x in rs]}
    cus = [r["one"]["catch_up"] for r in rounds if "catch_up" in r["one"]]
    if cus:
        res["catch_up"] = min(cus, key=lambda x: x["wall_s"])
    raw = max(r["one"]["raw"]["stream_msgs_per_s"] for r in rounds)
    res["raw_msgs_per_s"] = raw
    one, three = res["one"], res["three"]
    res["three_vs_one_cycle"] = three["cycle_s"] / one["cycle_s"]
    res["three_vs_one_cpu"] = three["cpu_total_s"] / one["cpu_total_s"]
    for k in ("one", "three"):
        res[k]["stream_vs_raw"] = res[k]["stream_msgs_per_s"] / raw
    n = res["sources"]
    print("\n%d sources, best of %d rounds (%d cpus: three nodes here measure coordination, "
          "not scale-out):" % (n, len(rounds), res["cpus"]))
    print("  %-8s %9s %12s %12s %11s %14s %9s" % ("", "cycle s", "cpu all s", "cpu node s",
                                                  "nats cpu s", "stream msg/s", "vs raw"))
    for k, name in (("one", "1 node"), ("three", "3 nodes")):
        x = res[k]
        print("  %-8s %9.2f %12.2f %12.2f %11.2f %14.0f %9.2f"
              % (name, x["cycle_s"], x["cpu_total_s"], x["cpu_max_node_s"], x["nats_cpu_s"],
                 x["stream_msgs_per_s"], x["stream_vs_raw"]))
    for k, name in (("one", "1 node"), ("three", "3 nodes")):
        print("  %s, cycle of each round: %s s" % (name, ", ".join(
            "%.2f" % x for x in res[k]["cycle_rounds_s"])))
    print("  raw js_PublishMsgAsync, window %d: %.0f msgs/s" % (res["window"], raw))
    print("  3 nodes / 1 node: cycle %.2fx, cpu %.2fx"
          % (res["three_vs_one_cycle"], res["three_vs_one_cpu"]))
    if cus:
        cu = res["catch_up"]
        print("  a late node's catch-up (global dedupe): %d articles in %.2f s, %.0f msgs/s, "
              "%.0f us of cpu each" % (cu["msgs"], cu["wall_s"], cu["msgs_per_s"],
                                       cu["cpu_us_per_msg"]))
    tk = [r["takeover"] for r in rounds if "takeover" in r]
    if tk:
        best = min(tk, key=lambda x: x["takeover_s"])
        res["takeover"] = best
        took = sorted(x["takeover_s"] for x in tk)
        res["takeover_median_s"] = took[len(took) // 2]
        res["takeover_worst_s"] = took[-1]
        print("  takeover after kill -9: best %.2f s (%.2f x lease_ttl %d s), median %.2f s, "
              "worst %.2f s (%.2f x); rounds: %s"
              % (best["takeover_s"], best["vs_ttl"], best["ttl_s"], res["takeover_median_s"],
                 took[-1], took[-1] / best["ttl_s"],
                 ", ".join("%.2f" % x["takeover_s"] for x in tk)))


if __name__ == "__main__":
    sys.exit(main())
