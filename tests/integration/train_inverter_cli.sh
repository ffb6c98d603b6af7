#!/usr/bin/env bash
# train-inverter on real LFW crops and templates: a killed training (one rank or two) resumes
# from its last checkpoint and ends with the same weights as an uninterrupted one; the model
# file records its training identities, none of them an evaluation identity.
source "$(dirname "$0")/lib.sh"
make_subset "$WORK/lfw" 60 2
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" --out "$WORK/crops.h5"
"$IRREV" --no-progress embed --crops "$WORK/crops.h5" --model "$MODELS/fr_feature.pt" --out "$WORK/t.h5"
train() {  # out_dir epochs
  "$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" \
    --extractor "$MODELS/fr_feature.pt" --out "$1" --preset quick-cpu --epochs "$2" --max-minutes 0
}
train "$WORK/straight" 3 > "$WORK/straight.json"
[ "$(json "$WORK/straight.json" "d['epochs']")" = 3 ] || fail "not 3 epochs"
# The flags given (--epochs) replace the preset's values, the others keep them: quick-cpu keeps
# the best-recognised epoch (the reference would keep the last).
json "$WORK/straight.json" "d['kept']" | grep -q "best validation recognition" || fail "the preset's keep was lost"
[ -f "$WORK/straight/samples/epoch_003.png" ] || fail "no sample grid"
[ "$(wc -l < "$WORK/straight/losses.csv")" = 4 ] || fail "losses.csv"
python3 -c "import sys; assert open(sys.argv[1], 'rb').read(8) == b'\x89PNG\r\n\x1a\n'" \
  "$WORK/straight/training_curves.png" || fail "no training_curves.png"

# Killed once the first epoch's checkpoint is there, then run again: it resumes.
train "$WORK/killed" 3 > /dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ -f "$WORK/killed/checkpoint/state.json" ] && break
  sleep 0.1
done
pkill -9 -f -- "--out $WORK/killed" || true  # the training process itself, not only the shell around it
wait "$pid" 2>/dev/null || true
[ -f "$WORK/killed/checkpoint/state.json" ] || fail "no checkpoint before the kill"
# As if the kill had come between the two renames of a checkpoint rotation: only the previous
# checkpoint is left, under its old name, and the resume must find it there.
rm -rf "$WORK/killed/checkpoint.old" "$WORK/killed/checkpoint.tmp"
mv "$WORK/killed/checkpoint" "$WORK/killed/checkpoint.old"
train "$WORK/killed" 3 > "$WORK/killed.json" 2> "$WORK/killed.log"
grep -q "resuming after epoch" "$WORK/killed.log" || fail "the second run did not resume"
cmp "$WORK/straight/inverter.pt" "$WORK/killed/inverter.pt" || fail "resumed weights differ from an uninterrupted training"

# Two training ranks (data-parallel, one all-reduce of the gradients a step) beside the master:
# a run resumed from its first epoch's checkpoint ends with the weights of an uninterrupted one.
train2() {  # out_dir epochs
  "$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" \
    --templates "$WORK/t.h5" --extractor "$MODELS/fr_feature.pt" --out "$1" --preset quick-cpu --epochs "$2" \
    --max-minutes 0 --trainers 2
}
train2 "$WORK/ranks2" 2 > /dev/null 2>&1 || fail "2-rank training"
train2 "$WORK/ranks2_resumed" 1 > /dev/null 2>&1 || fail "2-rank training, first epoch"
train2 "$WORK/ranks2_resumed" 2 > /dev/null 2> "$WORK/ranks2.log" || fail "2-rank training, resumed"
grep -q "resuming after epoch 1" "$WORK/ranks2.log" || fail "the 2-rank run did not resume"
cmp "$WORK/ranks2/inverter.pt" "$WORK/ranks2_resumed/inverter.pt" || fail "resumed 2-rank weights differ"

# A CPU without bf16 units (its /proc/cpuinfo seen without avx512_bf16 and amx_bf16, in a mount
# namespace of its own) trains the bf16 preset in fp32, says so, and records it.
sed -E 's/ (avx512_bf16|amx_bf16)//g' /proc/cpuinfo > "$WORK/cpuinfo"
unshare --mount bash -c 'mount --bind "$1" /proc/cpuinfo && shift && exec "$@"' _ "$WORK/cpuinfo" \
  "$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" \
  --extractor "$MODELS/fr_feature.pt" --out "$WORK/no_bf16" --preset quick-cpu --epochs 1 --max-minutes 0 \
  > /dev/null 2> "$WORK/no_bf16.log" || fail "training without bf16 units: $(tail -3 "$WORK/no_bf16.log")"
grep -q "has no bf16 units" "$WORK/no_bf16.log" || fail "no word of the fp32 fallback"
python3 - "$WORK/no_bf16/checkpoint/state.json" "$WORK/straight/checkpoint/state.json" <<'PY' || fail "recorded precision"
import json, sys
fp32, bf16 = (json.loads(json.load(open(f))["key"])["config"] for f in sys.argv[1:])
assert (fp32["bf16"], fp32["id_bf16"], bf16["bf16"], bf16["id_bf16"]) == (False, False, True, True), (fp32, bf16)
PY

# Training identities recorded; none is an evaluation identity of the same split.
python3 - "$WORK/straight.json" <<'PY' || fail "identity split"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["training_identities"] > 0 and d["evaluation_templates"] > 0, d
PY
# Another training's checkpoint is refused, not silently continued.
set +e
"$IRREV" --no-progress train-inverter --crops "$WORK/crops.h5" --templates "$WORK/t.h5" \
  --extractor "$MODELS/fr_feature.pt" --out "$WORK/straight" --preset reference --epochs 1 2> "$WORK/other.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "holds a checkpoint of another training" "$WORK/other.err" || fail "other checkpoint: $rc $(cat "$WORK/other.err")"
echo "train_inverter_cli: resumed training equals uninterrupted training"
