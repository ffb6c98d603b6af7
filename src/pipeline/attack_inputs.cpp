#include "attack_inputs.hpp"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/extractor_info.hpp"

namespace irrev::pipeline::detail {
namespace fs = std::filesystem;
using nlohmann::json;

/// The same face image may sit in training under another name or in another collection: the
/// crops' SHA-256 catch what the subject names cannot (for files that carry them).
void check_no_training_images(const models::Inverter& inverter, const std::string& path, const data::TemplateSet& set,
                              const attack::TemplateSelection& chosen) {
  const auto& hashes = set.images.crop_sha256;
  if (hashes.empty() || inverter.info().training_crops.empty()) {
    spdlog::warn(
        "attack: '{}' or the templates predate the crops' content hashes; only subject names were checked "
        "for leakage",
        path);
    return;
  }
  std::vector<std::string> leaked;
  for (const auto* rows : {&chosen.rows, &chosen.second_rows})
    for (auto r : *rows)
      if (r >= 0 && inverter.saw_crop(hashes[static_cast<std::size_t>(r)]))
        leaked.push_back(set.images.paths[static_cast<std::size_t>(r)]);
  IRREV_CHECK(leaked.empty(),
              "inverter '{}' was trained on {} of the face images this attack evaluates, under other names (the same "
              "aligned crop; first: '{}'{}); take them out of the training set or select other templates",
              path, leaked.size(), leaked.front(), leaked.size() > 1 ? fmt::format(", then '{}'", leaked[1]) : "");
}

/// The attacker must never have seen an identity it is evaluated on.
void check_no_training_subjects(const models::Inverter& inverter, const std::string& path, const data::TemplateSet& set,
                                const attack::TemplateSelection& chosen) {
  std::vector<std::string> seen;
  for (auto row : chosen.rows) {
    const auto& s = set.images.subjects[static_cast<std::size_t>(row)];
    if (inverter.saw_subject(s)) seen.push_back(s);
  }
  IRREV_CHECK(seen.empty(),
              "inverter '{}' was trained on {} of the {} identities this attack evaluates (first: '{}'); train it on "
              "an identity split that keeps them out (same split seed and eval_share) or select other templates",
              path, seen.size(), chosen.rows.size(), seen.front());
}

namespace {

/// A batch whose forward pass would not fit in this machine's memory is refused before any
/// work (it would otherwise grow until an allocation fails, deaf to signals meanwhile). The
/// estimate per sample: the generator's two largest activations and the extractor's (64
/// channels at half its input size, as MobileFaceNet and ResNet stems have), in float32, twice.
void check_batch_fits(int batch, const models::GeneratorConfig& g, const models::ExtractorInfo& x) {
  double largest = 0, second = 0;
  for (std::size_t i = 0; i < g.stage_sizes.size(); ++i) {
    const double a = static_cast<double>(g.channels[i]) * g.stage_sizes[i] * g.stage_sizes[i];
    if (a > largest) {
      second = largest;
      largest = a;
    } else {
      second = std::max(second, a);
    }
  }
  const int half_height = x.input_height / 2, half_width = x.input_width / 2;  // after the stride-2 stem
  const double extractor = 64.0 * half_height * half_width;
  const double per_sample = 4.0 * 2 * (largest + second + 2 * extractor);
  const double memory = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  IRREV_CHECK(per_sample * batch < memory,
              "attack batch {} needs about {:.0f} GB on the CPU, more than this machine's {:.0f} GB; a batch of 32 to "
              "256 is as fast on a CPU",
              batch, per_sample * batch / 1e9, memory / 1e9);
}

std::vector<attack::Plan> make_plans(const std::vector<attack::PlanSpec>& specs, int dim) {
  std::vector<attack::Plan> plans;
  for (const auto& spec : specs) {
    spec.validate(dim, "attack plan " + spec.name());
    for (const auto& p : plans)
      IRREV_CHECK(p.spec.name() != spec.name(), "two attack plans are both named '{}'", spec.name());
    plans.push_back(attack::make_plan(spec));
  }
  return plans;
}

/// The inverter, checked against the templates it will attack.
std::unique_ptr<models::Inverter> load_inverter(const AttackOptions& o, const data::TemplateSet& set,
                                                const Device& device) {
  auto inverter = models::Inverter::load(o.inverter, device);
  const auto& info = inverter->info();
  IRREV_CHECK(info.template_dim == set.dim, "inverter '{}' takes {}-D templates, '{}' holds {}-D", o.inverter,
              info.template_dim, o.templates, set.dim);
  IRREV_CHECK(models::same_extractor(info.extractor_json, set.extractor_json, o.inverter, o.templates),
              "inverter '{}' was trained through another extractor than the one that made '{}'", o.inverter,
              o.templates);
  return inverter;
}

/// The settings' selection, on the evaluation side of the inverter's identity split (or the
/// options' split where given), and the templates it chooses, checked for leakage.
void select(const AttackOptions& o, const std::vector<float>& det_scores, PreparedAttack& a) {
  const auto& cfg = a.inverter->info().config;
  a.selection = o.settings.selection;
  const double eval_share = o.eval_share >= 0 ? o.eval_share : cfg.eval_share;
  attack::select_unseen_by(a.selection, o.split_seed >= 0 ? static_cast<std::uint64_t>(o.split_seed) : cfg.seed,
                           eval_share);
  if (eval_share == 0) {  // trained on a collection of its own
    IRREV_CHECK(!o.settings.unshuffle && o.settings.targeted_max_complexity < 0,
                "inverter '{}' was trained on another collection: the unshuffled and targeted attacks fit their "
                "block-position model on this set's training identities, and there are none; run the plain attack",
                o.inverter);
  }
  a.chosen = attack::select_templates(a.set.images, det_scores, a.selection);
  check_no_training_subjects(*a.inverter, o.inverter, a.set, a.chosen);
  check_no_training_images(*a.inverter, o.inverter, a.set, a.chosen);
}

/// The chosen templates and their type-II references, as the pipeline takes them.
void gather_inputs(PreparedAttack& a) {
  const auto& set = a.set;
  auto& in = a.inputs;
  in.dim = set.dim;
  const auto n_t = a.templates();
  in.templates.resize(static_cast<std::size_t>(n_t * set.dim));
  in.second.assign(in.templates.size(), 0.f);
  in.has_second.assign(static_cast<std::size_t>(n_t), 0);
  for (std::int64_t i = 0; i < n_t; ++i) {
    const auto r = a.chosen.rows[static_cast<std::size_t>(i)], r2 = a.chosen.second_rows[static_cast<std::size_t>(i)];
    std::copy_n(set.row(r), set.dim, in.templates.data() + i * set.dim);
    if (r2 >= 0) {
      std::copy_n(set.row(r2), set.dim, in.second.data() + i * set.dim);
      in.has_second[static_cast<std::size_t>(i)] = 1;
      ++a.with_second;
    }
  }
  in.threshold_fmr01 = a.thresholds.fmr_0_1;
  in.threshold_fmr1 = a.thresholds.fmr_1;
}

/// Block-position models for the recovery step: fitted on every template of a training
/// identity of the selection's split (never on an evaluated subject). Where the joint model
/// recovers, the position models only carry the block count: the diagonal ones, which cost
/// next to nothing, stand in for the full ones it would not read.
void fit_position_models(const AttackSettings& st, PreparedAttack& a) {
  if (!st.unshuffle && st.targeted_max_complexity < 0) return;
  const auto train = attack::training_templates(a.set, a.selection.split_seed, a.selection.eval_share);
  a.model_templates = static_cast<std::int64_t>(train.size()) / a.set.dim;
  for (const auto& p : a.plans)
    a.position_models.push_back(attack::BlockPositionModel::fit(train.data(), a.model_templates, a.set.dim,
                                                                p.spec.blocks, st.uses_full_position_model()));
  if (st.uses_joint_model())
    a.joint_model = std::make_shared<const attack::JointTemplateModel>(
        attack::JointTemplateModel::fit(train.data(), a.model_templates, a.set.dim));
}

}  // namespace

PreparedAttack prepare_attack(const AttackOptions& o, const Device& device) {
  const AttackSettings& st = o.settings;
  PreparedAttack a;
  a.set = data::read_template_set(o.templates);
  const auto det_scores = data::read_detection_scores(o.crops, a.set, o.templates);
  IRREV_CHECK(fs::is_regular_file(o.inverter), "inverter '{}' does not exist (run train-inverter first)", o.inverter);
  a.thresholds = read_thresholds(o.thresholds);
  a.plans = make_plans(st.plans, a.set.dim);
  a.inverter = load_inverter(o, a.set, device);
  a.extractor_sha = models::sha256_file(o.extractor);
  if (st.device.is_cpu())
    check_batch_fits(st.batch, a.inverter->info().config.generator,
                     models::ExtractorInfo::parse(a.set.extractor_json, o.templates));
  select(o, det_scores, a);
  gather_inputs(a);
  fit_position_models(st, a);
  return a;
}

std::string attack_key(const AttackOptions& o, const PreparedAttack& a) {
  json plan_specs = json::array();
  for (const auto& p : a.plans) plan_specs.push_back(p.spec);
  return json{
      {"plans", plan_specs},
      {"selection", a.selection},
      // The templates by content, not by path: a run folder moved to another machine (or a
      // carried checkpoint) resumes, and templates made again under the same name do not.
      {"templates",
       {{"sha256", Sha256().update(a.set.values).hex()}, {"count", a.set.count}, {"extractor", a.set.extractor_json}}},
      {"inverter", models::sha256_file(o.inverter)},
      {"extractor", a.extractor_sha},
      {"thresholds", {a.thresholds.fmr_0_1, a.thresholds.fmr_1}},
      {"settings", attack_settings_json(o.settings)},
      {"unit_order", fmt::format("shuffled {}", o.settings.unit_order_seed)},
      {"outcomes", attack::kOutcomes}}
      .dump();
}

}  // namespace irrev::pipeline::detail
