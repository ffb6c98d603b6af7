#!/usr/bin/env bash
# The GPU call rehearsed on the CPU (scripts/device/gpu_run.sh --rehearse): every step of a lent
# machine's call, in its order and through its code, with tiny sizes, so that a broken step fails
# here and not on the GPU. From a real LFW subset: a run folder, its kit (scripts/device/bundle.sh
# without the GPU's build dependencies), then
#   1. a call whose study is stopped (SIGUSR1) after one unit: every other step done, the small
#      attack's fp32 counts equal to the kit's CPU reference, the checkpoint and the inverter in
#      OUT/carry/, and the table of steps printed;
#   2. a call as on the next lent machine (a fresh work folder, the carried checkpoint and
#      inverter): the inverter is not trained again, the study continues and completes with the
#      counts of the same study run straight through;
#   3. a step that hangs (its input a FIFO nobody writes) ends at its time limit ("timed out")
#      and a budget that runs out skips the rest ("skipped for time"), with the table printed
#      all the same.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="$(cd "$(dirname "$IRREV")/../.." && pwd)"
GPU_RUN="$ROOT/scripts/device/gpu_run.sh"

# A run folder as the quickstart leaves it, from 2 folds x 50 pairs of each kind.
make_subset "$WORK/lfw" 50 2
run="$WORK/run"
mkdir -p "$run"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" --genders "$LFW" \
  --out "$run/crops.h5" > /dev/null
"$IRREV" --no-progress embed --crops "$run/crops.h5" --model "$MODELS/fr_feature.pt" \
  --out "$run/templates_fr_feature.h5" > /dev/null
"$IRREV" --no-progress verify --templates "$run/templates_fr_feature.h5" --protocol error-rates \
  --pairs all-vs-all --blocks 64 --out "$run/verify_fr_feature.h5" > /dev/null
"$IRREV" --no-progress train-inverter --crops "$run/crops.h5" --templates "$run/templates_fr_feature.h5" \
  --extractor "$MODELS/fr_feature.pt" --out "$run/inverter_fr_feature" --preset quick-cpu --epochs 1 > /dev/null

kit="$WORK/kit"
IRREV_BUNDLE_DIR="$kit" IRREV_BUNDLE_DEPS=0 IRREV_LFW="$LFW" IRREV_BUILD="$BUILD" \
  bash "$ROOT/scripts/device/bundle.sh" "$run" fr_feature "$MODELS" > "$WORK/bundle.log" 2>&1 \
  || fail "bundle.sh: $(tail -20 "$WORK/bundle.log")"
for f in inputs/small/templates.h5 inputs/small/crops_jpeg.h5 inputs/small/reference_fp32.h5 \
  inputs/small/inverter.pt inputs/lfw_crops_jpeg.h5 inputs/verify_fr_feature.h5 models/fr_feature.pt; do
  [ -f "$kit/$f" ] || fail "the kit lacks $f"
done

rehearse() {  # OUT WORK_FOLDER BUDGET [VAR=VALUE...]: one call, its console in OUT.console
  local o="$1" w="$2" b="$3"
  shift 3
  env IRREV_GPU_KIT="$kit" IRREV_GPU_WORK="$w" IRREV_BUILD="$BUILD" "$@" \
    bash "$GPU_RUN" --rehearse "$o" "$b" > "$o.console" 2>&1
}
status_of() {  # OUT STEP: the step's status in the call's table
  awk -F'\t' -v s="$2" '$1 == s { print $3 }' "$1/steps.tsv"
}

# 1. The first call: everything but the study done; the study stopped after a unit.
rehearse "$WORK/call1" "$WORK/work1" 1500 IRREV_GPU_STUDY_STOP_UNITS=1 || true
for s in build gpu_tests small_attack inverter peer levers ddp; do
  [ "$(status_of "$WORK/call1" $s)" = done ] \
    || fail "call 1: step $s: '$(status_of "$WORK/call1" $s)': $(tail -30 "$WORK/call1/step_$s.log")"
done
[[ "$(status_of "$WORK/call1" study)" == "stopped, resumable"* ]] \
  || fail "call 1: the study: '$(status_of "$WORK/call1" study)': $(tail -30 "$WORK/call1/step_study.log")"
