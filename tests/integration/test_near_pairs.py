#!/usr/bin/python3
"""The labeled near-duplicate pairs of tests/data/near/ through the real daemon, in mark mode.

Every pair gets sources of its own (one per outlet it names), served as RSS by the test
server.  The daemon polls in three steps, as it would have seen the stories: first each outlet's
earlier items (the pair's history), then article a, then article b; then the journal tells the
verdict: b is tied when it was published with duplicate_of naming a's cluster.  The whole set
runs twice, a before b and b before a: a cluster's verdict must not depend on the order of
polls.  Pairs that share text (several pairs are made from one story) would see each other in
one daemon, so the set is split into groups of pairs that share no 6-word run of text and no
3-word run of title, each group on a fresh daemon.

Asserted on the project's set (pairs.jsonl): precision >= 0.95, recall >= 0.95, and no kind of
look-alike pair tied more than once in twenty.  On its title-only set (titles.jsonl, flashes
rewritten and look-alikes from one template with other facts): no look-alike tied at all, and
recall >= 0.60, as the unit test asserts it.  The held-back set (holdout/pairs.jsonl) is
measured the same way and printed; it is asserted as the unit test asserts it (precision and
look-alikes as above, recall >= 0.92), since it is the set that is not tuned on."""

import collections
import html
import json
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import make_rss  # noqa: E402

DATA = os.path.join(harness.SOURCE_DIR, "tests", "data", "near")


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:40] or "x"


def words(s):
    return re.findall(r"[a-z0-9]+", s.lower())


def runs_of(item):
    out = set()
    w = words(item.get("text", ""))
    out.update(("t",) + tuple(w[i:i + 6]) for i in range(len(w) - 5))
    t = words(item.get("title", ""))
    out.update(("h",) + tuple(t[i:i + 3]) for i in range(len(t) - 2))
    return out


def groups(pairs):
    """Pairs split so that no two of one group share a run of words (greedy colouring)."""
    runs = [set().union(*(runs_of(x) for x in [p["a"], p["b"]] + p.get("history", [])))
            for p in pairs]
    holders = collections.defaultdict(set)
    for k, rs in enumerate(runs):
        for r in rs:
            holders[r].add(k)
    near = [set() for _ in pairs]
    for ks in holders.values():
        for k in ks:
            near[k] |= ks
    colour = {}
    for k in sorted(range(len(pairs)), key=lambda k: -len(near[k])):
        used = {colour[j] for j in near[k] if j in colour and j != k}
        colour[k] = next(c for c in range(len(pairs)) if c not in used)
    out = collections.defaultdict(list)
    for k in range(len(pairs)):
        out[colour[k]].append(pairs[k])
    return list(out.values())


