#pragma once
/// The engine's only view of MPI (HOUSE_STYLE 6): a non-copyable communicator that owns
/// MPI_Init/MPI_Finalize and moves byte strings between ranks. Everything above it sends
/// Boost.Serialization archives (see serialize.hpp), never raw MPI types.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace irrev::dist {

class Communicator {
 public:
  /// Initialise MPI (a singleton launch without mpiexec works too) and set the rank that
  /// errors and logs name.
  Communicator(int* argc, char*** argv);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  /// A communicator of the ranks that pass the same `color` (collective over this one).
  std::unique_ptr<Communicator> split(int color) const;

  int rank() const { return m_rank; }
  int size() const { return m_size; }
  bool is_master() const { return m_rank == 0; }
  /// Whether this rank does work: every rank but the master of a multi-rank job, which only
  /// schedules and merges (alone, rank 0 does the work itself).
  bool computes() const { return m_size == 1 || m_rank != 0; }
  /// Rank among the processes of the same node (chooses the GPU of a worker).
  int local_rank() const { return m_local_rank; }
  /// Index of this worker among the workers on its node (0 for the master): its GPU.
  int local_worker() const { return m_local_worker; }

  /// End the whole job with `message` printed by this rank as an error: no other rank is left
  /// waiting.
  [[noreturn]] void abort(int exit_code, const std::string& message) const;
  /// The same for a job whose result is saved but whose ranks cannot all finish together (one
  /// stopped answering): `message` is printed plainly, not as an error.
  [[noreturn]] void end_job(int exit_code, const std::string& message) const;

  void barrier() const;
  /// Root's decision, on every rank (a stage runs or not, a loop stops or not): collective.
  bool agree(bool value_on_root) const;
  /// Ranks of this communicator on this rank's node (collective).
  int node_size() const;
  /// Every rank's host name (MPI_Get_processor_name), by rank, on every rank (collective).
  std::vector<std::string> hosts() const;
  /// Every rank's `bytes`, by rank, on every rank (collective).
  std::vector<std::string> all_gather(const std::string& bytes) const;
  void send(int dest, int tag, const std::string& bytes) const;
  /// Blocking receive from `source` (any_source allowed); returns the bytes and sets the sender.
  std::string recv(int source, int tag, int* sender = nullptr) const;
  /// Receive from `source`, sleeping between probes: for a rank that only waits, so that it
  /// leaves its core to the ranks that compute.
  std::string recv_idle(int source, int tag) const;
  /// Non-blocking probe for a message of `tag` from any rank.
  bool poll(int tag, int* sender) const;
  /// Broadcast `bytes` from `root` to every rank.
  void broadcast(std::string& bytes, int root) const;
  /// In-place element-wise sum over all ranks (gradient all-reduce of data-parallel training).
  void sum_in_place(float* values, std::int64_t count) const;
  /// Sum of a 64-bit integer over all ranks (for "did any rank fail" style agreements).
  std::int64_t sum(std::int64_t value) const;

  static constexpr int any_source = -1;

 private:
  Communicator(std::intptr_t comm, int local_rank);
  std::intptr_t m_comm = 0;  ///< the MPI_Comm, opaque here so that mpi.h stays out of headers
  bool m_owns_comm = false;
  int m_rank = 0;
  int m_size = 1;
  int m_local_rank = 0;
  int m_local_worker = 0;
  bool m_owns_mpi = false;
};

}  // namespace irrev::dist
