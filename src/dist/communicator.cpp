#include "irrev/dist/communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <thread>

#include "irrev/core/error.hpp"

namespace irrev::dist {
namespace {
static_assert(sizeof(MPI_Comm) <= sizeof(std::intptr_t), "an MPI_Comm must fit the opaque handle");
MPI_Comm as_comm(std::intptr_t h) {
  MPI_Comm c;
  std::memcpy(&c, &h, sizeof c);  // NOLINT(bugprone-sizeof-expression): the handle is the pointer itself
  return c;
}
std::intptr_t as_handle(MPI_Comm c) {
  std::intptr_t h = 0;
  std::memcpy(&h, &c, sizeof c);  // NOLINT(bugprone-sizeof-expression): as in as_comm
  return h;
}
void check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(code, text, &len);
    IRREV_SYSTEM_CHECK(false, "MPI call {} failed: {}", what, std::string(text, static_cast<std::size_t>(len)));
  }
}
}  // namespace

Communicator::Communicator(int* argc, char*** argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    m_owns_mpi = true;
    // Torch's threads never call MPI; only the thread that initialised it does (funneled).
    IRREV_SYSTEM_CHECK(provided >= MPI_THREAD_FUNNELED,
                       "this MPI library offers thread level {} where irrev needs MPI_THREAD_FUNNELED ({}): rebuild "
                       "it with thread support",
                       provided, MPI_THREAD_FUNNELED);
  }
  // Errors come back as codes so that check() can turn them into exceptions.
  check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(MPI_COMM_WORLD, &m_rank), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &m_size), "MPI_Comm_size");
  MPI_Comm node;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, m_rank, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  check(MPI_Comm_rank(node, &m_local_rank), "MPI_Comm_rank");
  check(MPI_Comm_free(&node), "MPI_Comm_free");
  // The index of this worker among the workers of its node (rank 0 is the master when there
  // are workers): worker w of a node takes GPU w.
  MPI_Comm workers;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, computes() ? MPI_COMM_TYPE_SHARED : MPI_UNDEFINED, m_rank, MPI_INFO_NULL,
                            &workers),
        "MPI_Comm_split_type");
  if (workers != MPI_COMM_NULL) {
    check(MPI_Comm_rank(workers, &m_local_worker), "MPI_Comm_rank");
    check(MPI_Comm_free(&workers), "MPI_Comm_free");
  }
  set_error_rank(m_size > 1 ? m_rank : -1);
  m_comm = as_handle(MPI_COMM_WORLD);
}

std::vector<std::string> Communicator::hosts() const {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int len = 0;
  check(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name");
  return all_gather(std::string(name, static_cast<std::size_t>(len)));
}

std::vector<std::string> Communicator::all_gather(const std::string& bytes) const {
  IRREV_ASSERT(bytes.size() < static_cast<std::size_t>(std::numeric_limits<int>::max()),
               "{} bytes are too many for one MPI all-gather", bytes.size());
  const int mine = static_cast<int>(bytes.size());
  std::vector<int> sizes(static_cast<std::size_t>(m_size)), offsets(static_cast<std::size_t>(m_size));
  check(MPI_Allgather(&mine, 1, MPI_INT, sizes.data(), 1, MPI_INT, as_comm(m_comm)), "MPI_Allgather");
  std::int64_t total = 0;
  for (int r = 0; r < m_size; ++r) {
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
    total += sizes[static_cast<std::size_t>(r)];
  }
  IRREV_ASSERT(total < std::numeric_limits<int>::max(), "{} bytes are too many for one MPI all-gather", total);
  std::string all(static_cast<std::size_t>(total), '\0');
  check(
      MPI_Allgatherv(bytes.data(), mine, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE, as_comm(m_comm)),
      "MPI_Allgatherv");
  std::vector<std::string> out;
  for (int r = 0; r < m_size; ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                             static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)])));
  return out;
}

Communicator::Communicator(std::intptr_t comm, int local_rank)
    : m_comm(comm), m_owns_comm(true), m_local_rank(local_rank) {
  check(MPI_Comm_rank(as_comm(comm), &m_rank), "MPI_Comm_rank");
  check(MPI_Comm_size(as_comm(comm), &m_size), "MPI_Comm_size");
}

