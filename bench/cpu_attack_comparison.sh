#!/usr/bin/env bash
# The attack on the CPU in one run: the processor's flags, then plain LibTorch eager fp32 and
# the engine's precisions (attack_throughput, with the accuracy guard against fp32), then the
# PyTorch peer on the same inverter, extractor, templates, batch and threads (pytorch_peer.py;
# Debian's python3-torch: scripts/setup_peer.sh). Compare figures within one run only.
#
#   bench/cpu_attack_comparison.sh INVERTER EXTRACTOR TEMPLATES THRESHOLDS [THREADS] [SECONDS]
#   (IRREV_BUILD: the build folder, default ./build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${IRREV_BUILD:-$here/build}"
if [ $# -lt 4 ]; then
  echo "usage: $0 INVERTER EXTRACTOR TEMPLATES THRESHOLDS [THREADS] [SECONDS]" >&2
  exit 2
fi
inverter=$1 extractor=$2 templates=$3 thresholds=$4 threads=${5:-2} seconds=${6:-10}
python3=/usr/bin/python3  # Debian's, where python3-torch installs
"$python3" -c 'import torch' 2>/dev/null || {
  echo "$0: Debian's python3-torch is missing: run scripts/setup_peer.sh" >&2
  exit 2
}
"$build/bench/attack_throughput" --inverter "$inverter" --extractor "$extractor" --templates "$templates" \
  --device cpu --threads "$threads" --batch 32 --precision fp32 bf16 bf16-all bf16-checked bf16-all-checked auto --eager \
  --breakdown --seconds "$seconds" --thresholds "$thresholds" --guard-templates 128
"$python3" "$here/bench/pytorch_peer.py" --inverter "$inverter" --extractor "$extractor" --templates "$templates" \
  --batch 32 --threads "$threads" --seconds "$seconds"
