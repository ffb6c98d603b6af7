// The work queue's model (dist::simulate_queue, docs/scaling.md) from the command line: one
// run's prediction, or measured runs beside the model's predictions.
//   queue_model predict --workers 512 --units 1000000 --unit-seconds 0.05 [--spread 0.1]
//       [--bytes 3000] [--receive-us 2 --receive-us-per-kb 0.5] [--sink-us 3]
//       [--grant-seconds 1 --bytes-per-unit 80 --sink-us-per-unit 0.05]
//       [--checkpoint-seconds 60 --checkpoint-ms 40] [--handoff-us 1000] [--triangular]
//   queue_model check RUNS.txt --costs CAPACITY.txt [--max-error 15]
// check: RUNS holds queue_capacity lines or "run" lines of the same keys (real attacks and
// verifies: bench/queue_model_runs.sh); the master's costs come from CAPACITY's queue_capacity
// lines (fit_costs), the compute per unit, the grants and the link from each run. It prints a
// markdown table and exits 1 when a prediction is off by more than --max-error percent.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "irrev/dist/queue_model.hpp"

namespace {

using irrev::dist::QueueModel;
using Line = std::map<std::string, std::string>;

/// Every line of `path` that starts with one of `heads`, as key=value pairs.
std::vector<Line> read_lines(const std::string& path, const std::vector<std::string>& heads) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("queue_model: cannot read " + path);
  std::vector<Line> out;
  for (std::string text; std::getline(in, text);) {
    std::istringstream words(text);
    std::string head, kv;
    words >> head;
    if (std::find(heads.begin(), heads.end(), head) == heads.end()) continue;
    Line l;
    while (words >> kv)
      if (const auto eq = kv.find('='); eq != std::string::npos) l[kv.substr(0, eq)] = kv.substr(eq + 1);
    out.push_back(l);
  }
  if (out.empty()) throw std::runtime_error("queue_model: no '" + heads[0] + "' lines in " + path);
  return out;
}

double number(const Line& l, const std::string& key, double fallback = NAN) {
  const auto it = l.find(key);
  if (it != l.end()) return std::stod(it->second);
  if (std::isnan(fallback)) throw std::runtime_error("queue_model: a line without " + key);
  return fallback;
}

/// A per-result figure: `us_per_result_X` (lines from before grants named it per unit: one
/// unit was one result).
double per_result(const Line& l, const std::string& name) {
  return number(l, "us_per_result_" + name, number(l, "us_per_unit_" + name, 0));
}
double result_bytes(const Line& l) { return number(l, "bytes_per_result", number(l, "bytes_per_unit", 0)); }
double units_per_result(const Line& l) {
  return number(l, "units") / std::max(1.0, number(l, "results", number(l, "units")));
}
/// Which handoff a run has: within one host (shared memory) or across hosts (the network).
bool one_host(const Line& l) { return number(l, "hosts", 1) == 1; }

/// (intercept, slope) of the least-squares line through the points, both kept >= 0.
std::pair<double, double> least_squares(const std::vector<std::pair<double, double>>& pts) {
  double mx = 0, my = 0;
  for (const auto& [x, y] : pts) mx += x, my += y;
  mx /= static_cast<double>(pts.size());
  my /= static_cast<double>(pts.size());
  double var = 0, cov = 0;
  for (const auto& [x, y] : pts) var += (x - mx) * (x - mx), cov += (x - mx) * (y - my);
  const double slope = var > 0 ? cov / var : 0;
  return {std::max(0.0, my - slope * mx), std::max(0.0, slope)};
}

struct KindCosts {
  std::pair<double, double> receive, sink;          ///< fixed us + us per KB of a one-unit result
  double bytes_per_unit = 0, sink_us_per_unit = 0;  ///< a grant's further units
};

