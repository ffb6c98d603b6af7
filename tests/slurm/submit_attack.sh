#!/usr/bin/env bash
# sbatch slurm/one_node_cpu.sbatch with 2 ranks (master + 1 worker): the whole job, from images
# to the RSR table, completes under SLURM with srun --mpi=pmix.
source "$(dirname "$0")/slurm_lib.sh"
id=$(submit --ntasks=2 --output="$WORK/submit-%j.out" slurm/one_node_cpu.sbatch "$WORK/job.toml" "$WORK/run")
slurm_wait "$id" 900
[ "$(json "$WORK/run/summary.json" "d['status']")" = complete ] || fail "not complete: $(cat "$WORK"/submit-*.out)"
[ -f "$WORK/run/attack_fr_feature.h5" ] || fail "no attack.h5"
json "$WORK/run/summary.json" "len(d['rsr']) > 0 and d['job']['attack']['fr_feature']['ranks'] == 2" | grep -qx True \
  || fail "summary: $(head -c 2000 "$WORK/run/summary.json")"
grep -q "RSR (%) by permutation complexity" "$WORK"/submit-"$id".out || fail "no RSR table in the job output"
# The report of that run folder: Markdown and every picture.
"$IRREV" report "$WORK/run" --reference "$SHARED/reference" > /dev/null || fail "irrev report failed"
for f in report.md det_fr_feature.png rsr_fr_feature_b4-exhaustive.png rsr_fr_feature_b8-stratified.png \
         spread_fr_feature_b4-exhaustive.png reconstructions_fr_feature.png training_curves_fr_feature.png gender_fr_feature.csv; do
  [ -s "$WORK/run/report/$f" ] || fail "report: no $f"
done
grep -q "Gender prediction" "$WORK/run/report/report.md" || fail "report without the gender table"
# Compared with a run of the same plans (itself here): both columns of every row agree.
"$IRREV" report "$WORK/run" --compare "$WORK/run" > /dev/null || fail "irrev report --compare failed"
python3 - "$WORK/run/report/report.md" <<'PY' || fail "report --compare table"
import sys
md = open(sys.argv[1]).read()
i = md.index("Expected RSR under uniform PE-MIU, this run (plain) and")
rows = [l for l in md[i:].split("\n\n")[1].splitlines()[2:] if l.startswith("|")]
assert rows, md[i:i + 400]
for r in rows:
    c = [x.strip() for x in r.strip("|").split("|")]
    assert c[3] == c[4], r
PY
echo "submit_attack: 2-rank job $id complete, report written"
