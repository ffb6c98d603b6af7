# Shared by the cluster tests (sourced): script.sh IRREV_BINARY SHARED_DIR WORK_DIR, where
# WORK_DIR is the fixture folder that setup.sh filled (a running namespace cluster, a small job).
# SLURM's commands run in the controller's namespace (the only place its address exists).
set -euo pipefail
IRREV="$1"
SHARED="$2"
WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/ns_cluster.sh"
source "$HERE/../slurm/small_job.sh"
CLUSTER_DIR="$WORK/cluster"
need_genders  # the fixture's small job
export CLUSTER_VISIBLE="$IRREV $SHARED $WORK $LFW $LFW_IMAGES"
export SLURM_CONF="$CLUSTER_DIR/slurm.conf" IRREV="$IRREV" IRREV_HOME="$REPO"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI between the nodes: the cluster's network only (what a site sets, see cpu_nodes.sbatch).
export OMPI_MCA_btl_tcp_if_include=10.77.0.0/24
for c in sbatch squeue scontrol scancel sinfo; do eval "$c() { on_ctl $c \"\$@\"; }"; done
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
submit() { (cd "$REPO" && sbatch --parsable "$@"); }
# same A.h5 B.h5: identical counts and histograms of the small job's plans.
same() {
  local d
  for d in b4-exhaustive/counts b4-exhaustive/histograms b8-stratified/counts b8-stratified/histograms; do
    h5diff "$1" "$2" "/plans/$d" > /dev/null || fail "$1 and $2 differ in /plans/$d"
  done
}

# lose_node NODE RUN_DIR [CMD...]: submits the small job ($JOB_FILE, by default WORK/job.toml) on
# 3 nodes x 2 ranks into RUN_DIR, kills
# every process of NODE (slurmd, job steps, ranks) once the attack has checkpointed a unit, runs
# CMD right after the kill, lets the requeued job start at once, and waits until it has finished.
# Prints the timeline (seconds after the kill) and leaves the job id in LOST_JOB; the node is
# started again at the end.
lose_node() {
  local node="$1" run="$2" ckpt="$2/attack_fr_feature.checkpoint.h5" t0 now state last="" pending=0
  shift 2
  LOST_JOB=$(submit --nodes=3 --ntasks-per-node=2 --output="$WORK/lost-%j.out" slurm/cpu_nodes.sbatch \
    "${JOB_FILE:-$WORK/job.toml}" "$run")
  for _ in $(seq 3000); do
    if [ -f "$ckpt" ] && h5dump -a progress "$ckpt" 2> /dev/null | grep -q '"units_done":[1-9]'; then break; fi
    sleep 0.1
  done
  [ -f "$ckpt" ] || fail "no attack checkpoint appeared: $(tail "$WORK/lost-$LOST_JOB.out")"
  echo "job $LOST_JOB on $(squeue -h -j "$LOST_JOB" -o %N); killing $node after unit(s) checkpointed"
  t0=$(date +%s.%N)
  node_kill "$node"
  [ $# = 0 ] || "$@"
  for _ in $(seq 2400); do
    now=$(python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):6.1f} s')" "$(date +%s.%N)" "$t0")
    state=$(squeue -h -j "$LOST_JOB" -o "%T %N" 2> /dev/null || true)
    [ "$state" = "$last" ] || echo "$now: job ${state:-gone}; nodes $(sinfo -h -N -o '%N=%T' | tr '\n' ' ')"
    last="$state"
    # Requeued jobs wait about two minutes before they are eligible again: let it start now.
    if [ "${state%% *}" = PENDING ]; then pending=$((pending + 1)); else pending=0; fi
    if [ "$pending" = 10 ]; then scontrol update JobId="$LOST_JOB" StartTime=now 2> /dev/null || true; fi
    [ -z "$state" ] && break
    sleep 0.5
  done
  [ -z "$state" ] || fail "job $LOST_JOB still queued 20 minutes after the node loss"
  node_start "$node"
  local restarts
  restarts=$(scontrol show job "$LOST_JOB" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
  [ "${restarts:-0}" -ge 1 ] || fail "the job was not requeued: $(tail -20 "$WORK/lost-$LOST_JOB.out")"
  [ "$(json "$run/summary.json" "d['status']")" = complete ] || fail "not complete: $(tail -20 "$WORK/lost-$LOST_JOB.out")"
  grep -q "resuming" "$run/logs/$LOST_JOB/rank0.log" || fail "the requeued run did not resume from the checkpoint"
  echo "requeued $restarts time(s); the second run: $(grep -h "MPI:" "$run/logs/$LOST_JOB/rank0.log" | tail -1 | sed 's/.*MPI: //')"
  grep -h "resuming" "$run/logs/$LOST_JOB/rank0.log" | tail -1 | sed 's/.*\] //'
}
