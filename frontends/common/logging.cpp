#include "frontends/common/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace pstorage::frontend {

static spdlog::level::level_enum level_for(int verbosity) {
  return verbosity >= 2 ? spdlog::level::trace : verbosity == 1 ? spdlog::level::debug : spdlog::level::info;
}

void setup_logging(const std::string& name, const std::filesystem::path& log_file, int verbosity) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!log_file.empty()) {
    std::filesystem::create_directories(log_file.parent_path());
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file.string()));
  }
  auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  logger->set_level(level_for(verbosity));
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %n[%P] %l: %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void setup_cli_logging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("pstorage");
  logger->set_level(verbosity >= 2 ? spdlog::level::debug : verbosity == 1 ? spdlog::level::info
                                                                           : spdlog::level::warn);
  logger->set_pattern("%l: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace pstorage::frontend
