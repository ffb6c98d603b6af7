#pragma once
/// Which attack a job runs on an extractor's templates, and how its files are named.
#include <array>
#include <string>
#include <string_view>

#include "irrev/core/enum_names.hpp"

namespace irrev::pipeline {

/// plain inverts the protected template as it is; unshuffled first puts its blocks back in the
/// order a block-position model finds (no second sample).
enum class AttackMode { plain, unshuffled };

}  // namespace irrev::pipeline

template <>
struct irrev::EnumNames<irrev::pipeline::AttackMode> {
  static constexpr std::string_view what = "attack mode";
  static constexpr std::array<std::string_view, 2> names{"plain", "unshuffled"};
};

namespace irrev::pipeline {

/// How files, columns and plots name an attack of `extractor` in `mode`: the extractor alone for
/// the plain attack, else "<extractor>_<mode's name>" (attack_<tag>.h5).
inline std::string attack_tag(const std::string& extractor, AttackMode mode) {
  return mode == AttackMode::plain ? extractor : extractor + "_" + name_of(mode);
}

}  // namespace irrev::pipeline
