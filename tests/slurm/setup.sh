#!/usr/bin/env bash
# Fixture: start a local SLURM in WORK/slurm and write a small real job (an LFW subset,
# fr_feature, all-vs-all thresholds, a 2-epoch quick inverter, 4 blocks exhaustive + 8 blocks
# stratified on 32 templates) whose shared stages live in WORK/common. Exit 77 (skipped) only
# where slurm-wlm is not installed.
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
ROOT="$WORK"
source "$HERE/../integration/lib.sh" "$IRREV" "$SHARED" "$ROOT/data"  # (sets WORK to the data folder)
WORK="$ROOT"
make_subset "$WORK/data/lfw" 100 2
cat > "$WORK/job.toml" <<TOML
[run]
out_dir = "$WORK/run"
work_dir = "$WORK/common"
[data]
images = "$WORK/data/lfw"
genders = "$SHARED/datasets/lfw"
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
slurm_start "$WORK/slurm"
echo "local SLURM up in $WORK/slurm"
