#include "irrev/pipeline/gender_stage.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "irrev/attack/attack_pipeline.hpp"
#include "irrev/attack/template_selection.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/core/paths.hpp"
#include "irrev/core/progress.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/template_set.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/work_queue.hpp"
#include "irrev/metrics/svm_eval.hpp"
#include "irrev/models/extractor.hpp"
#include "irrev/models/inverter.hpp"
#include "irrev/protect/pe_miu.hpp"
#include "stage_queue.hpp"

namespace irrev::pipeline {
using nlohmann::json;

namespace {
/// The kernels in the table's order, and their names in files.
constexpr metrics::SvmKernel kKernels[] = {metrics::SvmKernel::poly, metrics::SvmKernel::rbf,
                                           metrics::SvmKernel::sigmoid};
std::string kernel_key(std::size_t k) { return std::string(name_of(kKernels[k])); }

/// Reconstruct each template with the inverter and re-embed it with the extractor, exactly as
/// the attack does for complexity 0 (the identity permutation).
std::vector<float> reembedded(const std::vector<float>& templates, int dim, const models::Inverter& inv,
                              const GenderOptions& o) {
  auto ext = models::Extractor::load(o.extractor, o.device);
  attack::AttackInputs in;
  in.dim = dim;
  in.templates = templates;
  in.second.assign(templates.size(), 0.f);
  in.has_second.assign(templates.size() / static_cast<std::size_t>(dim), 0);
  attack::AttackPipeline pipe(inv, *ext, in, attack::PipelineOptions{32, attack::Precision::fp32});
  const auto n = in.count();
  const auto identity = protect::identity(1);
  std::vector<float> out;
  for (std::int64_t first = 0; first < n; first += 32) {
    auto e = pipe.embeddings(identity, first, std::min<std::int64_t>(32, n - first));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}
/// The templates the classifiers see: the selection's rows and their gender labels, and one
/// input per protection in table order (the same on every rank).
struct GenderInputs {
  attack::TemplateSelection selection;
  std::int64_t n = 0;
  int dim = 0;
  std::vector<int> labels;
  std::vector<std::string> names;
  std::vector<std::vector<float>> inputs;
};

GenderInputs gender_inputs(const GenderOptions& o) {
  auto set = data::read_template_set(o.templates);
  const auto det = data::read_detection_scores(o.crops, set, o.templates);
  attack::SelectionSpec spec;
  spec.gender_balanced = true;
  spec.max_templates = o.settings.max_templates;
  spec.seed = o.seed;
  spec.subjects = attack::SubjectSet::all;
  std::unique_ptr<models::Inverter> inv;
  if (!o.inverter.empty()) {
    // Reconstructions are judged on identities the inverter never saw: its evaluation side.
    inv = models::Inverter::load(o.inverter, o.device);
    spec.subjects = attack::SubjectSet::evaluation;
    attack::select_unseen_by(spec, inv->info().config.seed, inv->info().config.eval_share);
  }
  GenderInputs g;
  g.selection = attack::select_templates(set.images, det, spec);
  g.n = static_cast<std::int64_t>(g.selection.rows.size());
  const int d = g.dim = set.dim;
  std::vector<float> base(static_cast<std::size_t>(g.n * d));
  for (std::int64_t i = 0; i < g.n; ++i) {
    const auto r = g.selection.rows[static_cast<std::size_t>(i)];
    std::copy_n(set.row(r), d, base.data() + i * d);
    g.labels.push_back(set.images.genders[static_cast<std::size_t>(r)]);
  }
  g.names = {"unprotected"};
  g.inputs = {base};
  for (int b : o.settings.blocks) {
    IRREV_CHECK(b > 0 && d % b == 0 && d / b >= 2 && d / b <= protect::kMaxBlocks,
                "gender: {} values per block do not cut the {}-D templates of '{}' into 2 to {} blocks", b, d,
                o.templates, protect::kMaxBlocks);
    g.names.push_back(std::to_string(b));
    g.inputs.push_back(protect::protect_all(base.data(), g.n, d, b, o.seed).values);
  }
  if (inv) {
    g.names.push_back("reconstructed");
    g.inputs.push_back(reembedded(base, d, *inv, o));
  }
  return g;
}

/// Mean and standard deviation (numpy's, as scikit-learn reports it) of the folds' accuracies.
std::pair<double, double> mean_sd(const double* acc, int folds) {
  double sum = 0, sq = 0;
  for (int f = 0; f < folds; ++f) sum += acc[f];
  const double mean = sum / folds;
  for (int f = 0; f < folds; ++f) sq += (acc[f] - mean) * (acc[f] - mean);
  return {mean, std::sqrt(sq / folds)};
}

/// The table: per protection and kernel the mean accuracy over the folds and its spread.
GenderTable gender_table(const GenderOptions& o, const GenderInputs& g, const std::vector<double>& acc) {
  GenderTable t;
  t.templates = g.n;
  t.female = g.selection.female;
  t.male = g.selection.male;
  t.folds = o.settings.folds;
  t.unlabelled_subjects = g.selection.unlabelled_subjects;
  for (std::size_t p = 0; p < g.inputs.size(); ++p) {
    GenderRow row{g.names[p], g.n, {}, {}};
    for (std::size_t k = 0; k < 3; ++k)
      std::tie(row.mean[k], row.sd[k]) =
          mean_sd(acc.data() + (p * 3 + k) * static_cast<std::size_t>(o.settings.folds), o.settings.folds);
    t.rows.push_back(row);
  }
  return t;
}

/// The table shaped like the reference study's paper_gender_svm.csv.
void write_gender_csv(const std::string& path, const GenderTable& t) {
  std::string csv = "protection,poly,poly_std,rbf,rbf_std,sigmoid,sigmoid_std\n";
  for (const auto& row : t.rows) {
    csv += row.protection;
    for (std::size_t k = 0; k < 3; ++k) csv += fmt::format(",{:.4f},{:.4f}", row.mean[k], row.sd[k]);
    csv += "\n";
  }
  write_text_file(path, csv, "gender table");
}

}  // namespace

void GenderSettings::validate(const std::string& where) const {
  for (int b : blocks) IRREV_CHECK(b > 0, "{}: blocks (--blocks): block sizes are positive, got {}", where, b);
  IRREV_CHECK(folds >= 2 && folds <= 1000, "{}: folds (--folds) must be in [2, 1000], got {}", where, folds);
  IRREV_CHECK(max_templates >= 0, "{}: max_templates (--max-templates) must be >= 0, got {}", where, max_templates);
}

GenderTable run_gender(const dist::Communicator& comm, const GenderOptions& o) {
  IRREV_CHECK(o.inverter.empty() == o.extractor.empty(), "gender: give both --inverter and --extractor, or neither");
  o.settings.validate("gender");
  const int n_folds = o.settings.folds;
  if (comm.is_master() && !o.out_csv.empty()) require_output_file(o.out_csv, "gender table (--csv)");
  const auto g = gender_inputs(o);
  const auto folds = metrics::stratified_folds(g.labels, n_folds, o.seed);
  // Units: protection x kernel x fold, in that order.
  const std::int64_t per_protection = 3 * static_cast<std::int64_t>(n_folds);
  const auto units = static_cast<std::int64_t>(g.inputs.size()) * per_protection;
  if (comm.is_master())
    spdlog::info(
        "gender: {} templates ({} female, {} male; {} subjects without a label left out), {} protections x 3 "
        "kernels x {} folds",
        g.n, g.selection.female, g.selection.male, g.selection.unlabelled_subjects, g.inputs.size(), n_folds);
  std::vector<double> acc(static_cast<std::size_t>(units), NAN);
  Progress progress("gender", units, comm.is_master() && o.progress);
  detail::run_stage_queue<double>(
      comm, "gender", units,
      [&](std::int64_t u) {
        const auto p = static_cast<std::size_t>(u / per_protection);
        const auto k = static_cast<std::size_t>((u % per_protection) / n_folds);
        const int f = static_cast<int>(u % n_folds);
        return metrics::svm_fold_accuracy(g.inputs[p].data(), g.n, g.dim, g.labels, folds, f, kKernels[k]);
      },
      [&](std::int64_t u, double&& a) {
        acc[static_cast<std::size_t>(u)] = a;
        progress.advance(1);
      });
  progress.finish();
  if (!comm.is_master()) return {};
  auto table = gender_table(o, g, acc);
  if (!o.out_csv.empty()) write_gender_csv(o.out_csv, table);
  return table;
}

void to_json(json& j, const GenderTable& t) {
  json rows = json::array();
  for (const auto& r : t.rows) {
    json row{{"protection", r.protection}, {"templates", r.templates}};
    for (std::size_t k = 0; k < 3; ++k) {
      row[kernel_key(k)] = r.mean[k];
      row[kernel_key(k) + "_std"] = r.sd[k];
    }
    rows.push_back(row);
  }
  j = {{"templates", t.templates},
       {"female", t.female},
       {"male", t.male},
       {"folds", t.folds},
       {"unlabelled_subjects", t.unlabelled_subjects},
       {"rows", rows}};
}

void from_json(const json& j, GenderTable& t) {
  t = GenderTable{};
  t.templates = j.at("templates").get<std::int64_t>();
  t.female = j.at("female").get<std::int64_t>();
  t.male = j.at("male").get<std::int64_t>();
  t.folds = j.at("folds").get<int>();
  t.unlabelled_subjects = j.value("unlabelled_subjects", std::int64_t{0});
  for (const auto& row : j.at("rows")) {
    GenderRow r{row.at("protection").get<std::string>(), row.at("templates").get<std::int64_t>(), {}, {}};
    for (std::size_t k = 0; k < 3; ++k) {
      r.mean[k] = row.at(kernel_key(k)).get<double>();
      r.sd[k] = row.at(kernel_key(k) + "_std").get<double>();
    }
    t.rows.push_back(r);
  }
}

}  // namespace irrev::pipeline
