#pragma once
/// A progress line on stderr with count, rate and ETA, for every stage that loops over data.
/// Only the rank that owns it prints (rank 0 by convention); it redraws at most twice a second
/// and stays quiet when stderr is not a terminal, apart from a line every 10 % and a final line,
/// so batch logs under SLURM stay readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace irrev {

class Progress {
 public:
  Progress(std::string label, std::int64_t total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Add `n` finished items.
  void advance(std::int64_t n);
  /// Print the final line (also done by the destructor).
  void finish();

  /// "12.3/s" style rate and "1m05s" style duration, exposed for tests and logs.
  static std::string format_duration(double seconds);

 private:
  void draw(bool final_line);

  std::string m_label;
  std::int64_t m_total;
  std::int64_t m_done = 0;
  bool m_enabled;
  bool m_tty;
  bool m_finished = false;
  int m_last_decile = -1;
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_draw;
};

}  // namespace irrev
