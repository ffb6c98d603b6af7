#include "irrev/pipeline/attack_summary.hpp"

#include <cmath>
#include <type_traits>

#include "irrev/core/json_number.hpp"

namespace irrev::pipeline {
using nlohmann::json;

namespace {
/// `key` of `j` into `out` where present: summaries of earlier versions lack later run figures.
template <class T>
void get_if(const json& j, const char* key, T& out) {
  if (!j.contains(key)) return;
  if constexpr (std::is_same_v<T, double>) {
    out = json_number(j[key]);
  } else {
    out = j[key].get<T>();
  }
}

/// summary.json's "mode": a mode's name, then the recovery method in parentheses. (Before attack.modes,
/// the section "attack" held the unshuffled attack too, its mode spelled out like this.)
void read_mode(const std::string& text, AttackSummary& s) {
  const auto open = text.find(" (");
  s.mode = enum_from_name<AttackMode>(text.substr(0, open), "an attack summary's mode");
  if (open != std::string::npos && text.back() == ')')
    s.recovery_method = text.substr(open + 2, text.size() - open - 3);
}
}  // namespace

std::string AttackSummary::mode_text() const {
  return recovery_method.empty() ? name_of(mode) : fmt::format("{} ({})", name_of(mode), recovery_method);
}

void to_json(json& j, const AttackSummary& s) {
  j = {{"status", s.status},
       {"out", s.out},
       {"templates", s.templates},
       {"templates_with_second_image", s.templates_with_second_image},
       {"female", s.female},
       {"male", s.male},
       {"thresholds",
        {{"fmr0.001", s.thresholds.fmr_0_1},
         {"fmr0.01", s.thresholds.fmr_1},
         {"source", s.thresholds.source},
         {"impostor_scores", s.thresholds.impostors}}},
       {"ranks", s.ranks},
       {"device", s.device},
       {"precision", s.precision},
       {"mode", s.mode_text()},
       {"resumed", s.resumed},
       {"seconds", s.seconds},
       {"samples", s.samples},
       {"samples_per_second", s.samples_per_second},
       {"units", s.units},
       {"units_run", s.units_run},
       {"unit_compute_seconds_mean", s.unit_compute_seconds_mean},
       {"master_seconds_per_unit", s.master_seconds_per_unit},
       {"checkpoints", s.checkpoints},
       {"stalled_ranks", s.stalled_ranks},
       {"checkpoint_seconds_total", s.checkpoint_seconds_total},
       {"rsr", s.rsr},
       {"expected_rsr_uniform", s.expected_rsr_uniform},
       {"unprotected_rsr", s.unprotected_rsr}};
  if (!s.recovery.empty()) j["recovery"] = s.recovery;
  if (!s.targeted.empty()) j["targeted"] = s.targeted;
}

void from_json(const json& j, AttackSummary& s) {
  s = AttackSummary{};
  get_if(j, "status", s.status);
  get_if(j, "out", s.out);
  s.templates = j.at("templates").get<std::int64_t>();
  get_if(j, "templates_with_second_image", s.templates_with_second_image);
  get_if(j, "female", s.female);
  get_if(j, "male", s.male);
  const auto& t = j.at("thresholds");
  s.thresholds.fmr_0_1 = t.at("fmr0.001").get<double>();
  s.thresholds.fmr_1 = t.at("fmr0.01").get<double>();
  get_if(t, "source", s.thresholds.source);
  get_if(t, "impostor_scores", s.thresholds.impostors);
  get_if(j, "ranks", s.ranks);
  get_if(j, "device", s.device);
  get_if(j, "precision", s.precision);
  read_mode(j.value("mode", "plain"), s);
  get_if(j, "resumed", s.resumed);
  get_if(j, "seconds", s.seconds);
  get_if(j, "samples", s.samples);
  get_if(j, "samples_per_second", s.samples_per_second);
  get_if(j, "units", s.units);
  get_if(j, "units_run", s.units_run);
  get_if(j, "unit_compute_seconds_mean", s.unit_compute_seconds_mean);
  get_if(j, "master_seconds_per_unit", s.master_seconds_per_unit);
  get_if(j, "checkpoints", s.checkpoints);
  get_if(j, "stalled_ranks", s.stalled_ranks);
  get_if(j, "checkpoint_seconds_total", s.checkpoint_seconds_total);
  get_if(j, "rsr", s.rsr);
  get_if(j, "expected_rsr_uniform", s.expected_rsr_uniform);
  get_if(j, "unprotected_rsr", s.unprotected_rsr);
  get_if(j, "recovery", s.recovery);
  get_if(j, "targeted", s.targeted);
}

}  // namespace irrev::pipeline
