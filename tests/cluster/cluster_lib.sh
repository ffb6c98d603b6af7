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
CLUSTER_DIR="$WORK/cluster"
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
