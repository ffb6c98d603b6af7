# Sourced by the sbatch templates: run one irrev command as a job step and requeue the job when
# it stopped resumable. SLURM's --signal=USR1@T (without B:) and `scancel --signal=USR1` send
# USR1 to every task of the step; irrev's master stops handing out work, checkpoints and exits
# 75 (EX_TEMPFAIL: "status": "resumable" in RUN_DIR/summary.json or the attack's output). The
# requeued job runs the same command, which continues from the checkpoint.
#   resumable_step RUN_DIR srun --mpi=pmix irrev --log-dir RUN_DIR/logs/... run JOB.toml --run-dir RUN_DIR
# A step that died by a signal before any rank wrote its log under RUN_DIR did no work and is
# launched once more: Open MPI 4.1's TCP transport can crash in MPI_Init while ranks on several
# nodes connect (a segfault in its event handler: 5 of 140 six-rank launches on 3 nodes of the
# test cluster).
resumable_step() {
  local run_dir="$1"
  shift
  mkdir -p "$run_dir"
  local out="$run_dir/step-${SLURM_JOB_ID:-local}-${SLURM_RESTART_COUNT:-0}.json"
  local started="$run_dir/.step-started" rc attempt
  for attempt in 1 2; do
    touch "$started"
    "$@" | tee "$out"
    rc=${PIPESTATUS[0]}
    if [ "$attempt" = 1 ] && [ "$rc" -gt 128 ] &&
      [ -z "$(find "$run_dir" -name 'rank*.log' -newer "$started" -print -quit)" ]; then
      echo "irrev: the step died (exit $rc) before any rank started; launching it once more" >&2
      continue
    fi
    break
  done
  rm -f "$started"
  if [ "$rc" = 75 ]; then
    echo "irrev: stopped resumable (restart ${SLURM_RESTART_COUNT:-0}); requeueing job ${SLURM_JOB_ID}" >&2
    scontrol requeue "${SLURM_JOB_ID}"
    return 0
  fi
  return "$rc"
}
