#!/usr/bin/env bash
# Nothing silently wrong, round two: each fault is made here by the test itself, against real
# files of a real LFW subset, and each gets a clear refusal before any work, never a wrong result:
#   1. a verify.h5 whose thresholds were edited (the FMR 0.1 % threshold made negative; the two
#      thresholds swapped with the histograms left alone) is refused by the attack;
#   2. two unshuffle runs on one --out: the second is refused, naming the first;
#  10. a damaged JSON attribute (an attack's summary_json) is bad input (exit 2) naming the file
#      and the attribute, not a parser's message with exit 3;
#  11. a flat folder ingested without --layout flat fails (exit 2) and says which layout it looks like;
#  12. a full disk while `irrev run` writes summary.json: exit 3 with the system's reason, no
#      temporary left;
#  16. numeric options that would wrap or are not numbers (--seed -1, a 23-digit seed, --eval-share
#      nan, --block 0) are refused with readable ranges;
#  17. outputs that cannot be written (unshuffle --out, import-onnx --out, verify --csv in a
#      read-only folder) and an option that would do nothing (verify --pairs all-vs-all --scores)
#      are refused before the work.
# Needs root for its mounts (a small tmpfs, a read-only bind mount); they are undone at exit.
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
[ "$(id -u)" = 0 ] || { echo "hostile_inputs_cli: needs root for its mounts; skipped"; exit 77; }
SMALL="$WORK/small" RO="$WORK/ro"
cleanup() {
  mountpoint -q "$SMALL" && umount "$SMALL" || true
  mountpoint -q "$RO" && umount "$RO" || true
}
trap cleanup EXIT
make_attack_inputs
PY=/usr/bin/python3  # Debian's, with h5py

# set_attribute FILE NAME PYTHON_EXPR: rewrite a string attribute (the expression maps `v`, its text).
set_attribute() {
  "$PY" - "$1" "$2" "$3" << 'PY' || fail "could not rewrite $2 in $1"
import sys, h5py, numpy
path, name, expr = sys.argv[1:]
with h5py.File(path, "r+") as f:
    v = f.attrs[name]
    v = v.decode() if isinstance(v, bytes) else v
    f.attrs[name] = numpy.bytes_(eval(expr).encode())  # fixed-length, as irrev writes its attributes
PY
}

# 1. Thresholds that decide every count: an edited table is refused, the untouched file still works.
cp "$WORK/verify.h5" "$WORK/edited.h5"
t01=$("$PY" -c "import h5py,json,sys; t=json.loads(h5py.File(sys.argv[1])['/'].attrs['table_json']); \
print([r for r in t if r['protection']=='unprotected'][0]['threshold_fmr0.1'])" "$WORK/verify.h5")
set_attribute "$WORK/edited.h5" table_json "v.replace('\"threshold_fmr0.1\":$t01', '\"threshold_fmr0.1\":-0.296', 1)"
grep -q . <("$PY" -c "import h5py,sys; print(h5py.File(sys.argv[1])['/'].attrs['table_json'])" "$WORK/edited.h5" | grep -- "-0.296") \
  || fail "the edit did not take"
edited_attack() {  # THRESHOLDS: the attack of lib.sh's inputs against another verify.h5
  "$MPIEXEC" --oversubscribe -n 1 "$IRREV" --no-progress attack --templates "$WORK/t.h5" --crops "$WORK/crops.h5" \
    --extractor "$MODELS/fr_feature.pt" --inverter "$WORK/inv/inverter.pt" --thresholds "$1" --out "$WORK/thr.h5" \
    --plan 4:exhaustive --max-templates 32 --batch 16
}
expect_error 2 "edited.h5': the thresholds in its table (-0.296 at FMR 0.1 %.*the table was altered" \
  edited_attack "$WORK/edited.h5"
[ ! -e "$WORK/thr.h5" ] || fail "an attack ran on altered thresholds"
cp "$WORK/verify.h5" "$WORK/swapped.h5"
set_attribute "$WORK/swapped.h5" table_json \
  "v.replace('threshold_fmr0.1', 'TMP', 1).replace('threshold_fmr1', 'threshold_fmr0.1', 1).replace('TMP', 'threshold_fmr1', 1)"
expect_error 2 "swapped.h5': the thresholds in its table" edited_attack "$WORK/swapped.h5"
edited_attack "$WORK/verify.h5" > /dev/null  # the real file is accepted
echo "1. altered thresholds refused: $(grep -o "the thresholds in its table ([^)]*)" "$WORK/err.txt" | head -1)"

# 2. One unshuffle run per output: the second is refused while the first runs.
unshuffle_to() {  # OUT [options]: a synthesis search long enough to be caught running
  "$MPIEXEC" --oversubscribe -n 2 "$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --method synthesis \
    --inverter "$WORK/inv/inverter.pt" --extractor "$MODELS/fr_feature.pt" --max-templates 12 --fit-templates 4 \
    --batch 16 --blocks 8 --candidates 32 --out "$@"
}
unshuffle_to "$WORK/u.h5" --seed 1 > /dev/null 2>&1 &
first=$!
for _ in $(seq 600); do [ -s "$WORK/u.h5.lock" ] && break; sleep 0.1; done
[ -s "$WORK/u.h5.lock" ] || fail "the first unshuffle never locked its output"
expect_error 2 "in use by another irrev run (process" unshuffle_to "$WORK/u.h5" --seed 2
wait "$first" || fail "the first unshuffle failed"
echo "2. second unshuffle on one --out refused: $(grep -o "in use by another irrev run ([^)]*)" "$WORK/err.txt")"

