#include "irrev/core/error.hpp"

#include <atomic>
#include <cstring>
#include <type_traits>

namespace irrev {
namespace {
std::atomic<int> g_rank{-1};

std::string where(const char* file, int line) {
  // Keep the path from src/ or include/ on, so messages stay short and stable.
  const char* shown = file;
  for (const char* marker : {"/src/", "/include/", "/tests/", "/bench/"}) {
    if (const char* p = std::strstr(file, marker)) {
      shown = p + 1;
      break;
    }
  }
  std::string rank = g_rank >= 0 ? fmt::format(" [rank {}]", g_rank.load()) : std::string{};
  return fmt::format("({}:{}{})", shown, line, rank);
}
}  // namespace

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns the message (maybe not in buf); XSI fills buf.
  auto r = strerror_r(err, buf, sizeof buf);
  if constexpr (std::is_same_v<decltype(r), char*>)
    return r;
  else
    return buf;
}

void set_error_rank(int rank) { g_rank = rank; }
int error_rank() { return g_rank; }

namespace detail {
void throw_input_error(const char* file, int line, const std::string& message) {
  throw InputError(fmt::format("{} {}", message, where(file, line)));
}
void throw_system_error(const char* file, int line, const std::string& message) {
  throw SystemError(fmt::format("{} {}", message, where(file, line)));
}
void throw_internal_error(const char* file, int line, const char* condition, const std::string& message) {
  throw InternalError(fmt::format("internal error: {} (failed: {}) {}", message, condition, where(file, line)));
}
}  // namespace detail
}  // namespace irrev
