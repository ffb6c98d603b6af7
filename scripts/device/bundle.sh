#!/usr/bin/env bash
# bundle.sh RUN_DIR [extractor=fr_feature] [models_dir]: fill .devdeps/ (ignored by git) with what
# the lent GPU machine lacks, for `device run` to carry (64 MiB at most in all, with the working
# tree), and what scripts/device/gpu_run.sh checks it against:
#   include/             header-only libraries and OpenSSL's headers, from Debian's packages
#   boost_serialization/ Boost.Serialization's sources, from Debian's boost1.81 source package
#                        (both by scripts/deps_from_debian.sh)
#   models/              the TorchScript extractor made here by `irrev import-onnx`
#   inputs/              RUN_DIR's crops.h5 as JPEG (scripts/device/crops_jpeg.py) and its
#                        verify_<extractor>.h5 (the FMR thresholds from all-vs-all impostors)
#   inputs/small/        the small attack's kit: the 64 evaluation templates RUN_DIR's inverter is
#                        attacked on (8:stratified:1) and their type-II images, ingested and
#                        embedded here (templates.h5, exact: the GPU must not embed them again),
#                        their crops as JPEG (only their names and detection scores are read),
#                        the inverter, and the CPU's fp32 attack of them (reference_fp32.h5 and
#                        .json): the GPU's fp32 counts must equal these
#   carry/               (kept) what a GPU call sent back in OUT/carry/: the study's checkpoint
#                        and its inverter, continued by the next call
# Everything comes from Debian's archive (checked by apt) or from this machine's own runs.
# IRREV_BUNDLE_DIR: where (default .devdeps). IRREV_BUNDLE_DEPS=0: inputs only (the CPU rehearsal
# of tests/integration/gpu_rehearsal.sh). IRREV_LFW: the LFW folder the run was made from
# (default $IRREV_SHARED/datasets/lfw, IRREV_SHARED defaulting to ../shared). IRREV_BUILD: the build.
set -euo pipefail
run="${1:?usage: bundle.sh RUN_DIR [extractor] [models_dir]}"
ext="${2:-fr_feature}"
models="${3:-${IRREV_MODELS:-$HOME/.local/share/irrev/models}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${IRREV_BUNDLE_DIR:-$root/.devdeps}"
cache="$root/.cache/devdeps"
lfw="${IRREV_LFW:-${IRREV_SHARED:-$root/../shared}/datasets/lfw}"
bin="${IRREV_BUILD:-$root/build}/src/app/irrev"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"/{models,inputs/small} "$cache"

inverter="$run/inverter_$ext/inverter.pt"
for f in "$run/crops.h5" "$run/templates_$ext.h5" "$run/verify_$ext.h5" "$inverter" "$models/$ext.pt" "$bin"; do
  [ -f "$f" ] || { echo "bundle: '$f' is missing (run the quickstart first, or name another run)" >&2; exit 1; }
done
[ -d "$lfw/lfw-deepfunneled" ] || { echo "bundle: no LFW at '$lfw' (set IRREV_LFW)" >&2; exit 1; }

# The header-only libraries, OpenSSL's headers and Boost.Serialization's sources.
if [ "${IRREV_BUNDLE_DEPS:-1}" != 0 ]; then
  bash "$root/scripts/deps_from_debian.sh" "$out"
fi

cp "$models/$ext.pt" "$out/models/"
cp "$run/verify_$ext.h5" "$out/inputs/"
if [ ! -f "$out/inputs/lfw_crops_jpeg.h5" ] || [ "$run/crops.h5" -nt "$out/inputs/lfw_crops_jpeg.h5" ]; then
  /usr/bin/python3 "$root/scripts/device/crops_jpeg.py" pack "$run/crops.h5" "$out/inputs/lfw_crops_jpeg.h5" --quality 80
fi

# --- the small attack's kit ---------------------------------------------------------------------
kit="$out/inputs/small"
if [ ! -f "$kit/reference_fp32.json" ] || [ "$inverter" -nt "$kit/reference_fp32.json" ]; then
  tmp="$cache/small"
  rm -rf "$tmp" "$kit" && mkdir -p "$tmp" "$kit"
  attack_small() {  # OUT TEMPLATES CROPS: the small attack, fp32 on the CPU
    mpiexec --oversubscribe -n 3 "$bin" --no-progress attack --templates "$2" --crops "$3" \
      --extractor "$models/$ext.pt" --inverter "$inverter" --thresholds "$run/verify_$ext.h5" --out "$1.h5" \
      --plan 8:stratified:1 --max-templates 64 --batch 64 --templates-per-unit 64 --precision fp32 --device cpu \
      > "$1.json"
  }
  # Which 64 templates the run's inverter is attacked on, and their type-II images: a list to ingest.
  attack_small "$tmp/select" "$run/templates_$ext.h5" "$run/crops.h5"
  /usr/bin/python3 - "$tmp/select.h5" "$run/crops.h5" "$tmp/list.csv" << 'PY'
import h5py, sys
sel, crops, out = sys.argv[1:]
with h5py.File(sel, "r") as a, h5py.File(crops, "r") as c:
    rows = [int(r) for r in a["selection/row"][()]] + [int(r) for r in a["selection/second_row"][()] if r >= 0]
    path = [p.decode() for p in c["images/path"][()]]
    subject = [s.decode() for s in c["images/subject"][()]]
    gender = c["images/gender"][()]
with open(out, "w") as f:
    f.write("path,subject,gender\n")
    for r in sorted(set(rows)):
        f.write(f"{path[r]},{subject[r]},{ {0: 'female', 1: 'male'}.get(int(gender[r]), '')}\n")
print(f"bundle: the small kit holds {len(set(rows))} images")
PY
  images_dir="$(h5dump -a images_dir "$run/crops.h5" | sed -n 's/.*(0): "\(.*\)".*/\1/p')"
  [ -d "$images_dir" ] || images_dir="$lfw/lfw-deepfunneled"
  "$bin" --no-progress ingest --images "$images_dir" --layout list --list "$tmp/list.csv" --out "$tmp/crops.h5" > /dev/null
  "$bin" --no-progress embed --crops "$tmp/crops.h5" --model "$models/$ext.pt" --out "$kit/templates.h5" > /dev/null
  attack_small "$kit/reference_fp32" "$kit/templates.h5" "$tmp/crops.h5"
  /usr/bin/python3 "$root/scripts/device/crops_jpeg.py" pack "$tmp/crops.h5" "$kit/crops_jpeg.h5" --quality 80
  cp "$inverter" "$kit/inverter.pt"
fi
du -sh "$out" "$out"/* "$kit"
