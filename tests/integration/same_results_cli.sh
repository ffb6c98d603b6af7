#!/usr/bin/env bash
# scripts/same_results.py, the acceptance test of behaviour-preserving changes, on real runs: a
# small study (LFW subset, every stage from images to the attacks) run on 1 rank and on 3 ranks
# gives the same results file by file (the engine's rank-count rule); one value changed in an
# attack file, or one crop, is a difference named by file and dataset; a changed time is not.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
SAME="$(dirname "$0")/../../scripts/same_results.py"
make_subset "$WORK/lfw" 40 2
cat > "$WORK/job.toml" <<TOML
[data]
images = "$WORK/lfw"
genders = "$LFW"
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[verify]
protocols = ["error-rates"]
blocks = [64]
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
epochs = 1
[attack]
plans = ["4:exhaustive", "8:stratified:1"]
modes = ["plain", "unshuffled"]
unshuffle_model = "full"
max_templates = 16
batch = 8
templates_per_unit = 8
TOML
# One process as a user starts it (no launcher binding it to one core: the training's thread
# count, which its weights depend on, is the cores it may run on, as for the 3-rank trainer).
"$IRREV" --no-progress run "$WORK/job.toml" --run-dir "$WORK/np1" > /dev/null
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress run "$WORK/job.toml" --run-dir "$WORK/np3" > /dev/null
"$SAME" "$WORK/np1" "$WORK/np3" > "$WORK/same.txt" || fail "1 and 3 ranks differ: $(cat "$WORK/same.txt")"
grep -q "0 differences" "$WORK/same.txt" || fail "$(cat "$WORK/same.txt")"

# A changed time is no difference; a changed count or crop pixel is, named.
cp -r "$WORK/np3" "$WORK/changed"
/usr/bin/python3 - "$WORK/changed" <<'PY'
import json, sys, h5py
run = sys.argv[1]
s = json.load(open(f"{run}/summary.json"))
s["job"]["attack"]["fr_feature"]["seconds"] += 100
json.dump(s, open(f"{run}/summary.json", "w"))
PY
"$SAME" "$WORK/np1" "$WORK/changed" > /dev/null || fail "a changed time counted as a difference"
/usr/bin/python3 - "$WORK/changed" <<'PY'
import sys, h5py
with h5py.File(f"{sys.argv[1]}/attack_fr_feature.h5", "r+") as f:
    d = f["plans/b4-exhaustive/counts"]
    v = d[()]
    v.flat[0] += 1
    d[...] = v
PY
set +e
"$SAME" "$WORK/np1" "$WORK/changed" > "$WORK/diff.txt"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "attack_fr_feature.h5: 'plans/b4-exhaustive/counts': values differ" "$WORK/diff.txt" \
  || fail "a changed count went unnoticed (rc $rc): $(cat "$WORK/diff.txt")"
echo "same_results_cli: 1 rank = 3 ranks, file by file; a changed count is found"
