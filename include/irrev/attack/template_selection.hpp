#pragma once
/// Which templates an attack targets: the template side of the work. By default the reference
/// study's set: one image per evaluation subject (the one with the best detection score),
/// gender-balanced. Each attacked template also gets a type-II reference: the best other image
/// of the same subject, where the subject has one.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "irrev/core/enum_names.hpp"
#include "irrev/data/dataset_tables.hpp"

namespace irrev::attack {

/// evaluation: subjects on the evaluation side of the identity split (split_seed, eval_share),
/// the inverter's own split by default; all: every subject.
enum class SubjectSet { evaluation, all };

struct SelectionSpec {
  SubjectSet subjects = SubjectSet::evaluation;
  std::uint64_t split_seed = 2021;
  double eval_share = 0.25;
  bool gender_balanced = true;     ///< as many female as male subjects (unlabelled ones left out)
  std::int64_t max_templates = 0;  ///< 0: all that qualify; else a keyed subset of this many
  std::uint64_t seed = 2021;       ///< keys the subset

  void validate(const std::string& where) const;
};

/// The selection's JSON, as keys hold it.
void to_json(nlohmann::json& j, const SelectionSpec& spec);

struct TemplateSelection {
  std::vector<std::int64_t> rows;         ///< rows of templates.h5 attacked, ascending
  std::vector<std::int64_t> second_rows;  ///< type-II reference of rows[i], or -1
  std::int64_t unlabelled_subjects = 0;   ///< left out by gender balancing: no gender label
  std::int64_t female = 0, male = 0;
};

/// Point `spec` at the subjects an inverter trained under this identity split never saw by name:
/// the split's evaluation side, or, for an inverter trained on a collection of its own
/// (eval_share 0), every subject of the set.
void select_unseen_by(SelectionSpec& spec, std::uint64_t split_seed, double eval_share);

/// `detection_scores[i]` is image i's detector score (crops.h5 /detection/score).
TemplateSelection select_templates(const data::ImageTable& images, const std::vector<float>& detection_scores,
                                   const SelectionSpec& spec);

}  // namespace irrev::attack

template <>
struct irrev::EnumNames<irrev::attack::SubjectSet> {
  static constexpr std::string_view what = "subject set";
  static constexpr std::array<std::string_view, 2> names{"evaluation", "all"};
};
