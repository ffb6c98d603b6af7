#!/usr/bin/env bash
# fetch_lfw.sh DIR: LFW (funneled) and pairs.txt from their public mirror (the figshare files
# scikit-learn uses), checked against pinned sha256 sums, unpacked into DIR.
# Prints the image folder on stdout.
set -euo pipefail
dir="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$dir"
if [ ! -d "$dir/lfw_funneled" ]; then
  curl -fL --retry 3 -o "$dir/lfw-funneled.tgz" https://ndownloader.figshare.com/files/5976015
  "$here/check_sha256.sh" "$dir/lfw-funneled.tgz" b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a
  tar -xzf "$dir/lfw-funneled.tgz" -C "$dir"
  rm -f "$dir/lfw-funneled.tgz"
fi
if [ ! -f "$dir/pairs.txt" ]; then
  curl -fL --retry 3 -o "$dir/pairs.txt" https://ndownloader.figshare.com/files/5976006
  "$here/check_sha256.sh" "$dir/pairs.txt" ea42330c62c92989f9d7c03237ed5d591365e89b3e649747777b70e692dc1592
fi
echo "$dir/lfw_funneled"
