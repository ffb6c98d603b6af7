#include "irrev/dist/work_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "irrev/core/error.hpp"
#include "irrev/core/log.hpp"
#include "irrev/dist/message_tags.hpp"

namespace irrev::dist {
namespace {
// Work-queue messages: worker -> master (the result tag) [unit:int64][compute seconds:double][bytes]
// (unit -1 alone: "ready");
// master -> worker (the unit tag) [unit:int64] (kStopComplete / kStopStopped: no more work, and
// how the queue ended).
constexpr std::int64_t kStopComplete = -1;
constexpr std::int64_t kStopStopped = -2;

std::string encode_unit(std::int64_t unit) {
  std::string out(sizeof unit, '\0');
  std::memcpy(out.data(), &unit, sizeof unit);
  return out;
}

/// A result: its unit, the worker's compute time (for the efficiency figure) and the payload.
std::string encode_result(std::int64_t unit, double seconds, const std::string& payload) {
  std::string out(sizeof unit + sizeof seconds, '\0');
  std::memcpy(out.data(), &unit, sizeof unit);
  std::memcpy(out.data() + sizeof unit, &seconds, sizeof seconds);
  out += payload;
  return out;
}
constexpr std::size_t kResultHeader = sizeof(std::int64_t) + sizeof(double);

std::int64_t decode_unit(const std::string& bytes) {
  IRREV_ASSERT(bytes.size() >= sizeof(std::int64_t), "short work-queue message");
  std::int64_t unit;
  std::memcpy(&unit, bytes.data(), sizeof unit);
  return unit;
}

/// The tags of one queue call: every rank calls the queues in the same order, so the n-th call
/// uses the same pair everywhere.
struct Tags {
  int result, unit;
};
Tags tags_of_call(int call) {
  const int pair = call % kTagWorkQueuePairs;
  return {kTagWorkQueueFirst + 2 * pair, kTagWorkQueueFirst + 2 * pair + 1};
}

/// Every rank in the same queue, by name, call and unit count, checked at its start: a rank that
/// skipped a queue (or entered another stage) would otherwise take the next one's messages
/// without an error. The gather is collective, so a mismatch is seen by every rank at once.
void check_same_queue(const Communicator& comm, int call, const std::string& name, std::int64_t n_units) {
  if (comm.size() == 1) return;
  const auto all = comm.all_gather(fmt::format("'{}' (call {} of this process, {} units)", name, call, n_units));
  for (int r = 1; r < comm.size(); ++r)
    IRREV_ASSERT(all[static_cast<std::size_t>(r)] == all[0],
                 "rank {} is in work queue {} while rank 0 is in {}: the ranks reached the distributed stages in "
                 "different orders",
                 r, all[static_cast<std::size_t>(r)], all[0]);
}

std::vector<int> g_stalled;  ///< rank 0: every rank given up on so far (stalled_ranks())

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Rank 0's side of a multi-rank queue: hands out units, sinks results, checkpoints, and hands
/// a unit whose worker missed its deadline to another worker (a late answer is then ignored).
class Master {
 public:
  Master(const Communicator& comm, Tags tags, std::int64_t n_units, const SinkFn& sink, const QueueControl& control)
      : m_comm(comm), m_tags(tags), m_sink(sink), m_control(control), m_finished(static_cast<std::size_t>(n_units), 0) {
    if (!control.done.empty()) m_finished = control.done;
  }