class NearPairsTest(harness.NewsdTestCase):

    def run_set(self, name, pairs, order):
        """One run of pairs on a fresh daemon; returns {pair id: tied?}."""
        folder = os.path.join(self.tmp, "%s-%s" % (name, order))
        shutil.rmtree(folder, ignore_errors=True)
        feeds = collections.defaultdict(list)  # source id -> items, newest first
        sources = {}

        def src(k, outlet):
            sid = "p%d-%s" % (k, slug(outlet))
            sources[sid] = self.http.url("/%s/%s.rss" % (name, sid))
            return sid

        def add(sid, k, tag, item):
            # paragraphs as HTML, as feeds send them (the cleaner gives them back as lines)
            paras = [x for x in item["text"].split("\n") if x.strip()]
            feeds[sid].insert(0, {"title": item["title"],
                                  "link": "https://pairs.example/%s/%d/%s" % (name, k, tag),
                                  "guid": "%s-%d-%s" % (name, k, tag),
                                  "description": "".join("<p>%s</p>" % html.escape(x)
                                                         for x in paras)})

        def publish(sids):
            for sid in sids:
                self.http.write("/%s/%s.rss" % (name, sid),
                                make_rss(sid, feeds[sid], link="https://%s.example/" % sid))

        steps = [set(), set(), set()]
        for k, p in enumerate(pairs):
            for h, item in enumerate(p.get("history", [])):
                sid = src(k, item["source"])
                add(sid, k, "h%d" % h, item)
                steps[0].add(sid)
            first, second = ("a", "b") if order == "ab" else ("b", "a")
            for step, tag in ((1, first), (2, second)):
                steps[step].add(src(k, p[tag]["source"]))
        publish(sources)  # the history, polled at start
        d = self.daemon([{"id": sid, "url": url, "interval": 86400}
                         for sid, url in sorted(sources.items())], folder=folder,
                        near_duplicates="mark", log_level="notice",
                        extra="scheduler: { host_spacing = 0; max_per_host = 8; };")
        d.start()
        d.wait_polled(timeout=120)
        for step, tag in ((1, first), (2, second)):
            sids = set()
            for k, p in enumerate(pairs):
                sid = src(k, p[tag]["source"])
                add(sid, k, tag, p[tag])
                sids.add(sid)
            publish(sids)
            p_, _ = d.refresh(*sorted(sids), timeout=600)
            self.assertEqual(p_.returncode, 0, p_.stderr)
        journal = d.replay_all()
        by_guid = {m["guid"]: m for m in journal}
        tied = {}
        for k, p in enumerate(pairs):
            a = by_guid.get("%s-%d-%s" % (name, k, first))
            b = by_guid.get("%s-%d-%s" % (name, k, second))
            self.assertIsNotNone(a, "pair %s: the first article was not published" % p["id"])
            cluster = a["duplicate_of"] or a["id"]
            if b is not None:
                tied[p["id"]] = b["duplicate_of"] == cluster
                continue
            # not published: dropped as an exact duplicate; explain names its first copy
            url = "https://pairs.example/%s/%d/%s" % (name, k, second)
            r = d.request({"cmd": "explain", "url": url})
            self.assertTrue(r["ok"] and r["known"], "pair %s: %r" % (p["id"], r))
            self.assertTrue(r["article"]["verdict"].startswith("dropped"), r)
            tied[p["id"]] = (r["first"] or r["article"])["id"] == cluster
        d.stop()
        self.daemons.remove(d)
        return tied

    def measure(self, name, pairs):
        results = {}
        for g, group in enumerate(groups(pairs)):
            for order in ("ab", "ba"):
                tied = self.run_set("%s%d" % (name, g), group, order)
                for p in group:
                    results[(p["id"], order)] = (p, tied[p["id"]])
        tp = sum(1 for p, t in results.values() if t and p["label"] == "tie")
        fp = sum(1 for p, t in results.values() if t and p["label"] == "not")
        fn = sum(1 for p, t in results.values() if not t and p["label"] == "tie")
        kinds = collections.Counter(p["kind"] for p, _ in results.values() if p["label"] == "not")
        false_ties = collections.Counter(p["kind"] for p, t in results.values()
                                         if t and p["label"] == "not")
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print("%s: %d pairs x 2 orders: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)"
              % (name, len(pairs), precision, recall, tp, fp, fn), file=sys.stderr)
        for kind in sorted(set(p["kind"] for p, _ in results.values())):
            rows = [(p, t) for p, t in results.values() if p["kind"] == kind]
            print("  %-22s %-4s %3d/%3d tied" % (kind, rows[0][0]["label"],
                                                 sum(1 for _, t in rows if t), len(rows)),
                  file=sys.stderr)
        return precision, recall, kinds, false_ties

    def load(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_labeled_pairs_through_the_daemon(self):
        pairs = self.load(os.path.join(DATA, "pairs.jsonl"))
        precision, recall, kinds, false_ties = self.measure("own", pairs)
        self.assertGreaterEqual(precision, 0.95)
        self.assertGreaterEqual(recall, 0.95)
        for kind, n in kinds.items():
            self.assertLessEqual(false_ties[kind] * 20, n, "look-alikes of kind %s tied %d of %d"
                                 % (kind, false_ties[kind], n))

    def test_title_pairs_through_the_daemon(self):
        pairs = self.load(os.path.join(DATA, "titles.jsonl"))
        precision, recall, kinds, false_ties = self.measure("titles", pairs)
        self.assertEqual(sum(false_ties.values()), 0, "look-alikes tied: %r" % false_ties)
        self.assertEqual(precision, 1.0)
        self.assertGreaterEqual(recall, 0.60)

    def test_holdout_pairs_through_the_daemon(self):
        pairs = self.load(os.path.join(DATA, "holdout", "pairs.jsonl"))
        precision, recall, kinds, false_ties = self.measure("holdout", pairs)
        self.assertGreaterEqual(precision, 0.95)
        self.assertGreaterEqual(recall, 0.92)
        for kind, n in kinds.items():
            self.assertLessEqual(false_ties[kind] * 20, n, "look-alikes of kind %s tied %d of %d"
                                 % (kind, false_ties[kind], n))


if __name__ == "__main__":
    harness.main()
