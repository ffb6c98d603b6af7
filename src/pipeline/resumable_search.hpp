#pragma once
// Private to `irrev unshuffle`: its searches over the ranks (the synthesis search, the joint
// model's search), resumable. Each finished unit's result is kept as the bytes that came over
// MPI in the searches' checkpoint (unit_checkpoint.hpp), so a search stopped by a signal, a time
// limit or a lost node resumes with the units it had; a checkpoint made under other settings or
// inputs (its key) is refused, and one whose checksum does not match is never taken.
#include <cstdint>
#include <functional>
#include <string>

namespace irrev::dist {
class Communicator;
}

namespace irrev::pipeline::detail {

/// Which search: its name in messages and logs, and its checkpoint's layout version.
enum class SearchKind { synthesis, joint };

/// What a resumable search runs: `units` units, each computed by `compute` on a worker (its
/// result as bytes), each reaching `sink` on rank 0 once, those of the checkpoint at `path` first
/// (empty path: no checkpoint). `unit_cost` weighs the units' deadlines where they differ
/// (dist::QueueControl::unit_cost).
struct SearchQueue {
  SearchKind kind = SearchKind::synthesis;
  std::string path, key;
  std::int64_t units = 0;
  double checkpoint_seconds = 60;
  std::function<std::string(std::int64_t unit)> compute;
  std::function<void(std::int64_t unit, const std::string& bytes)> sink;
  std::function<double(std::int64_t first, std::int64_t count)> unit_cost;
};

/// Runs it on every rank; true when every unit is done. On a stop signal the state goes to the
/// checkpoint, marked resumable, and every rank returns false (without a checkpoint path, rank 0
/// fails instead, saying so).
bool run_resumable_search(const dist::Communicator& comm, const SearchQueue& search);

}  // namespace irrev::pipeline::detail
