#include "irrev/models/device_placement.hpp"

#include <cstdlib>
#include <sstream>
#include <vector>

#include "irrev/core/error.hpp"
#include "irrev/models/extractor.hpp"

namespace irrev::models {
namespace {

/// CUDA_VISIBLE_DEVICES's entries ("0,2" or UUIDs), in order; empty when unset.
std::vector<std::string> visible_entries(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

DevicePlacement place_device(const Device& device, int local_worker, bool from_environment) {
  DevicePlacement p;
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  p.visible_list = env ? env : "";
  const auto entries = visible_entries(p.visible_list);
  p.visible = cuda_device_count();
  p.cuda_runtime = p.visible > 0;
  if (!p.cuda_runtime && from_environment) p.visible = static_cast<int>(entries.size());
  p.device = device;
  if (device.is_cpu()) return p;
  int index = device.index;
  if (index < 0) {
    IRREV_CHECK(p.visible > 0, "device 'cuda' was asked for, but this LibTorch sees no CUDA device{}",
                env ? fmt::format(" (CUDA_VISIBLE_DEVICES={})", p.visible_list)
                    : std::string(from_environment ? " and CUDA_VISIBLE_DEVICES is not set" : ""));
    index = local_worker % p.visible;
    p.device = Device::cuda(index);
  }  // (a cuda:N asked for is checked when a network opens it)
  p.node_gpu =
      env ? (index < static_cast<int>(entries.size()) ? entries[index] : std::string("?")) : std::to_string(index);
  return p;
}

std::string describe(const DevicePlacement& p, int local_worker) {
  if (p.device.is_cpu()) return fmt::format("worker {} opens cpu", local_worker);
  return fmt::format("worker {} sees {} CUDA device(s) ({}{}) and {} {} = the node's GPU {}", local_worker, p.visible,
                     p.visible_list.empty() ? "CUDA_VISIBLE_DEVICES unset" : "CUDA_VISIBLE_DEVICES=", p.visible_list,
                     p.cuda_runtime ? "opens" : "would open (no CUDA in this LibTorch)", p.device.name(), p.node_gpu);
}

}  // namespace irrev::models
