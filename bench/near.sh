#!/bin/sh
# bench/near.sh: the near-duplicate index at 10^4, 10^5 and 10^6 articles (bench/near_index.c).
#   bench/near.sh [MAX_ARTICLES]
# Builds newsd_core in $BUILD_DIR (default build-bench, the project's default build type) and
# bench/out/near_index against it, then runs it; docs/benchmarks.md has the figures.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
out=$root/bench/out
mkdir -p "$out"
cmake -S "$root" -B "$build" -DNEWSD_TESTS=OFF >/dev/null
cmake --build "$build" --target newsd_core -j2 >/dev/null
cc -O2 -g -D_GNU_SOURCE -I"$root/include" -I"$build/generated" "$root/bench/near_index.c" \
    "$build/libnewsd_core.a" $(pkg-config --libs libcurl libxml-2.0 libzmq libconfig jansson \
    sqlite3 libutf8proc libxxhash libsystemd) -lm -o "$out/near_index"
"$out/near_index" "${1:-1000000}"
