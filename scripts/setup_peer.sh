#!/usr/bin/env bash
# What bench/pytorch_peer.py needs beyond scripts/setup.sh: Debian's PyTorch (1.13, CPU) for
# Debian's python3. Only the CPU comparison uses it; the engine and its tests do not.
set -euo pipefail
if /usr/bin/python3 -c 'import torch, h5py' 2>/dev/null; then
  echo "[setup_peer] python3-torch and python3-h5py are there" >&2
  exit 0
fi
sudo_=""
[ "$(id -u)" -eq 0 ] || sudo_=sudo
$sudo_ apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -q python3-torch python3-h5py
