# small_job IRREV SHARED WORK (sourced): a small real job in WORK/job.toml (an LFW subset of 100
# subjects in WORK/data, fr_feature, all-vs-all thresholds, a 2-epoch quick inverter, 4 blocks
# exhaustive + 8 blocks stratified on 32 templates), its shared stages in WORK/common and its run
# folder WORK/run. Used by the SLURM fixtures (one node, and the namespace cluster).
source "$(dirname "${BASH_SOURCE[0]}")/../common/test_data.sh"  # LFW, need_genders
small_job() {
  local irrev="$1" shared="$2" work="$3"
  (
    source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh" "$irrev" "$shared" "$work/data"
    make_subset "$work/data/lfw" 100 2
  )
  cat > "$work/job.toml" <<TOML
[run]
out_dir = "$work/run"
work_dir = "$work/common"
[data]
images = "$work/data/lfw"
genders = "$LFW"
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[verify]
protocols = ["error-rates"]
blocks = []
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
epochs = 2
max_minutes = 0
[attack]
plans = ["4:exhaustive", "8:stratified:1"]
max_templates = 32
batch = 16
templates_per_unit = 16
permutations_per_unit = 2
checkpoint_seconds = 0
[gender]
blocks = [64]
folds = 5
TOML
}

# small_job_sweep WORK: WORK/sweep.toml, a 3-task sweep of the small job (attack seed 1, 2, 3)
# into WORK/sweep.
small_job_sweep() {
  cat > "$1/sweep.toml" <<TOML
job = "job.toml"
out_dir = "$1/sweep"
[axes]
"attack.seed" = [1, 2, 3]
TOML
}

# check_sweep_table WORK: gathers WORK/sweep (scripts/sweep_gather.py) into a table of 3
# complete rows, one per seed, each with its expected RSR.
check_sweep_table() {
  python3 "$REPO/scripts/sweep_gather.py" "$1/sweep" > "$1/sweep_table.csv"
  python3 - "$1/sweep_table.csv" <<'PY' || fail "sweep table: $(cat "$1/sweep_table.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3, rows
assert [r["attack.seed"] for r in rows] == ["1", "2", "3"], rows
assert all(r["status"] == "complete" for r in rows), rows
col = [c for c in rows[0] if c.endswith(":b8-stratified:expected:fmr0.01")]
assert col and all(r[col[0]] for r in rows), rows
PY
}
