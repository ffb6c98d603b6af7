#pragma once
// Private to `irrev unshuffle`: the synthesis search's checkpoint. Each finished work unit's
// result (its serialised bytes, as it came over MPI) is kept, so a search stopped by a signal,
// a time limit or a lost node resumes with the units it had; a checkpoint made under other
// settings or inputs (its key) is refused, and one whose checksum does not match is never taken.
#include <cstdint>
#include <string>
#include <vector>

namespace irrev::pipeline::detail {

struct SearchCheckpoint {
  std::vector<std::uint8_t> done;    ///< per unit
  std::vector<std::string> results;  ///< per unit: its bytes where done, else empty
};

/// Writes all of it (atomically: the previous checkpoint stays until the new one is whole).
void write_search_checkpoint(const std::string& path, const std::string& key, const SearchCheckpoint& state,
                             const std::string& status);

/// Reads `path`, which must carry `key` and `units` units; throws InputError naming the file
/// where it does not (another search's checkpoint: remove it or give the same settings).
SearchCheckpoint read_search_checkpoint(const std::string& path, const std::string& key, std::int64_t units);

}  // namespace irrev::pipeline::detail
