#!/usr/bin/env bash
# The master's node (n1: the batch script, srun, ranks 0 and 1) lost mid-attack: SLURM requeues
# the job, which resumes from the last checkpoint on other nodes; a checkpoint half-written when
# the node died (the first half of the real one under the temporary name a write goes to before
# it takes the final one) is never taken; the counts equal the 1-rank run's.
source "$(dirname "$0")/cluster_lib.sh"
[ -f "$WORK/ref/attack_fr_feature.h5" ] || fail "needs the 1-rank run of attack_3_nodes"
run="$WORK/master_lost"
half_written() {
  local ckpt="$run/attack_fr_feature.checkpoint.h5"
  head -c $(($(stat -c %s "$ckpt") / 2)) "$ckpt" > "$ckpt.tmp"
}
lose_node n1 "$run" half_written
log="$run/logs/$LOST_JOB/rank0.log"
grep -q "MPI: 6 ranks on 3 host(s): n2 (ranks 0 1), n3 (ranks 2 3), n4 (ranks 4 5)" "$log" \
  || fail "the requeued job did not run on n2, n3, n4: $(grep -h MPI: "$log")"
same "$WORK/ref/attack_fr_feature.h5" "$run/attack_fr_feature.h5"
echo "master_node_lost: same counts as 1 rank"
