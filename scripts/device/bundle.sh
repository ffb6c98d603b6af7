#!/usr/bin/env bash
# bundle.sh RUN_DIR: fill .devdeps/ (ignored by git) with what the lent GPU machine lacks, for
# `device run` to carry (64 MiB at most in all, with the working tree):
#   include/             header-only libraries and OpenSSL's headers, from Debian's packages
#   boost_serialization/ Boost.Serialization's sources, from Debian's boost1.81 source package
#   models/              the TorchScript extractor(s) made here by `irrev import-onnx`
#   inputs/              RUN_DIR's crops.h5 as JPEG (scripts/device/crops_jpeg.py) and its
#                        verify_<extractor>.h5 (the FMR thresholds from all-vs-all impostors)
# Everything comes from Debian's archive (checked by apt) or from this machine's own runs.
# Usage: scripts/device/bundle.sh runs/quickstart [extractor=fr_feature] [models_dir]
set -euo pipefail
run="${1:?usage: bundle.sh RUN_DIR [extractor] [models_dir]}"
ext="${2:-fr_feature}"
models="${3:-${IRREV_MODELS:-$HOME/.local/share/irrev/models}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.devdeps"
cache="$root/.cache/devdeps"
mkdir -p "$out"/{include,boost_serialization,models,inputs} "$cache"

for f in "$run/crops.h5" "$run/verify_$ext.h5" "$models/$ext.pt"; do
  [ -f "$f" ] || { echo "bundle: '$f' is missing (run the quickstart first, or name another run)" >&2; exit 1; }
done

# Header-only libraries and OpenSSL's headers: the -dev packages' /usr/include.
if [ ! -f "$out/include/CLI/CLI.hpp" ] || [ ! -f "$out/include/openssl/evp.h" ]; then
  (cd "$cache" && apt-get download -q libfmt-dev libspdlog-dev nlohmann-json3-dev libtomlplusplus-dev \
                                    libcli11-dev libssl-dev)
  for deb in "$cache"/*.deb; do dpkg -x "$deb" "$cache/root"; done
  cp -r "$cache/root/usr/include/." "$out/include/"
  # OpenSSL keeps two configuration headers in the multiarch folder.
  cp "$cache/root/usr/include/x86_64-linux-gnu/openssl/"*.h "$out/include/openssl/"
  rm -rf "$out/include/x86_64-linux-gnu"
fi

# Boost.Serialization sources (the .ipp files too: the XML grammar includes one).
if ! ls "$out/boost_serialization/"*.cpp > /dev/null 2>&1; then
  src_list=/etc/apt/sources.list.d/irrev-deb-src.sources
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uris="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uris" > "$src_list"
    apt-get update -q
  fi
  (cd "$cache" && apt-get source --download-only -q boost1.81)
  tarball="$(ls "$cache"/boost1.81_*.orig.tar.* | head -1)"
  mkdir -p "$cache/boost_src"
  tar -xf "$tarball" -C "$cache/boost_src" --wildcards '*/libs/serialization/src/*'
  cp "$cache"/boost_src/*/libs/serialization/src/*.{cpp,ipp} "$out/boost_serialization/"
fi

cp "$models/$ext.pt" "$out/models/"
cp "$run/verify_$ext.h5" "$out/inputs/"
if [ ! -f "$out/inputs/lfw_crops_jpeg.h5" ] || [ "$run/crops.h5" -nt "$out/inputs/lfw_crops_jpeg.h5" ]; then
  /usr/bin/python3 "$root/scripts/device/crops_jpeg.py" pack "$run/crops.h5" "$out/inputs/lfw_crops_jpeg.h5" --quality 80
fi
du -sh "$out" "$out"/*
