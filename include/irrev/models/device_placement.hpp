#pragma once
/// Which device a rank's networks run on. Worker w of a node takes CUDA device w modulo the
/// devices it sees: with SLURM's --gpus-per-node every worker sees the node's GPUs and takes
/// its own; with --gpus-per-task=1 each sees one (its cuda:0, a different GPU per task).
#include <string>

#include "irrev/core/device.hpp"

namespace irrev::models {

struct DevicePlacement {
  Device device;             ///< what the rank opens: the CPU, cuda:K, or the cuda:N asked for
  int visible = 0;           ///< CUDA devices the rank sees
  std::string visible_list;  ///< CUDA_VISIBLE_DEVICES as the rank got it ("" when unset)
  /// The GPU that cuda:K is, in the node's numbering: entry K of CUDA_VISIBLE_DEVICES, or K
  /// when it is unset ("" for the CPU).
  std::string node_gpu;
  /// false: this LibTorch sees no CUDA (a CPU build); `visible` was counted from
  /// CUDA_VISIBLE_DEVICES and `device` is what a CUDA build would open.
  bool cuda_runtime = false;
};

/// The placement of `device` (cpu, cuda or cuda:N) for worker `local_worker` of its
/// node. A plain "cuda" needs a visible device: counted by LibTorch, or, where it sees none
/// and `from_environment` is set, from CUDA_VISIBLE_DEVICES (to check a placement on a machine
/// without GPUs); otherwise it is an error.
DevicePlacement place_device(const Device& device, int local_worker, bool from_environment = false);

/// One line for a log: "worker W sees N CUDA device(s) (CUDA_VISIBLE_DEVICES=...) and opens
/// cuda:K = the node's GPU G", or "worker W opens cpu".
std::string describe(const DevicePlacement& p, int local_worker);

}  // namespace irrev::models
