#pragma once
// One benchmark case (model x scenario x connections x size ...) and the
// named matrices of cases that echo-bench runs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hostile_clients.hpp"

namespace echo::bench {

enum class Scenario {
  throughput,     ///< closed loop: as fast as the server goes
  latency,        ///< open loop at a fixed rate, the same for every model
  slo_capacity,   ///< highest open-loop rate whose p99 meets the SLO (a search)
  cpu_work,       ///< closed loop, server burns --work-us CPU per message
  blocking_work,  ///< closed loop, server sleeps --block-us per message
  idle_scale,     ///< N connections that only connect and say hello once
  churn,          ///< connect, echo one message, close, repeat
  hostile,        ///< a closed-loop load while clients that misbehave are attached
  restart,        ///< open loop with --reconnect; the server restarts mid-window
};

const char* scenario_name(Scenario scenario);

struct BenchCase {
  Scenario scenario = Scenario::throughput;
  std::string model;           ///< echo-server model, or a --server-cmd name
  std::string server_command;  ///< bring-your-own server ("{port}" = its port)
  bool udp = false;
  unsigned connections = 16;
  std::size_t size = 64;
  double rate = 0;  ///< latency: offered msgs/s in total
  unsigned work_us = 0;
  unsigned block_us = 0;
  unsigned slo_us = 0;  ///< slo-capacity: the p99 target
  /// asio-coroutine+offload: the model with its per-message work on a pool
  /// (--offload-threads); the case's name says "MODEL+offload".
  bool offload = false;
  /// MODEL+defended: the model with its timeouts on (kDefendedTimeoutS).
  bool defended = false;
  /// hostile: what the `bad` clients attached beside the load do.
  HostileKind hostile_kind = HostileKind::idle;
  unsigned bad = 0;
  /// A --server-cmd entrant that always listens on this port (0: it takes
  /// the free port echo-bench gives it as {port}).
  std::uint16_t server_port = 0;
  /// A --variant entrant: echo-server's model `server_model` with
  /// `server_args` on top of the usual arguments (empty: `model` as usual).
  std::string server_model{};
  std::vector<std::string> server_args{};

  /// The entrant: the model, "asio-coroutine+offload" or "MODEL+defended".
  [[nodiscard]] std::string entrant() const {
    return offload ? model + "+offload" : defended ? model + "+defended" : model;
  }

  /// "throughput/tcp/thread-pool/conns:64/size:64" (+ rate:, work_us:,
  /// block_us:, slo_us:; hostile: kind:, bad:)
  [[nodiscard]] std::string name() const;
};

/// --idle-timeout and --write-timeout of a MODEL+defended entrant, seconds:
/// above the trickle's one byte a second, so a trickle stays what it is, a
/// client no idle timeout catches.
inline constexpr unsigned kDefendedTimeoutS = 2;

struct CustomServer {
  std::string name;
  std::string command;     ///< shell command; "{port}" is replaced by the port
  std::uint16_t port = 0;  ///< a server that always listens here (0: {port})
  /// A --variant (command empty): echo-server's model `model` with `args`.
  std::string model{};
  std::vector<std::string> args{};
};

/// The cases of matrix "quick" (CI smoke, under a minute), "default" (the
/// main comparison, under 6 minutes on 2 cores with its repetitions) or
/// "full" (everything). `slo_us` is the p99 target of the slo-capacity
/// cases. Throws std::invalid_argument for another name.
std::vector<BenchCase> build_matrix(const std::string& matrix,
                                    const std::vector<CustomServer>& custom_servers,
                                    unsigned slo_us = 1000);

/// How each named matrix is run unless the command line says otherwise.
struct MatrixTiming {
  double duration_s;
  double warmup_s;
  int repetitions;
  double probe_s;  ///< slo-capacity: measured seconds per probed rate
};
MatrixTiming matrix_timing(const std::string& matrix);

}  // namespace echo::bench
