#!/bin/sh
# bench/parse.sh: parse+clean throughput of `newsctl parse` against libxml2
# alone and against other feed parsers, on the same files in the same run.
#
#   bench/parse.sh [-n ROUNDS] [--feeds N] [--skip P1,P2] [CORPUS_DIR]
#
# Without CORPUS_DIR, the corpus is made by bench/gen_corpus.py (N feeds,
# default 1000, about 105 MB) in bench/out/corpus-N.  Builds newsctl in
# $BUILD_DIR (default build-bench) and the libxml2 runner in bench/out;
# installs the npm parsers into bench/node_modules when npm is there.
# python3-feedparser is used when /usr/bin/python3 has it.  Parsers: dom,
# dom+html, newsd, feedsmith, rss-parser, feedparser (which runs 2 rounds
# only: a minute each).  Each parser makes one pass over the files per round,
# the parsers take turns, the best round counts.  docs/benchmarks.md has the
# figures and how to read them.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/core_libs.sh"
bench=$root/bench
out=$bench/out
build=${BUILD_DIR:-$root/build-bench}
rounds=5
feeds=1000
skip=
corpus=

while [ $# -gt 0 ]; do
    case $1 in
    -n) rounds=$2; shift 2 ;;
    --feeds) feeds=$2; shift 2 ;;
    --skip) skip=$2; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "parse.sh: unknown option $1" >&2; exit 2 ;;
    *) corpus=$1; shift ;;
    esac
done

mkdir -p "$out"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" >/dev/null
fi
cmake --build "$build" --target newsctl -j"$(nproc)" >/dev/null
cc -O2 $(pkg-config --cflags libxml-2.0) "$bench/dom_parse.c" $(pkg-config --libs libxml-2.0) \
    -o "$out/dom_parse"
# where newsd's time goes, stage by stage (optional: bench/out/stages FILE...)
cmake --build "$build" --target newsd_core -j"$(nproc)" >/dev/null
cc -O2 -I"$root/include" -I"$build/generated" "$bench/stages.c" "$build/libnewsd_core.a" \
    $(core_libs) -lm -o "$out/stages" 2>/dev/null ||
    echo "parse.sh: bench/out/stages not built (not needed for the figures)" >&2

if [ -z "$corpus" ]; then
    corpus=$out/corpus-$feeds
    if [ ! -f "$corpus/.done" ]; then
        rm -rf "$corpus"
        python3 "$bench/gen_corpus.py" "$corpus" --feeds "$feeds"
        touch "$corpus/.done"
    fi
fi

if command -v npm >/dev/null 2>&1 && [ ! -d "$bench/node_modules/feedsmith" ]; then
    (cd "$bench" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
        echo "parse.sh: npm ci failed: feedsmith and rss-parser left out" >&2
fi

exec python3 "$bench/bench.py" --corpus "$corpus" --newsctl "$build/newsctl" \
    --dom "$out/dom_parse" --rounds "$rounds" --skip "$skip" --json "$out/parse.json"
