#include "irrev/pipeline/thresholds.hpp"

#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/data/h5_file.hpp"

namespace irrev::pipeline {

Thresholds read_thresholds(const std::string& path) {
  h5::File f(path, h5::File::Mode::read);
  IRREV_CHECK(f.has_attribute("table_json"), "'{}' holds no error-rate table (run verify --protocol error-rates)",
              path);
  auto table = nlohmann::json::parse(f.attribute("table_json"));
  for (const char* pairs : {"all-vs-all", "lfw-view2"}) {
    for (const auto& row : table) {
      if (row.at("protection") == "unprotected" && row.at("pairs") == pairs) {
        Thresholds t;
        t.fmr_0_1 = row.at("threshold_fmr0.1").get<double>();
        t.fmr_1 = row.at("threshold_fmr1").get<double>();
        t.impostors = row.at("impostor").get<std::int64_t>();
        t.pairs = pairs;
        t.source = fmt::format("{} ({} unprotected, {} impostor scores)", path, pairs, t.impostors);
        return t;
      }
    }
  }
  IRREV_FAIL("'{}' has no unprotected row to take thresholds from", path);
}

}  // namespace irrev::pipeline
