#!/usr/bin/env bash
# Set up (packages, models, build) and run every test: unit, mpi and integration.
# Real LFW and the second extractor are read from $IRREV_SHARED (default ../shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${IRREV_SHARED:-$here/../shared}"
if [ ! -d "$shared/datasets/lfw/lfw-deepfunneled" ]; then
  echo "error: the tests read real LFW from $shared/datasets/lfw, which is missing (set IRREV_SHARED)" >&2
  exit 2
fi
bash "$here/scripts/setup.sh"
export OMP_NUM_THREADS=1
ctest --test-dir "${IRREV_BUILD:-$here/build}" --output-on-failure -j "$(nproc)" "$@"