/// The master's costs per kind from queue_capacity lines: receive and sink of a one-unit result
/// (fixed + per KB, over the lines of one unit a result), a merged result's bytes and sink per
/// further unit (slopes over the lines of several units a result), and the handoff at rest per
/// link (the one-unit lines of 2 ranks: time per unit less compute and service).
std::map<std::string, KindCosts> fit_costs(const std::string& path, std::map<bool, double>& handoff) {
  std::map<std::string, std::vector<std::pair<double, double>>> receive, sink, grant_bytes, grant_sink;
  for (const auto& c : read_lines(path, {"queue_capacity"})) {
    const std::string kind = c.at("kind");
    const double k = units_per_result(c);
    if (k > 1.0001) {
      grant_bytes[kind].push_back({k - 1, result_bytes(c)});
      grant_sink[kind].push_back({k - 1, per_result(c, "sink")});
    } else if (number(c, "ranks") == 2) {
      const double per_unit = 1e6 * number(c, "wall_s") / number(c, "units");
      const double service = per_result(c, "receive") + per_result(c, "sink");
      handoff.emplace(one_host(c), per_unit - 1e3 * number(c, "compute_ms_per_unit") - service);
    } else {
      receive[kind].push_back({result_bytes(c) / 1e3, per_result(c, "receive")});
      sink[kind].push_back({result_bytes(c) / 1e3, per_result(c, "sink")});
    }
  }
  if (handoff.empty()) throw std::runtime_error("queue_model: no 2-rank queue_capacity line in " + path);
  std::map<std::string, KindCosts> costs;
  for (const auto& [kind, pts] : receive) {
    KindCosts& c = costs[kind];
    c.receive = least_squares(pts);
    c.sink = least_squares(sink[kind]);
    if (grant_bytes.count(kind)) {
      c.bytes_per_unit = least_squares(grant_bytes[kind]).second;
      c.sink_us_per_unit = least_squares(grant_sink[kind]).second;
    }
  }
  return costs;
}

