#!/bin/sh
# bench/dedupe.sh [MAX_ARTICLES [DIR [WINDOW]]]: what admitting an article costs as the store remembers
# 10^4, 10^5 and 10^6 of them (bench/dedupe.c); docs/benchmarks.md has the figures.
# Builds newsd_core in $BUILD_DIR (default build-bench) and bench/out/dedupe against it; the
# figures also go to bench/out/dedupe-WINDOW.json (bench/charts.py draws them).
# 10^6 takes about 15 minutes and 2 GB of memory, and writes about 8 GB under DIR
# (default /tmp/newsd-bench-dedupe, removed first).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/core_libs.sh"
build=${BUILD_DIR:-$root/build-bench}
out=$root/bench/out
mkdir -p "$out"
cmake -S "$root" -B "$build" -DNEWSD_TESTS=OFF >/dev/null
cmake --build "$build" --target newsd_core -j2 >/dev/null
cc -O2 -g -D_GNU_SOURCE -I"$root/include" -I"$build/generated" "$root/bench/dedupe.c" \
    "$build/libnewsd_core.a" $(core_libs) -lm -lpthread -o "$out/dedupe"
"$out/dedupe" "${1:-1000000}" "${2:-/tmp/newsd-bench-dedupe}" "${3:-0}" "$out/dedupe-${3:-0}.json"