  QueueResult run() {
    const auto t_start = Clock::now();
    int active = m_comm.size() - 1;  // workers not yet told to stop, stalled ones excluded
    while (active > 0) {
      int sender = -1;
      // Poll with a short sleep: a blocking receive in Open MPI spins a whole core, which the
      // workers need when ranks outnumber cores.
      auto t = Clock::now();
      if (!m_comm.poll(m_tags.result, &sender)) {
        active -= check_deadlines();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        m_stats.idle_seconds += seconds_since(t);
        continue;
      }
      t = Clock::now();
      const std::string msg = m_comm.recv(sender, m_tags.result);
      m_stats.receive_seconds += seconds_since(t);
      if (m_stalled.erase(sender)) {
        spdlog::warn("work queue: rank {} answered again after it had been given up on", sender);
        ++active;
      }
      const std::int64_t unit = decode_unit(msg);
      if (unit >= 0) {
        IRREV_ASSERT(msg.size() >= kResultHeader, "short work-queue result from rank {}", sender);
        double seconds;
        std::memcpy(&seconds, msg.data() + sizeof unit, sizeof seconds);
        ++m_stats.units;
        m_stats.bytes += static_cast<std::int64_t>(msg.size() - kResultHeader);
        m_stats.compute_seconds += seconds;
        accept(sender, unit, msg.substr(kResultHeader));
      }
      const std::int64_t u = next_unit();
      if (u >= 0) {
        m_in_flight[u] = {sender, Clock::now()};
        m_comm.send(sender, m_tags.unit, encode_unit(u));
        spdlog::debug("work queue: unit {} to rank {}", u, sender);
      } else if (m_in_flight.empty() || m_stopped) {
        m_comm.send(sender, m_tags.unit, encode_unit(m_stopped ? kStopStopped : kStopComplete));
        --active;
      } else {
        m_waiting.push_back(sender);  // nothing to hand out now; a missed deadline may free a unit
      }
      active -= release_waiting();
    }
    if (m_control.checkpoint && (m_stopped || unfinished() > 0)) checkpoint();
    IRREV_SYSTEM_CHECK(m_stopped || unfinished() == 0,
                       "every worker missed its deadline ({} units not done; the checkpoint holds the rest): the job "
                       "cannot go on",
                       unfinished());
    // A stalled rank still waits for a word: it gets the end as well, should it wake up.
    for (int r : m_stalled) m_comm.send(r, m_tags.unit, encode_unit(m_stopped ? kStopStopped : kStopComplete));
    m_stats.wall_seconds = seconds_since(t_start);
    return {m_stopped ? QueueOutcome::stopped : QueueOutcome::complete, {m_stalled.begin(), m_stalled.end()}, m_stats};
  }

 private:
  struct InFlight {
    int worker;
    Clock::time_point since;
  };

  void accept(int sender, std::int64_t unit, const std::string& result) {
    auto it = m_in_flight.find(unit);
    if (it != m_in_flight.end() && it->second.worker == sender) {
      m_unit_seconds += seconds_since(it->second.since);
      ++m_units_timed;
      m_in_flight.erase(it);
    }
    if (m_finished[static_cast<std::size_t>(unit)]) return;  // a late answer: the unit was done by another worker
    m_finished[static_cast<std::size_t>(unit)] = 1;
    const auto t = Clock::now();
    m_sink(unit, result);
    m_stats.sink_seconds += seconds_since(t);
    if (m_control.checkpoint && seconds_since(m_last_checkpoint) >= m_control.checkpoint_seconds) checkpoint();
  }

  void checkpoint() {
    const auto t = Clock::now();
    m_control.checkpoint();
    m_last_checkpoint = Clock::now();
    m_stats.checkpoint_seconds += seconds_since(t);
    ++m_stats.checkpoints;
  }

  std::int64_t unfinished() const {
    std::int64_t n = 0;
    for (auto f : m_finished) n += f == 0;
    return n;
  }

  std::int64_t next_unit() {
    if (!m_stopped && m_control.stop_requested && m_control.stop_requested()) m_stopped = true;
    if (m_stopped) return -1;
    while (!m_retry.empty()) {
      const auto u = m_retry.back();
      m_retry.pop_back();
      if (!m_finished[static_cast<std::size_t>(u)] && !m_in_flight.count(u)) return u;
    }
    while (m_next < static_cast<std::int64_t>(m_finished.size()) && m_finished[static_cast<std::size_t>(m_next)])
      ++m_next;
    return m_next < static_cast<std::int64_t>(m_finished.size()) ? m_next++ : -1;
  }

  /// Units past their deadline go back to the queue and their workers are given up on (until
  /// they answer). Returns how many workers were given up on.
  int check_deadlines() {
    if (m_control.deadline_factor <= 0 || m_units_timed == 0) return 0;
    const double deadline = std::max(m_control.deadline_floor_seconds,
                                     m_control.deadline_factor * m_unit_seconds / static_cast<double>(m_units_timed));
    int given_up = 0;
    for (auto it = m_in_flight.begin(); it != m_in_flight.end();) {
      const double waited = seconds_since(it->second.since);
      if (waited < deadline) {
        ++it;
        continue;
      }
      const int worker = it->second.worker;
      spdlog::warn(
          "work queue: rank {} has not returned unit {} after {:.0f} s (deadline {:.0f} s: {} x the mean unit "
          "time); {}",
          worker, it->first, waited, deadline, m_control.deadline_factor,
          m_stopped ? "the unit is left for the resume" : "the unit goes to another worker");
      if (!m_stopped) m_retry.push_back(it->first);
      it = m_in_flight.erase(it);
      if (m_stalled.insert(worker).second) ++given_up;
    }
    return given_up + release_waiting();
  }

