#!/usr/bin/env bash
# irrev metrics against an independent brute-force reading of the definitions, on real scores:
# the LFW View 2 scores of fr_feature (unprotected and PE-MIU, made by irrev verify from real
# LFW templates), and on hand-made sets with ties. EER, FNMR at FMR and thresholds to 1e-9.
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
make_subset "$WORK/lfw" 150 2
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" \
  --pairs "$WORK/lfw.pairs.txt" --out "$WORK/crops.h5"
"$IRREV" --no-progress embed --crops "$WORK/crops.h5" --model "$MODELS/fr_feature.pt" --out "$WORK/t.h5"
"$IRREV" --no-progress verify --templates "$WORK/t.h5" --protocol error-rates --blocks 64,128 \
  --pairs lfw-view2 --scores "$WORK/scores" > /dev/null

# Hand-made sets: ties between and within the classes, and a set with no overlap.
printf '0.9\n0.8\n0.7\n0.4\n0.7\n' > "$WORK/scores/ties_genuine.txt"
printf '0.1\n0.2\n0.3\n0.5\n0.75\n0.7\n0.3\n' > "$WORK/scores/ties_impostor.txt"
printf '0.9\n0.95\n' > "$WORK/scores/apart_genuine.txt"
printf '# comment lines are skipped\n0.1\n\n0.2\n' > "$WORK/scores/apart_impostor.txt"

for set in unprotected 64 128 ties apart; do
  "$IRREV" metrics --genuine "$WORK/scores/${set}_genuine.txt" --impostor "$WORK/scores/${set}_impostor.txt" \
    --json > "$WORK/irrev_$set.json"
  python3 "$here/error_rates_reference.py" "$WORK/scores/${set}_genuine.txt" \
    "$WORK/scores/${set}_impostor.txt" > "$WORK/ref_$set.json"
  python3 - "$WORK/irrev_$set.json" "$WORK/ref_$set.json" "$set" <<'PY'
import json, sys
a, b, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
def flat(d, p=""):
    for k, v in d.items():
        if isinstance(v, dict): yield from flat(v, p + k + ".")
        else: yield p + k, v
ref = dict(flat(b))
got = dict(flat(a))
bad = [(k, got.get(k), v) for k, v in ref.items() if k not in got or abs(got[k] - v) > 1e-9]
if bad:
    sys.exit(f"{name}: irrev and the reference differ: {bad}")
print(f"{name}: {len(ref)} values agree to 1e-9 (EER {ref['eer']:.6f})")
PY
done

# A bad line is reported with its file and line number.
printf '0.5\n0.6\nzero point seven\n' > "$WORK/bad.txt"
set +e
"$IRREV" metrics --genuine "$WORK/bad.txt" --impostor "$WORK/scores/ties_impostor.txt" 2> "$WORK/err.txt"
rc=$?
set -e
[ "$rc" = 2 ] || fail "bad score file exited $rc"
grep -q "bad.txt:3: 'zero point seven' is not one finite score" "$WORK/err.txt" || fail "$(cat "$WORK/err.txt")"
