#pragma once
// Private to train-inverter: the conditions a training runs under that decide its weights bit
// for bit (CUDA's deterministic algorithms, bf16 only where the CPU has bf16 units, the thread
// count of each trainer), each set in one place.
#include "irrev/pipeline/train_inverter.hpp"

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline::detail {

/// cuDNN's deterministic algorithms and cuBLAS's fixed workspace, before any handle is made.
void make_cuda_deterministic();

/// `o` with bf16 and id_bf16 off where the trainers' CPU has no bf16 units (decided by their
/// master, told to every trainer).
TrainInverterOptions bf16_only_with_units(const dist::Communicator& trainers, TrainInverterOptions o);

/// run_train_inverter on `trainers` with the cores of its node shared among them, the caller's
/// thread count restored after.
TrainingSummary train_with_node_cores(const dist::Communicator& trainers, const TrainInverterOptions& o);

}  // namespace irrev::pipeline::detail
