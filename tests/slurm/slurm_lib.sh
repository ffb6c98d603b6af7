# Shared by the SLURM tests (sourced): script.sh IRREV_BINARY SHARED_DIR WORK_DIR, where
# WORK_DIR is the fixture folder that setup.sh filled (a running local SLURM, a small job).
set -euo pipefail
IRREV="$1"
SHARED="$2"
WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
source "$HERE/local_slurm.sh"
source "$HERE/small_job.sh"
need_genders  # the fixture's small job
export SLURM_CONF="$WORK/slurm/slurm.conf" IRREV="$IRREV" IRREV_HOME="$REPO"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# submit [sbatch options] SCRIPT ARGS...: the job id (submitted from the repository root)
submit() { (cd "$REPO" && sbatch --parsable "$@"); }
