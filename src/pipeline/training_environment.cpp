#include "training_environment.hpp"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>

#include "irrev/core/cpu_features.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/communicator.hpp"

namespace irrev::pipeline::detail {

namespace {
/// CPUs this process may run on (its affinity mask; a batch system's allocation).
int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace

/// On CUDA, a resumed training must end with the weights of an uninterrupted one: cuDNN's
/// deterministic algorithms only (no timing-based choice) and cuBLAS with a fixed workspace (its
/// documented condition for reproducible results; read when its handle is made, so set before
/// any). Not LibTorch's global deterministic mode: from 2.1 on it also fills every new tensor
/// (a launch per allocation), and the training's other operators (losses, batch norm, Adam,
/// reductions) have no atomics-based CUDA kernels to replace.
void make_cuda_deterministic() {
  setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
  auto& ctx = at::globalContext();
  ctx.setBenchmarkCuDNN(false);
  ctx.setDeterministicCuDNN(true);
}

/// bf16 autocast on a CPU without bf16 units (AVX-512-BF16 or AMX) sends LibTorch 1.13's bf16
/// convolutions outside oneDNN: the CI machine trained the quick preset at 3 samples/s there,
/// against 131 (bf16) and 75 (fp32) on an AVX-512-BF16 machine. Such a CPU trains in fp32; the
/// trainers' master decides for all of them, and the model records the precision it trained in.
TrainInverterOptions bf16_only_with_units(const dist::Communicator& trainers, TrainInverterOptions o) {
  auto& c = o.config;
  if (c.device.is_cuda() || !(c.bf16 || c.id_bf16)) return o;
  std::string units;
  if (trainers.is_master()) units = has_bf16_units(cpu_flags()) ? "yes" : "no";
  trainers.broadcast(units, 0);
  if (units == "yes") return o;
  if (trainers.is_master())
    spdlog::warn(
        "train-inverter: this CPU has no bf16 units (avx512_bf16 or amx_bf16 in /proc/cpuinfo), where "
        "LibTorch's bf16 convolutions run outside oneDNN, many times slower than fp32: training in fp32 "
        "(bf16 and id_bf16 off)");
  c.bf16 = false;
  c.id_bf16 = false;
  return o;
}

/// Training with the cores this process may run on, shared among the trainers of its node (all
/// of them when the ranks are not bound to cores, as under --oversubscribe), and the thread count
/// of the caller restored afterwards. The weights depend on the thread count (the order of
/// oneDNN's sums), so one rank alone takes the cores as a trainer among waiting ranks does: the
/// same inverter from 1 rank and from N ranks on one node.
TrainingSummary train_with_node_cores(const dist::Communicator& trainers, const TrainInverterOptions& o) {
  const int before = at::get_num_threads();
  const int threads = std::max(before, available_cpus() / trainers.node_size());
  at::set_num_threads(threads);
  if (trainers.is_master())
    spdlog::info("train-inverter: {} training rank(s) with {} thread(s) each", trainers.size(), threads);
  TrainingSummary summary;
  try {
    summary = run_train_inverter(trainers, o);
  } catch (...) {
    at::set_num_threads(before);
    throw;
  }
  at::set_num_threads(before);  // the stages after training run one thread per rank again
  return summary;
}

}  // namespace irrev::pipeline::detail
