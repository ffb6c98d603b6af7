#include "irrev/attack/forward_settings.hpp"

namespace irrev::attack {

Precision fastest_guarded_precision(bool cuda) { return cuda ? Precision::bf16 : Precision::fp32; }

}  // namespace irrev::attack
