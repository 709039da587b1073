#!/bin/sh
# Install what newsd needs to build, run and test, on Debian 12 (as root).
set -e
# debhelper builds the package (tools/build-deb.sh); systemd brings systemd-analyze, with which
# tests/integration/test_package.py verifies the unit (installing it starts nothing).
export DEBIAN_FRONTEND=noninteractive
pkgs="build-essential cmake pkg-config
  libcurl4-openssl-dev libxml2-dev libzmq3-dev libconfig-dev libjansson-dev libsqlite3-dev
  libutf8proc-dev libxxhash-dev libsystemd-dev libnats-dev libmicrohttpd-dev libpcre2-dev check
  python3 python3-zmq python3-jsonschema bash-completion ca-certificates iproute2 sqlite3
  nats-server
  debhelper systemd"
# Node.js and npm run the Node example subscriber in the tests (examples/node): Debian's, but
# only on a machine that has neither (Debian's npm conflicts with a Node.js from elsewhere).
if ! command -v node >/dev/null 2>&1 && ! command -v npm >/dev/null 2>&1; then
  pkgs="$pkgs nodejs npm"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing="$missing $p"
done
if [ -n "$(echo $missing)" ]; then
  apt-get update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $pkgs >/dev/null
fi
