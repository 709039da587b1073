#!/bin/sh
# bench/near.sh: the near-duplicate signature and index (bench/near_sig.c, bench/near_index.c).
#   bench/near.sh [MAX_ARTICLES]          the index at 10^4, 10^5 ... MAX_ARTICLES (default 10^6)
#   bench/near.sh sig [ITEMS.jsonl...]    the signature's cost (synthetic articles, or the
#                                         articles `newsctl parse` printed to ITEMS.jsonl)
# Builds newsd_core in $BUILD_DIR (default build-bench, the project's default build type) and
# bench/out/near_index and bench/out/near_sig against it, then runs one; docs/benchmarks.md has
# the figures. The index's figures also go to bench/out/near-index.json (for bench/charts.py).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/bench/core_libs.sh"
build=${BUILD_DIR:-$root/build-bench}
out=$root/bench/out
mkdir -p "$out"
cmake -S "$root" -B "$build" -DNEWSD_TESTS=OFF >/dev/null
cmake --build "$build" --target newsd_core -j2 >/dev/null
libs=$(core_libs)
for b in near_index near_sig; do
    # shellcheck disable=SC2086
    cc -O2 -g -D_GNU_SOURCE -I"$root/include" -I"$build/generated" "$root/bench/$b.c" \
        "$build/libnewsd_core.a" $libs -lm -o "$out/$b"
done
if [ "${1:-}" = sig ]; then
    shift
    exec "$out/near_sig" "$@"
fi
exec "$out/near_index" "${1:-1000000}" "$out/near-index.json"