std::unique_ptr<Communicator> Communicator::split(int color) const {
  MPI_Comm sub;
  check(MPI_Comm_split(as_comm(m_comm), color, m_rank, &sub), "MPI_Comm_split");
  check(MPI_Comm_set_errhandler(sub, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  return std::unique_ptr<Communicator>(new Communicator(as_handle(sub), m_local_rank));
}

std::string Communicator::recv_idle(int source, int tag) const {
  // Probe with a sleep: a blocking receive in Open MPI spins a whole core. The sleep grows
  // from 50 us to 5 ms, so a quick answer costs little latency and a long wait little CPU.
  int flag = 0;
  MPI_Status status;
  auto pause = std::chrono::microseconds(50);
  while (true) {
    check(MPI_Iprobe(source, tag, as_comm(m_comm), &flag, &status), "MPI_Iprobe");
    if (flag) return recv(source, tag);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

Communicator::~Communicator() {
  if (m_owns_comm) {
    MPI_Comm c = as_comm(m_comm);
    MPI_Comm_free(&c);
  }
  if (m_owns_mpi) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
}

void Communicator::abort(int exit_code, const std::string& message) const { end_job(exit_code, "error: " + message); }

void Communicator::end_job(int exit_code, const std::string& message) const {
  std::fprintf(stderr, "irrev: %s\n", message.c_str());
  std::fflush(stderr);
  // Open MPI prints its own notice of the abort after this line; the exit code is ours.
  if (m_size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  if (m_owns_mpi) MPI_Finalize();
  std::exit(exit_code);
}

bool Communicator::agree(bool value_on_root) const {
  std::uint8_t v = value_on_root ? 1 : 0;
  if (m_size > 1) check(MPI_Bcast(&v, 1, MPI_UINT8_T, 0, as_comm(m_comm)), "MPI_Bcast");
  return v != 0;
}

int Communicator::node_size() const {
  MPI_Comm node;
  check(MPI_Comm_split_type(as_comm(m_comm), MPI_COMM_TYPE_SHARED, m_rank, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
  int n = 1;
  check(MPI_Comm_size(node, &n), "MPI_Comm_size");
  check(MPI_Comm_free(&node), "MPI_Comm_free");
  return n;
}

void Communicator::barrier() const { check(MPI_Barrier(as_comm(m_comm)), "MPI_Barrier"); }

void Communicator::send(int dest, int tag, const std::string& bytes) const {
  IRREV_ASSERT(bytes.size() < static_cast<std::size_t>(std::numeric_limits<int>::max()),
               "message of {} bytes is too large for one MPI send", bytes.size());
  check(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, as_comm(m_comm)), "MPI_Send");
}

std::string Communicator::recv(int source, int tag, int* sender) const {
  MPI_Status status;
  int src = source == any_source ? MPI_ANY_SOURCE : source;
  check(MPI_Probe(src, tag, as_comm(m_comm), &status), "MPI_Probe");
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  IRREV_SYSTEM_CHECK(count != MPI_UNDEFINED && count >= 0, "MPI_Get_count: a message of no whole byte count");
  std::string bytes(static_cast<std::size_t>(count), '\0');
  check(MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, tag, as_comm(m_comm), MPI_STATUS_IGNORE),
        "MPI_Recv");
  if (sender) *sender = status.MPI_SOURCE;
  return bytes;
}

bool Communicator::poll(int tag, int* sender) const {
  int flag = 0;
  MPI_Status status;
  check(MPI_Iprobe(MPI_ANY_SOURCE, tag, as_comm(m_comm), &flag, &status), "MPI_Iprobe");
  if (flag && sender) *sender = status.MPI_SOURCE;
  return flag != 0;
}

void Communicator::broadcast(std::string& bytes, int root) const {
  std::uint64_t n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, as_comm(m_comm)), "MPI_Bcast");
  bytes.resize(n);
  check(MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, root, as_comm(m_comm)), "MPI_Bcast");
}

void Communicator::sum_in_place(float* values, std::int64_t count) const {
  const std::int64_t chunk = 1 << 28;  // MPI counts are ints
  for (std::int64_t first = 0; first < count; first += chunk) {
    check(MPI_Allreduce(MPI_IN_PLACE, values + first, static_cast<int>(std::min(chunk, count - first)), MPI_FLOAT,
                        MPI_SUM, as_comm(m_comm)),
          "MPI_Allreduce");
  }
}

std::int64_t Communicator::sum(std::int64_t value) const {
  std::int64_t out = 0;
  check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_SUM, as_comm(m_comm)), "MPI_Allreduce");
  return out;
}

}  // namespace irrev::dist