int check(const std::string& runs_path, const std::string& costs_path, double max_error) {
  std::map<bool, double> handoff;
  const auto costs = fit_costs(costs_path, handoff);
  for (const auto& [kind, c] : costs)
    std::printf(
        "costs of %s: receive %.2f us + %.3f us/KB, sink %.2f us + %.3f us/KB; a grant's further unit: %.0f "
        "bytes, %.3f us\n",
        kind.c_str(), c.receive.first, c.receive.second, c.sink.first, c.sink.second, c.bytes_per_unit,
        c.sink_us_per_unit);
  for (const auto& [one, us] : handoff) std::printf("handoff %s: %.0f us\n", one ? "on one host" : "across hosts", us);
  std::printf(
      "\n| kind | ranks | hosts | units | results (predicted) | compute ms/unit | KB/result | measured wall s | "
      "predicted "
      "wall s | error | measured eff. | predicted eff. |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  double worst = 0;
  for (const auto& r : read_lines(runs_path, {"queue_capacity", "run"})) {
    const auto cost = costs.find(r.at("kind"));
    if (cost == costs.end()) throw std::runtime_error("queue_model: no costs of kind " + r.at("kind"));
    const auto& c = cost->second;
    QueueModel m;
    m.workers = static_cast<int>(number(r, "ranks")) - 1;
    m.units = static_cast<std::int64_t>(number(r, "units"));
    m.unit_seconds = number(r, "compute_ms_per_unit") / 1e3;
    m.spread = number(r, "spread", 0.1);
    m.triangular = r.count("profile") && r.at("profile") == "triangular";
    m.grant_seconds = number(r, "grant_seconds", 0);
    m.bytes_per_unit = c.bytes_per_unit;
    m.sink_us_per_unit = c.sink_us_per_unit;
    // One unit's result: the run's mean result less what its grants' further units added.
    m.bytes = result_bytes(r) - (m.grant_seconds > 0 ? c.bytes_per_unit * (units_per_result(r) - 1) : 0);
    m.receive_us = c.receive.first;
    m.receive_us_per_kb = c.receive.second;
    m.sink_us = c.sink.first + c.sink.second * m.bytes / 1e3;
    m.checkpoint_seconds = number(r, "checkpoint_seconds", 0);
    m.checkpoint_ms = number(r, "checkpoint_ms_each", 0);
    const auto h = handoff.find(one_host(r));
    if (h == handoff.end()) throw std::runtime_error("queue_model: no 2-rank line for this link in " + costs_path);
    m.handoff_us = h->second;
    m.bandwidth_mbps = number(r, "bandwidth_MBps", 0) > 0 ? number(r, "bandwidth_MBps") : 1000;
    const auto p = irrev::dist::simulate_queue(m);
    const double wall = number(r, "wall_s"), err = p.wall_seconds / wall - 1;
    worst = std::max(worst, std::abs(err));
    const double measured_eff = m.unit_seconds * static_cast<double>(m.units) / (m.workers * wall);
    std::printf("| %s | %d | %.0f | %ld | %.0f (%ld) | %.2f | %.1f | %.3f | %.3f | %+.1f %% | %.3f | %.3f |\n",
                r.at("kind").c_str(), m.workers + 1, number(r, "hosts", 1), static_cast<long>(m.units),
                number(r, "results", number(r, "units")), static_cast<long>(p.results), 1e3 * m.unit_seconds,
                result_bytes(r) / 1e3, wall, p.wall_seconds, 100 * err, measured_eff, p.efficiency());
  }
  std::printf("\nlargest error: %.1f %%\n", 100 * worst);
  return 100 * worst > max_error ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"the work queue's model: a run's wall time and efficiency"};
  app.require_subcommand(1);
  QueueModel m;
  auto* predict = app.add_subcommand("predict", "one run's wall time and efficiency");
  predict->add_option("--workers", m.workers)->required();
  predict->add_option("--units", m.units)->required();
  predict->add_option("--unit-seconds", m.unit_seconds, "a unit's mean compute time on one worker")->required();
  predict->add_option("--spread", m.spread, "log-normal sigma of a unit's compute time");
  predict->add_flag("--triangular", m.triangular, "units' work falls linearly to 0 (verify's all-vs-all)");
  predict->add_option("--bytes", m.bytes, "a one-unit result's bytes");
  predict->add_option("--bytes-per-unit", m.bytes_per_unit, "a merged result's bytes per further unit");
  predict->add_option("--receive-us", m.receive_us, "the master's receive, fixed part");
  predict->add_option("--receive-us-per-kb", m.receive_us_per_kb, "the master's receive per KB");
  predict->add_option("--sink-us", m.sink_us, "the master's merge of a one-unit result");
  predict->add_option("--sink-us-per-unit", m.sink_us_per_unit, "the master's merge per further unit of a grant");
  predict->add_option("--grant-seconds", m.grant_seconds, "units per grant sized to this much compute (0: one)");
  predict->add_option("--checkpoint-seconds", m.checkpoint_seconds, "checkpoint cadence (0: none)");
  predict->add_option("--checkpoint-ms", m.checkpoint_ms, "one checkpoint's cost");
  predict->add_option("--handoff-us", m.handoff_us, "a grant's way to the master and the next one's back, at rest");
  predict->add_option("--bandwidth-mbps", m.bandwidth_mbps, "the link into the master, MB/s");
  std::string runs, costs;
  double max_error = 100;
  auto* chk = app.add_subcommand("check", "measured runs beside their predictions");
  chk->add_option("runs", runs, "queue_capacity lines and 'run' lines of real jobs")->required();
  chk->add_option("--costs", costs, "queue_capacity lines: many workers (the master's costs), 2 ranks (the handoff)")
      ->required();
  chk->add_option("--max-error", max_error, "exit 1 when a prediction is off by more than this, percent");
  CLI11_PARSE(app, argc, argv);
  try {
    if (chk->parsed()) return check(runs, costs, max_error);
    const auto p = irrev::dist::simulate_queue(m);
    std::printf("wall_s=%.6g efficiency=%.6g units_per_s=%.6g results_per_s=%.6g\n", p.wall_seconds, p.efficiency(),
                static_cast<double>(m.units) / p.wall_seconds, static_cast<double>(p.results) / p.wall_seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
