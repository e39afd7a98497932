#pragma once
// A server under test, started as its own process in its own process group,
// so the harness can measure everything it does (forked children included)
// and stop exactly what it started.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace echo::bench {

struct LaunchOptions {
  std::chrono::milliseconds ready_timeout{10000};
  std::vector<int> cpus;            ///< pin the server to these CPUs (empty: no pinning)
  std::optional<unsigned> max_fds;  ///< raise (or lower) RLIMIT_NOFILE for it
};

class LaunchedServer {
 public:
  /// Runs `argv` (echo-server or anything printing the same ready line) and
  /// waits for "listening on HOST:PORT". Throws std::runtime_error naming the
  /// reason (and quoting the server's stderr) if it exits or stays silent.
  static LaunchedServer start(const std::vector<std::string>& argv, const LaunchOptions& options);

  /// Runs a shell command in which "{port}" stands for a free port, for
  /// servers without a ready line; waits until that port accepts.
  static LaunchedServer start_command(const std::string& command_template,
                                      const LaunchOptions& options);

  LaunchedServer(LaunchedServer&& other) noexcept;
  LaunchedServer& operator=(LaunchedServer&&) = delete;
  LaunchedServer(const LaunchedServer&) = delete;
  ~LaunchedServer();  ///< kills the group if stop() was not called

  [[nodiscard]] pid_t pid() const { return pid_; }  ///< also the process group id
  [[nodiscard]] std::uint16_t port() const { return port_; }

  /// SIGTERM to the group; SIGKILL after `grace`. Returns the leader's exit
  /// status (128 + signal if killed), or nullopt if it needed SIGKILL.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  /// What the server wrote to standard error.
  [[nodiscard]] std::string error_output() const;

 private:
  LaunchedServer(pid_t pid, std::string stderr_path)
      : pid_(pid), stderr_path_(std::move(stderr_path)) {}

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string stderr_path_;
  bool stopped_ = false;
};

/// "0,1" or "0-3" -> CPU numbers; throws std::invalid_argument.
std::vector<int> parse_cpu_list(const std::string& text);

}  // namespace echo::bench
