# Sourced by the sbatch templates: run one irrev command as a job step and requeue the job when
# it stopped resumable. SLURM's --signal=USR1@T (without B:) and `scancel --signal=USR1` send
# USR1 to every task of the step; irrev's master stops handing out work, checkpoints and exits
# 75 (EX_TEMPFAIL: "status": "resumable" in RUN_DIR/summary.json or the attack's output). The
# requeued job runs the same command, which continues from the checkpoint.
#   resumable_step RUN_DIR srun --mpi=pmix irrev run JOB.toml --run-dir RUN_DIR
resumable_step() {
  local run_dir="$1"
  shift
  mkdir -p "$run_dir"
  local out="$run_dir/step-${SLURM_JOB_ID:-local}-${SLURM_RESTART_COUNT:-0}.json"
  "$@" | tee "$out"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" = 75 ]; then
    echo "irrev: stopped resumable (restart ${SLURM_RESTART_COUNT:-0}); requeueing job ${SLURM_JOB_ID}" >&2
    scontrol requeue "${SLURM_JOB_ID}"
    return 0
  fi
  return "$rc"
}
