#pragma once
/// The gradient all-reduce of data-parallel training, owned by dist/ so that a training loop
/// only says "average these gradients over the ranks". Where MPI is CUDA-aware the sum runs
/// on the device buffer itself; otherwise the flattened gradients travel through host memory.
#include <torch/types.h>

#include <vector>

#include "irrev/dist/communicator.hpp"  // torch stays out of the public headers

namespace irrev::dist {

/// Whether this process's MPI takes CUDA device pointers: Open MPI's MPIX_Query_cuda_support()
/// where the build has that extension (compile time) and the library says so (run time).
bool cuda_aware_mpi();

/// Where average_gradients sums, for the log: "the device buffer (CUDA-aware MPI)" or "host memory".
const char* gradient_sum_route(const torch::Device& device);

/// Every tensor's gradient summed over the ranks of `comm` and divided by their number, in
/// place (one flattened all-reduce; collective, every rank passes its parameters in the same
/// order; each has its gradient).
void average_gradients(const Communicator& comm, const std::vector<torch::Tensor>& parameters);

}  // namespace irrev::dist
