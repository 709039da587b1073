#!/bin/sh
# tests/fuzz/run.sh [SECONDS]: build the libFuzzer targets with clang and run
# each for SECONDS (default 60).  Exits non-zero when a target finds a crash,
# a leak or a sanitizer report; the input that did it is saved in
# tests/fuzz/crashes/ (not committed) and can be replayed with
#   build-fuzz/fuzz_parse tests/fuzz/crashes/FILE
# Needs clang and libclang-rt-dev (Debian 12: clang-14 libclang-rt-14-dev).
# Environment: FUZZ_BUILD_DIR (default build-fuzz), CC (default clang),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1).
set -eu

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DNEWSD_FUZZ=ON -DNEWSD_TESTS=OFF -DNEWSD_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzz_parse fuzz_html fuzz_request fuzz_config fuzz_date fuzz_url \
    fuzz_opml \
    -j"$(nproc)" >/dev/null

mkdir -p "$here/crashes"
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
status=0
run() {
    target=$1
    case $target in
    fuzz_parse | fuzz_html | fuzz_opml) dict=$here/feed.dict ;;
    *) dict= ;;
    esac
    max_len=$2
    shift 2
    work=$build/corpus-$target
    mkdir -p "$work"
    echo "== $target: $seconds s"
    par=
    if [ "$jobs" -gt 1 ]; then
        par="-jobs=$jobs -workers=$jobs"
    fi
    # the first folder collects what the fuzzer finds; the others are seeds only
    # shellcheck disable=SC2086
    if ! (cd "$build" && "$build/$target" -max_total_time="$seconds" -max_len="$max_len" \
        -timeout=20 -rss_limit_mb=2048 ${dict:+-dict="$dict"} \
        -artifact_prefix="$here/crashes/$target-" -print_final_stats=1 $par \
        "$work" "$@" 2>"$build/$target.log"); then
        status=1
        echo "$target: FAILED, see $build/$target.log and tests/fuzz/crashes/" >&2
    fi
    grep -E "^(stat::|Done|#[0-9]+ +DONE)" "$build/$target.log" | tail -4 || true
}
run fuzz_parse 16384 "$here/corpus/parse" "$root/tests/data/parse" "$root/tests/data/feeds"
run fuzz_html 16384 "$here/corpus/html"
run fuzz_request 4096 "$here/corpus/request"
run fuzz_config 8192 "$here/corpus/config"
run fuzz_date 256 "$here/corpus/date"
run fuzz_url 4096 "$here/corpus/url"
run fuzz_opml 16384 "$here/corpus/opml"
exit $status
