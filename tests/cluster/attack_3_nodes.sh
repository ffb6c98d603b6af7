#!/usr/bin/env bash
# The small job on 3 nodes x 2 ranks through slurm/cpu_nodes.sbatch (srun --mpi=pmix, Open MPI
# over TCP between the namespaces): its attack counts and histograms equal a 1-rank run's.
source "$(dirname "$0")/cluster_lib.sh"
# The reference on 1 rank here; it also makes the shared stages (crops, templates, thresholds,
# the inverter) that the cluster's run then finds done.
"$IRREV" --no-progress run "$WORK/job.toml" --run-dir "$WORK/ref" > "$WORK/ref.json" 2> "$WORK/ref.log" \
  || fail "1-rank run: $(tail -5 "$WORK/ref.log")"
id=$(submit --nodes=3 --ntasks-per-node=2 --output="$WORK/nodes-%j.out" slurm/cpu_nodes.sbatch "$WORK/job.toml" \
  "$WORK/run3")
slurm_wait "$id" 900
[ "$(json "$WORK/run3/summary.json" "d['status']")" = complete ] || fail "not complete: $(tail -20 "$WORK"/nodes-*.out)"
grep -q "MPI: 6 ranks on 3 host(s): n1 (ranks 0 1), n2 (ranks 2 3), n3 (ranks 4 5)" "$WORK/run3/logs/$id/rank0.log" \
  || fail "ranks not placed 2 per node: $(grep MPI: "$WORK/run3/logs/$id/rank0.log")"
same "$WORK/ref/attack_fr_feature.h5" "$WORK/run3/attack_fr_feature.h5"
echo "attack_3_nodes: job $id on n1, n2, n3 (2 ranks each) = 1 rank"
