#pragma once
// Private to the pipeline's resumable stages (the attack, the synthesis search): the one
// checkpoint they share. It holds which work units are finished and the stage's state after
// them (arrays of counts or bytes), under the stage's key. Every stage gets the same
// guarantees: a format version, a SHA-256 over key, units and state, a read-back of the file
// written aside before it atomically replaces the last good one, the state's own invariants
// checked on reading, and messages that say what to do (another stage's checkpoint names the
// settings that differ; a damaged one is never resumed).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace irrev::pipeline::detail {

/// How a stage's checkpoint files are told apart and worded.
struct CheckpointFormat {
  std::string what;    ///< in messages: "attack", "synthesis search"
  std::string schema;  ///< "irrev.attack-checkpoint/1": the layout's version
  /// Files written before the layout carried a schema attribute (the attack's up to 2026-12)
  /// are read as this version; false: a file without one is refused.
  bool schema_may_be_absent = false;
  /// An attribute whose value must equal this build's (a binary archive's format), with the
  /// message's words for it: "checkpoint 'path' holds {what} ({found}) than this build reads
  /// ({expected}): {advice}". Empty name: none.
  struct Pinned {
    std::string name, value, what, advice;
  };
  Pinned pinned;
};

/// One array of a stage's state: its dataset in the file, its values, and a label hashed just
/// before them (a plan's name, say; empty: none).
struct CheckpointArray {
  std::string dataset;
  std::variant<std::vector<std::int64_t>, std::vector<std::uint8_t>> values;
  std::vector<std::uint64_t> dims;  ///< its shape; empty: one dimension
  std::string label;
};

struct UnitCheckpoint {
  std::vector<std::uint8_t> done;       ///< per unit: 1 once its result is in `arrays`
  std::vector<CheckpointArray> arrays;  ///< the stage's state, in the order the digest reads it
};

/// Writes `state` under `key` with `status` ("running", "resumable (stopped by signal 10)") and
/// `progress` (units_done and units_total are added to it) to `path`: written aside, read back
/// and verified against its digest, then renamed over the previous checkpoint.
void write_unit_checkpoint(const std::string& path, const CheckpointFormat& format, const std::string& key,
                           const UnitCheckpoint& state, const std::string& status, nlohmann::json progress);

/// What to read: the arrays `expected` names (their values' type and size; a size of 0 for an
/// array of bytes reads whatever is there), for `units` units. `invariant` returns what is
/// wrong with a state read whole and intact (empty: nothing), for what a checksum cannot see.
/// Refused, each with what to do: another format or pinned value, another key (naming the
/// settings that differ where both keys are JSON), a missing or wrong checksum, sizes, units
/// marked other than 0 or 1, a broken invariant, a file HDF5 cannot read.
UnitCheckpoint read_unit_checkpoint(const std::string& path, const CheckpointFormat& format, const std::string& key,
                                    const UnitCheckpoint& expected, std::int64_t units,
                                    const std::function<std::string(const UnitCheckpoint&)>& invariant = {});

/// Which parts of two JSON keys differ ("settings/batch", "plans/0": JSON-patch paths cut to two
/// levels, each named once); empty where either is not JSON.
std::string key_difference(const std::string& key, const std::string& other);

/// The status a checkpoint written on a stop carries.
std::string stopped_status(int signal);

}  // namespace irrev::pipeline::detail
