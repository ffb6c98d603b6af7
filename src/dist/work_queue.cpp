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
#include "irrev/dist/queue_model.hpp"

namespace irrev::dist {
namespace {
// Work-queue messages: worker -> master (the result tag)
// [first unit:int64][units:int64][compute seconds:double][merged result bytes] (first unit -1
// alone: "ready"); master -> worker (the unit tag) [first unit:int64][units:int64] (first unit
// kStopComplete / kStopStopped: no more work, and how the queue ended).
constexpr std::int64_t kStopComplete = -1;
constexpr std::int64_t kStopStopped = -2;

/// Consecutive units [first, first + count); count 0: none.
struct Grant {
  std::int64_t first = -1, count = 0;
};

std::string encode_grant(Grant g) {
  std::string out(2 * sizeof(std::int64_t), '\0');
  std::memcpy(out.data(), &g.first, sizeof g.first);
  std::memcpy(out.data() + sizeof g.first, &g.count, sizeof g.count);
  return out;
}

/// A result: its grant, the worker's compute time (for the efficiency figure and the next
/// grant's size) and the payload.
std::string encode_result(Grant g, double seconds, const std::string& payload) {
  std::string out = encode_grant(g);
  out.append(reinterpret_cast<const char*>(&seconds), sizeof seconds);
  out += payload;
  return out;
}
constexpr std::size_t kResultHeader = 2 * sizeof(std::int64_t) + sizeof(double);

/// A message's grant (a "ready" or a stop: its first unit alone, count 0).
Grant decode_grant(const std::string& bytes) {
  IRREV_ASSERT(bytes.size() >= sizeof(std::int64_t), "short work-queue message");
  Grant g;
  std::memcpy(&g.first, bytes.data(), sizeof g.first);
  if (g.first >= 0) {
    IRREV_ASSERT(bytes.size() >= 2 * sizeof(std::int64_t), "short work-queue message");
    std::memcpy(&g.count, bytes.data() + sizeof g.first, sizeof g.count);
    IRREV_ASSERT(g.count >= 1, "a work-queue grant of {} units", g.count);
  }
  return g;
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

/// Rank 0's side of a multi-rank queue: hands out grants, sinks results, checkpoints, and hands
/// a grant whose worker missed its deadline to another worker (a late answer is then ignored).
class Master {
 public:
  Master(const Communicator& comm, Tags tags, std::int64_t n_units, const SinkGrantFn& sink,
         const QueueControl& control)
      : m_comm(comm),
        m_tags(tags),
        m_sink(sink),
        m_control(control),
        m_finished(static_cast<std::size_t>(n_units), 0),
        m_seconds_per_unit(static_cast<std::size_t>(comm.size()), 0),
        m_last_grant(static_cast<std::size_t>(comm.size()), 0) {
    if (!control.done.empty()) m_finished = control.done;
    m_not_handed = unfinished();
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
      const Grant done = decode_grant(msg);
      if (done.first >= 0) {
        IRREV_ASSERT(msg.size() >= kResultHeader, "short work-queue result from rank {}", sender);
        double seconds;
        std::memcpy(&seconds, msg.data() + 2 * sizeof(std::int64_t), sizeof seconds);
        ++m_stats.results;
        m_stats.units += done.count;
        m_stats.bytes += static_cast<std::int64_t>(msg.size() - kResultHeader);
        m_stats.compute_seconds += seconds;
        m_seconds_per_unit[static_cast<std::size_t>(sender)] = seconds / static_cast<double>(done.count);
        accept(sender, done, msg.substr(kResultHeader));
      }
      const Grant g = next_grant(sender);
      if (g.count > 0) {
        hand_out(sender, g);
      } else if (m_in_flight.empty() || m_stopped) {
        send_end(sender);
        --active;
      } else {
        m_waiting.push_back(sender);  // nothing to hand out now; a missed deadline may free a grant
      }
      active -= release_waiting();
    }
    if (m_control.checkpoint && (m_stopped || unfinished() > 0)) checkpoint();
    IRREV_SYSTEM_CHECK(m_stopped || unfinished() == 0,
                       "every worker missed its deadline ({} units not done; the checkpoint holds the rest): the job "
                       "cannot go on",
                       unfinished());
    // A stalled rank still waits for a word: it gets the end as well, should it wake up.
    for (int r : m_stalled) send_end(r);
    m_stats.wall_seconds = seconds_since(t_start);
    return {m_stopped ? QueueOutcome::stopped : QueueOutcome::complete, {m_stalled.begin(), m_stalled.end()}, m_stats};
  }

 private:
  struct InFlight {
    int worker;
    std::int64_t count;
    Clock::time_point since;
  };

  /// No more work for `worker`, and how the queue ended.
  void send_end(int worker) {
    m_comm.send(worker, m_tags.unit, encode_grant({m_stopped ? kStopStopped : kStopComplete, 0}));
  }

  void hand_out(int worker, Grant g) {
    m_in_flight[g.first] = {worker, g.count, Clock::now()};
    m_comm.send(worker, m_tags.unit, encode_grant(g));
    spdlog::debug("work queue: units {}+{} to rank {}", g.first, g.count, worker);
  }

  /// A grant's units are finished all together or not at all: a grant is only ever handed out
  /// again whole (a missed deadline), so a late answer covers a grant already sunk, or none.
  bool finished(Grant g) const {
    const auto* f = m_finished.data() + g.first;
    const bool first = f[0] != 0;
    for (std::int64_t i = 1; i < g.count; ++i)
      IRREV_ASSERT((f[i] != 0) == first, "units {}+{} are partly finished", g.first, g.count);
    return first;
  }

  void accept(int sender, Grant g, const std::string& result) {
    IRREV_ASSERT(g.first + g.count <= static_cast<std::int64_t>(m_finished.size()),
                 "rank {} returned units {}+{} of a queue of {}", sender, g.first, g.count, m_finished.size());
    auto it = m_in_flight.find(g.first);
    if (it != m_in_flight.end() && it->second.worker == sender) {
      m_unit_seconds += seconds_since(it->second.since);
      m_cost_timed += cost(g.first, g.count);
      m_in_flight.erase(it);
    }
    if (finished(g)) return;  // a late answer: the grant was done by another worker
    std::fill_n(m_finished.begin() + g.first, g.count, 1);
    const auto t = Clock::now();
    m_sink(g.first, g.count, result);
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

  /// How many units `worker`'s next grant holds (QueueControl::grant_seconds).
  std::int64_t grant_size(int worker) const {
    const auto w = static_cast<std::size_t>(worker);
    return grant_units(m_control.grant_seconds, m_seconds_per_unit[w], m_last_grant[w], m_not_handed,
                       m_comm.size() - 1);
  }

  /// The next grant for `worker`: one freed by a missed deadline, else the next units not done,
  /// as many as grant_size() and as are consecutive. Count 0: none now.
  Grant next_grant(int worker) {
    if (!m_stopped && m_control.stop_requested && m_control.stop_requested()) m_stopped = true;
    if (m_stopped) return {};
    while (!m_retry.empty()) {
      const Grant g = m_retry.back();
      m_retry.pop_back();
      if (!finished(g) && !m_in_flight.count(g.first)) return g;
    }
    const auto n = static_cast<std::int64_t>(m_finished.size());
    while (m_next < n && m_finished[static_cast<std::size_t>(m_next)]) ++m_next;
    if (m_next >= n) return {};
    const std::int64_t want = grant_size(worker);
    Grant g{m_next, 0};
    while (g.count < want && m_next < n && !m_finished[static_cast<std::size_t>(m_next)]) {
      ++m_next;
      ++g.count;
    }
    m_not_handed -= g.count;
    m_last_grant[static_cast<std::size_t>(worker)] = g.count;
    return g;
  }

  /// The work of units [first, first + count): QueueControl::unit_cost, or their count.
  double cost(std::int64_t first, std::int64_t count) const {
    return m_control.unit_cost ? m_control.unit_cost(first, count) : static_cast<double>(count);
  }

  /// Grants past their deadline go back to the queue and their workers are given up on (until
  /// they answer). Returns how many workers were given up on.
  int check_deadlines() {
    if (m_control.deadline_factor <= 0 || m_cost_timed <= 0) return 0;
    const double per_cost = m_unit_seconds / m_cost_timed;
    int given_up = 0;
    for (auto it = m_in_flight.begin(); it != m_in_flight.end();) {
      const double waited = seconds_since(it->second.since);
      const double deadline = std::max(m_control.deadline_floor_seconds,
                                       m_control.deadline_factor * per_cost * cost(it->first, it->second.count));
      if (waited < deadline) {
        ++it;
        continue;
      }
      const int worker = it->second.worker;
      spdlog::warn(
          "work queue: rank {} has not returned units {}+{} after {:.0f} s (deadline {:.0f} s: {} x the mean time "
          "of their work); {}",
          worker, it->first, it->second.count, waited, deadline, m_control.deadline_factor,
          m_stopped ? "they are left for the resume" : "they go to another worker");
      if (!m_stopped) m_retry.push_back({it->first, it->second.count});
      it = m_in_flight.erase(it);
      if (m_stalled.insert(worker).second) ++given_up;
    }
    return given_up + release_waiting();
  }

  /// Workers waiting for work get a grant that a missed deadline freed, or the end once nothing
  /// is in flight. Returns how many were told to stop.
  int release_waiting() {
    int stopped = 0;
    while (!m_waiting.empty()) {
      const int w = m_waiting.back();
      const Grant g = next_grant(w);
      if (g.count > 0) {
        hand_out(w, g);
      } else if (m_in_flight.empty() || m_stopped) {
        send_end(w);
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
  const SinkGrantFn& m_sink;
  const QueueControl& m_control;
  std::vector<std::uint8_t> m_finished;
  std::vector<double> m_seconds_per_unit;  ///< per worker: its last grant's compute per unit
  std::vector<std::int64_t> m_last_grant;  ///< per worker: its last fresh grant's units
  std::int64_t m_next = 0;
  std::int64_t m_not_handed = 0;  ///< units not done and never handed out
  std::vector<Grant> m_retry;
  std::map<std::int64_t, InFlight> m_in_flight;  ///< by first unit
  std::vector<int> m_waiting;
  std::set<int> m_stalled;
  bool m_stopped = false;
  double m_unit_seconds = 0;  ///< the round trips of the grants timed
  double m_cost_timed = 0;    ///< their work (QueueControl::unit_cost)
  Clock::time_point m_last_checkpoint = Clock::now();
  QueueStats m_stats;
};

/// Rank 0 alone computes every unit itself, one at a time, with the same account as a master.
QueueResult run_alone(std::int64_t n_units, const ComputeGrantFn& compute, const SinkGrantFn& sink,
                      const QueueControl& control) {
  QueueStats s;
  const auto t_start = Clock::now();
  auto last_checkpoint = Clock::now();
  const auto checkpoint = [&] {
    const auto t = Clock::now();
    control.checkpoint();
    last_checkpoint = Clock::now();
    s.checkpoint_seconds += seconds_since(t);
    ++s.checkpoints;
  };
  QueueOutcome outcome = QueueOutcome::complete;
  for (std::int64_t u = 0; u < n_units; ++u) {
    if (!control.done.empty() && control.done[static_cast<std::size_t>(u)]) continue;
    if (control.stop_requested && control.stop_requested()) {
      if (control.checkpoint) checkpoint();
      outcome = QueueOutcome::stopped;
      break;
    }
    auto t = Clock::now();
    const std::string result = compute(u, 1);
    s.compute_seconds += seconds_since(t);
    ++s.results;
    ++s.units;
    s.bytes += static_cast<std::int64_t>(result.size());
    t = Clock::now();
    sink(u, 1, result);
    s.sink_seconds += seconds_since(t);
    if (control.checkpoint && seconds_since(last_checkpoint) >= control.checkpoint_seconds) checkpoint();
  }
  s.wall_seconds = seconds_since(t_start);
  return {outcome, {}, s};
}

}  // namespace

const std::vector<int>& stalled_ranks() { return g_stalled; }

QueueResult run_grant_queue(const Communicator& comm, std::int64_t n_units, const ComputeGrantFn& compute,
                            const SinkGrantFn& sink, const QueueControl& control) {
  static int calls = 0;
  const int call = calls++;
  check_same_queue(comm, call, control.name, n_units);
  const Tags tags = tags_of_call(call);
  if (comm.is_master()) {
    IRREV_ASSERT(control.done.empty() || control.done.size() == static_cast<std::size_t>(n_units),
                 "done flags for {} units, the queue has {}", control.done.size(), n_units);
    if (comm.size() == 1) return run_alone(n_units, compute, sink, control);
    auto r = Master(comm, tags, n_units, sink, control).run();
    const auto& s = r.stats;
    spdlog::info(
        "work queue '{}': {} results of {} units ({:.1f} MB) in {:.2f} s, the workers' compute {:.2f} s (efficiency "
        "{:.3f}); rank 0's time: receive {:.3f} s, sink {:.3f} s, checkpoint {:.3f} s ({}), idle {:.2f} s",
        control.name, s.results, s.units, static_cast<double>(s.bytes) / 1e6, s.wall_seconds, s.compute_seconds,
        s.compute_seconds / ((comm.size() - 1) * std::max(s.wall_seconds, 1e-9)), s.receive_seconds, s.sink_seconds,
        s.checkpoint_seconds, s.checkpoints, s.idle_seconds);
    for (int rank : r.stalled_ranks)
      if (std::find(g_stalled.begin(), g_stalled.end(), rank) == g_stalled.end()) g_stalled.push_back(rank);
    return r;
  }
  comm.send(0, tags.result, encode_grant({-1, 0}));  // ready
  while (true) {
    // Waiting for work sleeps between probes: an idle worker leaves its core to the others.
    const Grant g = decode_grant(comm.recv_idle(0, tags.unit));
    if (g.first == kStopComplete) return {QueueOutcome::complete, {}, {}};
    if (g.first == kStopStopped) return {QueueOutcome::stopped, {}, {}};
    const auto t = Clock::now();
    const std::string result = compute(g.first, g.count);
    comm.send(0, tags.result, encode_result(g, seconds_since(t), result));
  }
}

QueueResult run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink,
                           const QueueControl& control) {
  IRREV_ASSERT(control.grant_seconds == 0, "work queue '{}': grants need results that merge (run_merging_queue)",
               control.name);
  return run_grant_queue(
      comm, n_units, [&](std::int64_t first, std::int64_t) { return compute(first); },
      [&](std::int64_t first, std::int64_t, const std::string& result) { sink(first, result); }, control);
}

void run_work_queue(const Communicator& comm, std::int64_t n_units, const ComputeFn& compute, const SinkFn& sink) {
  const auto r = run_work_queue(comm, n_units, compute, sink, QueueControl{});
  IRREV_ASSERT(r.stalled_ranks.empty(), "a queue without deadlines gave up on a rank");
}

}  // namespace irrev::dist
