#include "irrev/pipeline/run_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "irrev/core/error.hpp"
#include "irrev/core/text_file.hpp"
#include "irrev/pipeline/attack_settings.hpp"
#include "irrev/pipeline/attack_summary.hpp"
#include "irrev/pipeline/rsr_records.hpp"

namespace irrev::pipeline {
using nlohmann::json;

namespace {

/// The study's two FMRs: 0 for 0.1 %, 1 for 1 %; and how columns name them.
std::size_t fmr_index(double fmr) { return fmr < 0.005 ? 0 : 1; }
std::string fmr_label(double fmr) { return fmr_index(fmr) == 0 ? "0.1" : "1"; }

/// Every finished attack's rows, each tagged with its extractor and mode.
struct RunRows {
  std::vector<RsrRecord> rsr, unprotected_rsr;
  std::vector<ExpectedRsrRecord> expected_rsr_uniform;
  std::vector<TargetedRecord> targeted;
  std::vector<RecoveryRecord> recovery;
};

RunRows collect(const json& job) {
  RunRows out;
  // Each attack's summary names its mode: before attack.modes, "attack" could hold the
  // unshuffled one.
  for (const auto section_mode : kAttackModes) {
    const std::string section = summary_section(section_mode);
    if (!job.contains(section)) continue;
    for (const auto& [extractor, a] : job[section].items()) {
      if (a.value("status", "") != "complete") continue;
      const auto s = a.get<AttackSummary>();
      const auto add = [&, ext = extractor](auto rows, auto& to) {
        for (auto& r : rows) {
          r.extractor = ext;
          r.mode = s.mode;
          to.push_back(r);
        }
      };
      add(s.rsr, out.rsr);
      add(s.expected_rsr_uniform, out.expected_rsr_uniform);
      add(s.unprotected_rsr, out.unprotected_rsr);
      add(s.targeted, out.targeted);
      add(s.recovery, out.recovery);
    }
  }
  return out;
}

/// Type-I RSR (percent) at FMR 0.1 % and 1 % of (extractor, mode, plan) among `rows`, where
/// `value` gives a row's type, FMR and rate; NaN where there is none.
template <class Record, class Value>
std::array<double, 2> type1_percent(const std::vector<Record>& rows, const std::string& ext, AttackMode mode,
                                    const std::string& plan, Value value) {
  std::array<double, 2> out{NAN, NAN};
  for (const auto& r : rows) {
    if (r.extractor != ext || r.mode != mode || r.plan != plan) continue;
    const auto [type, fmr, rate] = value(r);
    auto& cell = out[fmr_index(fmr)];
    if (type == 1 && std::isnan(cell)) cell = 100 * rate;
  }
  return out;
}

/// What PE-MIU protects, one sentence per extractor and plan where the plain and the
/// unshuffled attack both ran: the reader must not miss it.
json headlines(const RunRows& rows) {
  const auto expected = [](const ExpectedRsrRecord& x) {
    return std::tuple{x.expected.type, x.expected.fmr, x.expected.value};
  };
  const auto unprotected = [](const RsrRecord& x) { return std::tuple{x.row.type, x.row.fmr, x.row.mean}; };
  json lines = json::array();
  for (const auto& [ext, mode, plan, e] : rows.expected_rsr_uniform) {
    if (mode != AttackMode::plain || e.type != 1 || fmr_index(e.fmr) != 0) continue;
    const auto plain = type1_percent(rows.expected_rsr_uniform, ext, AttackMode::plain, plan, expected);
    const auto unshuffled = type1_percent(rows.expected_rsr_uniform, ext, AttackMode::unshuffled, plan, expected);
    const auto unprot = type1_percent(rows.unprotected_rsr, ext, AttackMode::plain, plan, unprotected);
    if (std::isnan(unshuffled[0])) continue;
    std::string line = fmt::format(
        "{}, PE-MIU with {} blocks ({}): an attacker who inverts the protected template as it is reconstructs an "
        "accepted face for {:.1f} % / {:.1f} % of the subjects (type I, FMR 0.1 % / 1 %, expected under uniform "
        "PE-MIU); one who first recovers the block order from the protected template alone (no second sample) for "
        "{:.1f} % / {:.1f} %",
        ext, e.blocks, plan, plain[0], plain[1], unshuffled[0], unshuffled[1]);
    if (!std::isnan(unprot[0]))
      line += fmt::format(", against {:.1f} % / {:.1f} % without protection", unprot[0], unprot[1]);
    lines.push_back(line + ".");
  }
  return lines;
}

/// rsr_detail.csv: every "rsr" row with its spread and interval.
void write_detail_csv(const std::string& path, const std::vector<RsrRecord>& rsr) {
  std::string detail =
      "extractor,mode,plan,blocks,complexity,type,fmr,mean,min,median,max,std,ci95_low,ci95_high,permutations,"
      "templates\n";
  for (const auto& [ext, mode, plan, r] : rsr)
    detail += fmt::format("{},{},{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{}\n", ext,
                          name_of(mode), plan, r.blocks, r.complexity, type_name(r.type), r.fmr, r.mean, r.min,
                          r.median, r.max, r.std, r.ci_low, r.ci_high, r.permutations, r.templates);
  write_text_file(path, detail, "RSR table");
}

/// The printed table: one line per extractor, mode, plan and complexity; type I and II at both
/// FMRs, with [min, max] where a complexity has several permutations.
std::string markdown_table(const std::vector<RsrRecord>& rsr) {
  std::string md =
      "| extractor | mode | plan | complexity | perms | type I @FMR 0.1% | type I @FMR 1% | type II @FMR 0.1% | type "
      "II @FMR 1% |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  using Cell = std::tuple<std::string, AttackMode, std::string, int>;
  std::map<Cell, std::map<std::string, std::string>> cells;
  std::map<Cell, std::int64_t> perms;
  for (const auto& [ext, mode, plan, r] : rsr) {
    const Cell cell{ext, mode, plan, r.complexity};
    const double mean = r.mean * 100;
    cells[cell][type_name(r.type) + fmr_label(r.fmr)] =
        r.permutations > 1 ? fmt::format("{:.1f} [{:.1f}, {:.1f}]", mean, r.min * 100, r.max * 100)
                           : fmt::format("{:.1f}", mean);
    perms[cell] = r.permutations;
  }
  for (const auto& [cell, c] : cells) {
    auto get = [&c = c](const std::string& k) { return c.count(k) ? c.at(k) : std::string("-"); };
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", std::get<0>(cell), name_of(std::get<1>(cell)),
                      std::get<2>(cell), std::get<3>(cell), perms[cell], get("I0.1"), get("I1"), get("II0.1"),
                      get("II1"));
  }
  return md;
}

/// rsr_by_complexity.csv, paper-shaped: plan, complexity, then type-I RSR in percent at FMR
/// 0.1 % and 1 % per extractor (and mode, other than plain); a plan with several permutations
/// per complexity gives the mean.
void write_paper_csv(const std::string& path, const std::vector<RsrRecord>& rsr) {
  std::map<std::tuple<int, int, std::string>, std::map<std::string, double>> paper;
  std::vector<std::string> columns;
  for (const auto& [ext, mode, plan, r] : rsr) {
    if (r.type != 1) continue;
    const std::string column = attack_tag(ext, mode);
    paper[{0, r.complexity, plan}][fmt::format("{}_rsr_fmr{}", column, fmr_label(r.fmr))] = r.mean * 100;
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
  }
  std::string csv = "plan,complexity";
  for (const auto& e : columns) csv += fmt::format(",{0}_rsr_fmr0.1,{0}_rsr_fmr1", e);
  csv += "\n";
  for (const auto& [key, row] : paper) {
    csv += fmt::format("{},{}", std::get<2>(key), std::get<1>(key));
    for (const auto& e : columns)
      for (const char* f : {"_rsr_fmr0.1", "_rsr_fmr1"}) {
        auto it = row.find(e + f);
        csv += "," + (it == row.end() ? std::string() : fmt::format("{:.2f}", it->second));
      }
    csv += "\n";
  }
  write_text_file(path, csv, "RSR table");
}

std::string expected_text(const std::vector<ExpectedRsrRecord>& expected_rows) {
  std::string expected = "\nExpected RSR under uniform PE-MIU (type I, FMR 0.1% / 1%):\n";
  std::map<std::tuple<std::string, std::string, AttackMode>, std::string> ex;
  for (const auto& [ext, mode, plan, e] : expected_rows)
    if (e.type == 1) {
      auto& v = ex[{ext, plan, mode}];
      v += fmt::format("{}{:.2f}%", v.empty() ? "" : " / ", e.value * 100);
    }
  for (const auto& [k, v] : ex)
    expected += fmt::format("  {} {} ({}): {}\n", std::get<0>(k), std::get<1>(k), name_of(std::get<2>(k)), v);
  return expected;
}

}  // namespace

std::string write_run_summary(const std::string& run_dir, const json& job) {
  const RunRows rows = collect(job);
  json out{{"status", job.value("status", "complete")},
           {"rsr", rows.rsr},
           {"expected_rsr_uniform", rows.expected_rsr_uniform},
           {"unprotected_rsr", rows.unprotected_rsr},
           {"targeted", rows.targeted},
           {"recovery", rows.recovery},
           {"job", job}};
  out["headline"] = headlines(rows);
  write_text_file(run_dir + "/summary.json", out.dump(2) + "\n", "run summary");
  if (rows.rsr.empty()) return {};
  write_detail_csv(run_dir + "/rsr_detail.csv", rows.rsr);
  write_paper_csv(run_dir + "/rsr_by_complexity.csv", rows.rsr);
  std::string headline;
  for (const auto& h : out["headline"]) headline += "\n" + h.get<std::string>() + "\n";
  return "RSR (%) by permutation complexity; [min, max] over the permutations of a complexity\n\n" +
         markdown_table(rows.rsr) + expected_text(rows.expected_rsr_uniform) + headline;
}

}  // namespace irrev::pipeline
