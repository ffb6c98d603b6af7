#include "irrev/pipeline/rsr_records.hpp"

#include <cmath>

#include "irrev/core/error.hpp"
#include "irrev/core/json_number.hpp"

namespace irrev::pipeline {
using nlohmann::json;

namespace {
/// The run-level tags, written only where set: extractor and mode together (a run's summary
/// sets both), the plan wherever rows of several plans are listed together.
void put_tags(json& j, const std::string& extractor, AttackMode mode, const std::string& plan) {
  if (!extractor.empty()) {
    j["extractor"] = extractor;
    j["mode"] = name_of(mode);
  }
  if (!plan.empty()) j["plan"] = plan;
}

/// A row without a mode comes from an attack's own summary, or from a run before modes existed:
/// plain either way.
void get_tags(const json& j, std::string& extractor, AttackMode& mode, std::string& plan) {
  extractor = j.value("extractor", "");
  mode = enum_from_name<AttackMode>(j.value("mode", "plain"), "an RSR row's mode");
  plan = j.value("plan", "");
}

int type_of(const json& j) {
  const auto t = j.at("type").get<std::string>();
  IRREV_CHECK(t == "I" || t == "II", "an RSR row's type is I or II, not '{}'", t);
  return t == "I" ? 1 : 2;
}
}  // namespace

std::string type_name(int type) { return type == 1 ? "I" : "II"; }

void to_json(json& j, const RsrRecord& r) {
  const auto& x = r.row;
  j = {{"blocks", x.blocks},
       {"complexity", x.complexity},
       {"type", type_name(x.type)},
       {"fmr", x.fmr},
       {"mean", x.mean},
       {"min", x.min},
       {"median", x.median},
       {"max", x.max},
       {"std", x.std},
       {"ci95", {x.ci_low, x.ci_high}},
       {"permutations", x.permutations},
       {"templates", x.templates}};
  put_tags(j, r.extractor, r.mode, r.plan);
}

void from_json(const json& j, RsrRecord& r) {
  get_tags(j, r.extractor, r.mode, r.plan);
  auto& x = r.row;
  x.blocks = j.at("blocks").get<int>();
  x.complexity = j.at("complexity").get<int>();
  x.type = type_of(j);
  x.fmr = j.at("fmr").get<double>();
  x.mean = j.at("mean").get<double>();
  x.min = j.at("min").get<double>();
  x.median = j.at("median").get<double>();
  x.max = j.at("max").get<double>();
  x.std = j.at("std").get<double>();
  x.ci_low = j.at("ci95").at(0).get<double>();
  x.ci_high = j.at("ci95").at(1).get<double>();
  x.permutations = j.at("permutations").get<std::int64_t>();
  x.templates = j.at("templates").get<std::int64_t>();
}

void to_json(json& j, const ExpectedRsrRecord& r) {
  const auto& e = r.expected;
  j = {{"blocks", e.blocks}, {"type", type_name(e.type)}, {"fmr", e.fmr}, {"value", e.value}, {"method", e.method}};
  put_tags(j, r.extractor, r.mode, r.plan);
}

void from_json(const json& j, ExpectedRsrRecord& r) {
  get_tags(j, r.extractor, r.mode, r.plan);
  auto& e = r.expected;
  e.blocks = j.at("blocks").get<int>();
  e.type = type_of(j);
  e.fmr = j.at("fmr").get<double>();
  e.value = j.at("value").get<double>();
  e.method = j.at("method").get<std::string>();
}

void to_json(json& j, const RecoveryRecord& r) {
  j = r.metrics.to_json();
  j["model"] = r.model;
  j["model_templates"] = r.model_templates;
  put_tags(j, r.extractor, r.mode, r.plan);
}

void from_json(const json& j, RecoveryRecord& r) {
  get_tags(j, r.extractor, r.mode, r.plan);
  r.model = j.value("model", "?");
  r.model_templates = j.value("model_templates", std::int64_t{0});
  r.metrics = attack::UnshuffleMetrics::from_json(j);
}

void to_json(json& j, const TargetedRecord& r) {
  const auto& t = r.row;
  j = {{"blocks", t.blocks},
       {"complexity", t.complexity < 0 ? json("uniform") : json(t.complexity)},
       {"max_estimated_complexity", r.max_estimated_complexity},
       {"yield", t.yield},
       {"precision_fmr0.001", t.precision_fmr01},
       {"precision_fmr0.01", t.precision_fmr1},
       {"selected", t.selected},
       {"tried", t.tried}};
  put_tags(j, r.extractor, r.mode, r.plan);
}

void from_json(const json& j, TargetedRecord& r) {
  get_tags(j, r.extractor, r.mode, r.plan);
  auto& t = r.row;
  t.blocks = j.at("blocks").get<int>();
  t.complexity = j.at("complexity").is_string() ? -1 : j.at("complexity").get<int>();
  r.max_estimated_complexity = j.at("max_estimated_complexity").get<int>();
  t.yield = json_number(j.at("yield"));
  t.precision_fmr01 = json_number(j.at("precision_fmr0.001"));
  t.precision_fmr1 = json_number(j.at("precision_fmr0.01"));
  t.selected = j.at("selected").get<std::int64_t>();
  t.tried = j.at("tried").get<std::int64_t>();
}

}  // namespace irrev::pipeline
