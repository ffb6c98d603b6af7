#!/usr/bin/env bash
# SLURM's signals and a silent rank in every stage, not only in the attack, on a real LFW subset
# under mpiexec with 3 ranks:
#   - SIGUSR1 (to mpiexec and its ranks, as `scancel --signal` does) or SIGTERM (to the ranks, as
#     srun delivers it) while `irrev run` is in ingest, embed, verify (short here: the stop may come
#     at the next stage), training and the attack: exit 75 with a message naming where it stopped,
#     and the same command then finishes with the results of a run that was never interrupted
#     (scripts/same_results.py); and inside a standalone verify and gender: exit 75, no result;
#   - a worker stopped (SIGSTOP) in the middle of `irrev embed` and of `irrev verify`: its units go
#     to the other worker after the deadline, the result is whole and equal to an undisturbed
#     one, the job ends (it does not wait for ever) and says which rank stopped answering.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
stopped_pid=""
trap '[ -z "$stopped_pid" ] || kill -9 "$stopped_pid" 2> /dev/null || true' EXIT

make_subset "$WORK/lfw" 30 2
cat > "$WORK/job.toml" << TOML
[run]
out_dir = "$WORK/unused"
[data]
images = "$WORK/lfw"
genders = "$LFW"
[ingest]
unit_size = 4          # many small units: a signal finds each stage running
[[extractors]]
name = "fr_feature"
model = "fr_feature.pt"
[embed]
batch = 4
[verify]
protocols = ["error-rates"]
blocks = [64]
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
epochs = 2
[attack]
plans = ["4:exhaustive"]
max_templates = 16
batch = 4
templates_per_unit = 4
permutations_per_unit = 2
[gender]
blocks = [64]
folds = 3
TOML
run_job() {  # RUN_DIR: the job on 3 ranks into RUN_DIR
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress run "$WORK/job.toml" --run-dir "$1"
}
run_job "$WORK/straight" > /dev/null 2> "$WORK/straight.log" || fail "the uninterrupted job failed: $(tail "$WORK/straight.log")"

# rank_pids PATTERN: the pids of the ranks (not the launcher) whose command line has PATTERN.
rank_pids() {
  for p in $(pgrep -f -- "$1"); do
    tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -q "^OMPI_COMM_WORLD_RANK=" && echo "$p"
  done
}

# stop_in STAGE SIGNAL LOG_LINE: run the job, signal it once LOG_LINE is in its log, expect 75,
# then run it again to the end and compare with the uninterrupted run.
stop_in() {
  local stage="$1" sig="$2" line="$3" dir="$WORK/stop_$1"
  run_job "$dir" > /dev/null 2> "$dir.log" &
  local job=$! rc=0
  for _ in $(seq 1200); do grep -q -- "$line" "$dir.log" 2> /dev/null && break; sleep 0.05; done
  grep -q -- "$line" "$dir.log" || fail "$stage: never reached '$line': $(tail -5 "$dir.log")"
  if [ "$sig" = USR1 ]; then
    pkill -USR1 -f -- "--run-dir $dir" || true                  # mpiexec and its ranks
  else
    for p in $(rank_pids "--run-dir $dir"); do kill -TERM "$p"; done  # the ranks, as srun does
  fi
  timeout 300 tail --pid="$job" -f /dev/null || fail "$stage: the job did not end 300 s after SIG$sig"
  wait "$job" || rc=$?
  [ "$rc" = 75 ] || fail "$stage: SIG$sig gave exit $rc, not 75: $(tail -5 "$dir.log")"
  local said
  said="$(grep -o "irrev: .*stopped by signal [0-9]*[^;]*" "$dir.log" | head -1 || true)"
  [ -n "$said" ] || fail "$stage: no message of the stop: $(tail -5 "$dir.log")"
  run_job "$dir" > /dev/null 2> "$dir.rerun.log" || fail "$stage: the rerun failed: $(tail -5 "$dir.rerun.log")"
  /usr/bin/python3 "$ROOT/scripts/same_results.py" "$WORK/straight" "$dir" > "$dir.diff" \
    || fail "$stage: stopped and continued, the results differ: $(head -20 "$dir.diff")"
  echo "SIG$sig in $stage: exit 75 ($said), continued to the same results"
}
stop_in ingest USR1 "ingest: [0-9]* images from"
stop_in embed TERM "embed: [0-9]* crops with"
stop_in verify USR1 "verify: [0-9]* all-vs-all pairs"  # short here: the stop may land at the next stage
stop_in training TERM "train-inverter: [0-9]* training samples"
stop_in attack USR1 "attack: [0-9]* templates"

