#include "irrev/core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <cmath>

#include <cstdio>

namespace irrev {

Progress::Progress(std::string label, std::int64_t total, bool enabled)
    : m_label(std::move(label)),
      m_total(total),
      m_enabled(enabled),
      m_tty(isatty(STDERR_FILENO) != 0),
      m_start(std::chrono::steady_clock::now()),
      m_last_draw(m_start) {}

Progress::~Progress() { finish(); }

std::string Progress::format_duration(double seconds) {
  if (seconds < 0 || seconds != seconds) return "?";
  const long long s = std::llround(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

void Progress::advance(std::int64_t n) {
  m_done += n;
  if (!m_enabled) return;
  auto now = std::chrono::steady_clock::now();
  int decile = m_total > 0 ? static_cast<int>(10 * m_done / m_total) : 0;
  bool redraw = m_tty ? (now - m_last_draw > std::chrono::milliseconds(500)) : (decile != m_last_decile);
  if (redraw) {
    m_last_draw = now;
    m_last_decile = decile;
    draw(false);
  }
}

void Progress::finish() {
  if (m_finished) return;
  m_finished = true;
  // A pipe already got the 100 % line from advance(); a terminal needs its final newline.
  if (m_enabled && (m_tty || m_last_decile != 10)) draw(true);
}

void Progress::draw(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0.0;
  double eta = rate > 0 ? static_cast<double>(m_total - m_done) / rate : -1.0;
  double pct = m_total > 0 ? 100.0 * static_cast<double>(m_done) / static_cast<double>(m_total) : 100.0;
  std::string line = fmt::format("{}: {}/{} ({:.1f}%) {:.1f}/s elapsed {} eta {}", m_label, m_done, m_total, pct, rate,
                                 format_duration(elapsed), final_line ? "0s" : format_duration(eta));
  if (m_tty) {
    std::fprintf(stderr, "\r%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace irrev
