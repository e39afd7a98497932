#pragma once
// Parses echo-server's command line (CLI11) into a ServerConfig. Parsing is a
// pure function of argv so the unit tests can exercise every error path.

#include <optional>
#include <span>
#include <string>

#include "server.hpp"

namespace echo {

/// A model as --help lists it.
struct ModelDescription {
  std::string name;
  std::string summary;  ///< one line
  bool supports_udp = false;
};

/// Either a config to run, or what to print and the exit status to return:
/// 0 after --help, 2 for bad usage.
struct ParsedOptions {
  std::optional<ServerConfig> config;
  int exit_code = 0;
  std::string message;  ///< for stdout when exit_code == 0, stderr otherwise
};

ParsedOptions parse_server_options(int argc, const char* const* argv,
                                   std::span<const ModelDescription> models);

}  // namespace echo
