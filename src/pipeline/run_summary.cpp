#include "irrev/pipeline/run_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "irrev/core/error.hpp"

namespace irrev::pipeline {
using nlohmann::json;

std::string write_run_summary(const std::string& run_dir, const std::string& job_summary_json) {
  const auto job = json::parse(job_summary_json);
  json out{{"status", job.value("status", "complete")},
           {"rsr", json::array()},
           {"expected_rsr_uniform", json::array()},
           {"unprotected_rsr", json::array()},
           {"targeted", json::array()},
           {"recovery", json::array()},
           {"job", job}};
  if (job.contains("attack")) {
    for (const auto& [extractor, a] : job["attack"].items()) {
      if (a.value("status", "") != "complete") continue;
      for (const char* key : {"rsr", "expected_rsr_uniform", "unprotected_rsr", "targeted", "recovery"})
        if (a.contains(key))
          for (auto r : a[key]) {
            r["extractor"] = extractor;
            r["mode"] = a.value("mode", "plain");  // plain, or unshuffled before the inversion
            out[key].push_back(r);
          }
    }
  }
  const std::string path = run_dir + "/summary.json";
  {
    std::ofstream f(path + ".tmp");
    f << out.dump(2) << "\n";
    IRREV_CHECK(f.good(), "cannot write '{}'", path);
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
  if (out["rsr"].empty()) return {};

  // Paper-shaped: block_size (values per block), complexity, then type-I RSR in percent at
  // FMR 0.1 % and 1 % per extractor; a plan with several permutations per complexity gives the mean.
  std::map<std::tuple<int, int, std::string>, std::map<std::string, double>> paper;
  std::vector<std::string> extractors;
  std::ofstream detail(run_dir + "/rsr_detail.csv");
  detail << "extractor,plan,blocks,complexity,type,fmr,mean,min,median,max,std,ci95_low,ci95_high,permutations,templates\n";
  std::string md = "| extractor | plan | complexity | perms | type I @FMR 0.1% | type I @FMR 1% | type II @FMR 0.1% | type II @FMR 1% |\n"
                   "|---|---|---|---|---|---|---|---|\n";
  std::map<std::tuple<std::string, std::string, int>, std::map<std::string, std::string>> cells;
  std::map<std::tuple<std::string, std::string, int>, std::int64_t> perms;
  for (const auto& r : out["rsr"]) {
    const std::string ext = r["extractor"], plan = r["plan"], type = r["type"];
    const int k = r["complexity"], blocks = r["blocks"];
    const double fmr = r["fmr"];
    detail << fmt::format("{},{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{}\n", ext, plan, blocks, k,
                          type, fmr, r["mean"].get<double>(), r["min"].get<double>(), r["median"].get<double>(),
                          r["max"].get<double>(), r["std"].get<double>(), r["ci95"][0].get<double>(),
                          r["ci95"][1].get<double>(), r["permutations"].get<std::int64_t>(), r["templates"].get<std::int64_t>());
    const auto cell = std::make_tuple(ext, plan, k);
    const double mean = r["mean"].get<double>() * 100;
    const bool spread = r["permutations"].get<std::int64_t>() > 1;
    cells[cell][type + (fmr < 0.005 ? "0.1" : "1")] =
        spread ? fmt::format("{:.1f} [{:.1f}, {:.1f}]", mean, r["min"].get<double>() * 100, r["max"].get<double>() * 100)
               : fmt::format("{:.1f}", mean);
    perms[cell] = r["permutations"].get<std::int64_t>();
    if (type == "I") {
      // The reference study's table: 512-D ArcFace cut into n blocks of 512 / n values.
      auto& row = paper[{0, k, plan}];
      row[ext + (fmr < 0.005 ? "_rsr_fmr0.1" : "_rsr_fmr1")] = mean;
      if (std::find(extractors.begin(), extractors.end(), ext) == extractors.end()) extractors.push_back(ext);
    }
  }
  for (const auto& [cell, c] : cells) {
    auto get = [&](const std::string& k) { return c.count(k) ? c.at(k) : std::string("-"); };
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", std::get<0>(cell), std::get<1>(cell), std::get<2>(cell),
                      perms[cell], get("I0.1"), get("I1"), get("II0.1"), get("II1"));
  }
  std::ofstream csv(run_dir + "/rsr_by_complexity.csv");
  csv << "plan,complexity";
  for (const auto& e : extractors) csv << "," << e << "_rsr_fmr0.1," << e << "_rsr_fmr1";
  csv << "\n";
  for (const auto& [key, row] : paper) {
    csv << std::get<2>(key) << "," << std::get<1>(key);
    for (const auto& e : extractors) {
      for (const char* f : {"_rsr_fmr0.1", "_rsr_fmr1"}) {
        auto it = row.find(e + f);
        csv << "," << (it == row.end() ? std::string() : fmt::format("{:.2f}", it->second));
      }
    }
    csv << "\n";
  }
  std::string expected = "\nExpected RSR under uniform PE-MIU (type I, FMR 0.1% / 1%):\n";
  std::map<std::pair<std::string, std::string>, std::string> ex;
  for (const auto& e : out["expected_rsr_uniform"])
    if (e["type"] == "I")
      ex[{e["extractor"], e["plan"]}] += fmt::format("{}{:.2f}%", ex[{e["extractor"], e["plan"]}].empty() ? "" : " / ",
                                                     e["value"].get<double>() * 100);
  for (const auto& [k, v] : ex) expected += fmt::format("  {} {}: {}\n", k.first, k.second, v);
  return "RSR (%) by permutation complexity; [min, max] over the permutations of a complexity\n\n" + md + expected;
}

}  // namespace irrev::pipeline
