#include "irrev/attack/plan_text.hpp"

#include <sstream>
#include <vector>

#include "irrev/core/error.hpp"

namespace irrev::attack {

PlanSpec parse_plan(const std::string& text, std::uint64_t seed, const std::string& where) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  const auto bad = [&] {
    return fmt::format(
        "{}: plan '{}' is not BLOCKS:KIND[:N] (e.g. 8:exhaustive, 8:stratified:16, 16:uniform:5000, "
        "8:fixed-seed)",
        where, text);
  };
  IRREV_CHECK(parts.size() == 2 || parts.size() == 3, "{}", bad());
  PlanSpec s;
  s.seed = seed;
  s.kind = enum_from_name<PlanKind>(parts[1], fmt::format("{}: plan '{}'", where, text));
  try {
    std::size_t used = 0;
    s.blocks = std::stoi(parts[0], &used);
    IRREV_CHECK(used == parts[0].size(), "{}", bad());
    if (parts.size() == 3) {
      const long long n = std::stoll(parts[2], &used);
      IRREV_CHECK(used == parts[2].size() && n > 0, "{}", bad());
      IRREV_CHECK(s.kind == PlanKind::stratified || s.kind == PlanKind::uniform,
                  "{}: plan '{}': only stratified and uniform plans take N", where, text);
      if (s.kind == PlanKind::stratified)
        s.per_complexity = static_cast<int>(n);
      else
        s.samples = n;
    }
  } catch (const std::logic_error&) {
    IRREV_FAIL("{}", bad());
  }
  s.validate(0, fmt::format("{}: plan '{}'", where, text));
  return s;
}

}  // namespace irrev::attack
