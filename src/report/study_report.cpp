#include "irrev/report/study_report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "det_plot.hpp"
#include "irrev/core/error.hpp"
#include "irrev/core/gnuplot.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/models/extractor_info.hpp"
#include "irrev/pipeline/attack_settings.hpp"
#include "irrev/pipeline/attack_summary.hpp"
#include "irrev/pipeline/rsr_records.hpp"
#include "irrev/pipeline/training_summary.hpp"
#include "reconstruction_grid.hpp"
#include "report_csv.hpp"
#include "rsr_plots.hpp"

namespace irrev::report {
namespace fs = std::filesystem;
using detail::csv_rows_where;
using detail::csv_to_markdown;
using detail::read_text;
using nlohmann::json;

std::string default_reference_dir() {
#ifdef IRREV_REFERENCE_DIR
  return IRREV_REFERENCE_DIR;
#else
  return {};
#endif
}

namespace {

/// summary.json's typed rows (a row without a mode comes from before modes existed: plain).
std::vector<pipeline::RsrRecord> rsr_rows(const json& summary) {
  return summary.value("rsr", json::array()).get<std::vector<pipeline::RsrRecord>>();
}
std::vector<pipeline::ExpectedRsrRecord> expected_rows(const json& summary) {
  return summary.value("expected_rsr_uniform", json::array()).get<std::vector<pipeline::ExpectedRsrRecord>>();
}

/// One attack of one extractor in a run: its mode, its result file and its summary.
struct AttackRun {
  pipeline::AttackMode mode;
  fs::path file;
  pipeline::AttackSummary summary;
  /// File names and plot tags: the extractor, then the mode where it is not the plain attack.
  std::string tag(const std::string& ext) const { return pipeline::attack_tag(ext, mode); }
};

/// summary.json's attacks of `ext`, one section per mode (pipeline::summary_section), each with
/// its result file.
std::vector<AttackRun> attacks_of(const json& job, const fs::path& run, const std::string& ext) {
  std::vector<AttackRun> out;
  for (const auto section_mode : pipeline::kAttackModes) {
    const std::string section = pipeline::summary_section(section_mode);
    if (!job.contains(section) || !job[section].contains(ext)) continue;
    const auto& a = job[section][ext];
    IRREV_CHECK(a.value("status", "") == "complete", "{}: the {} attack of {} did not complete (status '{}')",
                (run / "summary.json").string(), section, ext, a.value("status", ""));
    const auto summary = a.get<pipeline::AttackSummary>();
    out.push_back({summary.mode, run / pipeline::attack_file_name(ext, section_mode), summary});
  }
  return out;
}

/// The folder of the stages before the attack, found from the run folder: summary.json records
/// it relative to the run, so a run folder copied or moved elsewhere still reports (older runs
/// recorded it relative to where the job ran).
fs::path work_folder(const json& job, const fs::path& run) {
  if (job.contains("work_dir_from_run")) return run / job["work_dir_from_run"].get<std::string>();
  const fs::path given(job.value("work_dir", run.string()));
  return fs::exists(given) ? given : run;
}

std::vector<std::string> missing_stages(const json& job, const fs::path& run, const fs::path& work,
                                        const std::vector<std::string>& extractors) {
  std::vector<std::string> missing;
  if (extractors.empty()) missing.push_back("embed (no extractor in summary.json)");
  for (const auto& e : extractors) {
    if (!fs::exists(work / ("verify_" + e + ".h5"))) missing.push_back("verify (verify_" + e + ".h5)");
    if (!fs::exists(work / ("inverter_" + e) / "inverter.pt"))
      missing.push_back("train-inverter (inverter_" + e + "/inverter.pt)");
    const auto attacks = attacks_of(job, run, e);
    if (attacks.empty()) missing.push_back("attack (attack_" + e + ".h5)");
    for (const auto& a : attacks)
      if (!fs::exists(a.file)) missing.push_back("attack (" + a.file.filename().string() + ")");
    // Gender is part of the report where the job asked for it (jobs/unshuffle.toml does not).
    if (job.contains("gender") && !fs::exists(run / ("gender_" + e + ".csv")))
      missing.push_back("gender (gender_" + e + ".csv)");
  }
  return missing;
}

/// This run's expected RSR under uniform PE-MIU next to another run's, for the rows (mode,
/// plan, type, FMR) both have.
std::string compare_expected(const json& summary, const std::string& other_dir, const std::string& e,
                             pipeline::AttackMode mode) {
  const fs::path other_path = fs::path(other_dir) / "summary.json";
  IRREV_CHECK(fs::is_regular_file(other_path), "--compare: '{}' has no summary.json (not a finished `irrev run`)",
              other_dir);
  const auto other = data::json_file(other_path.string());
  std::string rows;
  const auto theirs = data::json_as<std::vector<pipeline::ExpectedRsrRecord>>(
      other.value("expected_rsr_uniform", json::array()),
      fmt::format("'{}': expected_rsr_uniform", other_path.string()));
  for (const auto& x : expected_rows(summary)) {
    if (x.extractor != e || x.mode != mode) continue;
    for (const auto& y : theirs)
      if (y.extractor == e && y.mode == mode && y.plan == x.plan && y.expected.type == x.expected.type &&
          y.expected.fmr == x.expected.fmr) {
        rows += fmt::format("| {} | {} | {} % | {:.2f} % | {:.2f} % |\n", x.plan, pipeline::type_name(x.expected.type),
                            100 * x.expected.fmr, 100 * x.expected.value, 100 * y.expected.value);
      }
  }
  IRREV_CHECK(!rows.empty(), "--compare: '{}' has no expected RSR of the {} attack of {} for the plans of this run",
              other_dir, name_of(mode), e);
  return fmt::format(
      "Expected RSR under uniform PE-MIU, this run ({}) and `{}` ({}):\n\n| plan | type | FMR | this "
      "run | other run |\n|---|---|---|---|---|\n{}\n",
      name_of(mode), other_dir, name_of(mode), rows);
}

std::string verification_section(const fs::path& work, const fs::path& dir, const std::string& e) {
  const std::string vcsv = read_text(work / ("verify_" + e + ".csv"));
  fs::copy_file(work / ("verify_" + e + ".csv"), dir / ("verify_" + e + ".csv"), fs::copy_options::overwrite_existing);
  detail::plot_det(work / ("verify_" + e + ".h5"), dir / ("det_" + e + ".dat"), dir / ("det_" + e + ".png"), e);
  return "### Verification (EER, FNMR at FMR, thresholds; D_sys = unlinkability on View 2 mated pairs)\n\n" +
         csv_to_markdown(vcsv) + "\n" + fmt::format("![DET {}](det_{}.png)\n\n", e, e);
}

std::string recovery_table(const json& summary, const std::string& e, pipeline::AttackMode mode) {
  std::string rows;
  for (const auto& x : summary.value("recovery", json::array()).get<std::vector<pipeline::RecoveryRecord>>()) {
    const auto& m = x.metrics;
    if (x.extractor == e && x.mode == mode)
      rows += fmt::format("| {} | {} | {:.3f} [{:.3f}, {:.3f}]{} | {:.3f} | {:.3f} | {:.2f} |\n", x.plan, x.model,
                          m.position_accuracy, m.position_ci_low, m.position_ci_high, m.chance_level ? " (chance)" : "",
                          m.chance, m.exact_rate, m.mean_displaced_after);
  }
  if (rows.empty()) return {};
  return "Block-order recovery on the attacked templates (uniform PE-MIU permutations):\n\n| plan | model | position "
         "accuracy [95 %] | chance | exact permutation | blocks still displaced |\n|---|---|---|---|---|---|\n" +
         rows + "\n";
}

/// The targeted attack (irrev attack --targeted K): who is selected, and how often it works.
std::string targeted_table(const json& summary, const std::string& e, pipeline::AttackMode mode) {
  std::string rows;
  auto pct = [](double v) { return std::isnan(v) ? std::string("-") : fmt::format("{:.1f} %", 100 * v); };
  for (const auto& x : summary.value("targeted", json::array()).get<std::vector<pipeline::TargetedRecord>>())
    if (x.extractor == e && x.mode == mode)
      rows += fmt::format("| {} | <= {} | {} | {} | {} | {} |\n", x.plan, x.max_estimated_complexity,
                          x.row.complexity < 0 ? "uniform PE-MIU" : std::to_string(x.row.complexity), pct(x.row.yield),
                          pct(x.row.precision_fmr01), pct(x.row.precision_fmr1));
  if (rows.empty()) return {};
  return "Targeted attack (templates whose estimated complexity is at most K; yield = share selected, precision = "
         "type-I RSR among them):\n\n| plan | K | true complexity | yield | precision @FMR 0.1 % | @FMR 1 % |\n"
         "|---|---|---|---|---|---|\n" +
         rows + "\n";
}

std::string attack_section(const json& summary, const AttackRun& run, const std::string& e, const fs::path& dir,
                           const std::string& compare_dir) {
  const auto& a = run.summary;
  std::string md = fmt::format(
      "### Attack: {}\n\n{} templates ({} female, {} male; {} with a second image for type II), thresholds "
      "{:.4f} / {:.4f} at FMR 0.1 % / 1 % from {}; {} ranks on {}, {} precision; {} samples in {:.0f} s "
      "({:.1f}/s).\n\n",
      a.mode_text(), a.templates, a.female, a.male, a.templates_with_second_image, a.thresholds.fmr_0_1,
      a.thresholds.fmr_1, a.thresholds.source, a.ranks, a.device, a.precision, a.samples, a.seconds,
      a.samples_per_second);
  const auto rsr = rsr_rows(summary);
  std::set<std::string> plans;
  for (const auto& r : rsr)
    if (r.extractor == e && r.mode == run.mode) plans.insert(r.plan);
  std::vector<fs::path> pngs;
  for (const auto& p : plans) detail::plot_rsr(rsr, e, run.mode, p, dir, pngs);
  detail::plot_spread(run.file, run.tag(e), dir, pngs);
  for (const auto& p : pngs) md += fmt::format("![{}]({})\n\n", p.stem().string(), p.filename().string());
  md +=
      "Expected RSR under uniform PE-MIU (sum over k of N(n,k)/n! RSR_k):\n\n| plan | type | FMR | RSR "
      "|\n|---|---|---|---|\n";
  std::string ex = "plan,type,fmr,rsr\n";
  for (const auto& [x_ext, x_mode, plan, x] : expected_rows(summary))
    if (x_ext == e && x_mode == run.mode) {
      md +=
          fmt::format("| {} | {} | {} % | {:.2f} % |\n", plan, pipeline::type_name(x.type), 100 * x.fmr, 100 * x.value);
      ex += fmt::format("{},{},{},{:.6f}\n", plan, pipeline::type_name(x.type), x.fmr, x.value);
    }
  write_text_file((dir / ("expected_rsr_" + run.tag(e) + ".csv")).string(), ex, "expected-RSR table");
  md += "\n";
  if (!compare_dir.empty()) md += compare_expected(summary, compare_dir, e, run.mode);
  return md + recovery_table(summary, e, run.mode) + targeted_table(summary, e, run.mode);
}

/// The reference study cut 512-D templates into blocks of 32, 64, 128 values: its rows of the
/// same values per block as this run's plans, where one exists.
std::string reference_rsr(const fs::path& reference, const json& summary, const json& job, const std::string& e) {
  std::set<std::string> sizes;
  const int dim = job["extractors"][e]["dim"].get<int>();
  for (const auto& r : rsr_rows(summary))
    if (r.extractor == e) sizes.insert(std::to_string(dim / r.row.blocks));
  const auto ref = csv_rows_where(read_text(reference / "paper_rsr_by_complexity.csv"), "block_size", sizes);
  if (std::count(ref.begin(), ref.end(), '\n') <= 1) return {};
  return fmt::format(
      "Reference study, same values per block ({}; its block_size is values per block, RSR in %, one fixed "
      "permutation per complexity, ArcFace/ElasticFace, thresholds from 3,000 View 2 impostors):\n\n{}\n",
      fmt::join(sizes, ", "), csv_to_markdown(ref));
}

std::string gender_section(const fs::path& run, const fs::path& dir, const fs::path& reference, const std::string& e) {
  if (!fs::exists(run / ("gender_" + e + ".csv"))) return {};
  fs::copy_file(run / ("gender_" + e + ".csv"), dir / ("gender_" + e + ".csv"), fs::copy_options::overwrite_existing);
  std::string md = "### Gender prediction (SVM accuracy, 10-fold, gender-balanced; chance 0.5)\n\n" +
                   csv_to_markdown(read_text(run / ("gender_" + e + ".csv"))) + "\n";
  if (!reference.empty()) {
    const std::string stand_in = e == "fr_feature" ? "ArcFace" : "ElasticFace";
    md += fmt::format(
        "Reference study, {} (the model {} stands in for here; protection = values per block):\n\n{}\n", stand_in, e,
        csv_to_markdown(csv_rows_where(read_text(reference / "paper_gender_svm.csv"), "model", {stand_in})));
  }
  return md;
}

std::string provenance(const json& job, const fs::path& run, const fs::path& work,
                       const std::vector<std::string>& extractors) {
  std::string md = "## How the numbers were obtained\n\n";
  for (const auto& e : extractors) {
    h5::File t((work / ("templates_" + e + ".h5")).string(), h5::File::Mode::read);
    auto x = data::json_attribute(t, "extractor");
    const fs::path inv = work / ("inverter_" + e) / "inverter.pt";
    for (const auto& run_of : attacks_of(job, run, e)) {
      const auto& a = run_of.summary;
      std::set<std::string> plan_names;
      for (const auto& r : a.rsr) plan_names.insert(r.plan);
      md += fmt::format(
          "- {} ({} attack): extractor source `{}` sha256 `{}`; inverter `{}` sha256 `{}` ({}); attack plans "
          "{} on {} templates, {} ranks, device {}, precision {}, {:.0f} s; thresholds from {} impostor scores "
          "({}).\n",
          e, name_of(run_of.mode), x.value("source", ""), x.value("source_sha256", ""), fs::relative(inv, run).string(),
          models::sha256_file(inv.string()),
          job.contains("train_inverter") && job["train_inverter"][e].is_object()
              ? job["train_inverter"][e].get<pipeline::TrainingSummary>().kept
              : "up to date",
          fmt::join(plan_names, " "), a.templates, a.ranks, a.device, a.precision, a.seconds, a.thresholds.impostors,
          a.thresholds.source);
    }
  }
  return md;
}

}  // namespace

std::string write_report(const ReportOptions& o) {
  const fs::path run(o.run_dir);
  IRREV_CHECK(fs::is_regular_file(run / "summary.json"),
              "'{}' has no summary.json: it is not the folder of a finished `irrev run` (missing stages: all)",
              o.run_dir);
  auto summary = data::json_file((run / "summary.json").string());
  const auto& job = summary["job"];
  const fs::path work = work_folder(job, run);
  std::vector<std::string> extractors;
  if (job.contains("extractors"))
    for (const auto& [name, _] : job["extractors"].items()) extractors.push_back(name);
  const auto missing = missing_stages(job, run, work, extractors);
  IRREV_CHECK(missing.empty(), "cannot report on '{}': missing stages: {}", o.run_dir, fmt::join(missing, "; "));
  IRREV_CHECK(gnuplot_available(),
              "irrev report draws its plots with gnuplot, which is not installed (scripts/setup.sh installs it)");
  fs::path reference;
  if (o.reference_dir != "none" && !o.reference_dir.empty()) {
    reference = o.reference_dir;
    IRREV_CHECK(fs::is_regular_file(reference / "paper_rsr_by_complexity.csv") &&
                    fs::is_regular_file(reference / "paper_gender_svm.csv"),
                "--reference '{}' does not hold the reference study's tables (paper_rsr_by_complexity.csv, "
                "paper_gender_svm.csv); give their folder, or --reference none",
                o.reference_dir);
  }

  const fs::path dir = run / "report";
  fs::create_directories(dir);
  std::string md = "# irrev study report\n\n";
  md += fmt::format("Run folder `{}`; job `{}`; status {}.\n\n", o.run_dir, job.value("job", ""),
                    summary.value("status", ""));
  if (summary.contains("headline") && !summary["headline"].empty()) {
    md += "## What PE-MIU protects\n\n";
    for (const auto& h : summary["headline"]) md += "**" + h.get<std::string>() + "**\n\n";
  }
  md +=
      "Deployment differences from the reference study (Osorio-Roig et al., WIFS 2023): extractors fr_feature (512-D) "
      "and mobilefacenet-128 stand in for ArcFace and ElasticFace; the inverter is trained on LFW identities disjoint "
      "from the evaluation identities (no FFHQ); thresholds come from all-vs-all LFW impostor scores, not 3,000 View 2 "
      "pairs.\n\n";

  for (const auto& e : extractors) {
    md += fmt::format("## {}\n\n", e) + verification_section(work, dir, e);
    const auto attacks = attacks_of(job, run, e);
    for (const auto& a : attacks) md += attack_section(summary, a, e, dir, o.compare_dir);
    if (!reference.empty()) md += reference_rsr(reference, summary, job, e);
    md += gender_section(run, dir, reference, e);
    const auto grid = detail::reconstruction_grid(attacks.front().file, work, e, dir);
    if (!grid.empty())
      md += fmt::format(
          "Reconstructions (left: the aligned crop; then the inverter's output for its template protected "
          "by one permutation of each complexity P):\n\n![reconstructions]({})\n\n",
          grid.filename().string());
    const fs::path inv = work / ("inverter_" + e);
    if (fs::exists(inv / "training_curves.png")) {
      fs::copy_file(inv / "training_curves.png", dir / ("training_curves_" + e + ".png"),
                    fs::copy_options::overwrite_existing);
      md += fmt::format("### Inverter training\n\n![training curves](training_curves_{}.png)\n\n", e);
    }
  }
  if (!reference.empty())
    md += "## The reference study's tables (for comparison)\n\nRSR (%) by complexity, ArcFace and ElasticFace:\n\n" +
          csv_to_markdown(read_text(reference / "paper_rsr_by_complexity.csv")) + "\nGender SVM accuracy:\n\n" +
          csv_to_markdown(read_text(reference / "paper_gender_svm.csv")) + "\n";
  md += provenance(job, run, work, extractors);
  md += "\n## RSR tables of this run\n\n" + csv_to_markdown(read_text(run / "rsr_detail.csv")) + "\n";
  const fs::path out = dir / "report.md";
  write_text_file(out.string(), md, "report");
  return out.string();
}

}  // namespace irrev::report
