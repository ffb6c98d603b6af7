#!/usr/bin/env bash
# embed and verify through the command line and through a job file, on real LFW pairs:
# templates identical for 1 and 3 ranks; both extractors verify the pairs well.
source "$(dirname "$0")/lib.sh"
make_subset "$WORK/lfw" 25 2
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress ingest --images "$WORK/lfw" \
  --pairs "$WORK/lfw.pairs.txt" --out "$WORK/crops.h5"

"$IRREV" --no-progress embed --crops "$WORK/crops.h5" --model "$MODELS/fr_feature.pt" --out "$WORK/t1.h5"
"$MPIEXEC" --oversubscribe -n 3 "$IRREV" --no-progress embed --crops "$WORK/crops.h5" \
  --model "$MODELS/fr_feature.pt" --out "$WORK/t3.h5" --json > "$WORK/embed.json"
[ "$(json "$WORK/embed.json" "d['dim']")" = 512 ] || fail "fr_feature is not 512-D"
h5diff "$WORK/t1.h5" "$WORK/t3.h5" || fail "templates differ between 1 and 3 ranks"

"$IRREV" verify --templates "$WORK/t1.h5" --protocol lfw-view2 --json > "$WORK/v.json"
acc=$(json "$WORK/v.json" "d['lfw_10fold_accuracy']")
python3 -c "import sys; sys.exit(0 if $acc >= 0.95 else 1)" || fail "fr_feature accuracy $acc < 0.95"
[ "$(json "$WORK/v.json" "d['pairs']")" = 100 ] || fail "not 100 pairs verified"

# The same through a job file, with the second extractor; a second run skips both stages.
if [ ! -f "$MODELS/mobilefacenet-128.pt" ]; then  # setup.sh imports it from ../shared only
  echo "SKIP: fr_feature passed; the job-file half needs the second extractor, $MODELS/mobilefacenet-128.pt" >&2
  exit 77
fi
cat > "$WORK/job.toml" <<TOML
[run]
out_dir = "$WORK/run"
[data]
images = "$WORK/lfw"
pairs = "$WORK/lfw.pairs.txt"
[[extractors]]
name = "mobilefacenet-128"
model = "mobilefacenet-128.pt"
[verify]
protocols = ["lfw-view2", "error-rates"]
blocks = [16, 32, 48]
TOML
"$MPIEXEC" --oversubscribe -n 2 "$IRREV" --no-progress run --json "$WORK/job.toml" > "$WORK/run1.json"
acc=$(json "$WORK/run1.json" "d['extractors']['mobilefacenet-128']['lfw_10fold_accuracy']")
python3 -c "import sys; sys.exit(0 if $acc >= 0.95 else 1)" || fail "mobilefacenet-128 accuracy $acc < 0.95"
[ "$(json "$WORK/run1.json" "d['extractors']['mobilefacenet-128']['dim']")" = 128 ] || fail "not 128-D"
# 48 does not divide 128 and is left out for this extractor; 16 and 32 give 8 and 4 blocks.
rows=$(json "$WORK/run1.json" "[r['protection'] + '/' + r['pairs'] for r in d['verify']['mobilefacenet-128']]")
[ "$rows" = "['unprotected/lfw-view2', '16/lfw-view2', '32/lfw-view2', 'unprotected/all-vs-all', '16/all-vs-all', '32/all-vs-all']" ] \
  || fail "verify rows: $rows"
[ -f "$WORK/run/verify_mobilefacenet-128.csv" ] || fail "no verify CSV"
"$IRREV" --no-progress run --json "$WORK/job.toml" > "$WORK/run2.json" 2> "$WORK/run2.log"
grep -q "verify: .* is up to date, skipped" "$WORK/run2.log" || fail "second run did not skip verify"
cmp <(json "$WORK/run1.json" "d['verify']") <(json "$WORK/run2.json" "d['verify']") || fail "verify table changed"
grep -q "ingest: .* is up to date, skipped" "$WORK/run2.log" || fail "second run did not skip ingest"
grep -q "embed: .* is up to date, skipped" "$WORK/run2.log" || fail "second run did not skip embed"


# PE-MIU protection of the same templates: permutations, ranks and complexities stored with them.
"$IRREV" protect --templates "$WORK/t1.h5" --block 64 --seed 5 --out "$WORK/p.h5" > "$WORK/p.json"
h5ls -r "$WORK/p.h5" > "$WORK/p.txt"
grep -q "^/templates .*{$(json "$WORK/embed.json" "d['templates']"), 512}" "$WORK/p.txt" || fail "protected shape"
grep -q "^/permutation/blocks .*, 8}" "$WORK/p.txt" || fail "permutation shape"
h5dump -d /permutation/complexity "$WORK/p.h5" | grep -q "DATA" || fail "complexity missing"
"$IRREV" protect --templates "$WORK/t1.h5" --block 64 --seed 5 --out "$WORK/p2.h5" > /dev/null
h5diff "$WORK/p.h5" "$WORK/p2.h5" > /dev/null || fail "protect is not deterministic for a seed"
set +e
"$IRREV" protect --templates "$WORK/t1.h5" --block 48 --out "$WORK/p3.h5" 2> "$WORK/p3.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "block size 48 does not divide the template dimension 512" "$WORK/p3.err" \
  || fail "block 48: exit $rc, $(cat "$WORK/p3.err")"
# A run folder without the later stages: the report refuses it and names each missing stage.
set +e
"$IRREV" report "$WORK/run" 2> "$WORK/report.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "missing stages: train-inverter (inverter_mobilefacenet-128/inverter.pt); attack (attack_mobilefacenet-128.h5)" "$WORK/report.err" \
  || fail "report on an incomplete run: exit $rc, $(cat "$WORK/report.err")"
echo "embed_verify_cli: fr_feature and mobilefacenet-128 verified and protected, identical for 1 and 3 ranks"