  /// Workers waiting for a unit get one that a missed deadline freed, or the end once nothing
  /// is in flight. Returns how many were told to stop.
  int release_waiting() {
    int stopped = 0;
    while (!m_waiting.empty()) {
      const std::int64_t u = next_unit();
      const int w = m_waiting.back();
      if (u >= 0) {
        m_in_flight[u] = {w, Clock::now()};
        m_comm.send(w, m_tags.unit, encode_unit(u));
      } else if (m_in_flight.empty() || m_stopped) {
        m_comm.send(w, m_tags.unit, encode_unit(m_stopped ? kStopStopped : kStopComplete));
        ++stopped;
      } else {
        break;
      }
      m_waiting.pop_back();
    }
    return stopped;
  }

  const Communicator& m_comm;
  const Tags m_tags;
  const SinkFn& m_sink;
  const QueueControl& m_control;
  std::vector<std::uint8_t> m_finished;
  std::int64_t m_next = 0;
  std::vector<std::int64_t> m_retry;
  std::map<std::int64_t, InFlight> m_in_flight;
  std::vector<int> m_waiting;
  std::set<int> m_stalled;
  bool m_stopped = false;
  double m_unit_seconds = 0;
  std::int64_t m_units_timed = 0;
  Clock::time_point m_last_checkpoint = Clock::now();
  QueueStats m_stats;
};

}  // namespace

const std::vector<int>& stalled_ranks() { return g_stalled; }

QueueResult run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink,
                           const QueueControl& control) {
  static int calls = 0;
  const int call = calls++;
  check_same_queue(comm, call, control.name, n_units);
  const Tags tags = tags_of_call(call);
  if (comm.is_master()) {
    IRREV_ASSERT(control.done.empty() || control.done.size() == static_cast<std::size_t>(n_units),
                 "done flags for {} units, the queue has {}", control.done.size(), n_units);
    if (comm.size() > 1) {
      auto r = Master(comm, tags, n_units, sink, control).run();
      const auto& s = r.stats;
      spdlog::info(
          "work queue '{}': {} results ({:.1f} MB) in {:.2f} s, the workers' compute {:.2f} s (efficiency {:.3f}); "
          "rank 0's time: receive {:.3f} s, sink {:.3f} s, checkpoint {:.3f} s ({}), idle {:.2f} s",
          control.name, s.units, static_cast<double>(s.bytes) / 1e6, s.wall_seconds, s.compute_seconds,
          s.compute_seconds / ((comm.size() - 1) * std::max(s.wall_seconds, 1e-9)), s.receive_seconds, s.sink_seconds,
          s.checkpoint_seconds, s.checkpoints, s.idle_seconds);
      for (int rank : r.stalled_ranks)
        if (std::find(g_stalled.begin(), g_stalled.end(), rank) == g_stalled.end()) g_stalled.push_back(rank);
      return r;
    }
    // Alone: rank 0 computes every unit itself.
    auto last_checkpoint = Clock::now();
    for (std::int64_t u = 0; u < n_units; ++u) {
      if (!control.done.empty() && control.done[static_cast<std::size_t>(u)]) continue;
      if (control.stop_requested && control.stop_requested()) {
        if (control.checkpoint) control.checkpoint();
        return {QueueOutcome::stopped, {}, {}};
      }
      sink(u, compute(u));
      if (control.checkpoint && seconds_since(last_checkpoint) >= control.checkpoint_seconds) {
        control.checkpoint();
        last_checkpoint = Clock::now();
      }
    }
    return {QueueOutcome::complete, {}, {}};
  }
  comm.send(0, tags.result, encode_unit(-1));
  while (true) {
    // Waiting for work sleeps between probes: an idle worker leaves its core to the others.
    const std::int64_t unit = decode_unit(comm.recv_idle(0, tags.unit));
    if (unit == kStopComplete) return {QueueOutcome::complete, {}, {}};
    if (unit == kStopStopped) return {QueueOutcome::stopped, {}, {}};
    const auto t = Clock::now();
    const std::string result = compute(unit);
    comm.send(0, tags.result, encode_result(unit, seconds_since(t), result));
  }
}

void run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink) {
  const auto r = run_work_queue(comm, n_units, compute, sink, QueueControl{});
  IRREV_ASSERT(r.stalled_ranks.empty(), "a queue without deadlines gave up on a rank");
}

}  // namespace irrev::dist