# A signal inside a standalone command's work: verify (a work unit per template row) and gender
# (10 folds, four block sizes): exit 75, a line saying where, and no result written.
stop_standalone() {  # NAME SIGNAL LOG_LINE OUT COMMAND...
  local name="$1" sig="$2" line="$3" out="$4" rc=0
  shift 4
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress "$@" > /dev/null 2> "$WORK/$name.log" &
  local job=$!
  for _ in $(seq 1200); do grep -q -- "$line" "$WORK/$name.log" && break; sleep 0.05; done
  if [ "$sig" = USR1 ]; then
    pkill -USR1 -f -- "$out" || true
  else
    for p in $(rank_pids "$out"); do kill -TERM "$p"; done
  fi
  wait "$job" || rc=$?
  [ "$rc" = 75 ] && grep -q "irrev: $name: stopped by signal" "$WORK/$name.log" && [ ! -e "$out" ] \
    || fail "$name: SIG$sig gave exit $rc: $(tail -3 "$WORK/$name.log")"
  echo "SIG$sig in a standalone $name: exit 75 ($(grep -o "irrev: $name: stopped by signal [0-9]*" "$WORK/$name.log")), no result written"
}
stop_standalone verify USR1 "verify: [0-9]* all-vs-all pairs" "$WORK/v_usr1.h5" verify \
  --templates "$WORK/straight/templates_fr_feature.h5" --protocol error-rates --pairs all-vs-all --blocks 64,32,16 \
  --unit-rows 1 --out "$WORK/v_usr1.h5"
stop_standalone gender TERM "gender: [0-9]* templates" "$WORK/g_term.csv" gender \
  --templates "$WORK/straight/templates_fr_feature.h5" --crops "$WORK/straight/crops.h5" --blocks 16,32,64,128 \
  --folds 10 --csv "$WORK/g_term.csv"

# A worker stopped in the middle of embed and of verify: rank 2 is stopped once the master has
# handed it a unit (the debug log says so).
stalled() {  # NAME COMMAND...: the command on 3 ranks with rank 2 stopped after its first unit
  local name="$1"
  shift
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress --log-level debug "$@" > "$WORK/$name.out" 2> "$WORK/$name.log" &
  local job=$! rc=0
  for _ in $(seq 1200); do grep -q "work queue: units [0-9]*+[0-9]* to rank 2" "$WORK/$name.log" && break; sleep 0.02; done
  stopped_pid=""
  for p in $(rank_pids "$WORK/$name"); do
    tr '\0' '\n' < "/proc/$p/environ" | grep -qx "OMPI_COMM_WORLD_RANK=2" && stopped_pid=$p
  done
  [ -n "$stopped_pid" ] || fail "$name: rank 2 not found"
  kill -STOP "$stopped_pid"
  local t0
  t0=$(date +%s)
  timeout 300 tail --pid="$job" -f /dev/null || fail "$name: the job with a stopped worker did not end in 300 s"
  wait "$job" || rc=$?
  kill -9 "$stopped_pid" 2> /dev/null || true
  stopped_pid=""
  grep -q "rank 2 has not returned units" "$WORK/$name.log" || fail "$name: the stalled rank was not named"
  grep -q "irrev: .*rank(s) 2 stopped answering" "$WORK/$name.log" || fail "$name: no plain end: $(tail -5 "$WORK/$name.log")"
  echo "$name: a stopped worker; ended $(($(date +%s) - t0)) s later with exit $rc, rank 2 named"
}
stalled embed_stall embed --crops "$WORK/straight/crops.h5" --model "$MODELS/fr_feature.pt" --batch 2 \
  --out "$WORK/embed_stall.h5"
h5diff "$WORK/straight/templates_fr_feature.h5" "$WORK/embed_stall.h5" /templates > /dev/null \
  || fail "embed with a stopped worker: other templates"
# Units of one row with 400,000-bin histograms (6.4 MB a result): the queue lasts seconds, so rank
# 2 is stopped while it holds a unit (with the job's 20,000 bins all of it took 0.2 s, over before
# the stop). The reference: the same verify on 1 rank.
verify_args=(verify --templates "$WORK/straight/templates_fr_feature.h5" --protocol error-rates --pairs all-vs-all
  --blocks 64 --unit-rows 1 --bins 400000)
"$IRREV" --no-progress "${verify_args[@]}" --out "$WORK/verify_one_rank.h5" > /dev/null 2> "$WORK/verify_one_rank.log" \
  || fail "verify on 1 rank: $(tail -3 "$WORK/verify_one_rank.log")"
stalled verify_stall "${verify_args[@]}" --out "$WORK/verify_stall.h5"
for d in unprotected 64; do
  for h in genuine impostor; do
    h5diff "$WORK/verify_one_rank.h5" "$WORK/verify_stall.h5" "/all_vs_all/$d/histogram_$h" > /dev/null \
      || fail "verify with a stopped worker: other $d $h histogram"
  done
done
echo "stop_every_stage_cli: every stage stops and continues; stopped workers are given up on, results whole"
