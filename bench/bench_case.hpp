#pragma once
// One benchmark case (model x scenario x connections x size ...) and the
// named matrices of cases that echo-bench runs.

#include <cstddef>
#include <string>
#include <vector>

namespace echo::bench {

enum class Scenario {
  throughput,     ///< closed loop: as fast as the server goes
  latency,        ///< open loop at a fraction of the model's measured peak
  cpu_work,       ///< closed loop, server burns --work-us CPU per message
  blocking_work,  ///< closed loop, server sleeps --block-us per message
  idle_scale,     ///< N connections that only connect and say hello once
  churn,          ///< connect, echo one message, close, repeat
};

const char* scenario_name(Scenario scenario);

struct BenchCase {
  Scenario scenario = Scenario::throughput;
  std::string model;           ///< echo-server model, or a --server-cmd name
  std::string server_command;  ///< bring-your-own server ("{port}" = its port)
  bool udp = false;
  unsigned connections = 16;
  std::size_t size = 64;
  double rate_fraction = 0;  ///< latency: fraction of the measured peak
  unsigned work_us = 0;
  unsigned block_us = 0;

  /// "throughput/tcp/thread-pool/conns:64/size:64" (+ rate:, work_us:, block_us:)
  [[nodiscard]] std::string name() const;
};

struct CustomServer {
  std::string name;
  std::string command;  ///< shell command; "{port}" is replaced by the port
};

/// The cases of matrix "quick" (CI smoke, under a minute), "default" (the
/// main comparison, under 3 minutes on 2 cores) or "full" (everything).
/// Throws std::invalid_argument for another name.
std::vector<BenchCase> build_matrix(const std::string& matrix,
                                    const std::vector<CustomServer>& custom_servers);

}  // namespace echo::bench
