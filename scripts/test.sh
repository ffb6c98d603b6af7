#!/usr/bin/env bash
# Set up (packages, models, build) and run every test: unit, mpi and integration.
# Real LFW and the second extractor are read from $IRREV_SHARED (default ../shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/setup.sh"
export OMP_NUM_THREADS=1
ctest --test-dir "${IRREV_BUILD:-$here/build}" --output-on-failure -j "$(nproc)" "$@"
