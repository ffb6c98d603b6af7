#pragma once
// Private to the attack stage: everything an attack derives from its files before any work
// (templates, thresholds, plans, the inverter, the selection with its leakage checks, the
// block-position models), identical on every rank, and the attack's key.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/attack/template_selection.hpp"
#include "irrev/attack/unshuffle.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/pipeline/attack_stage.hpp"
#include "irrev/pipeline/thresholds.hpp"

namespace irrev::pipeline::detail {

struct PreparedAttack {
  data::TemplateSet set;
  Thresholds thresholds;
  std::vector<attack::Plan> plans;
  std::unique_ptr<models::Inverter> inverter;
  std::string extractor_sha;
  attack::SelectionSpec selection;  ///< the settings' selection on the inverter's identity split
  attack::TemplateSelection chosen;
  attack::AttackInputs inputs;
  std::int64_t with_second = 0;  ///< attacked templates with a type-II reference
  /// Per plan, fitted on the split's training identities; empty when no recovery step runs.
  std::vector<attack::BlockPositionModel> position_models;
  /// With unshuffle_model = joint: the joint model of the whole template, on the same templates.
  std::shared_ptr<const attack::JointTemplateModel> joint_model;
  std::int64_t model_templates = 0;  ///< templates the position models were fitted on
  std::int64_t templates() const { return static_cast<std::int64_t>(chosen.rows.size()); }
};

/// Leakage checks of templates chosen for evaluation against what `inverter` (at `path`) was
/// trained on: its training identities by name, and its training crops by content (the same
/// face image under another name).
void check_no_training_subjects(const models::Inverter& inverter, const std::string& path, const data::TemplateSet& set,
                                const attack::TemplateSelection& chosen);
void check_no_training_images(const models::Inverter& inverter, const std::string& path, const data::TemplateSet& set,
                              const attack::TemplateSelection& chosen);

/// Reads and checks every input of the attack; the inverter is loaded on `device`.
PreparedAttack prepare_attack(const AttackOptions& options, const Device& device);

/// Everything the counts depend on, as JSON: a checkpoint or a finished file with another key
/// is never taken for this attack's.
std::string attack_key(const AttackOptions& options, const PreparedAttack& prepared);

}  // namespace irrev::pipeline::detail
