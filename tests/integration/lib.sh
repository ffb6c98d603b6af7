# Shared helpers of the command-line integration tests (sourced, not run).
# Each test script is called as: script.sh IRREV_BINARY SHARED_DIR WORK_DIR
set -euo pipefail
IRREV="$1"
SHARED="$2"
WORK="$3"
source "$(dirname "${BASH_SOURCE[0]}")/../common/test_data.sh"
rm -rf "$WORK"
mkdir -p "$WORK"
MPIEXEC="${MPIEXEC:-mpiexec}"
MODELS="${IRREV_MODELS:-${XDG_DATA_HOME:-$HOME/.local/share}/irrev/models}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1

fail() { echo "FAIL: $*" >&2; exit 1; }
# json FILE EXPR: evaluate a Python expression over the JSON document `d`.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# expect_error CODE TEXT CMD...: the command (a program or a shell function) fails with exit
# CODE and TEXT (a grep pattern) on stderr, within two minutes.
expect_error() {
  local code="$1" text="$2"; shift 2
  set +e
  ("$@") > "$WORK/err.out" 2> "$WORK/err.txt" &
  local pid=$! tenths=0 rc
  while kill -0 "$pid" 2> /dev/null && [ "$tenths" -lt 1200 ]; do sleep 0.1; tenths=$((tenths + 1)); done
  if kill -0 "$pid" 2> /dev/null; then
    pkill -9 -P "$pid"; kill -9 "$pid"
    fail "'$*' hung"
  fi
  wait "$pid"
  rc=$?
  set -e
  [ "$rc" = "$code" ] || fail "'$*' exited $rc, expected $code: $(cat "$WORK/err.txt")"
  grep -q -- "$text" "$WORK/err.txt" || fail "'$*' did not say '$text': $(cat "$WORK/err.txt")"
}

# make_subset DIR PER_FOLD FOLDS: an LFW-layout folder of the images that the first PER_FOLD
# genuine and PER_FOLD impostor pairs of each of the first FOLDS folds name (links to the real
# files), and a pairs file DIR.pairs.txt with those pairs in FOLDS folds.
make_subset() {
  local dir="$1" k="$2" folds="$3" f
  mkdir -p "$dir"
  {
    echo "$folds $k"
    for ((f = 0; f < folds; f++)); do
      sed -n "$((2 + 600 * f)),$((1 + 600 * f + k))p" "$LFW/pairs.txt"
      sed -n "$((302 + 600 * f)),$((301 + 600 * f + k))p" "$LFW/pairs.txt"
    done
  } > "$dir.pairs.txt"
  python3 - "$dir" "$LFW_IMAGES" "$dir.pairs.txt" <<'PY'
import os, sys
out, src, pairs = sys.argv[1:]
names = set()
for line in open(pairs).read().split("\n")[1:]:
    t = line.split()
    if len(t) == 3: names |= {(t[0], int(t[1])), (t[0], int(t[2]))}
    elif len(t) == 4: names |= {(t[0], int(t[1])), (t[2], int(t[3]))}
for person, n in names:
    os.makedirs(os.path.join(out, person), exist_ok=True)
    f = f"{person}_{n:04d}.jpg"
    link = os.path.join(out, person, f)
    if not os.path.exists(link): os.symlink(os.path.join(src, person, f), link)
PY
}

# make_attack_inputs: what an attack reads, from a real LFW subset: $WORK/crops.h5, $WORK/t.h5
# (fr_feature templates), $WORK/verify.h5 (all-vs-all thresholds) and $WORK/inv/inverter.pt (a
# 2-epoch quick inverter).
make_attack_inputs() {
  make_subset "$WORK/lfw" 100 2
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" \
    "${LFW_GENDERS[@]}" --out "$WORK/crops.h5"
  "$IRREV" --no-progress embed --crops "$WORK/crops.h5" --model "$MODELS/fr_feature.pt" --out "$WORK/t.h5"
  "$IRREV" --no-progress verify --templates "$WORK/t.h5" --protocol error-rates --pairs all-vs-all \
    --blocks 64 --out "$WORK/verify.h5" > /dev/null
  "$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" \
    --extractor "$MODELS/fr_feature.pt" --out "$WORK/inv" --preset quick-cpu --epochs 2 > /dev/null
}
# attack RANKS OUT [options...]: an attack of the inputs above (4 blocks exhaustive and 8 blocks
# one permutation per complexity, 32 templates); same A.h5 B.h5: identical counts and histograms;
# wait_for_units CHECKPOINT: until it records at least one finished unit.
attack() {  # ranks out [extra options...]; a --batch among them replaces the default 16; $LOG_LEVEL: irrev's
  local n="$1" out="$2" batch=(--batch 16)
  shift 2
  case " $* " in *" --batch "*) batch=() ;; esac
  "$MPIEXEC" --oversubscribe -n "$n" "$IRREV" --no-progress ${LOG_LEVEL:+--log-level "$LOG_LEVEL"} attack --templates "$WORK/t.h5" \
    --crops "$WORK/crops.h5" --extractor "$MODELS/fr_feature.pt" --inverter "$WORK/inv/inverter.pt" \
    --thresholds "$WORK/verify.h5" --out "$out" --plan 4:exhaustive --plan 8:stratified:1 \
    --max-templates 32 "${batch[@]}" "$@"
}
same() {  # a.h5 b.h5: identical counts and histograms of every plan
  for d in b4-exhaustive/counts b4-exhaustive/histograms b8-stratified/counts b8-stratified/histograms; do
    h5diff "$1" "$2" "/plans/$d" > /dev/null || fail "$2 differs from $1 in /plans/$d"
  done
}
wait_for_units() {  # checkpoint: until it records at least one finished unit
  for _ in $(seq 1200); do
    if [ -f "$1" ] && h5dump -a progress "$1" 2> /dev/null | grep -q '"units_done":[1-9]'; then return 0; fi
    sleep 0.1
  done
  fail "no checkpoint with a finished unit in $1"
}

# usr1_once_a_unit_is_saved PID CHECKPOINT PATTERN: once CHECKPOINT records a finished unit,
# SIGUSR1 to every process whose command line holds PATTERN (mpiexec and its ranks, as scancel
# --signal does); PID's exit status (75 for a run stopped resumably) goes into $stopped_rc.
usr1_once_a_unit_is_saved() {
  wait_for_units "$2"
  pkill -USR1 -f "$3"
  set +e
  wait "$1"
  stopped_rc=$?
  set -e
}

# damage_int64 FILE DATASET: add 2 to the first positive value of an int64 dataset in the file's
# bytes (found by its raw values), as a disk or a copy would, leaving the HDF5 structure intact.
damage_int64() {
  python3 - "$1" "$2" <<'PY' || fail "could not damage $2 in $1"
import struct, subprocess, sys
path, dataset = sys.argv[1:]
out = subprocess.run(["h5dump", "-d", dataset, "-y", "-w", "0", path], capture_output=True, text=True, check=True).stdout
body = out[out.index("DATA {") + 6: out.rindex("}")]
values = [int(x) for x in body.replace(",", " ").split() if x.strip().lstrip("-").isdigit()]
raw = struct.pack("<%dq" % len(values), *values)
data = bytearray(open(path, "rb").read())
at = data.find(raw)
assert at >= 0, "the values were not found in the file"
first = next(i for i, v in enumerate(values) if v > 0)
data[at + 8 * first: at + 8 * first + 8] = struct.pack("<q", values[first] + 2)
open(path, "wb").write(data)
PY
}
