#!/usr/bin/env bash
# The attacker must never have trained on an evaluation face, whatever it is called: every
# image of a real LFW subset is listed twice, once under its subject and once as a subject of
# its own ("copy NNNN", another file name), so the subject names differ but the faces do not.
# An inverter trained on the training side then holds copies of evaluation images, and the
# attack must refuse, naming the image; on the set without the copies it must not.
source "$(dirname "$0")/lib.sh"
make_subset "$WORK/lfw" 40 1
python3 - "$WORK/lfw" "$WORK/twice.csv" "$WORK/once.csv" <<'PY'
import os, sys
src, twice, once = sys.argv[1:]
rows = [f"{p}/{f}" for p in sorted(os.listdir(src)) for f in sorted(os.listdir(os.path.join(src, p)))]  # before copies/
lines = [f"{r},{r.split('/')[0]}" for r in rows]
open(once, "w").write("\n".join(lines) + "\n")
os.makedirs(os.path.join(src, "copies"))
for k, r in enumerate(rows):  # the same file under another name, as another collection would hold it
    os.symlink(os.path.realpath(os.path.join(src, r)), os.path.join(src, "copies", f"img{k:04d}.jpg"))
open(twice, "w").write("\n".join(lines + [f"copies/img{k:04d}.jpg,copy {k:04d}" for k in range(len(rows))]) + "\n")
PY
for set in twice once; do
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --layout list --list "$WORK/$set.csv" \
    --images "$WORK/lfw" --out "$WORK/$set/crops.h5" > /dev/null
  "$IRREV" --no-progress embed --crops "$WORK/$set/crops.h5" --model "$MODELS/fr_feature.pt" --out "$WORK/$set/t.h5"
  "$IRREV" --no-progress verify --templates "$WORK/$set/t.h5" --protocol error-rates --pairs all-vs-all \
    --blocks 64 --out "$WORK/$set/verify.h5" > /dev/null
done
h5ls "$WORK/twice/t.h5/images" | grep -q "^crop_sha256 " || fail "templates.h5 lacks /images/crop_sha256"
for set in twice once; do
  "$IRREV" --no-progress train-inverter --crops "$WORK/$set/crops.h5" --templates "$WORK/$set/t.h5" \
    --extractor "$MODELS/fr_feature.pt" --out "$WORK/$set/inv" --preset quick-cpu --epochs 1 > /dev/null
done
attack_on() {  # SET: the attack of SET's templates with the inverter trained on SET
  "$MPIEXEC" --oversubscribe -n 2 "$IRREV" --no-progress attack --templates "$WORK/$1/t.h5" \
    --crops "$WORK/$1/crops.h5" --extractor "$MODELS/fr_feature.pt" --inverter "$WORK/$1/inv/inverter.pt" \
    --thresholds "$WORK/$1/verify.h5" --out "$WORK/$1/attack.h5" --plan 4:exhaustive --max-templates 16 \
    --batch 16 --no-gender-balanced
}
expect_error 2 "was trained on [0-9]* of the face images this attack evaluates, under other names (the same aligned crop; first: '[^']*.jpg'" attack_on twice
msg=$(grep -o "trained on [0-9]* of the face images" "$WORK/err.txt" | head -1)
# Without the copies the training subjects and the evaluation ones share no image: no refusal.
attack_on once > /dev/null 2> "$WORK/once.log" || fail "the attack without copies was refused: $(tail -3 "$WORK/once.log")"
[ -f "$WORK/once/attack.h5" ] || fail "the attack without copies wrote no result"
echo "leakage_cli: $msg; without the copies the attack runs"
