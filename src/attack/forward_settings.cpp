#include "irrev/attack/forward_settings.hpp"

namespace irrev::attack {

Precision fastest_guarded_precision(bool cuda, bool cpu_bf16_units) {
  if (cuda) return Precision::bf16;
  return cpu_bf16_units ? Precision::bf16_checked : Precision::fp32;
}

}  // namespace irrev::attack
