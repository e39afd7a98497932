#pragma once
// The part of echo-bench that runs on another host (echo-bench-agent,
// started over SSH or `ip netns exec` by remote_hosts.cpp): it starts the
// server there, in its own process group, and measures what the server costs
// on that host, so /proc is read where the server runs and never copied over
// the wire. It also reads that host's wall clock, for the synchronised start.
//
// It speaks the line protocol of agent_protocol.hpp on stdin and stdout.
// End of input (echo-bench finished, died or lost the connection) stops the
// server and ends the agent: nothing outlives the run that started it.

#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

struct AgentOptions {
  std::vector<std::string> server_argv;  ///< empty: only answer `time`
  std::vector<int> cpus;                 ///< pin the server here
  std::optional<unsigned> max_fds;
};

/// Serves the protocol above on stdin/stdout until end of input; the exit
/// status is 0 unless the server could not be started.
int run_host_agent(const AgentOptions& options);

}  // namespace echo::bench
