#!/usr/bin/env bash
# Set up and run the quickstart job (jobs/quickstart.toml) on this machine's cores:
# all of LFW -> crops -> fr_feature templates -> LFW accuracy and thresholds -> quick inverter ->
# the attack over 8 and 4 blocks -> the RSR table, in runs/quickstart/ (about 20 min on 2 cores).
# LFW comes from $IRREV_LFW, else ../shared/datasets/lfw, else its public download.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
lfw="${IRREV_LFW:-$here/../shared/datasets/lfw}"
if [ -d "$lfw/lfw-deepfunneled" ]; then
  export IRREV_LFW_IMAGES="$lfw/lfw-deepfunneled" IRREV_LFW_PAIRS="$lfw/pairs.txt" IRREV_LFW_GENDERS="$lfw"
  echo "quickstart: LFW from the local copy $lfw" >&2
else
  echo "quickstart: no local LFW at $lfw; downloading it (checksummed) into the cache" >&2
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/irrev/lfw"
  # Not inside `export`, whose own status would hide the download's failure from set -e.
  images="$("$here/scripts/fetch_lfw.sh" "$cache")" ||
    { echo "error: LFW could not be downloaded (above); give a local copy with IRREV_LFW=DIR" >&2; exit 2; }
  export IRREV_LFW_IMAGES="$images" IRREV_LFW_PAIRS="$cache/pairs.txt" IRREV_LFW_GENDERS=""
fi
ranks=$(( $(nproc) + 1 ))  # one worker per core, plus the master that hands out work
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
cd "$here"
mpiexec --oversubscribe -n "$ranks" "${IRREV_BUILD:-$here/build}/src/app/irrev" run jobs/quickstart.toml "$@"
