#!/usr/bin/env bash
# The reference study's protocol in one job: the attacker trains on a collection of its own
# ([data.train], a flat folder of renamed LFW images of people outside the evaluation set) and
# is evaluated on another ([data], LFW layout with pairs and genders), from images to the RSR
# table; then one evaluation image is put into the training folder under another name, and the
# attack is refused, naming it (only the content check can see it: the names differ).
source "$(dirname "$0")/lib.sh"
need_genders  # it reads LFW's gender lists
make_subset "$WORK/lfw" 40 1
python3 - "$WORK/lfw" "$LFW" "$WORK/train" "$WORK/leak.txt" "$LFW_IMAGES" <<'PY'
import os, sys
evaluation, lfw, out, leak, images = sys.argv[1:]
eval_people = set(os.listdir(evaluation))
names = set()
for line in open(os.path.join(lfw, "pairs.txt")).read().split("\n")[1201:1801]:  # fold 3
    t = line.split()
    if len(t) == 3: names |= {(t[0], int(t[1])), (t[0], int(t[2]))}
    elif len(t) == 4: names |= {(t[0], int(t[1])), (t[2], int(t[3]))}
os.makedirs(out)
k = 0
for person, n in sorted(names):
    if person in eval_people: continue
    src = os.path.join(images, person, f"{person}_{n:04d}.jpg")
    os.symlink(src, os.path.join(out, f"img_{k:05d}.jpg"))
    k += 1
# The image to leak later: a woman's with no other image in the evaluation set (so that the
# gender-balanced selection of one image per subject must take it).
women = {l.strip() for l in open(os.path.join(lfw, "female_names.txt"))}
for person in sorted(eval_people):
    files = os.listdir(os.path.join(evaluation, person))
    if len(files) == 1 and files[0] in women:
        open(leak, "w").write(os.path.realpath(os.path.join(evaluation, person, files[0])))
        break
PY
[ -s "$WORK/leak.txt" ] || fail "no image to leak was found"
job() {  # file max_templates
  cat > "$1" <<TOML
[run]
out_dir = "$WORK/run"
[data]
images = "$WORK/lfw"
pairs = "$WORK/lfw.pairs.txt"
genders = "$LFW"
[data.train]
images = "$WORK/train"
layout = "flat"
[[extractors]]
name = "fr_feature"
model = "$MODELS/fr_feature.pt"
[verify]
protocols = ["error-rates"]
blocks = []
pairs = "all-vs-all"
[train_inverter]
preset = "quick-cpu"
epochs = 1
[attack]
plans = ["4:exhaustive"]
max_templates = $2
batch = 16
templates_per_unit = 16
permutations_per_unit = 6
TOML
}
job "$WORK/job.toml" 16
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress run "$WORK/job.toml" --json > "$WORK/summary.out"
python3 - "$WORK/summary.out" "$(find "$WORK/train" -name '*.jpg' | wc -l)" "$WORK/run/summary.json" <<'PY' || fail "two-set job: $(head -c 3000 "$WORK/summary.out")"
import json, sys
d = json.load(open(sys.argv[1]))
n_train = int(sys.argv[2])
d["rsr"] = json.load(open(sys.argv[3]))["rsr"]
assert d["status"] == "complete", d["status"]
assert d["ingest_train"]["crops"] == n_train, d["ingest_train"]
t = d["train_inverter"]["fr_feature"]
assert t["evaluation_templates"] > 16, t  # every evaluation subject, none held out by the split
rows = [r for r in d["rsr"] if r["complexity"] == 0 and r["type"] == "I" and r["fmr"] == 0.01]
assert rows and rows[0]["templates"] == 16, rows
PY
h5ls "$WORK/run/templates_train_fr_feature.h5/images" | grep -q "^crop_sha256 " || fail "no training templates"
grep -q "b4-exhaustive" "$WORK/run/rsr_by_complexity.csv" || fail "no RSR table"

# One evaluation image in the training folder under another name: retrained, then refused.
ln -s "$(cat "$WORK/leak.txt")" "$WORK/train/zz_renamed.jpg"
job "$WORK/job_all.toml" 0
expect_error 2 "was trained on 1 of the face images this attack evaluates, under other names (the same aligned crop; first: '$(basename "$(dirname "$(cat "$WORK/leak.txt")")")/" \
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress run "$WORK/job_all.toml"
echo "two_sets_cli: $(json "$WORK/summary.out" "d['ingest_train']['crops']") training crops of their own collection; the leaked image refused"
