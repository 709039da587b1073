#!/usr/bin/env python3
"""Data-driven parser cases: tests/data/feeds/<case>.<ext> is a feed document and
<case>.jsonl the articles `newsctl parse` must print for it (one JSON object a line,
in document order; the "fetched" field, the time of the run, is not compared).
An optional <case>.args holds extra newsctl arguments (e.g. --base-url URL, --all).
An optional <case>.stderr holds what newsctl must print on stderr (the document's
path written as its file name): then the exit status must be 0 when every line
names a skipped entry, non-zero otherwise.

usage: feed_cases.py NEWSCTL CASES_DIR [--update] [CASE...]
  --update  write the current output as the expected one (review the diff!)
"""
import json
import os
import subprocess
import sys

IGNORED = ("fetched",)


def load_lines(text):
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            out.append(json.loads(line))
    return out


def strip(obj):
    out = {k: v for k, v in obj.items() if k not in IGNORED}
    # A file's source URL is file://<absolute path>: keep only the file name, so
    # the cases pass in any checkout (CI clones elsewhere).
    src = out.get("source")
    if isinstance(src, dict) and str(src.get("url") or "").startswith("file://"):
        out["source"] = dict(src, url="file://" + os.path.basename(src["url"]))
    return out


def diff(expected, got, path=""):
    """Human-readable differences between two JSON values."""
    if type(expected) is not type(got):
        return [f"{path}: expected {json.dumps(expected)[:200]}, got {json.dumps(got)[:200]}"]
    if isinstance(expected, dict):
        out = []
        for k in sorted(set(expected) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing")
            elif k not in expected:
                out.append(f"{path}.{k}: unexpected {json.dumps(got[k])[:200]}")
            else:
                out += diff(expected[k], got[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if len(expected) != len(got):
            return [f"{path}: expected {len(expected)} elements {json.dumps(expected)[:300]}, "
                    f"got {len(got)} {json.dumps(got)[:300]}"]
        out = []
        for i, (e, g) in enumerate(zip(expected, got)):
            out += diff(e, g, f"{path}[{i}]")
        return out
    if expected != got:
        return [f"{path}: expected {json.dumps(expected)[:300]}, got {json.dumps(got)[:300]}"]
    return []


def run_case(newsctl, folder, doc, update):
    case = os.path.splitext(doc)[0]
    expected_path = os.path.join(folder, case + ".jsonl")
    args = []
    args_path = os.path.join(folder, case + ".args")
    if os.path.exists(args_path):
        with open(args_path) as f:
            args = f.read().split()
    proc = subprocess.run([newsctl, "parse", *args, os.path.join(folder, doc)],
                          capture_output=True, timeout=60)
    if proc.returncode != 0 and os.path.exists(expected_path):
        with open(expected_path) as f:
            if f.read().strip():
                return [f"newsctl parse failed ({proc.returncode}): {proc.stderr.decode()[:500]}"]
    got = [strip(o) for o in load_lines(proc.stdout.decode("utf-8"))]
    stderr_path = os.path.join(folder, case + ".stderr")
    err = proc.stderr.decode("utf-8", "replace").replace(os.path.join(folder, doc), doc)
    if os.path.exists(stderr_path) and not update:
        with open(stderr_path, encoding="utf-8") as f:
            want_err = f.read()
        if err != want_err:
            return [f"stderr: expected {want_err!r}, got {err!r}"]
        fatal = any(" skipped: " not in line for line in want_err.splitlines())
        if (proc.returncode != 0) != fatal:
            return [f"exit status {proc.returncode} with that stderr"]
    if update and os.path.exists(stderr_path):
        with open(stderr_path, "w", encoding="utf-8") as f:
            f.write(err)
    if update:
        with open(expected_path, "w") as f:
            for o in got:
                f.write(json.dumps(o, ensure_ascii=False, sort_keys=False) + "\n")
        return []
    if not os.path.exists(expected_path):
        return [f"no {case}.jsonl beside it"]
    with open(expected_path, encoding="utf-8") as f:
        expected = [strip(o) for o in load_lines(f.read())]
    if len(expected) != len(got):
        return [f"expected {len(expected)} articles, got {len(got)}"] + \
            [f"  got: {o.get('title')!r}" for o in got][:20]
    problems = []
    for i, (e, g) in enumerate(zip(expected, got)):
        problems += [f"article {i + 1}{d}" for d in diff(e, g)]
    return problems


def main():
    argv = sys.argv[1:]
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    newsctl, folder, only = argv[0], argv[1], set(argv[2:])
    docs = sorted(f for f in os.listdir(folder)
                  if not f.endswith((".jsonl", ".args", ".md", ".stderr")) and not f.startswith("."))
    failed = 0
    for doc in docs:
        if only and os.path.splitext(doc)[0] not in only:
            continue
        problems = run_case(newsctl, folder, doc, update)
        if problems:
            failed += 1
            print(f"FAIL {doc}")
            for p in problems[:30]:
                print(f"  {p}")
    print(f"{len(docs) - failed} of {len(docs)} feed cases pass" if not only else
          f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
