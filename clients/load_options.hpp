#pragma once
// Parses echo-load's command line (CLI11) into a LoadConfig; a pure function
// of argv so the tests can check every error path.

#include <optional>
#include <string>
#include <vector>

#include "load_config.hpp"

namespace echo {

struct ParsedLoadOptions {
  std::optional<LoadConfig> config;
  int exit_code = 0;    ///< 0 after --help, 2 for bad usage
  std::string message;  ///< help text, or the error
};

ParsedLoadOptions parse_load_options(int argc, const char* const* argv);

/// The inverse: echo-load's options (without the program name) for every
/// setting of `config`, so another host's echo-load runs exactly the config
/// echo-bench built for a local run (echo-bench --remote). interval_s < 0
/// leaves --interval to echo-load's default; progress_lines is echo-load's
/// own choice from --interval.
std::vector<std::string> load_arguments(const LoadConfig& config);

}  // namespace echo
