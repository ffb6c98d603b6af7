#!/usr/bin/env bash
# A 3-task array sweep (attack seed 1, 2, 3) submitted by scripts/sweep_submit.py after its
# shared preparation job, gathered by scripts/sweep_gather.py into a 3-row table.
source "$(dirname "$0")/slurm_lib.sh"
small_job_sweep "$WORK"
ids=$(cd "$REPO" && python3 scripts/sweep_submit.py "$WORK/sweep.toml" -- --ntasks=2 --output="$WORK/sweep-%A_%a.out")
array=$(echo "$ids" | python3 -c "import json,sys; print(json.load(sys.stdin)['array_job'])")
slurm_wait "$array" 900
check_sweep_table "$WORK"
echo "sweep_array: 3 tasks gathered"
