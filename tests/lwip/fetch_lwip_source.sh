#!/usr/bin/env bash
# fetch_lwip_source.sh DIR - unpack Debian's lwIP source package (the version
# that matches the installed liblwip-dev) into DIR/lwip-<version>, unless it is
# there already, and print that path. Needs dpkg-dev and deb-src lines for the
# Debian suites; as root, adds them (deb822, /etc/apt/sources.list.d/
# lftrace-deb-src.sources) and runs apt-get update when `apt-get source` finds no
# source. Never writes into the repository: DIR must be outside it.
set -euo pipefail
dir=${1:?usage: fetch_lwip_source.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

found() { find "$dir" -maxdepth 4 -path '*/src/core/tcp.c' -printf '%h\n' 2>/dev/null | head -n 1; }
core=$(found)
if [ -n "$core" ]; then
  dirname "$(dirname "$core")"
  exit 0
fi

command -v dpkg-source >/dev/null || { echo "fetch_lwip_source: dpkg-dev is missing" >&2; exit 1; }
version=$(dpkg-query -W -f='${source:Version}' liblwip-dev 2>/dev/null || true)
spec=lwip${version:+=$version}

fetch() { (cd "$dir" && timeout 600 apt-get source -q --download-only "$spec" >&2 &&
           timeout 300 dpkg-source -x --no-check ./lwip_*.dsc >&2); }
if ! fetch; then
  if [ "$(id -u)" != 0 ]; then
    echo "fetch_lwip_source: apt-get source lwip failed and adding deb-src lines needs root" >&2
    exit 1
  fi
  list=/etc/apt/sources.list.d/lftrace-deb-src.sources
  echo "fetch_lwip_source: adding deb-src entries ($list), apt-get update" >&2
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  cat > "$list" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  timeout 900 apt-get update -q >&2
  fetch
fi
core=$(found)
[ -n "$core" ] || { echo "fetch_lwip_source: no src/core/tcp.c under $dir" >&2; exit 1; }
dirname "$(dirname "$core")"
