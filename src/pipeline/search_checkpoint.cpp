#include "search_checkpoint.hpp"

#include <fmt/format.h>

#include "irrev/core/error.hpp"
#include "irrev/core/sha256.hpp"
#include "irrev/data/h5_file.hpp"
#include "irrev/dist/serialize.hpp"

namespace irrev::pipeline::detail {
namespace {
/// The file's own layout; the units' bytes are Boost binary archives without a header, whose
/// format (dist::archive_format) is recorded beside it and must match the reading build's.
constexpr const char* kSearchCheckpointSchema = "irrev.search-checkpoint/2";

/// The finished units' bytes one after another, with each unit's offset (units + 1 values).
void flatten(const SearchCheckpoint& s, std::vector<std::uint8_t>& bytes, std::vector<std::int64_t>& offsets) {
  offsets.assign(1, 0);
  for (const auto& r : s.results) {
    bytes.insert(bytes.end(), r.begin(), r.end());
    offsets.push_back(static_cast<std::int64_t>(bytes.size()));
  }
}

std::string digest(const std::string& key, const std::vector<std::uint8_t>& done,
                   const std::vector<std::uint8_t>& bytes, const std::vector<std::int64_t>& offsets) {
  return Sha256().update(key).update(done).update(bytes).update(offsets).hex();
}

}  // namespace

void write_search_checkpoint(const std::string& path, const std::string& key, const SearchCheckpoint& state,
                             const std::string& status) {
  std::vector<std::uint8_t> bytes;
  std::vector<std::int64_t> offsets;
  flatten(state, bytes, offsets);
  h5::AtomicOutput out(path);
  auto& f = out.file();
  f.set_attribute("schema", kSearchCheckpointSchema);
  f.set_attribute("archive_format", dist::archive_format());
  f.set_attribute("key", key);
  f.set_attribute("status", status);
  f.set_attribute("sha256", digest(key, state.done, bytes, offsets));
  std::int64_t done = 0;
  for (auto d : state.done) done += d;
  f.set_attribute("progress", fmt::format(R"({{"units_done":{},"units":{}}})", done, state.done.size()));
  f.write("done", state.done);
  f.write("offsets", offsets);
  f.write("bytes", bytes);
  f.close();
  out.commit();
}

SearchCheckpoint read_search_checkpoint(const std::string& path, const std::string& key, std::int64_t units) {
  h5::File f(path, h5::File::Mode::read);
  IRREV_CHECK(f.has_attribute("schema") && f.attribute("schema") == kSearchCheckpointSchema,
              "checkpoint '{}' is not a search checkpoint of this version ({}; expected {}): remove it to start over",
              path, f.has_attribute("schema") ? f.attribute("schema") : "no schema: an earlier version's",
              kSearchCheckpointSchema);
  IRREV_CHECK(f.has_attribute("archive_format") && f.attribute("archive_format") == dist::archive_format(),
              "checkpoint '{}' holds results in another binary format ({}) than this build reads ({}): it was "
              "written by a build with another Boost or on another architecture; resume it there, or remove it to "
              "start over",
              path, f.has_attribute("archive_format") ? f.attribute("archive_format") : "none recorded",
              dist::archive_format());
  IRREV_CHECK(f.has_attribute("key") && f.attribute("key") == key,
              "checkpoint '{}' belongs to another search (other settings or inputs): remove it, or run the search "
              "it was made for",
              path);
  SearchCheckpoint s;
  s.done = f.read<std::uint8_t>("done");
  const auto offsets = f.read<std::int64_t>("offsets");
  const auto bytes = f.read<std::uint8_t>("bytes");
  IRREV_CHECK(f.has_attribute("sha256") && f.attribute("sha256") == digest(key, s.done, bytes, offsets) &&
                  static_cast<std::int64_t>(s.done.size()) == units &&
                  offsets.size() == static_cast<std::size_t>(units) + 1,
              "checkpoint '{}' is damaged (its checksum or its size does not match); remove it to start over", path);
  for (std::int64_t u = 0; u < units; ++u) {
    const auto b = bytes.begin() + offsets[static_cast<std::size_t>(u)];
    s.results.emplace_back(b, bytes.begin() + offsets[static_cast<std::size_t>(u) + 1]);
  }
  return s;
}

}  // namespace irrev::pipeline::detail
