#include "irrev/pipeline/agreed_precision.hpp"

#include <string>

#include "irrev/core/cpu_features.hpp"
#include "irrev/core/log.hpp"

namespace irrev::pipeline {

attack::Precision agreed_precision(attack::Precision asked, const Device& device, const dist::Communicator& comm) {
  if (asked != attack::Precision::automatic) return asked;
  const int decider = comm.size() > 1 ? 1 : 0;
  std::string name;
  if (comm.rank() == decider)
    name = name_of(attack::fastest_guarded_precision(device.is_cuda(), has_bf16_units(cpu_flags())));
  comm.broadcast(name, decider);
  const auto p = enum_from_name<attack::Precision>(name, "agreed precision");
  if (comm.is_master()) spdlog::info("attack: precision auto is {} on rank {}'s {}", name, decider, device.name());
  return p;
}

}  // namespace irrev::pipeline
