#!/usr/bin/env bash
# The small job on 3 nodes x 2 ranks through slurm/cpu_nodes.sbatch (srun --mpi=pmix, Open MPI
# over TCP between the namespaces): its attack counts and histograms equal a 1-rank run's. The
# cluster's run has grants of about 20 s (units of 1-2 s there), so its workers send results of
# several units merged, across the nodes.
source "$(dirname "$0")/cluster_lib.sh"
# The reference on 1 rank here; it also makes the shared stages (crops, templates, thresholds,
# the inverter) that the cluster's run then finds done.
"$IRREV" --no-progress run "$WORK/job.toml" --run-dir "$WORK/ref" > "$WORK/ref.json" 2> "$WORK/ref.log" \
  || fail "1-rank run: $(tail -5 "$WORK/ref.log")"
# grant_seconds is in no stage's key: the cluster's run finds the same shared stages done.
sed 's/^\[attack\]$/[attack]\ngrant_seconds = 20/' "$WORK/job.toml" > "$WORK/job_grants.toml"
id=$(submit --nodes=3 --ntasks-per-node=2 --output="$WORK/nodes-%j.out" slurm/cpu_nodes.sbatch "$WORK/job_grants.toml" \
  "$WORK/run3")
slurm_wait "$id" 900
[ "$(json "$WORK/run3/summary.json" "d['status']")" = complete ] || fail "not complete: $(tail -20 "$WORK"/nodes-*.out)"
grep -q "MPI: 6 ranks on 3 host(s): n1 (ranks 0 1), n2 (ranks 2 3), n3 (ranks 4 5)" "$WORK/run3/logs/$id/rank0.log" \
  || fail "ranks not placed 2 per node: $(grep MPI: "$WORK/run3/logs/$id/rank0.log")"
same "$WORK/ref/attack_fr_feature.h5" "$WORK/run3/attack_fr_feature.h5"
line=$(grep -m1 "work queue 'attack'" "$WORK/run3/logs/$id/rank0.log") || fail "no attack queue line in rank0.log"
python3 - "$line" <<'PY' || fail "no grant of several units across the nodes: $line"
import re, sys
m = re.search(r"(\d+) results of (\d+) units", sys.argv[1])
assert m and int(m.group(1)) < int(m.group(2)), sys.argv[1]
PY
echo "attack_3_nodes: job $id on n1, n2, n3 (2 ranks each), grants of several units = 1 rank (${line#*: })"
