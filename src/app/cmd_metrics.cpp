// irrev metrics: exact error rates of two score files
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/metrics/error_rates.hpp"
#include "irrev/metrics/score_file.hpp"
#include "number_options.hpp"

namespace irrev::app {

Command add_metrics(CLI::App& app, const GlobalOptions& /*g*/) {
  auto* sub = app.add_subcommand("metrics", "EER, FNMR at FMR, thresholds, AUC and d' of score files");
  auto genuine = std::make_shared<std::string>();
  auto impostor = std::make_shared<std::string>();
  auto rule = std::make_shared<std::string>("bob");
  auto json = std::make_shared<bool>(false);
  add_value(sub, "--genuine", *genuine, "Genuine scores, one per line")->required();
  add_value(sub, "--impostor", *impostor, "Impostor scores, one per line")->required();
  add_value(sub, "--threshold-rule", *rule, "bob: lowest threshold with FMR <= target; pyeer: FMR nearest the target")
      ->check(CLI::IsMember({"bob", "pyeer"}))
      ->capture_default_str();
  sub->add_flag("--json", *json, "Print JSON");
  return {sub, [genuine, impostor, rule, json](const dist::Communicator& comm) {
            if (!comm.is_master()) return 0;
            metrics::ScoreSets s(metrics::read_score_file(*genuine), metrics::read_score_file(*impostor));
            auto r = *rule == "bob" ? metrics::ThresholdRule::bob_lowest : metrics::ThresholdRule::pyeer_nearest;
            auto e = metrics::eer_fvc2000(s);
            auto op1 = metrics::threshold_at_fmr(s, 0.001, r);
            auto op2 = metrics::threshold_at_fmr(s, 0.01, r);
            auto ci = [&](std::int64_t k, std::int64_t n) {
              auto w = metrics::wilson(k, n);
              return nlohmann::json::array({w.low, w.high});
            };
            nlohmann::json j{
                {"eer", e.eer},
                {"eer_low", e.low},
                {"eer_high", e.high},
                {"eer_threshold", e.threshold},
                {"fnmr_at_fmr", {{"0.001", op1.fnmr}, {"0.01", op2.fnmr}}},
                {"threshold_at_fmr", {{"0.001", op1.threshold}, {"0.01", op2.threshold}}},
                {"fmr_at_threshold", {{"0.001", op1.fmr}, {"0.01", op2.fmr}}},
                {"fnmr_at_fmr_wilson95",
                 {{"0.001", ci(s.false_non_matches(op1.threshold), static_cast<std::int64_t>(s.genuine().size()))},
                  {"0.01", ci(s.false_non_matches(op2.threshold), static_cast<std::int64_t>(s.genuine().size()))}}},
                {"fmr_at_threshold_wilson95",
                 {{"0.001", ci(op1.false_matches, op1.impostors)}, {"0.01", ci(op2.false_matches, op2.impostors)}}},
                {"impostors_behind_threshold", s.impostor().size()},
                {"threshold_rule", *rule},
                {"auc", metrics::auc(s)},
                {"dprime", metrics::dprime(s)},
                {"genuine_count", s.genuine().size()},
                {"impostor_count", s.impostor().size()}};
            if (*json) {
              print_master(comm, j.dump());
            } else {
              print_master(comm, j.dump(2));
            }
            return 0;
          }};
}

}  // namespace irrev::app
