#!/usr/bin/env bash
# A 3-task array sweep (attack seed 1, 2, 3) submitted by scripts/sweep_submit.py after its
# shared preparation job, gathered by scripts/sweep_gather.py into a 3-row table.
source "$(dirname "$0")/slurm_lib.sh"
cat > "$WORK/sweep.toml" <<TOML
job = "job.toml"
out_dir = "$WORK/sweep"
[axes]
"attack.seed" = [1, 2, 3]
TOML
ids=$(cd "$REPO" && python3 scripts/sweep_submit.py "$WORK/sweep.toml" -- --ntasks=2 --output="$WORK/sweep-%A_%a.out")
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
echo "sweep_array: 3 tasks gathered"
