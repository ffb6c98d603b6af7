#!/usr/bin/env bash
# A 3-task sweep array (attack seed 1, 2, 3) whose tasks each take a whole node (--exclusive),
# so that they run on three different nodes, submitted by scripts/sweep_submit.py from the
# controller's namespace and gathered by scripts/sweep_gather.py into a complete 3-row table.
source "$(dirname "$0")/cluster_lib.sh"
small_job_sweep "$WORK"
ids=$(cd "$REPO" && on_ctl python3 scripts/sweep_submit.py "$WORK/sweep.toml" -- --ntasks=2 --exclusive \
  --output="$WORK/sweep-%A_%a.out")
array=$(echo "$ids" | python3 -c "import json,sys; print(json.load(sys.stdin)['array_job'])")
slurm_wait "$array" 900
check_sweep_table "$WORK"
hosts=$(for i in 0 1 2; do grep -h "MPI:" "$WORK/sweep/task_$i/logs/rank0.log" | tail -1 | sed 's/.*: \(n[0-9]\) (.*/\1/'; done)
[ "$(echo "$hosts" | sort -u | wc -l)" = 3 ] || fail "the tasks did not land on three nodes: $hosts"
echo "sweep_3_nodes: 3 tasks on $(echo $hosts) gathered"
