#!/usr/bin/env bash
# Set up (packages, models, build) and run every test: unit, mpi, integration, slurm, cluster.
# The tests read real LFW from the first that exists, as the quickstart does: $IRREV_LFW, then
# $IRREV_SHARED/datasets/lfw (default ../shared), then the checksummed public download into the
# cache (scripts/fetch_lfw.sh; it has no gender lists, so the tests that read them say they are
# skipped). The second extractor: $IRREV_SECOND_EXTRACTOR, else ../shared/models (not
# redistributable: without it, its tests say they are skipped). Extra arguments go to ctest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IRREV_BUILD:-$here/build}"
shared="${IRREV_SHARED:-$here/../shared}"
lfw="${IRREV_LFW:-$shared/datasets/lfw}"
if [ -d "$lfw/lfw-deepfunneled" ] || [ -d "$lfw/lfw_funneled" ]; then
  echo "test: LFW from the local copy $lfw" >&2
else
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/irrev/lfw"
  echo "test: no LFW at $lfw; downloading it (checksummed) into $cache" >&2
  "$here/scripts/fetch_lfw.sh" "$cache" > /dev/null ||
    { echo "error: LFW could not be downloaded (above); give a local copy with IRREV_LFW=DIR" >&2; exit 2; }
  lfw="$cache"
fi
second="${IRREV_SECOND_EXTRACTOR:-$shared/models/mobilefacenet-128.onnx}"
if [ -f "$second" ]; then echo "test: the second extractor from $second" >&2
else echo "test: no second extractor at $second: the tests that need it are skipped" >&2; fi
[ -f "$lfw/male_names.txt" ] || echo "test: $lfw has no gender lists: the tests that read them are skipped" >&2

IRREV_SECOND_EXTRACTOR="$second" bash "$here/scripts/setup.sh"
# The test data the build's tests read (a change rebuilds only the test programs).
cmake "$build" -DIRREV_TEST_LFW="$lfw" -DIRREV_TEST_SECOND_EXTRACTOR="$second" > /dev/null
cmake --build "$build" --parallel "$(env -u OMP_NUM_THREADS nproc)"  # nproc obeys OMP_NUM_THREADS
export OMP_NUM_THREADS=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
