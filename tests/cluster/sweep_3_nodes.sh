#!/usr/bin/env bash
# A 3-task sweep array (attack seed 1, 2, 3) whose tasks each take a whole node (--exclusive),
# so that they run on three different nodes, submitted by scripts/sweep_submit.py from the
# controller's namespace and gathered by scripts/sweep_gather.py into a complete 3-row table.
source "$(dirname "$0")/cluster_lib.sh"
cat > "$WORK/sweep.toml" <<TOML
job = "job.toml"
out_dir = "$WORK/sweep"
[axes]
"attack.seed" = [1, 2, 3]
TOML
ids=$(cd "$REPO" && on_ctl python3 scripts/sweep_submit.py "$WORK/sweep.toml" -- --ntasks=2 --exclusive \
  --output="$WORK/sweep-%A_%a.out")
array=$(echo "$ids" | python3 -c "import json,sys; print(json.load(sys.stdin)['array_job'])")
slurm_wait "$array" 900
python3 "$REPO/scripts/sweep_gather.py" "$WORK/sweep" > "$WORK/sweep_table.csv"
python3 - "$WORK/sweep_table.csv" <<'PY' || fail "sweep table: $(cat "$WORK/sweep_table.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, rows
assert [r["attack.seed"] for r in rows] == ["1", "2", "3"], rows
assert all(r["status"] == "complete" for r in rows), rows
col = [c for c in rows[0] if c.endswith(":b8-stratified:expected:fmr0.01")]
assert col and all(r[col[0]] for r in rows), rows
PY
hosts=$(for i in 0 1 2; do grep -h "MPI:" "$WORK/sweep/task_$i/logs/rank0.log" | tail -1 | sed 's/.*: \(n[0-9]\) (.*/\1/'; done)
[ "$(echo "$hosts" | sort -u | wc -l)" = 3 ] || fail "the tasks did not land on three nodes: $hosts"
echo "sweep_3_nodes: 3 tasks on $(echo $hosts) gathered"
