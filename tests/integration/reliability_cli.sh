#!/usr/bin/env bash
# Nothing lost, nothing silently wrong: each fault is made here, by the test itself, against a
# real attack on real LFW templates: a damaged checkpoint, a full disk (a small tmpfs), two runs
# on one output, a stopped worker (SIGSTOP), values out of range, outputs that cannot be written,
# command-line mistakes, a training's time limit, and the permissions of what is written.
# Needs root for the mounts (tmpfs, a read-only bind mount); they are undone at exit.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "reliability_cli: needs root for its mounts; skipped"; exit 77; }
SMALL="$WORK/small" RO="$WORK/ro"
stopped_pid=""
cleanup() {
  [ -z "$stopped_pid" ] || kill -9 "$stopped_pid" 2> /dev/null || true
  mountpoint -q "$SMALL" && umount "$SMALL" || true
  mountpoint -q "$RO" && umount "$RO" || true
}
trap cleanup EXIT
make_attack_inputs

stopped_by_usr1() {  # out: an attack stopped resumable once a unit is checkpointed
  attack 3 "$1" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0 > /dev/null 2>&1 &
  usr1_once_a_unit_is_saved $! "${1%.h5}.checkpoint.h5" "$1"
  [ "$stopped_rc" = 75 ] || fail "a signalled attack exits 75, not $stopped_rc"
}
attack 1 "$WORK/np1.h5" --templates-per-unit 32 --permutations-per-unit 5 > /dev/null

# 1. A damaged checkpoint is refused, and the good one still resumes to the same counts.
stopped_by_usr1 "$WORK/ck.h5"
cp "$WORK/ck.checkpoint.h5" "$WORK/good.checkpoint.h5"
damage_int64 "$WORK/ck.checkpoint.h5" /plans/b4-exhaustive/counts  # a count 16 -> 18
expect_error 2 "ck.checkpoint.h5' is damaged" attack 3 "$WORK/ck.h5" --templates-per-unit 16 --permutations-per-unit 3
cp "$WORK/good.checkpoint.h5" "$WORK/ck.checkpoint.h5"
size=$(stat -c %s "$WORK/ck.checkpoint.h5")
dd if=/dev/urandom of="$WORK/ck.checkpoint.h5" bs=1 seek=$((size / 2)) count=4096 conv=notrunc status=none
expect_error 2 "is damaged" attack 3 "$WORK/ck.h5" --templates-per-unit 16 --permutations-per-unit 3
cp "$WORK/good.checkpoint.h5" "$WORK/ck.checkpoint.h5"
attack 3 "$WORK/ck.h5" --templates-per-unit 16 --permutations-per-unit 3 > /dev/null 2> "$WORK/ck.log"
grep -q "resuming" "$WORK/ck.log" || fail "the good checkpoint was not resumed"
same "$WORK/np1.h5" "$WORK/ck.h5"
echo "1. damaged checkpoints refused: $(grep -o "is damaged ([^)]*)" "$WORK/err.txt" | head -1)"

# 2. A full disk: the attack fails with the system's reason, keeps its last good checkpoint,
#    leaves no result that looks finished, and resumes once there is space.
mkdir -p "$SMALL"
mount -t tmpfs -o size=4m tmpfs "$SMALL"
ckpt=$(stat -c %s "$WORK/good.checkpoint.h5")
free=$(df --output=avail -B1 "$SMALL" | tail -1)
# Room for one checkpoint and a half: the second is written aside and cannot be completed.
head -c $((free - ckpt * 3 / 2)) /dev/zero > "$SMALL/filler"
expect_error 3 "No space left on device" \
  attack 3 "$SMALL/a.h5" --templates-per-unit 16 --permutations-per-unit 3 --checkpoint-seconds 0
