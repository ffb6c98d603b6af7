#!/usr/bin/env bash
# Fixture: start a local SLURM in WORK/slurm and write a small real job (an LFW subset,
# fr_feature, all-vs-all thresholds, a 2-epoch quick inverter, 4 blocks exhaustive + 8 blocks
# stratified on 32 templates) whose shared stages live in WORK/common. Exit 77 (skipped) only
# where slurm-wlm is not installed or the LFW copy has no gender lists.
set -euo pipefail
IRREV="$1" SHARED="$2" WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/local_slurm.sh"
if ! slurm_available; then
  echo "SKIP: slurm-wlm/munge are not installed (scripts/setup.sh installs them)" >&2
  exit 77
fi
[ -f "$WORK/slurm/slurmctld.pid" ] && kill "$(cat "$WORK/slurm/slurmctld.pid")" 2> /dev/null || true
rm -rf "$WORK"
mkdir -p "$WORK"
source "$HERE/small_job.sh"
need_genders  # the small job's gender stage
small_job "$IRREV" "$SHARED" "$WORK"
slurm_start "$WORK/slurm"
echo "local SLURM up in $WORK/slurm"
