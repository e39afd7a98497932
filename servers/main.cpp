// echo-server: parses the command line, starts the chosen model, prints the
// ready line and serves until SIGINT/SIGTERM. The contract it keeps (ready
// line, exit statuses) is docs/cli.md's.

#include <cstdio>
#include <exception>
#include <stdexcept>

#include "common/server_options.hpp"
#include "common/shutdown_signals.hpp"
#include "echo/socket_ops.hpp"
#include "model_registry.hpp"

int main(int argc, char** argv) {
  const echo::ParsedOptions parsed = echo::parse_server_options(argc, argv, echo::model_catalog());
  if (!parsed.config) {
    std::fputs((parsed.message + "\n").c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  echo::ServerConfig config = *parsed.config;

  // Before any thread exists, so that every thread inherits the mask.
  const echo::ShutdownSignals signals;
  config.work.stop_fd = signals.fd();  // simulated work ends early on shutdown

  try {
    const echo::ServerFactory make = echo::find_factory(config.model);
    if (make == nullptr) throw std::logic_error("no factory for model " + config.model);
    auto server = make(config);
    const std::uint16_t port = server->start();
    // The ready line: harnesses wait for exactly this (docs/cli.md).
    std::printf("listening on %s\n", echo::format_endpoint(config.host, port).c_str());
    std::fflush(stdout);
    server->run(signals.fd());
  } catch (const echo::StartError& error) {
    std::fprintf(stderr, "echo-server: %s\n", error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo-server: fatal: %s\n", error.what());
    return 1;
  }
  return 0;
}
