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

/// The result file of that attack, in the run folder.
inline std::string attack_file_name(const std::string& extractor, AttackMode mode) {
  return "attack_" + attack_tag(extractor, mode) + ".h5";
}

/// summary.json's section of the attacks in `mode`, by extractor: "attack" for the plain attack,
/// "attack_<mode's name>" for the others.
inline std::string summary_section(AttackMode mode) {
  return mode == AttackMode::plain ? "attack" : "attack_" + name_of(mode);
}

/// Every mode, in the name table's order.
inline constexpr std::array<AttackMode, 2> kAttackModes{AttackMode::plain, AttackMode::unshuffled};
static_assert(kAttackModes.size() == EnumNames<AttackMode>::names.size(), "kAttackModes lists every mode");

}  // namespace irrev::pipeline
