#pragma once
/// Plans written as text, as the command line and job files take them:
/// "BLOCKS:KIND[:N]", e.g. "8:exhaustive", "8:stratified:16", "16:uniform:5000", "8:fixed-seed".
#include <cstdint>
#include <string>

#include "irrev/attack/attack_plan.hpp"

namespace irrev::attack {

/// Parse one plan; an InputError naming `where` and the expected form on anything else.
PlanSpec parse_plan(const std::string& text, std::uint64_t seed, const std::string& where);

}  // namespace irrev::attack
