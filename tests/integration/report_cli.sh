#!/usr/bin/env bash
# A small study from images to the report, as a user runs it: `irrev run` on 3 ranks with both
# attacks (plain and unshuffled) and the gender SVMs; the printed table carries the sentence
# that compares them with the unprotected RSR. Then the run folder is copied elsewhere (as from
# a cluster's scratch to a laptop) and `irrev report` runs on the copy from another folder: it
# finds every stage's files from the run folder, and puts the reference study's tables beside.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
make_subset "$WORK/lfw" 100 2
cat > "$WORK/job.toml" <<TOML
[run]
out_dir = "$WORK/runs/study"
work_dir = "$WORK/runs/shared"
[data]
images = "$WORK/lfw"
pairs = "$WORK/lfw.pairs.txt"
genders = "$LFW"
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[verify]
protocols = ["lfw-view2", "error-rates"]
blocks = []
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
epochs = 2
[attack]
plans = ["4:exhaustive", "8:stratified:1"]
modes = ["plain", "unshuffled"]
unshuffle_model = "full"
max_templates = 32
batch = 16
templates_per_unit = 16
[gender]
blocks = [64, 128]
folds = 3
TOML
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress run "$WORK/job.toml" > "$WORK/table.txt"
grep -q "| fr_feature | unshuffled | b4-exhaustive |" "$WORK/table.txt" || fail "no unshuffled rows: $(cat "$WORK/table.txt")"
grep -q "fr_feature, PE-MIU with 8 blocks (b8-stratified): an attacker who inverts the protected template as it is" \
  "$WORK/table.txt" || fail "no headline: $(cat "$WORK/table.txt")"
python3 - "$WORK/runs/study/summary.json" <<'PY' || fail "summary.json"
import json, sys
d = json.load(open(sys.argv[1]))
modes = {r["mode"] for r in d["expected_rsr_uniform"]}
assert modes == {"plain", "unshuffled"}, modes
assert len(d["headline"]) == 2, d["headline"]
assert d["job"]["work_dir_from_run"] == "../shared", d["job"]["work_dir_from_run"]
# The unshuffled attack recovers the order from the blocks' contents: its RSR is the same at
# every complexity of a plan (the plain attack's falls with complexity).
for plan in ("b4-exhaustive", "b8-stratified"):
    rows = [r for r in d["rsr"] if r["mode"] == "unshuffled" and r["plan"] == plan and r["type"] == "I" and r["fmr"] == 0.01]
    assert len({round(r["mean"], 9) for r in rows}) == 1, rows
PY
# The run folder and the stage folder it names, copied together elsewhere; reported from /.
mkdir -p "$WORK/moved"
cp -r "$WORK/runs/study" "$WORK/runs/shared" "$WORK/moved/"
rm -rf "$WORK/runs"
(cd / && "$IRREV" report "$WORK/moved/study") > "$WORK/report.out"
md="$WORK/moved/study/report/report.md"
[ "$(cat "$WORK/report.out")" = "$md" ] || fail "report path: $(cat "$WORK/report.out")"
grep -q "## What PE-MIU protects" "$md" || fail "no headline in the report"
grep -q "### Attack: unshuffled" "$md" || fail "no unshuffled attack in the report"
grep -q "## The reference study's tables" "$md" || fail "the reference study's tables are not there by default"
grep -q "arcface_rsr_fmr0.1" "$md" || fail "no reference RSR table"
for png in det_fr_feature.png rsr_fr_feature_b4-exhaustive.png rsr_fr_feature_unshuffled_b4-exhaustive.png \
  spread_fr_feature_b8-stratified.png reconstructions_fr_feature.png training_curves_fr_feature.png; do
  python3 -c "import sys; assert open(sys.argv[1], 'rb').read(8) == b'\x89PNG\r\n\x1a\n'" "$WORK/moved/study/report/$png" \
    || fail "no $png"
done
(cd / && "$IRREV" report "$WORK/moved/study" --reference none) > /dev/null
! grep -q "## The reference study's tables" "$md" || fail "--reference none kept the reference tables"
echo "report_cli: run -> table with headline -> report of a moved run folder"
