#include "irrev/dist/work_queue.hpp"

#include <chrono>
#include <cstring>
#include <thread>

#include "irrev/core/error.hpp"

namespace irrev::dist {
namespace {
constexpr int kTagResult = 101;  // worker -> master: [unit:int64][bytes]; unit -1 = "ready"
constexpr int kTagUnit = 102;    // master -> worker: [unit:int64]; unit -1 = "stop"

std::string encode_unit(std::int64_t unit, const std::string& payload = {}) {
  std::string out(sizeof unit, '\0');
  std::memcpy(out.data(), &unit, sizeof unit);
  out += payload;
  return out;
}

std::int64_t decode_unit(const std::string& bytes) {
  IRREV_ASSERT(bytes.size() >= sizeof(std::int64_t), "short work-queue message");
  std::int64_t unit;
  std::memcpy(&unit, bytes.data(), sizeof unit);
  return unit;
}
}  // namespace

void run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute,
                    const SinkFn& sink) {
  if (comm.size() == 1) {
    for (std::int64_t u = 0; u < n_units; ++u) sink(u, compute(u));
    return;
  }
  if (comm.is_master()) {
    std::int64_t next = 0;
    int active = comm.size() - 1;
    while (active > 0) {
      int sender = -1;
      // Poll with a short sleep: a blocking receive in Open MPI spins a whole core, which the
      // workers need when ranks outnumber cores.
      if (!comm.poll(kTagResult, &sender)) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      std::string msg = comm.recv(sender, kTagResult);
      std::int64_t unit = decode_unit(msg);
      if (unit >= 0) sink(unit, msg.substr(sizeof(std::int64_t)));
      if (next < n_units) {
        comm.send(sender, kTagUnit, encode_unit(next++));
      } else {
        comm.send(sender, kTagUnit, encode_unit(-1));
        --active;
      }
    }
    return;
  }
  comm.send(0, kTagResult, encode_unit(-1));
  while (true) {
    std::int64_t unit = decode_unit(comm.recv(0, kTagUnit));
    if (unit < 0) break;
    comm.send(0, kTagResult, encode_unit(unit, compute(unit)));
  }
}

}  // namespace irrev::dist
