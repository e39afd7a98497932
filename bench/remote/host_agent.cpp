#include "host_agent.hpp"

#include <iostream>
#include <optional>

#include "agent_protocol.hpp"
#include "cpu_cgroup.hpp"
#include "cpu_split.hpp"
#include "echo/clock.hpp"
#include "launched_server.hpp"
#include "process_group_usage.hpp"

namespace echo::bench {

int run_host_agent(const AgentOptions& options) {
  std::optional<LaunchedServer> server;
  if (!options.server_argv.empty()) {
    LaunchOptions launch;
    launch.cpus = options.cpus;
    launch.max_fds = options.max_fds;
    try {
      server.emplace(LaunchedServer::start(options.server_argv, launch));
    } catch (const std::exception& error) {
      std::cout << agent::error_answer(error.what()) << std::endl;
      return 1;
    }
  }
  std::cout << agent::ready_answer(server ? server->port() : 0) << std::endl;

  for (std::string request; std::getline(std::cin, request);) {
    if (request == agent::kTime) {
      std::cout << agent::time_answer(unix_time_s()) << std::endl;
    } else if (request == agent::kCpuAccounting) {
      // How this host measures a server's CPU (cpu_cgroup.hpp), for the context.
      std::string why_not;
      const std::string method = cpu_accounting_method(&why_not);
      std::cout << agent::cpu_accounting_answer(method, why_not) << std::endl;
    } else if (request == agent::kCpuSplit) {
      std::cout << agent::cpu_split_answer(split_cpus(allowed_cpus())) << std::endl;
    } else if (request == agent::kSample && server) {
      if (const std::optional<int> status = server->wait_exit(std::chrono::milliseconds(0))) {
        std::cout << agent::exited_answer(*status, server->error_output()) << std::endl;
      } else {
        try {
          std::cout << agent::usage_answer(server->usage()) << std::endl;
        } catch (const std::exception& error) {  // its cgroup unreadable: the case fails, saying so
          std::cout << agent::error_answer(error.what()) << std::endl;
        }
      }
    } else if (request == agent::kStop && server) {
      // A server that already died reports how (wait_exit), not "stopped".
      std::optional<int> status = server->wait_exit(std::chrono::milliseconds(0));
      if (!status) status = server->stop();
      std::cout << agent::stopped_answer(status, server->error_output()) << std::endl;
      server.reset();
    } else {
      std::cout << agent::error_answer("unknown request '" + request + "'") << std::endl;
    }
  }
  return 0;  // end of input: `server` stops it on the way out
}

}  // namespace echo::bench
