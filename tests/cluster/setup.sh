#!/usr/bin/env bash
# Fixture: a SLURM cluster of three nodes in network namespaces (ns_cluster.sh) in
# WORK/cluster, and the small real job of the SLURM tests (small_job.sh) in WORK. Exit 77
# (skipped) only where slurm-wlm is not installed, this is not root (namespaces need it)
# or the LFW copy has no gender lists.
set -euo pipefail
IRREV="$1" SHARED="$2" WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/ns_cluster.sh"
if ! cluster_available; then
  echo "SKIP: the namespace cluster needs root, iproute2, util-linux and slurm-wlm/munge" >&2
  exit 77
fi
cluster_stop "$WORK/cluster"  # a fixture left by an interrupted run
rm -rf "$WORK"
mkdir -p "$WORK"
source "$HERE/../slurm/small_job.sh"
need_genders  # the small job's gender stage
export CLUSTER_VISIBLE="$IRREV $SHARED $WORK $LFW $LFW_IMAGES"
small_job "$IRREV" "$SHARED" "$WORK"
cluster_start "$WORK/cluster"
echo "namespace cluster up in $WORK/cluster: $(on_ctl sinfo -h -N -o '%N %T' | tr '\n' ' ')"