[ ! -e "$SMALL/a.h5" ] || fail "a failed attack left a result"
[ -f "$SMALL/a.checkpoint.h5" ] || fail "the last good checkpoint is gone"
rm "$SMALL/filler"
attack 3 "$SMALL/a.h5" --templates-per-unit 16 --permutations-per-unit 3 > /dev/null 2> "$WORK/full.log"
grep -q "resuming" "$WORK/full.log" || fail "the attack on a full disk did not resume from its checkpoint"
same "$WORK/np1.h5" "$SMALL/a.h5"
rm -f "$SMALL"/*
head -c $(( $(df --output=avail -B1 "$SMALL" | tail -1) - 65536 )) /dev/zero > "$SMALL/filler"
expect_error 3 "No space left on device" "$IRREV" --no-progress embed --crops "$WORK/crops.h5" \
  --model "$MODELS/fr_feature.pt" --out "$SMALL/t.h5"
[ ! -e "$SMALL/t.h5" ] && [ ! -e "$SMALL/t.h5.tmp" ] || fail "a failed embed left a file"
umount "$SMALL"
echo "2. full disk: exit 3, $(grep -o "No space left on device" "$WORK/err.txt" | head -1); checkpoint kept and resumed"

# 4. One run per output: the second is refused, naming the first.
attack 3 "$WORK/two.h5" --templates-per-unit 16 --permutations-per-unit 1 > /dev/null 2>&1 &
first=$!
for _ in $(seq 600); do [ -s "$WORK/two.h5.lock" ] && break; sleep 0.1; done
expect_error 2 "in use by another irrev run (process" attack 1 "$WORK/two.h5" --seed 7
wait "$first" || fail "the first attack on the output failed"
same "$WORK/np1.h5" "$WORK/two.h5"
echo "4. second run refused: $(grep -o "in use by another irrev run ([^)]*)" "$WORK/err.txt")"

# 5. A stopped worker: its unit goes to another worker after the deadline, the counts stay
#    exact, the stalled rank is named, and the job ends instead of waiting for ever. Rank 2 is
#    stopped once the master has handed it a unit (the debug log says so): it is then past every
#    collective call and holds a unit. (Waiting, as before, for h5dump to read a finished unit in
#    the checkpoint, rewritten after every unit here, once saw none before the 8-s attack ended.)
LOG_LEVEL=debug attack 3 "$WORK/stall.h5" --templates-per-unit 16 --permutations-per-unit 1 --checkpoint-seconds 0 \
  > "$WORK/stall.json" 2> "$WORK/stall.log" &
job=$!
for _ in $(seq 1200); do grep -q "work queue: units [0-9]*+[0-9]* to rank 2" "$WORK/stall.log" && break; sleep 0.05; done
for p in $(pgrep -f "$WORK/stall.h5"); do
  if tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=2"; then stopped_pid=$p; fi
done
[ -n "$stopped_pid" ] || fail "rank 2 of the attack not found: $(cat "$WORK/stall.log")"
kill -STOP "$stopped_pid"
t0=$(date +%s)
rc=0
timeout 300 tail --pid="$job" -f /dev/null || fail "the job with a stopped worker did not end in 300 s"
wait "$job" || rc=$?
took=$(( $(date +%s) - t0 ))
grep -q "rank 2 has not returned units" "$WORK/stall.log" || fail "the stalled rank was not reported: $(cat "$WORK/stall.log")"
[ "$(json "$WORK/stall.json" "d['status']")" = complete ] || fail "stalled job: $(cat "$WORK/stall.json")"
same "$WORK/np1.h5" "$WORK/stall.h5"
kill -9 "$stopped_pid" 2> /dev/null || true
stopped_pid=""
echo "5. stopped worker: job ended ${took} s after SIGSTOP (exit $rc), counts exact"

# 6-9. Crashes, runaways, values, exit codes: bad input is refused at once with exit 2.
expect_error 2 "gender: 0 values per block\|--blocks" "$IRREV" gender --templates "$WORK/t.h5" --crops "$WORK/crops.h5" --blocks 0
expect_error 2 "gender: 7 values per block do not cut" "$IRREV" --no-progress gender --templates "$WORK/t.h5" \
  --crops "$WORK/crops.h5" --blocks 7
expect_error 2 "batch (\-\-batch) 100000 must be in \[1, 65536\]" attack 1 "$WORK/big.h5" --batch 100000
expect_error 2 "attack batch 32768 needs about .* GB on the CPU, more than this machine's" \
  attack 1 "$WORK/big.h5" --batch 32768 --templates-per-unit 32768
expect_error 2 "targeted (\-\-targeted) must be >= 0 (or -1: none), got -2" attack 1 "$WORK/x.h5" --targeted -2
expect_error 2 "\-\-max-templates" attack 1 "$WORK/x.h5" --max-templates 99999999999999999999
expect_error 2 "\-\-limit" "$IRREV" verify --templates "$WORK/t.h5" --protocol error-rates --limit -5
expect_error 2 "unknown command 'frobnicate'; the commands are: ingest" "$IRREV" frobnicate
expect_error 2 "irrev plan: .*--bogus" "$IRREV" plan --blocks 8 --bogus
job() {  # a small job file with extra [attack] lines
  cat > "$WORK/job.toml" <<TOML
[run]
out_dir = "$WORK/run"
[data]
images = "$WORK/lfw"
[[extractors]]
name = "fr_feature"
model = "${1:-fr_feature.pt}"
[verify]
protocols = ["error-rates"]
blocks = []
pairs = "all-vs-all"
[train_inverter]
epochs = 1
[attack]
plans = ["4:exhaustive"]
$2
TOML
}
job fr_feature.pt "batch = 4294967328"
expect_error 2 "key 'attack.batch': 4294967328 is out of range" "$IRREV" run "$WORK/job.toml"
job fr_feature.pt "checkpoint_seconds = -5"
expect_error 2 "checkpoint_seconds .* must be >= 0" "$IRREV" run "$WORK/job.toml"
echo "a file" > "$WORK/a_file"
job fr_feature.pt ""
expect_error 2 "is not a folder\|exists and is not a folder" "$IRREV" run "$WORK/job.toml" --run-dir "$WORK/a_file"
echo "6-9. refused with exit 2: gender --blocks 0/7, --batch 100000, --targeted -2, overflow, --limit -5, unknown command, batch = 4294967328"

# 7. Work before refusal: a missing extractor model, an output folder that is read-only, an
#    --out that is a folder: refused before any work.
job absent.pt ""
expect_error 2 "extractor 'fr_feature' model '.*absent.pt' does not exist" "$IRREV" run "$WORK/job.toml"
[ ! -e "$WORK/run/crops.h5" ] || fail "the job ingested before refusing a missing model"
mkdir -p "$RO"
mount --bind "$RO" "$RO"
mount -o remount,ro,bind "$RO"
start=$(date +%s)
expect_error 2 "is not writable: Read-only file system" attack 3 "$RO/a.h5"
expect_error 2 "is a folder" attack 3 "$WORK/inv"
[ $(( $(date +%s) - start )) -lt 60 ] || fail "refusals took $(( $(date +%s) - start )) s"
umount "$RO"
echo "7. refused before work: missing model, read-only folder, --out a folder"

# 11. The training's time limit is honoured within a few batches, with a message.
"$IRREV" train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" --extractor "$MODELS/fr_feature.pt" \
  --out "$WORK/timed" --preset quick-cpu --epochs 50 --max-minutes 0.05 > "$WORK/timed.json" 2> "$WORK/timed.log"
grep -q "stopped by the time limit" "$WORK/timed.log" || fail "no time-limit message: $(tail -3 "$WORK/timed.log")"
python3 - "$WORK/timed.json" <<'PY' || fail "time limit: $(cat "$WORK/timed.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["stopped_by"] and d["epochs"] < 50 and d["minutes"] < 0.05 + 0.5, d
PY
grep -q "validation" "$WORK/timed.log" || fail "no progress line for the validation pass"
echo "11. time limit: $(json "$WORK/timed.json" "d['stopped_by']")"

# 12. Biometric data at rest: files 0600 and folders 0700, or 0640 / 0750 when shared.
umask 022
attack 1 "$WORK/perm/a.h5" > /dev/null
[ "$(stat -c %a "$WORK/perm/a.h5")" = 600 ] || fail "attack output is $(stat -c %a "$WORK/perm/a.h5")"
[ "$(stat -c %a "$WORK/perm")" = 700 ] || fail "its folder is $(stat -c %a "$WORK/perm")"
"$MPIEXEC" --oversubscribe -n 1 "$IRREV" --share-group --no-progress attack --templates "$WORK/t.h5" \
  --crops "$WORK/crops.h5" --extractor "$MODELS/fr_feature.pt" --inverter "$WORK/inv/inverter.pt" \
  --thresholds "$WORK/verify.h5" --out "$WORK/shared/a.h5" --plan 4:exhaustive --max-templates 32 --batch 16 > /dev/null
[ "$(stat -c %a "$WORK/shared/a.h5")" = 640 ] && [ "$(stat -c %a "$WORK/shared")" = 750 ] \
  || fail "--share-group: $(stat -c %a "$WORK/shared/a.h5") / $(stat -c %a "$WORK/shared")"
echo "12. permissions: 600/700, shared 640/750"
echo "reliability_cli: every fault caught"
