#include "search_checkpoint.hpp"

#include <fmt/format.h>

#include "irrev/dist/serialize.hpp"
#include "unit_checkpoint.hpp"

namespace irrev::pipeline::detail {
namespace {

/// The units' bytes are Boost binary archives without a header: their format
/// (dist::archive_format) is pinned beside them and must be the reading build's.
CheckpointFormat search_format() {
  return {"synthesis search",
          "irrev.search-checkpoint/2",
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

}  // namespace

void write_search_checkpoint(const std::string& path, const std::string& key, const SearchCheckpoint& state,
                             const std::string& status) {
  write_unit_checkpoint(path, search_format(), key, as_checkpoint(state), status, nlohmann::json::object());
}

SearchCheckpoint read_search_checkpoint(const std::string& path, const std::string& key, std::int64_t units) {
  SearchCheckpoint empty{std::vector<std::uint8_t>(static_cast<std::size_t>(units), 0),
                         std::vector<std::string>(static_cast<std::size_t>(units))};
  const auto c = read_unit_checkpoint(path, search_format(), key, as_checkpoint(empty), units, broken_offsets);
  const auto& bytes = std::get<std::vector<std::uint8_t>>(c.arrays[0].values);
  const auto& offsets = std::get<std::vector<std::int64_t>>(c.arrays[1].values);
  SearchCheckpoint s{c.done, {}};
  for (std::size_t u = 0; u < c.done.size(); ++u)
    s.results.emplace_back(bytes.begin() + offsets[u], bytes.begin() + offsets[u + 1]);
  return s;
}

}  // namespace irrev::pipeline::detail
