#pragma once
// Parses echo-load's command line (CLI11) into a LoadConfig; a pure function
// of argv so the tests can check every error path.

#include <optional>
#include <string>

#include "load_config.hpp"

namespace echo {

struct ParsedLoadOptions {
  std::optional<LoadConfig> config;
  int exit_code = 0;    ///< 0 after --help, 2 for bad usage
  std::string message;  ///< help text, or the error
};

ParsedLoadOptions parse_load_options(int argc, const char* const* argv);

}  // namespace echo
