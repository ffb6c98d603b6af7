#!/usr/bin/env bash
# Fixture cleanup: stop the local SLURM of WORK/slurm by process id.
WORK="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/local_slurm.sh"
SLURM_DIR="$WORK/slurm"
slurm_stop
