#include "irrev/core/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "irrev/core/error.hpp"

namespace irrev {

void init_logging(int rank, const std::string& level, const std::string& file) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!file.empty()) sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
  auto logger = std::make_shared<spdlog::logger>("irrev", sinks.begin(), sinks.end());
  logger->set_pattern(fmt::format("[%Y-%m-%d %H:%M:%S.%e] [rank {}] [%l] %v", rank));
  auto lvl = spdlog::level::from_str(level);
  IRREV_CHECK(lvl != spdlog::level::off || level == "off",
              "unknown log level '{}' (use trace, debug, info, warn, error)", level);
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
}

}  // namespace irrev
