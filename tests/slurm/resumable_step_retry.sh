#!/usr/bin/env bash
# slurm/resumable_step.sh launches a step once more when it died by a signal before any rank
# wrote its log (a launch that crashed in MPI_Init), and not when a rank had started; exit 75
# still asks for a requeue (scontrol, a stand-in on PATH here, records it).
set -euo pipefail
WORK="$3"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
rm -rf "$WORK" && mkdir -p "$WORK/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
printf '#!/bin/sh\necho "$@" >> %s/requeued\n' "$WORK" > "$WORK/bin/scontrol"
chmod +x "$WORK/bin/scontrol"
export PATH="$WORK/bin:$PATH" SLURM_JOB_ID=7
source "$REPO/slurm/resumable_step.sh"
# step RUN_DIR: dies by SIGSEGV before logging at its first launch, then logs and succeeds.
step() {
  if [ ! -f "$1/launched" ]; then touch "$1/launched"; kill -SEGV $$; fi
  mkdir -p "$1/logs" && echo started > "$1/logs/rank0.log" && echo '{"status": "complete"}'
}
export -f step
resumable_step "$WORK/a" bash -c 'step "$0"' "$WORK/a" 2> "$WORK/a.err" || fail "a step that crashed before starting was not launched again"
grep -q "launching it once more" "$WORK/a.err" || fail "no word of the second launch: $(cat "$WORK/a.err")"
# A step whose rank had started (its log written) and then died is not launched again.
rc=0
resumable_step "$WORK/b" bash -c 'mkdir -p "$0/logs"; echo started > "$0/logs/rank0.log"; kill -SEGV $$' "$WORK/b" \
  2> "$WORK/b.err" || rc=$?
[ "$rc" = 139 ] || fail "a step that had started and crashed: exit $rc, not 139"
grep -q "once more" "$WORK/b.err" && fail "a step that had started was launched again"
# Exit 75 (resumable): the job is requeued and the step counts as done.
resumable_step "$WORK/c" bash -c 'exit 75' || fail "a resumable stop failed the step"
grep -q "requeue 7" "$WORK/requeued" || fail "no requeue of job 7"
echo "resumable_step_retry: crashed launch retried once, started step not, exit 75 requeued"