# 10. A damaged JSON attribute: exit 2 naming the file and the attribute.
attack 1 "$WORK/j.h5" > /dev/null
mkdir -p "$WORK/jrun" && cp "$WORK/j.h5" "$WORK/jrun/j.h5"
set_attribute "$WORK/jrun/j.h5" summary_json "v[:40]"
expect_error 2 "j.h5': its attribute 'summary_json' is not valid JSON" "$IRREV" status "$WORK/jrun"
echo "10. damaged attribute: $(grep -o "its attribute 'summary_json' is not valid JSON" "$WORK/err.txt")"

# 11. A flat folder read as LFW: refused, naming the layout it looks like.
mkdir -p "$WORK/flat"
for f in $(find "$WORK/lfw" -name '*.jpg' | head -4); do cp "$(readlink -f "$f")" "$WORK/flat/"; done
expect_error 2 "holds no image in the LFW layout.*4 files lie at its top level, as in a flat folder: give --layout flat" \
  "$IRREV" --no-progress ingest --images "$WORK/flat" --out "$WORK/flat.h5"
[ ! -e "$WORK/flat.h5" ] || fail "an ingest without images left a file"
echo "11. flat folder without --layout flat: refused"

# 12. A full disk when summary.json is written (the stages' files are elsewhere, in work_dir).
cat > "$WORK/small_job.toml" << TOML
[run]
out_dir = "$SMALL/run"
work_dir = "$WORK/stages"
[data]
images = "$WORK/lfw"
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
epochs = 1
[attack]
plans = ["4:exhaustive"]
max_templates = 16
TOML
"$IRREV" --no-progress run "$WORK/small_job.toml" --run-dir "$WORK/full_run" > /dev/null 2>&1 \
  || fail "the small job failed on a disk with room"
mkdir -p "$SMALL"
mount -t tmpfs -o size=1m tmpfs "$SMALL"
mkdir -p "$SMALL/run"
# The attack's result (in out_dir) fits; summary.json, written last, does not.
cp "$WORK/full_run/"attack_*.h5 "$SMALL/run/"
head -c $(($(df --output=avail -B1 "$SMALL" | tail -1) - 4096)) /dev/zero > "$SMALL/filler" 2> /dev/null || true
expect_error 3 "cannot write the run summary '$SMALL/run/summary.json' (.*): No space left on device" \
  "$IRREV" --no-progress run "$WORK/small_job.toml"
[ ! -e "$SMALL/run/summary.json.tmp" ] || fail "the failed summary left its temporary"
[ ! -e "$SMALL/run/summary.json" ] || fail "a summary was written on a full disk"
umount "$SMALL"
echo "12. full disk at summary.json: exit 3, $(grep -o "No space left on device" "$WORK/err.txt" | head -1), no temporary"

# 16. Numbers that would wrap, or are not numbers.
protect() { "$IRREV" protect --templates "$WORK/t.h5" --block 64 --out "$WORK/p.h5" "$@"; }
expect_error 2 "\-\-seed: '-1' is not a whole number from 0 to 18446744073709551615" protect --seed -1
expect_error 2 "\-\-seed: '99999999999999999999999' is not a whole number" protect --seed 99999999999999999999999
expect_error 2 "\-\-block: 0 must be positive" protect --block 0
expect_error 2 "\-\-eval-share: 'nan' is not a number" attack 1 "$WORK/x.h5" --eval-share nan
expect_error 2 "\-\-seed: '-1' is not a whole number" "$IRREV" gender --templates "$WORK/t.h5" --crops "$WORK/crops.h5" --seed -1
expect_error 2 "\-\-seed: '-1' is not a whole number" "$IRREV" unshuffle --templates "$WORK/t.h5" --seed -1
expect_error 2 "\-\-seed: '-1' is not a whole number" "$IRREV" verify --templates "$WORK/t.h5" --protocol error-rates --seed -1
[ ! -e "$WORK/p.h5" ] || fail "a refused protect wrote its output"
echo "16. wrapping numbers refused: $(grep -o "'-1' is not a whole number from 0 to [0-9]*" "$WORK/err.txt")"

# 17. Outputs that cannot be written, refused before the work.
mkdir -p "$RO"
mount --bind "$RO" "$RO"
mount -o remount,ro,bind "$RO"
start=$(date +%s)
expect_error 2 "unshuffle output (\-\-out).*is not writable: Read-only file system" \
  "$IRREV" --no-progress unshuffle --templates "$WORK/t.h5" --blocks 8 --out "$RO/u.h5"
expect_error 2 "TorchScript output (\-\-out).*is not writable: Read-only file system" \
  "$IRREV" import-onnx "$MODELS/fr_feature.onnx" --out "$RO/x.pt"
expect_error 2 "verify table (\-\-csv).*is not writable: Read-only file system" \
  "$IRREV" --no-progress verify --templates "$WORK/t.h5" --protocol error-rates --pairs all-vs-all --csv "$RO/v.csv"
expect_error 2 "\-\-scores writes the LFW View 2 pairs' scores" \
  "$IRREV" --no-progress verify --templates "$WORK/t.h5" --protocol error-rates --pairs all-vs-all --scores "$WORK/sc"
[ $(($(date +%s) - start)) -lt 60 ] || fail "the refusals took $(($(date +%s) - start)) s: work came first"
umount "$RO"
echo "17. unwritable outputs and a useless option refused before the work"
echo "hostile_inputs_cli: every fault refused"