grep -q "fp32 counts on cpu: identical to the CPU's" "$WORK/call1/step_small_attack.log" \
  || fail "the small attack's counts: $(cat "$WORK/call1/step_small_attack.log")"
grep -q "path=pytorch-peer.*mode=fp32 batch=32.*samples_per_s=" "$WORK/call1/step_peer.log" \
  || fail "no peer figure: $(cat "$WORK/call1/step_peer.log")"
grep -q "path=tuned.*max_abs_cos_diff=" "$WORK/call1/step_levers.log" || fail "no guarded lever row"
grep -q "^steps of this call (rehearsal" "$WORK/call1.console" || fail "call 1 printed no table"
[ -f "$WORK/call1/carry/study.checkpoint.h5" ] && [ -f "$WORK/call1/carry/inverter.pt" ] \
  || fail "call 1 sent nothing back to carry: $(ls "$WORK/call1/carry")"
[ -f "$WORK/call1/results.tar.gz" ] || fail "call 1 packed no results"

# 2. The next machine: a fresh work folder, the carried checkpoint and inverter.
mkdir -p "$kit/carry"
cp "$WORK/call1/carry/"* "$kit/carry/"
rehearse "$WORK/call2" "$WORK/work2" 1500 IRREV_GPU_STEPS="build inverter study" || true
grep -q "the carried inverter is used" "$WORK/call2/step_inverter.log" || fail "call 2 trained again"
grep -q "continuing the carried study checkpoint" "$WORK/call2/step_study.log" || fail "call 2 did not continue"
[ "$(status_of "$WORK/call2" study)" = done ] \
  || fail "call 2: the study: '$(status_of "$WORK/call2" study)': $(tail -30 "$WORK/call2/step_study.log")"
grep -q "resuming" "$WORK/work2/results/study.log" || fail "call 2's attack did not resume"
# The same study straight through, with the configuration the call chose.
read -r -a config < "$WORK/work1/study_configuration"
"$MPIEXEC" --oversubscribe -n 2 "$IRREV" --no-progress attack --templates "$WORK/work2/templates_fr_feature.h5" \
  --crops "$WORK/work2/crops.h5" --extractor "$kit/models/fr_feature.pt" --inverter "$kit/carry/inverter.pt" \
  --thresholds "$kit/inputs/verify_fr_feature.h5" --out "$WORK/straight.h5" --plan 4:exhaustive --max-templates 24 \
  --device cpu "${config[@]}" --batch 32 --templates-per-unit 32 --permutations-per-unit 4 > /dev/null
for d in counts histograms; do
  h5diff "$WORK/straight.h5" "$WORK/work2/results/study.h5" "/plans/b4-exhaustive/$d" > /dev/null \
    || fail "the study continued on another machine differs from one run straight through in $d"
done

# 3. A step that hangs and a budget that runs out. The small attack reads its templates from a
# file that never answers (a FIFO nobody writes, as a dead file server would leave it): it hangs
# whatever the machine's speed and is stopped at its 12-s limit. The budget (45 s, 15 s of it kept
# for the table) then leaves at most 18 s, under the inverter's 20: skipped for time. (A small
# attack that merely ran longer than its limit finished inside it on a faster CI machine.)
kit3="$WORK/kit3"
cp -as "$kit" "$kit3"
rm "$kit3/inputs/small/templates.h5"
mkfifo "$kit3/inputs/small/templates.h5"
rehearse "$WORK/call3" "$WORK/work3" 45 IRREV_GPU_KIT="$kit3" IRREV_GPU_STEPS="small_attack inverter" \
  IRREV_GPU_LIMITS="small_attack=12" || true
[ "$(status_of "$WORK/call3" small_attack)" = "timed out" ] || fail "call 3: $(cat "$WORK/call3/steps.tsv")"
[ "$(status_of "$WORK/call3" inverter)" = "skipped for time" ] || fail "call 3: $(cat "$WORK/call3/steps.tsv")"
grep -q "^steps of this call" "$WORK/call3.console" || fail "call 3 printed no table"
pgrep -f "$WORK/(work|kit)3" > /dev/null && fail "call 3 left processes behind: $(pgrep -af "$WORK/(work|kit)3")"
cat "$WORK/call1.console" | sed -n '/^steps of this call/,$p'
echo "gpu rehearsal: passed"
