#!/bin/sh
# Build the Debian package: tools/build-deb.sh [OUTDIR]   (default OUTDIR: build-deb/)
#
# dpkg-buildpackage builds in the source folder and writes the packages beside it, so this
# builds a copy of the tree (the files git knows, or every file but build folders when there
# is no git) in a temporary folder and moves the results to OUTDIR: newsd_VERSION_ARCH.deb,
# its -dbgsym package, .buildinfo and .changes.  Needs debhelper (tools/deps.sh installs it).
# DEB_BUILD_OPTIONS is passed on (default "parallel=2"; "nocheck" skips the unit tests).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in dpkg-buildpackage dh; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "build-deb: $tool is missing (apt-get install debhelper, or sh tools/deps.sh)" >&2
    exit 1
  }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/newsd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/newsd"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # tracked files and new ones not ignored (build folders, node_modules, bench/out are)
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
     xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh) >"$work/files"
  tar -C "$src" -cf - -T "$work/files" | tar -C "$work/newsd" -xf -
else
  tar -C "$src" --exclude='./build*' --exclude=node_modules --exclude=./bench/out \
      --exclude=.git -cf - . | tar -C "$work/newsd" -xf -
fi

(cd "$work/newsd" &&
   DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-parallel=2}" dpkg-buildpackage -b -us -uc)
for f in "$work"/*.deb "$work"/*.ddeb "$work"/*.buildinfo "$work"/*.changes; do
  [ -e "$f" ] && mv -f "$f" "$out/"
done
ls "$out"/newsd_*.deb
