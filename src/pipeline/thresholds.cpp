#include "irrev/pipeline/thresholds.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "irrev/core/error.hpp"
#include "irrev/core/json_text.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/data/json_reading.hpp"
#include "irrev/metrics/score_histogram.hpp"

namespace irrev::pipeline {
namespace {
using nlohmann::json;

/// The unprotected row of `pairs` in verify's table, or null.
const json* unprotected_row(const json& table, const std::string& pairs) {
  for (const auto& row : table)
    if (row.is_object() && row.value("protection", "") == "unprotected" && row.value("pairs", "") == pairs) return &row;
  return nullptr;
}

double number(const json& row, const char* key, const std::string& path) {
  IRREV_CHECK(row.contains(key) && row.at(key).is_number(), "'{}': the unprotected row of its table has no number '{}'",
              path, key);
  return row.at(key).get<double>();
}

/// All-vs-all thresholds are recomputed from the checksummed impostor histogram (every HDF5 read
/// checks its Fletcher32): the table beside it carries no checksum of its own, and whatever
/// decides an attack's counts must come from checked data.
void check_against_histograms(const h5::File& f, const Thresholds& t) {
  const std::string g = "all_vs_all/unprotected/";
  IRREV_CHECK(f.has(g + "histogram_impostor") && f.has(g + "histogram_genuine"),
              "'{}' has all-vs-all thresholds but not the histograms they come from ({}histogram_*); run verify "
              "again",
              f.path(), g);
  const auto gen = f.read<std::int64_t>(g + "histogram_genuine");
  const auto imp = f.read<std::int64_t>(g + "histogram_impostor");
  for (auto v : gen) IRREV_CHECK(v >= 0, "'{}': a negative count in {}histogram_genuine", f.path(), g);
  for (auto v : imp) IRREV_CHECK(v >= 0, "'{}': a negative count in {}histogram_impostor", f.path(), g);
  const auto h = metrics::ScoreHistogram::from_counts(-1, 1, {gen.begin(), gen.end()}, {imp.begin(), imp.end()});
  const double t01 = h.threshold_at_fmr(0.001).threshold, t1 = h.threshold_at_fmr(0.01).threshold;
  IRREV_CHECK(t.fmr_0_1 == t01 && t.fmr_1 == t1 && t.impostors == h.impostor_count(),
              "'{}': the thresholds in its table ({} at FMR 0.1 %, {} at FMR 1 %, {} impostor scores) are not those "
              "of its checksummed impostor histogram ({}, {}, {}): the table was altered; run verify again",
              f.path(), t.fmr_0_1, t.fmr_1, t.impostors, t01, t1, h.impostor_count());
}

}  // namespace

void check_thresholds(const Thresholds& t, const std::string& where) {
  IRREV_CHECK(std::isfinite(t.fmr_0_1) && std::isfinite(t.fmr_1) && t.fmr_0_1 >= -1 && t.fmr_0_1 <= 1 &&
                  t.fmr_1 >= -1 && t.fmr_1 <= 1,
              "{}: the thresholds ({} at FMR 0.1 %, {} at FMR 1 %) are outside the cosine's range [-1, 1]", where,
              t.fmr_0_1, t.fmr_1);
  IRREV_CHECK(t.fmr_0_1 >= t.fmr_1,
              "{}: the threshold at FMR 0.1 % ({}) is below the one at FMR 1 % ({}); a lower false-match rate needs "
              "a higher threshold",
              where, t.fmr_0_1, t.fmr_1);
  IRREV_CHECK(t.impostors > 0, "{}: the thresholds rest on {} impostor scores", where, t.impostors);
}

std::string table_checksum(const std::string& table_json) { return Sha256().update(table_json).hex(); }

Thresholds read_thresholds(const std::string& path) {
  h5::File f(path, h5::File::Mode::read);
  IRREV_CHECK(f.has_attribute("table_json"), "'{}' holds no error-rate table (run verify --protocol error-rates)",
              path);
  const std::string text = f.attribute("table_json");
  const json table = parse_json(text, fmt::format("'{}': its attribute 'table_json'", path));
  IRREV_CHECK(table.is_array(), "'{}': its attribute table_json is not a JSON table", path);
  for (const char* pairs : {"all-vs-all", "lfw-view2"}) {
    const json* row = unprotected_row(table, pairs);
    if (!row) continue;
    Thresholds t;
    t.fmr_0_1 = number(*row, "threshold_fmr0.1", path);
    t.fmr_1 = number(*row, "threshold_fmr1", path);
    t.impostors = static_cast<std::int64_t>(number(*row, "impostor", path));
    t.pairs = pairs;
    t.source = fmt::format("{} ({} unprotected, {} impostor scores)", path, pairs, t.impostors);
    if (t.pairs == "all-vs-all") {
      check_against_histograms(f, t);
    } else {
      // View 2's thresholds are exact scores with no histogram behind them: the table's checksum.
      IRREV_CHECK(f.has_attribute("table_sha256"),
                  "'{}' carries no checksum of its table (written by an older irrev): its View 2 thresholds cannot "
                  "be checked; run verify again",
                  path);
      IRREV_CHECK(f.attribute("table_sha256") == table_checksum(text),
                  "'{}': its table does not match the checksum it carries (table_sha256): the table was altered; run "
                  "verify again",
                  path);
    }
    check_thresholds(t, path);
    return t;
  }
  IRREV_FAIL("'{}' has no unprotected row to take thresholds from", path);
}

}  // namespace irrev::pipeline
