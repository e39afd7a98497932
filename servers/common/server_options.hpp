#pragma once
// Parses echo-server's command line (CLI11) into a ServerConfig. Parsing is a
// pure function of argv so the unit tests can exercise every error path.

#include <optional>
#include <span>
#include <string>

#include "model_catalog.hpp"
#include "server.hpp"

namespace echo {

/// Either a config to run, or what to print and the exit status to return:
/// 0 after --help and --list-models, 2 for bad usage.
struct ParsedOptions {
  std::optional<ServerConfig> config;
  int exit_code = 0;
  std::string message;  ///< for stdout when exit_code == 0, stderr otherwise
};

ParsedOptions parse_server_options(int argc, const char* const* argv,
                                   std::span<const ModelDescription> models);

}  // namespace echo
