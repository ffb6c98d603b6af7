#!/usr/bin/env bash
# A job stopped in the middle of its attack by `scancel --signal=USR1` requeues itself and
# continues from the checkpoint; its counts equal the uninterrupted run of submit_attack.
source "$(dirname "$0")/slurm_lib.sh"
[ -f "$WORK/run/attack_fr_feature.h5" ] || fail "needs the uninterrupted run of submit_attack"
id=$(submit --ntasks=2 --output="$WORK/requeue-%j.out" slurm/one_node_cpu.sbatch "$WORK/job.toml" "$WORK/requeued")
ckpt="$WORK/requeued/attack_fr_feature.checkpoint.h5"
for _ in $(seq 3000); do
  if [ -f "$ckpt" ] && h5dump -a progress "$ckpt" 2> /dev/null | grep -q '"units_done":[1-9]'; then break; fi
  sleep 0.1
done
[ -f "$ckpt" ] || fail "no attack checkpoint appeared: $(cat "$WORK"/requeue-*.out)"
scancel --signal=USR1 "$id"
# Requeued jobs wait about two minutes before they are eligible again; the test lets it start now.
# Done when the requeued run has written a complete summary.
# Only after it has been pending for 5 s: started at once, the requeued job met the revoked
# credential of its first run ("Killing non-startable batch job: Job credential revoked").
pending=0
for _ in $(seq 1200); do
  state=$(squeue -h -j "$id" -o %T 2> /dev/null || true)
  if [ "$state" = PENDING ]; then pending=$((pending + 1)); else pending=0; fi
  if [ "$pending" = 10 ]; then scontrol update JobId="$id" StartTime=now 2> /dev/null || true; fi
  grep -q '"status": "complete"' "$WORK/requeued/summary.json" 2> /dev/null && [ -z "$state" ] && break
  sleep 0.5
done
restarts=$(scontrol show job "$id" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
[ "${restarts:-0}" -ge 1 ] || fail "the job was not requeued: $(cat "$WORK"/requeue-*.out)"
grep -q '"status": "resumable"' "$WORK"/requeued/step-"$id"-0.json || fail "the first run did not stop resumable"
grep -q "resuming" "$WORK"/requeued/logs/"$id"/rank0.log || fail "the requeued run did not resume from the checkpoint"
for d in b4-exhaustive/counts b4-exhaustive/histograms b8-stratified/counts b8-stratified/histograms; do
  h5diff "$WORK/run/attack_fr_feature.h5" "$WORK/requeued/attack_fr_feature.h5" "/plans/$d" > /dev/null \
    || fail "requeued counts differ in /plans/$d"
done
echo "requeue_resume: job $id stopped by USR1, requeued ($restarts restart), same counts"
