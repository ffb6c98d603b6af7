#!/usr/bin/env bash
# Fixture cleanup: every process of the namespace cluster stopped by id, its namespaces deleted.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/ns_cluster.sh"
cluster_stop "$3/cluster"
