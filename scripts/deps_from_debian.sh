#!/usr/bin/env bash
# deps_from_debian.sh OUT_DIR [--boost-headers]: fill OUT_DIR as IRREV_DEPS_DIR expects it
# (cmake/IrrevDependencies.cmake) from Debian's archive, for a machine that lacks the packages:
#   include/             the header-only libraries (fmt, spdlog, nlohmann/json, toml++, CLI11) and
#                        OpenSSL's headers, from their -dev packages; with --boost-headers also
#                        Boost's headers (libboost1.81-dev), for a build that must not see any other
#   boost_serialization/ Boost.Serialization's sources, from Debian's boost1.81 source package
# Used by scripts/device/bundle.sh (the lent GPU machine's kit) and by the unprivileged prefix
# build's test (tests/integration/cluster_build.sh). The downloads go through apt, which checks
# them; the deb-src entry it needs is added once (root).
set -euo pipefail
out="${1:?usage: deps_from_debian.sh OUT_DIR [--boost-headers]}"
boost_headers=0
[ "${2:-}" = --boost-headers ] && boost_headers=1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${IRREV_DEPS_CACHE:-$root/.cache/devdeps}"
mkdir -p "$out"/{include,boost_serialization} "$cache"

extract() {  # PACKAGE...: the packages' files under $cache/root
  (cd "$cache" && apt-get download -q "$@")
  local p
  for p in "$@"; do dpkg -x "$(ls -t "$cache/${p}"_*.deb | head -1)" "$cache/root"; done  # the newest
}

if [ ! -f "$out/include/CLI/CLI.hpp" ] || [ ! -f "$out/include/openssl/evp.h" ]; then
  extract libfmt-dev libspdlog-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libssl-dev
  for d in fmt spdlog nlohmann toml++ CLI openssl; do cp -r "$cache/root/usr/include/$d" "$out/include/"; done
  # OpenSSL keeps two configuration headers in the multiarch folder.
  cp "$cache"/root/usr/include/*-linux-gnu*/openssl/*.h "$out/include/openssl/"
fi
if [ "$boost_headers" = 1 ] && [ ! -f "$out/include/boost/version.hpp" ]; then
  extract libboost1.81-dev
  cp -r "$cache/root/usr/include/boost" "$out/include/"
fi

# Boost.Serialization sources (the .ipp files too: the XML grammar includes one).
if ! ls "$out/boost_serialization/"*.cpp > /dev/null 2>&1; then
  if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uris="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uris" > /etc/apt/sources.list.d/irrev-deb-src.sources
    apt-get update -q
  fi
  (cd "$cache" && apt-get source --download-only -q boost1.81)
  tarball="$(ls "$cache"/boost1.81_*.orig.tar.* | head -1)"
  mkdir -p "$cache/boost_src"
  tar -xf "$tarball" -C "$cache/boost_src" --wildcards '*/libs/serialization/src/*'
  cp "$cache"/boost_src/*/libs/serialization/src/*.{cpp,ipp} "$out/boost_serialization/"
fi
