#!/usr/bin/env bash
# A worker node (n3: ranks 4 and 5) lost mid-attack: SLURM ends the job once it has marked the
# node down (SlurmdTimeout 30 s), requeues it, the job resumes from its checkpoint on the nodes
# left (n1, n2, n4) and its counts equal the 1-rank run's. The unit deadline is off here, so that
# the master waits for the lost ranks' units and the requeued job has units left to do (with it,
# the master hands them to the workers left after 10 s and the attack ends before the loss is
# noticed: the requeued job then finds every unit done).
source "$(dirname "$0")/cluster_lib.sh"
[ -f "$WORK/ref/attack_fr_feature.h5" ] || fail "needs the 1-rank run of attack_3_nodes"
sed 's/^\[attack\]$/[attack]\nunit_deadline_factor = 0/' "$WORK/job.toml" > "$WORK/job_no_deadline.toml"
JOB_FILE="$WORK/job_no_deadline.toml" lose_node n3 "$WORK/worker_lost"
units=$(grep -h "resuming" "$WORK/worker_lost/logs/$LOST_JOB/rank0.log" | tail -1 | sed 's/.*resuming: \([0-9]*\) of \([0-9]*\).*/\1 \2/')
[ "${units% *}" -lt "${units#* }" ] || fail "the requeued job had no unit left to do ($units)"
grep -q "MPI: 6 ranks on 3 host(s): n1 (ranks 0 1), n2 (ranks 2 3), n4 (ranks 4 5)" \
  "$WORK/worker_lost/logs/$LOST_JOB/rank0.log" || fail "the requeued job did not run on n1, n2, n4"
same "$WORK/ref/attack_fr_feature.h5" "$WORK/worker_lost/attack_fr_feature.h5"
echo "worker_node_lost: same counts as 1 rank"
