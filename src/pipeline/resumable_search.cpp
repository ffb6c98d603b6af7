#include "resumable_search.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <vector>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/communicator.hpp"
#include "irrev/dist/serialize.hpp"
#include "irrev/dist/stop_signal.hpp"
#include "irrev/dist/work_queue.hpp"
#include "stage_queue.hpp"
#include "unit_checkpoint.hpp"

namespace irrev::pipeline::detail {
namespace {

struct SearchCheckpoint {
  std::vector<std::uint8_t> done;    ///< per unit
  std::vector<std::string> results;  ///< per unit: its bytes where done, else empty
};

/// The units' bytes are Boost binary archives without a header: their format
/// (dist::archive_format) is pinned beside them and must be the reading build's.
CheckpointFormat search_format(SearchKind kind) {
  const bool synthesis = kind == SearchKind::synthesis;
  return {synthesis ? "synthesis search" : "joint search",
          synthesis ? "irrev.search-checkpoint/2" : "irrev.joint-search-checkpoint/1",
          false,
          {"archive_format", dist::archive_format(), "results in another binary format",
           "it was written by a build with another Boost or on another architecture; resume it there, or remove it "
           "to start over"}};
}

/// The finished units' bytes one after another, then each unit's offset (units + 1 values).
UnitCheckpoint as_checkpoint(const SearchCheckpoint& s) {
  std::vector<std::uint8_t> bytes;
  std::vector<std::int64_t> offsets{0};
  for (const auto& r : s.results) {
    bytes.insert(bytes.end(), r.begin(), r.end());
    offsets.push_back(static_cast<std::int64_t>(bytes.size()));
  }
  return {s.done, {{"bytes", std::move(bytes), {}, ""}, {"offsets", std::move(offsets), {}, ""}}};
}

/// Offsets that cut the bytes into one result per unit, empty where a unit is not done.
std::string broken_offsets(const UnitCheckpoint& c) {
  const auto& bytes = std::get<std::vector<std::uint8_t>>(c.arrays[0].values);
  const auto& offsets = std::get<std::vector<std::int64_t>>(c.arrays[1].values);
  if (offsets.front() != 0 || offsets.back() != static_cast<std::int64_t>(bytes.size()))
    return fmt::format("its offsets span {}..{} of {} bytes", offsets.front(), offsets.back(), bytes.size());
  for (std::size_t u = 0; u < c.done.size(); ++u) {
    const auto length = offsets[u + 1] - offsets[u];
    if (length < 0 || (length > 0) != (c.done[u] == 1))
      return fmt::format("unit {} ({}) holds {} bytes", u, c.done[u] ? "done" : "not done", length);
  }
  return {};
}

void write_search_checkpoint(SearchKind kind, const std::string& path, const std::string& key,
                             const SearchCheckpoint& state, const std::string& status) {
  write_unit_checkpoint(path, search_format(kind), key, as_checkpoint(state), status, nlohmann::json::object());
}

SearchCheckpoint read_search_checkpoint(SearchKind kind, const std::string& path, const std::string& key,
                                        std::int64_t units) {
  SearchCheckpoint empty{std::vector<std::uint8_t>(static_cast<std::size_t>(units), 0),
                         std::vector<std::string>(static_cast<std::size_t>(units))};
  const auto c = read_unit_checkpoint(path, search_format(kind), key, as_checkpoint(empty), units, broken_offsets);
  const auto& bytes = std::get<std::vector<std::uint8_t>>(c.arrays[0].values);
  const auto& offsets = std::get<std::vector<std::int64_t>>(c.arrays[1].values);
  SearchCheckpoint s{c.done, {}};
  for (std::size_t u = 0; u < c.done.size(); ++u)
    s.results.emplace_back(bytes.begin() + offsets[u], bytes.begin() + offsets[u + 1]);
  return s;
}

}  // namespace

bool run_resumable_search(const dist::Communicator& comm, const SearchQueue& q) {
  const std::string what = search_format(q.kind).what;
  SearchCheckpoint state;
  if (comm.is_master()) {
    if (!q.path.empty() && std::filesystem::exists(q.path)) {
      state = read_search_checkpoint(q.kind, q.path, q.key, q.units);
      std::int64_t restored = 0;
      for (std::int64_t u = 0; u < q.units; ++u)
        if (state.done[static_cast<std::size_t>(u)]) {
          q.sink(u, state.results[static_cast<std::size_t>(u)]);
          ++restored;
        }
      spdlog::info("unshuffle: resuming the {}: {} of {} units from '{}'", what, restored, q.units, q.path);
    } else {
      state.done.assign(static_cast<std::size_t>(q.units), 0);
      state.results.assign(static_cast<std::size_t>(q.units), {});
    }
  }
  // The units done and the checkpoint are the master's (a worker's state is empty).
  std::function<void()> checkpoint;
  if (!q.path.empty()) checkpoint = [&] { write_search_checkpoint(q.kind, q.path, q.key, state, "running"); };
  auto control = resumable_control(what, state.done, checkpoint, q.checkpoint_seconds, kStageDeadlineFactor);
  control.unit_cost = q.unit_cost;
  dist::install_stop_handlers();
  const auto outcome = dist::run_work_queue(
      comm, q.units, q.compute,
      [&](std::int64_t u, const std::string& bytes) {
        state.done[static_cast<std::size_t>(u)] = 1;
        state.results[static_cast<std::size_t>(u)] = bytes;
        q.sink(u, bytes);
      },
      control);
  if (outcome.outcome == dist::QueueOutcome::complete) return true;
  if (comm.is_master()) {
    IRREV_CHECK(!q.path.empty(), "unshuffle: stopped by signal {} with no checkpoint (give --out or --checkpoint)",
                dist::stop_signal());
    write_search_checkpoint(q.kind, q.path, q.key, state, stopped_status(dist::stop_signal()));
    spdlog::warn("unshuffle: stopped by signal {}; the {} is saved in '{}': run the same command to continue",
                 dist::stop_signal(), what, q.path);
  }
  return false;
}

}  // namespace irrev::pipeline::detail
