#!/usr/bin/env bash
# fetch_models.sh DIR: the face models of faceplugin-face-recognition-js@0.0.1 from the npm
# registry into DIR, each checked against its pinned sha256 (other bytes are refused).
# The package's licence file is an MIT text; the models come from a commercial vendor.
set -euo pipefail
dir="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pkg=faceplugin-face-recognition-js@0.0.1
tgz_sha=7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba
declare -A sums=(
  [fr_feature.onnx]=87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581
  [fr_detect.onnx]=6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854
  [fr_landmark.onnx]=f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258
  [fr_gender.onnx]=a003e8392a617ca834c7ca2c01e0895f5c354217fb56cd0373935e6e9b9c396e
)
mkdir -p "$dir"
have_all=1
for f in "${!sums[@]}"; do
  if [ -f "$dir/$f" ] && [ "$(sha256sum "$dir/$f" | cut -d' ' -f1)" = "${sums[$f]}" ]; then :; else have_all=0; fi
done
if [ "$have_all" = 1 ]; then
  echo "[models] present and verified in $dir" >&2
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "[models] fetching $pkg from the npm registry" >&2
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
"$here/check_sha256.sh" "$tmp"/faceplugin-face-recognition-js-0.0.1.tgz "$tgz_sha"
tar -xzf "$tmp"/faceplugin-face-recognition-js-0.0.1.tgz -C "$tmp"
for f in "${!sums[@]}"; do
  "$here/check_sha256.sh" "$tmp/package/model/$f" "${sums[$f]}"
  install -m 0644 "$tmp/package/model/$f" "$dir/$f"
done
echo "[models] installed ${#sums[@]} models into $dir" >&2
