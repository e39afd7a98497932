#include "host_agent.hpp"

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "cpu_cgroup.hpp"
#include "echo/clock.hpp"
#include "launched_server.hpp"
#include "process_group_usage.hpp"

namespace echo::bench {
namespace {

// A server's stderr on one line (the protocol is line by line), short
// enough to quote in an error.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  constexpr std::size_t kLongest = 400;
  if (text.size() > kLongest) text = text.substr(text.size() - kLongest);
  return text;
}

std::string status_text(std::optional<int> status) { return std::to_string(status.value_or(-1)); }

std::string usage_line(const ProcessGroupUsage& u) {
  char line[256];
  std::snprintf(line, sizeof line, "usage %.9f %llu %llu %.6f %.6f %u %u", u.cpu_s,
                static_cast<unsigned long long>(u.voluntary_switches),
                static_cast<unsigned long long>(u.involuntary_switches), u.pss_mib, u.pss_anon_mib,
                u.threads, u.processes);
  return line;
}

}  // namespace

int run_host_agent(const AgentOptions& options) {
  std::optional<LaunchedServer> server;
  if (!options.server_argv.empty()) {
    LaunchOptions launch;
    launch.cpus = options.cpus;
    launch.max_fds = options.max_fds;
    try {
      server.emplace(LaunchedServer::start(options.server_argv, launch));
    } catch (const std::exception& error) {
      std::cout << "error " << one_line(error.what()) << std::endl;
      return 1;
    }
  }
  std::cout << "ready " << (server ? server->port() : 0) << std::endl;

  for (std::string request; std::getline(std::cin, request);) {
    if (request == "time") {
      char line[64];
      std::snprintf(line, sizeof line, "time %.9f", unix_time_s());
      std::cout << line << std::endl;
    } else if (request == "cpu-accounting") {
      // How this host measures a server's CPU (cpu_cgroup.hpp), for the context.
      std::string why_not;
      const std::string method = cpu_accounting_method(&why_not);
      std::cout << "cpu-accounting " << method << (why_not.empty() ? "" : " ") << one_line(why_not)
                << std::endl;
    } else if (request == "sample" && server) {
      if (const std::optional<int> status = server->wait_exit(std::chrono::milliseconds(0))) {
        std::cout << "exited " << *status << ' ' << one_line(server->error_output()) << std::endl;
      } else {
        try {
          std::cout << usage_line(server->usage()) << std::endl;
        } catch (const std::exception& error) {  // its cgroup unreadable: the case fails, saying so
          std::cout << "error " << one_line(error.what()) << std::endl;
        }
      }
    } else if (request == "stop" && server) {
      // A server that already died reports how (wait_exit), not "stopped".
      std::optional<int> status = server->wait_exit(std::chrono::milliseconds(0));
      if (!status) status = server->stop();
      std::cout << "stopped " << status_text(status) << ' ' << one_line(server->error_output())
                << std::endl;
      server.reset();
    } else {
      std::cout << "error unknown request '" << one_line(request) << "'" << std::endl;
    }
  }
  return 0;  // end of input: `server` stops it on the way out
}

}  // namespace echo::bench
