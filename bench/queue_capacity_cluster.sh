#!/usr/bin/env bash
# The master's capacity across nodes: bench/queue_capacity launched by SLURM (srun --mpi=pmix,
# Open MPI over TCP between network namespaces) on the namespace cluster of tests/cluster, with
# the master on the first node and the workers spread over all of them, and the message latency
# and bandwidth between the first and the last node. Prints queue_capacity's lines.
#   sudo bash bench/queue_capacity_cluster.sh BUILD_DIR "NODES RANKS ARGS..." ...
#   e.g. bash bench/queue_capacity_cluster.sh build "3 3 --units 2000 --unit-ms 2 --pingpong 200"
# Needs root, iproute2, util-linux and slurm-wlm/munge (as the cluster tests); the cluster is
# started in BUILD_DIR/bench_cluster and stopped (every process by id) when the script ends.
set -euo pipefail
build="$(cd "${1:?usage: queue_capacity_cluster.sh BUILD_DIR \"NODES RANKS ARGS...\" ...}" && pwd)"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/../tests/cluster/ns_cluster.sh"
cluster_available || { echo "queue_capacity_cluster: needs root, iproute2, util-linux and slurm-wlm/munge" >&2; exit 77; }
bench="$build/bench/queue_capacity"
[ -x "$bench" ] || { echo "queue_capacity_cluster: no $bench (cmake --build $build --target queue_capacity)" >&2; exit 2; }
work="$build/bench_cluster"
cluster_stop "$work/cluster"  # one left by an interrupted run
rm -rf "$work"
mkdir -p "$work"
export CLUSTER_VISIBLE="$build"
trap 'cluster_stop "$work/cluster"' EXIT
cluster_start "$work/cluster" > /dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_tcp_if_include=10.77.0.0/24
i=0
for config in "$@"; do
  read -r nodes ranks args <<< "$config"
  i=$((i + 1))
  # --overcommit: more ranks than a node's 4 CPUs (they sleep in place of computing).
  on_ctl sbatch --wait --quiet --nodes="$nodes" --ntasks="$ranks" --overcommit --output="$work/run$i.out" \
    --wrap "srun --mpi=pmix --kill-on-bad-exit=1 '$bench' $args" ||
    { echo "queue_capacity_cluster: '$config' failed: $(tail -5 "$work/run$i.out")" >&2; exit 1; }
  grep "^queue_capacity " "$work/run$i.out"
done
