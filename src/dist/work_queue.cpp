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

using Clock = std::chrono::steady_clock;
}  // namespace

QueueOutcome run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute,
                            const SinkFn& sink, const QueueControl& control) {
  bool stopped = false;
  if (comm.is_master()) {
    IRREV_ASSERT(control.done.empty() || control.done.size() == static_cast<std::size_t>(n_units),
                 "done flags for {} units, the queue has {}", control.done.size(), n_units);
    std::int64_t next = 0;
    auto next_unit = [&]() -> std::int64_t {
      while (next < n_units && !control.done.empty() && control.done[static_cast<std::size_t>(next)]) ++next;
      if (next >= n_units) return -1;
      if (control.stop_requested && control.stop_requested()) {
        stopped = true;
        return -1;
      }
      return next++;
    };
    auto last_checkpoint = Clock::now();
    auto maybe_checkpoint = [&] {
      if (!control.checkpoint) return;
      if (std::chrono::duration<double>(Clock::now() - last_checkpoint).count() < control.checkpoint_seconds) return;
      control.checkpoint();
      last_checkpoint = Clock::now();
    };
    if (comm.size() == 1) {
      for (std::int64_t u = next_unit(); u >= 0; u = next_unit()) {
        sink(u, compute(u));
        maybe_checkpoint();
      }
    } else {
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
        if (unit >= 0) {
          sink(unit, msg.substr(sizeof(std::int64_t)));
          maybe_checkpoint();
        }
        const std::int64_t u = next_unit();
        comm.send(sender, kTagUnit, encode_unit(u));
        if (u < 0) --active;
      }
    }
    if (stopped && control.checkpoint) control.checkpoint();
  } else {
    comm.send(0, kTagResult, encode_unit(-1));
    while (true) {
      std::int64_t unit = decode_unit(comm.recv(0, kTagUnit));
      if (unit < 0) break;
      comm.send(0, kTagResult, encode_unit(unit, compute(unit)));
    }
  }
  std::string outcome = stopped ? "stopped" : "complete";
  if (comm.size() > 1) comm.broadcast(outcome, 0);
  return outcome == "stopped" ? QueueOutcome::stopped : QueueOutcome::complete;
}

void run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute,
                    const SinkFn& sink) {
  run_work_queue(comm, n_units, compute, sink, QueueControl{});
}

}  // namespace irrev::dist
